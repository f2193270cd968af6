/**
 * SQS over the AWS JSON 1.0 protocol (`x-amz-target: AmazonSQS.<Action>`), with the
 * `x-amzn-query-error` header the SDK's query-compatible error handling reads. Standard
 * queues only; visibility and delays follow the injected clock.
 */
import type { Caller, EmulatorRequest, ServiceHandler } from '../../http/types';
import {
  AwsServiceError,
  decodeToken,
  encodeToken,
  hasInvalidMessageCharacters,
  newRequestId,
  utf8Length,
} from './protocol';
import { md5OfMessageAttributes, SqsQueue, type StoredMessage } from './sqs-queue';
import {
  batchEntries,
  COMPUTED_QUEUE_ATTRIBUTES,
  errorResponse,
  type Input,
  JSON_CONTENT_TYPE,
  MESSAGE_SYSTEM_ATTRIBUTES,
  messageAttributes,
  NUMERIC_ATTRIBUTES,
  OPAQUE_ATTRIBUTES,
  optionalInteger,
  optionalString,
  parseInput,
  requiredString,
  sqsError,
  stringList,
  stringMap,
  validateAttributes,
} from './sqs-wire';

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
/** While long polling, re-check this often so messages whose visibility expired are seen. */
const LONG_POLL_TICK_MS = 50;

export class SqsState {
  private readonly queues = new Map<string, SqsQueue>();

  constructor(
    private readonly baseUrl: () => string,
    private readonly now: () => number,
  ) {}

  createQueue(
    region: string,
    accountId: string,
    name: string,
    attributes: Readonly<Record<string, string>> = {},
  ): string {
    if (name.endsWith('.fifo'))
      throw sqsError('UnsupportedOperation', 'FIFO queues are not supported by the emulator.');
    if (!QUEUE_NAME.test(name)) {
      throw sqsError(
        'InvalidParameterValue',
        'Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length',
      );
    }
    const validated = validateAttributes(attributes);
    const existing = this.queues.get(`${accountId}/${name}`);
    if (existing) {
      for (const [key, value] of Object.entries(validated)) {
        if (existing.attributes[key] !== value) {
          throw sqsError(
            'QueueNameExists',
            `A queue already exists with the same name and a different value for attribute ${key}`,
          );
        }
      }
      return this.urlOf(existing);
    }
    const queue = new SqsQueue(accountId, name, region, this.now(), validated);
    this.queues.set(`${accountId}/${name}`, queue);
    return this.urlOf(queue);
  }

  urlOf(queue: SqsQueue): string {
    return `${this.baseUrl()}/${queue.accountId}/${queue.name}`;
  }

  /** A queue by URL (any host: the port may change between runs), `account/name`, or bare name. */
  findQueue(urlOrName: string, preferredAccountId?: string): SqsQueue | undefined {
    const segments = urlOrName
      .replace(/^[a-z]+:\/\/[^/]+/i, '')
      .split('/')
      .filter((s) => s.length > 0);
    if (segments.length >= 2) return this.queues.get(`${segments.at(-2)}/${segments.at(-1)}`);
    const name = segments[0] ?? '';
    if (preferredAccountId !== undefined) {
      const preferred = this.queues.get(`${preferredAccountId}/${name}`);
      if (preferred) return preferred;
    }
    return [...this.queues.values()].find((queue) => queue.name === name);
  }

  readonly handler: ServiceHandler = async (request, caller) => {
    const requestId = newRequestId();
    try {
      const target = request.headers['x-amz-target'] ?? '';
      const action = target.startsWith('AmazonSQS.') ? target.slice('AmazonSQS.'.length) : '';
      const input = parseInput(request);
      const output = await this.dispatch(action, input, request, caller);
      return {
        status: 200,
        headers: { 'content-type': JSON_CONTENT_TYPE, 'x-amzn-requestid': requestId },
        body: JSON.stringify(output),
      };
    } catch (error) {
      if (error instanceof AwsServiceError) return errorResponse(error, requestId);
      throw error;
    }
  };

  private dispatch(
    action: string,
    input: Input,
    request: EmulatorRequest,
    caller: Caller,
  ): Promise<unknown> | unknown {
    switch (action) {
      case 'CreateQueue':
        return {
          QueueUrl: this.createQueue(
            request.region,
            caller.accountId,
            requiredString(input, 'QueueName'),
            stringMap(input['Attributes'], 'Attributes'),
          ),
        };
      case 'GetQueueUrl': {
        const owner = optionalString(input, 'QueueOwnerAWSAccountId') ?? caller.accountId;
        const queue = this.queues.get(`${owner}/${requiredString(input, 'QueueName')}`);
        if (!queue) throw sqsError('QueueDoesNotExist', 'The specified queue does not exist.');
        return { QueueUrl: this.urlOf(queue) };
      }
      case 'ListQueues':
        return this.listQueues(input, caller);
      case 'SendMessage':
        return this.sendMessage(input, caller);
      case 'ReceiveMessage':
        return this.receiveMessage(input);
      case 'DeleteMessage':
        this.deleteByHandle(this.queueFor(input), requiredString(input, 'ReceiptHandle'));
        return {};
      case 'DeleteMessageBatch':
        return this.deleteMessageBatch(input);
      case 'ChangeMessageVisibility':
        return this.changeVisibility(input);
      case 'GetQueueAttributes':
        return this.getQueueAttributes(input);
      case 'PurgeQueue':
        this.queueFor(input).purge();
        return {};
      default:
        throw sqsError('InvalidAction', `The action ${action || '(none)'} is not valid for this endpoint.`);
    }
  }

  private queueFor(input: Input): SqsQueue {
    const queue = this.findQueue(requiredString(input, 'QueueUrl'));
    if (!queue) throw sqsError('QueueDoesNotExist', 'The specified queue does not exist.');
    return queue;
  }

  private listQueues(input: Input, caller: Caller): unknown {
    const prefix = optionalString(input, 'QueueNamePrefix') ?? '';
    const maxResults = optionalInteger(input, 'MaxResults', 1, 1000);
    const names = [...this.queues.values()]
      .filter((queue) => queue.accountId === caller.accountId && queue.name.startsWith(prefix))
      .map((queue) => queue.name)
      .sort();
    const token = optionalString(input, 'NextToken');
    const after = token === undefined ? undefined : decodeToken(token, 'NextToken');
    const remaining = after === undefined ? names : names.filter((name) => name > after);
    // Without MaxResults AWS returns up to 1,000 and no token.
    const page = remaining.slice(0, maxResults ?? 1000);
    const urls = page.map((name) => this.urlOf(this.queues.get(`${caller.accountId}/${name}`)!));
    const output: Record<string, unknown> = urls.length > 0 ? { QueueUrls: urls } : {};
    if (maxResults !== undefined && remaining.length > page.length)
      output['NextToken'] = encodeToken(page.at(-1)!);
    return output;
  }

  private sendMessage(input: Input, caller: Caller): unknown {
    const queue = this.queueFor(input);
    const body = requiredString(input, 'MessageBody');
    if (body.length === 0)
      throw sqsError('MissingParameter', 'The request must contain the parameter MessageBody.');
    const limit = queue.settings.maximumMessageSize;
    if (utf8Length(body) > limit) {
      throw sqsError(
        'InvalidParameterValue',
        `One or more parameters are invalid. Reason: Message must be shorter than ${limit} bytes.`,
      );
    }
    if (hasInvalidMessageCharacters(body)) {
      throw sqsError(
        'InvalidMessageContents',
        'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
      );
    }
    const delay = optionalInteger(input, 'DelaySeconds', 0, 900);
    const attributes = messageAttributes(input['MessageAttributes']);
    const message = queue.send(body, caller.accountId, this.now(), delay, attributes);
    return {
      MessageId: message.messageId,
      MD5OfMessageBody: message.md5OfBody,
      ...(Object.keys(attributes).length > 0
        ? { MD5OfMessageAttributes: md5OfMessageAttributes(attributes) }
        : {}),
    };
  }

  private async receiveMessage(input: Input): Promise<unknown> {
    const queue = this.queueFor(input);
    const max =
      optionalInteger(input, 'MaxNumberOfMessages', 1, 10, 'Must be between 1 and 10, if provided.') ?? 1;
    const visibility =
      optionalInteger(input, 'VisibilityTimeout', 0, 43_200) ?? queue.settings.visibilityTimeoutSeconds;
    const waitSeconds = optionalInteger(input, 'WaitTimeSeconds', 0, 20) ?? queue.settings.receiveWaitSeconds;
    const systemNames = [
      ...stringList(input['MessageSystemAttributeNames']),
      ...stringList(input['AttributeNames']),
    ];
    const attributeNames = stringList(input['MessageAttributeNames']);
    // Long polling waits in real time; the clock only decides what is visible.
    const deadline = Date.now() + waitSeconds * 1000;
    let messages = queue.receive(max, visibility, this.now());
    while (messages.length === 0 && Date.now() < deadline) {
      await queue.waitForSend(Math.min(LONG_POLL_TICK_MS, deadline - Date.now()));
      messages = queue.receive(max, visibility, this.now());
    }
    if (messages.length === 0) return {};
    return { Messages: messages.map((message) => renderMessage(message, systemNames, attributeNames)) };
  }

  private deleteByHandle(queue: SqsQueue, handle: string): void {
    const messageId = messageIdOf(handle);
    if (messageId === undefined) {
      throw sqsError(
        'ReceiptHandleIsInvalid',
        `The input receipt handle "${handle}" is not a valid receipt handle.`,
      );
    }
    // A handle of a message already deleted succeeds: DeleteMessage is idempotent on AWS.
    queue.delete(messageId);
  }

  private deleteMessageBatch(input: Input): unknown {
    const queue = this.queueFor(input);
    const entries = batchEntries(input['Entries']);
    const successful: { Id: string }[] = [];
    const failed: { Id: string; SenderFault: boolean; Code: string; Message: string }[] = [];
    for (const entry of entries) {
      const handle = typeof entry['ReceiptHandle'] === 'string' ? entry['ReceiptHandle'] : '';
      const id = entry['Id'] as string;
      if (messageIdOf(handle) === undefined) {
        failed.push({
          Id: id,
          SenderFault: true,
          Code: 'ReceiptHandleIsInvalid',
          Message: `The input receipt handle "${handle}" is not a valid receipt handle.`,
        });
      } else {
        queue.delete(messageIdOf(handle)!);
        successful.push({ Id: id });
      }
    }
    return { Successful: successful, Failed: failed };
  }

  private changeVisibility(input: Input): unknown {
    const queue = this.queueFor(input);
    const handle = requiredString(input, 'ReceiptHandle');
    const seconds = optionalInteger(input, 'VisibilityTimeout', 0, 43_200);
    if (seconds === undefined)
      throw sqsError('MissingParameter', 'The request must contain the parameter VisibilityTimeout.');
    const messageId = messageIdOf(handle);
    if (messageId === undefined) {
      throw sqsError(
        'ReceiptHandleIsInvalid',
        `The input receipt handle "${handle}" is not a valid receipt handle.`,
      );
    }
    const message = queue.find(messageId);
    if (message) message.visibleAt = this.now() + seconds * 1000;
    return {};
  }

  private getQueueAttributes(input: Input): unknown {
    const queue = this.queueFor(input);
    const requested = stringList(input['AttributeNames']);
    const now = this.now();
    const counts = queue.counts(now);
    const all: Record<string, string> = {
      ...queue.attributes,
      ApproximateNumberOfMessages: String(counts.visible),
      ApproximateNumberOfMessagesNotVisible: String(counts.notVisible),
      ApproximateNumberOfMessagesDelayed: String(counts.delayed),
      CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(queue.lastModifiedAt / 1000)),
      QueueArn: queue.arn,
    };
    if (requested.length === 0) return {};
    if (requested.includes('All')) return { Attributes: all };
    const known = new Set([
      ...Object.keys(NUMERIC_ATTRIBUTES),
      ...OPAQUE_ATTRIBUTES,
      ...COMPUTED_QUEUE_ATTRIBUTES,
    ]);
    const attributes: Record<string, string> = {};
    for (const name of requested) {
      if (!known.has(name)) throw sqsError('InvalidAttributeName', `Unknown Attribute ${name}.`);
      const value = all[name];
      if (value !== undefined) attributes[name] = value;
    }
    return { Attributes: attributes };
  }
}

function renderMessage(
  message: StoredMessage,
  systemNames: readonly string[],
  attributeNames: readonly string[],
): unknown {
  const wantsAll = systemNames.includes('All');
  const system: Record<string, string> = {};
  const values: Record<string, string | undefined> = {
    SenderId: message.senderId,
    SentTimestamp: String(message.sentAt),
    ApproximateReceiveCount: String(message.receiveCount),
    ApproximateFirstReceiveTimestamp:
      message.firstReceivedAt === undefined ? undefined : String(message.firstReceivedAt),
  };
  for (const name of MESSAGE_SYSTEM_ATTRIBUTES) {
    const value = values[name];
    if ((wantsAll || systemNames.includes(name)) && value !== undefined) system[name] = value;
  }
  const wantsAllAttributes = attributeNames.includes('All') || attributeNames.includes('.*');
  const selected = Object.fromEntries(
    Object.entries(message.attributes).filter(
      ([name]) => wantsAllAttributes || attributeNames.includes(name),
    ),
  );
  return {
    MessageId: message.messageId,
    ReceiptHandle: message.receiptHandle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    ...(Object.keys(system).length > 0 ? { Attributes: system } : {}),
    ...(Object.keys(selected).length > 0
      ? { MessageAttributes: selected, MD5OfMessageAttributes: md5OfMessageAttributes(selected) }
      : {}),
  };
}

function messageIdOf(handle: string): string | undefined {
  const match = /^([0-9a-f-]{36})#[A-Za-z0-9_-]+$/.exec(handle);
  return match?.[1];
}
