/** The AWS JSON protocols (Organizations: 1.1, SQS: 1.0): `X-Amz-Target` picks the operation. */
import type { EmulatorRequest, EmulatorResponse } from '../http/types';

export function jsonTarget(request: EmulatorRequest): string | undefined {
  const target = request.headers['x-amz-target'];
  if (target === undefined) return undefined;
  const dot = target.lastIndexOf('.');
  return dot < 0 ? target : target.slice(dot + 1);
}

export class JsonError extends Error {
  override readonly name = 'JsonError';
  constructor(
    readonly type: string,
    message: string,
    readonly status: number,
    readonly extra: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

export function jsonResponse(
  body: unknown,
  requestId: string,
  contentType = 'application/x-amz-json-1.1',
): EmulatorResponse {
  return {
    status: 200,
    headers: { 'content-type': contentType, 'x-amzn-requestid': requestId },
    body: JSON.stringify(body),
  };
}

export function jsonError(
  requestId: string,
  error: { type: string; message: string; status: number; extra?: Readonly<Record<string, unknown>> },
  contentType = 'application/x-amz-json-1.1',
): EmulatorResponse {
  return {
    status: error.status,
    headers: { 'content-type': contentType, 'x-amzn-requestid': requestId, 'x-amzn-errortype': error.type },
    body: JSON.stringify({ __type: error.type, Message: error.message, ...error.extra }),
  };
}

export function parseJsonBody(request: EmulatorRequest): Record<string, unknown> {
  const text = request.body.toString('utf8');
  if (text.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
  } catch {
    // Falls through to the SerializationException below.
  }
  throw new JsonError('SerializationException', 'The request body is not a JSON object.', 400);
}
