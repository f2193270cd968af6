/**
 * The hand-written organization the named workflow cases run on. Every outcome a case expects
 * is written next to the data that plants it, from the rules in docs/design.md ("Findings"),
 * with the default thresholds (due soon 80, overdue 90, critical 365, reminder day 90, unused
 * 45, never used after 7, inactive lingering after 30). Times of day are left to the emulator,
 * which draws them over the whole day: ages are whole UTC calendar days, so each outcome holds
 * at any hour.
 */
export const NOW = '2025-06-15T12:00:00.000Z';

export const MANAGEMENT = '111100000000';
export const SECURITY = '111100000001';
export const TEAM_A = '111100000002';
export const TEAM_B = '111100000003';
export const NO_ROLE = '111100000004';
export const SUSPENDED = '111100000005';
export const BUSY = '111100000006';

export const ORGANIZATION_SIZE = 7;
/** Users in BUSY, each with one overdue key: every one of them costs follow-up IAM calls. */
export const BUSY_USERS = 12;

const EXEMPT_TAG = { 'org-key-audit:exempt': 'vendor integration until=2025-12-31' };

export const SCENARIO = {
  now: NOW,
  accounts: [
    { id: MANAGEMENT, name: 'management' },
    {
      id: SECURITY,
      name: 'security-tooling',
      // 10 days old, used today: nothing to say.
      users: [{ name: 'ci-bot', keys: [{ ageDays: 10, lastUsedDaysAgo: 0 }] }],
    },
    {
      id: TEAM_A,
      name: 'team-a-prod',
      // ROOT_ACCESS_KEY (critical)
      rootKeys: [{ ageDays: 30, lastUsedDaysAgo: 5 }],
      users: [
        // ROTATION_OVERDUE (high)
        { name: 'alice', keys: [{ ageDays: 120, lastUsedDaysAgo: 1 }] },
        // ROTATION_DUE_SOON (low)
        { name: 'bob', keys: [{ ageDays: 85, lastUsedDaysAgo: 2 }] },
        // UNUSED (medium)
        { name: 'carol', keys: [{ ageDays: 60, lastUsedDaysAgo: 50 }] },
        // NEVER_USED (medium)
        { name: 'dave', keys: [{ ageDays: 20, lastUsedDaysAgo: null }] },
        // INACTIVE_KEY_LINGERING (info)
        { name: 'erin', keys: [{ ageDays: 40, lastUsedDaysAgo: 35, status: 'Inactive' }] },
        // ROTATION_OVERDUE, exempted by a current tag: listed under EXEMPTED, not counted.
        { name: 'frank', tags: EXEMPT_TAG, keys: [{ ageDays: 200, lastUsedDaysAgo: 1 }] },
        // 30 days old, used yesterday: nothing.
        { name: 'grace', keys: [{ ageDays: 30, lastUsedDaysAgo: 1 }] },
      ],
    },
    {
      id: TEAM_B,
      name: 'team-b-dev',
      users: [
        // The older of two active keys: ROTATION_OVERDUE (high) and TWO_ACTIVE_KEYS (low); the newer: nothing.
        {
          name: 'hank',
          keys: [
            { ageDays: 100, lastUsedDaysAgo: 1 },
            { ageDays: 5, lastUsedDaysAgo: 1 },
          ],
        },
        // 400 days: ROTATION_OVERDUE at critical severity.
        { name: 'ivy', keys: [{ ageDays: 400, lastUsedDaysAgo: 3 }] },
      ],
    },
    {
      id: NO_ROLE,
      name: 'team-c-sandbox',
      auditRole: false,
      // Would be overdue, but nobody can look: the account is FAILED, and this is never reported.
      users: [{ name: 'judy', keys: [{ ageDays: 300, lastUsedDaysAgo: 1 }] }],
    },
    {
      id: SUSPENDED,
      name: 'old-project',
      state: 'SUSPENDED',
      users: [{ name: 'ken', keys: [{ ageDays: 500, lastUsedDaysAgo: 400 }] }],
    },
    {
      id: BUSY,
      name: 'data-lake',
      users: Array.from({ length: BUSY_USERS }, (_, i) => ({
        name: `loader-${String(i).padStart(2, '0')}`,
        // ROTATION_OVERDUE (high), one per user.
        keys: [{ ageDays: 95, lastUsedDaysAgo: 1 }],
      })),
    },
  ],
} as const;

// ---------------------------------------------------------------- a stale credential report

export const STALE_MANAGEMENT = '222200000000';
export const STALE_SECURITY = '222200000001';
export const STALE_TEAM = '222200000002';

/**
 * The organization of the stale-report case: IAM's credential-report snapshot of STALE_TEAM is
 * taken at NOW, then keys change, then the audit runs within the four hours the snapshot is
 * served (docs/architecture.md, "Collecting one account"). Each user's comment says what the
 * snapshot shows, what changes after it, and what the audit must report, from the rules in
 * docs/architecture.md ("Findings") with the default thresholds.
 */
export const STALE_SCENARIO = {
  now: NOW,
  accounts: [
    { id: STALE_MANAGEMENT, name: 'management' },
    { id: STALE_SECURITY, name: 'security-tooling' },
    {
      id: STALE_TEAM,
      name: 'team-d-prod',
      // A root key in the snapshot, deleted after it: the account summary says none is left, so
      // no ROOT_ACCESS_KEY.
      rootKeys: [{ ageDays: 200, lastUsedDaysAgo: 20 }],
      users: [
        // Overdue in the snapshot, deleted after it: nothing (the live listing is empty).
        { name: 'deleted', keys: [{ ageDays: 120, lastUsedDaysAgo: 1 }] },
        // Overdue in the snapshot, deactivated after it: INACTIVE_KEY_LINGERING (info) only.
        {
          name: 'deactivated',
          keys: [{ ageDays: 100, lastUsedDaysAgo: 2, lastUsedService: 'ec2', createdTime: '22:10' }],
        },
        // Overdue in the snapshot, rotated after it (a new key, the old one deleted): nothing; the
        // new key is hours old.
        { name: 'rotated', keys: [{ ageDays: 95, lastUsedDaysAgo: 1, createdTime: '23:45' }] },
        // Overdue in the snapshot, rotated after it with the old key only deactivated: the old key
        // is INACTIVE_KEY_LINGERING (info), the new one nothing.
        {
          name: 'rotated-kept',
          keys: [{ ageDays: 200, lastUsedDaysAgo: 3, lastUsedService: 'lambda', createdTime: '06:30' }],
        },
        // Two active keys in the snapshot (the older overdue), the older deleted after it: the
        // newer, 10 days old and used, has nothing to say; no TWO_ACTIVE_KEYS.
        {
          name: 'two-keys',
          keys: [
            { ageDays: 150, lastUsedDaysAgo: 4 },
            { ageDays: 10, lastUsedDaysAgo: 0 },
          ],
        },
        // Unchanged, 90 days old since 23:59:30 on its first day: ROTATION_OVERDUE (high) and
        // REMINDER_DAY (info); only 89 elapsed 24-hour periods old at NOW.
        {
          name: 'ninety-late',
          keys: [{ ageDays: 90, lastUsedDaysAgo: 1, createdTime: '23:59:30', lastUsedTime: '08:00' }],
        },
        // Unchanged, never used, 8 days old since 23:00: NEVER_USED (medium).
        { name: 'never-used', keys: [{ ageDays: 8, lastUsedDaysAgo: null, createdTime: '23:00' }] },
      ],
    },
  ],
} as const;
