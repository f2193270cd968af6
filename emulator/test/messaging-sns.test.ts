import { CreateTopicCommand, ListTopicsCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/index';
import { auditorCredentials } from './helpers';

const REGION = 'eu-west-1';
const START = new Date('2026-03-01T06:00:00.000Z');

let emu: RunningEmulator;
let sns: SNSClient;
let DIGEST_ARN: string;
let ALARM_ARN: string;

const clientConfig = (maxAttempts = 1) => ({
  region: emu.region,
  endpoint: emu.url,
  credentials: auditorCredentials(emu),
  maxAttempts,
});

beforeEach(async () => {
  emu = await startEmulator({ accounts: 2, users: 1, region: REGION, now: START });
  sns = new SNSClient(clientConfig());
  DIGEST_ARN = `arn:aws:sns:${REGION}:${emu.auditAccountId}:org-key-audit-digest`;
  ALARM_ARN = `arn:aws:sns:${REGION}:${emu.auditAccountId}:org-key-audit-alarms`;
});

afterEach(async () => {
  sns.destroy();
  await emu.stop();
});

async function publishError(input: ConstructorParameters<typeof PublishCommand>[0]) {
  const error = await sns.send(new PublishCommand(input)).then(
    () => undefined,
    (caught: unknown) => caught as { name: string; message: string; $metadata: { httpStatusCode?: number } },
  );
  if (!error) throw new Error('expected Publish to fail');
  return error;
}

describe('SNS pre-created topics', () => {
  it('names the digest and alarm topics in the audit account', async () => {
    const listed = await sns.send(new ListTopicsCommand({}));

    expect(emu.messaging.resources.digestTopicArn).toBe(DIGEST_ARN);
    expect(emu.messaging.resources.alarmTopicArn).toBe(ALARM_ARN);
    expect(listed.Topics?.map((topic) => topic.TopicArn).sort()).toEqual([ALARM_ARN, DIGEST_ARN]);
    expect(listed.NextToken).toBeUndefined();
  });
});

describe('SNS Publish', () => {
  it('records the message, subject, id and the emulator clock time', async () => {
    const before = emu.clock.nowMs();
    const result = await sns.send(
      new PublishCommand({
        TopicArn: DIGEST_ARN,
        Subject: '[org-key-audit] 2 keys',
        Message: 'line 1\nline 2',
      }),
    );

    const after = emu.clock.nowMs();

    expect(result.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(emu.messaging.published()).toEqual([
      {
        topicArn: DIGEST_ARN,
        subject: '[org-key-audit] 2 keys',
        message: 'line 1\nline 2',
        messageId: result.MessageId,
        at: expect.any(String),
      },
    ]);
    const at = Date.parse(emu.messaging.published()[0]?.at ?? '');
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(after);
  });

  it('publishes without a subject and keeps message attributes', async () => {
    await sns.send(
      new PublishCommand({
        TopicArn: ALARM_ARN,
        Message: '{"alarm":true}',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'alarm' } },
      }),
    );

    const [message] = emu.messaging.published();
    expect(message?.subject).toBeUndefined();
    expect(message?.attributes).toEqual({ kind: { dataType: 'String', value: 'alarm' } });
  });

  it('accepts a subject of exactly 100 characters and refuses 101', async () => {
    await sns.send(new PublishCommand({ TopicArn: DIGEST_ARN, Subject: 'a'.repeat(100), Message: 'm' }));
    const error = await publishError({ TopicArn: DIGEST_ARN, Subject: 'a'.repeat(101), Message: 'm' });

    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toBe('Invalid parameter: Subject');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(emu.messaging.published()).toHaveLength(1);
  });

  it.each([
    ['a line break', 'two\nlines'],
    ['a control character', 'bell\u0007'],
    ['a leading space', ' starts with space'],
    ['nothing', ''],
  ])('refuses a subject with %s', async (_label, subject) => {
    const error = await publishError({ TopicArn: DIGEST_ARN, Subject: subject, Message: 'm' });

    expect(error.name).toBe('InvalidParameterException');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('accepts a message of exactly 262,144 bytes and refuses one byte more', async () => {
    await sns.send(new PublishCommand({ TopicArn: DIGEST_ARN, Message: 'x'.repeat(262_144) }));
    const error = await publishError({ TopicArn: DIGEST_ARN, Message: 'x'.repeat(262_145) });

    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toBe('Invalid parameter: Message too long');
    expect(emu.messaging.published()[0]?.message).toHaveLength(262_144);
  });

  it('counts the limit in UTF-8 bytes: 131,073 two-byte characters are too long', async () => {
    const error = await publishError({ TopicArn: DIGEST_ARN, Message: 'é'.repeat(131_073) });

    expect(error.name).toBe('InvalidParameterException');
  });

  it('refuses an empty message', async () => {
    const error = await publishError({ TopicArn: DIGEST_ARN, Message: '' });

    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toBe('Invalid parameter: Empty message');
  });

  it('answers NotFound (404) for a topic that does not exist', async () => {
    const error = await publishError({
      TopicArn: `arn:aws:sns:${REGION}:${emu.auditAccountId}:nope`,
      Message: 'm',
    });

    expect(error.name).toBe('NotFoundException');
    expect(error.$metadata.httpStatusCode).toBe(404);
  });

  it('validates MessageStructure json: a default entry is required', async () => {
    await sns.send(
      new PublishCommand({
        TopicArn: DIGEST_ARN,
        MessageStructure: 'json',
        Message: '{"default":"d","email":"e"}',
      }),
    );
    const error = await publishError({
      TopicArn: DIGEST_ARN,
      MessageStructure: 'json',
      Message: '{"email":"e"}',
    });

    expect(error.name).toBe('InvalidParameterException');
    expect(emu.messaging.published()[0]?.messageStructure).toBe('json');
  });
});

describe('SNS CreateTopic and ListTopics', () => {
  it('creates a topic in the caller account, idempotently', async () => {
    const first = await sns.send(new CreateTopicCommand({ Name: 'my-topic' }));
    const second = await sns.send(new CreateTopicCommand({ Name: 'my-topic' }));
    await sns.send(new PublishCommand({ TopicArn: first.TopicArn, Message: 'hello' }));

    expect(first.TopicArn).toBe(`arn:aws:sns:${REGION}:${emu.auditAccountId}:my-topic`);
    expect(second.TopicArn).toBe(first.TopicArn);
    expect(emu.messaging.published().map((m) => m.topicArn)).toEqual([first.TopicArn]);
  });

  it('refuses an invalid topic name', async () => {
    const error = await sns
      .send(new CreateTopicCommand({ Name: 'has space' }))
      .catch((caught: unknown) => caught);

    expect((error as Error).name).toBe('InvalidParameterException');
  });

  it('pages ListTopics 100 at a time with NextToken', async () => {
    for (let i = 0; i < 150; i++) {
      await sns.send(new CreateTopicCommand({ Name: `t-${String(i).padStart(3, '0')}` }));
    }

    const first = await sns.send(new ListTopicsCommand({}));
    const second = await sns.send(new ListTopicsCommand({ NextToken: first.NextToken }));

    expect(first.Topics).toHaveLength(100);
    expect(first.NextToken).toBeDefined();
    expect(second.Topics).toHaveLength(52);
    expect(second.NextToken).toBeUndefined();
    const all = new Set([...(first.Topics ?? []), ...(second.Topics ?? [])].map((topic) => topic.TopicArn));
    expect(all.size).toBe(152);
    expect(all.has(DIGEST_ARN)).toBe(true);
  });
});

describe('SNS publish fault', () => {
  it('fails the next N publishes with InternalError 500, then recovers', async () => {
    emu.messaging.faults.snsPublishFailure = { count: 2 };

    const first = await publishError({ TopicArn: DIGEST_ARN, Message: 'm1' });
    const second = await publishError({ TopicArn: DIGEST_ARN, Message: 'm2' });
    await sns.send(new PublishCommand({ TopicArn: DIGEST_ARN, Message: 'm3' }));

    expect(first.name).toBe('InternalErrorException');
    expect(first.$metadata.httpStatusCode).toBe(500);
    expect(second.name).toBe('InternalErrorException');
    expect(emu.messaging.published().map((m) => m.message)).toEqual(['m3']);
    expect(emu.messaging.faults.snsPublishFailure).toBe(false);
  });

  it('fails every publish while true', async () => {
    emu.messaging.faults.snsPublishFailure = true;

    for (const message of ['a', 'b', 'c']) {
      expect((await publishError({ TopicArn: DIGEST_ARN, Message: message })).name).toBe(
        'InternalErrorException',
      );
    }
    emu.messaging.faults.snsPublishFailure = false;
    await sns.send(new PublishCommand({ TopicArn: DIGEST_ARN, Message: 'd' }));

    expect(emu.messaging.published().map((m) => m.message)).toEqual(['d']);
  });

  it('is retried by the SDK: one injected failure and default retries still publish once', async () => {
    emu.messaging.faults.snsPublishFailure = { count: 1 };
    const retrying = new SNSClient(clientConfig(2));

    const result = await retrying.send(new PublishCommand({ TopicArn: DIGEST_ARN, Message: 'after retry' }));
    retrying.destroy();

    expect(result.$metadata.attempts).toBe(2);
    expect(emu.messaging.published().map((m) => m.messageId)).toEqual([result.MessageId]);
  });
});
