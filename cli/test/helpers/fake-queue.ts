/**
 * An in-memory SQS queue behind aws-sdk-client-mock: receive hides messages for their visibility
 * timeout, delete needs the receipt handle, so replay tests see what really stays in the queue.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  type ServiceInputTypes,
  type ServiceOutputTypes,
  type SQSClientResolvedConfig,
} from '@aws-sdk/client-sqs';
import type { AwsStub } from 'aws-sdk-client-mock';

interface Stored {
  readonly id: string;
  readonly body: string;
  readonly sentAt: number;
  hiddenUntil: number;
  handle: string | null;
}

export class FakeQueue {
  readonly messages: Stored[] = [];
  /** Every call in order, to check that deletes come after StartExecution. */
  private receives = 0;
  now = Date.parse('2025-03-04T05:06:07Z');

  constructor(readonly url: string) {}

  add(body: unknown, sentAt = this.now - 3_600_000): string {
    const id = `m-${this.messages.length + 1}`;
    this.messages.push({
      id,
      body: typeof body === 'string' ? body : JSON.stringify(body),
      sentAt,
      hiddenUntil: 0,
      handle: null,
    });
    return id;
  }

  visibleIds(): string[] {
    return this.messages.filter((m) => m.hiddenUntil <= this.now).map((m) => m.id);
  }

  ids(): string[] {
    return this.messages.map((m) => m.id);
  }

  /** Routes this queue's calls on the mock; other URLs are left to other fakes. */
  attach(mock: AwsStub<ServiceInputTypes, ServiceOutputTypes, SQSClientResolvedConfig>): void {
    mock.on(ReceiveMessageCommand, { QueueUrl: this.url }).callsFake(async (input) => {
      const max = input.MaxNumberOfMessages ?? 1;
      const out = this.messages.filter((m) => m.hiddenUntil <= this.now).slice(0, max);
      for (const m of out) {
        m.handle = `rh-${m.id}-${++this.receives}`;
        m.hiddenUntil = this.now + (input.VisibilityTimeout ?? 30) * 1000;
      }
      return {
        Messages: out.map((m) => ({
          MessageId: m.id,
          ReceiptHandle: m.handle ?? '',
          Body: m.body,
          Attributes: { SentTimestamp: String(m.sentAt) },
        })),
      };
    });
    mock.on(DeleteMessageBatchCommand, { QueueUrl: this.url }).callsFake(async (input) => {
      const successful = [];
      const failed = [];
      for (const entry of input.Entries ?? []) {
        const index = this.messages.findIndex((m) => m.handle === entry.ReceiptHandle);
        if (index < 0) failed.push({ Id: entry.Id, Code: 'ReceiptHandleIsInvalid', SenderFault: true });
        else {
          this.messages.splice(index, 1);
          successful.push({ Id: entry.Id });
        }
      }
      return { Successful: successful, Failed: failed };
    });
    mock.on(ChangeMessageVisibilityBatchCommand, { QueueUrl: this.url }).callsFake(async (input) => {
      for (const entry of input.Entries ?? []) {
        const m = this.messages.find((x) => x.handle === entry.ReceiptHandle);
        if (m !== undefined) m.hiddenUntil = this.now + (entry.VisibilityTimeout ?? 0) * 1000;
      }
      return { Successful: (input.Entries ?? []).map((e: { Id?: string }) => ({ Id: e.Id })), Failed: [] };
    });
    mock.on(GetQueueAttributesCommand, { QueueUrl: this.url }).callsFake(async () => ({
      Attributes: {
        ApproximateNumberOfMessages: String(this.visibleIds().length),
        ApproximateNumberOfMessagesNotVisible: String(this.messages.length - this.visibleIds().length),
      },
    }));
    mock.on(PurgeQueueCommand, { QueueUrl: this.url }).callsFake(async () => {
      this.messages.splice(0);
      return {};
    });
  }
}

export function accountFailure(accountId: string, executionName = 'daily-20250303', thresholds = {}) {
  return {
    kind: 'account-failure',
    executionArn: `arn:aws:states:eu-west-1:111111111111:execution:AuditOrganization:${executionName}`,
    executionName,
    accountId,
    error: 'AuditRoleMissingError',
    cause: 'AssumeRole denied',
    rerunInput: { accountIds: [accountId], thresholds, reason: null },
  };
}
