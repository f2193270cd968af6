/**
 * Test double: an in-memory S3 bucket store and SQS queues behind aws-sdk-client-mock, for the runner
 * tests until the emulator lands. Only the calls the runner makes: GetObject, PutObject, SendMessage.
 */
import { createHash, randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';

class FakeServiceError extends Error {
  readonly $metadata = { httpStatusCode: 400, requestId: 'fake-request' };
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export interface FakeAws {
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly objects: Map<string, string>;
  /** Message bodies by queue URL, in send order. */
  readonly queues: Map<string, string[]>;
  putJson(bucket: string, key: string, value: unknown): void;
  getJson(bucket: string, key: string): unknown;
  messages(queueUrl: string): unknown[];
  restore(): void;
}

export function createFakeAws(queueUrls: readonly string[]): FakeAws {
  const s3 = new S3Client({ region: 'us-east-1' });
  const sqs = new SQSClient({ region: 'us-east-1' });
  const objects = new Map<string, string>();
  const queues = new Map<string, string[]>(queueUrls.map((url) => [url, []]));
  const s3Mock = mockClient(s3);
  const sqsMock = mockClient(sqs);

  s3Mock.on(GetObjectCommand).callsFake(async (input: { Bucket: string; Key: string }) => {
    const text = objects.get(`${input.Bucket}/${input.Key}`);
    if (text === undefined) throw new FakeServiceError('NoSuchKey', 'The specified key does not exist.');
    return { Body: { transformToString: async () => text } };
  });
  s3Mock.on(PutObjectCommand).callsFake(async (input: { Bucket: string; Key: string; Body: string }) => {
    objects.set(`${input.Bucket}/${input.Key}`, String(input.Body));
    return { ETag: '"fake"' };
  });
  sqsMock.on(SendMessageCommand).callsFake(async (input: { QueueUrl: string; MessageBody: string }) => {
    const queue = queues.get(input.QueueUrl);
    if (!queue) throw new FakeServiceError('QueueDoesNotExist', 'The specified queue does not exist.');
    queue.push(input.MessageBody);
    return {
      MessageId: randomUUID(),
      MD5OfMessageBody: createHash('md5').update(input.MessageBody).digest('hex'),
    };
  });

  return {
    s3,
    sqs,
    objects,
    queues,
    putJson: (bucket, key, value) => objects.set(`${bucket}/${key}`, JSON.stringify(value)),
    getJson: (bucket, key) => {
      const text = objects.get(`${bucket}/${key}`);
      if (text === undefined) throw new Error(`no object s3://${bucket}/${key}`);
      return JSON.parse(text);
    },
    messages: (queueUrl) => (queues.get(queueUrl) ?? []).map((body) => JSON.parse(body)),
    restore: () => {
      s3Mock.restore();
      sqsMock.restore();
    },
  };
}
