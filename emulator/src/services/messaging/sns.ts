/**
 * SNS over the query protocol (form-encoded request, XML response): CreateTopic, ListTopics,
 * Publish. Published messages are kept in memory for tests and the demo to read back.
 */
import { randomUUID } from 'node:crypto';
import { injectedFault, isInjectedFault } from '../../http/errors';
import type { Caller, EmulatorRequest, EmulatorResponse, ServiceHandler } from '../../http/types';
import { type MessagingFaultListener, type MessagingFaults, takeSnsPublishFault } from './faults';
import {
  AwsServiceError,
  escapeXml,
  hasInvalidMessageCharacters,
  newRequestId,
  utf8Length,
  xmlElement,
  xmlResponse,
} from './protocol';

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
/** Publish's limit is in bytes: 262,144 (docs/aws-behaviour.md, "SNS"). */
export const SNS_MAX_MESSAGE_BYTES = 262_144;
/** AWS documents "less than 100" but accepts exactly 100 (and AWS Config sends 100). */
export const SNS_MAX_SUBJECT_CHARS = 100;
const LIST_TOPICS_PAGE = 100;
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]+)$/;

export interface PublishedMessage {
  readonly topicArn: string;
  readonly subject: string | undefined;
  readonly message: string;
  readonly messageId: string;
  /** ISO-8601 time of the publish. */
  readonly at: string;
  readonly messageStructure?: string;
  readonly attributes?: Readonly<Record<string, { readonly dataType: string; readonly value: string }>>;
}

interface Topic {
  readonly arn: string;
  readonly name: string;
  readonly accountId: string;
}

export class SnsState {
  private readonly topics = new Map<string, Topic>();
  private readonly messages: PublishedMessage[] = [];

  constructor(
    private readonly faults: MessagingFaults,
    private readonly now: () => number,
    private readonly onFault: MessagingFaultListener = () => {},
  ) {}

  createTopic(region: string, accountId: string, name: string): string {
    if (!TOPIC_NAME.test(name)) {
      throw new AwsServiceError(
        'InvalidParameter',
        'Invalid parameter: Topic Name (1 to 256 letters, digits, hyphens or underscores)',
        400,
      );
    }
    const arn = `arn:aws:sns:${region}:${accountId}:${name}`;
    if (!this.topics.has(arn)) this.topics.set(arn, { arn, name, accountId });
    return arn;
  }

  published(): readonly PublishedMessage[] {
    return [...this.messages];
  }

  readonly handler: ServiceHandler = (request, caller) => {
    const requestId = newRequestId();
    try {
      return this.dispatch(formParams(request), request, caller, requestId);
    } catch (error) {
      if (error instanceof AwsServiceError) return errorResponse(error, requestId);
      throw error;
    }
  };

  private dispatch(
    params: URLSearchParams,
    request: EmulatorRequest,
    caller: Caller,
    requestId: string,
  ): EmulatorResponse {
    const action = params.get('Action');
    switch (action) {
      case 'CreateTopic': {
        const arn = this.createTopic(request.region, caller.accountId, params.get('Name') ?? '');
        return ok('CreateTopic', xmlElement('TopicArn', arn), requestId);
      }
      case 'ListTopics':
        return this.listTopics(params, caller, requestId);
      case 'Publish':
        return this.publish(params, caller, requestId);
      default:
        throw new AwsServiceError(
          'InvalidAction',
          `The action ${action ?? '(none)'} is not valid for this endpoint.`,
          400,
        );
    }
  }

  private listTopics(params: URLSearchParams, caller: Caller, requestId: string): EmulatorResponse {
    const arns = [...this.topics.values()]
      .filter((topic) => topic.accountId === caller.accountId)
      .map((topic) => topic.arn)
      .sort();
    const token = params.get('NextToken');
    let start = 0;
    if (token) {
      start = Number.parseInt(Buffer.from(token, 'base64url').toString('utf8'), 10);
      if (!Number.isInteger(start) || start < 0 || start > arns.length) {
        throw new AwsServiceError('InvalidParameter', 'Invalid parameter: NextToken', 400);
      }
    }
    const page = arns.slice(start, start + LIST_TOPICS_PAGE);
    const next = start + LIST_TOPICS_PAGE < arns.length ? String(start + LIST_TOPICS_PAGE) : undefined;
    const members = page.map((arn) => `<member>${xmlElement('TopicArn', arn)}</member>`).join('');
    const nextToken =
      next === undefined ? '' : xmlElement('NextToken', Buffer.from(next).toString('base64url'));
    return ok('ListTopics', `<Topics>${members}</Topics>${nextToken}`, requestId);
  }

  private publish(params: URLSearchParams, caller: Caller, requestId: string): EmulatorResponse {
    const topicArn = params.get('TopicArn') ?? params.get('TargetArn');
    if (!topicArn) {
      throw new AwsServiceError(
        'InvalidParameter',
        'Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter',
        400,
      );
    }
    if (!TOPIC_ARN.test(topicArn))
      throw new AwsServiceError('InvalidParameter', 'Invalid parameter: TopicArn', 400);
    const message = params.get('Message');
    if (message === null || message.length === 0) {
      throw new AwsServiceError('InvalidParameter', 'Invalid parameter: Empty message', 400);
    }
    if (utf8Length(message) > SNS_MAX_MESSAGE_BYTES) {
      throw new AwsServiceError('InvalidParameter', 'Invalid parameter: Message too long', 400);
    }
    if (hasInvalidMessageCharacters(message)) {
      throw new AwsServiceError(
        'InvalidParameter',
        'Invalid parameter: Message contains invalid characters',
        400,
      );
    }
    const subject = params.get('Subject') ?? undefined;
    if (subject !== undefined) validateSubject(subject);
    const messageStructure = params.get('MessageStructure') ?? undefined;
    if (messageStructure !== undefined) validateStructure(messageStructure, message);
    if (!this.topics.has(topicArn)) throw new AwsServiceError('NotFound', 'Topic does not exist', 404);
    if (takeSnsPublishFault(this.faults)) {
      this.onFault('snsPublishFailure', caller.accountId, 'sns', 'Publish');
      throw injectedFault(
        new AwsServiceError('InternalError', 'Internal Error (injected by the emulator)', 500),
      );
    }
    const attributes = messageAttributes(params);
    const messageId = randomUUID();
    this.messages.push({
      topicArn,
      subject,
      message,
      messageId,
      at: new Date(this.now()).toISOString(),
      ...(messageStructure === undefined ? {} : { messageStructure }),
      ...(attributes === undefined ? {} : { attributes }),
    });
    return ok('Publish', xmlElement('MessageId', messageId), requestId);
  }
}

/** AWS: ASCII-ish text starting with a letter, digit or punctuation, no line breaks or control characters. */
function validateSubject(subject: string): void {
  if (subject.length === 0 || subject.length > SNS_MAX_SUBJECT_CHARS) {
    throw new AwsServiceError('InvalidParameter', 'Invalid parameter: Subject', 400);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what SNS refuses.
  if (/[\u0000-\u001f\u007f]/.test(subject) || /^\s/.test(subject)) {
    throw new AwsServiceError('InvalidParameter', 'Invalid parameter: Subject', 400);
  }
}

function validateStructure(structure: string, message: string): void {
  if (structure !== 'json') {
    throw new AwsServiceError('InvalidParameter', 'Invalid parameter: MessageStructure', 400);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    throw new AwsServiceError(
      'InvalidParameter',
      'Invalid parameter: Message Structure - JSON message body failed to parse',
      400,
    );
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    typeof (parsed as Record<string, unknown>)['default'] !== 'string'
  ) {
    throw new AwsServiceError(
      'InvalidParameter',
      'Invalid parameter: Message Structure - No default entry in JSON message body',
      400,
    );
  }
}

function messageAttributes(params: URLSearchParams): PublishedMessage['attributes'] {
  const attributes: Record<string, { dataType: string; value: string }> = {};
  for (let n = 1; params.has(`MessageAttributes.entry.${n}.Name`); n++) {
    const prefix = `MessageAttributes.entry.${n}`;
    const name = params.get(`${prefix}.Name`) ?? '';
    attributes[name] = {
      dataType: params.get(`${prefix}.Value.DataType`) ?? 'String',
      value: params.get(`${prefix}.Value.StringValue`) ?? params.get(`${prefix}.Value.BinaryValue`) ?? '',
    };
  }
  return Object.keys(attributes).length === 0 ? undefined : attributes;
}

function formParams(request: EmulatorRequest): URLSearchParams {
  const params = new URLSearchParams(request.query);
  for (const [key, value] of new URLSearchParams(request.body.toString('utf8'))) params.set(key, value);
  return params;
}

function ok(action: string, result: string, requestId: string): EmulatorResponse {
  return xmlResponse(
    200,
    `<${action}Response xmlns="${XMLNS}"><${action}Result>${result}</${action}Result>` +
      `<ResponseMetadata>${xmlElement('RequestId', requestId)}</ResponseMetadata></${action}Response>`,
    { 'x-amzn-requestid': requestId },
  );
}

function errorResponse(error: AwsServiceError, requestId: string): EmulatorResponse {
  const response = xmlResponse(
    error.status,
    `<ErrorResponse xmlns="${XMLNS}"><Error><Type>${error.sender ? 'Sender' : 'Receiver'}</Type>` +
      `${xmlElement('Code', error.code)}<Message>${escapeXml(error.message)}</Message></Error>` +
      `${xmlElement('RequestId', requestId)}</ErrorResponse>`,
    { 'x-amzn-requestid': requestId },
  );
  return isInjectedFault(error) ? { ...response, injectedFault: true } : response;
}
