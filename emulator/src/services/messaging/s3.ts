/**
 * S3 over REST/XML, path-style (`/<bucket>/<key>`; the SDK picks path style by itself for an
 * IP endpoint) and virtual-host style for `<bucket>.localhost`. Objects live in memory.
 */
import { createHash } from 'node:crypto';
import { injectedFault, isInjectedFault } from '../../http/errors';
import type { Caller, EmulatorRequest, EmulatorResponse, ServiceHandler } from '../../http/types';
import { type MessagingFaultListener, type MessagingFaults, takeS3WriteFault } from './faults';
import { AwsServiceError, escapeXml, newRequestId, xmlElement, xmlResponse } from './protocol';
import { decodeAwsChunked, isAwsChunked, storedContentEncoding, verifyChecksums } from './s3-body';
import { listObjects } from './s3-list';

const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const BUCKET_NAME = /^(?!\d+\.\d+\.\d+\.\d+$)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PASSED_THROUGH_HEADERS = ['cache-control', 'content-disposition', 'content-language', 'expires'];

export interface StoredObject {
  readonly body: Buffer;
  readonly etag: string;
  readonly lastModified: Date;
  readonly contentType: string;
  readonly contentEncoding: string | undefined;
  readonly metadata: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  /** base64 flexible checksums by algorithm (crc32, sha256, ...), as the client sent them. */
  readonly checksums: Readonly<Record<string, string>>;
}

export interface Bucket {
  readonly name: string;
  readonly ownerAccountId: string;
  readonly region: string;
  readonly createdAt: Date;
  readonly objects: Map<string, StoredObject>;
}

export class S3State {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly faults: MessagingFaults,
    private readonly now: () => number,
    private readonly onFault: MessagingFaultListener = () => {},
  ) {}

  /** @returns false when the bucket already existed (with this owner). */
  createBucket(name: string, ownerAccountId: string, region: string): boolean {
    if (!BUCKET_NAME.test(name) || name.includes('..')) {
      throw new AwsServiceError('InvalidBucketName', 'The specified bucket is not valid.', 400, true, {
        BucketName: name,
      });
    }
    const existing = this.buckets.get(name);
    if (existing) {
      if (existing.ownerAccountId !== ownerAccountId) {
        throw new AwsServiceError(
          'BucketAlreadyExists',
          'The requested bucket name is not available.',
          409,
          true,
          { BucketName: name },
        );
      }
      return false;
    }
    this.buckets.set(name, {
      name,
      ownerAccountId,
      region,
      createdAt: new Date(this.now()),
      objects: new Map(),
    });
    return true;
  }

  bucket(name: string): Bucket | undefined {
    return this.buckets.get(name);
  }

  readonly handler: ServiceHandler = (request, caller) => {
    const requestId = newRequestId();
    try {
      const response = this.dispatch(request, caller);
      return { ...response, headers: { 'x-amz-request-id': requestId, ...response.headers } };
    } catch (error) {
      if (error instanceof AwsServiceError) return errorResponse(error, request.method, requestId);
      throw error;
    }
  };

  private dispatch(request: EmulatorRequest, caller: Caller): EmulatorResponse {
    const { bucket, key } = addressOf(request);
    const method = request.method.toUpperCase();
    if (bucket === '') {
      if (method === 'GET') return this.listBuckets(caller);
      throw notImplemented(method, 'the service root');
    }
    if (key === '') {
      switch (method) {
        case 'PUT':
          return this.putBucket(bucket, caller, request.region);
        case 'HEAD':
          return { status: 200, headers: { 'x-amz-bucket-region': this.requireBucket(bucket).region } };
        case 'GET':
          if (request.query.get('list-type') !== '2')
            throw notImplemented(method, 'a bucket without list-type=2 (ListObjectsV2 only)');
          return xmlResponse(200, listObjects(this.requireBucket(bucket), request.query));
        case 'DELETE':
          return this.deleteBucket(bucket);
        default:
          throw notImplemented(method, 'a bucket');
      }
    }
    switch (method) {
      case 'PUT':
        return this.putObject(bucket, key, request, caller);
      case 'GET':
      case 'HEAD':
        return this.getObject(bucket, key, request, method === 'HEAD');
      case 'DELETE':
        if (takeS3WriteFault(this.faults, key)) {
          this.onFault('s3WriteFailure', caller.accountId, 's3', 'DeleteObject');
          throw injectedFailure();
        }
        this.requireBucket(bucket).objects.delete(key);
        return { status: 204 };
      default:
        throw notImplemented(method, 'an object');
    }
  }

  private requireBucket(name: string): Bucket {
    const bucket = this.buckets.get(name);
    if (!bucket)
      throw new AwsServiceError('NoSuchBucket', 'The specified bucket does not exist', 404, true, {
        BucketName: name,
      });
    return bucket;
  }

  private listBuckets(caller: Caller): EmulatorResponse {
    const owned = [...this.buckets.values()].filter((bucket) => bucket.ownerAccountId === caller.accountId);
    const items = owned
      .map(
        (bucket) =>
          `<Bucket>${xmlElement('Name', bucket.name)}${xmlElement('CreationDate', bucket.createdAt.toISOString())}</Bucket>`,
      )
      .join('');
    return xmlResponse(
      200,
      `<ListAllMyBucketsResult xmlns="${XMLNS}"><Owner>${xmlElement('ID', caller.accountId)}</Owner><Buckets>${items}</Buckets></ListAllMyBucketsResult>`,
    );
  }

  private putBucket(name: string, caller: Caller, region: string): EmulatorResponse {
    const created = this.createBucket(name, caller.accountId, region);
    // us-east-1 keeps its legacy behaviour: re-creating your own bucket is a no-op success.
    if (!created && region !== 'us-east-1') {
      throw new AwsServiceError(
        'BucketAlreadyOwnedByYou',
        'Your previous request to create the named bucket succeeded and you already own it.',
        409,
        true,
        { BucketName: name },
      );
    }
    return { status: 200, headers: { location: `/${name}` } };
  }

  private deleteBucket(name: string): EmulatorResponse {
    const bucket = this.requireBucket(name);
    if (bucket.objects.size > 0) {
      throw new AwsServiceError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409, true, {
        BucketName: name,
      });
    }
    this.buckets.delete(name);
    return { status: 204 };
  }

  private putObject(
    bucketName: string,
    key: string,
    request: EmulatorRequest,
    caller: Caller,
  ): EmulatorResponse {
    const bucket = this.requireBucket(bucketName);
    if (request.headers['x-amz-copy-source'] !== undefined) throw notImplemented('PUT', 'CopyObject');
    const { headers } = request;
    let body = request.body;
    let trailers: Readonly<Record<string, string>> = {};
    if (isAwsChunked(headers)) {
      ({ body, trailers } = decodeAwsChunked(request.body));
      const declared = headers['x-amz-decoded-content-length'];
      if (declared !== undefined && Number(declared) !== body.length) {
        throw new AwsServiceError(
          'IncompleteBody',
          `You did not provide the number of bytes specified by the x-amz-decoded-content-length header (${declared}, received ${body.length}).`,
          400,
        );
      }
    }
    const checksums = verifyChecksums(body, headers, trailers);
    if (takeS3WriteFault(this.faults, key)) {
      this.onFault('s3WriteFailure', caller.accountId, 's3', 'PutObject');
      throw injectedFailure();
    }
    // Conditional writes: `If-None-Match: *` creates only (S3 has supported it since 2024).
    const ifNoneMatch = headers['if-none-match'];
    if (ifNoneMatch !== undefined) {
      if (ifNoneMatch.trim() !== '*') {
        throw new AwsServiceError(
          'NotImplemented',
          'A header you provided implies functionality that is not implemented',
          501,
          true,
          {
            Header: 'If-None-Match',
          },
        );
      }
      if (bucket.objects.has(key)) {
        throw new AwsServiceError(
          'PreconditionFailed',
          'At least one of the pre-conditions you specified did not hold',
          412,
          true,
          { Condition: 'If-None-Match' },
        );
      }
    }
    const metadata: Record<string, string> = {};
    const passed: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (name.startsWith('x-amz-meta-')) metadata[name.slice('x-amz-meta-'.length)] = value;
      if (PASSED_THROUGH_HEADERS.includes(name)) passed[name] = value;
    }
    const object: StoredObject = {
      body,
      etag: `"${createHash('md5').update(body).digest('hex')}"`,
      lastModified: new Date(Math.floor(this.now() / 1000) * 1000),
      contentType: headers['content-type'] ?? 'binary/octet-stream',
      contentEncoding: storedContentEncoding(headers),
      metadata,
      headers: passed,
      checksums,
    };
    bucket.objects.set(key, object);
    const checksumHeaders = Object.fromEntries(
      Object.entries(checksums).map(([algorithm, value]) => [`x-amz-checksum-${algorithm}`, value]),
    );
    return {
      status: 200,
      headers: { etag: object.etag, 'x-amz-server-side-encryption': 'AES256', ...checksumHeaders },
    };
  }

  private getObject(
    bucketName: string,
    key: string,
    request: EmulatorRequest,
    head: boolean,
  ): EmulatorResponse {
    const object = this.requireBucket(bucketName).objects.get(key);
    if (!object)
      throw new AwsServiceError('NoSuchKey', 'The specified key does not exist.', 404, true, { Key: key });
    const headers: Record<string, string> = {
      'content-type': object.contentType,
      etag: object.etag,
      'last-modified': object.lastModified.toUTCString(),
      'accept-ranges': 'bytes',
      'x-amz-server-side-encryption': 'AES256',
      ...object.headers,
    };
    if (object.contentEncoding !== undefined) headers['content-encoding'] = object.contentEncoding;
    for (const [name, value] of Object.entries(object.metadata)) headers[`x-amz-meta-${name}`] = value;
    const range = parseRange(request.headers['range'], object.body.length);
    if (range) {
      const slice = object.body.subarray(range.start, range.end + 1);
      headers['content-range'] = `bytes ${range.start}-${range.end}/${object.body.length}`;
      headers['content-length'] = String(slice.length);
      return { status: 206, headers, body: head ? Buffer.alloc(0) : slice };
    }
    // The SDK validates a returned checksum against the body, so only whole-object reads carry one.
    if (request.headers['x-amz-checksum-mode']?.toUpperCase() === 'ENABLED') {
      for (const [algorithm, value] of Object.entries(object.checksums))
        headers[`x-amz-checksum-${algorithm}`] = value;
      if (Object.keys(object.checksums).length > 0) headers['x-amz-checksum-type'] = 'FULL_OBJECT';
    }
    headers['content-length'] = String(object.body.length);
    return { status: 200, headers, body: head ? Buffer.alloc(0) : object.body };
  }
}

export function addressOf(request: EmulatorRequest): { bucket: string; key: string } {
  const host = (request.headers['host'] ?? '').replace(/:\d+$/, '');
  const virtualHost = /^(.+)\.localhost$/.exec(host);
  if (virtualHost) return { bucket: virtualHost[1]!, key: request.path.replace(/^\//, '') };
  const path = request.path.replace(/^\//, '');
  const slash = path.indexOf('/');
  return slash < 0 ? { bucket: path, key: '' } : { bucket: path.slice(0, slash), key: path.slice(slash + 1) };
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  const [start, end] =
    match[1] === ''
      ? [Math.max(0, size - Number(match[2])), size - 1]
      : [Number(match[1]), match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1)];
  if (start >= size || start > end) {
    throw new AwsServiceError('InvalidRange', 'The requested range is not satisfiable', 416, true, {
      ActualObjectSize: String(size),
    });
  }
  return { start, end };
}

function injectedFailure(): AwsServiceError {
  return injectedFault(
    new AwsServiceError(
      'InternalError',
      'We encountered an internal error. Please try again. (injected by the emulator)',
      500,
    ),
  );
}

function notImplemented(method: string, what: string): AwsServiceError {
  return new AwsServiceError(
    'NotImplemented',
    `The emulator does not implement ${method} on ${what}.`,
    501,
    false,
  );
}

function errorResponse(error: AwsServiceError, method: string, requestId: string): EmulatorResponse {
  const response = renderError(error, method, requestId);
  return isInjectedFault(error) ? { ...response, injectedFault: true } : response;
}

function renderError(error: AwsServiceError, method: string, requestId: string): EmulatorResponse {
  // HEAD responses carry no body, which is why the SDK reports them as NotFound / 403 etc.
  if (method.toUpperCase() === 'HEAD')
    return { status: error.status, headers: { 'x-amz-request-id': requestId } };
  const extra = Object.entries(error.extra)
    .map(([name, value]) => xmlElement(name, value))
    .join('');
  return xmlResponse(
    error.status,
    `<Error>${xmlElement('Code', error.code)}<Message>${escapeXml(error.message)}</Message>${extra}${xmlElement('RequestId', requestId)}</Error>`,
    { 'x-amz-request-id': requestId },
  );
}
