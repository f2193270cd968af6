/**
 * Auditing an account over several Lambda invocations (docs/architecture.md, "Accounts of any
 * size"). The follow-up calls of an account with thousands of flagged users take longer than one
 * invocation may run, so the collector stops starting calls when its time runs short, keeps what
 * it has in a checkpoint in the run's S3 prefix, and the child workflow invokes it again with a
 * small token. A checkpoint holds the account's principals as the report (or the per-user
 * listing) gave them, the follow-ups already made and the ones still to make, so no call is
 * ever repeated and the credential report is never generated again for the same run.
 */
import * as z from 'zod/mini';
import { ACCOUNT_ID_PATTERN } from './account-id';
import type { AccessKeyState, PrincipalCredentials } from './model';
import './zod-messages';

export const CHECKPOINT_SCHEMA_VERSION = 1 as const;

/** Invocations of AuditAccount one account may take before it is reported FAILED. */
export const DEFAULT_MAX_AUDIT_ITERATIONS = 24;
/**
 * Time left when the collector stops starting calls: enough to let the calls in flight finish and
 * write a checkpoint of a 20,000-user account (a few MB to S3). @default 30 s
 */
export const DEFAULT_AUDIT_SAFETY_MARGIN_MS = 30_000;

/** What the state carries between two invocations: a key and a count, whatever the account's size. */
export interface ContinuationToken {
  /** The checkpoint's key in the report bucket. */
  readonly key: string;
  /** Invocations of AuditAccount so far for this account in this run. */
  readonly iteration: number;
}

/** An invocation's time: what is left of it, and the share to keep for writing the checkpoint. */
export interface TimeBudget {
  readonly remainingMs: () => number;
  readonly safetyMarginMs: number;
}

export interface CollectionCheckpoint {
  readonly schemaVersion: typeof CHECKPOINT_SCHEMA_VERSION;
  readonly accountId: string;
  readonly strategy: 'credential-report' | 'per-user';
  readonly reportGeneratedAt: string | null;
  /** Whether follow-ups reconcile the report's rows with the live keys (the report path). */
  readonly reconcile: boolean;
  /** Every principal in order; null where a followed-up user turned out to be deleted. */
  readonly principals: readonly (PrincipalCredentials | null)[];
  /** Indexes into `principals` of flagged users not followed up yet. */
  readonly pending: readonly number[];
  /** The account summary's answer, read in the first invocation. */
  readonly rootAccessKeysPresent: boolean | null;
  readonly warnings: readonly string[];
  /** IAM calls of the earlier invocations, by action: the account's counts add them up. */
  readonly apiCalls: Readonly<Record<string, number>>;
}

const isoDate = z.iso.datetime();
const keySchema = z.object({
  slot: z.union([z.literal(1), z.literal(2)]),
  accessKeyId: z.nullable(z.string()),
  status: z.enum(['Active', 'Inactive']),
  createdAt: isoDate,
  lastUsedAt: z.nullable(isoDate),
  lastUsedService: z.nullable(z.string()),
  lastUsedRegion: z.nullable(z.string()),
});
const principalSchema = z.object({
  userName: z.string(),
  userArn: z.string(),
  isRoot: z.boolean(),
  keys: z.array(keySchema),
  tags: z.optional(z.record(z.string(), z.string())),
});
const count = z.int().check(z.nonnegative());

const checkpointSchema = z.object({
  schemaVersion: z.literal(CHECKPOINT_SCHEMA_VERSION),
  accountId: z.string().check(z.regex(ACCOUNT_ID_PATTERN)),
  strategy: z.enum(['credential-report', 'per-user']),
  reportGeneratedAt: z.nullable(isoDate),
  reconcile: z.boolean(),
  principals: z.array(z.nullable(principalSchema)),
  pending: z.array(count),
  rootAccessKeysPresent: z.nullable(z.boolean()),
  warnings: z.array(z.string()),
  apiCalls: z.record(z.string(), count),
});

/** JSON text of a checkpoint: dates as ISO-8601. */
export function serializeCheckpoint(checkpoint: CollectionCheckpoint): string {
  return JSON.stringify(checkpoint, (_key, value: unknown) =>
    value instanceof Date ? value.toISOString() : value,
  );
}

function principalFrom(p: z.output<typeof principalSchema>): PrincipalCredentials {
  const keys: AccessKeyState[] = p.keys.map((k) => ({
    ...k,
    createdAt: new Date(k.createdAt),
    lastUsedAt: k.lastUsedAt === null ? null : new Date(k.lastUsedAt),
  }));
  return {
    userName: p.userName,
    userArn: p.userArn,
    isRoot: p.isRoot,
    keys,
    ...(p.tags === undefined ? {} : { tags: p.tags }),
  };
}

/**
 * Reads a checkpoint back; a damaged one is a reason (the caller fails the account with it),
 * never a partial audit. `pending` must point at principals that exist.
 */
export function parseCheckpoint(
  text: string,
  where: string,
): { readonly checkpoint: CollectionCheckpoint } | { readonly problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: `the audit checkpoint ${where} is not JSON` };
  }
  const parsed = checkpointSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      problem: `the audit checkpoint ${where} is unreadable (${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'})`,
    };
  }
  const data = parsed.data;
  const bad = data.pending.find((i) => i >= data.principals.length || data.principals[i] === null);
  if (bad !== undefined)
    return { problem: `the audit checkpoint ${where} names a principal it does not hold (${bad})` };
  return {
    checkpoint: {
      ...data,
      principals: data.principals.map((p) => (p === null ? null : principalFrom(p))),
    },
  };
}

/** Counts of two invocations added up, keys sorted. */
export function addApiCalls(
  a: Readonly<Record<string, number>>,
  b: Readonly<Record<string, number>>,
): Record<string, number> {
  const sum: Record<string, number> = { ...a };
  for (const [action, n] of Object.entries(b)) sum[action] = (sum[action] ?? 0) + n;
  return Object.fromEntries(Object.entries(sum).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}
