/**
 * What the property tests expect of an audit, worked out from the documented rules and never
 * from the product: the findings table of docs/design.md ("Findings", with the defaults of
 * docs/architecture.md), ages in whole UTC calendar days, and what a credential-report cell may
 * hold (docs/aws-behaviour.md, "IAM credential report"). Written apart from the product's policy
 * on purpose, so that a rule broken there cannot hide behind the same reading here.
 */
import { expect } from 'vitest';

const DAY_MS = 86_400_000;

/** The defaults of the findings table (docs/design.md, "Findings"). */
export const DOCUMENTED_DEFAULTS = {
  rotationDueSoonDays: 80,
  rotationOverdueDays: 90,
  rotationCriticalDays: 365,
  reminderDays: [90],
  unusedDays: 45,
  neverUsedGraceDays: 7,
  inactiveLingeringDays: 30,
} as const;

/** Whole UTC calendar days from the UTC date of `fromMs` to that of `nowMs`; a later date gives 0. */
export function calendarAge(fromMs: number, nowMs: number): number {
  return Math.max(0, Math.floor(nowMs / DAY_MS) - Math.floor(fromMs / DAY_MS));
}

/** One key as the test planted it. */
export interface OracleKey {
  readonly accessKeyId: string | null;
  readonly active: boolean;
  readonly createdMs: number;
  /** Null: never used. */
  readonly lastUsedMs: number | null;
}

/** A finding reduced to what the rules decide. */
export interface ExpectedFinding {
  readonly userName: string;
  readonly accessKeyId: string | null;
  readonly type: string;
  readonly severity: string;
  readonly ageDays: number | null;
}

/** The findings of one IAM user (not root) under the documented defaults. */
export function userFindings(userName: string, keys: readonly OracleKey[], nowMs: number): ExpectedFinding[] {
  const t = DOCUMENTED_DEFAULTS;
  const out: ExpectedFinding[] = [];
  const add = (key: OracleKey, type: string, severity: string) =>
    out.push({
      userName,
      accessKeyId: key.accessKeyId,
      type,
      severity,
      ageDays: calendarAge(key.createdMs, nowMs),
    });
  for (const key of keys) {
    const age = calendarAge(key.createdMs, nowMs);
    if (!key.active) {
      // Inactive keys never count for rotation, use or reminders.
      if (age > t.inactiveLingeringDays) add(key, 'INACTIVE_KEY_LINGERING', 'info');
      continue;
    }
    if (age >= t.rotationOverdueDays) {
      add(key, 'ROTATION_OVERDUE', age >= t.rotationCriticalDays ? 'critical' : 'high');
    } else if (age >= t.rotationDueSoonDays) {
      add(key, 'ROTATION_DUE_SOON', 'low');
    }
    if ((t.reminderDays as readonly number[]).includes(age)) add(key, 'REMINDER_DAY', 'info');
    if (key.lastUsedMs === null) {
      if (age > t.neverUsedGraceDays) add(key, 'NEVER_USED', 'medium');
    } else if (calendarAge(key.lastUsedMs, nowMs) >= t.unusedDays) {
      add(key, 'UNUSED', 'medium');
    }
  }
  const active = keys.filter((k) => k.active);
  if (active.length === 2) {
    // Reported once, on the older key (the planted keys never share a creation instant).
    const older = active.reduce((a, b) => (b.createdMs < a.createdMs ? b : a));
    add(older, 'TWO_ACTIVE_KEYS', 'low');
  }
  return out;
}

/** The root user: one critical ROOT_ACCESS_KEY per key, whatever its age or use. */
export function rootFinding(ageDays: number | null): ExpectedFinding {
  return {
    userName: '<root_account>',
    accessKeyId: null,
    type: 'ROOT_ACCESS_KEY',
    severity: 'critical',
    ageDays,
  };
}

/** Stable text for one finding, for comparing lists as multisets. */
export function findingText(f: ExpectedFinding): string {
  return JSON.stringify([f.userName, f.accessKeyId, f.type, f.severity, f.ageDays]);
}

export function sortedFindings(list: readonly ExpectedFinding[]): string[] {
  return list.map(findingText).sort();
}

/** A product finding (or any object with these fields) reduced to an ExpectedFinding. */
export function asExpected(f: {
  readonly userName: string;
  readonly accessKeyId: string | null;
  readonly type: string;
  readonly severity: string;
  readonly ageDays: number | null;
}): ExpectedFinding {
  return {
    userName: f.userName,
    // The report never names root keys and ListAccessKeys is not asked about root.
    accessKeyId: f.userName === '<root_account>' ? null : f.accessKeyId,
    type: f.type,
    severity: f.severity,
    ageDays: f.ageDays,
  };
}

/** Asserts that an audit's findings and exempted findings are exactly the expected ones. */
export function expectFindings(
  audit: {
    readonly findings: readonly Parameters<typeof asExpected>[0][];
    readonly exempted: readonly Parameters<typeof asExpected>[0][];
  },
  expected: { readonly findings: readonly ExpectedFinding[]; readonly exempted: readonly ExpectedFinding[] },
  where: string,
): void {
  expect(sortedFindings(audit.findings.map(asExpected)), `${where}: findings`).toEqual(
    sortedFindings(expected.findings),
  );
  expect(sortedFindings(audit.exempted.map(asExpected)), `${where}: exempted`).toEqual(
    sortedFindings(expected.exempted),
  );
}

/**
 * What a credential-report date cell holds, by docs/aws-behaviour.md: a date in the report's own
 * format (`2024-01-02T03:04:05+00:00`) that names a real instant, one of the documented "nothing
 * here" values, text that is plainly no date (an impossible calendar date in that format, or no
 * digits at all), or something the documents do not settle (empty, zone-less, date-only, random
 * text with digits), for which either reading is accepted.
 */
export type CellKind = 'date' | 'absent' | 'junk' | 'unclear';

const AWS_DATE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\+00:00$/;
const NOTHING_HERE = new Set(['N/A', 'no_information', 'not_supported']);

export function dateCellKind(cell: string): CellKind {
  if (NOTHING_HERE.has(cell)) return 'absent';
  // Another spelling or padding of those values: the documents do not say.
  if (NOTHING_HERE.has(cell.trim().toLowerCase())) return 'unclear';
  const m = AWS_DATE.exec(cell);
  if (m !== null) {
    const [y, mo, d, h, mi, s] = m.slice(1).map(Number) as [number, number, number, number, number, number];
    const at = new Date(0);
    at.setUTCFullYear(y, mo - 1, d);
    const real = at.getUTCFullYear() === y && at.getUTCMonth() === mo - 1 && at.getUTCDate() === d;
    return real && h <= 23 && mi <= 59 && s <= 59 ? 'date' : 'junk';
  }
  if (cell.trim() !== '' && !/\d/.test(cell)) return 'junk';
  return 'unclear';
}
