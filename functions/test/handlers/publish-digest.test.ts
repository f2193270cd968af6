import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors';
import { makePublishDigestHandler } from '../../src/handlers/publish-digest';
import { type MemoryS3, memoryS3 } from './support/memory-s3';
import { recordingTelemetry } from './support/telemetry';

const BUCKET = 'report-bucket';
const TOPIC = 'arn:aws:sns:us-east-1:111111111111:org-key-audit-digest';
const DIGEST_KEY = 'reports/daily-2024-06-01/digest.txt';
const SUBJECT = '[org-key-audit] 1 key needs attention in 1 of 6 accounts; 5 accounts not audited';

describe('PublishDigest handler', () => {
  const sns = mockClient(SNSClient);
  let s3: MemoryS3;

  function handler(topic: string | null = TOPIC) {
    return makePublishDigestHandler({
      s3: s3.client,
      sns: new SNSClient({ region: 'us-east-1' }),
      digestTopicArn: topic,
      telemetry: recordingTelemetry(),
    });
  }

  beforeEach(() => {
    s3 = memoryS3();
    s3.put(BUCKET, DIGEST_KEY, 'org-key-audit digest\nSUMMARY\n…');
    sns.on(PublishCommand).resolves({ MessageId: 'msg-1' });
  });
  afterEach(() => {
    sns.reset();
    s3.mock.restore();
  });

  it('publishes the stored digest to the topic with the subject', async () => {
    const result = await handler()({
      dryRun: false,
      subject: SUBJECT,
      bucket: BUCKET,
      digestKey: DIGEST_KEY,
    });

    expect(result).toEqual({ published: true, messageId: 'msg-1', ownerDigests: 0 });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(sns.commandCalls(PublishCommand)[0]?.args[0].input).toEqual({
      TopicArn: TOPIC,
      Subject: SUBJECT,
      Message: 'org-key-audit digest\nSUMMARY\n…',
    });
  });

  it('sends nothing on a dry run, even without a topic configured', async () => {
    const result = await handler(null)({
      dryRun: true,
      subject: SUBJECT,
      bucket: BUCKET,
      digestKey: DIGEST_KEY,
    });
    expect(result).toEqual({ published: false, messageId: null, ownerDigests: 0 });
    expect(sns.calls()).toHaveLength(0);
  });

  it('names DIGEST_TOPIC_ARN when a real publish has no topic', async () => {
    const run = handler(null)({ dryRun: false, subject: SUBJECT, bucket: BUCKET, digestKey: DIGEST_KEY });
    await expect(run).rejects.toThrow(/DIGEST_TOPIC_ARN is not set/);
  });

  it('refuses a subject SNS would reject (line break, over 100 characters)', async () => {
    const base = { dryRun: false, bucket: BUCKET, digestKey: DIGEST_KEY };
    await expect(handler()({ ...base, subject: 'two\nlines' })).rejects.toThrow(InvalidInputError);
    await expect(handler()({ ...base, subject: 'x'.repeat(101) })).rejects.toThrow(/at most 100 characters/);
    expect(sns.calls()).toHaveLength(0);
  });

  it('fails with the key when the digest object is missing', async () => {
    const run = handler()({
      dryRun: false,
      subject: SUBJECT,
      bucket: BUCKET,
      digestKey: 'reports/x/digest.txt',
    });
    await expect(run).rejects.toMatchObject({ name: 'MalformedDataError' });
    expect(sns.calls()).toHaveLength(0);
  });
});
