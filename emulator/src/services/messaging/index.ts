/**
 * The emulator's SNS, SQS and S3: the product's digest topic, DLQs and report bucket, plus an
 * admin view for tests and the demo. The HTTP server routes requests here by the SigV4
 * credential scope's service name.
 */
import type { EmulatorResponse, ServiceHandler } from '../../http/types';
import {
  applyFaultsBody,
  InvalidFaultsError,
  type MessagingFaultListener,
  type MessagingFaults,
  noFaults,
} from './faults';
import { jsonResponse } from './protocol';
import { S3State } from './s3';
import { type DeliveredMessage, type PublishedMessage, SnsState, type SubscriptionView } from './sns';
import { SqsState } from './sqs';
import type { SqsQueue } from './sqs-queue';

export type { CountedFault, MessagingFaultListener, MessagingFaults, S3WriteFault } from './faults';
export type { DeliveredMessage, PublishedMessage, SnsProtocol, SubscriptionView } from './sns';

export interface MessagingOptions {
  readonly region: string;
  /** The server's URL, known only once it listens; queue URLs are built from it. */
  readonly baseUrl: () => string;
  readonly auditAccountId: string;
  /**
   * Epoch milliseconds for message timestamps and visibility timeouts.
   * @default Date.now
   */
  readonly now?: () => number;
  /** Told of every injected SNS or S3 failure, so the emulator can count them. */
  readonly onFault?: MessagingFaultListener;
}

export interface QueueMessageView {
  readonly messageId: string;
  readonly body: string;
  /** Present while the message is (or was last) received. */
  readonly receiptHandle?: string;
  readonly receiveCount: number;
  readonly sentTimestamp: number;
  readonly visible: boolean;
}

export interface MessagingServices {
  readonly handlers: {
    readonly sns: ServiceHandler;
    readonly sqs: ServiceHandler;
    readonly s3: ServiceHandler;
  };
  readonly resources: {
    readonly digestTopicArn: string;
    readonly alarmTopicArn: string;
    readonly reportBucket: string;
    /** Queue URLs. */
    readonly queues: {
      readonly accountFailures: string;
      readonly digestFailures: string;
      readonly executionFailures: string;
      readonly scheduler: string;
      /** RemediationFailuresDlq (docs/remediation.md): there from the start, used only with remediation. */
      readonly remediationFailures: string;
    };
  };
  /** Handles `/_emulator/{sns,sqs,s3,messaging}/...`; undefined means the path is not ours. */
  admin(path: string, method: string, body: unknown): EmulatorResponse | undefined;
  /** Mutable: set a field to inject failures, or POST /_emulator/messaging/faults. */
  readonly faults: MessagingFaults;
  published(): readonly PublishedMessage[];
  /**
   * What one SNS subscription received, oldest first (each Publish whose attributes its filter
   * policy matched); [] for an unknown or unsubscribed ARN.
   */
  deliveries(subscriptionArn: string): readonly DeliveredMessage[];
  /** SNS subscriptions, all or one topic's, in the order they were made. */
  subscriptions(topicArn?: string): readonly SubscriptionView[];
  /** Every message still in the queue (visible or in flight), oldest first; [] for an unknown queue. */
  queueMessages(queueUrlOrName: string): readonly QueueMessageView[];
  /** A snapshot of a bucket's objects; empty for an unknown bucket. */
  objects(bucket: string): ReadonlyMap<string, Buffer>;
}

export const QUEUE_NAMES = {
  accountFailures: 'org-key-audit-account-failures',
  digestFailures: 'org-key-audit-digest-failures',
  executionFailures: 'org-key-audit-execution-failures',
  scheduler: 'org-key-audit-scheduler-dlq',
  remediationFailures: 'org-key-audit-remediation-failures',
} as const;

export const TOPIC_NAMES = { digest: 'org-key-audit-digest', alarms: 'org-key-audit-alarms' } as const;

export function reportBucketName(auditAccountId: string): string {
  return `org-key-audit-reports-${auditAccountId}`;
}

export function createMessagingServices(options: MessagingOptions): MessagingServices {
  const now = options.now ?? Date.now;
  const faults = noFaults();
  const sqs = new SqsState(options.baseUrl, now);
  // An sqs subscription delivers into the emulator's own queue, if one has the endpoint's ARN.
  const sendToQueue = (
    queueArn: string,
    body: string,
    attributes: Parameters<SqsQueue['send']>[4],
    senderAccountId: string,
  ): boolean => {
    const match = /^arn:aws[a-z-]*:sqs:([a-z0-9-]+):(\d{12}):(.+)$/.exec(queueArn);
    const queue = match === null ? undefined : sqs.findQueue(`${match[2]}/${match[3]}`);
    if (queue === undefined || queue.region !== match?.[1]) return false;
    queue.send(body, senderAccountId, now(), undefined, attributes);
    return true;
  };
  const sns = new SnsState(faults, now, options.onFault, sendToQueue);
  const s3 = new S3State(faults, now, options.onFault);
  const { region, auditAccountId } = options;

  const digestTopicArn = sns.createTopic(region, auditAccountId, TOPIC_NAMES.digest);
  const alarmTopicArn = sns.createTopic(region, auditAccountId, TOPIC_NAMES.alarms);
  const reportBucket = reportBucketName(auditAccountId);
  s3.createBucket(reportBucket, auditAccountId, region);
  for (const name of Object.values(QUEUE_NAMES)) sqs.createQueue(region, auditAccountId, name);
  // Getters, not strings: the URL embeds the port, which is known only after listen().
  const queueUrl = (name: string) => sqs.urlOf(sqs.findQueue(`${auditAccountId}/${name}`)!);

  const queueMessages = (queueUrlOrName: string): readonly QueueMessageView[] => {
    const queue = sqs.findQueue(queueUrlOrName, auditAccountId);
    if (!queue) return [];
    const at = now();
    return queue.all().map((message) => ({
      messageId: message.messageId,
      body: message.body,
      ...(message.receiptHandle === undefined ? {} : { receiptHandle: message.receiptHandle }),
      receiveCount: message.receiveCount,
      sentTimestamp: message.sentAt,
      visible: message.visibleAt <= at,
    }));
  };

  const objects = (bucketName: string): ReadonlyMap<string, Buffer> => {
    const bucket = s3.bucket(bucketName);
    return new Map([...(bucket?.objects ?? new Map()).entries()].map(([key, object]) => [key, object.body]));
  };

  const admin = (path: string, method: string, body: unknown): EmulatorResponse | undefined => {
    const url = new URL(path, 'http://emulator.invalid');
    const verb = method.toUpperCase();
    switch (`${verb} ${url.pathname}`) {
      case 'GET /_emulator/sns/messages': {
        const topic = url.searchParams.get('topicArn');
        return jsonResponse(200, {
          messages: sns.published().filter((m) => topic === null || m.topicArn === topic),
        });
      }
      case 'GET /_emulator/sns/subscriptions':
        return jsonResponse(200, {
          subscriptions: sns.subscriptionsOf(url.searchParams.get('topicArn') ?? undefined),
        });
      case 'GET /_emulator/sns/deliveries': {
        const arn = url.searchParams.get('subscriptionArn');
        if (!arn)
          return adminError(400, 'Query parameter subscriptionArn is required: ?subscriptionArn=<ARN>.');
        return jsonResponse(200, { subscriptionArn: arn, deliveries: sns.deliveries(arn) });
      }
      case 'GET /_emulator/sqs/messages': {
        const name = url.searchParams.get('queue');
        if (!name) return adminError(400, 'Query parameter queue is required: ?queue=<queue name or URL>.');
        if (!sqs.findQueue(name, auditAccountId)) return adminError(404, `No queue named ${name}.`);
        return jsonResponse(200, { queue: name, messages: queueMessages(name) });
      }
      case 'GET /_emulator/s3/objects':
        return listObjectsAdmin(s3, url.searchParams);
      case 'GET /_emulator/messaging/faults':
        return jsonResponse(200, faults);
      case 'POST /_emulator/messaging/faults':
        try {
          applyFaultsBody(faults, parseJsonBody(body));
        } catch (error) {
          if (error instanceof InvalidFaultsError) return adminError(400, error.message);
          throw error;
        }
        return jsonResponse(200, faults);
      default:
        return undefined;
    }
  };

  return {
    handlers: { sns: sns.handler, sqs: sqs.handler, s3: s3.handler },
    resources: {
      digestTopicArn,
      alarmTopicArn,
      reportBucket,
      queues: {
        get accountFailures() {
          return queueUrl(QUEUE_NAMES.accountFailures);
        },
        get digestFailures() {
          return queueUrl(QUEUE_NAMES.digestFailures);
        },
        get executionFailures() {
          return queueUrl(QUEUE_NAMES.executionFailures);
        },
        get scheduler() {
          return queueUrl(QUEUE_NAMES.scheduler);
        },
        get remediationFailures() {
          return queueUrl(QUEUE_NAMES.remediationFailures);
        },
      },
    },
    admin,
    faults,
    published: () => sns.published(),
    deliveries: (subscriptionArn) => sns.deliveries(subscriptionArn),
    subscriptions: (topicArn) => sns.subscriptionsOf(topicArn),
    queueMessages,
    objects,
  };
}

function listObjectsAdmin(s3: S3State, params: URLSearchParams): EmulatorResponse {
  const bucketName = params.get('bucket');
  if (!bucketName)
    return adminError(400, 'Query parameter bucket is required: ?bucket=<name>&prefix=<optional>.');
  const bucket = s3.bucket(bucketName);
  if (!bucket) return adminError(404, `No bucket named ${bucketName}.`);
  const prefix = params.get('prefix') ?? '';
  const objects = [...bucket.objects.entries()]
    .filter(([key]) => key.startsWith(prefix))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, object]) => ({
      key,
      size: object.body.length,
      etag: object.etag,
      contentType: object.contentType,
      lastModified: object.lastModified.toISOString(),
      // Reports are text (JSON, CSV, digest); tests read them straight from here.
      body: object.body.toString('utf8'),
    }));
  return jsonResponse(200, { bucket: bucketName, prefix, objects });
}

/** The server may hand us the raw body or already-parsed JSON. */
function parseJsonBody(body: unknown): unknown {
  if (Buffer.isBuffer(body)) body = body.toString('utf8');
  if (typeof body !== 'string') return body;
  if (body.trim() === '') return {};
  try {
    return JSON.parse(body);
  } catch {
    throw new InvalidFaultsError('The faults body is not valid JSON.');
  }
}

function adminError(status: number, message: string): EmulatorResponse {
  return jsonResponse(status, { error: message });
}
