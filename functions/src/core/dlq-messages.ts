/**
 * The dead-letter queue message bodies (docs/contracts.md, "DLQ message bodies"). The state
 * machine's sqs:sendMessage states write the account and digest failures, the EventBridge rule
 * (or the local runner) the execution failures; `keyaudit dlq` reads them back and replays the
 * account failures, so a body that does not match must never be turned into a rerun.
 */
import * as z from 'zod/mini';
import { ACCOUNT_ID_PATTERN } from './account-id';
import './zod-messages';

const accountId = z.string().check(z.regex(ACCOUNT_ID_PATTERN, 'must be a 12-digit account id'));

// Step Functions copies a caught error's Error and Cause as they are, and EventBridge sends
// null for an execution that was aborted or timed out: readers must not depend on either.
const errorText = z.nullish(z.string());

export const AccountFailureMessageSchema = z.object({
  kind: z.literal('account-failure'),
  executionArn: z.string(),
  executionName: z.string(),
  accountId,
  error: errorText,
  cause: errorText,
  /** Valid execution input as it stands (core/execution-input.ts): a rerun of this account. */
  rerunInput: z.object({
    accountIds: z.array(accountId),
    thresholds: z.nullish(z.record(z.string(), z.unknown())),
    reason: z.nullish(z.string()),
  }),
});

export const DigestFailureMessageSchema = z.object({
  kind: z.literal('digest-failure'),
  executionArn: z.string(),
  executionName: z.string(),
  error: errorText,
  cause: errorText,
  /** The execution's normalized input, to start the run again. */
  input: z.optional(z.unknown()),
});

/**
 * The Security Hub import failed after its retries (the ASL's SendImportFailure); the digest went
 * out all the same. `input` is the ImportFindings event: invoking the function with it imports again.
 */
export const FindingsImportFailureMessageSchema = z.object({
  kind: z.literal('findings-import-failure'),
  executionArn: z.string(),
  executionName: z.string(),
  error: errorText,
  cause: errorText,
  input: z.object({
    executionName: z.string(),
    executionArn: z.string(),
    bucket: z.string(),
    reportKey: z.string(),
  }),
});

/**
 * The audit could not start its deactivation request (the ASL's SendRemediationStartFailure);
 * the audit succeeded. `input` is the StartExecution call to make: it starts the request as is.
 */
export const RemediationStartFailureMessageSchema = z.object({
  kind: z.literal('remediation-start-failure'),
  executionArn: z.string(),
  executionName: z.string(),
  error: errorText,
  cause: errorText,
  input: z.object({ stateMachineArn: z.string(), name: z.string(), input: z.unknown() }),
});

/**
 * One approved key could not be deactivated or reactivated (remediate-keys.asl.json). Its
 * `retryInput` is a RemediateKeys input that acts on just that key, once it can be.
 */
export const RemediationKeyFailureMessageSchema = z.object({
  kind: z.literal('remediation-key-failure'),
  executionArn: z.string(),
  requestId: z.string(),
  accountId: z.string(),
  accessKeyId: z.string(),
  error: errorText,
  cause: errorText,
  retryInput: z.looseObject({
    action: z.enum(['retry', 'reactivate']),
    requestId: z.string(),
    accessKeyId: z.string(),
  }),
});

/** A step of a deactivation request failed; `input` is the RemediateKeys execution's input. */
export const RemediationRequestFailureMessageSchema = z.object({
  kind: z.literal('remediation-request-failure'),
  executionArn: z.string(),
  requestId: z.string(),
  error: errorText,
  cause: errorText,
  input: z.unknown(),
});

export const EXECUTION_FAILURE_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;

export const ExecutionFailureMessageSchema = z.object({
  kind: z.literal('execution-failure'),
  executionArn: z.string(),
  status: z.enum(EXECUTION_FAILURE_STATUSES),
  error: errorText,
  cause: errorText,
});

export const DlqMessageSchema = z.discriminatedUnion('kind', [
  AccountFailureMessageSchema,
  DigestFailureMessageSchema,
  ExecutionFailureMessageSchema,
  FindingsImportFailureMessageSchema,
  RemediationStartFailureMessageSchema,
  RemediationKeyFailureMessageSchema,
  RemediationRequestFailureMessageSchema,
]);

export type AccountFailureMessage = z.output<typeof AccountFailureMessageSchema>;
export type DigestFailureMessage = z.output<typeof DigestFailureMessageSchema>;
export type ExecutionFailureMessage = z.output<typeof ExecutionFailureMessageSchema>;
export type FindingsImportFailureMessage = z.output<typeof FindingsImportFailureMessageSchema>;
export type DlqMessage = z.output<typeof DlqMessageSchema>;
export type DlqMessageKind = DlqMessage['kind'];

export const DLQ_MESSAGE_KINDS: readonly DlqMessageKind[] = [
  'account-failure',
  'digest-failure',
  'execution-failure',
  'findings-import-failure',
  'remediation-start-failure',
  'remediation-key-failure',
  'remediation-request-failure',
];
