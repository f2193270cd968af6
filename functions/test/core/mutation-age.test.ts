/**
 * Ages are whole UTC calendar days, from one module (docs/design.md, "Findings"); dates are
 * YYYY-MM-DD, and an impossible date is refused rather than rolled over (which would silently
 * extend an exemption). These cases close gaps mutation testing found (docs/mutation-testing.md).
 */
import { describe, expect, it } from 'vitest';
import { ageInDays, parseUtcDate, utcDateString } from '../../src/core/age';
import { InvalidInputError } from '../../src/core/errors';

const NOW = new Date('2027-06-15T12:00:00.000Z');
const INVALID = new Date('not a date');

describe('the argument named in an invalid-Date error', () => {
  it('ageInDays names `from` or `now`, whichever is invalid', () => {
    expect(() => ageInDays(INVALID, NOW)).toThrow(
      'from must be a valid Date (got an invalid Date); check the value it was parsed from',
    );
    expect(() => ageInDays(NOW, INVALID)).toThrow(
      'now must be a valid Date (got an invalid Date); check the value it was parsed from',
    );
  });

  it('utcDateString names `date`', () => {
    expect(() => utcDateString(INVALID)).toThrow(InvalidInputError);
    expect(() => utcDateString(INVALID)).toThrow(/^date must be a valid Date/);
  });
});

describe('parseUtcDate', () => {
  it('names the field `date` when the caller gives none', () => {
    expect(() => parseUtcDate('2027/01/31')).toThrow(
      'date must be a date written YYYY-MM-DD, like "2027-01-31" (got "2027/01/31")',
    );
    expect(() => parseUtcDate('2027-02-30')).toThrow(
      'date is not a real calendar date (got "2027-02-30"); check the month and day',
    );
  });

  it('refuses a value that is not a string, even one that prints as a date', () => {
    // Configuration is JSON: a list holding the date is not the date.
    expect(() => parseUtcDate(['2027-01-31'] as unknown as string, 'until')).toThrow(
      'until must be a date written YYYY-MM-DD, like "2027-01-31" (got ["2027-01-31"])',
    );
    expect(() => parseUtcDate(20270131 as unknown as string, 'until')).toThrow(InvalidInputError);
  });

  it('refuses day 00 and a day past the end of the month, in every month length', () => {
    for (const s of ['2027-03-00', '2027-01-32', '2027-06-31', '2028-02-30', '2027-12-32']) {
      expect(() => parseUtcDate(s, 'until'), s).toThrow(/until is not a real calendar date/);
    }
    expect(parseUtcDate('2027-12-31').toISOString()).toBe('2027-12-31T00:00:00.000Z');
  });

  it('keeps years below 100 as written (no 19xx)', () => {
    expect(parseUtcDate('0099-12-31').getUTCFullYear()).toBe(99);
  });
});
