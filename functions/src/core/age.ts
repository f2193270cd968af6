/**
 * The ONE way org-key-audit measures ages: whole UTC calendar days. Every finding, digest line
 * and test uses these functions, so a key never looks 89 days old in one place and 90 in another.
 */
import { InvalidInputError } from './errors';

const MS_PER_DAY = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function utcDayNumber(d: Date, field: string): number {
  const t = d.getTime();
  if (Number.isNaN(t)) {
    throw new InvalidInputError(
      `${field} must be a valid Date (got an invalid Date); check the value it was parsed from`,
    );
  }
  return Math.floor(t / MS_PER_DAY);
}

/**
 * Whole UTC calendar days from the UTC date of `from` to the UTC date of `now`.
 * A key created 23:59:59 UTC on day D is one day older than one created 00:00:01 on D+1,
 * which is how a person reading dates in the report counts. Clock skew (`from` after `now`)
 * gives 0: a negative age would only confuse thresholds and the digest.
 */
export function ageInDays(from: Date, now: Date): number {
  const days = utcDayNumber(now, 'now') - utcDayNumber(from, 'from');
  return Math.max(days, 0);
}

/** The UTC date of `d` as YYYY-MM-DD. */
export function utcDateString(d: Date): string {
  utcDayNumber(d, 'date');
  return d.toISOString().slice(0, 10);
}

/**
 * Parses YYYY-MM-DD as midnight UTC. Rejects impossible dates (2027-02-29) instead of letting
 * `Date` roll them over into March, which would silently extend an exemption.
 */
export function parseUtcDate(s: string, field = 'date'): Date {
  const m = typeof s === 'string' ? ISO_DATE.exec(s) : null;
  if (m === null) {
    throw new InvalidInputError(
      `${field} must be a date written YYYY-MM-DD, like "2027-01-31" (got ${JSON.stringify(s)})`,
    );
  }
  const [, y, mo, da] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(da);
  const d = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear undoes that for the rare odd input.
  d.setUTCFullYear(year);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) {
    throw new InvalidInputError(`${field} is not a real calendar date (got "${s}"); check the month and day`);
  }
  return d;
}
