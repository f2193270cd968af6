/**
 * BuildDigest: gathers the run's results (organization.json, the Map's ResultWriter output and
 * the stored per-account results), accounts for every organization account exactly once, and
 * writes the report (JSON, CSV) and the digest text. Returns the small summary that becomes the
 * execution's output.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { type BuildDigestResult, buildDigest } from '../app/build-digest';
import { s3Client } from '../aws/clients/s3';
import { type MapRunRef, RunStore } from '../aws/run-store';
import { InvalidInputError } from '../core/errors';
import type { NormalizedInput } from '../core/execution-input';
import type { Thresholds } from '../core/thresholds';
import { lazyHandler } from '../runtime/lazy-handler';
import type { Telemetry } from '../runtime/telemetry';
import { requireObject, requireString } from './shared/event';

export interface BuildDigestEvent {
  readonly executionName: string;
  readonly executionArn: string;
  readonly input: NormalizedInput;
  readonly accounts: { readonly bucket: string; readonly organizationKey: string };
  /**
   * The Distributed Map's output (`{ MapRunArn, ResultWriterDetails }`), or an inline Map's
   * array of iteration outputs (the local runner), or null when the Map recorded nothing.
   */
  readonly map: MapRunRef | readonly unknown[] | null;
}

export type { BuildDigestResult } from '../app/build-digest';

export interface BuildDigestDeps {
  readonly s3: S3Client;
  /** The deployed defaults; the report shows them merged with the execution's override. */
  readonly thresholds: Thresholds;
  readonly telemetry: Telemetry;
  readonly now: () => Date;
  /** Parallel S3 reads of per-account results. @default 32 */
  readonly readConcurrency?: number;
  /** The AWS console region for the execution link; null leaves the link out. */
  readonly consoleRegion?: string | null;
}

function parseMap(value: unknown): BuildDigestEvent['map'] {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value;
  const map = requireObject(value, 'event field map');
  const details = requireObject(map['ResultWriterDetails'], 'event field map.ResultWriterDetails');
  return {
    ...(typeof map['MapRunArn'] === 'string' ? { MapRunArn: map['MapRunArn'] } : {}),
    ResultWriterDetails: { Bucket: requireString(details, 'Bucket'), Key: requireString(details, 'Key') },
  };
}

export function parseBuildDigestEvent(raw: unknown): BuildDigestEvent {
  const event = requireObject(raw, 'BuildDigest event');
  const input = requireObject(event['input'], 'event field input');
  if (typeof input['dryRun'] !== 'boolean') {
    throw new InvalidInputError(
      'event field input.dryRun must be true or false (the normalized execution input)',
    );
  }
  const accounts = requireObject(event['accounts'], 'event field accounts (the ListAccounts result)');
  return {
    executionName: requireString(event, 'executionName'),
    executionArn: requireString(event, 'executionArn'),
    input: input as unknown as NormalizedInput,
    accounts: {
      bucket: requireString(accounts, 'bucket'),
      organizationKey: requireString(accounts, 'organizationKey'),
    },
    map: parseMap(event['map']),
  };
}

export function makeBuildDigestHandler(deps: BuildDigestDeps) {
  return async (raw: unknown): Promise<BuildDigestResult> => {
    const event = parseBuildDigestEvent(raw);
    const records = new RunStore({
      s3: deps.s3,
      bucket: event.accounts.bucket,
      ...(deps.readConcurrency ? { concurrency: deps.readConcurrency } : {}),
    });
    return buildDigest(
      {
        records,
        thresholds: deps.thresholds,
        telemetry: deps.telemetry,
        now: deps.now,
        ...(deps.consoleRegion === undefined ? {} : { consoleRegion: deps.consoleRegion }),
      },
      { ...event, organizationKey: event.accounts.organizationKey },
    );
  };
}

export const handler = lazyHandler((runtime) =>
  makeBuildDigestHandler({
    s3: runtime.traced(s3Client.get()),
    thresholds: runtime.config.thresholds,
    telemetry: runtime.telemetry,
    now: runtime.now,
    consoleRegion: process.env['AWS_REGION'] ?? null,
  }),
);
