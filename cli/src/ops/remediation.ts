/**
 * The operator's side of approval-gated deactivation (docs/remediation.md): approve or reject a
 * request by answering its Step Functions task token, reactivate a key a request deactivated,
 * and show where requests stand. Every decision names its sender (STS GetCallerIdentity), and
 * every refusal happens before anything is sent.
 */
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  ACCESS_KEY_ID_PATTERN,
  type ApprovalDecision,
  type ApprovalTask,
  assertRequestId,
  type Caller,
  type DeactivationRequest,
  InvalidInputError,
  type KeyOutcome,
  type ProposedKey,
  REJECTED_ERROR,
  type ReactivationRecord,
  type RejectionDecision,
  type RequestMarker,
  type RequestOutcome,
  reactivationExecutionName,
  remediationKeys,
} from '@org-key-audit/functions/core';
import type { OpsContext } from './context';
import { awsErrorName, errorMessage, OperationError } from './errors';
import { closedSentence, formatTime, listKeysBriefly } from './remediation-format';
import {
  listMarkers,
  listReactivations,
  readMarker,
  readOutcome,
  readReactivation,
  readRequest,
  readRequestRecords,
  s3Url,
} from './remediation-store';
import { waitForExecution } from './rerun';
import { DEFAULT_STACK_NAME, OUTPUT_KEYS, remediationOutputs, StackResolver } from './stack';

/** The operations context plus STS, which only the remediation commands need. */
export interface RemediationContext extends OpsContext {
  /** @default a client configured like the others (AWS_REGION, AWS_PROFILE, AWS_ENDPOINT_URL) */
  readonly sts?: () => STSClient;
}

const defaultSts = new WeakMap<OpsContext, STSClient>();

function stsOf(ctx: RemediationContext): STSClient {
  if (ctx.sts !== undefined) return ctx.sts();
  let client = defaultSts.get(ctx);
  if (client === undefined) {
    client = new STSClient({ retryMode: 'standard', maxAttempts: 5 });
    defaultSts.set(ctx, client);
  }
  return client;
}

/** Where the deployed resources are: the stack's outputs, unless given by flag. */
export interface TargetOptions {
  /** @default DEFAULT_STACK_NAME */
  readonly stack?: string | undefined;
  readonly reportBucket?: string | undefined;
  readonly stateMachine?: string | undefined;
}

export interface RemediationTarget {
  readonly stackName: string;
  readonly bucket: string;
  readonly stateMachineArn: string;
  readonly failuresQueueUrl: string | null;
}

export async function resolveTarget(ctx: OpsContext, options: TargetOptions): Promise<RemediationTarget> {
  const stack = new StackResolver(() => ctx.clients().cloudformation, options.stack ?? DEFAULT_STACK_NAME);
  // The remediation outputs first: on a stack without them, "not enabled" is the useful message.
  const remediation = await remediationOutputs(stack, options.stateMachine);
  const bucket = await stack.get(OUTPUT_KEYS.reportBucket, '--report-bucket', options.reportBucket);
  return { stackName: stack.stackName, bucket, ...remediation };
}

/** The RemediateKeys execution of a request: the audit starts it with the request id as its name. */
export function requestExecutionArn(stateMachineArn: string, requestId: string): string {
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${requestId}`;
}

export async function callerIdentity(ctx: RemediationContext): Promise<Caller> {
  try {
    const id = await stsOf(ctx).send(new GetCallerIdentityCommand({}));
    if (id.Arn === undefined || id.Account === undefined || id.UserId === undefined) {
      throw new Error('GetCallerIdentity answered without Arn, Account or UserId');
    }
    return { arn: id.Arn, account: id.Account, userId: id.UserId };
  } catch (error) {
    throw new OperationError(`Could not tell who you are (STS GetCallerIdentity: ${errorMessage(error)}).`, {
      fix: 'Every decision records who sent it, so nothing was sent; check your credentials (AWS_PROFILE, AWS_REGION) and retry.',
      cause: error,
    });
  }
}

async function describeQuietly(
  ctx: OpsContext,
  executionArn: string,
): Promise<DescribeExecutionCommandOutput | null> {
  try {
    return await ctx.clients().sfn.send(new DescribeExecutionCommand({ executionArn }));
  } catch {
    // Only decoration for a message: the caller may lack DescribeExecution, or it may not exist.
    return null;
  }
}

function executionState(execution: DescribeExecutionCommandOutput | null): string {
  if (execution === null) return 'not found, or not readable with these credentials';
  const status = execution.status ?? 'UNKNOWN';
  const detail = [execution.error, execution.cause].filter((t) => t !== undefined && t !== '').join(': ');
  return detail === '' ? status : `${status}: ${detail}`;
}

// --- choosing the keys -----------------------------------------------------------------------------

/** `--only A,B C` → [A, B, C]: commas or spaces, each id once, in the order given. */
export function parseKeyIds(values: readonly string[] | undefined, flag: string): string[] | null {
  if (values === undefined) return null;
  const ids: string[] = [];
  for (const value of values) {
    for (const id of value.split(/[\s,]+/)) if (id !== '' && !ids.includes(id)) ids.push(id);
  }
  if (ids.length === 0) throw new InvalidInputError(`${flag} needs at least one access key id.`);
  return ids;
}

export interface KeySelection {
  readonly only?: readonly string[] | undefined;
  readonly except?: readonly string[] | undefined;
}

export interface SelectedKeys {
  readonly keys: readonly ProposedKey[];
  readonly only: string[] | null;
  readonly except: string[] | null;
}

function assertExclusive(selection: KeySelection): void {
  if (selection.only !== undefined && selection.except !== undefined) {
    throw new InvalidInputError(
      '--only and --except cannot be combined: approve a few keys with --only, or all but a few with --except.',
    );
  }
}

/** The request's keys narrowed by --only or --except; an id the request does not hold is refused. */
export function selectKeys(request: DeactivationRequest, selection: KeySelection): SelectedKeys {
  assertExclusive(selection);
  const only = parseKeyIds(selection.only, '--only');
  const except = parseKeyIds(selection.except, '--except');
  const given = only ?? except ?? [];
  const held = new Set(request.keys.map((k) => k.accessKeyId));
  const unknown = given.filter((id) => !held.has(id));
  if (unknown.length > 0) {
    throw new InvalidInputError(
      `${only !== null ? '--only' : '--except'} names ${unknown.length === 1 ? 'a key' : 'keys'} that request ${request.requestId} does not hold: ${unknown.join(', ')}. ` +
        `Its keys: ${listKeysBriefly(request.keys)} (keyaudit requests ${request.requestId} shows the full ids). Nothing was sent.`,
    );
  }
  const keys = request.keys.filter((k) =>
    only !== null ? only.includes(k.accessKeyId) : !(except ?? []).includes(k.accessKeyId),
  );
  if (keys.length === 0) {
    throw new InvalidInputError(
      `--except leaves no key of request ${request.requestId} to approve; to deactivate none, use keyaudit reject ${request.requestId} --reason "…". Nothing was sent.`,
    );
  }
  return { keys, only, except };
}

// --- approve and reject --------------------------------------------------------------------------

/** A request ready for a decision: open, with its task token, the keys chosen. */
export interface DecisionPlan {
  readonly target: RemediationTarget;
  readonly request: DeactivationRequest;
  readonly task: ApprovalTask;
}

export interface ApprovalPlan extends DecisionPlan, SelectedKeys {}

function closedError(requestId: string, outcome: RequestOutcome): OperationError {
  return new OperationError(
    `request ${requestId} is closed (${outcome.status}): it ${closedSentence(outcome)}.`,
    {
      fix: `Nothing was sent; keyaudit requests ${requestId} shows each key's outcome.`,
    },
  );
}

/** The checks both decisions share: the request exists, is not closed and waits at its approval step. */
export async function planDecision(
  ctx: OpsContext,
  options: TargetOptions & { readonly requestId: string },
): Promise<DecisionPlan> {
  assertRequestId(options.requestId, 'the request id');
  const target = await resolveTarget(ctx, options);
  const { request, task, outcome } = await readRequestRecords(
    ctx.clients().s3,
    target.bucket,
    options.requestId,
  );
  if (outcome !== null) throw closedError(options.requestId, outcome);
  if (task === null) {
    const executionArn = requestExecutionArn(target.stateMachineArn, options.requestId);
    const execution = await describeQuietly(ctx, executionArn);
    throw new OperationError(
      `the request has not reached its approval step yet (or failed); see execution ${executionArn} (${executionState(execution)}).`,
      {
        fix:
          execution?.status === 'RUNNING'
            ? 'Retry in a minute, once the approval notice has been sent.'
            : `Nothing was sent. Its history says what happened; a failure also left a message in the remediation-failures DLQ${target.failuresQueueUrl === null ? '' : ` (keyaudit dlq list --queue-url ${target.failuresQueueUrl})`}.`,
      },
    );
  }
  if (task.requestId !== options.requestId) {
    throw new OperationError(
      `${s3Url(target.bucket, remediationKeys(options.requestId).task)} belongs to request ${task.requestId}, not ${options.requestId}.`,
      {
        fix: 'The object was copied or edited by hand; nothing was sent. Let the request expire: the next audit proposes the keys again.',
      },
    );
  }
  return { target, request, task };
}

export interface ApproveOptions extends TargetOptions, KeySelection {
  readonly requestId: string;
}

export async function planApproval(ctx: OpsContext, options: ApproveOptions): Promise<ApprovalPlan> {
  // Before any call: a usage mistake costs nothing.
  assertExclusive(options);
  const plan = await planDecision(ctx, options);
  return { ...plan, ...selectKeys(plan.request, options) };
}

/** After a refused answer: how long to look for the outcome the winning decision is writing. */
export const OUTCOME_GRACE_MS = 10_000;

export interface SendOptions {
  /** @default OUTCOME_GRACE_MS */
  readonly outcomeGraceMs?: number;
}

async function outcomeSoon(
  ctx: OpsContext,
  plan: DecisionPlan,
  graceMs: number,
): Promise<RequestOutcome | null> {
  const started = ctx.now().getTime();
  let delay = 250;
  for (;;) {
    const outcome = await readOutcome(ctx.clients().s3, plan.target.bucket, plan.request.requestId);
    if (outcome !== null) return outcome;
    const left = graceMs - (ctx.now().getTime() - started);
    if (left <= 0) return null;
    await ctx.sleep(Math.min(delay, left));
    delay *= 2;
  }
}

type Answer = 'SendTaskSuccess' | 'SendTaskFailure';

async function answerError(
  ctx: OpsContext,
  plan: DecisionPlan,
  error: unknown,
  answer: Answer,
  sender: Caller,
  graceMs: number,
): Promise<OperationError> {
  const { requestId } = plan.request;
  const name = awsErrorName(error);
  switch (name) {
    case 'TaskTimedOut': {
      const outcome = await outcomeSoon(ctx, plan, graceMs);
      if (outcome !== null) {
        return new OperationError(`request ${requestId} ${closedSentence(outcome)}.`, {
          fix: `This command changed nothing; keyaudit requests ${requestId} shows each key's outcome.`,
          cause: error,
        });
      }
      const past = ctx.now().getTime() >= Date.parse(plan.task.expiresAt);
      return new OperationError(
        `the request is no longer waiting (answered moments ago or expired${past ? `: its approval window ended ${formatTime(plan.task.expiresAt)}` : ''}).`,
        {
          fix: `This command changed nothing; keyaudit requests ${requestId} shows the outcome once it is recorded.`,
          cause: error,
        },
      );
    }
    case 'InvalidToken':
    case 'TaskDoesNotExist':
      return new OperationError(
        'the stored task token is not one Step Functions knows: the request was not started by this deployment or task.json was tampered with; nothing was changed.',
        {
          fix: `Check that --stack and AWS_REGION name the deployment that proposed ${requestId}; otherwise let it expire, and the next audit proposes the keys again.`,
          cause: error,
        },
      );
    case 'AccessDeniedException':
    case 'AccessDenied':
      return new OperationError(
        `${sender.arn} may not answer the approval: it needs states:${answer} on the RemediateKeys state machine ${plan.target.stateMachineArn} (${errorMessage(error)}).`,
        {
          fix: 'Nothing was changed; use a role allowed to approve (states:SendTaskSuccess and states:SendTaskFailure on that state machine, and read access to the report bucket).',
          cause: error,
        },
      );
    case 'InvalidOutput':
      return new OperationError(`Step Functions refused the decision as output (${errorMessage(error)}).`, {
        fix: 'Nothing was changed; this is a keyaudit bug, please report it with the request id.',
        cause: error,
      });
    default:
      return new OperationError(`${answer} failed: ${errorMessage(error)}.`, {
        fix: `Nothing is known to have changed; retry, then check keyaudit requests ${requestId}.`,
        cause: error,
      });
  }
}

export interface ApproveResult {
  readonly requestId: string;
  readonly executionArn: string;
  readonly decision: ApprovalDecision;
}

export async function sendApproval(
  ctx: RemediationContext,
  plan: ApprovalPlan,
  options: SendOptions = {},
): Promise<ApproveResult> {
  const approver = await callerIdentity(ctx);
  const decision: ApprovalDecision = {
    decision: 'approve',
    requestId: plan.request.requestId,
    approver,
    approvedAt: ctx.now().toISOString(),
    keys: plan.keys.map((k) => k.accessKeyId),
    only: plan.only,
    except: plan.except,
  };
  try {
    await ctx
      .clients()
      .sfn.send(
        new SendTaskSuccessCommand({ taskToken: plan.task.taskToken, output: JSON.stringify(decision) }),
      );
  } catch (error) {
    throw await answerError(
      ctx,
      plan,
      error,
      'SendTaskSuccess',
      approver,
      options.outcomeGraceMs ?? OUTCOME_GRACE_MS,
    );
  }
  return { requestId: plan.request.requestId, executionArn: plan.task.executionArn, decision };
}

/** Plan and send in one go, without a confirmation (the e2e tests' and scripts' entry). */
export async function approveRequest(
  ctx: RemediationContext,
  options: ApproveOptions & SendOptions,
): Promise<ApproveResult> {
  return sendApproval(ctx, await planApproval(ctx, options), options);
}

export const MAX_REASON_LENGTH = 256;

export function checkReason(reason: string | undefined): string {
  const text = reason?.trim() ?? '';
  if (text === '') {
    throw new InvalidInputError(
      'reject needs --reason "<why these keys stay active>" (1-256 characters): it is recorded with the request and shown in the digest. Nothing was sent.',
    );
  }
  if ([...text].length > MAX_REASON_LENGTH) {
    throw new InvalidInputError(
      `--reason is ${[...text].length} characters; keep it to ${MAX_REASON_LENGTH} (a ticket number and a few words). Nothing was sent.`,
    );
  }
  return text;
}

export interface RejectOptions extends TargetOptions {
  readonly requestId: string;
  readonly reason: string | undefined;
}

export interface RejectResult {
  readonly requestId: string;
  readonly executionArn: string;
  readonly decision: RejectionDecision;
}

export async function rejectRequest(
  ctx: RemediationContext,
  options: RejectOptions & SendOptions,
): Promise<RejectResult> {
  const reason = checkReason(options.reason);
  const plan = await planDecision(ctx, options);
  const approver = await callerIdentity(ctx);
  const decision: RejectionDecision = {
    decision: 'reject',
    requestId: plan.request.requestId,
    approver,
    rejectedAt: ctx.now().toISOString(),
    reason,
  };
  try {
    await ctx.clients().sfn.send(
      new SendTaskFailureCommand({
        taskToken: plan.task.taskToken,
        error: REJECTED_ERROR,
        cause: JSON.stringify(decision),
      }),
    );
  } catch (error) {
    throw await answerError(
      ctx,
      plan,
      error,
      'SendTaskFailure',
      approver,
      options.outcomeGraceMs ?? OUTCOME_GRACE_MS,
    );
  }
  return { requestId: plan.request.requestId, executionArn: plan.task.executionArn, decision };
}

// --- waiting for the outcome --------------------------------------------------------------------

export interface PollOptions {
  /** @default 900_000 (15 minutes) */
  readonly timeoutMs?: number;
  readonly onProgress?: (elapsedMs: number) => void;
}

/** Polls outcome.json (2 s, backing off to 15 s) until the workflow records how the request ended. */
export async function waitForOutcome(
  ctx: OpsContext,
  target: RemediationTarget,
  requestId: string,
  options: PollOptions = {},
): Promise<RequestOutcome> {
  const started = ctx.now().getTime();
  const timeoutMs = options.timeoutMs ?? 900_000;
  let delay = 2000;
  for (;;) {
    const outcome = await readOutcome(ctx.clients().s3, target.bucket, requestId);
    if (outcome !== null) return outcome;
    const elapsed = ctx.now().getTime() - started;
    if (elapsed >= timeoutMs) {
      throw new OperationError(
        `request ${requestId} has no outcome yet after ${Math.round(elapsed / 1000)} s.`,
        {
          fix: `The decision was sent and the workflow keeps going; follow it with keyaudit requests ${requestId}.`,
        },
      );
    }
    options.onProgress?.(elapsed);
    await ctx.sleep(Math.min(delay, Math.max(1, timeoutMs - elapsed)));
    delay = Math.min(15_000, Math.round(delay * 1.5));
  }
}

// --- reactivate ----------------------------------------------------------------------------------

export interface ReactivateOptions extends TargetOptions {
  readonly requestId: string;
  readonly accessKeyId: string;
}

export type ReactivateResult =
  | {
      /** A new execution was started (or the same one, still running, was asked for again). */
      readonly kind: 'started';
      readonly requestId: string;
      readonly accessKeyId: string;
      readonly executionArn: string;
      readonly requestedBy: Caller;
    }
  | {
      /** The execution name was taken: an earlier reactivation ran (record) or still runs (null). */
      readonly kind: 'exists';
      readonly requestId: string;
      readonly accessKeyId: string;
      readonly executionArn: string;
      readonly requestedBy: Caller;
      readonly earlier: ReactivationRecord | null;
      readonly status: string | null;
    };

/** The key's deactivation in the request's outcome, or why there is none to undo. */
function deactivationOf(
  request: DeactivationRequest,
  outcome: RequestOutcome | null,
  accessKeyId: string,
): KeyOutcome {
  const { requestId } = request;
  const proposed = request.keys.find((k) => k.accessKeyId === accessKeyId);
  if (proposed === undefined) {
    throw new OperationError(`key ${accessKeyId} is not in request ${requestId}.`, {
      fix: `Its keys: ${listKeysBriefly(request.keys)} (keyaudit requests ${requestId} shows the full ids); nothing was started.`,
    });
  }
  if (outcome === null) {
    throw new OperationError(`request ${requestId} has not deactivated anything yet.`, {
      fix: `Nothing was started; keyaudit requests ${requestId} shows where it stands.`,
    });
  }
  const done = outcome.outcomes.find((o) => o.accessKeyId === accessKeyId && o.action === 'deactivate');
  if (done === undefined) {
    const why =
      outcome.status === 'COMPLETED'
        ? 'it was not among the approved keys'
        : `the request ended ${outcome.status} and changed no key`;
    throw new OperationError(`key ${accessKeyId} was not deactivated by request ${requestId}: ${why}.`, {
      fix: 'Nothing was started: the key was never changed by this request.',
    });
  }
  if (done.outcome === 'skipped') {
    throw new OperationError(
      `key ${accessKeyId} was not deactivated by request ${requestId}: it was skipped (${done.reason ?? 'no reason recorded'}).`,
      { fix: 'Nothing was started: the request left the key as it was.' },
    );
  }
  if (done.outcome === 'failed') {
    const detail = [done.error, done.reason]
      .filter((t) => t !== undefined && t !== null && t !== '')
      .join(': ');
    throw new OperationError(
      `key ${accessKeyId} was not deactivated by request ${requestId}: its deactivation failed${detail === '' ? '' : ` (${detail})`}.`,
      {
        fix: `Nothing was started. If it is Inactive anyway, set it Active in IAM: aws iam update-access-key --user-name ${done.userName} --access-key-id ${accessKeyId} --status Active (in account ${done.accountId}).`,
      },
    );
  }
  return done;
}

export function checkReactivation(options: {
  readonly requestId: string;
  readonly accessKeyId: string;
}): void {
  assertRequestId(options.requestId, 'the request id');
  if (!ACCESS_KEY_ID_PATTERN.test(options.accessKeyId)) {
    throw new InvalidInputError(
      `--key "${options.accessKeyId}" is not an access key id (16-128 capital letters and digits, like AKIAIOSFODNN7EXAMPLE).`,
    );
  }
}

export async function reactivateKey(
  ctx: RemediationContext,
  options: ReactivateOptions,
): Promise<ReactivateResult> {
  checkReactivation(options);
  return startReactivation(ctx, await resolveTarget(ctx, options), options);
}

/** Starts the reactivation once the key is known to be one this request deactivated. */
export async function startReactivation(
  ctx: RemediationContext,
  target: RemediationTarget,
  options: { readonly requestId: string; readonly accessKeyId: string },
): Promise<ReactivateResult> {
  checkReactivation(options);
  const { requestId, accessKeyId } = options;
  const s3 = ctx.clients().s3;
  const request = await readRequest(s3, target.bucket, requestId);
  deactivationOf(request, await readOutcome(s3, target.bucket, requestId), accessKeyId);
  const requestedBy = await callerIdentity(ctx);
  const name = reactivationExecutionName(requestId, accessKeyId);
  const executionArn = requestExecutionArn(target.stateMachineArn, name);
  try {
    const started = await ctx.clients().sfn.send(
      new StartExecutionCommand({
        stateMachineArn: target.stateMachineArn,
        name,
        input: JSON.stringify({ action: 'reactivate', requestId, accessKeyId, requestedBy }),
      }),
    );
    return {
      kind: 'started',
      requestId,
      accessKeyId,
      executionArn: started.executionArn ?? executionArn,
      requestedBy,
    };
  } catch (error) {
    const code = awsErrorName(error);
    if (code === 'ExecutionAlreadyExists') {
      const earlier = await readReactivation(s3, target.bucket, requestId, accessKeyId);
      const execution = earlier === null ? await describeQuietly(ctx, executionArn) : null;
      return {
        kind: 'exists',
        requestId,
        accessKeyId,
        executionArn,
        requestedBy,
        earlier,
        status: execution?.status ?? null,
      };
    }
    throw startError(error, target, requestedBy);
  }
}

function startError(error: unknown, target: RemediationTarget, caller: Caller): OperationError {
  switch (awsErrorName(error)) {
    case 'AccessDeniedException':
    case 'AccessDenied':
      return new OperationError(
        `${caller.arn} may not start a reactivation: it needs states:StartExecution on the RemediateKeys state machine ${target.stateMachineArn} (${errorMessage(error)}).`,
        { fix: 'Nothing was started; use a role allowed to operate remediation.', cause: error },
      );
    case 'StateMachineDoesNotExist':
    case 'InvalidArn':
      return new OperationError(
        `The state machine ${target.stateMachineArn} does not exist in this account and region.`,
        {
          fix: 'Pass --stack with the deployed stack name (or --state-machine with its RemediationStateMachineArn output).',
          cause: error,
        },
      );
    case 'ExecutionLimitExceeded':
      return new OperationError(
        'Step Functions refused to start: too many executions are running in this account.',
        {
          fix: 'Nothing was started; retry in a few minutes.',
          cause: error,
        },
      );
    default:
      return new OperationError(`StartExecution failed: ${errorMessage(error)}.`, {
        fix: 'Nothing is known to have started; retry (a second start of the same reactivation is refused, never doubled).',
        cause: error,
      });
  }
}

export type ReactivationEnd =
  | { readonly kind: 'recorded'; readonly record: ReactivationRecord }
  /** The workflow ended without a record: it refused (the plan's reason) or failed. */
  | { readonly kind: 'unrecorded'; readonly status: string; readonly reason: string };

/** Waits for a reactivation execution to end, then reads what it recorded. */
export async function waitForReactivation(
  ctx: OpsContext,
  target: RemediationTarget,
  started: { readonly requestId: string; readonly accessKeyId: string; readonly executionArn: string },
  options: PollOptions = {},
): Promise<ReactivationEnd> {
  const execution = await waitForExecution(started.executionArn, {
    sfn: ctx.clients().sfn,
    sleep: ctx.sleep,
    now: ctx.now,
    timeoutMs: options.timeoutMs ?? 900_000,
    ...(options.onProgress === undefined
      ? {}
      : { onProgress: (_status, elapsed) => options.onProgress?.(elapsed) }),
  });
  const record = await readReactivation(
    ctx.clients().s3,
    target.bucket,
    started.requestId,
    started.accessKeyId,
  );
  if (record !== null) return { kind: 'recorded', record };
  const status = execution.status ?? 'UNKNOWN';
  if (status !== 'SUCCEEDED') {
    return { kind: 'unrecorded', status, reason: executionState(execution) };
  }
  return { kind: 'unrecorded', status, reason: planReason(execution.output) };
}

/** A refused reactivation ends SUCCEEDED with the plan's reason in its output. */
function planReason(output: string | undefined): string {
  try {
    const plan = (JSON.parse(output ?? '') as { plan?: { status?: unknown; reason?: unknown } }).plan;
    if (typeof plan?.reason === 'string' && plan.reason !== '') {
      return `${typeof plan.status === 'string' ? plan.status : 'REFUSED'}: ${plan.reason}`;
    }
  } catch {
    // An output of another shape only loses the detail.
  }
  return 'the workflow ended without recording a reactivation';
}

// --- requests ------------------------------------------------------------------------------------

export interface RequestRow {
  readonly requestId: string;
  /** The marker's status; an OPEN marker past its expiry shows as EXPIRED (docs/remediation.md). */
  readonly status: string;
  readonly markerStatus: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly closedAt: string | null;
  readonly keys: number;
  readonly counts: RequestMarker['counts'];
}

export interface RequestList {
  readonly rows: readonly RequestRow[];
  /** Markers that could not be read: key and why. */
  readonly unreadable: readonly { readonly key: string; readonly problem: string }[];
}

function effectiveStatus(marker: Pick<RequestMarker, 'status' | 'expiresAt'>, now: Date): string {
  return marker.status === 'OPEN' && now.getTime() >= Date.parse(marker.expiresAt)
    ? 'EXPIRED'
    : marker.status;
}

export async function listRequests(ctx: OpsContext, options: TargetOptions = {}): Promise<RequestList> {
  const target = await resolveTarget(ctx, options);
  const entries = await listMarkers(ctx.clients().s3, target.bucket);
  const now = ctx.now();
  const rows: RequestRow[] = [];
  const unreadable: { key: string; problem: string }[] = [];
  for (const entry of entries) {
    if (entry.marker === null) {
      unreadable.push({ key: entry.key, problem: entry.problem });
      continue;
    }
    const m = entry.marker;
    rows.push({
      requestId: m.requestId,
      status: effectiveStatus(m, now),
      markerStatus: m.status,
      createdAt: m.createdAt,
      expiresAt: m.expiresAt,
      closedAt: m.closedAt,
      keys: m.keys.length,
      counts: m.counts,
    });
  }
  rows.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || a.requestId.localeCompare(b.requestId));
  return { rows, unreadable };
}

export interface KeyView {
  readonly accountId: string;
  readonly accountName: string;
  readonly userName: string;
  readonly accessKeyId: string;
  readonly why: ProposedKey['why'];
  /** deactivated / skipped / failed; `not approved` when the request closed without acting on it; null while open. */
  readonly outcome: string | null;
  readonly reason: string | null;
  readonly reactivation: KeyOutcome | null;
}

export interface RequestView {
  readonly requestId: string;
  /** COMPLETED / REFUSED / REJECTED / EXPIRED from the outcome, else AWAITING_APPROVAL, EXPIRED or NOT_STARTED. */
  readonly status: string;
  readonly request: DeactivationRequest;
  /** The approval step, without its token: a token is a capability, never printed. */
  readonly approvalStep: {
    readonly executionArn: string;
    readonly issuedAt: string;
    readonly expiresAt: string;
  } | null;
  readonly execution: { readonly executionArn: string; readonly status: string | null };
  readonly outcome: RequestOutcome | null;
  readonly reactivations: readonly ReactivationRecord[];
  readonly keys: readonly KeyView[];
  readonly failuresQueueUrl: string | null;
}

export async function describeRequest(
  ctx: OpsContext,
  options: TargetOptions & { readonly requestId: string },
): Promise<RequestView> {
  assertRequestId(options.requestId, 'the request id');
  const target = await resolveTarget(ctx, options);
  const s3 = ctx.clients().s3;
  const { request, task, outcome } = await readRequestRecords(s3, target.bucket, options.requestId);
  const [reactivations, marker] = await Promise.all([
    listReactivations(s3, target.bucket, options.requestId),
    // The marker only refines the status; a damaged one must not hide the request itself.
    readMarker(s3, target.bucket, options.requestId).catch(() => null),
  ]);
  const executionArn = task?.executionArn ?? requestExecutionArn(target.stateMachineArn, options.requestId);
  const execution = await describeQuietly(ctx, executionArn);
  const now = ctx.now();
  const status =
    outcome?.status ??
    (task !== null
      ? effectiveStatus({ status: 'OPEN', expiresAt: task.expiresAt }, now) === 'EXPIRED'
        ? 'EXPIRED'
        : 'AWAITING_APPROVAL'
      : marker !== null
        ? effectiveStatus(marker, now) === 'EXPIRED'
          ? 'EXPIRED'
          : 'NOT_STARTED'
        : 'NOT_STARTED');
  const keys = request.keys.map((k): KeyView => {
    const done = outcome?.outcomes.find((o) => o.accessKeyId === k.accessKeyId && o.action === 'deactivate');
    const reactivation = reactivations.find((r) => r.accessKeyId === k.accessKeyId)?.outcome ?? null;
    return {
      accountId: k.accountId,
      accountName: k.accountName,
      userName: k.userName,
      accessKeyId: k.accessKeyId,
      why: k.why,
      outcome: done?.outcome ?? (outcome === null ? null : 'not approved'),
      reason:
        done === undefined
          ? null
          : done.outcome === 'failed'
            ? [done.error, done.reason].filter((t) => t !== undefined && t !== null && t !== '').join(': ') ||
              null
            : (done.reason ?? null),
      reactivation,
    };
  });
  return {
    requestId: request.requestId,
    status,
    request,
    approvalStep:
      task === null
        ? null
        : { executionArn: task.executionArn, issuedAt: task.issuedAt, expiresAt: task.expiresAt },
    execution: { executionArn, status: execution?.status ?? null },
    outcome,
    reactivations,
    keys,
    failuresQueueUrl: target.failuresQueueUrl,
  };
}
