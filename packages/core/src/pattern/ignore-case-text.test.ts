import { describe, expect, it } from 'vitest';
import { ignoreCaseText } from './ignore-case-text.js';

describe('ignoreCaseText', () => {
  it('accepts either case of each character, and nothing else', () => {
    const text = ignoreCaseText('EventB');
    expect(['eventb', 'EVENTB', 'eVeNtB'].map(text.equals)).toEqual([true, true, true]);
    expect(['eventbr', 'event', 'eventc'].map(text.equals)).toEqual([false, false, false]);
    expect(text.startsOf('EVENTBRIDGE')).toBe(true);
    expect(text.endsOf('my-eventb')).toBe(true);
    expect(text.endsOf('ventb')).toBe(false);
  });

  it('handles forms longer than one unit, as Java folding does', () => {
    const sharp = ignoreCaseText('straße');
    expect(['STRASSE', 'straße', 'STRAßE', 'strasse'].map(sharp.equals)).toEqual([true, true, true, false]);
    expect(sharp.startsOf('STRASSEN')).toBe(true);
    expect(ignoreCaseText('ß').endsOf('GROSS')).toBe(true);
  });

  it('folds the pattern, not the event: a title-case pattern letter does not match itself', () => {
    const title = ignoreCaseText('ǅ');
    expect(['ǆ', 'Ǆ', 'ǅ'].map(title.equals)).toEqual([true, true, false]);
  });
});
