/**
 * One standard SQS queue's message lifecycle (delay, visibility, receive counts), free of any
 * wire protocol so the rules can be read and tested in one place. Times are epoch milliseconds
 * from an injected clock.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { md5Hex } from './protocol';

export interface MessageAttributeValue {
  readonly DataType: string;
  readonly StringValue?: string;
  /** base64 on the JSON wire. */
  readonly BinaryValue?: string;
}

export interface StoredMessage {
  readonly messageId: string;
  readonly body: string;
  readonly md5OfBody: string;
  readonly senderId: string;
  readonly sentAt: number;
  readonly attributes: Readonly<Record<string, MessageAttributeValue>>;
  visibleAt: number;
  receiveCount: number;
  firstReceivedAt: number | undefined;
  /** The handle from the latest receive; an older one still deletes, as on AWS. */
  receiptHandle: string | undefined;
}

export interface QueueSettings {
  visibilityTimeoutSeconds: number;
  delaySeconds: number;
  receiveWaitSeconds: number;
  maximumMessageSize: number;
}

export const DEFAULT_QUEUE_ATTRIBUTES: Readonly<Record<string, string>> = {
  VisibilityTimeout: '30',
  DelaySeconds: '0',
  ReceiveMessageWaitTimeSeconds: '0',
  MaximumMessageSize: '262144',
  MessageRetentionPeriod: '345600',
};

export class SqsQueue {
  private messages: StoredMessage[] = [];
  private readonly listeners = new Set<() => void>();
  /** Attributes as set by CreateQueue, strings as on the wire. */
  readonly attributes: Record<string, string>;
  lastModifiedAt: number;

  constructor(
    readonly accountId: string,
    readonly name: string,
    readonly region: string,
    readonly createdAt: number,
    attributes: Readonly<Record<string, string>>,
  ) {
    this.attributes = { ...DEFAULT_QUEUE_ATTRIBUTES, ...attributes };
    this.lastModifiedAt = createdAt;
  }

  get arn(): string {
    return `arn:aws:sqs:${this.region}:${this.accountId}:${this.name}`;
  }

  get settings(): QueueSettings {
    return {
      visibilityTimeoutSeconds: Number(this.attributes['VisibilityTimeout']),
      delaySeconds: Number(this.attributes['DelaySeconds']),
      receiveWaitSeconds: Number(this.attributes['ReceiveMessageWaitTimeSeconds']),
      maximumMessageSize: Number(this.attributes['MaximumMessageSize']),
    };
  }

  send(
    body: string,
    senderId: string,
    now: number,
    delaySeconds: number | undefined,
    attributes: Readonly<Record<string, MessageAttributeValue>>,
  ): StoredMessage {
    const message: StoredMessage = {
      messageId: randomUUID(),
      body,
      md5OfBody: md5Hex(body),
      senderId,
      sentAt: now,
      attributes,
      visibleAt: now + (delaySeconds ?? this.settings.delaySeconds) * 1000,
      receiveCount: 0,
      firstReceivedAt: undefined,
      receiptHandle: undefined,
    };
    this.messages.push(message);
    for (const listener of [...this.listeners]) listener();
    return message;
  }

  /** Takes up to `max` visible messages, oldest first, and hides them for `visibilitySeconds`. */
  receive(max: number, visibilitySeconds: number, now: number): StoredMessage[] {
    const taken: StoredMessage[] = [];
    for (const message of this.messages) {
      if (taken.length >= max) break;
      if (message.visibleAt > now) continue;
      message.visibleAt = now + visibilitySeconds * 1000;
      message.receiveCount += 1;
      message.firstReceivedAt ??= now;
      message.receiptHandle = `${message.messageId}#${randomBytes(24).toString('base64url')}`;
      taken.push(message);
    }
    return taken;
  }

  /** Whether the handle names a message of this queue that still exists. */
  delete(messageId: string): boolean {
    const before = this.messages.length;
    this.messages = this.messages.filter((message) => message.messageId !== messageId);
    return this.messages.length < before;
  }

  find(messageId: string): StoredMessage | undefined {
    return this.messages.find((message) => message.messageId === messageId);
  }

  purge(): void {
    this.messages = [];
  }

  all(): readonly StoredMessage[] {
    return this.messages;
  }

  counts(now: number): { visible: number; notVisible: number; delayed: number } {
    let visible = 0;
    let notVisible = 0;
    let delayed = 0;
    for (const message of this.messages) {
      if (message.visibleAt <= now) visible += 1;
      else if (message.receiveCount === 0) delayed += 1;
      else notVisible += 1;
    }
    return { visible, notVisible, delayed };
  }

  /** Resolves on the next send, or after `ms` (real time), whichever is first: long polling. */
  waitForSend(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.listeners.add(done);
    });
  }
}

/**
 * MD5 of message attributes as SQS computes it: names sorted, each field length-prefixed
 * (4-byte big-endian) with a transport byte (1 string/number, 2 binary) before the value.
 */
export function md5OfMessageAttributes(attributes: Readonly<Record<string, MessageAttributeValue>>): string {
  const parts: Buffer[] = [];
  const lengthPrefixed = (bytes: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  };
  for (const name of Object.keys(attributes).sort()) {
    const value = attributes[name]!;
    lengthPrefixed(Buffer.from(name, 'utf8'));
    lengthPrefixed(Buffer.from(value.DataType, 'utf8'));
    if (value.BinaryValue !== undefined) {
      parts.push(Buffer.from([2]));
      lengthPrefixed(Buffer.from(value.BinaryValue, 'base64'));
    } else {
      parts.push(Buffer.from([1]));
      lengthPrefixed(Buffer.from(value.StringValue ?? '', 'utf8'));
    }
  }
  return md5Hex(Buffer.concat(parts));
}
