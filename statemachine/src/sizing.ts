/**
 * The one sizing table of the five Lambdas: how long each may run and how much memory it gets.
 * CDK deploys these numbers (infra/lib/auditor-functions.ts derives its SIZING from this table)
 * and the local runner enforces them (runner.ts: each task's context counts down from the
 * timeout, and a task that runs past it fails with `Sandbox.Timedout`), so the two cannot
 * disagree. The owner settings can lengthen two timeouts: `lambdaSizingFor` applies them, for CDK
 * and for the local assembly alike.
 */
import type { RemediationTaskName, TaskName } from './definition';

export interface LambdaSizing {
  /** The function's timeout, in seconds (Lambda allows 1–900). */
  readonly timeoutSeconds: number;
  /** The function's memory, in MB (Lambda's `MemorySize`). */
  readonly memoryMb: number;
}

/** Lambda's own limit on a function's timeout. */
export const LAMBDA_MAX_TIMEOUT_SECONDS = 900;

/** Per task (the ASL's Lambda Tasks, by FUNCTION_PLACEHOLDERS), with the default config. */
export const LAMBDA_SIZING = {
  validateInput: { timeoutSeconds: 30, memoryMb: 256 },
  // Paginating ListAccounts for 10,000 accounts at 20 per page, with throttling backoff, and
  // walking the OU tree; more when account owner tags are read (listAccountsTimeoutSeconds).
  listAccounts: { timeoutSeconds: 300, memoryMb: 512 },
  // Credential-report generation can take minutes in a large account; role chaining caps at 1 h.
  auditAccount: { timeoutSeconds: 600, memoryMb: 512 },
  // Reads up to 10,000 per-account results and renders three report formats.
  buildDigest: { timeoutSeconds: 600, memoryMb: 2048 },
  // The full digest; plus one second per routed owner (publishDigestTimeoutSeconds).
  publishDigest: { timeoutSeconds: 60, memoryMb: 256 },
  // Reads the report and Security Hub's active findings of this product, imports in batches of 100.
  importFindings: { timeoutSeconds: 300, memoryMb: 512 },
} as const satisfies Readonly<Record<TaskName, LambdaSizing>>;

/** The RemediateKeys Lambdas (docs/remediation.md): each handles one request step or one key. */
export const REMEDIATION_LAMBDA_SIZING = {
  // Reads and writes a few small S3 objects and publishes one notice.
  recordRemediation: { timeoutSeconds: 60, memoryMb: 256 },
  // One AssumeRole plus GetAccessKeyLastUsed and ListUserTags for one key.
  checkKey: { timeoutSeconds: 60, memoryMb: 256 },
  // One AssumeRole plus ListAccessKeys, UpdateAccessKey, ListAccessKeys for one key.
  remediateKey: { timeoutSeconds: 60, memoryMb: 256 },
} as const satisfies Readonly<Record<RemediationTaskName, LambdaSizing>>;

/** Latency and throttling retries on top of the paced ListTagsForResource calls. */
export const ACCOUNT_TAG_HEADROOM = 1.2;

/** What the owner settings that size ListAccounts look like (infra's config and OwnerRules alike). */
export interface AccountTagPacing {
  readonly accountTagKey: string | null;
  readonly accountTags: { readonly maxPerRun: number; readonly requestsPerSecond: number };
}

/** Seconds of paced tag reads: `maxPerRun` calls at `requestsPerSecond`, with headroom; 0 without a tag key. */
export function accountTagSeconds(owners: AccountTagPacing): number {
  if (owners.accountTagKey === null) return 0;
  const { maxPerRun, requestsPerSecond } = owners.accountTags;
  return Math.ceil((ACCOUNT_TAG_HEADROOM * maxPerRun) / requestsPerSecond);
}

/**
 * ListAccounts' timeout: the table's time to list the organization and walk the OU tree, plus the
 * paced tag reads, rounded up to whole minutes.
 */
export function listAccountsTimeoutSeconds(owners: AccountTagPacing): number {
  return Math.ceil((LAMBDA_SIZING.listAccounts.timeoutSeconds + accountTagSeconds(owners)) / 60) * 60;
}

/**
 * PublishDigest's timeout: the table's time for the full digest plus one second per routed owner
 * (one S3 read and one SNS publish each, with the SDK's retries), rounded up to whole minutes.
 */
export function publishDigestTimeoutSeconds(routedOwners: number): number {
  return Math.ceil((LAMBDA_SIZING.publishDigest.timeoutSeconds + routedOwners) / 60) * 60;
}

/** The table with the owner settings applied: what CDK deploys for that config. */
export function lambdaSizingFor(
  owners: AccountTagPacing & { readonly routedOwners: number },
): Readonly<Record<TaskName, LambdaSizing>> {
  return {
    ...LAMBDA_SIZING,
    listAccounts: { ...LAMBDA_SIZING.listAccounts, timeoutSeconds: listAccountsTimeoutSeconds(owners) },
    publishDigest: {
      ...LAMBDA_SIZING.publishDigest,
      timeoutSeconds: publishDigestTimeoutSeconds(owners.routedOwners),
    },
  };
}
