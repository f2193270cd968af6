/**
 * Step Functions over JSON 1.0 (`X-Amz-Target: AWSStepFunctions.<Op>`, SigV4 service `states`):
 * StartExecution, DescribeExecution, ListExecutions, StopExecution, GetExecutionHistory,
 * RedriveExecution and the callback pattern's SendTaskSuccess / SendTaskFailure /
 * SendTaskHeartbeat. The emulator does not interpret state machine definitions: each state
 * machine is a `StateMachineHost` the caller injects, which runs an execution in the background
 * and says how it ended. The emulator keeps the execution's record (status, dates, redrives,
 * history) and applies AWS's rules around it (names, idempotency, redrive eligibility, tokens).
 */
import type { Clock } from '../clock';
import type { Caller, EmulatorRequest, EmulatorResponse, ServiceHandler } from '../http/types';
import { JsonError, jsonResponse, jsonTarget, parseJsonBody } from '../protocols/json';
import { createRandom, hashString, requestId } from '../random';

export const STATES_CONTENT_TYPE = 'application/x-amz-json-1.0';

export type ExecutionStatus =
  | 'RUNNING'
  | 'SUCCEEDED'
  | 'FAILED'
  | 'TIMED_OUT'
  | 'ABORTED'
  | 'PENDING_REDRIVE';
export type RedriveStatus = 'REDRIVABLE' | 'NOT_REDRIVABLE' | 'REDRIVABLE_BY_MAP_RUN';

/**
 * One history event a host reports, as GetExecutionHistory shapes it: `type` (e.g.
 * 'TaskStateEntered') and its details field (`stateEnteredEventDetails: { name, input }`). The
 * emulator numbers it (`id`, `previousEventId`) and stamps it (`timestamp`) unless it has one.
 */
export interface HistoryEvent {
  readonly type: string;
  readonly timestamp?: Date | number;
  readonly [details: string]: unknown;
}

/** How an execution (or one redrive of it) ended. */
export interface ExecutionOutcome {
  readonly status: 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
  /** SUCCEEDED: the execution's JSON output. */
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
  /** The state that failed: the host's own bookmark, handed back to `redrive` in `previous`. */
  readonly failedState?: string;
  /** Events to append to the history before the terminal one. */
  readonly events?: readonly HistoryEvent[];
}

export interface TaskTokenOptions {
  /** No SendTaskHeartbeat within this many seconds: the task fails with States.HeartbeatTimeout. */
  readonly heartbeatSeconds?: number;
  /** No SendTaskSuccess/Failure within this many seconds: the task fails with States.Timeout. */
  readonly timeoutSeconds?: number;
  /**
   * The host no longer waits (the task failed or timed out on its side): the token closes, so a
   * later SendTask* answers TaskTimedOut, and the wait rejects with the signal's reason.
   */
  readonly signal?: AbortSignal;
}

export type TaskTokenResult =
  | { readonly output: string }
  | { readonly error: string | undefined; readonly cause: string | undefined };

/** What an execution run is given: its identity, the stop signal and the emulator's services. */
export interface ExecutionContext {
  readonly executionArn: string;
  readonly name: string;
  readonly input: string;
  /** Aborted by StopExecution (and by the emulator's stop()). */
  readonly signal: AbortSignal;
  /**
   * Registers `token` (1-2048 printable characters, not open elsewhere) and waits until a client calls
   * SendTaskSuccess (`{ output }`), SendTaskFailure (`{ error, cause }`) or a deadline passes
   * (`{ error: 'States.HeartbeatTimeout' | 'States.Timeout' }`). Rejects with the signal's reason
   * if the execution is stopped meanwhile.
   */
  waitForTaskToken(token: string, options?: TaskTokenOptions): Promise<TaskTokenResult>;
  /** Appends an event to the execution's history now (e.g. 'TaskStateEntered'). */
  addEvent(event: HistoryEvent): void;
}

export interface RedriveContext extends ExecutionContext {
  /** How the previous attempt ended (FAILED, TIMED_OUT or ABORTED). */
  readonly previous: ExecutionOutcome;
}

/** A state machine the emulator serves, backed by the caller's executor. */
export interface StateMachineHost {
  readonly name: string;
  /** arn:aws:states:<region>:<audit account>:stateMachine:<name>. @default built from the emulator's region and audit account */
  readonly arn?: string;
  readonly type: 'STANDARD';
  /** The execution role, shown in the ExecutionStarted event. */
  readonly roleArn?: string;
  /** Runs one execution to its end; a throw is a FAILED execution (States.Runtime). */
  start(execution: ExecutionContext): Promise<ExecutionOutcome>;
  /** Continues a FAILED, TIMED_OUT or ABORTED execution; without it, RedriveExecution refuses. */
  redrive?(execution: RedriveContext): Promise<ExecutionOutcome>;
}

export interface StepFunctionsOptions {
  readonly stateMachines?: readonly StateMachineHost[];
}

/** An execution as the admin route and `emu.stepFunctions.executions()` show it. */
export interface ExecutionView {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  readonly startDate: string;
  readonly stopDate: string | null;
  readonly input: string;
  readonly output: string | null;
  readonly error: string | null;
  readonly cause: string | null;
  readonly redriveCount: number;
  readonly redriveDate: string | null;
  readonly events: number;
}

export interface StepFunctionsView {
  /** The ARN of a hosted state machine, by name. */
  stateMachineArn(name: string): string;
  /** Every execution, newest first; only those of one state machine if given. */
  executions(stateMachineArn?: string): readonly ExecutionView[];
  /** Resolves when the execution is no longer RUNNING (for tests that do not poll). */
  settled(executionArn: string): Promise<ExecutionView>;
}

const REDRIVABLE_PERIOD_MS = 14 * 24 * 60 * 60 * 1000;
const MAX_INPUT_BYTES = 262_144;
const MAX_ERROR = 256;
const MAX_CAUSE = 32_768;
/** AWS's name rules: 1-80 characters, no whitespace, brackets, wildcards, specials or controls. */
const BAD_NAME_CHARACTER = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/;

function badName(name: string): boolean {
  if (name.length < 1 || name.length > 80 || BAD_NAME_CHARACTER.test(name)) return true;
  // Control characters: U+0000-001F and U+007F-009F.
  for (const char of name) {
    const code = char.codePointAt(0) ?? 0;
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
}
const TOKEN = /^[\x21-\x7e]{1,2048}$/;
/** Longest setTimeout delay Node honours (about 24.8 days); a longer deadline is re-armed. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const STATE_MACHINE_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+$/;
const EXECUTION_ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[^:]+:[^:]+$/;
const STATUSES: readonly ExecutionStatus[] = [
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
  'PENDING_REDRIVE',
];

interface StoredEvent {
  readonly id: number;
  readonly previousEventId: number;
  readonly timestamp: number;
  readonly type: string;
  readonly details: Readonly<Record<string, unknown>>;
}

interface Execution {
  readonly seq: number;
  readonly arn: string;
  readonly host: StateMachineHost;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: string;
  readonly startDate: number;
  status: ExecutionStatus;
  stopDate: number | null;
  output: string | null;
  error: string | null;
  cause: string | null;
  /** The last attempt's outcome, handed to `redrive`. */
  outcome: ExecutionOutcome | null;
  redriveCount: number;
  redriveDate: number | null;
  redriveClientToken: string | null;
  /** Bumped by each attempt: a late outcome of an attempt that was stopped is dropped. */
  attempt: number;
  controller: AbortController;
  readonly events: StoredEvent[];
  readonly waiters: ((view: ExecutionView) => void)[];
}

interface Task {
  readonly token: string;
  readonly execution: Execution;
  readonly attempt: number;
  open: boolean;
  heartbeatMs: number | null;
  heartbeatDeadline: number | null;
  readonly timeoutDeadline: number | null;
  timer: ReturnType<typeof setTimeout> | null;
  readonly settle: (result: TaskTokenResult) => void;
  readonly fail: (reason: unknown) => void;
}

export interface StepFunctions {
  readonly handler: ServiceHandler;
  readonly view: StepFunctionsView;
  admin(pathWithQuery: string, method: string, body: unknown): EmulatorResponse | undefined;
  /** Aborts every running execution and clears the task timers (the emulator's stop()). */
  shutdown(): void;
}

function fail(type: string, message: string): JsonError {
  return new JsonError(type, message, 400);
}

function validation(message: string): JsonError {
  return fail('ValidationException', message);
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

function seconds(ms: number): number {
  return ms / 1000;
}

function optionalString(input: Record<string, unknown>, field: string): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw validation(`${field} must be a string.`);
  return value;
}

function requiredString(input: Record<string, unknown>, field: string): string {
  const value = optionalString(input, field);
  if (value === undefined || value === '') {
    throw validation(
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function maxResultsOf(input: Record<string, unknown>): number {
  const value = input['maxResults'];
  if (value === undefined || value === null || value === 0) return 100;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 1000) {
    throw validation(
      `1 validation error detected: Value '${String(value)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`,
    );
  }
  return value;
}

function encodeToken(list: string, position: number): string {
  return Buffer.from(JSON.stringify({ list, position })).toString('base64url');
}

function decodeToken(text: string | undefined, list: string): number | null {
  if (text === undefined) return null;
  try {
    const token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as {
      list?: unknown;
      position?: unknown;
    };
    if (token.list === list && typeof token.position === 'number') return token.position;
  } catch {
    // Falls through to the error below.
  }
  throw fail('InvalidToken', `Invalid Token: '${text}'`);
}

function checkErrorAndCause(input: Record<string, unknown>): { error?: string; cause?: string } {
  const error = optionalString(input, 'error');
  const cause = optionalString(input, 'cause');
  if (error !== undefined && error.length > MAX_ERROR) {
    throw validation(
      `1 validation error detected: Value at 'error' failed to satisfy constraint: Member must have length less than or equal to ${MAX_ERROR}`,
    );
  }
  if (cause !== undefined && cause.length > MAX_CAUSE) {
    throw validation(
      `1 validation error detected: Value at 'cause' failed to satisfy constraint: Member must have length less than or equal to ${MAX_CAUSE}`,
    );
  }
  return { ...(error === undefined ? {} : { error }), ...(cause === undefined ? {} : { cause }) };
}

export function createStepFunctions(deps: {
  readonly clock: Clock;
  readonly region: string;
  readonly auditAccountId: string;
  readonly seed: number | string;
  readonly nextRequestId: () => string;
  readonly options?: StepFunctionsOptions | undefined;
}): StepFunctions {
  const { clock } = deps;
  const names = createRandom(hashString(`stepfunctions:${deps.seed}`));
  const machines = new Map<string, StateMachineHost>();
  const machineArn = (name: string) =>
    `arn:aws:states:${deps.region}:${deps.auditAccountId}:stateMachine:${name}`;
  for (const host of deps.options?.stateMachines ?? []) {
    const arn = host.arn ?? machineArn(host.name);
    if (!STATE_MACHINE_ARN.test(arn) || !arn.endsWith(`:stateMachine:${host.name}`)) {
      throw new RangeError(`stepFunctions: state machine ${host.name} has an invalid ARN ${arn}`);
    }
    if (host.type !== 'STANDARD')
      throw new RangeError(`stepFunctions: ${host.name}: only STANDARD is emulated`);
    if (machines.has(arn)) throw new RangeError(`stepFunctions: two state machines with the ARN ${arn}`);
    machines.set(arn, host);
  }
  const executions = new Map<string, Execution>();
  const tasks = new Map<string, Task>();
  let seq = 0;

  // --- the record ----------------------------------------------------------------------------

  const addEvent = (execution: Execution, event: HistoryEvent) => {
    const { type, timestamp, ...details } = event;
    const last = execution.events.at(-1);
    const at = timestamp === undefined ? clock.nowMs() : new Date(timestamp).getTime();
    execution.events.push({
      id: (last?.id ?? 0) + 1,
      previousEventId: last?.id ?? 0,
      timestamp: at,
      type,
      details: details as Record<string, unknown>,
    });
  };

  const view = (e: Execution): ExecutionView => ({
    executionArn: e.arn,
    stateMachineArn: e.stateMachineArn,
    name: e.name,
    status: e.status,
    startDate: iso(e.startDate)!,
    stopDate: iso(e.stopDate),
    input: e.input,
    output: e.output,
    error: e.error,
    cause: e.cause,
    redriveCount: e.redriveCount,
    redriveDate: iso(e.redriveDate),
    events: e.events.length,
  });

  const closeTasks = (execution: Execution, reason?: unknown) => {
    for (const task of tasks.values()) {
      if (task.execution !== execution || !task.open) continue;
      closeTask(task);
      if (reason !== undefined) task.fail(reason);
    }
  };

  const closeTask = (task: Task) => {
    task.open = false;
    if (task.timer !== null) clearTimeout(task.timer);
    task.timer = null;
  };

  /** The execution ends: status, dates, the terminal event, waiting tasks closed. */
  const finish = (execution: Execution, outcome: ExecutionOutcome) => {
    for (const event of outcome.events ?? []) addEvent(execution, event);
    const now = clock.nowMs();
    execution.status = outcome.status;
    execution.stopDate = now;
    execution.outcome = outcome;
    execution.output = outcome.status === 'SUCCEEDED' ? (outcome.output ?? '{}') : null;
    execution.error = outcome.status === 'SUCCEEDED' ? null : (outcome.error ?? null);
    execution.cause = outcome.status === 'SUCCEEDED' ? null : (outcome.cause ?? null);
    const errorDetails = {
      ...(outcome.error === undefined ? {} : { error: outcome.error }),
      ...(outcome.cause === undefined ? {} : { cause: outcome.cause }),
    };
    switch (outcome.status) {
      case 'SUCCEEDED':
        addEvent(execution, {
          type: 'ExecutionSucceeded',
          executionSucceededEventDetails: { output: execution.output, outputDetails: { truncated: false } },
        });
        break;
      case 'FAILED':
        addEvent(execution, { type: 'ExecutionFailed', executionFailedEventDetails: errorDetails });
        break;
      case 'TIMED_OUT':
        addEvent(execution, { type: 'ExecutionTimedOut', executionTimedOutEventDetails: errorDetails });
        break;
      case 'ABORTED':
        addEvent(execution, { type: 'ExecutionAborted', executionAbortedEventDetails: errorDetails });
        break;
    }
    closeTasks(execution);
    const settled = view(execution);
    for (const resolve of execution.waiters.splice(0)) resolve(settled);
  };

  const waitForTaskToken =
    (execution: Execution, attempt: number) =>
    (token: string, options: TaskTokenOptions = {}): Promise<TaskTokenResult> => {
      if (!TOKEN.test(token))
        throw new RangeError('waitForTaskToken: a token is 1-2048 printable characters');
      // A closed token may be issued again (e.g. by a redrive); an open one may not.
      if (tasks.get(token)?.open === true) throw new RangeError(`waitForTaskToken: token ${token} is in use`);
      for (const [field, value] of [
        ['heartbeatSeconds', options.heartbeatSeconds],
        ['timeoutSeconds', options.timeoutSeconds],
      ] as const) {
        if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
          throw new RangeError(`waitForTaskToken: ${field} must be a number of seconds > 0, got ${value}`);
        }
      }
      const signal = execution.controller.signal;
      if (signal.aborted) return Promise.reject(signal.reason);
      if (options.signal?.aborted === true) return Promise.reject(options.signal.reason);
      return new Promise<TaskTokenResult>((resolve, reject) => {
        const now = clock.nowMs();
        const heartbeatMs = options.heartbeatSeconds === undefined ? null : options.heartbeatSeconds * 1000;
        const timeoutMs = options.timeoutSeconds === undefined ? null : options.timeoutSeconds * 1000;
        const task: Task = {
          token,
          execution,
          attempt,
          open: true,
          heartbeatMs,
          heartbeatDeadline: heartbeatMs === null ? null : now + heartbeatMs,
          timeoutDeadline: timeoutMs === null ? null : now + timeoutMs,
          timer: null,
          settle: resolve,
          fail: reject,
        };
        tasks.set(token, task);
        armDeadline(task);
        options.signal?.addEventListener(
          'abort',
          () => {
            if (!task.open) return;
            closeTask(task);
            reject(options.signal?.reason);
          },
          { once: true },
        );
      });
    };

  /** One real timer for the nearer deadline; re-armed when it fires early (long deadlines, clock moves). */
  const armDeadline = (task: Task) => {
    if (task.timer !== null) clearTimeout(task.timer);
    task.timer = null;
    const deadlines = [task.heartbeatDeadline, task.timeoutDeadline].filter((d): d is number => d !== null);
    if (!task.open || deadlines.length === 0) return;
    const wait = Math.min(Math.max(0, Math.min(...deadlines) - clock.nowMs()), MAX_TIMER_MS);
    const timer = setTimeout(() => {
      task.timer = null;
      expire(task);
      if (task.open) armDeadline(task);
    }, wait);
    timer.unref?.();
    task.timer = timer;
  };

  // A test that moves the clock past a deadline times the task out at once, as the real wait would.
  const unsubscribeClock = clock.onChange(() => {
    for (const task of tasks.values()) if (task.open) expire(task);
  });

  /** A deadline passed (by the real timer, or by the emulator clock: moved, or read when a client next asks). */
  const expire = (task: Task) => {
    if (!task.open) return;
    const now = clock.nowMs();
    const heartbeat = task.heartbeatDeadline !== null && now >= task.heartbeatDeadline;
    const timeout = task.timeoutDeadline !== null && now >= task.timeoutDeadline;
    if (!heartbeat && !timeout) return;
    closeTask(task);
    task.settle(
      timeout
        ? { error: 'States.Timeout', cause: 'The task did not complete within its timeout.' }
        : { error: 'States.HeartbeatTimeout', cause: 'The task did not send a heartbeat in time.' },
    );
  };

  /** Runs one attempt in the background: start, or redrive with the previous outcome. */
  const run = (execution: Execution, previous: ExecutionOutcome | null) => {
    execution.attempt += 1;
    const attempt = execution.attempt;
    execution.controller = new AbortController();
    const base: ExecutionContext = {
      executionArn: execution.arn,
      name: execution.name,
      input: execution.input,
      signal: execution.controller.signal,
      waitForTaskToken: waitForTaskToken(execution, attempt),
      addEvent: (event) => {
        if (execution.attempt === attempt && execution.status === 'RUNNING') addEvent(execution, event);
      },
    };
    const host = execution.host;
    const promise = (async () =>
      previous === null ? host.start(base) : host.redrive!({ ...base, previous }))();
    promise.then(
      (outcome) => {
        if (execution.attempt !== attempt || execution.status !== 'RUNNING') return;
        finish(execution, outcome);
      },
      (error: unknown) => {
        if (execution.attempt !== attempt || execution.status !== 'RUNNING') return;
        finish(execution, {
          status: 'FAILED',
          error: 'States.Runtime',
          cause: error instanceof Error ? error.message : String(error),
        });
      },
    );
  };

  /** Whether RedriveExecution would accept it now, and if not, AWS's reason. */
  const redrivability = (e: Execution): { status: RedriveStatus; reason?: string } => {
    if (e.status === 'RUNNING' || e.status === 'PENDING_REDRIVE') {
      return { status: 'NOT_REDRIVABLE', reason: `Execution is ${e.status} and cannot be redriven` };
    }
    if (e.status === 'SUCCEEDED') {
      return { status: 'NOT_REDRIVABLE', reason: 'Execution is SUCCEEDED and cannot be redriven' };
    }
    if (e.stopDate !== null && clock.nowMs() - e.stopDate > REDRIVABLE_PERIOD_MS) {
      return { status: 'NOT_REDRIVABLE', reason: 'Execution redrivable period exceeded' };
    }
    if (e.host.redrive === undefined) {
      return {
        status: 'NOT_REDRIVABLE',
        reason: 'The emulated state machine cannot redrive executions (its host has no redrive)',
      };
    }
    return { status: 'REDRIVABLE' };
  };

  // --- lookups -------------------------------------------------------------------------------

  const stateMachine = (arn: string): StateMachineHost => {
    if (!STATE_MACHINE_ARN.test(arn)) throw fail('InvalidArn', `Invalid Arn: '${arn}'`);
    const host = machines.get(arn);
    if (host === undefined) throw fail('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return host;
  };

  const execution = (arn: string): Execution => {
    if (!EXECUTION_ARN.test(arn)) throw fail('InvalidArn', `Invalid Arn: '${arn}'`);
    const found = executions.get(arn);
    if (found === undefined) throw fail('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return found;
  };

  /** A task token a client sends back: malformed, unknown, closed (or past its deadline), or open. */
  const openTask = (input: Record<string, unknown>): Task => {
    const token = requiredString(input, 'taskToken');
    if (!TOKEN.test(token)) throw fail('InvalidToken', 'Invalid token');
    const task = tasks.get(token);
    if (task === undefined) throw fail('TaskDoesNotExist', 'Task Does Not Exist');
    expire(task);
    if (!task.open) throw fail('TaskTimedOut', 'Task Timed Out');
    return task;
  };

  // --- operations ----------------------------------------------------------------------------

  const startExecution = (input: Record<string, unknown>) => {
    const stateMachineArn = requiredString(input, 'stateMachineArn');
    const host = stateMachine(stateMachineArn);
    const name = optionalString(input, 'name') ?? requestId(names);
    if (badName(name)) {
      throw fail('InvalidName', `Invalid Name: '${name}'`);
    }
    const text = optionalString(input, 'input') ?? '{}';
    if (Buffer.byteLength(text, 'utf8') > MAX_INPUT_BYTES) {
      throw validation(
        `1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to ${MAX_INPUT_BYTES}`,
      );
    }
    if (!isJson(text)) {
      throw fail('InvalidExecutionInput', `Invalid State Machine Execution Input: '${text.slice(0, 100)}'`);
    }
    const arn = stateMachineArn.replace(/:stateMachine:/, ':execution:') + `:${name}`;
    const existing = executions.get(arn);
    if (existing !== undefined) {
      // Idempotent only while the first one runs and with the same input; closed: refused.
      if (existing.status === 'RUNNING' && existing.input === text) {
        return { executionArn: arn, startDate: seconds(existing.startDate) };
      }
      throw fail('ExecutionAlreadyExists', `Execution Already Exists: '${arn}'`);
    }
    seq += 1;
    const created: Execution = {
      seq,
      arn,
      host,
      stateMachineArn,
      name,
      input: text,
      startDate: clock.nowMs(),
      status: 'RUNNING',
      stopDate: null,
      output: null,
      error: null,
      cause: null,
      outcome: null,
      redriveCount: 0,
      redriveDate: null,
      redriveClientToken: null,
      attempt: 0,
      controller: new AbortController(),
      events: [],
      waiters: [],
    };
    executions.set(arn, created);
    addEvent(created, {
      type: 'ExecutionStarted',
      executionStartedEventDetails: {
        input: text,
        inputDetails: { truncated: false },
        ...(host.roleArn === undefined ? {} : { roleArn: host.roleArn }),
      },
    });
    run(created, null);
    return { executionArn: arn, startDate: seconds(created.startDate) };
  };

  const describeExecution = (input: Record<string, unknown>) => {
    const e = execution(requiredString(input, 'executionArn'));
    const redrive = redrivability(e);
    return {
      executionArn: e.arn,
      stateMachineArn: e.stateMachineArn,
      name: e.name,
      status: e.status,
      startDate: seconds(e.startDate),
      ...(e.stopDate === null ? {} : { stopDate: seconds(e.stopDate) }),
      input: e.input,
      inputDetails: { included: true },
      ...(e.output === null ? {} : { output: e.output, outputDetails: { included: true } }),
      ...(e.error === null ? {} : { error: e.error }),
      ...(e.cause === null ? {} : { cause: e.cause }),
      redriveCount: e.redriveCount,
      ...(e.redriveDate === null ? {} : { redriveDate: seconds(e.redriveDate) }),
      redriveStatus: redrive.status,
      ...(redrive.reason === undefined ? {} : { redriveStatusReason: redrive.reason }),
    };
  };

  const listExecutions = (input: Record<string, unknown>) => {
    const stateMachineArn = requiredString(input, 'stateMachineArn');
    stateMachine(stateMachineArn);
    const statusFilter = optionalString(input, 'statusFilter');
    if (statusFilter !== undefined && !STATUSES.includes(statusFilter as ExecutionStatus)) {
      throw validation(
        `1 validation error detected: Value '${statusFilter}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${STATUSES.join(', ')}]`,
      );
    }
    const redriveFilter = optionalString(input, 'redriveFilter');
    if (redriveFilter !== undefined && redriveFilter !== 'REDRIVEN' && redriveFilter !== 'NOT_REDRIVEN') {
      throw validation(
        `1 validation error detected: Value '${redriveFilter}' at 'redriveFilter' failed to satisfy constraint: Member must satisfy enum value set: [REDRIVEN, NOT_REDRIVEN]`,
      );
    }
    const max = maxResultsOf(input);
    const list = `${stateMachineArn}|${statusFilter ?? ''}|${redriveFilter ?? ''}`;
    // The position is the last listed execution's sequence: new executions do not shift pages.
    const after = decodeToken(optionalString(input, 'nextToken'), list);
    const matching = [...executions.values()]
      .filter(
        (e) =>
          e.stateMachineArn === stateMachineArn &&
          (statusFilter === undefined || e.status === statusFilter) &&
          (redriveFilter === undefined || (redriveFilter === 'REDRIVEN') === e.redriveCount > 0) &&
          (after === null || e.seq < after),
      )
      .sort((a, b) => b.seq - a.seq);
    const page = matching.slice(0, max);
    return {
      executions: page.map((e) => ({
        executionArn: e.arn,
        stateMachineArn: e.stateMachineArn,
        name: e.name,
        status: e.status,
        startDate: seconds(e.startDate),
        ...(e.stopDate === null ? {} : { stopDate: seconds(e.stopDate) }),
        redriveCount: e.redriveCount,
        ...(e.redriveDate === null ? {} : { redriveDate: seconds(e.redriveDate) }),
      })),
      ...(matching.length > max ? { nextToken: encodeToken(list, page.at(-1)!.seq) } : {}),
    };
  };

  const stopExecution = (input: Record<string, unknown>) => {
    const e = execution(requiredString(input, 'executionArn'));
    const { error, cause } = checkErrorAndCause(input);
    // A closed execution stays as it ended; AWS answers its stop date.
    if (e.status !== 'RUNNING' && e.status !== 'PENDING_REDRIVE') return { stopDate: seconds(e.stopDate!) };
    const reason = new DOMException(cause ?? 'The execution was stopped.', 'AbortError');
    closeTasks(e, reason);
    e.controller.abort(reason);
    finish(e, {
      status: 'ABORTED',
      ...(error === undefined ? {} : { error }),
      ...(cause === undefined ? {} : { cause }),
      ...(e.outcome?.failedState === undefined ? {} : { failedState: e.outcome.failedState }),
    });
    return { stopDate: seconds(e.stopDate!) };
  };

  const getExecutionHistory = (input: Record<string, unknown>) => {
    const e = execution(requiredString(input, 'executionArn'));
    const max = maxResultsOf(input);
    const reverse = input['reverseOrder'] === true;
    const includeData = input['includeExecutionData'] !== false;
    const list = `${e.arn}|${reverse}`;
    const after = decodeToken(optionalString(input, 'nextToken'), list);
    const ordered = reverse ? e.events.slice().reverse() : e.events.slice();
    const remaining = ordered.filter(
      (event) => after === null || (reverse ? event.id < after : event.id > after),
    );
    const page = remaining.slice(0, max);
    return {
      events: page.map((event) => ({
        timestamp: seconds(event.timestamp),
        type: event.type,
        id: event.id,
        previousEventId: event.previousEventId,
        ...(includeData ? event.details : withoutData(event.details)),
      })),
      ...(remaining.length > max ? { nextToken: encodeToken(list, page.at(-1)!.id) } : {}),
    };
  };

  const redriveExecution = (input: Record<string, unknown>) => {
    const e = execution(requiredString(input, 'executionArn'));
    const clientToken = optionalString(input, 'clientToken');
    if (clientToken !== undefined && (clientToken.length < 1 || clientToken.length > 64)) {
      throw validation(
        "1 validation error detected: Value at 'clientToken' failed to satisfy constraint: Member must have length less than or equal to 64",
      );
    }
    // The same client token again while that redrive runs: the same answer (idempotent).
    if (
      clientToken !== undefined &&
      e.status === 'RUNNING' &&
      e.redriveClientToken === clientToken &&
      e.redriveDate !== null
    ) {
      return { redriveDate: seconds(e.redriveDate) };
    }
    const redrive = redrivability(e);
    if (redrive.status !== 'REDRIVABLE')
      throw fail('ExecutionNotRedrivable', `${redrive.reason}: '${e.arn}'`);
    const previous = e.outcome ?? { status: e.status as ExecutionOutcome['status'] };
    const now = clock.nowMs();
    e.redriveCount += 1;
    e.redriveDate = now;
    e.redriveClientToken = clientToken ?? null;
    e.status = 'RUNNING';
    e.stopDate = null;
    e.output = null;
    e.error = null;
    e.cause = null;
    addEvent(e, {
      type: 'ExecutionRedriven',
      executionRedrivenEventDetails: { redriveCount: e.redriveCount },
    });
    run(e, previous);
    return { redriveDate: seconds(now) };
  };

  const sendTaskSuccess = (input: Record<string, unknown>) => {
    const output = requiredString(input, 'output');
    const task = openTask(input);
    if (Buffer.byteLength(output, 'utf8') > MAX_INPUT_BYTES || !isJson(output)) {
      throw fail('InvalidOutput', `Invalid Output: '${output.slice(0, 100)}'`);
    }
    closeTask(task);
    task.settle({ output });
    return {};
  };

  const sendTaskFailure = (input: Record<string, unknown>) => {
    const { error, cause } = checkErrorAndCause(input);
    const task = openTask(input);
    closeTask(task);
    task.settle({ error, cause });
    return {};
  };

  const sendTaskHeartbeat = (input: Record<string, unknown>) => {
    const task = openTask(input);
    if (task.heartbeatMs !== null) {
      task.heartbeatDeadline = clock.nowMs() + task.heartbeatMs;
      armDeadline(task);
    }
    return {};
  };

  const operations: Readonly<Record<string, (input: Record<string, unknown>) => unknown>> = {
    StartExecution: startExecution,
    DescribeExecution: describeExecution,
    ListExecutions: listExecutions,
    StopExecution: stopExecution,
    GetExecutionHistory: getExecutionHistory,
    RedriveExecution: redriveExecution,
    SendTaskSuccess: sendTaskSuccess,
    SendTaskFailure: sendTaskFailure,
    SendTaskHeartbeat: sendTaskHeartbeat,
  };

  const handler: ServiceHandler = (request: EmulatorRequest, _caller: Caller) => {
    const id = deps.nextRequestId();
    const target = jsonTarget(request) ?? '';
    const operation = operations[target];
    if (operation === undefined) {
      throw new JsonError('UnknownOperationException', `Operation ${target} is not emulated.`, 400);
    }
    return jsonResponse(operation(parseJsonBody(request)), id, STATES_CONTENT_TYPE);
  };

  const all = (stateMachineArn?: string) =>
    [...executions.values()]
      .filter((e) => stateMachineArn === undefined || e.stateMachineArn === stateMachineArn)
      .sort((a, b) => b.seq - a.seq)
      .map(view);

  return {
    handler,
    view: {
      stateMachineArn: (name) => {
        for (const [arn, host] of machines) if (host.name === name) return arn;
        throw new RangeError(`no state machine ${name}`);
      },
      executions: all,
      settled: (executionArn) => {
        const e = executions.get(executionArn);
        if (e === undefined) return Promise.reject(new RangeError(`no execution ${executionArn}`));
        if (e.status !== 'RUNNING') return Promise.resolve(view(e));
        return new Promise((resolve) => e.waiters.push(resolve));
      },
    },
    admin: (pathWithQuery, method) => {
      const url = new URL(pathWithQuery, 'http://emulator.invalid');
      if (url.pathname !== '/_emulator/stepfunctions/executions' || method.toUpperCase() !== 'GET') {
        return undefined;
      }
      const machine = url.searchParams.get('stateMachineArn') ?? undefined;
      const status = url.searchParams.get('status');
      const list = all(machine).filter((e) => status === null || e.status === status);
      return {
        status: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ stateMachines: [...machines.keys()], executions: list }),
      };
    },
    shutdown: () => {
      unsubscribeClock();
      for (const e of executions.values()) {
        if (e.status !== 'RUNNING') continue;
        const reason = new DOMException('The emulator stopped.', 'AbortError');
        closeTasks(e, reason);
        e.controller.abort(reason);
      }
      for (const task of tasks.values()) closeTask(task);
    },
  };
}

/** includeExecutionData false: the events' input and output are left out. */
function withoutData(details: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(details)) {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const { input: _input, output: _output, ...rest } = value as Record<string, unknown>;
      out[key] = rest;
    } else {
      out[key] = value;
    }
  }
  return out;
}
