/**
 * The data shapes every part of org-key-audit shares (see docs/design.md, "Data shapes").
 * Versioned: a stored report or per-account result carries `schemaVersion`.
 */

import type { OwnerSource } from './owners';

export const SCHEMA_VERSION = 1 as const;

export const FINDING_TYPES = [
  'ROOT_ACCESS_KEY',
  'ROTATION_OVERDUE',
  'ROTATION_DUE_SOON',
  'REMINDER_DAY',
  'UNUSED',
  'NEVER_USED',
  'TWO_ACTIVE_KEYS',
  'INACTIVE_KEY_LINGERING',
] as const;
export type FindingType = (typeof FINDING_TYPES)[number];

/** Ordered from most to least severe; the digest sorts by this order. */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type KeyStatus = 'Active' | 'Inactive';

/** One access key as the policy sees it, whichever strategy collected it. */
export interface AccessKeyState {
  /** 1 or 2: the credential report's access_key_1 / access_key_2 column group. */
  readonly slot: 1 | 2;
  /** Unknown (null) until ListAccessKeys supplied it: the credential report has no key ids. */
  readonly accessKeyId: string | null;
  readonly status: KeyStatus;
  /** When the key was created (the report's `access_key_N_last_rotated`). */
  readonly createdAt: Date;
  /** Null when the key was never used (or not since tracking began in 2015). */
  readonly lastUsedAt: Date | null;
  readonly lastUsedService: string | null;
  readonly lastUsedRegion: string | null;
}

/** One principal with access keys: an IAM user, or the account's root user. */
export interface PrincipalCredentials {
  readonly userName: string;
  readonly userArn: string;
  readonly isRoot: boolean;
  readonly keys: readonly AccessKeyState[];
  /** IAM user tags, when collected; only needed for exemptions. */
  readonly tags?: Readonly<Record<string, string>>;
}

export interface Exemption {
  readonly source: 'tag' | 'config';
  readonly reason: string;
  /** Last day (UTC, inclusive) the exemption applies, YYYY-MM-DD. */
  readonly until: string;
}

export interface Finding {
  readonly accountId: string;
  readonly userName: string;
  readonly userArn: string;
  /** Full key id; masked (AKIA…WXYZ) in the email, full only in the report. */
  readonly accessKeyId: string | null;
  readonly keySlot: 1 | 2 | null;
  readonly status: KeyStatus | null;
  /** ISO-8601 timestamps, UTC. */
  readonly createdAt: string | null;
  readonly ageDays: number | null;
  readonly lastUsedAt: string | null;
  readonly lastUsedService: string | null;
  readonly type: FindingType;
  readonly severity: Severity;
  readonly exemption?: Exemption;
  /** The user's owner tag (core/owners.ts, step 1), when the collector read one. */
  readonly ownerTag?: string;
  /** Whose list it is on, set when the digest is built (core/owners.ts). */
  readonly owner?: string;
  readonly ownerSource?: OwnerSource;
}

export type AccountStatus = 'AUDITED' | 'FAILED' | 'SKIPPED';
export type CollectionStrategy = 'credential-report' | 'per-user' | 'none';

export interface AccountCounts {
  readonly users: number;
  readonly activeKeys: number;
  readonly inactiveKeys: number;
  readonly findings: number;
  readonly exempted: number;
  /** API calls made to audit this account, by action name (e.g. `iam:ListAccessKeys`). */
  readonly apiCalls: Readonly<Record<string, number>>;
}

export interface AccountAudit {
  readonly schemaVersion: typeof SCHEMA_VERSION;
  readonly accountId: string;
  readonly accountName: string;
  readonly status: AccountStatus;
  /** Why the account was FAILED or SKIPPED, in one sentence. */
  readonly reason?: string;
  /** What an operator should do about it ("the StackSet has not reached this account"). */
  readonly fix?: string;
  /** The stable error name, for FAILED accounts (e.g. `AuditRoleMissingError`). */
  readonly errorName?: string;
  readonly strategy: CollectionStrategy;
  /** ISO-8601; when the credential report used was generated (can be up to 4 h old). */
  readonly reportGeneratedAt: string | null;
  readonly counts: AccountCounts;
  /** Findings that need attention. */
  readonly findings: readonly Finding[];
  /** Findings moved aside by a valid exemption; the digest still lists them. */
  readonly exempted: readonly Finding[];
  /** Non-fatal notes, e.g. a malformed exemption tag that was ignored. */
  readonly warnings: readonly string[];
}

/** What the organization lister returns for each account. */
export interface OrgAccount {
  readonly accountId: string;
  readonly accountName: string;
  readonly email: string;
  /** `State` when present, else the older `Status`. */
  readonly state: 'PENDING_ACTIVATION' | 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE' | 'CLOSED' | string;
}

/** An account result with nothing collected: SKIPPED, or FAILED with its error, reason and fix. */
export function uncollectedAudit(
  account: { readonly accountId: string; readonly accountName: string },
  status: AccountStatus,
  failure?: { readonly errorName: string; readonly reason: string; readonly fix: string },
): AccountAudit {
  return {
    schemaVersion: SCHEMA_VERSION,
    accountId: account.accountId,
    accountName: account.accountName,
    status,
    ...(failure ?? {}),
    strategy: 'none',
    reportGeneratedAt: null,
    counts: { users: 0, activeKeys: 0, inactiveKeys: 0, findings: 0, exempted: 0, apiCalls: {} },
    findings: [],
    exempted: [],
    warnings: [],
  };
}
