import { createHash } from 'node:crypto';
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/index';
import { auditorCredentials } from './helpers';

const START = Date.parse('2026-03-01T06:00:00.000Z');

let emu: RunningEmulator;
let sqs: SQSClient;
let queueUrl: string;
let AUDIT_ACCOUNT_ID: string;

beforeEach(async () => {
  emu = await startEmulator({ accounts: 2, users: 1, region: 'eu-west-1', now: new Date(START) });
  sqs = new SQSClient({
    region: emu.region,
    endpoint: emu.url,
    credentials: auditorCredentials(emu),
    maxAttempts: 1,
  });
  queueUrl = emu.messaging.resources.queues.accountFailures;
  AUDIT_ACCOUNT_ID = emu.auditAccountId;
});

afterEach(async () => {
  sqs.destroy();
  await emu.stop();
});

type AwsError = { name: string; message: string; Code?: string; $metadata: { httpStatusCode?: number } };

async function failure(promise: Promise<unknown>): Promise<AwsError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught as AwsError,
  );
  if (!error) throw new Error('expected the call to fail');
  return error;
}

const send = (body: string, extra: Record<string, unknown> = {}) =>
  sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body, ...extra }));

describe('SQS pre-created queues', () => {
  it('has the five DLQs at <baseUrl>/<account>/<name>', async () => {
    const names = [
      'org-key-audit-account-failures',
      'org-key-audit-digest-failures',
      'org-key-audit-execution-failures',
      'org-key-audit-remediation-failures',
      'org-key-audit-scheduler-dlq',
    ];
    const { queues } = emu.messaging.resources;
    const listed = await sqs.send(new ListQueuesCommand({}));
    const byName = await sqs.send(new GetQueueUrlCommand({ QueueName: 'org-key-audit-scheduler-dlq' }));

    expect([
      queues.accountFailures,
      queues.digestFailures,
      queues.executionFailures,
      queues.remediationFailures,
      queues.scheduler,
    ]).toEqual(names.map((name) => `${emu.url}/${AUDIT_ACCOUNT_ID}/${name}`));
    expect(listed.QueueUrls?.slice().sort()).toEqual(
      names.map((name) => `${emu.url}/${AUDIT_ACCOUNT_ID}/${name}`),
    );
    expect(byName.QueueUrl).toBe(queues.scheduler);
  });
});

describe('SQS SendMessage', () => {
  it('returns the MD5 of the body (the SDK checks it)', async () => {
    const sent = await send('hello');

    expect(sent.MD5OfMessageBody).toBe('5d41402abc4b2a76b9719d911017c592');
    expect(sent.MessageId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('hashes the UTF-8 bytes of a non-ASCII body', async () => {
    const body = 'ünïcödé ✓ 𝄞';
    const sent = await send(body);

    expect(sent.MD5OfMessageBody).toBe(createHash('md5').update(Buffer.from(body, 'utf8')).digest('hex'));
  });

  it('returns the MD5 of message attributes as SQS defines it', async () => {
    const sent = await send('with attributes', {
      MessageAttributes: { kind: { DataType: 'String', StringValue: 'account-failure' } },
    });
    // name, data type, transport byte 1 (string), value: each length-prefixed, big-endian.
    const field = (text: string) => {
      const bytes = Buffer.from(text, 'utf8');
      return Buffer.concat([Buffer.from([0, 0, 0, bytes.length]), bytes]);
    };
    const expected = createHash('md5')
      .update(Buffer.concat([field('kind'), field('String'), Buffer.from([1]), field('account-failure')]))
      .digest('hex');

    expect(sent.MD5OfMessageAttributes).toBe(expected);
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MessageAttributeNames: ['All'] }),
    );
    expect(received.Messages?.[0]?.MessageAttributes).toEqual({
      kind: { DataType: 'String', StringValue: 'account-failure' },
    });
    expect(received.Messages?.[0]?.MD5OfMessageAttributes).toBe(expected);
  });

  it('refuses a body over the queue maximum (262,144 bytes by default)', async () => {
    await send('x'.repeat(262_144));
    const error = await failure(send('x'.repeat(262_145)));

    expect(error.name).toBe('InvalidParameterValue');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('refuses characters outside the XML character set', async () => {
    const error = await failure(send('nul \u0000 inside'));

    expect(error.name).toBe('InvalidMessageContents');
  });

  it('answers QueueDoesNotExist with the query-compatible code for an unknown queue', async () => {
    const error = await failure(
      sqs.send(
        new SendMessageCommand({ QueueUrl: `${emu.url}/${AUDIT_ACCOUNT_ID}/missing`, MessageBody: 'x' }),
      ),
    );

    expect(error.name).toBe('QueueDoesNotExist');
    expect(error.Code).toBe('AWS.SimpleQueueService.NonExistentQueue');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('holds a delayed message back until DelaySeconds have passed', async () => {
    await send('later', { DelaySeconds: 600 });

    // Half the delay on the emulator clock: real time between calls cannot close the gap.
    emu.clock.advance(300_000);
    const early = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessagesDelayed'],
      }),
    );
    emu.clock.advance(300_000);
    const onTime = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));

    expect(early.Messages).toBeUndefined();
    expect(attributes.Attributes).toEqual({ ApproximateNumberOfMessagesDelayed: '1' });
    expect(onTime.Messages?.map((m) => m.Body)).toEqual(['later']);
  });
});

describe('SQS ReceiveMessage', () => {
  it('returns up to MaxNumberOfMessages, oldest first, with the MD5 of each body', async () => {
    for (const body of ['one', 'two', 'three']) await send(body);

    const first = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 2 }));
    const rest = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }));

    expect(first.Messages?.map((m) => m.Body)).toEqual(['one', 'two']);
    expect(first.Messages?.[0]?.MD5OfBody).toBe('f97c5d29941bfb1b2fdab0874906ab82');
    expect(rest.Messages?.map((m) => m.Body)).toEqual(['three']);
  });

  it('hides a received message for the queue visibility timeout (30 s) and counts receives', async () => {
    const sentAfter = emu.clock.nowMs();
    await send('retry me');
    const receive = () =>
      sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MessageSystemAttributeNames: ['All'] }));

    emu.clock.advance(1_000);
    const first = await receive();
    const hidden = await receive();
    emu.clock.advance(30_000);
    const again = await receive();

    const attributes = first.Messages?.[0]?.Attributes ?? {};
    expect(Object.keys(attributes).sort()).toEqual([
      'ApproximateFirstReceiveTimestamp',
      'ApproximateReceiveCount',
      'SenderId',
      'SentTimestamp',
    ]);
    expect(attributes.SenderId).toBe(AUDIT_ACCOUNT_ID);
    expect(attributes.ApproximateReceiveCount).toBe('1');
    // Sent on the emulator clock, received at least the advanced second later.
    expect(Number(attributes.SentTimestamp)).toBeGreaterThanOrEqual(sentAfter);
    expect(Number(attributes.ApproximateFirstReceiveTimestamp)).toBeGreaterThanOrEqual(
      Number(attributes.SentTimestamp) + 1_000,
    );
    expect(hidden.Messages).toBeUndefined();
    expect(again.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
    expect(again.Messages?.[0]?.Attributes?.ApproximateFirstReceiveTimestamp).toBe(
      attributes.ApproximateFirstReceiveTimestamp,
    );
    expect(again.Messages?.[0]?.ReceiptHandle).not.toBe(first.Messages?.[0]?.ReceiptHandle);
  });

  it('honours a per-request VisibilityTimeout and returns only the attributes asked for', async () => {
    await send('short');

    const first = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        VisibilityTimeout: 600,
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
    );
    emu.clock.advance(300_000);
    const hidden = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    emu.clock.advance(300_000);
    const visible = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));

    expect(Object.keys(first.Messages?.[0]?.Attributes ?? {})).toEqual(['SentTimestamp']);
    expect(hidden.Messages).toBeUndefined();
    expect(visible.Messages?.[0]?.Body).toBe('short');
    expect(visible.Messages?.[0]?.Attributes).toBeUndefined();
  });

  it('accepts the legacy AttributeNames field of ReceiveMessage', async () => {
    await send('legacy');

    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
    );

    expect(received.Messages?.[0]?.Attributes?.SentTimestamp).toMatch(/^\d{13}$/);
    expect(received.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('1');
  });

  it('long polls: a message sent while waiting is returned', async () => {
    const waiting = sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 20 }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await send('arrived');

    const received = await waiting;

    expect(received.Messages?.map((m) => m.Body)).toEqual(['arrived']);
  });

  it('long polls an empty queue for WaitTimeSeconds and returns no messages', async () => {
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 1 }));

    expect(received.Messages).toBeUndefined();
  });

  it.each([
    ['MaxNumberOfMessages', { MaxNumberOfMessages: 11 }],
    ['MaxNumberOfMessages', { MaxNumberOfMessages: 0 }],
    ['VisibilityTimeout', { VisibilityTimeout: 43_201 }],
    ['WaitTimeSeconds', { WaitTimeSeconds: 21 }],
  ])('refuses %s out of range', async (field, extra) => {
    const error = await failure(sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, ...extra })));

    expect(error.name).toBe('InvalidParameterValue');
    expect(error.message).toContain(field);
  });
});

describe('SQS DeleteMessage, DeleteMessageBatch, ChangeMessageVisibility, PurgeQueue', () => {
  it('deletes a received message so it never comes back', async () => {
    await send('done');
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));

    await sqs.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: received.Messages?.[0]?.ReceiptHandle }),
    );
    emu.clock.advance(3_600_000);

    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }))).Messages).toBeUndefined();
    expect(emu.messaging.queueMessages(queueUrl)).toEqual([]);
  });

  it('refuses a receipt handle it never issued', async () => {
    const error = await failure(
      sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: 'bogus' })),
    );

    expect(error.name).toBe('ReceiptHandleIsInvalid');
    expect(error.$metadata.httpStatusCode).toBe(404);
  });

  it('deletes in batches and reports each entry', async () => {
    await send('a');
    await send('b');
    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
    );
    const [a, b] = received.Messages ?? [];

    const result = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: [
          { Id: 'a', ReceiptHandle: a?.ReceiptHandle },
          { Id: 'b', ReceiptHandle: b?.ReceiptHandle },
          { Id: 'bad', ReceiptHandle: 'not-a-handle' },
        ],
      }),
    );

    expect(result.Successful?.map((entry) => entry.Id)).toEqual(['a', 'b']);
    expect(result.Failed).toEqual([
      expect.objectContaining({ Id: 'bad', Code: 'ReceiptHandleIsInvalid', SenderFault: true }),
    ]);
    expect(emu.messaging.queueMessages(queueUrl)).toEqual([]);
  });

  it.each([
    ['EmptyBatchRequest', []],
    [
      'TooManyEntriesInBatchRequest',
      Array.from({ length: 11 }, (_, i) => ({ Id: `e${i}`, ReceiptHandle: 'h' })),
    ],
    [
      'BatchEntryIdsNotDistinct',
      [
        { Id: 'same', ReceiptHandle: 'h' },
        { Id: 'same', ReceiptHandle: 'h' },
      ],
    ],
    ['InvalidBatchEntryId', [{ Id: 'has space', ReceiptHandle: 'h' }]],
  ])('refuses a batch with %s', async (name, entries) => {
    const error = await failure(
      sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries })),
    );

    expect(error.name).toBe(name);
  });

  it('makes a message visible again with ChangeMessageVisibility 0', async () => {
    await send('again');
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));

    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: queueUrl,
        ReceiptHandle: received.Messages?.[0]?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );

    expect((await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }))).Messages?.[0]?.Body).toBe(
      'again',
    );
  });

  it('purges every message, visible or not', async () => {
    await send('x');
    await send('y');
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));

    await sqs.send(new PurgeQueueCommand({ QueueUrl: queueUrl }));

    expect(emu.messaging.queueMessages(queueUrl)).toEqual([]);
  });
});

describe('SQS GetQueueAttributes', () => {
  it('counts visible and in-flight messages', async () => {
    for (const body of ['1', '2', '3']) await send(body);
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));

    const result = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );

    expect(result.Attributes).toEqual({
      ApproximateNumberOfMessages: '2',
      ApproximateNumberOfMessagesNotVisible: '1',
    });
  });

  it('returns every attribute for All, including the ARN and defaults', async () => {
    const result = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }),
    );

    expect(result.Attributes).toMatchObject({
      QueueArn: `arn:aws:sqs:eu-west-1:${AUDIT_ACCOUNT_ID}:org-key-audit-account-failures`,
      VisibilityTimeout: '30',
      ApproximateNumberOfMessages: '0',
    });
    expect(Number(result.Attributes?.CreatedTimestamp)).toBeGreaterThanOrEqual(START / 1000);
    expect(Number(result.Attributes?.CreatedTimestamp)).toBeLessThanOrEqual(emu.clock.nowMs() / 1000);
  });

  it('refuses an unknown attribute name', async () => {
    const error = await failure(
      sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['Nope' as 'All'] })),
    );

    expect(error.name).toBe('InvalidAttributeName');
  });
});

describe('SQS CreateQueue, GetQueueUrl, ListQueues', () => {
  it('creates a queue whose VisibilityTimeout attribute is honoured', async () => {
    const created = await sqs.send(
      new CreateQueueCommand({ QueueName: 'mine', Attributes: { VisibilityTimeout: '600' } }),
    );
    await sqs.send(new SendMessageCommand({ QueueUrl: created.QueueUrl, MessageBody: 'm' }));
    await sqs.send(new ReceiveMessageCommand({ QueueUrl: created.QueueUrl }));

    // The default 30 s has passed, the queue's 600 s has not.
    emu.clock.advance(300_000);
    const hidden = await sqs.send(new ReceiveMessageCommand({ QueueUrl: created.QueueUrl }));
    emu.clock.advance(300_000);
    const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl: created.QueueUrl }));

    expect(created.QueueUrl).toBe(`${emu.url}/${AUDIT_ACCOUNT_ID}/mine`);
    expect(hidden.Messages).toBeUndefined();
    expect(again.Messages?.[0]?.Body).toBe('m');
  });

  it('returns the same URL for the same attributes and QueueNameExists for different ones', async () => {
    const first = await sqs.send(
      new CreateQueueCommand({ QueueName: 'q', Attributes: { DelaySeconds: '5' } }),
    );
    const second = await sqs.send(
      new CreateQueueCommand({ QueueName: 'q', Attributes: { DelaySeconds: '5' } }),
    );
    const error = await failure(
      sqs.send(new CreateQueueCommand({ QueueName: 'q', Attributes: { DelaySeconds: '6' } })),
    );

    expect(second.QueueUrl).toBe(first.QueueUrl);
    expect(error.name).toBe('QueueNameExists');
  });

  it.each([
    ['an invalid name', { QueueName: 'bad name' }, 'InvalidParameterValue'],
    ['a FIFO queue', { QueueName: 'q.fifo' }, 'UnsupportedOperation'],
    [
      'an out-of-range attribute',
      { QueueName: 'q', Attributes: { VisibilityTimeout: '50000' } },
      'InvalidAttributeValue',
    ],
    ['an unknown attribute', { QueueName: 'q', Attributes: { Colour: 'blue' } }, 'InvalidAttributeName'],
  ])('refuses %s', async (_label, input, name) => {
    const error = await failure(
      sqs.send(new CreateQueueCommand(input as ConstructorParameters<typeof CreateQueueCommand>[0])),
    );

    expect(error.name).toBe(name);
  });

  it('answers QueueDoesNotExist from GetQueueUrl for an unknown name', async () => {
    const error = await failure(sqs.send(new GetQueueUrlCommand({ QueueName: 'nope' })));

    expect(error.name).toBe('QueueDoesNotExist');
  });

  it('lists by prefix and pages with MaxResults and NextToken', async () => {
    for (const name of ['p-1', 'p-2', 'p-3', 'other'])
      await sqs.send(new CreateQueueCommand({ QueueName: name }));

    const first = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'p-', MaxResults: 2 }));
    const second = await sqs.send(
      new ListQueuesCommand({ QueueNamePrefix: 'p-', MaxResults: 2, NextToken: first.NextToken }),
    );

    expect(first.QueueUrls).toEqual([
      `${emu.url}/${AUDIT_ACCOUNT_ID}/p-1`,
      `${emu.url}/${AUDIT_ACCOUNT_ID}/p-2`,
    ]);
    expect(second.QueueUrls).toEqual([`${emu.url}/${AUDIT_ACCOUNT_ID}/p-3`]);
    expect(second.NextToken).toBeUndefined();
  });
});
