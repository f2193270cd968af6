/**
 * BuildDigest: gathers the run's results (organization.json, the Map's ResultWriter output and
 * the stored per-account results), accounts for every organization account exactly once, and
 * writes the report (JSON, CSV) and the digest text. Returns the small summary that becomes the
 * execution's output.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { type BuildDigestResult, buildDigest } from '../app/build-digest';
import { s3Client } from '../aws/clients/s3';
import { RemediationStore } from '../aws/remediation-store';
import { RunStore } from '../aws/run-store';
import type { OwnerRules } from '../core/owners';
import type { RemediationSettings } from '../core/remediation';
import { parseBuildDigestEvent } from '../core/state-events';
import type { Thresholds } from '../core/thresholds';
import { type LambdaContext, lazyHandler } from '../runtime/lazy-handler';
import type { Telemetry } from '../runtime/telemetry';

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
  /** Owners and routing (OWNERS_JSON). @default DEFAULT_OWNER_RULES */
  readonly owners?: OwnerRules;
  /** Approval-gated deactivation (REMEDIATION_JSON). @default off */
  readonly remediation?: RemediationSettings;
}

export function makeBuildDigestHandler(deps: BuildDigestDeps) {
  return async (raw: unknown, _context?: LambdaContext): Promise<BuildDigestResult> => {
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
        ...(deps.owners === undefined ? {} : { owners: deps.owners }),
        ...(deps.remediation?.enabled === true
          ? {
              remediation: {
                records: new RemediationStore({ s3: deps.s3, bucket: event.accounts.bucket }),
                settings: deps.remediation,
              },
            }
          : {}),
      },
      {
        ...event,
        organizationKey: event.accounts.organizationKey,
        ...(event.accounts.ownerWarnings === undefined
          ? {}
          : { ownerWarnings: event.accounts.ownerWarnings }),
      },
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
    owners: runtime.config.owners,
    remediation: runtime.config.remediation,
  }),
);
