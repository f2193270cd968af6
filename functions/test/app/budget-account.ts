/**
 * A planted account for the continuation tests (core/continuation.ts): ten users the report
 * flags among five clean ones, and a per-invocation in-memory source whose clock is its own
 * call count. Each IAM call "costs" COST_MS, so a TimeBudget over it runs out after a number of
 * calls that follows from the numbers below, with no timer involved.
 */
import { type ReportRow, ROOT_USER, reportBytes } from '../../../test/support/credential-report-csv';
import type { CredentialSource } from '../../src/app/ports';
import type { TimeBudget } from '../../src/core/continuation';
import { EXEMPTION_TAG_KEY } from '../../src/core/exemptions';
import type { ListedAccessKey } from '../../src/core/key-reconcile';
import type { PrincipalCredentials } from '../../src/core/model';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';
import { type MemoryIam, type MemoryIamSeed, memoryIam } from './memory-iam';

export const ACCOUNT = '111122223333';
export const NOW = new Date('2026-12-01T07:00:00Z');
const day = (iso: string) => new Date(`${iso}T10:00:00Z`);
/** 183 whole UTC days before NOW: ROTATION_OVERDUE (>= 90, < 365: high), used the day before. */
export const OVERDUE_CREATED = day('2026-06-01');
/** 11 days before NOW: clean, so never followed up. */
const FRESH_CREATED = day('2026-11-20');
const LAST_USED = day('2026-11-30');

export const FLAGGED = Array.from({ length: 10 }, (_, i) => `user-0${i}`);
export const CLEAN = Array.from({ length: 5 }, (_, i) => `clean-${i}`);
/** Exempted by its tag: followed up like the others, then in `exempted`, not `findings`. */
export const EXEMPT_USER = 'user-03';
/** Its owner tag is read with the follow-up and lands on the finding. */
export const OWNED_USER = 'user-01';
export const OWNER_TAG_KEY = 'owner';

export const keyIdOf = (userName: string) =>
  `AKIA${userName
    .replace(/[^a-z0-9]/g, '')
    .toUpperCase()
    .padEnd(16, 'X')}`;

/**
 * The report's order: root first, then two flagged users and one clean one, five times over.
 * `flaggedIndexes` are those rows' positions, which the checkpoint's `pending` points at.
 */
export const USER_ORDER: string[] = [];
for (let i = 0; i < CLEAN.length; i += 1) {
  USER_ORDER.push(FLAGGED[2 * i] as string, FLAGGED[2 * i + 1] as string, CLEAN[i] as string);
}
/** Index 0 is the root row. */
export const flaggedIndexes = USER_ORDER.flatMap((user, i) => (FLAGGED.includes(user) ? [i + 1] : []));
export const userAt = (index: number) => (index === 0 ? ROOT_USER : (USER_ORDER[index - 1] as string));

const created = (user: string) => (FLAGGED.includes(user) ? OVERDUE_CREATED : FRESH_CREATED);

const rows: ReportRow[] = [
  { user: ROOT_USER },
  ...USER_ORDER.map((user) => ({
    user,
    keys: [{ active: true, lastRotated: created(user), lastUsed: LAST_USED }],
  })),
];
export const REPORT = {
  content: reportBytes(rows, ACCOUNT),
  generatedAt: new Date('2026-12-01T06:00:00Z'),
};

export const liveKeysOf = (user: string): ListedAccessKey[] => [
  { accessKeyId: keyIdOf(user), status: 'Active', createDate: created(user) },
];

export function liveKeys(without: readonly string[] = []): Record<string, ListedAccessKey[]> {
  return Object.fromEntries(USER_ORDER.filter((u) => !without.includes(u)).map((u) => [u, liveKeysOf(u)]));
}

export const TAGS: Record<string, Record<string, string>> = {
  [EXEMPT_USER]: { [EXEMPTION_TAG_KEY]: 'migration;until=2027-01-31' },
  [OWNED_USER]: { [OWNER_TAG_KEY]: 'payments' },
};

/** What the per-user listing returns: the same users, in the same order, with key ids. */
export const PER_USER_PRINCIPALS: PrincipalCredentials[] = USER_ORDER.map((user) => ({
  userName: user,
  userArn: `arn:aws:iam::${ACCOUNT}:user/${user}`,
  isRoot: false,
  keys: [
    {
      slot: 1,
      accessKeyId: keyIdOf(user),
      status: 'Active',
      createdAt: created(user),
      lastUsedAt: LAST_USED,
      lastUsedService: 's3',
      lastUsedRegion: 'us-east-1',
    },
  ],
}));

export const reportSeed = (without: readonly string[] = []): MemoryIamSeed => ({
  report: REPORT,
  liveKeys: liveKeys(without),
  tags: TAGS,
  rootKeysPresent: false,
});

export const perUserSeed = (): MemoryIamSeed => ({
  principals: PER_USER_PRINCIPALS,
  tags: TAGS,
  rootKeysPresent: false,
});

export const request = {
  accountId: ACCOUNT,
  accountName: 'prod',
  thresholds: DEFAULT_THRESHOLDS,
  configExemptions: [],
  now: NOW,
  ownerTagKey: OWNER_TAG_KEY,
};

/** The calls of memory-iam.ts, as the IAM actions the real source counts them under. */
export const ACTION: Readonly<Record<string, string>> = {
  credentialReport: 'iam:GetCredentialReport',
  listPrincipals: 'iam:ListUsers',
  liveAccessKeys: 'iam:ListAccessKeys',
  userTags: 'iam:ListUserTags',
  rootAccessKeysPresent: 'iam:GetAccountSummary',
};

/** One invocation's IAM: its own calls and counts, as a freshly opened source has. */
export interface Invocation {
  readonly source: CredentialSource;
  readonly iam: MemoryIam;
  /** Time spent so far: COST_MS per call made. */
  readonly spentMs: () => number;
  /** A budget of `timeoutMs` that drops by COST_MS per call. */
  budget(timeoutMs: number, safetyMarginMs: number): TimeBudget;
}

export const COST_MS = 10;

export function invocation(seed: MemoryIamSeed): Invocation {
  const iam = memoryIam(seed);
  const spentMs = () => iam.calls.length * COST_MS;
  const source: CredentialSource = {
    ...iam,
    apiCalls: () => {
      const counts: Record<string, number> = {};
      for (const call of iam.calls) {
        const action = ACTION[call.split(' ')[0] as string] as string;
        counts[action] = (counts[action] ?? 0) + 1;
      }
      return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1)));
    },
  };
  return {
    source,
    iam,
    spentMs,
    budget: (timeoutMs, safetyMarginMs) => ({ remainingMs: () => timeoutMs - spentMs(), safetyMarginMs }),
  };
}
