/**
 * The deactivation requests' records in the report bucket (docs/remediation.md, "Stored
 * objects"), as the CLI reads them: every object is validated, because a decision built on a
 * misread request could deactivate the wrong keys.
 */
import {
  GetObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  type ApprovalTask,
  ApprovalTaskSchema,
  type DeactivationRequest,
  DeactivationRequestSchema,
  OPEN_MARKERS_PREFIX,
  type ReactivationRecord,
  ReactivationRecordSchema,
  type RequestMarker,
  RequestMarkerSchema,
  type RequestOutcome,
  RequestOutcomeSchema,
  remediationKeys,
} from '@org-key-audit/functions/core';
import { awsErrorName, errorMessage, OperationError } from './errors';

interface Schema<T> {
  safeParse(
    value: unknown,
  ): { success: true; data: T } | { success: false; error: { issues: readonly Issue[] } };
}
interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

export const s3Url = (bucket: string, key: string) => `s3://${bucket}/${key}`;

/** The object's text, or null when it does not exist. */
export async function getText(s3: S3Client, bucket: string, key: string): Promise<string | null> {
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return (await object.Body?.transformToString('utf-8')) ?? '';
  } catch (error) {
    const name = awsErrorName(error);
    if (name === 'NoSuchKey' || name === 'NotFound') return null;
    throw readError(error, bucket, key);
  }
}

function readError(error: unknown, bucket: string, key: string): OperationError {
  const name = awsErrorName(error);
  if (name === 'AccessDenied' || name === 'AccessDeniedException' || name === 'Forbidden') {
    return new OperationError(`You may not read ${s3Url(bucket, key)} (${errorMessage(error)}).`, {
      // Without ListBucket, S3 answers a missing object with AccessDenied too.
      fix: 'Use credentials with s3:GetObject and s3:ListBucket on the report bucket (and kms:Decrypt on its key).',
      cause: error,
    });
  }
  if (name === 'NoSuchBucket') {
    return new OperationError(`The report bucket ${bucket} does not exist in this account.`, {
      fix: 'Pass --stack with the deployed stack name, or --report-bucket with the bucket from its outputs.',
      cause: error,
    });
  }
  return new OperationError(`Could not read ${s3Url(bucket, key)}: ${errorMessage(error)}.`, {
    fix: 'Check your credentials and region (AWS_PROFILE, AWS_REGION), then retry.',
    cause: error,
  });
}

/** A stored JSON record, validated; null when the object does not exist. */
export async function readRecord<T>(
  s3: S3Client,
  bucket: string,
  key: string,
  schema: Schema<T>,
  what: string,
): Promise<T | null> {
  const text = await getText(s3, bucket, key);
  if (text === null) return null;
  return parseRecord(text, schema, what, s3Url(bucket, key));
}

export function parseRecord<T>(text: string, schema: Schema<T>, what: string, where: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new OperationError(`${where} is not JSON, so it is not a ${what}.`, {
      fix: 'It was damaged or written by hand; nothing was sent. Restore it from the bucket versions, or let the request expire.',
      cause: error,
    });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue === undefined ? '' : issue.path.map(String).join('.');
    throw new OperationError(
      `${where} is not a valid ${what} (field "${path}": ${issue?.message ?? 'invalid'}).`,
      {
        fix: 'It was damaged or written by another version of org-key-audit; nothing was sent. Upgrade keyaudit to the deployed version, or let the request expire.',
      },
    );
  }
  return parsed.data;
}

export interface RequestRecords {
  readonly request: DeactivationRequest;
  readonly task: ApprovalTask | null;
  readonly outcome: RequestOutcome | null;
}

/** The request itself; its absence is an error naming where it was looked for. */
export async function readRequest(
  s3: S3Client,
  bucket: string,
  requestId: string,
): Promise<DeactivationRequest> {
  const key = remediationKeys(requestId).request;
  const request = await readRecord(s3, bucket, key, DeactivationRequestSchema, 'DeactivationRequest');
  if (request === null) {
    throw new OperationError(`no deactivation request ${requestId} in ${s3Url(bucket, key)}.`, {
      fix: 'Check the id against the approval notice or `keyaudit requests`, and that --stack / AWS_REGION point at the audit account.',
    });
  }
  if (request.requestId !== requestId) {
    throw new OperationError(`${s3Url(bucket, key)} holds request ${request.requestId}, not ${requestId}.`, {
      fix: 'The object was copied or edited by hand; nothing was sent. Restore it from the bucket versions.',
    });
  }
  return request;
}

export async function readTask(
  s3: S3Client,
  bucket: string,
  requestId: string,
): Promise<ApprovalTask | null> {
  return readRecord(s3, bucket, remediationKeys(requestId).task, ApprovalTaskSchema, 'approval task');
}

export async function readOutcome(
  s3: S3Client,
  bucket: string,
  requestId: string,
): Promise<RequestOutcome | null> {
  return readRecord(s3, bucket, remediationKeys(requestId).outcome, RequestOutcomeSchema, 'RequestOutcome');
}

export async function readMarker(
  s3: S3Client,
  bucket: string,
  requestId: string,
): Promise<RequestMarker | null> {
  return readRecord(s3, bucket, remediationKeys(requestId).marker, RequestMarkerSchema, 'request marker');
}

export async function readRequestRecords(
  s3: S3Client,
  bucket: string,
  requestId: string,
): Promise<RequestRecords> {
  const request = await readRequest(s3, bucket, requestId);
  const [task, outcome] = await Promise.all([
    readTask(s3, bucket, requestId),
    readOutcome(s3, bucket, requestId),
  ]);
  return { request, task, outcome };
}

export async function readReactivation(
  s3: S3Client,
  bucket: string,
  requestId: string,
  accessKeyId: string,
): Promise<ReactivationRecord | null> {
  return readRecord(
    s3,
    bucket,
    remediationKeys(requestId).reactivation(accessKeyId),
    ReactivationRecordSchema,
    'reactivation record',
  );
}

/** Every key under a prefix, in S3's (lexicographic) order. */
export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    let page: ListObjectsV2CommandOutput;
    try {
      page = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
    } catch (error) {
      const name = awsErrorName(error);
      if (name === 'AccessDenied' || name === 'AccessDeniedException') {
        throw new OperationError(`You may not list ${s3Url(bucket, prefix)} (${errorMessage(error)}).`, {
          fix: 'Use credentials with s3:ListBucket on the report bucket.',
          cause: error,
        });
      }
      throw readError(error, bucket, prefix);
    }
    for (const object of page.Contents ?? []) if (object.Key !== undefined) keys.push(object.Key);
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return keys;
}

export async function listReactivations(
  s3: S3Client,
  bucket: string,
  requestId: string,
): Promise<ReactivationRecord[]> {
  const prefix = remediationKeys(requestId).reactivations;
  const records: ReactivationRecord[] = [];
  for (const key of await listKeys(s3, bucket, prefix)) {
    if (!key.endsWith('.json')) continue;
    const record = await readRecord(s3, bucket, key, ReactivationRecordSchema, 'reactivation record');
    if (record !== null) records.push(record);
  }
  return records;
}

export type MarkerEntry =
  | { readonly key: string; readonly marker: RequestMarker; readonly problem: null }
  | { readonly key: string; readonly marker: null; readonly problem: string };

/** The open markers; one that cannot be read is listed with the reason instead of hiding the rest. */
export async function listMarkers(s3: S3Client, bucket: string): Promise<MarkerEntry[]> {
  const entries: MarkerEntry[] = [];
  for (const key of await listKeys(s3, bucket, OPEN_MARKERS_PREFIX)) {
    if (!key.endsWith('.json')) continue;
    const text = await getText(s3, bucket, key);
    if (text === null) continue; // removed between the listing and the read
    try {
      entries.push({
        key,
        marker: parseRecord(text, RequestMarkerSchema, 'request marker', s3Url(bucket, key)),
        problem: null,
      });
    } catch (error) {
      entries.push({ key, marker: null, problem: errorMessage(error) });
    }
  }
  return entries;
}
