/**
 * The run store's owner records (the account-tag cache, the owner digests and their manifest)
 * over an in-memory S3, and the SNS publisher's `owner` message attribute.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunStore } from '../../src/aws/run-store';
import { snsDigestPublisher } from '../../src/aws/sns-digest-publisher';
import { MalformedDataError } from '../../src/core/errors';
import type { AccountTagCache } from '../../src/core/owners';
import { ACCOUNT_TAG_CACHE_KEY } from '../../src/core/run-layout';
import { type MemoryS3, memoryS3 } from '../handlers/support/memory-s3';

const BUCKET = 'report-bucket';
const RUN = 'daily-2026-12-01';

const CACHE: AccountTagCache = {
  schemaVersion: 1,
  tagKey: 'Owner',
  accounts: {
    '111111111111': { value: 'payments', fetchedAt: '2026-11-30T06:00:00.000Z' },
    '222222222222': { value: null, fetchedAt: '2026-11-29T06:00:00.000Z' },
  },
};

describe('RunStore owner records', () => {
  let s3: MemoryS3;
  let store: RunStore;

  beforeEach(() => {
    s3 = memoryS3();
    store = new RunStore({ s3: s3.client, bucket: BUCKET, concurrency: 2 });
  });
  afterEach(() => {
    s3.mock.reset();
    s3.mock.restore();
  });

  describe('account-tag cache', () => {
    it('reads a missing cache as an empty one, without a problem', async () => {
      expect(await store.readAccountTagCache('Owner')).toEqual({ cache: null, problem: null });
    });

    it(`round-trips the cache at ${ACCOUNT_TAG_CACHE_KEY}`, async () => {
      await store.putAccountTagCache(CACHE);
      expect(s3.json(BUCKET, ACCOUNT_TAG_CACHE_KEY)).toEqual(CACHE);
      expect(await store.readAccountTagCache('Owner')).toEqual({ cache: CACHE, problem: null });
      // A cache of another tag key is worth nothing, and is no problem either.
      expect(await store.readAccountTagCache('CostOwner')).toEqual({ cache: null, problem: null });
    });

    it('reports a damaged cache as a problem', async () => {
      s3.put(BUCKET, ACCOUNT_TAG_CACHE_KEY, '{"schemaVersion":1');
      expect(await store.readAccountTagCache('Owner')).toEqual({
        cache: null,
        problem: 'the account tag cache is not JSON; every account tag is read again',
      });
    });

    it('reports an unreadable object as a problem naming the key, never an error', async () => {
      s3.mock.on(GetObjectCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
      expect(await store.readAccountTagCache('Owner')).toEqual({
        cache: null,
        problem: `s3://${BUCKET}/${ACCOUNT_TAG_CACHE_KEY} could not be read (AccessDenied); every account tag is read again`,
      });
    });
  });

  describe('owner digests', () => {
    const digests = [
      {
        owner: 'payments',
        subject: '[org-key-audit][payments] 2 keys need attention',
        body: 'payments body',
        findings: 2,
      },
      {
        owner: 'team a/b',
        subject: '[org-key-audit][team a/b] 1 key needs attention',
        body: 'team body',
        findings: 1,
      },
    ];

    it('keeps each digest under its encoded owner, then the manifest that names them', async () => {
      const key = await store.putOwnerDigests(RUN, digests);
      expect(key).toBe(`reports/${RUN}/owner-digests.json`);
      expect(s3.get(BUCKET, `reports/${RUN}/owners/payments.txt`)).toBe('payments body');
      expect(s3.get(BUCKET, `reports/${RUN}/owners/team%20a%2Fb.txt`)).toBe('team body');
      expect(s3.json(BUCKET, key)).toEqual({
        schemaVersion: 1,
        digests: [
          {
            owner: 'payments',
            subject: digests[0]?.subject,
            key: `reports/${RUN}/owners/payments.txt`,
            findings: 2,
          },
          {
            owner: 'team a/b',
            subject: digests[1]?.subject,
            key: `reports/${RUN}/owners/team%20a%2Fb.txt`,
            findings: 1,
          },
        ],
      });
      const puts = s3.mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);
      // The manifest last: it never names a digest not yet kept.
      expect(puts.at(-1)?.Key).toBe(key);
      expect(puts.find((p) => p.Key?.endsWith('payments.txt'))?.ContentType).toBe(
        'text/plain; charset=utf-8',
      );
      expect(await store.readOwnerDigests(key)).toEqual([
        {
          owner: 'payments',
          subject: digests[0]?.subject,
          key: `reports/${RUN}/owners/payments.txt`,
          findings: 2,
        },
        {
          owner: 'team a/b',
          subject: digests[1]?.subject,
          key: `reports/${RUN}/owners/team%20a%2Fb.txt`,
          findings: 1,
        },
      ]);
      expect(await store.getText(`reports/${RUN}/owners/team%20a%2Fb.txt`)).toBe('team body');
    });

    it('refuses a manifest that is missing or malformed, naming its key', async () => {
      const key = `reports/${RUN}/owner-digests.json`;
      await expect(store.readOwnerDigests(key)).rejects.toThrow(`s3://${BUCKET}/${key} does not exist`);
      s3.put(BUCKET, key, {
        schemaVersion: 1,
        digests: [{ owner: '', subject: 's', key: 'k', findings: 1 }],
      });
      const thrown = await store.readOwnerDigests(key).catch((e: unknown) => e);
      expect(thrown).toBeInstanceOf(MalformedDataError);
      expect((thrown as Error).message).toContain(`s3://${BUCKET}/${key} is not an owner-digests manifest`);
      s3.put(BUCKET, key, { schemaVersion: 2, digests: [] });
      await expect(store.readOwnerDigests(key)).rejects.toBeInstanceOf(MalformedDataError);
    });
  });
});

describe('snsDigestPublisher', () => {
  const snsMock = mockClient(SNSClient);
  const sns = new SNSClient({ region: 'eu-west-1' });
  const TOPIC = 'arn:aws:sns:eu-west-1:999999999999:digest';
  afterEach(() => {
    snsMock.reset();
  });

  it('sends an owner digest with the owner message attribute', async () => {
    snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const result = await snsDigestPublisher(sns, TOPIC).publish({
      subject: 's',
      body: 'b',
      owner: 'payments',
    });
    expect(result).toEqual({ messageId: 'm-1' });
    expect(snsMock.commandCalls(PublishCommand)[0]?.args[0].input).toEqual({
      TopicArn: TOPIC,
      Subject: 's',
      Message: 'b',
      MessageAttributes: { owner: { DataType: 'String', StringValue: 'payments' } },
    });
  });

  it('sends the full digest with no message attributes at all', async () => {
    snsMock.on(PublishCommand).resolves({});
    const result = await snsDigestPublisher(sns, TOPIC).publish({ subject: 's', body: 'b' });
    expect(result).toEqual({ messageId: null });
    const input = snsMock.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input).toEqual({ TopicArn: TOPIC, Subject: 's', Message: 'b' });
    expect(input).not.toHaveProperty('MessageAttributes');
  });
});
