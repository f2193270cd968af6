/**
 * The organization for the per-account benchmark: a management and an audit account without
 * users, then one large member account. The emulator's seeded generator plants a finding on
 * about half the users (good for tests, not for timing); a large real account is mostly healthy
 * keys, so here the share of users with a finding is an explicit, reported parameter.
 */

export interface LargeAccountOptions {
  readonly users: number;
  /** One user in `flagEvery` has an overdue key (the rest: healthy keys, or none). @default 100 (1%) */
  readonly flagEvery?: number;
  /** One user in `noKeyEvery` (among the unflagged) has no access key. @default 12 */
  readonly noKeyEvery?: number;
  readonly now: Date;
}

export const MANAGEMENT_ACCOUNT_ID = '111111111111';
export const AUDIT_ACCOUNT_ID = '222222222222';
export const MEMBER_ACCOUNT_ID = '333333333333';

export interface LargeAccountSpec {
  readonly spec: unknown;
  readonly flaggedUsers: number;
  readonly keys: number;
}

/** An `--org-file` spec (see emulator/src/state/spec.ts) and what it planted. */
export function largeAccountSpec(options: LargeAccountOptions): LargeAccountSpec {
  const flagEvery = options.flagEvery ?? 100;
  const noKeyEvery = options.noKeyEvery ?? 12;
  if (!Number.isInteger(options.users) || options.users < 1) {
    throw new RangeError(`users must be a positive integer; got ${options.users}`);
  }
  if (!Number.isInteger(flagEvery) || flagEvery < 1) {
    throw new RangeError(`flagEvery must be a positive integer (1 = every user); got ${flagEvery}`);
  }
  const users = [];
  let flaggedUsers = 0;
  let keys = 0;
  for (let i = 0; i < options.users; i++) {
    const name = `bench-user-${String(i).padStart(5, '0')}`;
    if (i % flagEvery === 0) {
      flaggedUsers += 1;
      keys += 1;
      // 200 days old, used 3 days ago: ROTATION_OVERDUE and nothing else.
      users.push({ name, keys: [{ ageDays: 200, lastUsedDaysAgo: 3, status: 'Active' }] });
    } else if (i % noKeyEvery === 1) {
      users.push({ name, keys: [] });
    } else {
      // Younger than the 80-day "due soon" threshold, used within 20 days: no finding.
      const ageDays = 10 + (i % 60);
      keys += 1;
      users.push({ name, keys: [{ ageDays, lastUsedDaysAgo: i % 10, status: 'Active' }] });
    }
  }
  return {
    spec: {
      now: options.now.toISOString(),
      accounts: [
        { id: MANAGEMENT_ACCOUNT_ID, name: 'management' },
        { id: AUDIT_ACCOUNT_ID, name: 'security-tooling' },
        { id: MEMBER_ACCOUNT_ID, name: 'big-legacy-prod', users },
      ],
    },
    flaggedUsers,
    keys,
  };
}
