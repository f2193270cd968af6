/**
 * An in-memory S3 behind aws-sdk-client-mock: PutObject stores, GetObject reads back or throws
 * the modelled NoSuchKey, so adapter and handler tests exercise the real RunStore code paths.
 */
import { Readable } from 'node:stream';
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { type AwsClientStub, mockClient } from 'aws-sdk-client-mock';

export type S3Mock = AwsClientStub<S3Client>;

function streamingBody(text: string): GetObjectCommandOutput['Body'] {
  const bytes = Buffer.from(text, 'utf-8');
  const stream = Object.assign(Readable.from([bytes]), {
    transformToString: async () => text,
    transformToByteArray: async () => new Uint8Array(bytes),
    transformToWebStream: () => Readable.toWeb(Readable.from([bytes])) as ReadableStream,
  });
  return stream as unknown as GetObjectCommandOutput['Body'];
}

export interface MemoryS3 {
  readonly mock: S3Mock;
  readonly client: S3Client;
  readonly objects: Map<string, string>;
  put(bucket: string, key: string, value: unknown): void;
  get(bucket: string, key: string): string | undefined;
  json(bucket: string, key: string): unknown;
}

export function memoryS3(): MemoryS3 {
  const mock = mockClient(S3Client);
  const objects = new Map<string, string>();
  const id = (bucket: string | undefined, key: string | undefined) => `${bucket}/${key}`;
  mock.on(PutObjectCommand).callsFake((input) => {
    objects.set(id(input.Bucket, input.Key), String(input.Body));
    return {};
  });
  mock.on(GetObjectCommand).callsFake((input) => {
    const text = objects.get(id(input.Bucket, input.Key));
    if (text === undefined) {
      throw new NoSuchKey({
        message: 'The specified key does not exist.',
        $metadata: { httpStatusCode: 404 },
      });
    }
    return { Body: streamingBody(text) };
  });
  return {
    mock,
    client: new S3Client({ region: 'us-east-1' }),
    objects,
    put: (bucket, key, value) => {
      objects.set(id(bucket, key), typeof value === 'string' ? value : JSON.stringify(value));
    },
    get: (bucket, key) => objects.get(id(bucket, key)),
    json: (bucket, key) => {
      const text = objects.get(id(bucket, key));
      if (text === undefined) throw new Error(`test expected s3://${bucket}/${key} to exist`);
      return JSON.parse(text);
    },
  };
}
