/**
 * The deactivation requests in the report bucket, as RemediationRecords (app/ports.ts; layout in
 * docs/remediation.md, "Stored objects"). A request is created with `If-None-Match: *`, so two
 * attempts of one audit can never store two different requests under one id. Everything read
 * back is validated: a hand-edited request must fail with its key, not act on the wrong key.
 */
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type * as z from 'zod/mini';
import type { RemediationRecords } from '../app/ports';
import { InvalidInputError, MalformedDataError } from '../core/errors';
import {
  type ApprovalTask,
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
} from '../core/remediation';
import { describeIssues } from './run-store-schemas';

export interface RemediationStoreOptions {
  readonly s3: S3Client;
  readonly bucket: string;
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

function isNotFound(error: unknown): boolean {
  return error instanceof NoSuchKey || statusOf(error) === 404;
}

export class RemediationStore implements RemediationRecords {
  readonly bucket: string;
  readonly #s3: S3Client;

  constructor(options: RemediationStoreOptions) {
    if (options.bucket.trim() === '') {
      throw new InvalidInputError('bucket is empty: set REPORT_BUCKET to the report bucket name.');
    }
    this.bucket = options.bucket;
    this.#s3 = options.s3;
  }

  async createRequest(request: DeactivationRequest, marker: RequestMarker): Promise<'created' | 'exists'> {
    const keys = remediationKeys(request.requestId);
    try {
      await this.#s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: keys.request,
          Body: JSON.stringify(request),
          ContentType: 'application/json',
          IfNoneMatch: '*',
        }),
      );
    } catch (error) {
      // 412: it exists; 409: a concurrent create of the same key is in flight. Either way one wins.
      if (statusOf(error) === 412 || statusOf(error) === 409) return 'exists';
      throw error;
    }
    await this.putMarker(marker);
    return 'created';
  }

  async getRequest(requestId: string): Promise<DeactivationRequest | null> {
    const key = remediationKeys(requestId).request;
    const text = await this.#getOptional(key);
    return text === null ? null : this.#parse(key, text, DeactivationRequestSchema, 'a deactivation request');
  }

  async putTask(task: ApprovalTask): Promise<void> {
    await this.#putJson(remediationKeys(task.requestId).task, task);
  }

  async getOutcome(requestId: string): Promise<RequestOutcome | null> {
    const key = remediationKeys(requestId).outcome;
    const text = await this.#getOptional(key);
    return text === null ? null : this.#parse(key, text, RequestOutcomeSchema, "a request's outcome");
  }

  async putOutcome(outcome: RequestOutcome): Promise<void> {
    await this.#putJson(remediationKeys(outcome.requestId).outcome, outcome);
  }

  async putMarker(marker: RequestMarker): Promise<void> {
    await this.#putJson(remediationKeys(marker.requestId).marker, marker);
  }

  async listMarkers(): Promise<{ markers: RequestMarker[]; problems: string[] }> {
    const markers: RequestMarker[] = [];
    const problems: string[] = [];
    for (const key of await this.#list(OPEN_MARKERS_PREFIX)) {
      const text = await this.#getOptional(key);
      if (text === null) continue;
      try {
        markers.push(this.#parse(key, text, RequestMarkerSchema, 'a request marker'));
      } catch (error) {
        problems.push(error instanceof Error ? error.message : String(error));
      }
    }
    return { markers, problems };
  }

  async deleteMarker(requestId: string): Promise<void> {
    await this.#s3.send(
      new DeleteObjectCommand({ Bucket: this.bucket, Key: remediationKeys(requestId).marker }),
    );
  }

  async putReactivation(record: ReactivationRecord): Promise<void> {
    await this.#putJson(remediationKeys(record.requestId).reactivation(record.accessKeyId), record);
  }

  async listReactivations(requestId: string): Promise<ReactivationRecord[]> {
    const records: ReactivationRecord[] = [];
    for (const key of await this.#list(remediationKeys(requestId).reactivations)) {
      const text = await this.#getOptional(key);
      if (text !== null)
        records.push(this.#parse(key, text, ReactivationRecordSchema, 'a reactivation record'));
    }
    return records;
  }

  async #list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.#s3.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) if (object.Key?.endsWith('.json')) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return keys.sort();
  }

  async #putJson(key: string, value: unknown): Promise<void> {
    await this.#s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: JSON.stringify(value),
        ContentType: 'application/json',
      }),
    );
  }

  async #getOptional(key: string): Promise<string | null> {
    try {
      const response = await this.#s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await response.Body?.transformToString('utf-8')) ?? '';
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  #parse<T>(key: string, text: string, schema: z.ZodMiniType<T>, what: string): T {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new MalformedDataError(`s3://${this.bucket}/${key} is not JSON; it should hold ${what}.`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new MalformedDataError(
        `s3://${this.bucket}/${key} is not ${what}: ${describeIssues(parsed.error)}. It was changed by hand or by another version; restore it or remove it.`,
      );
    }
    return parsed.data;
  }
}
