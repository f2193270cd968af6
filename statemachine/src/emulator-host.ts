/**
 * The emulator's Step Functions serving the real `AuditOrganization` workflow: a state machine
 * host (the emulator's `StateMachineHost`) whose executions are local audits (runLocalAudit, the
 * real ASL and handlers) and whose RedriveExecution is redriveLocalAudit.
 *
 * The emulator dev-depends on this package, so the host's shape is declared here structurally
 * (HostExecution, HostOutcome, ...) rather than imported: it matches the emulator's exported
 * types (`ExecutionContext`, `RedriveContext`, `ExecutionOutcome`, `HistoryEvent`), and a test
 * that passes the host to `startEmulator` holds the two together at compile time.
 */
import { loadDefinition } from './definition';
import {
  buildClients,
  type LocalAuditClients,
  type LocalAuditOptions,
  redriveLocalAudit,
  runLocalAudit,
  type WorkflowClients,
} from './local-audit';
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
    const resolved = typeof clients === 'function' ? clients() : clients;
    return { audit, clients: resolved ?? buildClients(audit.aws, audit.storage) };
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
        ...(history ? { onEvent: (event: WorkflowEvent) => addHistory(execution, event) } : {}),
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

interface StateKind {
  /** The history's name for it: Task, Map, Choice, Pass, Fail, Succeed, ... */
  readonly type: string;
  /** A Task's integration, as TaskFailed names it (`lambda` / `invoke`). */
  readonly resourceType?: string;
  readonly resource?: string;
}

let definitionKinds: ReadonlyMap<string, StateKind> | undefined;

/**
 * Each top-level state of the product's definition: the runner stands a Task in for each
 * Distributed Map, the history still calls it a Map.
 */
function stateKinds(): ReadonlyMap<string, StateKind> {
  if (definitionKinds !== undefined) return definitionKinds;
  const states = (loadDefinition()['States'] ?? {}) as Record<string, Record<string, unknown>>;
  const kinds = new Map<string, StateKind>();
  for (const [name, state] of Object.entries(states)) {
    const type = String(state['Type']);
    const integration = /^arn:aws:states:::([\w-]+):([\w.]+)/.exec(String(state['Resource'] ?? ''));
    kinds.set(name, {
      type,
      ...(integration === null ? {} : { resourceType: integration[1], resource: integration[2] }),
    });
  }
  definitionKinds = kinds;
  return kinds;
}

/** aws-local-stepfunctions' state events as AWS history events (the emulator numbers and stamps them). */
function addHistory(execution: HostExecution, event: WorkflowEvent): void {
  if (!('state' in event) || event.index !== undefined) return;
  const name = event.state.name;
  const kind = stateKinds().get(name);
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
