import { describe, expect, it } from 'vitest';
import { ageInDays, parseUtcDate, utcDateString } from '../../src/core/age';
import { InvalidInputError } from '../../src/core/errors';

const DAY = 86_400_000;
const NOW = new Date('2027-06-15T12:00:00.000Z');

describe('ageInDays', () => {
  it.each([89, 90, 91])('a key created exactly %i×24h ago is %i days old', (n) => {
    expect(ageInDays(new Date(NOW.getTime() - n * DAY), NOW)).toBe(n);
  });

  it('counts UTC calendar days, not elapsed 24h periods', () => {
    const now = new Date('2027-06-15T00:00:01Z');
    // Two seconds elapsed, but the UTC date changed once.
    expect(ageInDays(new Date('2027-06-14T23:59:59Z'), now)).toBe(1);
    expect(ageInDays(new Date('2027-06-15T00:00:00Z'), now)).toBe(0);
  });

  it('one second before UTC midnight is one day older than one second after it', () => {
    const now = new Date('2027-09-12T08:30:00Z');
    const before = ageInDays(new Date('2027-06-14T23:59:59Z'), now);
    const after = ageInDays(new Date('2027-06-15T00:00:01Z'), now);
    // 2027-06-14 -> 2027-09-12: 16 days left in June + 31 + 31 + 12 = 90.
    expect(before).toBe(90);
    expect(after).toBe(89);
  });

  it('ignores the local time zone offset of the timestamp text', () => {
    // 2027-06-15T01:00+02:00 is 2027-06-14T23:00Z: still the 14th in UTC.
    expect(ageInDays(new Date('2027-06-15T01:00:00+02:00'), new Date('2027-06-15T10:00:00Z'))).toBe(1);
  });

  it('counts the leap day 2028-02-29', () => {
    expect(ageInDays(new Date('2028-02-28T10:00:00Z'), new Date('2028-03-01T10:00:00Z'))).toBe(2);
    expect(ageInDays(new Date('2028-02-29T23:59:59Z'), new Date('2028-03-01T00:00:00Z'))).toBe(1);
    // A year that contains the leap day has 366 days.
    expect(ageInDays(new Date('2028-01-01T00:00:00Z'), new Date('2029-01-01T00:00:00Z'))).toBe(366);
  });

  it('gives 0, never a negative age, for a date in the future (clock skew)', () => {
    expect(ageInDays(new Date('2027-06-16T00:00:00Z'), NOW)).toBe(0);
    expect(ageInDays(new Date('2030-01-01T00:00:00Z'), NOW)).toBe(0);
    expect(Object.is(ageInDays(new Date(NOW.getTime() + 1000), NOW), 0)).toBe(true);
  });

  it('rejects an invalid Date with an InvalidInputError naming the argument', () => {
    expect(() => ageInDays(new Date('nope'), NOW)).toThrow(InvalidInputError);
    expect(() => ageInDays(NOW, new Date(Number.NaN))).toThrow(/now must be a valid Date/);
  });
});

describe('utcDateString', () => {
  it('gives the UTC date, whatever the local offset', () => {
    expect(utcDateString(new Date('2027-06-15T23:59:59Z'))).toBe('2027-06-15');
    expect(utcDateString(new Date('2027-06-16T01:00:00+03:00'))).toBe('2027-06-15');
    expect(utcDateString(new Date('2028-02-29T00:00:00Z'))).toBe('2028-02-29');
  });
});

describe('parseUtcDate', () => {
  it('parses YYYY-MM-DD as midnight UTC', () => {
    expect(parseUtcDate('2027-01-31').toISOString()).toBe('2027-01-31T00:00:00.000Z');
    expect(parseUtcDate('2028-02-29').toISOString()).toBe('2028-02-29T00:00:00.000Z');
  });

  it.each(['2027-02-29', '2027-13-01', '2027-04-31', '2027-00-10'])('rejects the impossible date %s', (s) => {
    expect(() => parseUtcDate(s, 'until')).toThrow(/until is not a real calendar date/);
  });

  it.each(['2027-1-31', '31/01/2027', '2027-01-31T00:00:00Z', '', ' 2027-01-31'])(
    'rejects %j with the expected format in the message',
    (s) => {
      expect(() => parseUtcDate(s, 'until')).toThrow(InvalidInputError);
      expect(() => parseUtcDate(s, 'until')).toThrow(/until must be a date written YYYY-MM-DD/);
    },
  );
});
