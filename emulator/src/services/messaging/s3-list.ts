/**
 * ListObjectsV2: prefix, delimiter (common prefixes count toward max-keys, as on AWS),
 * max-keys, start-after, continuation-token, encoding-type=url.
 */

import { AwsServiceError, decodeToken, encodeToken, xmlElement } from './protocol';
import type { Bucket } from './s3';

const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const MAX_KEYS = 1000;

/** S3 orders keys by their UTF-8 bytes, which differs from JS string order above U+FFFF. */
function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Where the previous page stopped: after a key, or after every key under a common prefix. */
type Position =
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'prefix'; readonly prefix: string };

function isAfter(key: string, position: Position | undefined): boolean {
  if (position === undefined) return true;
  if (position.kind === 'key') return compareKeys(key, position.key) > 0;
  return compareKeys(key, position.prefix) > 0 && !key.startsWith(position.prefix);
}

export function listObjects(bucket: Bucket, query: URLSearchParams): string {
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const maxKeysText = query.get('max-keys');
  const maxKeys = maxKeysText === null ? MAX_KEYS : Number(maxKeysText);
  if (!Number.isInteger(maxKeys) || maxKeys < 0) {
    throw new AwsServiceError(
      'InvalidArgument',
      'Provided max-keys not an integer or within integer range',
      400,
      true,
      {
        ArgumentName: 'max-keys',
        ArgumentValue: maxKeysText ?? '',
      },
    );
  }
  const limit = Math.min(maxKeys, MAX_KEYS);
  const encodeUrl = query.get('encoding-type') === 'url';
  const token = query.get('continuation-token');
  const startAfter = query.get('start-after') ?? '';
  let position: Position | undefined = startAfter === '' ? undefined : { kind: 'key', key: startAfter };
  if (token !== null) position = parseToken(token);

  const keys = [...bucket.objects.keys()]
    .filter((key) => key.startsWith(prefix) && isAfter(key, position))
    .sort(compareKeys);
  const contents: string[] = [];
  const commonPrefixes: string[] = [];
  let last: Position | undefined;
  let truncated = false;
  for (const key of keys) {
    const rest = key.slice(prefix.length);
    const cut = delimiter === '' ? -1 : rest.indexOf(delimiter);
    const commonPrefix = cut < 0 ? undefined : prefix + rest.slice(0, cut + delimiter.length);
    if (commonPrefix !== undefined && last?.kind === 'prefix' && last.prefix === commonPrefix) continue;
    if (contents.length + commonPrefixes.length >= limit) {
      // With max-keys=0 nothing was returned, so there is no position to continue from.
      truncated = last !== undefined;
      break;
    }
    if (commonPrefix !== undefined) {
      commonPrefixes.push(commonPrefix);
      last = { kind: 'prefix', prefix: commonPrefix };
    } else {
      contents.push(key);
      last = { kind: 'key', key };
    }
  }

  const encode = (value: string) => (encodeUrl ? encodeURIComponent(value) : value);
  const objects = contents
    .map((key) => {
      const object = bucket.objects.get(key)!;
      const algorithms = Object.keys(object.checksums).map((algorithm) =>
        xmlElement('ChecksumAlgorithm', algorithm.toUpperCase()),
      );
      return (
        `<Contents>${xmlElement('Key', encode(key))}${xmlElement('LastModified', object.lastModified.toISOString())}` +
        `${xmlElement('ETag', object.etag)}${algorithms.join('')}${xmlElement('Size', object.body.length)}` +
        `${xmlElement('StorageClass', 'STANDARD')}</Contents>`
      );
    })
    .join('');
  const prefixes = commonPrefixes
    .map((value) => `<CommonPrefixes>${xmlElement('Prefix', encode(value))}</CommonPrefixes>`)
    .join('');
  return (
    `<ListBucketResult xmlns="${XMLNS}">${xmlElement('Name', bucket.name)}${xmlElement('Prefix', encode(prefix))}` +
    (delimiter === '' ? '' : xmlElement('Delimiter', encode(delimiter))) +
    `${xmlElement('MaxKeys', maxKeys)}${xmlElement('KeyCount', contents.length + commonPrefixes.length)}` +
    `${xmlElement('IsTruncated', truncated)}` +
    (token === null ? '' : xmlElement('ContinuationToken', token)) +
    (truncated && last !== undefined
      ? xmlElement('NextContinuationToken', encodeToken(JSON.stringify(last)))
      : '') +
    (startAfter === '' ? '' : xmlElement('StartAfter', encode(startAfter))) +
    (encodeUrl ? xmlElement('EncodingType', 'url') : '') +
    `${objects}${prefixes}</ListBucketResult>`
  );
}

function parseToken(token: string): Position {
  try {
    const parsed = JSON.parse(decodeToken(token, 'continuation-token')) as Partial<{
      kind: string;
      key: string;
      prefix: string;
    }>;
    if (parsed.kind === 'key' && typeof parsed.key === 'string') return { kind: 'key', key: parsed.key };
    if (parsed.kind === 'prefix' && typeof parsed.prefix === 'string')
      return { kind: 'prefix', prefix: parsed.prefix };
  } catch {
    // fall through to the AWS error below
  }
  throw new AwsServiceError('InvalidArgument', 'The continuation token provided is incorrect', 400, true, {
    ArgumentName: 'continuation-token',
  });
}
