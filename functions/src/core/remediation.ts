/**
 * Approval-gated deactivation (docs/remediation.md): which keys are proposed, the request a
 * person approves, and the records of what was done. Pure: the S3 records, the approval's task
 * token and the IAM calls live in app/ and aws/.
 */
import * as z from 'zod/mini';
import { ACCOUNT_ID_PATTERN } from './account-id';
import { InvalidInputError } from './errors';
import './zod-messages';

export const REMEDIATION_SCHEMA_VERSION = 1 as const;

/** The finding types a key can be proposed for, each with its own day criterion. */
export const REMEDIABLE_TYPES = ['ROTATION_OVERDUE', 'UNUSED', 'NEVER_USED'] as const;
export type RemediableType = (typeof REMEDIABLE_TYPES)[number];

/** Days per criterion; null turns that criterion off. */
export interface RemediationCriteria {
  /** ROTATION_OVERDUE: the key's age. */
  readonly rotationOverdueDays: number | null;
  /** UNUSED: days since the key was last used. */
  readonly unusedDays: number | null;
  /** NEVER_USED: the age of a key never used. */
  readonly neverUsedDays: number | null;
}

export interface RemediationSettings {
  readonly enabled: boolean;
  readonly criteria: RemediationCriteria;
  /** A key is never proposed less than this many days after it was first reported. */
  readonly noticeDays: number;
  /** How long a request waits for a decision before it expires (changing nothing). */
  readonly approvalTimeoutSeconds: number;
  readonly maxKeysPerRequest: number;
}

export const DEFAULT_REMEDIATION_CRITERIA: RemediationCriteria = {
  rotationOverdueDays: 365,
  unusedDays: 180,
  neverUsedDays: 30,
};

export const DEFAULT_REMEDIATION: RemediationSettings = {
  enabled: false,
  criteria: DEFAULT_REMEDIATION_CRITERIA,
  noticeDays: 7,
  approvalTimeoutSeconds: 7 * 86_400,
  maxKeysPerRequest: 200,
};

/** Step Functions' limit on a task's timeout is the execution's: one year. */
export const MAX_APPROVAL_TIMEOUT_SECONDS = 365 * 86_400;

const dayCriterion = z.nullable(z.int().check(z.positive(), z.maximum(100_000)));

export const RemediationSettingsSchema = z.strictObject({
  enabled: z.boolean(),
  criteria: z.strictObject({
    rotationOverdueDays: dayCriterion,
    unusedDays: dayCriterion,
    neverUsedDays: dayCriterion,
  }),
  noticeDays: z.int().check(z.nonnegative(), z.maximum(365)),
  approvalTimeoutSeconds: z.int().check(z.positive(), z.maximum(MAX_APPROVAL_TIMEOUT_SECONDS)),
  maxKeysPerRequest: z.int().check(z.positive(), z.maximum(1000)),
});

/** Why one key is proposed: the finding type, the days it measured and the criterion it met. */
export interface ProposalReason {
  readonly type: RemediableType;
  readonly days: number;
  readonly thresholdDays: number;
}

/** One key of a deactivation request, as proposed (and as re-checked before acting). */
export interface ProposedKey {
  readonly accountId: string;
  readonly accountName: string;
  readonly userName: string;
  readonly userArn: string;
  readonly accessKeyId: string;
  /** ISO-8601: the key's creation date; a key with another one was rotated and is not acted on. */
  readonly createdAt: string;
  /** ISO-8601, or null when never used: a later use means the key is not acted on. */
  readonly lastUsedAt: string | null;
  readonly ageDays: number;
  readonly why: readonly ProposalReason[];
  /** ISO-8601: when any finding of the key was first reported (the run history). */
  readonly firstReportedAt: string;
  readonly owner?: string;
}

/** A key that meets a criterion but whose proposal day is still ahead: the digest announces it. */
export interface UpcomingKey {
  readonly key: ProposedKey;
  /** YYYY-MM-DD (UTC): the first audit on or after this day proposes it. */
  readonly proposedOn: string;
}

/** A deactivation request as BuildDigest stores it (`remediation/requests/<id>/request.json`). */
export interface DeactivationRequest {
  readonly schemaVersion: typeof REMEDIATION_SCHEMA_VERSION;
  readonly requestId: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly approvalTimeoutSeconds: number;
  readonly auditExecutionArn: string;
  readonly criteria: RemediationCriteria;
  readonly noticeDays: number;
  readonly keys: readonly ProposedKey[];
}

/** Who sent a decision, from the CLI's GetCallerIdentity. */
export interface Caller {
  readonly arn: string;
  readonly account: string;
  readonly userId: string;
}

/** What `keyaudit approve` sends as SendTaskSuccess's output. */
export interface ApprovalDecision {
  readonly decision: 'approve';
  readonly requestId: string;
  readonly approver: Caller;
  readonly approvedAt: string;
  /** The access key ids approved: the request's keys, narrowed by --only / --except. */
  readonly keys: readonly string[];
  readonly only: readonly string[] | null;
  readonly except: readonly string[] | null;
}

/** What `keyaudit reject` sends as SendTaskFailure's cause (error `RequestRejected`). */
export interface RejectionDecision {
  readonly decision: 'reject';
  readonly requestId: string;
  readonly approver: Caller;
  readonly rejectedAt: string;
  readonly reason: string;
}

export const REJECTED_ERROR = 'RequestRejected';

export type KeyAction = 'deactivate' | 'reactivate';
export type KeyOutcomeKind = 'deactivated' | 'reactivated' | 'skipped' | 'failed';

/** Why a key was not acted on. */
export const SKIP_REASONS = [
  'used-since-proposal',
  'exempted-since-proposal',
  'key-no-longer-exists',
  'already-inactive',
  'already-active',
  'key-replaced',
] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

/** One key's outcome: the Map's item result, and a line of outcome.json. */
export interface KeyOutcome {
  readonly accountId: string;
  readonly userName: string;
  readonly accessKeyId: string;
  readonly action: KeyAction;
  readonly outcome: KeyOutcomeKind;
  /** skipped: a SkipReason, possibly followed by ": <detail>"; failed: the error's cause. */
  readonly reason?: string | null;
  /** failed: the error name (RemediationRoleMissingError, …). */
  readonly error?: string | null;
  /** ISO-8601. */
  readonly at: string;
}

export type RequestStatus = 'OPEN' | 'COMPLETED' | 'REFUSED' | 'REJECTED' | 'EXPIRED';

/** How a request ended (`remediation/requests/<id>/outcome.json`). */
export interface RequestOutcome {
  readonly schemaVersion: typeof REMEDIATION_SCHEMA_VERSION;
  readonly requestId: string;
  readonly status: Exclude<RequestStatus, 'OPEN'>;
  readonly closedAt: string;
  readonly approval: ApprovalDecision | null;
  readonly rejection: RejectionDecision | null;
  /** REFUSED / EXPIRED: why, in one sentence. */
  readonly reason: string | null;
  readonly outcomes: readonly KeyOutcome[];
}

/** `remediation/requests/<id>/reactivations/<key id>.json`. */
export interface ReactivationRecord {
  readonly schemaVersion: typeof REMEDIATION_SCHEMA_VERSION;
  readonly requestId: string;
  readonly accessKeyId: string;
  readonly requestedBy: Caller;
  readonly outcome: KeyOutcome;
}

/** `remediation/requests/<id>/task.json`: the approval's task token (read by keyaudit approve). */
export interface ApprovalTask {
  readonly requestId: string;
  readonly executionArn: string;
  readonly taskToken: string;
  readonly issuedAt: string;
  readonly expiresAt: string;
}

/** `remediation/open/<id>.json`: what the next audit needs without reading the request. */
export interface RequestMarker {
  readonly requestId: string;
  readonly status: RequestStatus;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly closedAt: string | null;
  readonly keys: readonly { readonly accountId: string; readonly accessKeyId: string }[];
  readonly counts: { readonly deactivated: number; readonly skipped: number; readonly failed: number };
  /** The audit that proposed it, so a redriven audit finds its request again. */
  readonly auditExecutionArn?: string;
}

/** The S3 keys of one request (docs/remediation.md, "Stored objects"). */
export const REMEDIATION_PREFIX = 'remediation/';
export const OPEN_MARKERS_PREFIX = 'remediation/open/';

export function remediationKeys(requestId: string) {
  assertRequestId(requestId);
  const base = `remediation/requests/${requestId}`;
  return {
    request: `${base}/request.json`,
    task: `${base}/task.json`,
    outcome: `${base}/outcome.json`,
    reactivation: (accessKeyId: string) => `${base}/reactivations/${accessKeyId}.json`,
    reactivations: `${base}/reactivations/`,
    marker: `${OPEN_MARKERS_PREFIX}${requestId}.json`,
  };
}

/** `dr-YYYYMMDD-<8 hex>`: stable per audit execution, valid as a Step Functions execution name. */
export const REQUEST_ID_PATTERN = /^dr-\d{8}-[0-9a-f]{8}$/;
/** IAM access key ids: 16-128 word characters, in practice `AKIA` + 16. */
export const ACCESS_KEY_ID_PATTERN = /^[A-Z0-9]{16,128}$/;

export function assertRequestId(requestId: string, field = 'requestId'): void {
  if (!REQUEST_ID_PATTERN.test(requestId)) {
    throw new InvalidInputError(
      `${field} '${requestId}' is not a deactivation request id: it looks like dr-20261202-1a2b3c4d (the digest and the approval notice name it)`,
    );
  }
}

/** The execution name of a reactivation: one per request and key, so a second one is refused. */
export function reactivationExecutionName(requestId: string, accessKeyId: string): string {
  return `ra-${requestId}-${accessKeyId}`.slice(0, 80);
}

const isoDate = z.iso.datetime();
const callerSchema = z.strictObject({ arn: z.string(), account: z.string(), userId: z.string() });

export const ProposedKeySchema = z.strictObject({
  accountId: z.string().check(z.regex(ACCOUNT_ID_PATTERN)),
  accountName: z.string(),
  userName: z.string().check(z.minLength(1)),
  userArn: z.string(),
  accessKeyId: z.string().check(z.regex(ACCESS_KEY_ID_PATTERN)),
  createdAt: isoDate,
  lastUsedAt: z.nullable(isoDate),
  ageDays: z.int().check(z.nonnegative()),
  why: z.array(
    z.strictObject({
      type: z.enum(REMEDIABLE_TYPES),
      days: z.int().check(z.nonnegative()),
      thresholdDays: z.int().check(z.positive()),
    }),
  ),
  firstReportedAt: isoDate,
  owner: z.optional(z.string()),
});

export const DeactivationRequestSchema = z.strictObject({
  schemaVersion: z.literal(REMEDIATION_SCHEMA_VERSION),
  requestId: z.string().check(z.regex(REQUEST_ID_PATTERN)),
  createdAt: isoDate,
  expiresAt: isoDate,
  approvalTimeoutSeconds: z.int().check(z.positive()),
  auditExecutionArn: z.string(),
  criteria: RemediationSettingsSchema.shape.criteria,
  noticeDays: z.int().check(z.nonnegative()),
  keys: z.array(ProposedKeySchema),
});

export const ApprovalDecisionSchema = z.strictObject({
  decision: z.literal('approve'),
  requestId: z.string(),
  approver: callerSchema,
  approvedAt: isoDate,
  keys: z.array(z.string()),
  only: z.nullable(z.array(z.string())),
  except: z.nullable(z.array(z.string())),
});

export const RejectionDecisionSchema = z.strictObject({
  decision: z.literal('reject'),
  requestId: z.string(),
  approver: callerSchema,
  rejectedAt: isoDate,
  reason: z.string(),
});

export const KeyOutcomeSchema = z.object({
  accountId: z.string(),
  userName: z.string(),
  accessKeyId: z.string(),
  action: z.enum(['deactivate', 'reactivate']),
  outcome: z.enum(['deactivated', 'reactivated', 'skipped', 'failed']),
  reason: z.optional(z.nullable(z.string())),
  error: z.optional(z.nullable(z.string())),
  at: z.string(),
});

export const RequestOutcomeSchema = z.strictObject({
  schemaVersion: z.literal(REMEDIATION_SCHEMA_VERSION),
  requestId: z.string(),
  status: z.enum(['COMPLETED', 'REFUSED', 'REJECTED', 'EXPIRED']),
  closedAt: isoDate,
  approval: z.nullable(ApprovalDecisionSchema),
  rejection: z.nullable(RejectionDecisionSchema),
  reason: z.nullable(z.string()),
  outcomes: z.array(KeyOutcomeSchema),
});

export const ApprovalTaskSchema = z.strictObject({
  requestId: z.string(),
  executionArn: z.string(),
  taskToken: z.string().check(z.minLength(1), z.maxLength(1024)),
  issuedAt: isoDate,
  expiresAt: isoDate,
});

export const ReactivationRecordSchema = z.strictObject({
  schemaVersion: z.literal(REMEDIATION_SCHEMA_VERSION),
  requestId: z.string(),
  accessKeyId: z.string(),
  requestedBy: callerSchema,
  outcome: KeyOutcomeSchema,
});

export const RequestMarkerSchema = z.strictObject({
  requestId: z.string().check(z.regex(REQUEST_ID_PATTERN)),
  status: z.enum(['OPEN', 'COMPLETED', 'REFUSED', 'REJECTED', 'EXPIRED']),
  createdAt: isoDate,
  expiresAt: isoDate,
  closedAt: z.nullable(isoDate),
  keys: z.array(z.strictObject({ accountId: z.string(), accessKeyId: z.string() })),
  counts: z.strictObject({
    deactivated: z.int().check(z.nonnegative()),
    skipped: z.int().check(z.nonnegative()),
    failed: z.int().check(z.nonnegative()),
  }),
  auditExecutionArn: z.optional(z.string()),
});

/** A request that closed since the last full run, as the report and digest show it. */
export interface ClosedRequest {
  readonly requestId: string;
  readonly status: Exclude<RequestStatus, 'OPEN'>;
  readonly closedAt: string;
  /** The approver's or rejecter's ARN; null when nobody decided (expired). */
  readonly decidedBy: string | null;
  readonly reason: string | null;
  readonly outcomes: readonly KeyOutcome[];
  /** Reactivations recorded for the request since it closed. */
  readonly reactivations: readonly ReactivationRecord[];
}

/** The report's remediation section (docs/remediation.md); absent when remediation is off. */
export interface RemediationReport {
  /** The request this run opened; null when nothing was due (or on a dry run or partial run). */
  readonly opened: {
    readonly requestId: string;
    readonly expiresAt: string;
    readonly keys: readonly ProposedKey[];
  } | null;
  /** Due but left for a later request by maxKeysPerRequest. */
  readonly deferred: number;
  readonly upcoming: readonly UpcomingKey[];
  readonly awaiting: readonly {
    readonly requestId: string;
    readonly expiresAt: string;
    readonly key: ProposedKey;
  }[];
  readonly closed: readonly ClosedRequest[];
  /** Accounts whose remediation role could not be assumed by a recent request: nothing there can be deactivated. */
  readonly roleMissing: readonly string[];
  /** Why something could not be read or stored (the run still succeeded). */
  readonly warnings: readonly string[];
}
