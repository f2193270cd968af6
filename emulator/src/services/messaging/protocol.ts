/**
 * Wire-level helpers shared by the SNS (query/XML), SQS (JSON 1.0) and S3 (REST/XML) handlers.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { EmulatorResponse } from '../../http/types';

export function newRequestId(): string {
  return randomUUID();
}

export function md5Hex(data: string | Buffer): string {
  return createHash('md5').update(data).digest('hex');
}

export function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** `<Name>value</Name>`, escaped; omitted entirely when the value is undefined. */
export function xmlElement(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${escapeXml(String(value))}</${name}>`;
}

export function xmlResponse(
  status: number,
  body: string,
  headers: Record<string, string> = {},
): EmulatorResponse {
  return {
    status,
    headers: { 'content-type': 'text/xml', ...headers },
    body: `<?xml version="1.0" encoding="UTF-8"?>\n${body}`,
  };
}

export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): EmulatorResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) };
}

/**
 * An AWS service error raised inside a handler; each protocol renders it in its own shape.
 * `sender` picks the Sender/Receiver fault type the query protocols report.
 */
export class AwsServiceError extends Error {
  override readonly name = 'AwsServiceError';

  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly sender = status < 500,
    readonly extra: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/**
 * Messages and bodies are limited in bytes, not characters, so every size check goes
 * through this one function.
 */
export function utf8Length(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

/** Characters SQS and SNS accept in a message (the XML 1.0 character set). */
const INVALID_MESSAGE_CHARS = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function hasInvalidMessageCharacters(value: string): boolean {
  return INVALID_MESSAGE_CHARS.test(value);
}

/** Opaque pagination tokens: base64url of a position, so callers cannot depend on their shape. */
export function encodeToken(position: string): string {
  return Buffer.from(position, 'utf8').toString('base64url');
}

export function decodeToken(token: string, field: string): string {
  const decoded = Buffer.from(token, 'base64url').toString('utf8');
  if (decoded.length === 0 || encodeToken(decoded) !== token) {
    throw new AwsServiceError('InvalidParameterValue', `Invalid ${field}: ${token}`, 400);
  }
  return decoded;
}
