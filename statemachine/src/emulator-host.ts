/**
 * The emulator's Step Functions serving the real `AuditOrganization` workflow: a state machine
 * host (the emulator's `StateMachineHost`) whose executions are local audits (runLocalAudit, the
 * real ASL and handlers) and whose RedriveExecution is redriveLocalAudit. And the RemediateKeys
 * host (remediateKeysHost), whose AwaitApproval waits on the emulator's task tokens, so that
 * `keyaudit approve` (SendTaskSuccess) reaches the execution it was sent for.
 *
 * The emulator dev-depends on this package, so the host's shape is declared here structurally
 * (HostExecution, HostOutcome, ...) rather than imported: it matches the emulator's exported
 * types (`ExecutionContext`, `RedriveContext`, `ExecutionOutcome`, `HistoryEvent`), and a test
 * that passes the host to `startEmulator` holds the two together at compile time.
 */
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { WaitForTaskToken } from './bindings';
import {
  DEFINITION_PATH,
  type LambdaSizing,
  loadDefinition,
  REMEDIATION_DEFINITION_PATH,
  type RemediationTaskName,
} from './definition';
import {
  buildClients,
  type LocalAuditClients,
  type LocalAuditOptions,
  redriveLocalAudit,
  runLocalAudit,
  sameClientsForAll,
  type WorkflowClients,
} from './local-audit';
import {
  localRemediationSubstitutions,
  REMEDIATION_STATE_MACHINE_NAME,
  type RemediationTasks,
  redriveRemediationWorkflow,
  runRemediationWorkflow,
} from './remediation-runner';
import type { RedriveRecord, WorkflowEvent, WorkflowResult } from './runner';

/** A history event, as the emulator's `HistoryEvent`: `type` and its details field. */
export interface HostHistoryEvent {
  readonly type: string;
  readonly timestamp?: Date | number;
  readonly [details: string]: unknown;
}

/** How an execution (or a redrive of it) ended, as the emulator's `ExecutionOutcome`. */
export interface HostOutcome {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
  readonly failedState?: string;
  readonly events?: readonly HostHistoryEvent[];
}

/** What the emulator gives a run (the part of its `ExecutionContext` the host uses). */
export interface HostExecution {
  readonly executionArn: string;
  readonly name: string;
  /** The execution input, as JSON text. */
  readonly input: string;
  readonly signal: AbortSignal;
  addEvent(event: HostHistoryEvent): void;
}

export interface HostRedrive extends HostExecution {
  readonly previous: HostOutcome;
}

/** An execution that may wait on task tokens (the emulator's `ExecutionContext`, all of it). */
export interface HostCallbackExecution extends HostExecution {
  readonly waitForTaskToken: WaitForTaskToken;
}

export interface HostCallbackRedrive extends HostCallbackExecution {
  readonly previous: HostOutcome;
}

/** The emulator's `StateMachineHost`, structurally. */
export interface AuditOrganizationHost {
  readonly name: string;
  readonly arn?: string;
  readonly type: 'STANDARD';
  readonly roleArn?: string;
  start(execution: HostExecution): Promise<HostOutcome>;
  redrive(execution: HostRedrive): Promise<HostOutcome>;
  /** The redrive record kept for a FAILED execution (undefined once it succeeded). */
  redriveRecord(executionArn: string): RedriveRecord | undefined;
}

/** Everything of a local audit but what each execution brings (input, name, state machine). */
export type HostAuditOptions = Omit<
  LocalAuditOptions,
  'input' | 'executionName' | 'stateMachineArn' | 'onEvent'
>;

export interface AuditOrganizationHostOptions {
  /** @default 'AuditOrganization' */
  readonly name?: string;
  /** @default the emulator's arn:aws:states:<region>:<audit account>:stateMachine:<name> */
  readonly arn?: string;
  readonly roleArn?: string;
  /** Append each state's entered/exited/failed events to the execution history. @default true */
  readonly history?: boolean;
  /**
   * StartDeactivationRequest's Step Functions client, as the state machine's role: point it at the
   * emulator so the audit starts RemediateKeys there (remediateKeysHost). Read at each execution.
   * @default the clients' own (`stateMachine.sfn`)
   */
  readonly sfn?: Lazy<SFNClient>;
}

type Lazy<T> = T | (() => T);

/**
 * A host for the `AuditOrganization` state machine. `options` and `clients` may be thunks, read
 * at each execution: the emulator must be given its hosts when it starts, before the clients
 * that point at it exist.
 *
 * - start: runLocalAudit with the execution's name and input, under the state machine ARN the
 *   execution ARN names, so `$$.Execution.Id` is the emulator's execution ARN.
 * - FAILED keeps the run's RedriveRecord per execution ARN and reports its `failedState`.
 * - redrive: redriveLocalAudit from that record (the failed step, with the input it had). Without
 *   one (the run threw, or was stopped before it failed) the execution is run again from the
 *   start with its input.
 * - The signal (StopExecution) cannot stop a running audit: the emulator drops its late outcome,
 *   but its handlers keep running to their end, as bindLambda's timeouts do.
 */
export function auditOrganizationHost(
  options: Lazy<HostAuditOptions>,
  clients?: Lazy<LocalAuditClients | WorkflowClients>,
  hostOptions: AuditOrganizationHostOptions = {},
): AuditOrganizationHost {
  const records = new Map<string, RedriveRecord>();
  const resolve = () => {
    const audit = typeof options === 'function' ? options() : options;
    const given = typeof clients === 'function' ? clients() : clients;
    const resolved = given ?? buildClients(audit.aws, audit.storage);
    const sfn = typeof hostOptions.sfn === 'function' ? hostOptions.sfn() : hostOptions.sfn;
    if (sfn === undefined) return { audit, clients: resolved };
    const workflow = 'tasks' in resolved ? resolved : sameClientsForAll(resolved);
    return { audit, clients: { ...workflow, stateMachine: { ...workflow.stateMachine, sfn } } };
  };
  const history = hostOptions.history ?? true;

  const settle = (execution: HostExecution, result: WorkflowResult): HostOutcome => {
    if (result.status === 'SUCCEEDED') {
      records.delete(execution.executionArn);
      return { status: 'SUCCEEDED', output: JSON.stringify(result.output ?? null) };
    }
    if (result.redrive === undefined) records.delete(execution.executionArn);
    else records.set(execution.executionArn, result.redrive);
    return {
      status: 'FAILED',
      ...(result.error === undefined ? {} : { error: result.error }),
      ...(result.cause === undefined ? {} : { cause: result.cause }),
      ...(result.redrive === undefined ? {} : { failedState: result.redrive.failedState }),
    };
  };

  const common = (execution: HostExecution) => {
    execution.signal.throwIfAborted();
    const { audit, clients: resolved } = resolve();
    return {
      audit: {
        ...audit,
        stateMachineArn: stateMachineArnOf(execution.executionArn),
        ...(history
          ? { onEvent: (event: WorkflowEvent) => addHistory(execution, event, DEFINITION_PATH) }
          : {}),
      },
      clients: resolved,
    };
  };

  const startOver = async (execution: HostExecution): Promise<HostOutcome> => {
    const { audit, clients: resolved } = common(execution);
    const input = JSON.parse(execution.input) as unknown;
    const result = await runLocalAudit({ ...audit, input, executionName: execution.name }, resolved);
    return settle(execution, result);
  };

  return {
    name: hostOptions.name ?? 'AuditOrganization',
    ...(hostOptions.arn === undefined ? {} : { arn: hostOptions.arn }),
    type: 'STANDARD',
    ...(hostOptions.roleArn === undefined ? {} : { roleArn: hostOptions.roleArn }),
    start: startOver,
    redrive: async (execution) => {
      const previous = records.get(execution.executionArn);
      if (previous === undefined) return startOver(execution);
      const { audit, clients: resolved } = common(execution);
      const result = await redriveLocalAudit(previous, audit, resolved);
      return settle(execution, result);
    },
    redriveRecord: (executionArn) => records.get(executionArn),
  };
}

/** arn:…:execution:<machine>:<name> → arn:…:stateMachine:<machine>. */
function stateMachineArnOf(executionArn: string): string {
  return executionArn.replace(':execution:', ':stateMachine:').replace(/:[^:]+$/, '');
}

/** What a RemediateKeys execution runs with, besides what the execution itself brings. */
export interface HostRemediationOptions {
  /** The three Lambdas: the `makeHandler` exports of record-remediation, check-key and remediate-key. */
  readonly tasks: RemediationTasks;
  /** The state machine's own SQS client (SendKeyFailure, SendRequestFailure). */
  readonly sqs: SQSClient;
  readonly remediationFailuresQueueUrl: string;
  readonly now?: () => Date;
  readonly retryDelayMs?: number;
  readonly lambdaSizing?: Readonly<Record<RemediationTaskName, LambdaSizing>>;
  readonly lambdaTimeScale?: number;
}

export interface RemediateKeysHostOptions {
  /** @default REMEDIATION_STATE_MACHINE_NAME ('OrgKeyAuditRemediateKeys'), the name the audit starts by default */
  readonly name?: string;
  /** @default the emulator's arn:aws:states:<region>:<audit account>:stateMachine:<name> */
  readonly arn?: string;
  readonly roleArn?: string;
  /** Append each top-level state's entered/exited/failed events to the history. @default true */
  readonly history?: boolean;
}

/** The emulator's `StateMachineHost` for RemediateKeys, structurally. */
export interface RemediateKeysHost {
  readonly name: string;
  readonly arn?: string;
  readonly type: 'STANDARD';
  readonly roleArn?: string;
  start(execution: HostCallbackExecution): Promise<HostOutcome>;
  redrive(execution: HostCallbackRedrive): Promise<HostOutcome>;
  redriveRecord(executionArn: string): RedriveRecord | undefined;
}

/**
 * A host for RemediateKeys: each execution is runRemediationWorkflow under the execution's own
 * name and ARN, AwaitApproval waiting on the execution's `waitForTaskToken`, so SendTaskSuccess,
 * SendTaskFailure, SendTaskHeartbeat and the token's deadlines (on the emulator clock too) reach
 * it. `options` may be a thunk, read at each execution. StopExecution aborts the run between
 * states and closes its token. RedriveExecution restarts a FAILED execution at its failed step
 * (redriveRemediationWorkflow); a restarted AwaitApproval issues a new token.
 */
export function remediateKeysHost(
  options: Lazy<HostRemediationOptions>,
  hostOptions: RemediateKeysHostOptions = {},
): RemediateKeysHost {
  const records = new Map<string, RedriveRecord>();
  const history = hostOptions.history ?? true;

  const common = (execution: HostCallbackExecution) => {
    execution.signal.throwIfAborted();
    const resolved = typeof options === 'function' ? options() : options;
    return {
      tasks: resolved.tasks,
      sqs: resolved.sqs,
      substitutions: localRemediationSubstitutions(resolved.remediationFailuresQueueUrl),
      waitForTaskToken: execution.waitForTaskToken,
      signal: execution.signal,
      ...(resolved.now === undefined ? {} : { now: resolved.now }),
      ...(resolved.retryDelayMs === undefined ? {} : { retryDelayMs: resolved.retryDelayMs }),
      ...(resolved.lambdaSizing === undefined ? {} : { lambdaSizing: resolved.lambdaSizing }),
      ...(resolved.lambdaTimeScale === undefined ? {} : { lambdaTimeScale: resolved.lambdaTimeScale }),
      ...(history
        ? {
            onEvent: (event: WorkflowEvent) => addHistory(execution, event, REMEDIATION_DEFINITION_PATH),
          }
        : {}),
    };
  };

  const settle = (execution: HostExecution, result: WorkflowResult): HostOutcome => {
    if (result.status === 'SUCCEEDED') {
      records.delete(execution.executionArn);
      return { status: 'SUCCEEDED', output: JSON.stringify(result.output ?? null) };
    }
    if (result.redrive === undefined) records.delete(execution.executionArn);
    else records.set(execution.executionArn, result.redrive);
    return {
      status: 'FAILED',
      ...(result.error === undefined ? {} : { error: result.error }),
      ...(result.cause === undefined ? {} : { cause: result.cause }),
      ...(result.redrive === undefined ? {} : { failedState: result.redrive.failedState }),
    };
  };

  const startOver = async (execution: HostCallbackExecution): Promise<HostOutcome> => {
    const run = common(execution);
    const result = await runRemediationWorkflow({
      ...run,
      input: JSON.parse(execution.input) as unknown,
      executionArn: execution.executionArn,
    });
    return settle(execution, result);
  };

  return {
    name: hostOptions.name ?? REMEDIATION_STATE_MACHINE_NAME,
    ...(hostOptions.arn === undefined ? {} : { arn: hostOptions.arn }),
    type: 'STANDARD',
    ...(hostOptions.roleArn === undefined ? {} : { roleArn: hostOptions.roleArn }),
    start: startOver,
    redrive: async (execution) => {
      const previous = records.get(execution.executionArn);
      if (previous === undefined) return startOver(execution);
      const result = await redriveRemediationWorkflow({ ...common(execution), previous });
      return settle(execution, result);
    },
    redriveRecord: (executionArn) => records.get(executionArn),
  };
}

interface StateKind {
  /** The history's name for it: Task, Map, Choice, Pass, Fail, Succeed, ... */
  readonly type: string;
  /** A Task's integration, as TaskFailed names it (`lambda` / `invoke`). */
  readonly resourceType?: string;
  readonly resource?: string;
}

const definitionKinds = new Map<string, ReadonlyMap<string, StateKind>>();

/**
 * Each top-level state of one of the product's definitions: the runner stands a Task in for each
 * Distributed Map, the history still calls it a Map.
 */
function stateKinds(path: string): ReadonlyMap<string, StateKind> {
  const known = definitionKinds.get(path);
  if (known !== undefined) return known;
  const states = (loadDefinition(path)['States'] ?? {}) as Record<string, Record<string, unknown>>;
  const kinds = new Map<string, StateKind>();
  for (const [name, state] of Object.entries(states)) {
    const type = String(state['Type']);
    const integration = /^arn:aws:states:::([\w-]+):([\w.]+)/.exec(String(state['Resource'] ?? ''));
    kinds.set(name, {
      type,
      ...(integration === null ? {} : { resourceType: integration[1], resource: integration[2] }),
    });
  }
  definitionKinds.set(path, kinds);
  return kinds;
}

/** aws-local-stepfunctions' state events as AWS history events (the emulator numbers and stamps them). */
function addHistory(execution: HostExecution, event: WorkflowEvent, definitionPath: string): void {
  if (!('state' in event) || event.index !== undefined) return;
  const name = event.state.name;
  const kind = stateKinds(definitionPath).get(name);
  const type = kind?.type ?? event.state.type;
  switch (event.type) {
    case 'StateEntered':
      execution.addEvent({
        type: `${type}StateEntered`,
        stateEnteredEventDetails: { name, input: JSON.stringify(event.state.input ?? null) },
      });
      break;
    case 'StateExited':
      execution.addEvent({
        type: `${type}StateExited`,
        stateExitedEventDetails: { name, output: JSON.stringify(event.state.output ?? null) },
      });
      break;
    case 'StateFailed': {
      const cause = typeof event.Cause === 'string' ? event.Cause : JSON.stringify(event.Cause ?? null);
      if (type === 'Map') {
        execution.addEvent({ type: 'MapRunFailed', mapRunFailedEventDetails: { error: event.Error, cause } });
      } else if (type === 'Task') {
        execution.addEvent({
          type: 'TaskFailed',
          taskFailedEventDetails: {
            resourceType: kind?.resourceType ?? 'lambda',
            resource: kind?.resource ?? 'invoke',
            error: event.Error,
            cause,
          },
        });
      }
      break;
    }
    default:
      break;
  }
}
