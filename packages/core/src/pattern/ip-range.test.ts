import { describe, expect, it } from 'vitest';
import { addressRange, compileRangeTest, parseCidr, parseIpAddress } from './ip-range.js';

function bytes(text: string): number[] | undefined {
  const into = new Uint8Array(16);
  const length = parseIpAddress(text, into);
  return length === 0 ? undefined : [...into.slice(0, length)];
}

describe('parseIpAddress', () => {
  it('reads dotted-quad IPv4', () => {
    expect(bytes('10.0.0.255')).toEqual([10, 0, 0, 255]);
    expect(bytes('0.0.0.0')).toEqual([0, 0, 0, 0]);
  });

  it.each(['10.0.0.256', '10.0.0', '10.0.0.1.2', '010.0.0.1', '10.0.0.-1', '1.2.3.4 ', 'a.b.c.d', ''])(
    'rejects %j',
    (text) => {
      expect(bytes(text)).toBeUndefined();
    },
  );

  it('reads full and compressed IPv6', () => {
    expect(bytes('2001:0db8:0000:0000:0000:0000:0000:0001')).toEqual(bytes('2001:db8::1'));
    expect(bytes('::')).toEqual(new Array(16).fill(0));
    expect(bytes('::1')?.[15]).toBe(1);
    expect(bytes('1::')?.[1]).toBe(1);
    expect(bytes('FFFF::')?.slice(0, 2)).toEqual([255, 255]);
  });

  it.each([
    ':1',
    '1:',
    '1:::2',
    '1::2::3',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '12345::',
    '::ffff:10.0.0.1',
    'g::1',
  ])('rejects %j', (text) => {
    expect(bytes(text)).toBeUndefined();
  });

  it('reads an IPv4-mapped IPv6 address as IPv4', () => {
    expect(bytes('::ffff:a00:1')).toEqual([10, 0, 0, 1]);
  });
});

describe('parseCidr', () => {
  it('clears host bits', () => {
    const range = parseCidr('10.1.2.3/8');
    expect(range).toMatchObject({ family: 4, maskBits: 8 });
    expect(typeof range !== 'string' && [...range.network]).toEqual([10, 0, 0, 0]);
  });

  it('accepts a trailing slash after the mask, as Java splitting does', () => {
    expect(parseCidr('10.0.0.0/8/')).toMatchObject({ maskBits: 8 });
  });

  it('returns reasons for bad blocks', () => {
    expect(parseCidr('10.0.0.0')).toContain('one "/"');
    expect(parseCidr('10.0.0.0/33')).toContain('31 bits or fewer');
    expect(parseCidr('::/128')).toContain('127 bits or fewer');
  });
});

describe('compileRangeTest', () => {
  it('tests membership without confusing families', () => {
    const v4 = compileRangeTest(parseCidr('192.168.0.0/16') as Exclude<ReturnType<typeof parseCidr>, string>);
    expect(['192.168.3.4', '192.169.0.0', '::ffff:c0a8:1', '::1', 'nope'].map(v4)).toEqual([
      true,
      false,
      true,
      false,
      false,
    ]);
    const v6 = compileRangeTest(parseCidr('fe80::/10') as Exclude<ReturnType<typeof parseCidr>, string>);
    expect(['fe80::1', 'febf::1', 'fec0::1', '10.0.0.1'].map(v6)).toEqual([true, true, false, false]);
  });

  it('matches exactly one address for an address range', () => {
    const one = compileRangeTest(addressRange('2001:db8::1')!);
    expect(['2001:0db8:0:0:0:0:0:1', '2001:db8::2'].map(one)).toEqual([true, false]);
    expect(addressRange('not an address')).toBeUndefined();
  });
});
