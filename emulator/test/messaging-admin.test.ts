import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/index';
import { decodeAwsChunked, verifyChecksums } from '../src/services/messaging/s3-body';
import { auditorCredentials } from './helpers';

let emu: RunningEmulator;
let BUCKET: string;

const clientConfig = () => ({
  region: emu.region,
  endpoint: emu.url,
  credentials: auditorCredentials(emu),
  maxAttempts: 1,
});

beforeEach(async () => {
  emu = await startEmulator({
    accounts: 2,
    users: 1,
    region: 'eu-west-1',
    now: new Date('2026-03-01T06:00:00.000Z'),
  });
  BUCKET = `org-key-audit-reports-${emu.auditAccountId}`;
});

afterEach(async () => {
  await emu.stop();
});

async function adminGet(path: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${emu.url}${path}`);
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function adminPost(
  path: string,
  body: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${emu.url}${path}`, { method: 'POST', body });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

describe('messaging admin API', () => {
  it('lists published SNS messages', async () => {
    const sns = new SNSClient(clientConfig());
    const { MessageId } = await sns.send(
      new PublishCommand({
        TopicArn: emu.messaging.resources.digestTopicArn,
        Subject: 'S',
        Message: 'body',
      }),
    );
    sns.destroy();

    const { status, json } = await adminGet('/_emulator/sns/messages');

    expect(status).toBe(200);
    expect(json['messages']).toEqual([
      {
        topicArn: emu.messaging.resources.digestTopicArn,
        subject: 'S',
        message: 'body',
        messageId: MessageId,
        at: expect.stringMatching(/^2026-03-01T06:\d\d:\d\d\.\d{3}Z$/),
      },
    ]);
  });

  it('lists a queue by name, and answers 404 for an unknown queue and 400 without one', async () => {
    const sqs = new SQSClient(clientConfig());
    const queueUrl = emu.messaging.resources.queues.digestFailures;
    const { MessageId } = await sqs.send(
      new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"kind":"digest-failure"}' }),
    );
    sqs.destroy();

    const found = await adminGet('/_emulator/sqs/messages?queue=org-key-audit-digest-failures');
    const missing = await adminGet('/_emulator/sqs/messages?queue=nope');
    const unnamed = await adminGet('/_emulator/sqs/messages');

    expect(found.json['messages']).toEqual([
      {
        messageId: MessageId,
        body: '{"kind":"digest-failure"}',
        receiveCount: 0,
        sentTimestamp: expect.any(Number),
        visible: true,
      },
    ]);
    expect(emu.messaging.queueMessages(queueUrl)).toEqual(found.json['messages']);
    expect(missing.status).toBe(404);
    expect(unnamed.status).toBe(400);
    expect(String(unnamed.json['error'])).toContain('queue');
  });

  it('lists objects under a prefix with their text', async () => {
    const s3 = new S3Client(clientConfig());
    await s3.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'reports/e1/digest.txt',
        Body: 'digest',
        ContentType: 'text/plain',
      }),
    );
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'runs/e1/items.json', Body: '[]' }));
    s3.destroy();

    const { json } = await adminGet(`/_emulator/s3/objects?bucket=${BUCKET}&prefix=reports/`);

    expect(json['objects']).toEqual([
      {
        key: 'reports/e1/digest.txt',
        size: 6,
        etag: expect.stringMatching(/^"[0-9a-f]{32}"$/),
        contentType: 'text/plain',
        lastModified: expect.stringMatching(/^2026-03-01T06:\d\d:\d\d\.000Z$/),
        body: 'digest',
      },
    ]);
    expect((await adminGet('/_emulator/s3/objects?bucket=nope')).status).toBe(404);
  });

  it('sets faults from a JSON body, keeping fields it does not mention', async () => {
    const first = await adminPost('/_emulator/messaging/faults', '{"snsPublishFailure":{"count":2}}');
    const second = await adminPost(
      '/_emulator/messaging/faults',
      '{"s3WriteFailure":{"keyPrefix":"reports/"}}',
    );

    expect(first.status).toBe(200);
    expect(second.json).toEqual({
      snsPublishFailure: { count: 2 },
      s3WriteFailure: { keyPrefix: 'reports/' },
    });
    expect(emu.messaging.faults.snsPublishFailure).toEqual({ count: 2 });
  });

  it('refuses a malformed faults body and names the field', async () => {
    const wrongType = await adminPost('/_emulator/messaging/faults', '{"snsPublishFailure":"yes"}');
    const unknown = await adminPost('/_emulator/messaging/faults', '{"iamFailure":true}');
    const notJson = await adminPost('/_emulator/messaging/faults', '{');

    expect(wrongType.status).toBe(400);
    expect(String(wrongType.json['error'])).toContain('snsPublishFailure');
    expect(unknown.status).toBe(400);
    expect(String(unknown.json['error'])).toContain('iamFailure');
    expect(notJson.status).toBe(400);
    expect(emu.messaging.faults).toEqual({ snsPublishFailure: false, s3WriteFailure: false });
  });

  it('returns undefined for paths that are not messaging ones', () => {
    expect(emu.messaging.admin('/_emulator/iam/users', 'GET', undefined)).toBeUndefined();
    expect(emu.messaging.admin('/_emulator/sns/messages', 'DELETE', undefined)).toBeUndefined();
  });
});

describe('aws-chunked decoding', () => {
  it('joins chunks, ignores chunk signatures and reads trailers', () => {
    const raw = Buffer.from(
      '5;chunk-signature=abc\r\nhello\r\n6;chunk-signature=def\r\n world\r\n0;chunk-signature=ghi\r\n' +
        'x-amz-checksum-crc32:DUoRhQ==\r\n\r\n',
      'latin1',
    );

    const decoded = decodeAwsChunked(raw);

    expect(decoded.body.toString()).toBe('hello world');
    expect(decoded.trailers).toEqual({ 'x-amz-checksum-crc32': 'DUoRhQ==' });
  });

  it.each([
    ['a size that is not hex', 'zz\r\nhello\r\n0\r\n\r\n'],
    ['a chunk shorter than declared', 'a\r\nhello\r\n0\r\n\r\n'],
    ['no final chunk', '5\r\nhello\r\n'],
  ])('refuses %s with IncompleteBody', (_label, text) => {
    expect(() => decodeAwsChunked(Buffer.from(text, 'latin1'))).toThrow(
      expect.objectContaining({ code: 'IncompleteBody', status: 400 }),
    );
  });
});

describe('checksum verification', () => {
  it('refuses a hex x-amz-content-sha256 that does not match the body', () => {
    const headers = { 'x-amz-content-sha256': '0'.repeat(64) };

    expect(() => verifyChecksums(Buffer.from('hello'), headers, {})).toThrow(
      expect.objectContaining({ code: 'XAmzContentSHA256Mismatch' }),
    );
  });

  it('verifies a CRC32C trailer', () => {
    // CRC32C("hello") = 0x9a71bb4c.
    const good = Buffer.from([0x9a, 0x71, 0xbb, 0x4c]).toString('base64');

    expect(verifyChecksums(Buffer.from('hello'), {}, { 'x-amz-checksum-crc32c': good })).toEqual({
      crc32c: good,
    });
    expect(() => verifyChecksums(Buffer.from('hello'), {}, { 'x-amz-checksum-crc32c': 'AAAAAA==' })).toThrow(
      expect.objectContaining({ code: 'BadDigest' }),
    );
  });
});
