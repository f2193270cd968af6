/**
 * How each Task of the definition runs locally. aws-local-stepfunctions calls real Lambda for any Task
 * without an override (even `sqs:sendMessage`), so every Task is bound here or the run is refused.
 * Results and errors take the shapes AWS gives them, so ResultSelector, Retry and Catch behave alike.
 */
import { randomUUID } from 'node:crypto';
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
