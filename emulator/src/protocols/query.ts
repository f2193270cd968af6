/**
 * The AWS query protocol (IAM, STS): form-encoded `Action=…&Version=…` requests, XML
 * responses wrapped in `<XResponse><XResult>` and `<ErrorResponse>` errors.
 */
import type { EmulatorRequest, EmulatorResponse } from '../http/types';
import { escapeXml, toXml, type XmlNode } from './xml';

export function queryParams(request: EmulatorRequest): URLSearchParams {
  const params = new URLSearchParams(request.query);
  const body = request.body.toString('utf8');
  if (body.length > 0) for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
  return params;
}

export function queryResult(
  namespace: string,
  action: string,
  requestId: string,
  result: XmlNode | null,
): EmulatorResponse {
  const inner = result === null ? '' : `<${action}Result>${toXml(result)}</${action}Result>`;
  return {
    status: 200,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body:
      `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${namespace}">${inner}` +
      `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`,
  };
}

/** An error a query-protocol handler throws; the server renders it. */
export class QueryError extends Error {
  override readonly name = 'QueryError';
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly type: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
  }
}

export function queryError(
  namespace: string,
  requestId: string,
  error: { code: string; message: string; status: number; type?: string },
): EmulatorResponse {
  const type = error.type ?? (error.status >= 500 ? 'Receiver' : 'Sender');
  return {
    status: error.status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
    body:
      `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${namespace}"><Error><Type>${type}</Type>` +
      `<Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
      `<RequestId>${requestId}</RequestId></ErrorResponse>`,
  };
}
