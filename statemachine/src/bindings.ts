/**
 * How each Task of the definition runs locally. aws-local-stepfunctions calls real Lambda for any Task
 * without an override (even `sqs:sendMessage`), so every Task is bound here or the run is refused.
 * Results and errors take the shapes AWS gives them, so ResultSelector, Retry and Catch behave alike.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { StatesTaskError } from './errors';
import type { JsonObject, JsonValue } from './json-path';

/**
 * What the runner passes a task as its second argument, as Lambda's Node.js runtime passes its
 * context object (the same fields, `memoryLimitInMB` a string as there). The handlers' own type
 * for it is `LambdaContext` in @org-key-audit/functions/handlers; the two are kept structurally equal.
 */
export interface TaskContext {
  readonly functionName: string;
  /** The function's memory in MB, as text ("512"), as Lambda gives it. */
  readonly memoryLimitInMB: string;
  readonly awsRequestId: string;
  readonly invokedFunctionArn: string;
  /** Milliseconds left before this invocation times out (never below 0). */
  getRemainingTimeInMillis(): number;
}

/**
 * A local stand-in for one Lambda: takes the event and the context (a TaskContext), returns the
 * result (the real handler, usually). Both parameters are `never` so any handler fits, whatever it
 * declares; the context is optional so a wrapper that only forwards the event still fits.
 */
export type TaskFunction = (event: never, context?: never) => Promise<unknown>;

/** The deployed function a Task invokes: its name and ARN, and its limits from the sizing table. */
export interface LambdaBinding {
  readonly functionName: string;
  readonly invokedFunctionArn: string;
  /** The deployed timeout, in seconds; error messages quote it unscaled, as Lambda does. */
  readonly timeoutSeconds: number;
  readonly memoryMb: number;
  /** Multiplies the timeout the task gets (0.01 turns 600 s into 6 s). @default 1 */
  readonly timeScale?: number;
  /** A monotonic clock in milliseconds. @default performance.now */
  readonly clock?: () => number;
  /** @default randomUUID */
  readonly newRequestId?: () => string;
}

/** Lambda's error when an invocation runs past the function's timeout. */
export const LAMBDA_TIMEOUT_ERROR = 'Sandbox.Timedout';

/**
 * `lambda:invoke` as Step Functions sees it: `{ Payload }` on success; on a thrown error, Error = the
 * error's name (Lambda's errorType) and Cause = Lambda's JSON error document. An invocation that
 * runs past its (scaled) timeout fails as Lambda's does: Error `Sandbox.Timedout`, Cause
 * `{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: <id> Error: Task timed out after
 * 600.00 seconds"}`, the seconds being the deployed, unscaled timeout.
 *
 * Unlike Lambda, the runner cannot stop the handler: a promise cannot be cancelled in-process, so
 * a timed-out handler keeps running in the background (its S3 writes and SDK calls still happen)
 * and its late result or error is ignored. Lambda would freeze or kill the sandbox instead.
 */
export function bindLambda(
  task: TaskFunction,
  binding: LambdaBinding,
): (parameters: JsonValue) => Promise<JsonValue> {
  const scale = binding.timeScale ?? 1;
  const clock = binding.clock ?? (() => performance.now());
  const newRequestId = binding.newRequestId ?? randomUUID;
  const budgetMs = binding.timeoutSeconds * 1000 * scale;
  return async (parameters) => {
    const payload = (parameters as JsonObject | null)?.['Payload'] ?? null;
    // A copy through JSON, as the real wire does: handlers can neither mutate state nor return Dates.
    const event = JSON.parse(JSON.stringify(payload)) as never;
    const awsRequestId = newRequestId();
    const deadline = clock() + budgetMs;
    const context: TaskContext = {
      functionName: binding.functionName,
      memoryLimitInMB: String(binding.memoryMb),
      awsRequestId,
      invokedFunctionArn: binding.invokedFunctionArn,
      getRemainingTimeInMillis: () => Math.max(0, Math.round(deadline - clock())),
    };
    const errorMessage = `RequestId: ${awsRequestId} Error: Task timed out after ${binding.timeoutSeconds.toFixed(2)} seconds`;
    const timeout = new StatesTaskError(
      LAMBDA_TIMEOUT_ERROR,
      JSON.stringify({ errorType: LAMBDA_TIMEOUT_ERROR, errorMessage }),
    );
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(timeout), budgetMs);
    });
    // Settles with the handler's outcome; a sync throw becomes a rejection like an async one.
    const invocation = (async () => task(event, context as never))();
    // After a timeout nobody awaits the handler: its late rejection must not go unhandled.
    invocation.catch(() => undefined);
    let result: unknown;
    try {
      result = await Promise.race([invocation, timedOut]);
    } catch (error) {
      if (error === timeout) throw error;
      const errorType = error instanceof Error ? error.name : 'Error';
      const errorMessage = error instanceof Error ? error.message : String(error);
      throw new StatesTaskError(errorType, JSON.stringify({ errorType, errorMessage, trace: [] }));
    } finally {
      clearTimeout(timer);
    }
    const Payload = result === undefined ? null : (JSON.parse(JSON.stringify(result)) as JsonValue);
    return { Payload };
  };
}

/** `sqs:sendMessage` with the resolved Parameters; a JSON MessageBody is sent as its JSON text, as AWS does. */
export function bindSqsSendMessage(sqs: SQSClient): (parameters: JsonValue) => Promise<JsonValue> {
  return async (parameters) => {
    const { QueueUrl, MessageBody, ...rest } = (parameters ?? {}) as JsonObject;
    const body = typeof MessageBody === 'string' ? MessageBody : JSON.stringify(MessageBody ?? null);
    try {
      const response = await sqs.send(
        new SendMessageCommand({ ...(rest as object), QueueUrl: String(QueueUrl), MessageBody: body }),
      );
      const result: JsonObject = {};
      if (response.MessageId !== undefined) result['MessageId'] = response.MessageId;
      if (response.MD5OfMessageBody !== undefined) result['MD5OfMessageBody'] = response.MD5OfMessageBody;
      if (response.SequenceNumber !== undefined) result['SequenceNumber'] = response.SequenceNumber;
      return result;
    } catch (error) {
      throw sdkIntegrationError('SQS', error);
    }
  };
}

/** `<Service>.<ErrorCode>` with a Cause like the one Step Functions writes for SDK integrations. */
export function sdkIntegrationError(service: string, error: unknown): StatesTaskError {
  const meta = (error as { $metadata?: { httpStatusCode?: number; requestId?: string } } | null)?.$metadata;
  const message = error instanceof Error ? error.message : String(error);
  if (meta?.httpStatusCode === undefined) {
    // No HTTP answer at all (connection refused, DNS): AWS reports a client-side failure.
    return new StatesTaskError(`${service}.SdkClientException`, message);
  }
  const code = error instanceof Error ? error.name : 'UnknownError';
  return new StatesTaskError(
    `${service}.${code}`,
    `${message} (Service: ${service}, Status Code: ${meta.httpStatusCode}, Request ID: ${meta.requestId ?? 'unknown'})`,
  );
}

/**
 * `states:startExecution` (request-response, no `.sync`): StartExecution with the resolved
 * Parameters, an object Input sent as its JSON text as Step Functions sends it. The result is the
 * API's answer, `{ ExecutionArn, StartDate }`, StartDate in epoch milliseconds as Step Functions'
 * Java serializer writes dates. Refusals are named as the optimized integration names them
 * (stepFunctionsIntegrationError).
 */
export function bindStartExecution(
  sfn: SFNClient | undefined,
  stateName: string,
): (parameters: JsonValue) => Promise<JsonValue> {
  return async (parameters) => {
    if (sfn === undefined) {
      // A task error, not a throw out of the runner: the definition's Catch still decides.
      throw new StatesTaskError(
        'RunnerConfigError',
        `Task ${stateName} calls states:startExecution, but the runner was given no Step Functions client: pass \`sfn\` (an SFNClient for the account and region of the state machine it starts)`,
      );
    }
    const { StateMachineArn, Name, Input, TraceHeader } = (parameters ?? {}) as JsonObject;
    const input = Input === undefined ? undefined : typeof Input === 'string' ? Input : JSON.stringify(Input);
    try {
      const response = await sfn.send(
        new StartExecutionCommand({
          stateMachineArn: String(StateMachineArn),
          ...(Name === undefined || Name === null ? {} : { name: String(Name) }),
          ...(input === undefined ? {} : { input }),
          ...(typeof TraceHeader === 'string' ? { traceHeader: TraceHeader } : {}),
        }),
      );
      return {
        ExecutionArn: response.executionArn ?? null,
        StartDate: response.startDate === undefined ? null : response.startDate.getTime(),
      };
    } catch (error) {
      throw stepFunctionsIntegrationError(error);
    }
  };
}

/** The errors StartExecution declares; any other answer is the service's generic exception. */
const START_EXECUTION_ERRORS = new Set([
  'ExecutionAlreadyExists',
  'ExecutionLimitExceeded',
  'InvalidArn',
  'InvalidExecutionInput',
  'InvalidName',
  'StateMachineDeleting',
  'StateMachineDoesNotExist',
  'ValidationException',
  'KmsAccessDeniedException',
  'KmsInvalidStateException',
  'KmsThrottlingException',
]);

/**
 * A refused StartExecution as `states:startExecution` reports it: Step Functions names errors of
 * its optimized integrations after the Java SDK's exception classes, so the API's
 * `ExecutionAlreadyExists` is `StepFunctions.ExecutionAlreadyExistsException` (the `aws-sdk:sfn`
 * integration would say `Sfn.…`), and an error the API does not declare (throttling, a 5xx,
 * AccessDeniedException) is `StepFunctions.AWSStepFunctionsException`. No answer at all is
 * `StepFunctions.SdkClientException`, as for every integration.
 */
export function stepFunctionsIntegrationError(error: unknown): StatesTaskError {
  const reported = sdkIntegrationError('StepFunctions', error);
  const code = reported.name.slice('StepFunctions.'.length);
  if (code === 'SdkClientException') return reported;
  const exception = START_EXECUTION_ERRORS.has(code)
    ? code.endsWith('Exception')
      ? code
      : `${code}Exception`
    : 'AWSStepFunctionsException';
  return new StatesTaskError(`StepFunctions.${exception}`, reported.message);
}

/** What SendTaskSuccess, SendTaskFailure or a deadline made of a task token. */
export type TaskTokenOutcome =
  | { readonly output: string }
  | { readonly error: string | undefined; readonly cause: string | undefined };

export interface TaskTokenWait {
  /** No SendTaskSuccess/Failure within this many seconds: `States.Timeout`. */
  readonly timeoutSeconds?: number;
  /** No SendTaskHeartbeat within this many seconds: `States.HeartbeatTimeout`. */
  readonly heartbeatSeconds?: number;
  /** Aborted when the task no longer waits (it failed or timed out otherwise): the token closes. */
  readonly signal?: AbortSignal;
}

/**
 * Registers a task token and resolves with what a client sends back for it: the emulator's
 * `ExecutionContext.waitForTaskToken` has this shape.
 */
export type WaitForTaskToken = (token: string, options: TaskTokenWait) => Promise<TaskTokenOutcome>;

/**
 * The `$$.Task.Token` of an execution. aws-local-stepfunctions resolves `$$` paths against the
 * context object it is given and has no tokens of its own, so the runner's context holds
 * `Task: tokens.context`, whose `Token` getter mints a token the first time a Task's Parameters
 * read it. The library reads Parameters and calls the Task's handler in one synchronous stretch,
 * so the handler that `take()`s next is the one whose Parameters hold that token; each attempt of
 * a retried Task mints a new one, as AWS issues one per attempt.
 */
export class TaskTokens {
  private current: string | undefined;
  readonly context: { readonly Token: string };

  constructor(private readonly mint: () => string = mintTaskToken) {
    const self = this;
    this.context = {
      get Token(): string {
        self.current ??= self.mint();
        return self.current;
      },
    };
  }

  take(): string | undefined {
    const token = this.current;
    this.current = undefined;
    return token;
  }
}

/** An opaque token of AWS's alphabet and of a length AWS's tokens have (hundreds of characters). */
export function mintTaskToken(): string {
  return `AQ${randomBytes(384).toString('base64url')}`;
}

/** Longest setTimeout delay Node honours; longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** The runner's stand-ins for a callback Task's timeout fields, resolved by the library with its Parameters. */
export const CALLBACK_FIELDS = {
  parameters: 'Parameters',
  timeoutSeconds: 'TimeoutSeconds',
  heartbeatSeconds: 'HeartbeatSeconds',
} as const;

/**
 * `lambda:invoke.waitForTaskToken`: invokes the function with the Parameters (its answer is
 * ignored, as Step Functions ignores it), then waits for the token the Parameters carry. Resolves
 * with SendTaskSuccess's output (parsed), or fails with SendTaskFailure's error and cause,
 * `States.Timeout` or `States.HeartbeatTimeout`. A failed invocation fails the task at once.
 *
 * The runner hands this handler the Task's own Parameters under `Parameters` and its
 * TimeoutSeconds(Path) / HeartbeatSeconds(Path) resolved beside them (see runner.ts,
 * rewriteCallbackTasks): aws-local-stepfunctions would evaluate TimeoutSecondsPath against the
 * Parameters' output rather than the state input, and a timeout longer than a timer can wait
 * would fire at once. The timeout is enforced here, and by `wait` (the emulator's clock).
 * Unlike aws-local-stepfunctions' own timeout, this `States.Timeout` is matched by a
 * `States.TaskFailed` retrier or catcher; the product's definitions name States.Timeout first.
 */
export function bindCallbackTask(
  invoke: (parameters: JsonValue) => Promise<JsonValue>,
  binding: {
    readonly stateName: string;
    readonly tokens: TaskTokens;
    readonly wait: WaitForTaskToken | undefined;
    /** @default setTimeout / clearTimeout */
    readonly timers?: {
      readonly set: (fn: () => void, ms: number) => unknown;
      readonly clear: (handle: unknown) => void;
    };
  },
): (parameters: JsonValue) => Promise<JsonValue> {
  const timers = binding.timers ?? {
    set: (fn: () => void, ms: number) => setTimeout(fn, ms),
    clear: (handle: unknown) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
  return async (resolved) => {
    // Before any await: the token just minted for these Parameters is this attempt's.
    const token = binding.tokens.take();
    const fields = (resolved ?? {}) as JsonObject;
    const parameters = fields[CALLBACK_FIELDS.parameters] ?? null;
    const timeoutSeconds = positiveSeconds(fields[CALLBACK_FIELDS.timeoutSeconds], 'TimeoutSeconds');
    const heartbeatSeconds = positiveSeconds(fields[CALLBACK_FIELDS.heartbeatSeconds], 'HeartbeatSeconds');
    if (token === undefined || !JSON.stringify(parameters).includes(token)) {
      throw new StatesTaskError(
        'States.Runtime',
        `Task ${binding.stateName} waits for a task token, but its Parameters do not pass $$.Task.Token: nobody could ever answer it`,
      );
    }
    if (binding.wait === undefined) {
      throw new StatesTaskError(
        'RunnerConfigError',
        `Task ${binding.stateName} waits for a task token, but the runner was given no waitForTaskToken: pass one (the emulator's ExecutionContext.waitForTaskToken) so SendTaskSuccess can reach it`,
      );
    }
    const closed = new AbortController();
    const waiting = binding.wait(token, {
      ...(timeoutSeconds === undefined ? {} : { timeoutSeconds }),
      ...(heartbeatSeconds === undefined ? {} : { heartbeatSeconds }),
      signal: closed.signal,
    });
    // Nobody awaits it once the task failed otherwise: its late rejection must not go unhandled.
    waiting.catch(() => undefined);
    // Registered before the invocation: a decision may arrive before the function returns.
    const invocation = invoke(parameters).then(() => new Promise<never>(() => undefined));
    invocation.catch(() => undefined);
    let timer: unknown;
    const timedOut = new Promise<never>((_resolve, reject) => {
      if (timeoutSeconds === undefined) return;
      timer = timers.set(
        () => reject(new StatesTaskError('States.Timeout', 'The task did not complete within its timeout.')),
        Math.min(timeoutSeconds * 1000, MAX_TIMER_MS),
      );
    });
    try {
      const outcome = await Promise.race([waiting, invocation, timedOut]);
      if ('output' in outcome) return JSON.parse(outcome.output) as JsonValue;
      throw new StatesTaskError(outcome.error ?? '', outcome.cause ?? '');
    } finally {
      if (timer !== undefined) timers.clear(timer);
      closed.abort();
    }
  };
}

function positiveSeconds(value: JsonValue | undefined, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new StatesTaskError(
      'States.Runtime',
      `${field} must resolve to a positive integer number of seconds, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}
