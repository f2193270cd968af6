/**
 * Error responses in each service's own protocol, for errors the server raises before a
 * handler runs (bad credentials, throttling, injected failures) and for handler errors.
 */
import { JsonError, jsonError } from '../protocols/json';
import { QueryError, queryError } from '../protocols/query';
import { escapeXml } from '../protocols/xml';
import type { EmulatorResponse } from './types';

const QUERY_NAMESPACES: Readonly<Record<string, string>> = {
  iam: 'https://iam.amazonaws.com/doc/2010-05-08/',
  sts: 'https://sts.amazonaws.com/doc/2011-06-15/',
  sns: 'http://sns.amazonaws.com/doc/2010-03-31/',
  cloudformation: 'http://cloudformation.amazonaws.com/doc/2010-05-15/',
};

const JSON_CONTENT_TYPES: Readonly<Record<string, string>> = {
  organizations: 'application/x-amz-json-1.1',
  sqs: 'application/x-amz-json-1.0',
  states: 'application/x-amz-json-1.0',
  // restJson1: the operation is the HTTP route; errors carry x-amzn-errortype and `Code`.
  securityhub: 'application/json',
};

/**
 * Security Hub's own names for the conditions it shares with other JSON services (its SDK
 * models InternalException 500 and LimitExceededException 429), and restJson1's statuses.
 */
const SECURITY_HUB_NAMES: Readonly<Partial<Record<ErrorKind, { json: string; status: number }>>> = {
  invalidToken: { json: 'UnrecognizedClientException', status: 403 },
  throttling: { json: 'LimitExceededException', status: 429 },
  internal: { json: 'InternalException', status: 500 },
};

export type ErrorKind = 'invalidToken' | 'expiredToken' | 'missingToken' | 'throttling' | 'internal';

/** Each protocol names the same condition differently (IAM `Throttling`, JSON `…Exception`). */
const NAMES: Readonly<
  Record<
    ErrorKind,
    { query: string; json: string; s3: string; status: number; jsonStatus?: number; message: string }
  >
> = {
  invalidToken: {
    query: 'InvalidClientTokenId',
    json: 'UnrecognizedClientException',
    s3: 'InvalidAccessKeyId',
    status: 403,
    jsonStatus: 400,
    message: 'The security token included in the request is invalid.',
  },
  expiredToken: {
    query: 'ExpiredToken',
    json: 'ExpiredTokenException',
    s3: 'ExpiredToken',
    status: 400,
    message: 'The security token included in the request is expired',
  },
  missingToken: {
    query: 'MissingAuthenticationToken',
    json: 'MissingAuthenticationTokenException',
    s3: 'AccessDenied',
    status: 403,
    message: 'Request is missing Authentication Token',
  },
  throttling: {
    query: 'Throttling',
    json: 'ThrottlingException',
    s3: 'SlowDown',
    status: 400,
    message: 'Rate exceeded',
  },
  internal: {
    query: 'ServiceFailure',
    json: 'InternalFailure',
    s3: 'InternalError',
    status: 500,
    message: 'We encountered an internal error. Please try again.',
  },
};

export function serviceError(service: string, kind: ErrorKind, requestId: string): EmulatorResponse {
  const names = NAMES[kind];
  if (service === 'securityhub') {
    const own = SECURITY_HUB_NAMES[kind];
    const type = own?.json ?? names.json;
    return jsonError(
      requestId,
      { type, message: names.message, status: own?.status ?? names.status, extra: { Code: type } },
      JSON_CONTENT_TYPES[service],
    );
  }
  if (service in JSON_CONTENT_TYPES) {
    return jsonError(
      requestId,
      { type: names.json, message: names.message, status: names.jsonStatus ?? names.status },
      JSON_CONTENT_TYPES[service],
    );
  }
  if (service === 's3') {
    return s3Error(names.s3, names.message, kind === 'throttling' ? 503 : names.status, requestId);
  }
  const code = kind === 'internal' && service !== 'iam' ? 'InternalFailure' : names.query;
  return queryError(namespaceFor(service), requestId, { code, message: names.message, status: names.status });
}

/**
 * AWS's answer to a request IAM does not authorize, in each protocol's own shape: the query
 * protocols (IAM, STS) `AccessDenied` 403, SNS `AuthorizationError` 403, SQS (JSON 1.0,
 * query-compatible) `AccessDenied` 403 by its `x-amzn-query-error` header, S3 `AccessDenied`
 * 403 (no body for HEAD), Organizations (JSON 1.1) `AccessDeniedException` 400, Security Hub
 * (restJson1) `AccessDeniedException` 403.
 */
export function accessDenied(
  service: string,
  message: string,
  requestId: string,
  method: string,
): EmulatorResponse {
  switch (service) {
    case 's3':
      if (method.toUpperCase() === 'HEAD') return { status: 403, headers: { 'x-amz-request-id': requestId } };
      return s3Error('AccessDenied', message, 403, requestId);
    case 'sqs':
      // What SQS answers over JSON: a coral AccessDeniedException, and the query-compatible code
      // `AccessDenied` in x-amzn-query-error, which the SDK (awsQueryCompatible) takes as the name.
      return {
        status: 403,
        headers: {
          'content-type': JSON_CONTENT_TYPES['sqs']!,
          'x-amzn-requestid': requestId,
          'x-amzn-query-error': 'AccessDenied;Sender',
        },
        body: JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', Message: message }),
      };
    case 'organizations':
      return jsonError(
        requestId,
        { type: 'AccessDeniedException', message, status: 400 },
        JSON_CONTENT_TYPES['organizations'],
      );
    case 'states':
      return jsonError(
        requestId,
        { type: 'AccessDeniedException', message, status: 400 },
        JSON_CONTENT_TYPES['states'],
      );
    case 'securityhub':
      return jsonError(
        requestId,
        { type: 'AccessDeniedException', message, status: 403, extra: { Code: 'AccessDeniedException' } },
        JSON_CONTENT_TYPES['securityhub'],
      );
    case 'sns':
      return queryError(namespaceFor(service), requestId, {
        code: 'AuthorizationError',
        message,
        status: 403,
        type: 'Sender',
      });
    default:
      return queryError(namespaceFor(service), requestId, {
        code: 'AccessDenied',
        message,
        status: 403,
        type: 'Sender',
      });
  }
}

const injectedErrors = new WeakSet<object>();

/** Marks an error a handler throws because a fault was injected (the call's outcome is 'fault'). */
export function injectedFault<E extends Error>(error: E): E {
  injectedErrors.add(error);
  return error;
}

export function isInjectedFault(error: unknown): boolean {
  return typeof error === 'object' && error !== null && injectedErrors.has(error);
}

/** Renders what a handler threw: protocol errors as such, anything else as a 500. */
export function handlerError(service: string, error: unknown, requestId: string): EmulatorResponse {
  const response = renderHandlerError(service, error, requestId);
  return isInjectedFault(error) ? { ...response, injectedFault: true } : response;
}

function renderHandlerError(service: string, error: unknown, requestId: string): EmulatorResponse {
  if (error instanceof QueryError) {
    return queryError(namespaceFor(service), requestId, {
      code: error.code,
      message: error.message,
      status: error.status,
      type: error.type,
    });
  }
  if (error instanceof JsonError) {
    return jsonError(
      requestId,
      { type: error.type, message: error.message, status: error.status, extra: error.extra },
      JSON_CONTENT_TYPES[service],
    );
  }
  return serviceError(service, 'internal', requestId);
}

function namespaceFor(service: string): string {
  return QUERY_NAMESPACES[service] ?? QUERY_NAMESPACES['iam']!;
}

function s3Error(code: string, message: string, status: number, requestId: string): EmulatorResponse {
  return {
    status,
    headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
    body:
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(code)}</Code>` +
      `<Message>${escapeXml(message)}</Message><RequestId>${requestId}</RequestId></Error>`,
  };
}
