/**
 * The local runner: executes the real `audit-organization.asl.json` with aws-local-stepfunctions,
 * every Task bound to a local function or a real SDK call (S3, SQS against whatever
 * AWS_ENDPOINT_URL points to), and the Distributed Map implemented in ./distributed-map.
 * `keyaudit demo`, `keyaudit run`, the e2e tests and the benchmarks all run the workflow through here.
 *
 * Each Lambda Task runs under its deployed limits (sizing.ts, `lambdaSizing`): the task gets a
 * Lambda-like context, and one still running at its timeout × `lambdaTimeScale` fails with
 * `Sandbox.Timedout` (bindings.ts; the handler itself cannot be stopped, only its late result is
 * ignored). A Task's own TimeoutSeconds is enforced by aws-local-stepfunctions as `States.Timeout`.
 */
import './polyfill';
import { randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import { bindLambda, bindSqsSendMessage, type TaskFunction } from './bindings';
import {
  FUNCTION_PLACEHOLDERS,
  LAMBDA_SIZING,
  type LambdaSizing,
  loadDefinition,
  type Substitutions,
  substitute,
  type TaskName,
} from './definition';
import {
  describeFailure,
  type MapChildProgress,
  makeDistributedMapHandler,
  parseStateMachineArn,
} from './distributed-map';
import { RunnerConfigError } from './errors';
import type { ContextObject, JsonObject, JsonValue } from './json-path';
import { type EventLog, MetricsRecorder, type RunMetrics } from './metrics';

export { LAMBDA_TIMEOUT_ERROR, type TaskContext, type TaskFunction } from './bindings';
export type { MapChildProgress } from './distributed-map';
export type { EventLog as WorkflowEvent, RunMetrics } from './metrics';

/** The Lambda handlers, by role; callers pass the real ones (`makeHandler(deps)`), tests pass doubles. */
export type WorkflowTasks = Readonly<Record<TaskName, TaskFunction>>;

export interface RunWorkflowOptions {
  /** The execution input, as the console or the schedule would send it. */
  readonly input: unknown;
  /** 1–80 of `[A-Za-z0-9_-]`. @default `local-<UTC timestamp>-<random>` */
  readonly executionName?: string;
  readonly tasks: WorkflowTasks;
  /** Reads the Map items and writes the ResultWriter files. */
  readonly s3: S3Client;
  /** Sends the DLQ messages the definition's sqs:sendMessage states send. */
  readonly sqs: SQSClient;
  /** A value for every placeholder (see PLACEHOLDERS); function ARNs only name the task locally. */
  readonly substitutions: Substitutions;
  /** On FAILED, sends what the deployed EventBridge rule sends to the execution-failures DLQ. */
  readonly executionFailuresQueueUrl?: string;
  /**
   * Sends that message as EventBridge would (not as the state machine, which has no such grant).
   * @default sqs
   */
  readonly executionFailuresSqs?: SQSClient;
  /**
   * Called each time a Map child finishes: children done out of total, and how that child ended
   * (its status and output, so a caller can tell an audited account from a failed one).
   */
  readonly onProgress?: (done: number, total: number, child: MapChildProgress) => void;
  /** A local cap on Map concurrency, on top of the definition's MaxConcurrency. @default none */
  readonly mapConcurrencyLimit?: number;
  /** Replaces every Retry wait with this many milliseconds (tests, demo). @default the definition's backoff */
  readonly retryDelayMs?: number;
  /**
   * Each function's timeout and memory, enforced on the tasks: the context's
   * getRemainingTimeInMillis() counts down from the timeout, and a task still running at its end
   * fails with `Sandbox.Timedout`, as Lambda's invocation does.
   * @default LAMBDA_SIZING (what CDK deploys with the default config; see lambdaSizingFor)
   */
  readonly lambdaSizing?: Readonly<Record<TaskName, LambdaSizing>>;
  /**
   * Multiplies every function's timeout (not the Tasks' own TimeoutSeconds), so a test or demo
   * can see a timeout quickly: 0.01 turns AuditAccount's 600 s into 6 s. Error messages still
   * quote the deployed timeout. A number > 0. @default 1
   */
  readonly lambdaTimeScale?: number;
  /** @default arn:aws:states:us-east-1:000000000000:stateMachine:AuditOrganization */
  readonly stateMachineArn?: string;
  /** The raw (unsubstituted) definition to run. @default the product's audit-organization.asl.json */
  readonly definition?: unknown;
  readonly now?: () => Date;
  /** Each event of the parent execution, as aws-local-stepfunctions logs it (live history). */
  readonly onEvent?: (event: EventLog) => void;
}

export interface WorkflowResult {
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly executionArn: string;
  readonly executionName: string;
  readonly output?: JsonValue;
  readonly error?: string;
  readonly cause?: string;
  readonly metrics: RunMetrics;
  /** FAILED only: what `redriveWorkflow` needs to continue this execution (small, JSON-serializable). */
  readonly redrive?: RedriveRecord;
}

/**
 * Where a FAILED execution stopped, so `redriveWorkflow` can continue it as RedriveExecution
 * does: the top-level state to restart at and the input that state was entered with, plus the
 * execution's identity and original input (the context object's `$$.Execution`).
 *
 * `failedState` is the state whose error ended the execution, with one deliberate exception: when
 * a Catch routed the error through `sqs:sendMessage` Tasks (the DLQ notices) to a Fail state, it
 * is the Task whose error was caught (PublishDigest → SendDigestFailure → DigestFailed restarts at
 * PublishDigest). AWS's docs say redrive restarts at "the unsuccessful step"; taken literally
 * that is the Fail state, and restarting at a Fail state fails again by definition, so the
 * redrive could never help. The DLQ notice is sent again on a second failure, as AWS would.
 * A Fail state reached without a caught error (InvalidInput after CheckInput) stays the failed
 * state: the input was bad, and a redrive with the same input fails the same way.
 */
export interface RedriveRecord {
  readonly executionArn: string;
  readonly executionName: string;
  readonly stateMachineArn: string;
  /** The execution's original input (`$$.Execution.Input`), kept across redrives. */
  readonly executionInput: JsonValue;
  /** `$$.Execution.StartTime` of the first attempt. */
  readonly startTime: string;
  /** The top-level state the redrive restarts at. */
  readonly failedState: string;
  /** The input `failedState` was entered with the last time. */
  readonly stateInput: JsonValue;
  /** The error `failedState` itself failed with (the caught one), when it had one. */
  readonly stateError?: string;
  readonly stateCause?: string;
}

export const DEFAULT_STATE_MACHINE_ARN =
  'arn:aws:states:us-east-1:000000000000:stateMachine:AuditOrganization';
const LAMBDA_INVOKE = 'arn:aws:states:::lambda:invoke';
const SQS_SEND_MESSAGE = 'arn:aws:states:::sqs:sendMessage';
const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;
// Long enough for any Map Run, short enough for setTimeout (at most 2^31-1 ms, about 24.8 days).
const MAP_TASK_TIMEOUT_SECONDS = 2_000_000;
const MAX_TIMER_MS = 2 ** 31 - 1;

type Handler = (input: JsonValue) => Promise<JsonValue>;

interface StateEntry {
  readonly name: string;
  readonly state: JsonObject;
  readonly raw: JsonObject;
}

/** Executes the workflow once and reports its outcome and metrics; never calls real Lambda. */
export async function runWorkflow(options: RunWorkflowOptions): Promise<WorkflowResult> {
  const now = options.now ?? (() => new Date());
  const executionName = options.executionName ?? defaultExecutionName(now());
  const input = (options.input === undefined ? null : JSON.parse(JSON.stringify(options.input))) as JsonValue;
  return execute(options, executionName, options.stateMachineArn ?? DEFAULT_STATE_MACHINE_ARN, {
    executionInput: input,
    startTime: now().toISOString(),
  });
}

export type RedriveWorkflowOptions = Omit<RunWorkflowOptions, 'input' | 'executionName'> & {
  /** The failed run's `result.redrive` (from runWorkflow or an earlier redriveWorkflow). */
  readonly previous: RedriveRecord;
};

/**
 * RedriveExecution, locally: runs a copy of the definition whose StartAt is `previous.failedState`,
 * entered with the input it had, under the same execution name and ARN and the same
 * `$$.Execution.Input` / `StartTime`. The states that succeeded before it are not run again (their
 * effect is in the recorded input). See RedriveRecord for which state that is.
 *
 * Map states: a failed Distributed Map (AuditAccounts) is rerun as a whole, so its succeeded
 * children run again too, where AWS's Map Run redrive reruns only the failed and unstarted ones.
 * Keeping them would mean carrying every child's result (10,000 of them) in the record or reading
 * the previous Map Run's ResultWriter files back; the product's Map tolerates 100 % failed
 * children, so it only fails when its items or results cannot be read or written, where no child
 * result is kept anyway. An Inline Map is rerun whole as well.
 */
export async function redriveWorkflow(options: RedriveWorkflowOptions): Promise<WorkflowResult> {
  const { previous } = options;
  const stateMachineArn = options.stateMachineArn ?? previous.stateMachineArn;
  if (stateMachineArn !== previous.stateMachineArn) {
    throw new RunnerConfigError(
      `redrive: stateMachineArn ${stateMachineArn} is not the failed execution's (${previous.stateMachineArn})`,
    );
  }
  return execute(options, previous.executionName, stateMachineArn, {
    executionInput: previous.executionInput,
    startTime: previous.startTime,
    startAt: { state: previous.failedState, input: previous.stateInput },
  });
}

interface Start {
  readonly executionInput: JsonValue;
  readonly startTime: string;
  /** A redrive: the state to start at and its input; unset: the definition's StartAt with the execution input. */
  readonly startAt?: { readonly state: string; readonly input: JsonValue };
}

async function execute(
  options: Omit<RunWorkflowOptions, 'input' | 'executionName'>,
  executionName: string,
  stateMachineArn: string,
  start: Start,
): Promise<WorkflowResult> {
  const now = options.now ?? (() => new Date());
  if (!EXECUTION_NAME.test(executionName)) {
    throw new RunnerConfigError(
      `executionName '${executionName}' is invalid: use 1-80 letters, digits, '-' or '_' (it becomes part of S3 keys)`,
    );
  }
  checkLambdaLimits(options);
  const { region, account, name: stateMachineName } = parseStateMachineArn(stateMachineArn);
  const executionArn = `arn:aws:states:${region}:${account}:execution:${stateMachineName}:${executionName}`;

  const raw = (options.definition ?? loadDefinition()) as JsonObject;
  const definition = substitute(raw, options.substitutions as Readonly<Record<string, string>>);
  const topLevel = (definition['States'] ?? {}) as Record<string, JsonObject>;
  if (start.startAt !== undefined && topLevel[start.startAt.state] === undefined) {
    throw new RunnerConfigError(
      `redrive: state ${start.startAt.state} is not a top-level state of the definition`,
    );
  }
  const entries = collectStates(definition, raw);
  const distributedMaps = new Set(
    entries.filter((entry) => isDistributedMap(entry.state)).map((e) => e.name),
  );
  const recorder = new MetricsRecorder(distributedMaps);
  const tracker = new FailureTracker(topLevel);

  const input = start.executionInput;
  const startTime = start.startTime;
  const context = {
    Execution: { Id: executionArn, Name: executionName },
    StateMachine: { Id: stateMachineArn, Name: stateMachineName },
  };
  const parentContext = (): ContextObject => ({
    ...context,
    Execution: { ...context.Execution, Input: input, StartTime: startTime },
  });

  const handlers: Record<string, Handler> = {};
  const retryIntervalOverrides: Record<string, number> = {};
  const runOptions = () => ({
    overrides: {
      taskResourceLocalHandlers: handlers,
      ...(options.retryDelayMs === undefined ? {} : { retryIntervalOverrides }),
    },
  });
  for (const entry of entries) {
    if (Array.isArray(entry.state['Retry']) && options.retryDelayMs !== undefined) {
      retryIntervalOverrides[entry.name] = options.retryDelayMs;
    }
    if (distributedMaps.has(entry.name)) {
      handlers[entry.name] = makeDistributedMapHandler({
        stateName: entry.name,
        state: entry.state,
        s3: options.s3,
        stateMachineArn,
        parentContext,
        childRunOptions: runOptions,
        ...(options.mapConcurrencyLimit === undefined
          ? {}
          : { concurrencyLimit: options.mapConcurrencyLimit }),
        onChildStarted: () => recorder.childStarted(),
        onChildEvent: (event) => recorder.observeChild(event),
        ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
        now,
      });
    } else if (entry.state['Type'] === 'Task') {
      handlers[entry.name] = bindTask(entry, options);
    }
  }

  const replaced = replaceDistributedMaps(definition, distributedMaps);
  const machine = new StateMachine(
    (start.startAt === undefined
      ? replaced
      : { ...replaced, StartAt: start.startAt.state }) as unknown as StateMachineDefinition,
    {
      // The product definition is checked by asl-validator 4 in the tests; the library's bundled
      // validator is older and would also see the local stand-in tasks.
      validationOptions: { noValidate: true },
    },
  );
  const execution = machine.run(start.startAt === undefined ? input : start.startAt.input, {
    ...runOptions(),
    // `$$.Execution.Input` is the execution's, also when a redrive starts at a later state.
    context: parentContext(),
  });
  const drained = drain(execution.eventLogs, (event) => {
    recorder.observeParent(event);
    tracker.observe(event);
    options.onEvent?.(event);
  });
  let result: WorkflowResult;
  try {
    const output = (await execution.result) as JsonValue;
    await drained;
    result = { status: 'SUCCEEDED', executionArn, executionName, output, metrics: recorder.snapshot() };
  } catch (error) {
    if (!(error instanceof ExecutionError)) throw error;
    await drained;
    const failure = describeFailure(error);
    const failed = tracker.failedState(start.startAt);
    result = {
      status: 'FAILED',
      executionArn,
      executionName,
      error: failure.Error,
      cause: failure.Cause,
      metrics: recorder.snapshot(),
      ...(failed === undefined
        ? {}
        : {
            redrive: {
              executionArn,
              executionName,
              stateMachineArn,
              executionInput: input,
              startTime,
              failedState: failed.name,
              stateInput: failed.input,
              ...(failed.error === undefined ? {} : { stateError: failed.error }),
              ...(failed.cause === undefined ? {} : { stateCause: failed.cause }),
            },
          }),
    };
  }
  if (result.status === 'FAILED' && options.executionFailuresQueueUrl !== undefined) {
    const body = {
      kind: 'execution-failure',
      executionArn,
      status: 'FAILED',
      error: result.error,
      cause: result.cause,
    };
    await (options.executionFailuresSqs ?? options.sqs).send(
      new SendMessageCommand({
        QueueUrl: options.executionFailuresQueueUrl,
        MessageBody: JSON.stringify(body),
      }),
    );
  }
  return result;
}

function bindTask(entry: StateEntry, options: Omit<RunWorkflowOptions, 'input'>): Handler {
  const resource = entry.state['Resource'];
  if (resource === LAMBDA_INVOKE) {
    const rawFunction = (entry.raw['Parameters'] as JsonObject | undefined)?.['FunctionName'];
    const placeholder = typeof rawFunction === 'string' ? /^\$\{(\w+)\}$/.exec(rawFunction)?.[1] : undefined;
    const taskName = placeholder
      ? FUNCTION_PLACEHOLDERS[placeholder as keyof typeof FUNCTION_PLACEHOLDERS]
      : undefined;
    if (taskName === undefined) {
      throw new RunnerConfigError(
        `Task ${entry.name}: Parameters.FunctionName must be exactly one of ` +
          `${Object.keys(FUNCTION_PLACEHOLDERS)
            .map((n) => `\${${n}}`)
            .join(', ')} so the runner can bind it`,
      );
    }
    const task = options.tasks[taskName];
    if (typeof task !== 'function') {
      throw new RunnerConfigError(`tasks.${taskName} is missing: pass a function for Task ${entry.name}`);
    }
    const sizing = (options.lambdaSizing ?? LAMBDA_SIZING)[taskName];
    const functionArn = String((entry.state['Parameters'] as JsonObject | undefined)?.['FunctionName']);
    return bindLambda(task, {
      functionName: functionNameOf(functionArn),
      invokedFunctionArn: functionArn,
      timeoutSeconds: sizing.timeoutSeconds,
      memoryMb: sizing.memoryMb,
      timeScale: options.lambdaTimeScale ?? 1,
    });
  }
  if (resource === SQS_SEND_MESSAGE) return bindSqsSendMessage(options.sqs);
  throw new RunnerConfigError(
    `Task ${entry.name}: Resource ${String(resource)} has no local binding (only lambda:invoke and sqs:sendMessage)`,
  );
}

/** The name part of a function ARN (`...:function:<name>[:qualifier]`); a bare name stays as it is. */
function functionNameOf(functionArn: string): string {
  return /^arn:[\w-]+:lambda:[\w-]+:\d{12}:function:([^:]+)/.exec(functionArn)?.[1] ?? functionArn;
}

function checkLambdaLimits(options: Omit<RunWorkflowOptions, 'input'>): void {
  const scale = options.lambdaTimeScale ?? 1;
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0) {
    throw new RunnerConfigError(
      `lambdaTimeScale ${String(scale)} is invalid: use a number > 0 (1 = the deployed timeouts, 0.01 = a hundredth)`,
    );
  }
  const sizing = options.lambdaSizing ?? LAMBDA_SIZING;
  for (const name of Object.values(FUNCTION_PLACEHOLDERS)) {
    const entry = sizing[name] as LambdaSizing | undefined;
    if (
      entry === undefined ||
      !(Number.isFinite(entry.timeoutSeconds) && entry.timeoutSeconds > 0) ||
      !(Number.isInteger(entry.memoryMb) && entry.memoryMb > 0)
    ) {
      throw new RunnerConfigError(
        `lambdaSizing.${name} must give timeoutSeconds > 0 and a whole memoryMb > 0 (see LAMBDA_SIZING)`,
      );
    }
    if (entry.timeoutSeconds * 1000 * scale > MAX_TIMER_MS) {
      throw new RunnerConfigError(
        `lambdaTimeScale ${scale} makes ${name}'s ${entry.timeoutSeconds} s timeout longer than a timer can wait (about 24.8 days): use a smaller scale`,
      );
    }
  }
}

/** Every state, nested ones included, with its raw twin; names must be unique (overrides are keyed by name). */
function collectStates(definition: JsonObject, raw: JsonObject): StateEntry[] {
  const entries: StateEntry[] = [];
  const seen = new Set<string>();
  const visit = (machine: JsonObject, rawMachine: JsonObject): void => {
    const states = (machine['States'] ?? {}) as Record<string, JsonObject>;
    const rawStates = (rawMachine['States'] ?? {}) as Record<string, JsonObject>;
    for (const [name, rawState] of Object.entries(rawStates)) {
      // State names hold no placeholders, so the substituted twin has the same name.
      const state = states[name] as JsonObject;
      if (seen.has(name)) {
        throw new RunnerConfigError(`state name ${name} is used twice: the runner binds tasks by state name`);
      }
      seen.add(name);
      entries.push({ name, state, raw: rawState });
      const processor = (state['ItemProcessor'] ?? state['Iterator']) as JsonObject | undefined;
      const rawProcessor = (rawState['ItemProcessor'] ?? rawState['Iterator']) as JsonObject | undefined;
      if (processor && rawProcessor) visit(processor, rawProcessor);
      const branches = (state['Branches'] ?? []) as JsonObject[];
      const rawBranches = (rawState['Branches'] ?? []) as JsonObject[];
      for (const [index, branch] of branches.entries()) visit(branch, rawBranches[index] ?? branch);
    }
  };
  visit(definition, raw);
  return entries;
}

function isDistributedMap(state: JsonObject): boolean {
  const processor = state['ItemProcessor'] as JsonObject | undefined;
  return (
    state['Type'] === 'Map' &&
    (processor?.['ProcessorConfig'] as JsonObject | undefined)?.['Mode'] === 'DISTRIBUTED'
  );
}

/** A copy of the definition where each Distributed Map is a Task that the runner handles locally. */
function replaceDistributedMaps(definition: JsonObject, names: ReadonlySet<string>): JsonObject {
  const states = definition['States'] as Record<string, JsonObject>;
  const replaced: Record<string, JsonObject> = {};
  for (const [name, state] of Object.entries(states)) {
    if (!names.has(name)) {
      replaced[name] = state;
      continue;
    }
    const task: JsonObject = {
      Type: 'Task',
      Resource: LAMBDA_INVOKE,
      TimeoutSeconds: MAP_TASK_TIMEOUT_SECONDS,
    };
    // Everything the Map does with its own input and result stays with the library.
    for (const field of [
      'Comment',
      'InputPath',
      'ResultSelector',
      'ResultPath',
      'OutputPath',
      'Retry',
      'Catch',
      'Next',
      'End',
    ]) {
      const value = state[field];
      if (value !== undefined) task[field] = value;
    }
    replaced[name] = task;
  }
  return { ...definition, States: replaced };
}

/**
 * Follows the parent's top-level states to name the one a redrive restarts at (see RedriveRecord):
 * the input each state was last entered with, and the Task whose caught error led, through DLQ
 * sends only, to the Fail state that ended the execution.
 */
class FailureTracker {
  private readonly inputs = new Map<string, JsonValue>();
  private readonly errors = new Map<string, { error: string; cause: string }>();
  private last: string | undefined;
  /** Set by a caught error; kept while only DLQ sends and Fail states follow, cleared otherwise. */
  private caughtAt: string | undefined;

  constructor(private readonly states: Readonly<Record<string, JsonObject>>) {}

  observe(event: EventLog): void {
    // Inline Map iterations and Parallel branches carry an index or use nested names.
    if (!('state' in event) || event.index !== undefined) return;
    const name = event.state.name;
    const state = this.states[name];
    if (state === undefined) return;
    switch (event.type) {
      case 'StateEntered':
        this.inputs.set(name, JSON.parse(JSON.stringify(event.state.input ?? null)) as JsonValue);
        this.errors.delete(name);
        this.last = name;
        if (!this.isDlqSend(state) && state['Type'] !== 'Fail') this.caughtAt = undefined;
        break;
      case 'StateFailed':
        this.errors.set(name, {
          error: event.Error,
          cause: typeof event.Cause === 'string' ? event.Cause : JSON.stringify(event.Cause ?? null),
        });
        break;
      case 'StateCaught':
        // A DLQ send failing after the caught Task keeps pointing at that Task.
        if (this.caughtAt === undefined || !this.isDlqSend(state)) this.caughtAt = name;
        break;
      default:
        break;
    }
  }

  failedState(
    startAt: { readonly state: string; readonly input: JsonValue } | undefined,
  ): { name: string; input: JsonValue; error?: string; cause?: string } | undefined {
    // Restarting at the Fail state would fail again by definition: the caught Task is the step to rerun.
    const name = this.caughtAt ?? this.last ?? startAt?.state;
    if (name === undefined) return undefined;
    const input = this.inputs.get(name) ?? (name === startAt?.state ? startAt.input : undefined);
    if (input === undefined) return undefined;
    const error = this.errors.get(name);
    return { name, input, ...(error === undefined ? {} : error) };
  }

  private isDlqSend(state: JsonObject): boolean {
    return state['Type'] === 'Task' && state['Resource'] === SQS_SEND_MESSAGE;
  }
}

async function drain(events: AsyncGenerator<EventLog>, observe: (event: EventLog) => void): Promise<void> {
  for await (const event of events) observe(event);
}

function defaultExecutionName(date: Date): string {
  const stamp = date.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return `local-${stamp}-${randomBytes(3).toString('hex')}`;
}
