import { CreateTopicCommand, ListTopicsCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_ACCOUNT_ID, type Harness, REGION, startMessagingHarness } from './messaging-harness';

const DIGEST_ARN = `arn:aws:sns:${REGION}:${AUDIT_ACCOUNT_ID}:org-key-audit-digest`;
const ALARM_ARN = `arn:aws:sns:${REGION}:${AUDIT_ACCOUNT_ID}:org-key-audit-alarms`;
const FIXED_NOW = Date.parse('2026-03-01T06:00:00.000Z');

let harness: Harness;
let sns: SNSClient;

beforeEach(async () => {
  harness = await startMessagingHarness({ now: () => FIXED_NOW });
  sns = new SNSClient(harness.clientConfig);
});

afterEach(async () => {
  sns.destroy();
  await harness.stop();
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

    expect(harness.services.resources.digestTopicArn).toBe(DIGEST_ARN);
    expect(harness.services.resources.alarmTopicArn).toBe(ALARM_ARN);
    expect(listed.Topics?.map((topic) => topic.TopicArn).sort()).toEqual([ALARM_ARN, DIGEST_ARN]);
    expect(listed.NextToken).toBeUndefined();
  });
});

describe('SNS Publish', () => {
  it('records the message, subject, id and the injected time', async () => {
    const result = await sns.send(
      new PublishCommand({
        TopicArn: DIGEST_ARN,
        Subject: '[org-key-audit] 2 keys',
        Message: 'line 1\nline 2',
      }),
    );

    expect(result.MessageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(harness.services.published()).toEqual([
      {
        topicArn: DIGEST_ARN,
        subject: '[org-key-audit] 2 keys',
        message: 'line 1\nline 2',
        messageId: result.MessageId,
        at: '2026-03-01T06:00:00.000Z',
      },
    ]);
  });

  it('publishes without a subject and keeps message attributes', async () => {
    await sns.send(
      new PublishCommand({
        TopicArn: ALARM_ARN,
        Message: '{"alarm":true}',
        MessageAttributes: { kind: { DataType: 'String', StringValue: 'alarm' } },
      }),
    );

    const [message] = harness.services.published();
    expect(message?.subject).toBeUndefined();
    expect(message?.attributes).toEqual({ kind: { dataType: 'String', value: 'alarm' } });
  });

  it('accepts a subject of exactly 100 characters and refuses 101', async () => {
    await sns.send(new PublishCommand({ TopicArn: DIGEST_ARN, Subject: 'a'.repeat(100), Message: 'm' }));
    const error = await publishError({ TopicArn: DIGEST_ARN, Subject: 'a'.repeat(101), Message: 'm' });

    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toBe('Invalid parameter: Subject');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(harness.services.published()).toHaveLength(1);
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
    expect(harness.services.published()[0]?.message).toHaveLength(262_144);
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
      TopicArn: `arn:aws:sns:${REGION}:${AUDIT_ACCOUNT_ID}:nope`,
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
    expect(harness.services.published()[0]?.messageStructure).toBe('json');
  });
});

describe('SNS CreateTopic and ListTopics', () => {
  it('creates a topic in the caller account, idempotently', async () => {
    const first = await sns.send(new CreateTopicCommand({ Name: 'my-topic' }));
    const second = await sns.send(new CreateTopicCommand({ Name: 'my-topic' }));
    await sns.send(new PublishCommand({ TopicArn: first.TopicArn, Message: 'hello' }));

    expect(first.TopicArn).toBe(`arn:aws:sns:${REGION}:${AUDIT_ACCOUNT_ID}:my-topic`);
    expect(second.TopicArn).toBe(first.TopicArn);
    expect(harness.services.published().map((m) => m.topicArn)).toEqual([first.TopicArn]);
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
    harness.services.faults.snsPublishFailure = { count: 2 };

    const first = await publishError({ TopicArn: DIGEST_ARN, Message: 'm1' });
    const second = await publishError({ TopicArn: DIGEST_ARN, Message: 'm2' });
    await sns.send(new PublishCommand({ TopicArn: DIGEST_ARN, Message: 'm3' }));

    expect(first.name).toBe('InternalErrorException');
    expect(first.$metadata.httpStatusCode).toBe(500);
    expect(second.name).toBe('InternalErrorException');
    expect(harness.services.published().map((m) => m.message)).toEqual(['m3']);
    expect(harness.services.faults.snsPublishFailure).toBe(false);
  });

  it('fails every publish while true', async () => {
    harness.services.faults.snsPublishFailure = true;

    for (const message of ['a', 'b', 'c']) {
      expect((await publishError({ TopicArn: DIGEST_ARN, Message: message })).name).toBe(
        'InternalErrorException',
      );
    }
    harness.services.faults.snsPublishFailure = false;
    await sns.send(new PublishCommand({ TopicArn: DIGEST_ARN, Message: 'd' }));

    expect(harness.services.published().map((m) => m.message)).toEqual(['d']);
  });

  it('is retried by the SDK: one injected failure and default retries still publish once', async () => {
    harness.services.faults.snsPublishFailure = { count: 1 };
    const retrying = new SNSClient({ ...harness.clientConfig, maxAttempts: 2 });

    const result = await retrying.send(new PublishCommand({ TopicArn: DIGEST_ARN, Message: 'after retry' }));
    retrying.destroy();

    expect(result.$metadata.attempts).toBe(2);
    expect(harness.services.published().map((m) => m.messageId)).toEqual([result.MessageId]);
  });
});
