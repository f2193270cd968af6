/**
 * The oracle (src/expected.ts) on a hand-written organization whose keys sit at the thresholds'
 * edges at late and early hours: each expected finding, severity and age below is written out
 * by hand from docs/architecture.md ("Findings"), for the documented thresholds and for an
 * override of every field.
 */
import { DEFAULT_THRESHOLDS } from '@org-key-audit/functions/core';
import { describe, expect, it } from 'vitest';
import { calendarDays, type Expected } from '../src/expected';
import { organizationFromSpec } from '../src/generate';
import { DOCUMENTED_THRESHOLDS, resolveOracleThresholds } from '../src/state/thresholds';

const NOW = '2025-06-15T12:00:00Z';
const EXACT = '333333333333';

const SPEC = {
  now: NOW,
  accounts: [
    { id: '111111111111', name: 'management' },
    { id: '222222222222', name: 'security' },
    {
      id: EXACT,
      name: 'exact',
      rootKeys: [{ ageDays: 400, createdTime: '23:59' }],
      users: [
        { name: 'late90', keys: [{ ageDays: 90, lastUsedDaysAgo: 1, createdTime: '23:59:59' }] },
        { name: 'early89', keys: [{ ageDays: 89, lastUsedDaysAgo: 2, createdTime: '00:00:01' }] },
        { name: 'due80', keys: [{ ageDays: 80, lastUsedDaysAgo: 0, createdTime: '22:00' }] },
        { name: 'crit365', keys: [{ ageDays: 365, lastUsedDaysAgo: 3, createdTime: '23:30' }] },
        {
          name: 'unused45',
          keys: [{ ageDays: 60, lastUsedDaysAgo: 45, createdTime: '01:00', lastUsedTime: '23:59' }],
        },
        { name: 'grace8', keys: [{ ageDays: 8, lastUsedDaysAgo: null, createdTime: '23:00' }] },
        { name: 'inactive31', keys: [{ ageDays: 31, status: 'Inactive', createdTime: '23:59' }] },
        {
          name: 'pair',
          keys: [
            { ageDays: 100, lastUsedDaysAgo: 1, createdTime: '23:00' },
            { ageDays: 5, lastUsedDaysAgo: 1 },
          ],
        },
        {
          name: 'exempt',
          tags: { 'org-key-audit:exempt': 'vendor until=2025-06-15' },
          keys: [{ ageDays: 200, lastUsedDaysAgo: 1 }],
        },
      ],
    },
  ],
};

/** `user type severity age`, sorted. */
const lines = (list: Expected['findings']) =>
  list.map((f) => `${f.userName} ${f.type} ${f.severity} ${f.ageDays}`).sort();

describe('the oracle', () => {
  it('keeps its own copy of the documented default thresholds, equal to the product’s', () => {
    expect(DOCUMENTED_THRESHOLDS).toEqual(DEFAULT_THRESHOLDS);
  });

  it('counts whole UTC calendar days: 23:59 on 2026-09-02 is 90 days old at any hour of 2026-12-01', () => {
    const created = Date.parse('2026-09-02T23:59:00Z');
    expect(calendarDays(created, Date.parse('2026-12-01T00:00:00Z'))).toBe(90);
    expect(calendarDays(created, Date.parse('2026-12-01T23:59:59Z'))).toBe(90);
    expect(calendarDays(Date.parse('2026-09-02T00:00:00Z'), Date.parse('2026-12-01T23:59:59Z'))).toBe(90);
    // A date after now (clock skew) is 0 days old.
    expect(calendarDays(Date.parse('2026-12-02T00:00:00Z'), Date.parse('2026-12-01T12:00:00Z'))).toBe(0);
  });

  it('gives each key its findings, severity and calendar-day age with the documented thresholds', () => {
    const org = organizationFromSpec(SPEC);
    expect(org.expected.thresholds).toEqual(DOCUMENTED_THRESHOLDS);
    expect(lines(org.expected.findings)).toEqual(
      [
        '<root_account> ROOT_ACCESS_KEY critical 400',
        'late90 ROTATION_OVERDUE high 90',
        'late90 REMINDER_DAY info 90',
        'early89 ROTATION_DUE_SOON low 89',
        'due80 ROTATION_DUE_SOON low 80',
        'crit365 ROTATION_OVERDUE critical 365',
        'unused45 UNUSED medium 60',
        'grace8 NEVER_USED medium 8',
        'inactive31 INACTIVE_KEY_LINGERING info 31',
        'pair ROTATION_OVERDUE high 100',
        'pair TWO_ACTIVE_KEYS low 100',
      ].sort(),
    );
    // The exemption holds through its last day (inclusive).
    expect(lines(org.expected.exempted)).toEqual(['exempt ROTATION_OVERDUE high 200']);
    // The late keys are a day younger in elapsed 24-hour periods: only calendar days give these.
    const late90 = org.org.accounts.get(EXACT)?.users[0]?.keys[0];
    expect(new Date(late90?.createdAt ?? 0).toISOString()).toBe('2025-03-17T23:59:59.000Z');
    expect(Math.floor((Date.parse(NOW) - (late90?.createdAt ?? 0)) / 86_400_000)).toBe(89);
  });

  it('judges the same keys by the thresholds it is given, from the spec or for one run', () => {
    const thresholds = {
      rotationDueSoonDays: 60,
      rotationOverdueDays: 85,
      rotationCriticalDays: 300,
      reminderDays: [80, 89],
      unusedDays: 60,
      neverUsedGraceDays: 8,
      inactiveLingeringDays: 31,
    };
    const want = [
      '<root_account> ROOT_ACCESS_KEY critical 400',
      'late90 ROTATION_OVERDUE high 90',
      'early89 ROTATION_OVERDUE high 89',
      'early89 REMINDER_DAY info 89',
      'due80 ROTATION_DUE_SOON low 80',
      'due80 REMINDER_DAY info 80',
      'crit365 ROTATION_OVERDUE critical 365',
      // 60 days old is due soon now; last used 45 days ago is not unused at 60.
      'unused45 ROTATION_DUE_SOON low 60',
      // Never used for 8 days, inactive for 31: not past the grace of 8, nor the 31 allowed.
      'pair ROTATION_OVERDUE high 100',
      'pair TWO_ACTIVE_KEYS low 100',
    ].sort();
    const fromSpec = organizationFromSpec({ ...SPEC, thresholds });
    expect(fromSpec.expected.thresholds).toEqual(thresholds);
    expect(lines(fromSpec.expected.findings)).toEqual(want);
    expect(lines(fromSpec.expected.exempted)).toEqual(['exempt ROTATION_OVERDUE high 200']);
    const forOneRun = organizationFromSpec(SPEC).expectedWith(thresholds);
    expect(forOneRun).toEqual(fromSpec.expected);
    // Only some fields: the rest stay the documented ones.
    const some = organizationFromSpec(SPEC).expectedWith({ rotationOverdueDays: 89 });
    expect(some.thresholds).toEqual({ ...DOCUMENTED_THRESHOLDS, rotationOverdueDays: 89 });
    expect(lines(some.findings)).toContain('early89 ROTATION_OVERDUE high 89');
  });

  it('refuses thresholds the product would refuse, naming the field', () => {
    expect(() => resolveOracleThresholds({ rotationDueSoonDays: 90 })).toThrow(
      /thresholds\.rotationDueSoonDays: must be less than rotationOverdueDays/,
    );
    expect(() => resolveOracleThresholds({ rotationCriticalDays: 90 })).toThrow(
      /thresholds\.rotationOverdueDays: must be less than rotationCriticalDays/,
    );
    expect(() => resolveOracleThresholds({ reminderDays: [90, 30] })).toThrow(/thresholds\.reminderDays/);
    expect(() => resolveOracleThresholds({ unusedDays: -1 })).toThrow(/thresholds\.unusedDays/);
    expect(() => organizationFromSpec({ ...SPEC, thresholds: { rotationOverdueDays: 10 } })).toThrow(
      /invalid organization spec: thresholds\.rotationDueSoonDays/,
    );
    expect(() => organizationFromSpec({ ...SPEC, thresholds: { rotationOverdue: 10 } })).toThrow(
      /invalid organization spec: thresholds/,
    );
  });
});

describe('times of day in a spec', () => {
  const withKey = (key: Record<string, unknown>) => ({
    now: NOW,
    accounts: [
      { id: '111111111111', name: 'management' },
      { id: '222222222222', name: 'security', users: [{ name: 'u', keys: [key] }] },
    ],
  });

  it('refuses a time after now for a key created today, and a use before the creation, naming the field', () => {
    expect(() => organizationFromSpec(withKey({ ageDays: 0, createdTime: '12:00:01' }))).toThrow(
      /accounts\.1\.users\.0\.keys\.0\.createdTime: 12:00:01 is after now \(12:00:00 UTC\)/,
    );
    expect(() =>
      organizationFromSpec(withKey({ ageDays: 3, lastUsedDaysAgo: 0, lastUsedTime: '13:00' })),
    ).toThrow(/accounts\.1\.users\.0\.keys\.0\.lastUsedTime: 13:00 is after now/);
    expect(() =>
      organizationFromSpec(
        withKey({ ageDays: 3, lastUsedDaysAgo: 3, createdTime: '10:00', lastUsedTime: '09:00' }),
      ),
    ).toThrow(/accounts\.1\.users\.0\.keys\.0\.lastUsedTime: lastUsedTime must not be before createdTime/);
    expect(() => organizationFromSpec(withKey({ ageDays: 3, lastUsedTime: '09:00' }))).toThrow(
      /lastUsedTime needs lastUsedDaysAgo/,
    );
    expect(() => organizationFromSpec(withKey({ ageDays: 3, createdTime: '24:00' }))).toThrow(
      /createdTime: a UTC time of day/,
    );
  });

  it('draws unset times from the seed over the whole day, never after now and never before the creation', () => {
    const spec = withKey({ ageDays: 0, lastUsedDaysAgo: 0 });
    const early = organizationFromSpec(spec, { now: new Date('2025-06-15T00:00:05Z') });
    const key = early.org.accounts.get('222222222222')?.users[0]?.keys[0];
    expect(key?.createdAt).toBeLessThanOrEqual(Date.parse('2025-06-15T00:00:05Z'));
    expect(key?.lastUsedAt).toBeGreaterThanOrEqual(key?.createdAt ?? Number.NaN);
    expect(key?.lastUsedAt).toBeLessThanOrEqual(Date.parse('2025-06-15T00:00:05Z'));
    const again = organizationFromSpec(spec, { now: new Date('2025-06-15T00:00:05Z') });
    expect(again.org.accounts.get('222222222222')?.users[0]?.keys[0]).toEqual(key);
  });
});
