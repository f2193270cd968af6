/**
 * The local runner: executes the real `audit-organization.asl.json` with aws-local-stepfunctions,
 * every Task bound to a local function or a real SDK call (S3, SQS, Step Functions against
 * whatever AWS_ENDPOINT_URL points to), and the Distributed Map implemented in ./distributed-map.
 * `keyaudit demo`, `keyaudit run`, the e2e tests and the benchmarks all run the workflow through here.
 * The same machinery runs `remediate-keys.asl.json` (runMachine, remediation-runner.ts).
 *
 * Each Lambda Task runs under its deployed limits (sizing.ts, `lambdaSizing`): the task gets a
 * Lambda-like context, and one still running at its timeout × `lambdaTimeScale` fails with
 * `Sandbox.Timedout` (bindings.ts; the handler itself cannot be stopped, only its late result is
 * ignored). A Task's own TimeoutSeconds is enforced by aws-local-stepfunctions as `States.Timeout`,
 * but for a `.waitForTaskToken` Task's, which its handler enforces (rewriteCallbackTask).
 */
import './polyfill';
import { randomBytes } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { ExecutionError, StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';
import {
  bindCallbackTask,
  bindLambda,
  bindSqsSendMessage,
  bindStartExecution,
  CALLBACK_FIELDS,
  MAX_TIMER_MS,
  type TaskFunction,
  TaskTokens,
  type WaitForTaskToken,
} from './bindings';
import {
  FUNCTION_PLACEHOLDERS,
  LAMBDA_SIZING,
  type LambdaSizing,
  loadDefinition,
  PLACEHOLDERS,
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

export {
  LAMBDA_TIMEOUT_ERROR,
  type TaskContext,
  type TaskFunction,
  type TaskTokenOutcome,
  type TaskTokenWait,
  type WaitForTaskToken,
} from './bindings';
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
  /**
   * Starts the executions the definition's `states:startExecution` Tasks start
   * (StartDeactivationRequest), as the state machine's role. Unset: such a Task fails with a
   * `RunnerConfigError` task error, which the definition's Catch handles like any other.
   */
  readonly sfn?: SFNClient;
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

/**
 * What the runner needs of a state machine definition besides its file: the Lambda placeholders
 * (which task each stands for), every placeholder it may use, and the functions' deployed limits.
 */
export interface MachineBinding {
  /** Placeholder → task name, e.g. `BuildDigestFunctionArn` → `buildDigest`. */
  readonly functionPlaceholders: Readonly<Record<string, string>>;
  readonly placeholders: readonly string[];
  readonly sizing: Readonly<Record<string, LambdaSizing>>;
  /** The raw (unsubstituted) definition. */
  readonly loadDefinition: () => unknown;
}

const AUDIT_MACHINE: MachineBinding = {
  functionPlaceholders: FUNCTION_PLACEHOLDERS,
  placeholders: PLACEHOLDERS,
  sizing: LAMBDA_SIZING,
  loadDefinition: () => loadDefinition(),
};

/** The options every machine's run takes (the audit's RunWorkflowOptions, minus what is its own). */
export interface ExecuteOptions {
  readonly tasks: Readonly<Record<string, TaskFunction>>;
  /** Only a Distributed Map reads and writes S3. */
  readonly s3?: S3Client;
  readonly sqs: SQSClient;
  readonly sfn?: SFNClient;
  /**
   * Registers a callback Task's token and waits for SendTaskSuccess / SendTaskFailure or its
   * deadline (the emulator's `ExecutionContext.waitForTaskToken`). Unset: a
   * `.waitForTaskToken` Task fails with a `RunnerConfigError` task error.
   */
  readonly waitForTaskToken?: WaitForTaskToken;
  /** StopExecution: aborts the run (the library stops between states); the run then rejects. */
  readonly signal?: AbortSignal;
  readonly substitutions: Readonly<Record<string, string>>;
  readonly executionFailuresQueueUrl?: string;
  readonly executionFailuresSqs?: SQSClient;
  readonly onProgress?: (done: number, total: number, child: MapChildProgress) => void;
  readonly mapConcurrencyLimit?: number;
  readonly retryDelayMs?: number;
  readonly lambdaSizing?: Readonly<Record<string, LambdaSizing>>;
  readonly lambdaTimeScale?: number;
  readonly stateMachineArn?: string;
  readonly definition?: unknown;
  readonly now?: () => Date;
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
const LAMBDA_INVOKE_CALLBACK = 'arn:aws:states:::lambda:invoke.waitForTaskToken';
const SQS_SEND_MESSAGE = 'arn:aws:states:::sqs:sendMessage';
const STATES_START_EXECUTION = 'arn:aws:states:::states:startExecution';
const EXECUTION_NAME = /^[A-Za-z0-9_-]{1,80}$/;
// Long enough for any Map Run, short enough for setTimeout (at most 2^31-1 ms, about 24.8 days).
const MAP_TASK_TIMEOUT_SECONDS = 2_000_000;
// What aws-local-stepfunctions waits on a callback Task at most: the runner enforces the Task's own timeout.
const CALLBACK_LIBRARY_TIMEOUT_SECONDS = Math.floor(MAX_TIMER_MS / 1000);
const TASK_TOKEN_PATH = '$$.Task.Token';

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

/**
 * One execution of any definition the runner can bind (`machine`): what runWorkflow does for the
 * audit, and runRemediationWorkflow for RemediateKeys.
 */
export async function runMachine(
  machine: MachineBinding,
  options: ExecuteOptions & { readonly input: unknown; readonly executionName?: string },
  stateMachineArn: string,
): Promise<WorkflowResult> {
  const now = options.now ?? (() => new Date());
  const executionName = options.executionName ?? defaultExecutionName(now());
  const input = (options.input === undefined ? null : JSON.parse(JSON.stringify(options.input))) as JsonValue;
  return execute(
    options,
    executionName,
    stateMachineArn,
    { executionInput: input, startTime: now().toISOString() },
    machine,
  );
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
  return redriveMachine(AUDIT_MACHINE, options, options.previous);
}

/** RedriveExecution of any machine the runner can bind: see redriveWorkflow. */
export async function redriveMachine(
  machine: MachineBinding,
  options: ExecuteOptions,
  previous: RedriveRecord,
): Promise<WorkflowResult> {
  const stateMachineArn = options.stateMachineArn ?? previous.stateMachineArn;
  if (stateMachineArn !== previous.stateMachineArn) {
    throw new RunnerConfigError(
      `redrive: stateMachineArn ${stateMachineArn} is not the failed execution's (${previous.stateMachineArn})`,
    );
  }
  return execute(
    options,
    previous.executionName,
    stateMachineArn,
    {
      executionInput: previous.executionInput,
      startTime: previous.startTime,
      startAt: { state: previous.failedState, input: previous.stateInput },
    },
    machine,
  );
}

interface Start {
  readonly executionInput: JsonValue;
  readonly startTime: string;
  /** A redrive: the state to start at and its input; unset: the definition's StartAt with the execution input. */
  readonly startAt?: { readonly state: string; readonly input: JsonValue };
}

async function execute(
  options: ExecuteOptions,
  executionName: string,
  stateMachineArn: string,
  start: Start,
  machine: MachineBinding = AUDIT_MACHINE,
): Promise<WorkflowResult> {
  const now = options.now ?? (() => new Date());
  if (!EXECUTION_NAME.test(executionName)) {
    throw new RunnerConfigError(
      `executionName '${executionName}' is invalid: use 1-80 letters, digits, '-' or '_' (it becomes part of S3 keys)`,
    );
  }
  checkLambdaLimits(options, machine);
  const { region, account, name: stateMachineName } = parseStateMachineArn(stateMachineArn);
  const executionArn = `arn:aws:states:${region}:${account}:execution:${stateMachineName}:${executionName}`;

  const raw = (options.definition ?? machine.loadDefinition()) as JsonObject;
  const definition = substitute(raw, options.substitutions, machine.placeholders);
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
  const tokens = new TaskTokens();
  const context = {
    Execution: { Id: executionArn, Name: executionName },
    StateMachine: { Id: stateMachineArn, Name: stateMachineName },
    // Getters: the library spreads the context once per run, these objects are shared by reference.
    State: stateContext(now),
    Task: tokens.context,
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
      if (options.s3 === undefined) {
        throw new RunnerConfigError(
          `Map ${entry.name} is a Distributed Map: pass \`s3\` for its items and results`,
        );
      }
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
      handlers[entry.name] = bindTask(entry, options, machine, tokens);
    }
  }
  checkTaskTokenUse(entries);
  // After binding, which reads each Task's Parameters as the definition has them.
  for (const entry of entries) if (isCallbackTask(entry.state)) rewriteCallbackTask(entry.state);

  const replaced = replaceDistributedMaps(definition, distributedMaps);
  const stateMachine = new StateMachine(
    (start.startAt === undefined
      ? replaced
      : { ...replaced, StartAt: start.startAt.state }) as unknown as StateMachineDefinition,
    {
      // The product definition is checked by asl-validator 4 in the tests; the library's bundled
      // validator is older and would also see the local stand-in tasks.
      validationOptions: { noValidate: true },
    },
  );
  const execution = stateMachine.run(start.startAt === undefined ? input : start.startAt.input, {
    ...runOptions(),
    // `$$.Execution.Input` is the execution's, also when a redrive starts at a later state.
    context: parentContext(),
  });
  const abort = () => execution.abort();
  if (options.signal?.aborted === true) abort();
  options.signal?.addEventListener('abort', abort, { once: true });
  const drained = drain(execution.eventLogs, (event) => {
    recorder.observeParent(event);
    tracker.observe(event);
    options.onEvent?.(event);
  });
  let result: WorkflowResult;
  try {
    const output = (await execution.result) as JsonValue;
    options.signal?.removeEventListener('abort', abort);
    await drained;
    result = { status: 'SUCCEEDED', executionArn, executionName, output, metrics: recorder.snapshot() };
  } catch (error) {
    options.signal?.removeEventListener('abort', abort);
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

function bindTask(
  entry: StateEntry,
  options: ExecuteOptions,
  machine: MachineBinding,
  tokens: TaskTokens,
): Handler {
  const resource = entry.state['Resource'];
  if (resource === LAMBDA_INVOKE || resource === LAMBDA_INVOKE_CALLBACK) {
    const rawFunction = (entry.raw['Parameters'] as JsonObject | undefined)?.['FunctionName'];
    const placeholder = typeof rawFunction === 'string' ? /^\$\{(\w+)\}$/.exec(rawFunction)?.[1] : undefined;
    const taskName =
      placeholder !== undefined && Object.hasOwn(machine.functionPlaceholders, placeholder)
        ? machine.functionPlaceholders[placeholder]
        : undefined;
    if (taskName === undefined) {
      throw new RunnerConfigError(
        `Task ${entry.name}: Parameters.FunctionName must be exactly one of ` +
          `${Object.keys(machine.functionPlaceholders)
            .map((n) => `\${${n}}`)
            .join(', ')} so the runner can bind it`,
      );
    }
    const task = options.tasks[taskName];
    if (typeof task !== 'function') {
      throw new RunnerConfigError(`tasks.${taskName} is missing: pass a function for Task ${entry.name}`);
    }
    const sizing = (options.lambdaSizing ?? machine.sizing)[taskName] as LambdaSizing;
    const functionArn = String((entry.state['Parameters'] as JsonObject | undefined)?.['FunctionName']);
    const invoke = bindLambda(task, {
      functionName: functionNameOf(functionArn),
      invokedFunctionArn: functionArn,
      timeoutSeconds: sizing.timeoutSeconds,
      memoryMb: sizing.memoryMb,
      timeScale: options.lambdaTimeScale ?? 1,
    });
    if (resource === LAMBDA_INVOKE) return invoke;
    if (!JSON.stringify(entry.state['Parameters'] ?? null).includes(TASK_TOKEN_PATH)) {
      throw new RunnerConfigError(
        `Task ${entry.name} waits for a task token, but its Parameters do not pass ${TASK_TOKEN_PATH}: nobody could ever answer it`,
      );
    }
    return bindCallbackTask(invoke, { stateName: entry.name, tokens, wait: options.waitForTaskToken });
  }
  if (resource === SQS_SEND_MESSAGE) return bindSqsSendMessage(options.sqs);
  if (resource === STATES_START_EXECUTION) return bindStartExecution(options.sfn, entry.name);
  throw new RunnerConfigError(
    `Task ${entry.name}: Resource ${String(resource)} has no local binding (only lambda:invoke, lambda:invoke.waitForTaskToken, sqs:sendMessage and states:startExecution)`,
  );
}

function isCallbackTask(state: JsonObject): boolean {
  return state['Type'] === 'Task' && state['Resource'] === LAMBDA_INVOKE_CALLBACK;
}

/**
 * `$$.Task.Token` exists only in a callback Task's Parameters (AWS's context object has it only
 * there); anywhere else a read would mint a token nobody waits for.
 */
function checkTaskTokenUse(entries: readonly StateEntry[]): void {
  for (const entry of entries) {
    const {
      ItemProcessor: _processor,
      Iterator: _iterator,
      Branches: _branches,
      Parameters: parameters,
      ...rest
    } = entry.state;
    const inParameters = JSON.stringify(parameters ?? null).includes(TASK_TOKEN_PATH);
    if (JSON.stringify(rest).includes(TASK_TOKEN_PATH) || (inParameters && !isCallbackTask(entry.state))) {
      throw new RunnerConfigError(
        `state ${entry.name} reads ${TASK_TOKEN_PATH}, which only a .waitForTaskToken Task's Parameters can`,
      );
    }
  }
}

/**
 * Hands a callback Task's Parameters and its resolved timeouts to its handler (bindCallbackTask),
 * which enforces them: aws-local-stepfunctions evaluates TimeoutSecondsPath against the
 * Parameters' output, not the state input, and fires at once for a timeout longer than a timer
 * can wait (about 24.8 days), so the library keeps only that maximum.
 */
function rewriteCallbackTask(state: JsonObject): void {
  const wrapped: JsonObject = {};
  if (state['Parameters'] === undefined) wrapped[`${CALLBACK_FIELDS.parameters}.$`] = '$';
  else wrapped[CALLBACK_FIELDS.parameters] = state['Parameters'];
  for (const [field, target] of [
    ['TimeoutSeconds', CALLBACK_FIELDS.timeoutSeconds],
    ['HeartbeatSeconds', CALLBACK_FIELDS.heartbeatSeconds],
  ] as const) {
    const value = state[field];
    const path = state[`${field}Path`];
    if (value !== undefined) wrapped[target] = value;
    else if (typeof path === 'string') wrapped[`${target}.$`] = path;
    delete state[field];
    delete state[`${field}Path`];
  }
  state['Parameters'] = wrapped;
  state['TimeoutSeconds'] = CALLBACK_LIBRARY_TIMEOUT_SECONDS;
}

/**
 * `$$.State`: EnteredTime is read when the state's Parameters are resolved, which the library
 * does as it enters the state; Name and RetryCount are not kept.
 */
function stateContext(now: () => Date): { readonly EnteredTime: string } {
  return {
    get EnteredTime(): string {
      return now().toISOString();
    },
  };
}

/** The name part of a function ARN (`...:function:<name>[:qualifier]`); a bare name stays as it is. */
function functionNameOf(functionArn: string): string {
  return /^arn:[\w-]+:lambda:[\w-]+:\d{12}:function:([^:]+)/.exec(functionArn)?.[1] ?? functionArn;
}

function checkLambdaLimits(options: ExecuteOptions, machine: MachineBinding): void {
  const scale = options.lambdaTimeScale ?? 1;
  if (typeof scale !== 'number' || !Number.isFinite(scale) || scale <= 0) {
    throw new RunnerConfigError(
      `lambdaTimeScale ${String(scale)} is invalid: use a number > 0 (1 = the deployed timeouts, 0.01 = a hundredth)`,
    );
  }
  const sizing = options.lambdaSizing ?? machine.sizing;
  for (const name of Object.values(machine.functionPlaceholders)) {
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
