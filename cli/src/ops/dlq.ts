/**
 * `keyaudit dlq`: what is in the dead-letter queues, and turning account failures into one rerun.
 *
 * Replay is at-least-once by construction: messages are deleted only after StartExecution
 * succeeded, so an interruption at any point leaves every unhandled message in its queue (a
 * message both rerun and left behind is only rerun twice, which is harmless).
 */

import type { SFNClient } from '@aws-sdk/client-sfn';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { DLQ_MESSAGE_KINDS, DlqMessageSchema } from '@org-key-audit/functions/core';
import { awsErrorName, errorMessage, OperationError } from './errors';
import { type RerunInput, type StartedExecution, startExecution } from './rerun';

/** A DLQ message (docs/contracts.md, "DLQ message bodies"), as far as the CLI needs it. */
export interface DlqEntry {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly sentAt: Date | null;
  readonly kind: string;
  readonly accountId: string | null;
  readonly error: string | null;
  readonly executionName: string | null;
  /** Accounts to rerun: `rerunInput.accountIds` of an account failure. */
  readonly rerunAccountIds: readonly string[];
  readonly thresholds: Readonly<Record<string, unknown>> | null;
  /** Why a body of one of our kinds does not match its contract; such a message is never replayed. */
  readonly problem: string | null;
}

function str(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function executionNameOf(executionArn: string | null): string | null {
  return executionArn === null ? null : (executionArn.split(':').pop() ?? null);
}

function parseBody(body: string | undefined): unknown {
  try {
    return JSON.parse(body ?? '');
  } catch {
    return undefined;
  }
}

/**
 * Reads one message. A body that matches the contract is read from the schema; anything else
 * is listed as far as it can be read but never replayed, since a rerun built from a misread
 * body would audit the wrong accounts. An unreadable body becomes kind `unreadable`.
 */
export function parseDlqMessage(message: Message): DlqEntry {
  const sent = Number(message.Attributes?.SentTimestamp);
  const received = {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    sentAt: Number.isFinite(sent) && sent > 0 ? new Date(sent) : null,
  };
  const body = parseBody(message.Body);
  const parsed = DlqMessageSchema.safeParse(body);
  if (parsed.success) {
    const m = parsed.data;
    const failure = m.kind === 'account-failure' ? m : null;
    // Remediation messages name the RemediateKeys execution, whose name is the request id.
    const named = 'executionName' in m ? m.executionName : executionNameOf(m.executionArn);
    return {
      ...received,
      kind: m.kind,
      accountId: failure?.accountId ?? (m.kind === 'remediation-key-failure' ? m.accountId : null),
      error: str(m.error),
      executionName: named,
      rerunAccountIds:
        failure === null
          ? []
          : failure.rerunInput.accountIds.length > 0
            ? failure.rerunInput.accountIds
            : [failure.accountId],
      thresholds: failure?.rerunInput.thresholds ?? null,
      problem: null,
    };
  }
  const fields: Record<string, unknown> =
    typeof body === 'object' && body !== null && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : {};
  const kind =
    str(fields['kind']) ?? (message.Body?.includes('"version"') ? 'scheduler-event' : 'unreadable');
  const issue = parsed.error.issues[0];
  return {
    ...received,
    kind,
    accountId: str(fields['accountId']),
    error: str(fields['error']),
    executionName: str(fields['executionName']) ?? executionNameOf(str(fields['executionArn'])),
    rerunAccountIds: [],
    thresholds: null,
    problem:
      (DLQ_MESSAGE_KINDS as readonly string[]).includes(kind) && issue !== undefined
        ? `not a valid ${kind} body: ${issue.path.map(String).join('.') || '(body)'}: ${issue.message}`
        : null,
  };
}

export interface QueueCounts {
  readonly visible: number;
  readonly inFlight: number;
}

export async function queueCounts(sqs: SQSClient, queueUrl: string): Promise<QueueCounts> {
  const result = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(result.Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(result.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

/**
 * Looks at up to `limit` messages without taking them: visibility timeout 0 keeps them visible,
 * so stopping here changes nothing; repeats are recognised by message id.
 */
export async function peekMessages(sqs: SQSClient, queueUrl: string, limit = 100): Promise<DlqEntry[]> {
  const seen = new Map<string, DlqEntry>();
  // Each empty or all-repeat receive ends the peek; the attempt bound keeps a busy queue finite.
  for (let attempt = 0; attempt < Math.ceil(limit / 10) + 2 && seen.size < limit; attempt++) {
    const result = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
    );
    const fresh = (result.Messages ?? []).filter((m) => m.MessageId !== undefined && !seen.has(m.MessageId));
    if (fresh.length === 0) break;
    for (const message of fresh) seen.set(message.MessageId ?? '', parseDlqMessage(message));
  }
  return [...seen.values()].slice(0, limit);
}

export interface ReplayOptions {
  readonly sqs: SQSClient;
  readonly sfn: SFNClient;
  readonly queueUrl: string;
  readonly stateMachineArn: string;
  readonly dryRun: boolean;
  readonly reason?: string | undefined;
  /** Names the execution from its input (rerun.ts `rerunExecutionName`). */
  readonly nameFor: (input: RerunInput) => string;
  /** Most messages to collect in one replay. @default 10000 */
  readonly maxMessages?: number;
  /**
   * How long collected messages stay hidden from other readers while the replay runs.
   * @default 900
   */
  readonly visibilityTimeoutSeconds?: number;
  readonly onProgress?: (text: string) => void;
}

export interface ReplayResult {
  readonly execution: StartedExecution | null;
  readonly accountIds: readonly string[];
  readonly replayed: number;
  readonly deleted: number;
  /** Messages replayed but still in the queue (their delete failed): harmless duplicates. */
  readonly notDeleted: readonly string[];
  /** Messages that are not account failures, left in the queue untouched. */
  readonly skipped: number;
}

export async function replayAccountFailures(options: ReplayOptions): Promise<ReplayResult> {
  const { sqs, queueUrl } = options;
  const maxMessages = options.maxMessages ?? 10_000;
  const collected = new Map<string, DlqEntry>();
  const others: DlqEntry[] = [];
  while (collected.size + others.length < maxMessages) {
    const result = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(10, maxMessages - collected.size - others.length),
        VisibilityTimeout: options.visibilityTimeoutSeconds ?? 900,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
    );
    const messages = result.Messages ?? [];
    if (messages.length === 0) break;
    for (const message of messages) {
      const entry = parseDlqMessage(message);
      if (entry.rerunAccountIds.length > 0) collected.set(entry.messageId, entry);
      else others.push(entry);
    }
    options.onProgress?.(`collected ${collected.size} account failure(s)`);
  }
  // Messages we cannot replay go back at once, not after the visibility timeout.
  await releaseMessages(sqs, queueUrl, others);
  const entries = [...collected.values()];
  const accountIds = [...new Set(entries.flatMap((e) => e.rerunAccountIds))];
  if (entries.length === 0) {
    return { execution: null, accountIds, replayed: 0, deleted: 0, notDeleted: [], skipped: others.length };
  }

  const input = replayInput(entries, accountIds, options);
  let execution: StartedExecution;
  try {
    execution = await startExecution(options.sfn, options.stateMachineArn, options.nameFor(input), input);
  } catch (error) {
    await releaseMessages(sqs, queueUrl, entries);
    throw new OperationError(
      `${error instanceof OperationError ? error.message : errorMessage(error)} No DLQ message was deleted: all ${entries.length} are still in the queue.`,
      {
        fix:
          error instanceof OperationError ? error.fix : 'Fix the cause and run `keyaudit dlq replay` again.',
        cause: error,
      },
    );
  }

  const notDeleted: string[] = [];
  let deleted = 0;
  for (let i = 0; i < entries.length; i += 10) {
    const batch = entries.slice(i, i + 10);
    try {
      const result = await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((e, j) => ({ Id: String(j), ReceiptHandle: e.receiptHandle })),
        }),
      );
      const failed = new Set((result.Failed ?? []).map((f) => f.Id));
      batch.forEach((e, j) => {
        if (failed.has(String(j))) notDeleted.push(e.messageId);
        else deleted++;
      });
    } catch {
      // The rerun already covers these; left in the queue they only cause a second rerun later.
      notDeleted.push(...batch.map((e) => e.messageId));
    }
  }
  return { execution, accountIds, replayed: entries.length, deleted, notDeleted, skipped: others.length };
}

function replayInput(entries: readonly DlqEntry[], accountIds: string[], options: ReplayOptions): RerunInput {
  // Thresholds travel only when every message agrees; mixed overrides fall back to the defaults.
  const distinct = new Set(entries.map((e) => JSON.stringify(e.thresholds ?? {})));
  const only = distinct.size === 1 ? entries[0]?.thresholds : null;
  return {
    accountIds,
    dryRun: options.dryRun,
    ...(only === null || only === undefined || Object.keys(only).length === 0
      ? {}
      : { thresholds: { ...only } }),
    reason: options.reason ?? `replay of ${entries.length} account-failure DLQ message(s)`,
  };
}

/** Best effort: a message we fail to release simply reappears when its visibility timeout ends. */
async function releaseMessages(
  sqs: SQSClient,
  queueUrl: string,
  entries: readonly DlqEntry[],
): Promise<void> {
  for (let i = 0; i < entries.length; i += 10) {
    const batch = entries.slice(i, i + 10);
    try {
      await sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((e, j) => ({
            Id: String(j),
            ReceiptHandle: e.receiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    } catch {
      // Nothing lost: the messages come back on their own.
    }
  }
}

export async function purgeQueue(sqs: SQSClient, queueUrl: string, label: string): Promise<void> {
  try {
    await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));
  } catch (error) {
    const name = awsErrorName(error);
    if (name === 'PurgeQueueInProgress' || name === 'AWS.SimpleQueueService.PurgeQueueInProgress') {
      throw new OperationError(`The ${label} queue was purged less than 60 seconds ago.`, {
        fix: 'SQS allows one purge a minute; wait a minute and retry.',
        cause: error,
      });
    }
    throw new OperationError(`Could not purge the ${label} queue: ${errorMessage(error)}.`, {
      fix: 'Check that your credentials allow sqs:PurgeQueue on it.',
      cause: error,
    });
  }
}
