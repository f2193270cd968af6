/**
 * How each Task of the definition runs locally. aws-local-stepfunctions calls real Lambda for any Task
 * without an override (even `sqs:sendMessage`), so every Task is bound here or the run is refused.
 * Results and errors take the shapes AWS gives them, so ResultSelector, Retry and Catch behave alike.
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { StatesTaskError } from './errors';
import type { JsonObject, JsonValue } from './json-path';

/** A local stand-in for one Lambda: takes the event, returns the result (the real handler, usually). */
export type TaskFunction = (event: never) => unknown;

/**
 * `lambda:invoke` as Step Functions sees it: `{ Payload }` on success; on a thrown error, Error = the
 * error's name (Lambda's errorType) and Cause = Lambda's JSON error document.
 */
export function bindLambda(task: TaskFunction): (parameters: JsonValue) => Promise<JsonValue> {
  return async (parameters) => {
    const payload = (parameters as JsonObject | null)?.['Payload'] ?? null;
    // A copy through JSON, as the real wire does: handlers can neither mutate state nor return Dates.
    const event = JSON.parse(JSON.stringify(payload)) as never;
    let result: unknown;
    try {
      result = await task(event);
    } catch (error) {
      const errorType = error instanceof Error ? error.name : 'Error';
      const errorMessage = error instanceof Error ? error.message : String(error);
      throw new StatesTaskError(errorType, JSON.stringify({ errorType, errorMessage, trace: [] }));
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
