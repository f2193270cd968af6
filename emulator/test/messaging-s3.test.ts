import { Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  paginateListObjectsV2,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/index';
import { auditorCredentials } from './helpers';

const REGION = 'eu-west-1';

let emu: RunningEmulator;
let s3: S3Client;
let BUCKET: string;

beforeEach(async () => {
  emu = await startEmulator({
    accounts: 2,
    users: 1,
    region: REGION,
    now: new Date('2026-03-01T06:00:00.000Z'),
  });
  s3 = new S3Client({
    region: emu.region,
    endpoint: emu.url,
    credentials: auditorCredentials(emu),
    maxAttempts: 1,
  });
  BUCKET = `org-key-audit-reports-${emu.auditAccountId}`;
});

afterEach(async () => {
  s3.destroy();
  await emu.stop();
});

type AwsError = { name: string; message: string; $metadata: { httpStatusCode?: number } };

async function failure(promise: Promise<unknown>): Promise<AwsError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught as AwsError,
  );
  if (!error) throw new Error('expected the call to fail');
  return error;
}

const put = (Key: string, Body: string | Buffer | Readable, extra: Record<string, unknown> = {}) =>
  s3.send(new PutObjectCommand({ Bucket: BUCKET, Key, Body, ...extra }));

async function getText(Key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
  return (await object.Body?.transformToString('utf8')) ?? '';
}

describe('S3 buckets', () => {
  it('pre-creates the report bucket in the audit account', async () => {
    const head = await s3.send(new HeadBucketCommand({ Bucket: BUCKET }));
    const buckets = await s3.send(new ListBucketsCommand({}));

    expect(emu.messaging.resources.reportBucket).toBe(BUCKET);
    expect(head.$metadata.httpStatusCode).toBe(200);
    expect(buckets.Buckets?.map((bucket) => bucket.Name)).toEqual([BUCKET]);
  });

  it('answers HeadBucket 404 for a missing bucket', async () => {
    const error = await failure(s3.send(new HeadBucketCommand({ Bucket: 'no-such-bucket' })));

    expect(error.name).toBe('NotFound');
    expect(error.$metadata.httpStatusCode).toBe(404);
  });

  it('creates a bucket, and a second create outside us-east-1 is BucketAlreadyOwnedByYou', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'test-bucket' }));
    await s3.send(new PutObjectCommand({ Bucket: 'test-bucket', Key: 'k', Body: 'v' }));
    const error = await failure(s3.send(new CreateBucketCommand({ Bucket: 'test-bucket' })));

    expect(error.name).toBe('BucketAlreadyOwnedByYou');
    expect(error.$metadata.httpStatusCode).toBe(409);
    expect(emu.messaging.objects('test-bucket').get('k')?.toString()).toBe('v');
  });

  it('refuses an invalid bucket name', async () => {
    const error = await failure(s3.send(new CreateBucketCommand({ Bucket: 'Bad_Name' })));

    expect(error.name).toBe('InvalidBucketName');
  });

  it('answers NoSuchBucket for an object in a missing bucket', async () => {
    const error = await failure(
      s3.send(new PutObjectCommand({ Bucket: 'missing-bucket', Key: 'k', Body: 'x' })),
    );

    expect(error.name).toBe('NoSuchBucket');
    expect(error.$metadata.httpStatusCode).toBe(404);
  });
});

describe('S3 PutObject and GetObject', () => {
  it('stores a string body with its content type and the MD5 ETag', async () => {
    const written = await put('reports/e1/digest.txt', 'hello', { ContentType: 'text/plain; charset=utf-8' });
    const read = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'reports/e1/digest.txt' }));

    expect(written.ETag).toBe('"5d41402abc4b2a76b9719d911017c592"');
    expect(read.ContentType).toBe('text/plain; charset=utf-8');
    expect(read.ETag).toBe('"5d41402abc4b2a76b9719d911017c592"');
    expect(read.ContentLength).toBe(5);
    expect(await read.Body?.transformToString()).toBe('hello');
  });

  it('verifies and returns the SDK default CRC32 checksum', async () => {
    const written = await put('k.txt', 'hello');
    const read = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'k.txt', ChecksumMode: 'ENABLED' }),
    );

    // CRC32("hello") = 0x3610a686.
    expect(written.ChecksumCRC32).toBe(Buffer.from([0x36, 0x10, 0xa6, 0x86]).toString('base64'));
    expect(read.ChecksumCRC32).toBe(written.ChecksumCRC32);
    expect(await read.Body?.transformToString()).toBe('hello');
  });

  it('stores Buffer bodies byte for byte', async () => {
    const bytes = Buffer.from([0, 1, 2, 254, 255]);
    await put('bin', bytes);

    expect(emu.messaging.objects(BUCKET).get('bin')).toEqual(bytes);
  });

  it('decodes an aws-chunked stream body with a trailing checksum', async () => {
    const stream = Readable.from([Buffer.from('hello '), Buffer.from('world')]);
    await put('streamed.txt', stream, { ContentLength: 11 });

    expect(emu.messaging.objects(BUCKET).get('streamed.txt')?.toString()).toBe('hello world');
  });

  it('refuses a body whose checksum does not match (BadDigest)', async () => {
    const error = await failure(put('bad.txt', 'hello', { ChecksumCRC32: 'AAAAAA==' }));

    expect(error.name).toBe('BadDigest');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(emu.messaging.objects(BUCKET).has('bad.txt')).toBe(false);
  });

  it('checks SHA256 checksums and Content-MD5 too', async () => {
    // SHA-256("hello") and MD5("hello"), base64.
    await put('sha.txt', 'hello', { ChecksumSHA256: 'LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=' });
    await put('md5.txt', 'hello', { ContentMD5: 'XUFAKrxLKna5cZ2REBfFkg==' });
    const error = await failure(put('md5-bad.txt', 'hello', { ContentMD5: 'AAAAAAAAAAAAAAAAAAAAAA==' }));

    expect(error.name).toBe('BadDigest');
    expect([...emu.messaging.objects(BUCKET).keys()].sort()).toEqual(['md5.txt', 'sha.txt']);
  });

  it('keeps user metadata and serves byte ranges', async () => {
    await put('meta.txt', 'abcdef', { Metadata: { run: 'e1' } });

    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'meta.txt' }));
    const range = await s3.send(
      new GetObjectCommand({ Bucket: BUCKET, Key: 'meta.txt', Range: 'bytes=1-3' }),
    );

    expect(head.Metadata).toEqual({ run: 'e1' });
    expect(head.ContentLength).toBe(6);
    expect(head.ETag).toBe('"e80b5017098950fc58aad83c8c14978e"');
    expect(await range.Body?.transformToString()).toBe('bcd');
    expect(range.ContentRange).toBe('bytes 1-3/6');
  });

  it('answers HEAD with the object length and no body (handler level)', async () => {
    // Through the HTTP server the length header is the server's to write; the handler states it.
    await put('len.txt', 'abcdef');
    const caller = {
      accountId: emu.auditAccountId,
      arn: emu.auditor.roleArn,
      accessKeyId: emu.auditor.accessKeyId,
    };

    const response = await emu.messaging.handlers.s3(
      {
        method: 'HEAD',
        path: `/${BUCKET}/len.txt`,
        query: new URLSearchParams(),
        headers: {},
        body: Buffer.alloc(0),
        service: 's3',
        region: REGION,
      },
      caller,
    );

    expect(response.status).toBe(200);
    expect(response.headers?.['content-length']).toBe('6');
    expect(response.body?.length ?? 0).toBe(0);
  });

  it('round-trips keys with spaces, unicode and nested slashes', async () => {
    const key = 'runs/exec 1/accounts/ünï 𝄞.json';
    await put(key, '{"ok":true}');

    expect(await getText(key)).toBe('{"ok":true}');
    expect([...emu.messaging.objects(BUCKET).keys()]).toEqual([key]);
  });

  it('answers NoSuchKey (404) from GetObject and NotFound from HeadObject', async () => {
    const get = await failure(s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'nope' })));
    const head = await failure(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'nope' })));

    expect(get.name).toBe('NoSuchKey');
    expect(get.$metadata.httpStatusCode).toBe(404);
    expect(head.name).toBe('NotFound');
    expect(head.$metadata.httpStatusCode).toBe(404);
  });

  it('deletes objects, and deleting a missing key succeeds', async () => {
    await put('gone.txt', 'x');

    const deleted = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'gone.txt' }));
    const again = await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'gone.txt' }));

    expect(deleted.$metadata.httpStatusCode).toBe(204);
    expect(again.$metadata.httpStatusCode).toBe(204);
    expect((await failure(getText('gone.txt'))).name).toBe('NoSuchKey');
  });

  it('works through AWS_ENDPOINT_URL alone: the SDK uses path style for an IP endpoint', async () => {
    const previous = process.env['AWS_ENDPOINT_URL'];
    process.env['AWS_ENDPOINT_URL'] = emu.url;
    try {
      const fromEnv = new S3Client({
        region: REGION,
        credentials: auditorCredentials(emu),
        maxAttempts: 1,
      });
      await fromEnv.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'env.txt', Body: 'via env' }));
      fromEnv.destroy();
    } finally {
      if (previous === undefined) delete process.env['AWS_ENDPOINT_URL'];
      else process.env['AWS_ENDPOINT_URL'] = previous;
    }

    expect(emu.messaging.objects(BUCKET).get('env.txt')?.toString()).toBe('via env');
  });
});

describe('S3 ListObjectsV2', () => {
  const KEYS = [
    'reports/e1/report.json',
    'runs/e1/accounts/111111111111.json',
    'runs/e1/accounts/222222222222.json',
    'runs/e1/items.json',
    'runs/e1/organization.json',
    'top.txt',
  ];

  beforeEach(async () => {
    // Written out of order: listing order must come from the keys, not insertion.
    for (const key of [...KEYS].reverse()) await put(key, key);
  });

  it('lists everything in key order with KeyCount and sizes', async () => {
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET }));

    expect(listed.Contents?.map((object) => object.Key)).toEqual(KEYS);
    expect(listed.Contents?.[5]?.Size).toBe('top.txt'.length);
    expect(listed.KeyCount).toBe(6);
    expect(listed.IsTruncated).toBe(false);
    expect(listed.NextContinuationToken).toBeUndefined();
  });

  it('groups by delimiter under a prefix', async () => {
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'runs/e1/', Delimiter: '/' }),
    );

    expect(listed.Contents?.map((object) => object.Key)).toEqual([
      'runs/e1/items.json',
      'runs/e1/organization.json',
    ]);
    expect(listed.CommonPrefixes?.map((prefix) => prefix.Prefix)).toEqual(['runs/e1/accounts/']);
    expect(listed.KeyCount).toBe(3);
  });

  it('pages with max-keys and continuation tokens', async () => {
    const first = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, MaxKeys: 4 }));
    const second = await s3.send(
      new ListObjectsV2Command({
        Bucket: BUCKET,
        MaxKeys: 4,
        ContinuationToken: first.NextContinuationToken,
      }),
    );

    expect(first.Contents?.map((object) => object.Key)).toEqual(KEYS.slice(0, 4));
    expect(first.IsTruncated).toBe(true);
    expect(first.KeyCount).toBe(4);
    expect(second.Contents?.map((object) => object.Key)).toEqual(KEYS.slice(4));
    expect(second.IsTruncated).toBe(false);
    expect(second.ContinuationToken).toBe(first.NextContinuationToken);
  });

  it('counts common prefixes toward max-keys and resumes after a whole prefix', async () => {
    const pages: string[][] = [];
    for await (const page of paginateListObjectsV2(
      { client: s3, pageSize: 1 },
      { Bucket: BUCKET, Delimiter: '/' },
    )) {
      pages.push([
        ...(page.Contents ?? []).map((o) => o.Key ?? ''),
        ...(page.CommonPrefixes ?? []).map((p) => p.Prefix ?? ''),
      ]);
    }

    expect(pages).toEqual([['reports/'], ['runs/'], ['top.txt']]);
  });

  it('starts after a given key and filters by prefix', async () => {
    const listed = await s3.send(
      new ListObjectsV2Command({
        Bucket: BUCKET,
        Prefix: 'runs/',
        StartAfter: 'runs/e1/accounts/222222222222.json',
      }),
    );

    expect(listed.Contents?.map((object) => object.Key)).toEqual([
      'runs/e1/items.json',
      'runs/e1/organization.json',
    ]);
    expect(listed.StartAfter).toBe('runs/e1/accounts/222222222222.json');
  });

  it('pages a larger bucket through the SDK paginator without losing or repeating keys', async () => {
    const many = Array.from({ length: 25 }, (_, i) => `bulk/${String(i).padStart(2, '0')}.json`);
    for (const key of many) await put(key, '{}');

    const seen: string[] = [];
    let pages = 0;
    for await (const page of paginateListObjectsV2(
      { client: s3, pageSize: 10 },
      { Bucket: BUCKET, Prefix: 'bulk/' },
    )) {
      pages += 1;
      seen.push(...(page.Contents ?? []).map((object) => object.Key ?? ''));
    }

    expect(pages).toBe(3);
    expect(seen).toEqual(many);
  });

  it('refuses a continuation token it did not issue', async () => {
    const error = await failure(
      s3.send(new ListObjectsV2Command({ Bucket: BUCKET, ContinuationToken: 'garbage!' })),
    );

    expect(error.name).toBe('InvalidArgument');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('answers NoSuchBucket for a missing bucket', async () => {
    const error = await failure(s3.send(new ListObjectsV2Command({ Bucket: 'missing-bucket' })));

    expect(error.name).toBe('NoSuchBucket');
  });
});

describe('S3 write fault', () => {
  it('fails writes under a key prefix for N requests with InternalError 500', async () => {
    emu.messaging.faults.s3WriteFailure = { count: 1, keyPrefix: 'reports/' };

    await put('runs/e1/items.json', '[]');
    const error = await failure(put('reports/e1/report.json', '{}'));
    await put('reports/e1/report.json', '{}');

    expect(error.name).toBe('InternalError');
    expect(error.$metadata.httpStatusCode).toBe(500);
    expect([...emu.messaging.objects(BUCKET).keys()].sort()).toEqual([
      'reports/e1/report.json',
      'runs/e1/items.json',
    ]);
    expect(emu.messaging.faults.s3WriteFailure).toBe(false);
  });

  it('fails every write under a prefix when no count is given, and every write when true', async () => {
    emu.messaging.faults.s3WriteFailure = { keyPrefix: 'reports/' };
    for (let i = 0; i < 3; i++) expect((await failure(put(`reports/${i}`, 'x'))).name).toBe('InternalError');
    await put('runs/ok', 'x');

    emu.messaging.faults.s3WriteFailure = true;
    expect((await failure(put('runs/ok-2', 'x'))).name).toBe('InternalError');

    expect([...emu.messaging.objects(BUCKET).keys()]).toEqual(['runs/ok']);
  });

  it('leaves reads alone', async () => {
    await put('r.txt', 'readable');
    emu.messaging.faults.s3WriteFailure = true;

    expect(await getText('r.txt')).toBe('readable');
  });
});
