/**
 * The SQS JSON 1.0 wire: error shapes with their query-compatible codes, and reading and
 * validating request fields, so sqs.ts holds only queue behaviour.
 */
import type { EmulatorRequest, EmulatorResponse } from '../../http/types';
import { AwsServiceError } from './protocol';
import type { MessageAttributeValue } from './sqs-queue';

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';
const BATCH_ENTRY_ID = /^[A-Za-z0-9_-]{1,80}$/;

/** Error shapes of the SQS model, with the awsQueryError code and status each carries. */
const ERRORS = {
  QueueDoesNotExist: ['AWS.SimpleQueueService.NonExistentQueue', 400],
  QueueNameExists: ['QueueAlreadyExists', 400],
  ReceiptHandleIsInvalid: ['ReceiptHandleIsInvalid', 404],
  InvalidAttributeName: ['InvalidAttributeName', 400],
  InvalidAttributeValue: ['InvalidAttributeValue', 400],
  InvalidMessageContents: ['InvalidMessageContents', 400],
  EmptyBatchRequest: ['AWS.SimpleQueueService.EmptyBatchRequest', 400],
  TooManyEntriesInBatchRequest: ['AWS.SimpleQueueService.TooManyEntriesInBatchRequest', 400],
  BatchEntryIdsNotDistinct: ['AWS.SimpleQueueService.BatchEntryIdsNotDistinct', 400],
  InvalidBatchEntryId: ['AWS.SimpleQueueService.InvalidBatchEntryId', 400],
  UnsupportedOperation: ['AWS.SimpleQueueService.UnsupportedOperation', 400],
  InvalidParameterValue: ['InvalidParameterValue', 400],
  MissingParameter: ['MissingParameter', 400],
  InvalidAction: ['InvalidAction', 400],
} as const satisfies Record<string, readonly [string, number]>;

export function sqsError(shape: keyof typeof ERRORS, message: string): AwsServiceError {
  const [queryCode, status] = ERRORS[shape];
  return new AwsServiceError(shape, message, status, true, { queryCode });
}

/** Numeric queue attributes CreateQueue accepts, with their AWS ranges. */
export const NUMERIC_ATTRIBUTES: Readonly<Record<string, readonly [number, number]>> = {
  VisibilityTimeout: [0, 43_200],
  DelaySeconds: [0, 900],
  ReceiveMessageWaitTimeSeconds: [0, 20],
  MaximumMessageSize: [1024, 1_048_576],
  MessageRetentionPeriod: [60, 1_209_600],
};
export const OPAQUE_ATTRIBUTES = new Set([
  'Policy',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
]);
export const MESSAGE_SYSTEM_ATTRIBUTES = [
  'SenderId',
  'SentTimestamp',
  'ApproximateReceiveCount',
  'ApproximateFirstReceiveTimestamp',
];
export const COMPUTED_QUEUE_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
];

export type Input = Readonly<Record<string, unknown>>;

export function validateAttributes(attributes: Readonly<Record<string, string>>): Record<string, string> {
  for (const [name, value] of Object.entries(attributes)) {
    const range = NUMERIC_ATTRIBUTES[name];
    if (range) {
      const number = Number(value);
      if (!/^\d+$/.test(value) || number < range[0] || number > range[1]) {
        throw sqsError(
          'InvalidAttributeValue',
          `Invalid value for the parameter ${name}. Reason: must be an integer from ${range[0]} to ${range[1]}.`,
        );
      }
    } else if (!OPAQUE_ATTRIBUTES.has(name)) {
      throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
    }
  }
  return { ...attributes };
}

export function batchEntries(value: unknown): Readonly<Record<string, unknown>>[] {
  const entries = Array.isArray(value) ? (value as Readonly<Record<string, unknown>>[]) : [];
  if (entries.length === 0)
    throw sqsError(
      'EmptyBatchRequest',
      'There should be at least one DeleteMessageBatchRequestEntry in the request.',
    );
  if (entries.length > 10)
    throw sqsError(
      'TooManyEntriesInBatchRequest',
      `Maximum number of entries per request are 10. You have sent ${entries.length}.`,
    );
  const ids = new Set<string>();
  for (const entry of entries) {
    const id = entry['Id'];
    if (typeof id !== 'string' || !BATCH_ENTRY_ID.test(id)) {
      throw sqsError(
        'InvalidBatchEntryId',
        'A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.',
      );
    }
    if (ids.has(id)) throw sqsError('BatchEntryIdsNotDistinct', `Id ${id} repeated.`);
    ids.add(id);
  }
  return entries;
}

export function messageAttributes(value: unknown): Record<string, MessageAttributeValue> {
  if (value === undefined || value === null) return {};
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, raw] of Object.entries(value as Record<string, Partial<MessageAttributeValue>>)) {
    if (
      typeof raw?.DataType !== 'string' ||
      (raw.StringValue === undefined && raw.BinaryValue === undefined)
    ) {
      throw sqsError(
        'InvalidParameterValue',
        `The message attribute '${name}' must contain a DataType and a non-empty value.`,
      );
    }
    attributes[name] = raw as MessageAttributeValue;
  }
  return attributes;
}

export function parseInput(request: EmulatorRequest): Input {
  if (request.body.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(request.body.toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Input;
  } catch {
    // fall through: the same error for malformed JSON and a non-object body
  }
  throw sqsError(
    'InvalidParameterValue',
    `The request body must be a JSON object (content-type ${JSON_CONTENT_TYPE}).`,
  );
}

export function requiredString(input: Input, field: string): string {
  const value = input[field];
  if (typeof value !== 'string')
    throw sqsError('MissingParameter', `The request must contain the parameter ${field}.`);
  return value;
}

export function optionalString(input: Input, field: string): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string')
    throw sqsError('InvalidParameterValue', `Value for parameter ${field} must be a string.`);
  return value;
}

export function optionalInteger(
  input: Input,
  field: string,
  min: number,
  max: number,
  reason?: string,
): number | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw sqsError(
      'InvalidParameterValue',
      `Value ${String(value)} for parameter ${field} is invalid. Reason: ${reason ?? `Must be between ${min} and ${max}.`}`,
    );
  }
  return value;
}

export function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

export function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Object.values(value).some((v) => typeof v !== 'string')) {
    throw sqsError('InvalidParameterValue', `${field} must map names to string values.`);
  }
  return value as Record<string, string>;
}

export function errorResponse(error: AwsServiceError, requestId: string): EmulatorResponse {
  const queryCode = error.extra['queryCode'] ?? error.code;
  return {
    status: error.status,
    headers: {
      'content-type': JSON_CONTENT_TYPE,
      'x-amzn-requestid': requestId,
      'x-amzn-query-error': `${queryCode};${error.sender ? 'Sender' : 'Receiver'}`,
    },
    body: JSON.stringify({ __type: `com.amazonaws.sqs#${error.code}`, message: error.message }),
  };
}
