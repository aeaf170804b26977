import { describe, expect, it } from 'vitest';
import { serviceUnavailable } from '@omnibus/contract-tests';
import { formatSummary, runOrderFlow } from '../src/order-flow.js';

describe('the order example on memory://', () => {
  it('settles every order once, never double-charges, and notifies everyone', async () => {
    const summary = await runOrderFlow({
      transport: 'memory://',
      orders: 20,
      seed: 42,
      failureRate: 0.3,
      timeoutMs: 30_000,
    });
    expect(summary.ok).toBe(true);
    expect(summary.confirmed + summary.failed).toBe(20);
    expect(summary.failed).toBeGreaterThan(0);
    expect(summary.doubleCharges).toBe(0);
    expect(summary.charges).toBe(summary.confirmed);
    expect(summary.emails).toBe(20);
    expect(summary.sms).toBe(20);
    expect(summary.financeAlerts).toBe(summary.expectedFinanceAlerts);
    expect(summary.stockConsistent).toBe(true);
    expect(formatSummary(summary)).toMatch(
      /^orders=20 confirmed=\d+ failed=\d+ charges=\d+ double-charges=0 emails=20 sms=20 finance-alerts=\d+ stock-consistent=yes$/,
    );
  });

  it('stays correct when every payment run fails after charging half the time', async () => {
    const summary = await runOrderFlow({
      transport: 'memory://',
      orders: 30,
      seed: 7,
      failureRate: 0.5,
      timeoutMs: 30_000,
    });
    expect(summary).toMatchObject({ ok: true, doubleCharges: 0, emails: 30, sms: 30 });
  });
});

const postgresUrl = process.env.OMNIBUS_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const postgresUnavailable = await serviceUnavailable({
  name: 'PostgreSQL',
  url: postgresUrl,
  defaultPort: 5432,
  howToStart:
    '`docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres:16`',
});

describe.skipIf(postgresUnavailable !== undefined)('the order example with the PostgreSQL outbox', () => {
  it('keeps stock in PostgreSQL, announces reservations through the outbox, and stays correct', async () => {
    const summary = await runOrderFlow({
      transport: 'memory://',
      orders: 20,
      seed: 42,
      failureRate: 0.3,
      timeoutMs: 60_000,
      databaseUrl: postgresUrl,
    });
    expect(summary).toMatchObject({ ok: true, doubleCharges: 0, emails: 20, sms: 20, stockConsistent: true });
  });
});
