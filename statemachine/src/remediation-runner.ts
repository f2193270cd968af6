/**
 * The local runner for the RemediateKeys state machine (`remediate-keys.asl.json`,
 * docs/remediation.md): the same machinery as the audit's (runner.ts: Lambda Tasks under their
 * deployed limits, sqs:sendMessage, the inline Map), plus the callback Task AwaitApproval, whose
 * task token a client answers through `waitForTaskToken` (the emulator's Step Functions).
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { TaskFunction, WaitForTaskToken } from './bindings';
import {
  type LambdaSizing,
  loadDefinition,
  REMEDIATION_DEFINITION_PATH,
  REMEDIATION_FUNCTION_PLACEHOLDERS,
  REMEDIATION_LAMBDA_SIZING,
  REMEDIATION_PLACEHOLDERS,
  type RemediationSubstitutions,
  type RemediationTaskName,
} from './definition';
import { parseStateMachineArn } from './distributed-map';
import { RunnerConfigError } from './errors';
import type { EventLog } from './metrics';
import {
  DEFAULT_STATE_MACHINE_ARN,
  type MachineBinding,
  type RedriveRecord,
  redriveMachine,
  runMachine,
  type WorkflowResult,
} from './runner';

/** The three RemediateKeys Lambdas, by role; callers pass the real ones (`makeHandler(deps)`), tests doubles. */
export type RemediationTasks = Readonly<Record<RemediationTaskName, TaskFunction>>;

/** The name RemediateKeys has where the runner names it (the emulator host's default too). */
export const REMEDIATION_STATE_MACHINE_NAME = 'OrgKeyAuditRemediateKeys';

/** RemediateKeys beside the audit state machine: the same region and account. */
export function defaultRemediationStateMachineArn(auditStateMachineArn = DEFAULT_STATE_MACHINE_ARN): string {
  const { region, account } = parseStateMachineArn(auditStateMachineArn);
  return `arn:aws:states:${region}:${account}:stateMachine:${REMEDIATION_STATE_MACHINE_NAME}`;
}

export const DEFAULT_REMEDIATION_STATE_MACHINE_ARN = defaultRemediationStateMachineArn();

const LOCAL_ARN_PREFIX = 'arn:aws:lambda:us-east-1:000000000000:function:org-key-audit-';

/**
 * The substitutions of a local run: the deployed functions' names (org-key-audit-<handler file>,
 * as context.functionName) and the remediation-failures queue.
 */
export function localRemediationSubstitutions(remediationFailuresQueueUrl: string): RemediationSubstitutions {
  return {
    RecordRemediationFunctionArn: `${LOCAL_ARN_PREFIX}record-remediation`,
    CheckKeyFunctionArn: `${LOCAL_ARN_PREFIX}check-key`,
    RemediateKeyFunctionArn: `${LOCAL_ARN_PREFIX}remediate-key`,
    RemediationFailuresQueueUrl: remediationFailuresQueueUrl,
  };
}

export interface RunRemediationOptions {
  /** `{ action: 'deactivate', requestId, approvalTimeoutSeconds }`, `{ action: 'reactivate', … }` or `{ action: 'retry', … }`. */
  readonly input: unknown;
  /** 1–80 of `[A-Za-z0-9_-]` (a request id, `ra-…`). @default the name in `executionArn`, else `local-<UTC timestamp>-<random>` */
  readonly executionName?: string;
  /**
   * The execution's ARN (the emulator's): names the state machine and the execution, so
   * `$$.Execution.Id` is this ARN. @default built from `stateMachineArn` and the name
   */
  readonly executionArn?: string;
  /** @default DEFAULT_REMEDIATION_STATE_MACHINE_ARN (or the one `executionArn` names) */
  readonly stateMachineArn?: string;
  readonly tasks: RemediationTasks;
  /** Sends the remediation-failures DLQ messages (SendKeyFailure, SendRequestFailure), as the state machine. */
  readonly sqs: SQSClient;
  /** A value for every REMEDIATION_PLACEHOLDERS entry (see localRemediationSubstitutions). */
  readonly substitutions: RemediationSubstitutions;
  /**
   * AwaitApproval's wait: registers the task token and resolves on SendTaskSuccess /
   * SendTaskFailure or a deadline (the emulator's ExecutionContext.waitForTaskToken). Unset:
   * AwaitApproval fails with a `RunnerConfigError` task error (SendRequestFailure, RequestFailed).
   */
  readonly waitForTaskToken?: WaitForTaskToken;
  /** StopExecution: the run stops between states and rejects. */
  readonly signal?: AbortSignal;
  readonly now?: () => Date;
  /** Replaces every Retry wait with this many milliseconds (tests, demo). @default the definition's backoff */
  readonly retryDelayMs?: number;
  /** @default REMEDIATION_LAMBDA_SIZING */
  readonly lambdaSizing?: Readonly<Record<RemediationTaskName, LambdaSizing>>;
  /** Multiplies every function's timeout (not the Tasks' own TimeoutSeconds). @default 1 */
  readonly lambdaTimeScale?: number;
  /** The raw (unsubstituted) definition. @default the product's remediate-keys.asl.json */
  readonly definition?: unknown;
  /** Each event of the execution, as aws-local-stepfunctions logs it (live history). */
  readonly onEvent?: (event: EventLog) => void;
}

const REMEDIATION_MACHINE: MachineBinding = {
  functionPlaceholders: REMEDIATION_FUNCTION_PLACEHOLDERS,
  placeholders: REMEDIATION_PLACEHOLDERS,
  sizing: REMEDIATION_LAMBDA_SIZING,
  loadDefinition: () => loadDefinition(REMEDIATION_DEFINITION_PATH),
};

const EXECUTION_ARN = /^(arn:aws[\w-]*:states:[\w-]+:\d{12}):execution:([\w-]{1,80}):([^:]+)$/;

/** Executes RemediateKeys once and reports its outcome; never calls real Lambda. */
export async function runRemediationWorkflow(options: RunRemediationOptions): Promise<WorkflowResult> {
  const { executionArn, stateMachineArn: givenMachine, executionName: givenName, ...rest } = options;
  let stateMachineArn = givenMachine ?? DEFAULT_REMEDIATION_STATE_MACHINE_ARN;
  let executionName = givenName;
  if (executionArn !== undefined) {
    const match = EXECUTION_ARN.exec(executionArn);
    if (match === null) {
      throw new RunnerConfigError(
        `executionArn '${executionArn}' is not an execution ARN: use arn:aws:states:<region>:<account>:execution:<state machine>:<name>`,
      );
    }
    const fromArn = `${match[1]}:stateMachine:${match[2]}`;
    if (givenMachine !== undefined && givenMachine !== fromArn) {
      throw new RunnerConfigError(`executionArn ${executionArn} is not an execution of ${givenMachine}`);
    }
    if (givenName !== undefined && givenName !== match[3]) {
      throw new RunnerConfigError(
        `executionArn ${executionArn} does not end in the executionName ${givenName}`,
      );
    }
    stateMachineArn = fromArn;
    executionName = match[3];
  }
  return runMachine(
    REMEDIATION_MACHINE,
    { ...rest, ...(executionName === undefined ? {} : { executionName }) },
    stateMachineArn,
  );
}

export type RedriveRemediationOptions = Omit<
  RunRemediationOptions,
  'input' | 'executionName' | 'executionArn' | 'stateMachineArn'
> & {
  /** The failed run's `result.redrive`. */
  readonly previous: RedriveRecord;
};

/**
 * RedriveExecution of a FAILED RemediateKeys execution: restarts at the step that failed (for a
 * failure caught on its way to RequestFailed, the Task whose error was caught), as
 * redriveWorkflow does for the audit. A restarted AwaitApproval issues a new task token.
 */
export async function redriveRemediationWorkflow(
  options: RedriveRemediationOptions,
): Promise<WorkflowResult> {
  const { previous, ...rest } = options;
  return redriveMachine(REMEDIATION_MACHINE, rest, previous);
}
