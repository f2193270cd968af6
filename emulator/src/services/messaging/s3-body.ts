/**
 * What SDK v3 sends as a PutObject body: plain bytes with an `x-amz-checksum-*` header for
 * buffers and strings, or `content-encoding: aws-chunked` with the checksum in a trailer for
 * streams of unknown length (`x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER`).
 * Decoding and verifying both here keeps the S3 handler about S3.
 */
import { createHash } from 'node:crypto';
import { AwsServiceError } from './protocol';

export interface DecodedBody {
  readonly body: Buffer;
  /** Lower-cased trailer names, e.g. `x-amz-checksum-crc32`. */
  readonly trailers: Readonly<Record<string, string>>;
}

export function isAwsChunked(headers: Readonly<Record<string, string>>): boolean {
  const encodings = (headers['content-encoding'] ?? '').split(',').map((part) => part.trim());
  return (
    encodings.includes('aws-chunked') || (headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-')
  );
}

/** `content-encoding` to store: aws-chunked is transport framing, not a property of the object. */
export function storedContentEncoding(headers: Readonly<Record<string, string>>): string | undefined {
  const rest = (headers['content-encoding'] ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0 && part !== 'aws-chunked');
  return rest.length > 0 ? rest.join(',') : undefined;
}

/**
 * Decodes `<hex-size>[;chunk-signature=...]\r\n<data>\r\n ... 0\r\n<trailers>\r\n`.
 * Chunk signatures are not verified: the emulator does not check SigV4 signatures at all.
 */
export function decodeAwsChunked(raw: Buffer): DecodedBody {
  const chunks: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = raw.indexOf('\r\n', offset, 'latin1');
    if (lineEnd < 0) throw incomplete('a chunk header is not terminated by CRLF');
    const sizeText = raw.subarray(offset, lineEnd).toString('latin1').split(';')[0]!.trim();
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) throw incomplete(`chunk size "${sizeText}" is not hexadecimal`);
    const size = Number.parseInt(sizeText, 16);
    offset = lineEnd + 2;
    if (size === 0) break;
    if (offset + size + 2 > raw.length) throw incomplete('a chunk is shorter than its declared size');
    chunks.push(raw.subarray(offset, offset + size));
    offset += size;
    if (raw.subarray(offset, offset + 2).toString('latin1') !== '\r\n')
      throw incomplete('chunk data is not followed by CRLF');
    offset += 2;
  }
  const trailers: Record<string, string> = {};
  for (const line of raw.subarray(offset).toString('utf8').split('\r\n')) {
    if (line.length === 0) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw incomplete(`trailer line "${line}" has no name`);
    trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { body: Buffer.concat(chunks), trailers };
}

function incomplete(reason: string): AwsServiceError {
  return new AwsServiceError(
    'IncompleteBody',
    `The request body is not valid aws-chunked encoding: ${reason}.`,
    400,
  );
}

function crcTable(polynomial: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? polynomial ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}

const CRC32_TABLE = crcTable(0xedb88320);
const CRC32C_TABLE = crcTable(0x82f63b78);

function crc(table: Uint32Array, data: Buffer): Buffer {
  let c = 0xffffffff;
  for (const byte of data) c = table[(c ^ byte) & 0xff]! ^ (c >>> 8);
  const out = Buffer.alloc(4);
  out.writeUInt32BE((c ^ 0xffffffff) >>> 0);
  return out;
}

/** base64 checksums by S3 algorithm name (lower case, as in the header suffix). */
const CHECKSUMS: Readonly<Record<string, (data: Buffer) => string>> = {
  crc32: (data) => crc(CRC32_TABLE, data).toString('base64'),
  crc32c: (data) => crc(CRC32C_TABLE, data).toString('base64'),
  sha1: (data) => createHash('sha1').update(data).digest('base64'),
  sha256: (data) => createHash('sha256').update(data).digest('base64'),
};

export function checksumOf(algorithm: string, data: Buffer): string | undefined {
  return CHECKSUMS[algorithm]?.(data);
}

/**
 * Checks every checksum the client sent (headers or trailers, plus Content-MD5 and a hex
 * x-amz-content-sha256) and returns the flexible ones to store, keyed by algorithm.
 * Algorithms the emulator cannot compute (crc64nvme) are stored unverified.
 */
export function verifyChecksums(
  body: Buffer,
  headers: Readonly<Record<string, string>>,
  trailers: Readonly<Record<string, string>>,
): Record<string, string> {
  const contentSha = headers['x-amz-content-sha256'];
  if (contentSha !== undefined && /^[0-9a-f]{64}$/.test(contentSha)) {
    if (createHash('sha256').update(body).digest('hex') !== contentSha) {
      throw new AwsServiceError(
        'XAmzContentSHA256Mismatch',
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        400,
      );
    }
  }
  const contentMd5 = headers['content-md5'];
  if (contentMd5 !== undefined) {
    if (!/^[A-Za-z0-9+/]{22}==$/.test(contentMd5)) {
      throw new AwsServiceError('InvalidDigest', 'The Content-MD5 you specified was invalid.', 400);
    }
    if (createHash('md5').update(body).digest('base64') !== contentMd5) {
      throw new AwsServiceError(
        'BadDigest',
        'The Content-MD5 you specified did not match what we received.',
        400,
      );
    }
  }
  const stored: Record<string, string> = {};
  for (const [name, value] of [...Object.entries(headers), ...Object.entries(trailers)]) {
    const match = /^x-amz-checksum-([a-z0-9]+)$/.exec(name);
    if (!match || match[1] === 'mode' || match[1] === 'type' || match[1] === 'algorithm') continue;
    const algorithm = match[1]!;
    const computed = checksumOf(algorithm, body);
    if (computed !== undefined && computed !== value) {
      throw new AwsServiceError(
        'BadDigest',
        `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
        400,
      );
    }
    stored[algorithm] = value;
  }
  return stored;
}
