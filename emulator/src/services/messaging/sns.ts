/**
 * SNS over the query protocol (form-encoded request, XML response): CreateTopic, ListTopics,
 * Publish, and subscriptions (Subscribe, Unsubscribe, ListSubscriptionsByTopic,
 * Get/SetSubscriptionAttributes) for the email, email-json and sqs protocols, with filter
 * policies. Published messages and each subscription's deliveries are kept in memory for tests
 * and the demo to read back; an sqs subscription's deliveries also land in the emulator's queue.
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
import {
  attributeErrorPrefix,
  type FilterPolicy,
  type FilterPolicyCaller,
  matchesFilterPolicy,
  parseFilterPolicy,
} from './sns-filter';

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
/** Publish's limit is in bytes: 262,144 (docs/aws-behaviour.md, "SNS"). */
export const SNS_MAX_MESSAGE_BYTES = 262_144;
/** AWS documents "less than 100" but accepts exactly 100 (and AWS Config sends 100). */
export const SNS_MAX_SUBJECT_CHARS = 100;
const LIST_TOPICS_PAGE = 100;
/** ListSubscriptionsByTopic answers up to 100 subscriptions a page. */
const LIST_SUBSCRIPTIONS_PAGE = 100;
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]+)$/;
const SUBSCRIPTION_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_.-]+:[0-9a-f-]{36}$/;
const QUEUE_ARN = /^arn:aws[a-z-]*:sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]{1,80})$/;
/** Loose on purpose: SNS checks the shape of an address, the mail server the rest. */
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
/** Publish takes at most 10 message attributes (docs/emulator.md, "SNS subscriptions"). */
export const SNS_MAX_MESSAGE_ATTRIBUTES = 10;
/** A message attribute's DataType: String, Number or Binary, optionally with a custom suffix. */
const ATTRIBUTE_TYPE = /^(String|Number|Binary)(\..+)?$/;

/** Every protocol AWS knows; the emulator delivers the first three. */
export const SNS_PROTOCOLS = ['email', 'email-json', 'sqs'] as const;
export type SnsProtocol = (typeof SNS_PROTOCOLS)[number];
const AWS_PROTOCOLS = new Set<string>([
  ...SNS_PROTOCOLS,
  'http',
  'https',
  'sms',
  'application',
  'lambda',
  'firehose',
]);
/** Subscription attributes AWS accepts that the emulator does not model. */
const UNMODELLED_ATTRIBUTES = new Set([
  'DeliveryPolicy',
  'RedrivePolicy',
  'SubscriptionRoleArn',
  'ReplayPolicy',
]);

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

/** A subscription as GetSubscriptionAttributes and the tests see it. */
export interface SubscriptionView {
  readonly subscriptionArn: string;
  readonly topicArn: string;
  readonly protocol: SnsProtocol;
  readonly endpoint: string;
  /** The subscribing account. */
  readonly owner: string;
  /** The FilterPolicy as it was set (JSON text), or undefined for none. */
  readonly filterPolicy: string | undefined;
  readonly filterPolicyScope: 'MessageAttributes';
  readonly rawMessageDelivery: boolean;
}

interface Subscription extends SubscriptionView {
  /** Who subscribed: GetSubscriptionAttributes' SubscriptionPrincipal. */
  readonly principalArn: string;
  filterPolicy: string | undefined;
  parsedPolicy: FilterPolicy | undefined;
  rawMessageDelivery: boolean;
}

/** One message as one subscription received it. */
export interface DeliveredMessage {
  readonly subscriptionArn: string;
  readonly protocol: SnsProtocol;
  readonly endpoint: string;
  readonly topicArn: string;
  readonly messageId: string;
  readonly subject: string | undefined;
  /** The message for this protocol (MessageStructure json picks its protocol's entry). */
  readonly message: string;
  readonly attributes: PublishedMessage['attributes'];
  /**
   * What the endpoint got: the SNS envelope JSON (sqs, email-json), the raw message (sqs with
   * RawMessageDelivery), or the message text (email).
   */
  readonly body: string;
  /** ISO-8601 time of the publish. */
  readonly at: string;
  /** False only for an sqs subscription whose queue does not exist: AWS drops such a delivery. */
  readonly delivered: boolean;
}

/**
 * Puts a body into the emulator's SQS queue with this ARN; false when there is no such queue.
 * Raw deliveries carry the message attributes as SQS message attributes.
 */
export type QueueSender = (
  queueArn: string,
  body: string,
  attributes: Readonly<
    Record<
      string,
      { readonly DataType: string; readonly StringValue?: string; readonly BinaryValue?: string }
    >
  >,
  senderAccountId: string,
) => boolean;

export class SnsState {
  private readonly topics = new Map<string, Topic>();
  private readonly messages: PublishedMessage[] = [];
  /** Insertion order: the order subscriptions are listed and delivered to. */
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly delivered = new Map<string, DeliveredMessage[]>();

  constructor(
    private readonly faults: MessagingFaults,
    private readonly now: () => number,
    private readonly onFault: MessagingFaultListener = () => {},
    private readonly sendToQueue: QueueSender = () => false,
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

  /** What a subscription received, oldest first; [] for an unknown (or unsubscribed) one. */
  deliveries(subscriptionArn: string): readonly DeliveredMessage[] {
    return [...(this.delivered.get(subscriptionArn) ?? [])];
  }

  /** Every subscription, or a topic's, in the order they were made. */
  subscriptionsOf(topicArn?: string): readonly SubscriptionView[] {
    return [...this.subscriptions.values()]
      .filter((s) => topicArn === undefined || s.topicArn === topicArn)
      .map(view);
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
      case 'Subscribe':
        return this.subscribe(params, caller, requestId);
      case 'Unsubscribe': {
        const subscription = this.subscriptionFor(params);
        this.subscriptions.delete(subscription.subscriptionArn);
        this.delivered.delete(subscription.subscriptionArn);
        return ok('Unsubscribe', '', requestId);
      }
      case 'ListSubscriptionsByTopic':
        return this.listSubscriptionsByTopic(params, requestId);
      case 'GetSubscriptionAttributes':
        return this.getSubscriptionAttributes(params, requestId);
      case 'SetSubscriptionAttributes':
        return this.setSubscriptionAttributes(params, requestId);
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
    const attributes = messageAttributes(params);
    if (!this.topics.has(topicArn)) throw new AwsServiceError('NotFound', 'Topic does not exist', 404);
    if (takeSnsPublishFault(this.faults)) {
      this.onFault('snsPublishFailure', caller.accountId, 'sns', 'Publish');
      throw injectedFault(
        new AwsServiceError('InternalError', 'Internal Error (injected by the emulator)', 500),
      );
    }
    const published: PublishedMessage = {
      topicArn,
      subject,
      message,
      messageId: randomUUID(),
      at: new Date(this.now()).toISOString(),
      ...(messageStructure === undefined ? {} : { messageStructure }),
      ...(attributes === undefined ? {} : { attributes }),
    };
    this.messages.push(published);
    this.fanOut(published);
    return ok('Publish', xmlElement('MessageId', published.messageId), requestId);
  }

  /** Delivers a published message to every subscription of its topic whose filter matches. */
  private fanOut(published: PublishedMessage): void {
    const topic = this.topics.get(published.topicArn);
    for (const subscription of this.subscriptions.values()) {
      if (subscription.topicArn !== published.topicArn) continue;
      if (!matchesFilterPolicy(subscription.parsedPolicy, published.attributes)) continue;
      const message = messageFor(published, subscription.protocol);
      // AWS sends message attributes only with a String message structure, not JSON.
      const attributes = published.messageStructure === 'json' ? undefined : published.attributes;
      let body: string;
      if (subscription.protocol === 'email') body = message;
      else if (subscription.protocol === 'sqs' && subscription.rawMessageDelivery) body = message;
      else body = envelope(published, message, attributes);
      let delivered = true;
      if (subscription.protocol === 'sqs') {
        const sqsAttributes = subscription.rawMessageDelivery ? sqsMessageAttributes(attributes) : {};
        delivered = this.sendToQueue(subscription.endpoint, body, sqsAttributes, topic?.accountId ?? '');
      }
      const list = this.delivered.get(subscription.subscriptionArn) ?? [];
      list.push({
        subscriptionArn: subscription.subscriptionArn,
        protocol: subscription.protocol,
        endpoint: subscription.endpoint,
        topicArn: published.topicArn,
        messageId: published.messageId,
        subject: published.subject,
        message,
        attributes,
        body,
        at: published.at,
        delivered,
      });
      this.delivered.set(subscription.subscriptionArn, list);
    }
  }

  private subscribe(params: URLSearchParams, caller: Caller, requestId: string): EmulatorResponse {
    const topicArn = params.get('TopicArn') ?? '';
    if (!TOPIC_ARN.test(topicArn))
      throw new AwsServiceError('InvalidParameter', 'Invalid parameter: TopicArn', 400);
    const protocol = params.get('Protocol') ?? '';
    if (!AWS_PROTOCOLS.has(protocol)) {
      throw new AwsServiceError(
        'InvalidParameter',
        `Invalid parameter: Amazon SNS does not support this protocol string: ${protocol}`,
        400,
      );
    }
    if (!(SNS_PROTOCOLS as readonly string[]).includes(protocol)) {
      throw new AwsServiceError(
        'InvalidParameter',
        `Invalid parameter: Protocol Reason: the emulator delivers only ${SNS_PROTOCOLS.join(', ')} subscriptions, not ${protocol}`,
        400,
      );
    }
    const endpoint = params.get('Endpoint') ?? '';
    if (endpoint === '') throw new AwsServiceError('InvalidParameter', 'Invalid parameter: Endpoint', 400);
    if (protocol === 'sqs' && !QUEUE_ARN.test(endpoint)) {
      throw new AwsServiceError('InvalidParameter', 'Invalid parameter: SQS endpoint ARN', 400);
    }
    if (protocol !== 'sqs' && !EMAIL.test(endpoint)) {
      throw new AwsServiceError('InvalidParameter', 'Invalid parameter: Email address', 400);
    }
    const settings = subscriptionSettings(
      mapEntries(params, 'Attributes'),
      protocol as SnsProtocol,
      'Subscribe',
      {
        filterPolicy: undefined,
        parsedPolicy: undefined,
        rawMessageDelivery: false,
      },
    );
    if (!this.topics.has(topicArn)) throw new AwsServiceError('NotFound', 'Topic does not exist', 404);
    // Subscribing the same endpoint again is idempotent, unless the attributes differ.
    for (const existing of this.subscriptions.values()) {
      if (existing.topicArn !== topicArn || existing.protocol !== protocol || existing.endpoint !== endpoint)
        continue;
      if (
        existing.filterPolicy !== settings.filterPolicy ||
        existing.rawMessageDelivery !== settings.rawMessageDelivery
      ) {
        throw new AwsServiceError(
          'InvalidParameter',
          'Invalid parameter: Attributes Reason: Subscription already exists with different attributes',
          400,
        );
      }
      return ok('Subscribe', xmlElement('SubscriptionArn', existing.subscriptionArn), requestId);
    }
    // Email subscriptions are confirmed at once: AWS first mails a confirmation link.
    const subscription: Subscription = {
      subscriptionArn: `${topicArn}:${randomUUID()}`,
      topicArn,
      protocol: protocol as SnsProtocol,
      endpoint,
      owner: caller.accountId,
      principalArn: caller.arn,
      filterPolicyScope: 'MessageAttributes',
      ...settings,
    };
    this.subscriptions.set(subscription.subscriptionArn, subscription);
    return ok('Subscribe', xmlElement('SubscriptionArn', subscription.subscriptionArn), requestId);
  }

  /** The subscription named by SubscriptionArn. @throws InvalidParameter, NotFound */
  private subscriptionFor(params: URLSearchParams): Subscription {
    const arn = params.get('SubscriptionArn') ?? '';
    if (!SUBSCRIPTION_ARN.test(arn)) {
      throw new AwsServiceError('InvalidParameter', 'Invalid parameter: SubscriptionArn', 400);
    }
    const subscription = this.subscriptions.get(arn);
    if (subscription === undefined) throw new AwsServiceError('NotFound', 'Subscription does not exist', 404);
    return subscription;
  }

  private listSubscriptionsByTopic(params: URLSearchParams, requestId: string): EmulatorResponse {
    const topicArn = params.get('TopicArn') ?? '';
    if (!TOPIC_ARN.test(topicArn))
      throw new AwsServiceError('InvalidParameter', 'Invalid parameter: TopicArn', 400);
    if (!this.topics.has(topicArn)) throw new AwsServiceError('NotFound', 'Topic does not exist', 404);
    const all = [...this.subscriptions.values()].filter((s) => s.topicArn === topicArn);
    const token = params.get('NextToken');
    let start = 0;
    if (token) {
      start = Number.parseInt(Buffer.from(token, 'base64url').toString('utf8'), 10);
      if (!Number.isInteger(start) || start < 0 || start > all.length) {
        throw new AwsServiceError('InvalidParameter', 'Invalid parameter: NextToken', 400);
      }
    }
    const page = all.slice(start, start + LIST_SUBSCRIPTIONS_PAGE);
    const next = start + page.length;
    const members = page
      .map(
        (s) =>
          `<member>${xmlElement('Owner', s.owner)}${xmlElement('Endpoint', s.endpoint)}` +
          `${xmlElement('Protocol', s.protocol)}${xmlElement('SubscriptionArn', s.subscriptionArn)}` +
          `${xmlElement('TopicArn', s.topicArn)}</member>`,
      )
      .join('');
    const nextToken =
      next < all.length ? xmlElement('NextToken', Buffer.from(String(next)).toString('base64url')) : '';
    return ok('ListSubscriptionsByTopic', `<Subscriptions>${members}</Subscriptions>${nextToken}`, requestId);
  }

  private getSubscriptionAttributes(params: URLSearchParams, requestId: string): EmulatorResponse {
    const s = this.subscriptionFor(params);
    const attributes: Record<string, string> = {
      Owner: s.owner,
      RawMessageDelivery: String(s.rawMessageDelivery),
      TopicArn: s.topicArn,
      Endpoint: s.endpoint,
      Protocol: s.protocol,
      PendingConfirmation: 'false',
      // An email subscription is confirmed by a click on a link, not by a signed request.
      ConfirmationWasAuthenticated: String(s.protocol === 'sqs'),
      SubscriptionArn: s.subscriptionArn,
      SubscriptionPrincipal: s.principalArn,
      ...(s.filterPolicy === undefined
        ? {}
        : { FilterPolicy: s.filterPolicy, FilterPolicyScope: s.filterPolicyScope }),
    };
    const entries = Object.entries(attributes)
      .map(([key, value]) => `<entry>${xmlElement('key', key)}${xmlElement('value', value)}</entry>`)
      .join('');
    return ok('GetSubscriptionAttributes', `<Attributes>${entries}</Attributes>`, requestId);
  }

  private setSubscriptionAttributes(params: URLSearchParams, requestId: string): EmulatorResponse {
    const subscription = this.subscriptionFor(params);
    const name = params.get('AttributeName') ?? '';
    const value = params.get('AttributeValue') ?? '';
    const settings = subscriptionSettings(
      new Map([[name, value]]),
      subscription.protocol,
      'SetSubscriptionAttributes',
      subscription,
    );
    subscription.filterPolicy = settings.filterPolicy;
    subscription.parsedPolicy = settings.parsedPolicy;
    subscription.rawMessageDelivery = settings.rawMessageDelivery;
    return ok('SetSubscriptionAttributes', '', requestId);
  }
}

function view(s: Subscription): SubscriptionView {
  return {
    subscriptionArn: s.subscriptionArn,
    topicArn: s.topicArn,
    protocol: s.protocol,
    endpoint: s.endpoint,
    owner: s.owner,
    filterPolicy: s.filterPolicy,
    filterPolicyScope: s.filterPolicyScope,
    rawMessageDelivery: s.rawMessageDelivery,
  };
}

interface SubscriptionSettings {
  readonly filterPolicy: string | undefined;
  readonly parsedPolicy: FilterPolicy | undefined;
  readonly rawMessageDelivery: boolean;
}

/**
 * Applies subscription attributes (Subscribe's map, or SetSubscriptionAttributes' one name and
 * value) onto `current`, validating each as AWS does.
 */
function subscriptionSettings(
  attributes: ReadonlyMap<string, string>,
  protocol: SnsProtocol,
  caller: FilterPolicyCaller,
  current: SubscriptionSettings,
): SubscriptionSettings {
  const prefix = attributeErrorPrefix(caller);
  const fail = (detail: string) => new AwsServiceError('InvalidParameter', `${prefix}${detail}`, 400);
  let { filterPolicy, parsedPolicy, rawMessageDelivery } = current;
  // The scope first: a policy is validated against the scope it will be evaluated in.
  const scope = attributes.get('FilterPolicyScope');
  if (scope !== undefined && scope !== 'MessageAttributes') {
    if (scope === 'MessageBody') {
      throw fail('FilterPolicyScope: MessageBody is not supported by the emulator; use MessageAttributes');
    }
    throw fail(
      `FilterPolicyScope: Invalid value [${scope}]. Please use either MessageBody or MessageAttributes`,
    );
  }
  for (const [name, value] of attributes) {
    switch (name) {
      case 'FilterPolicyScope':
        break;
      case 'FilterPolicy':
        parsedPolicy = parseFilterPolicy(value, caller);
        filterPolicy = parsedPolicy === undefined ? undefined : value;
        break;
      case 'RawMessageDelivery': {
        const lower = value.toLowerCase();
        if (lower !== 'true' && lower !== 'false') {
          throw fail(`RawMessageDelivery: Invalid value [${value}]. Must be true or false.`);
        }
        if (lower === 'true' && protocol !== 'sqs') {
          throw fail(`Delivery protocol [${protocol}] does not support raw message delivery.`);
        }
        rawMessageDelivery = lower === 'true';
        break;
      }
      default:
        if (UNMODELLED_ATTRIBUTES.has(name)) {
          throw fail(
            `${name} is not supported by the emulator (it supports FilterPolicy, FilterPolicyScope and RawMessageDelivery)`,
          );
        }
        throw fail('AttributeName');
    }
  }
  return { filterPolicy, parsedPolicy, rawMessageDelivery };
}

/** A query-protocol map: `<prefix>.entry.N.key` / `<prefix>.entry.N.value`. */
function mapEntries(params: URLSearchParams, prefix: string): Map<string, string> {
  const out = new Map<string, string>();
  for (let n = 1; params.has(`${prefix}.entry.${n}.key`); n++) {
    out.set(params.get(`${prefix}.entry.${n}.key`) ?? '', params.get(`${prefix}.entry.${n}.value`) ?? '');
  }
  return out;
}

/** With MessageStructure json, each protocol gets its own entry, else the default one. */
function messageFor(published: PublishedMessage, protocol: SnsProtocol): string {
  if (published.messageStructure !== 'json') return published.message;
  const entries = JSON.parse(published.message) as Record<string, unknown>;
  const own = entries[protocol];
  return typeof own === 'string' ? own : String(entries['default']);
}

/**
 * The notification JSON an sqs (not raw) or email-json endpoint receives. The emulator signs
 * nothing, so AWS's SignatureVersion, Signature, SigningCertURL and UnsubscribeURL are left out.
 */
function envelope(
  published: PublishedMessage,
  message: string,
  attributes: PublishedMessage['attributes'],
): string {
  return JSON.stringify({
    Type: 'Notification',
    MessageId: published.messageId,
    TopicArn: published.topicArn,
    ...(published.subject === undefined ? {} : { Subject: published.subject }),
    Message: message,
    Timestamp: published.at,
    ...(attributes === undefined
      ? {}
      : {
          MessageAttributes: Object.fromEntries(
            Object.entries(attributes).map(([name, a]) => [name, { Type: a.dataType, Value: a.value }]),
          ),
        }),
  });
}

/** Raw delivery hands SNS message attributes on as SQS message attributes. */
function sqsMessageAttributes(
  attributes: PublishedMessage['attributes'],
): Record<string, { DataType: string; StringValue?: string; BinaryValue?: string }> {
  return Object.fromEntries(
    Object.entries(attributes ?? {}).map(([name, a]) => [
      name,
      a.dataType.startsWith('Binary')
        ? { DataType: a.dataType, BinaryValue: a.value }
        : { DataType: a.dataType, StringValue: a.value },
    ]),
  );
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

/**
 * Publish's message attributes, validated: at most 10, a DataType of String, Number or Binary
 * (optionally with a custom `.suffix`), a non-empty value in the field the type names.
 * @throws AwsServiceError ParameterValueInvalid (the SDK's InvalidParameterValueException).
 */
function messageAttributes(params: URLSearchParams): PublishedMessage['attributes'] {
  const attributes: Record<string, { dataType: string; value: string }> = {};
  const fail = (message: string) => new AwsServiceError('ParameterValueInvalid', message, 400);
  let count = 0;
  while (params.has(`MessageAttributes.entry.${count + 1}.Name`)) count++;
  if (count > SNS_MAX_MESSAGE_ATTRIBUTES) {
    throw fail(
      `Number of message attributes [${count}] exceeds the allowed maximum [${SNS_MAX_MESSAGE_ATTRIBUTES}].`,
    );
  }
  for (let n = 1; n <= count; n++) {
    const prefix = `MessageAttributes.entry.${n}`;
    const name = params.get(`${prefix}.Name`) ?? '';
    const dataType = params.get(`${prefix}.Value.DataType`) ?? '';
    if (!ATTRIBUTE_TYPE.test(dataType)) {
      throw fail(
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    }
    const field = dataType.startsWith('Binary') ? 'Binary' : 'String';
    const other = field === 'Binary' ? 'String' : 'Binary';
    const value = params.get(`${prefix}.Value.${field}Value`);
    if (value === null && params.has(`${prefix}.Value.${other}Value`)) {
      throw fail(`The message attribute '${name}' with type '${dataType}' must use field '${field}'.`);
    }
    if (value === null || value === '') {
      throw fail(
        `The message attribute '${name}' must contain non-empty message attribute value for message attribute type '${dataType}'.`,
      );
    }
    if (dataType.startsWith('Number') && !Number.isFinite(Number(value))) {
      throw fail(`Could not cast message attribute '${name}' value to number.`);
    }
    attributes[name] = { dataType, value };
  }
  return count === 0 ? undefined : attributes;
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
