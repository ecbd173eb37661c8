import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isoTime } from '../../src/util/iso-time.js';

describe('isoTime', () => {
  it('prints what Date#toISOString prints, across years 0000-9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => {
        expect(isoTime(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 20_000 },
    );
  });

  it('at the edges: epoch, leap days, century rules, the last millisecond of 9999', () => {
    for (const text of [
      '1970-01-01T00:00:00.000Z',
      '1969-12-31T23:59:59.999Z',
      '2000-02-29T12:00:00.001Z',
      '1900-03-01T00:00:00.000Z',
      '2100-02-28T23:59:59.999Z',
      '2024-12-31T23:59:59.999Z',
      '0000-01-01T00:00:00.000Z',
      '9999-12-31T23:59:59.999Z',
    ]) {
      expect(isoTime(Date.parse(text))).toBe(text);
    }
  });

  it('falls back to the Date route beyond 9999, for fractions, and throws for what is not a time', () => {
    expect(isoTime(253_402_300_800_000)).toBe('+010000-01-01T00:00:00.000Z');
    expect(isoTime(1.5)).toBe(new Date(1.5).toISOString());
    expect(() => isoTime(Number.NaN)).toThrow(RangeError);
    expect(() => isoTime(8.64e15 + 1)).toThrow(RangeError);
  });
});
