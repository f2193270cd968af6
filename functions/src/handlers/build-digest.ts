/**
 * BuildDigest: gathers the run's results (organization.json, the Map's ResultWriter output and
 * the stored per-account results), accounts for every organization account exactly once, and
 * writes the report (JSON, CSV) and the digest text. Returns the small summary that becomes the
 * execution's output.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { s3Client } from '../aws/clients/s3';
import { type MapChildResult, type MapRunRef, RunStore, runKeys } from '../aws/run-store';
import { renderDigest } from '../core/digest';
import { InvalidInputError } from '../core/errors';
import type { NormalizedInput } from '../core/execution-input';
import { FINDING_TYPES } from '../core/model';
import { buildReport, reportToCsv } from '../core/report';
import type { Thresholds } from '../core/thresholds';
import { lazyHandler } from '../runtime/lazy-handler';
import { type Telemetry, withLogKeys } from '../runtime/telemetry';
import { requireObject, requireString } from './shared/event';
import { outcomesFromMap, type RunSummary, reconcileAccounts, summarizeRun } from './shared/reconcile';

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

export interface BuildDigestResult {
  readonly subject: string;
  readonly digestKey: string;
  readonly reportKey: string;
  readonly csvKey: string;
  readonly summary: RunSummary;
}

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

/** An inline Map returns its iteration outputs as they are: they all count as SUCCEEDED children. */
function inlineChildren(outputs: readonly unknown[]): MapChildResult[] {
  return outputs.map((output) => ({
    status: 'SUCCEEDED',
    executionArn: null,
    input: null,
    output,
    error: null,
    cause: null,
  }));
}

function executionUrl(executionArn: string, region: string | null | undefined): string | undefined {
  if (!region || !executionArn.startsWith('arn:aws:states:')) return undefined;
  return `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${encodeURIComponent(executionArn)}`;
}

export function makeBuildDigestHandler(deps: BuildDigestDeps) {
  const { log, metrics } = deps.telemetry;
  return async (raw: unknown): Promise<BuildDigestResult> => {
    const event = parseBuildDigestEvent(raw);
    return withLogKeys(log, { executionName: event.executionName }, async () => {
      const store = new RunStore({
        s3: deps.s3,
        bucket: event.accounts.bucket,
        ...(deps.readConcurrency ? { concurrency: deps.readConcurrency } : {}),
      });
      const organization = await store.getOrganization(event.accounts.organizationKey);
      const children =
        event.map === null
          ? []
          : Array.isArray(event.map)
            ? inlineChildren(event.map)
            : (await store.readMapResults(event.map as MapRunRef)).children;
      const { byAccount, warnings } = outcomesFromMap(children);
      const toAudit = organization.filter((e) => e.decision === 'AUDIT').map((e) => e.accountId);
      const stored = await store.readAccountResults(event.executionName, toAudit);
      const audits = reconcileAccounts({
        organization,
        outcomes: byAccount,
        stored: stored.audits,
        malformed: stored.malformed,
      });

      const report = buildReport(audits, {
        executionName: event.executionName,
        executionArn: event.executionArn,
        generatedAt: deps.now(),
        reason: event.input.reason,
        dryRun: event.input.dryRun,
        thresholds: { ...deps.thresholds, ...event.input.thresholds },
        runWarnings: warnings,
      });
      const url = executionUrl(event.executionArn, deps.consoleRegion);
      const digest = renderDigest(report, {
        reportUri: `s3://${store.bucket}/${runKeys(event.executionName).report}`,
        ...(url ? { executionUrl: url } : {}),
      });
      const keys = await store.putReportFiles(event.executionName, {
        report,
        csv: reportToCsv(report),
        digest: digest.body,
      });

      const { totals } = report;
      for (const status of ['AUDITED', 'FAILED', 'SKIPPED'] as const) {
        const n =
          status === 'AUDITED' ? totals.audited : status === 'FAILED' ? totals.failed : totals.skipped;
        metrics.count('Accounts', n, { Status: status });
      }
      for (const type of FINDING_TYPES) metrics.count('Findings', totals.byType[type], { FindingType: type });
      metrics.count('ExemptedFindings', totals.exempted);
      if (warnings.length > 0) log.warn('map results with warnings', { warnings: warnings.slice(0, 20) });
      log.info('digest built', {
        accounts: totals.accounts,
        audited: totals.audited,
        failed: totals.failed,
        skipped: totals.skipped,
        findings: totals.findings,
        accountsWithWarnings: report.warnings.filter((w) => w.accountId !== null).length,
      });

      return {
        subject: digest.subject,
        digestKey: keys.digestKey,
        reportKey: keys.reportKey,
        csvKey: keys.csvKey,
        summary: summarizeRun({
          executionName: event.executionName,
          reason: event.input.reason,
          dryRun: event.input.dryRun,
          totals,
          audits,
          reportKey: keys.reportKey,
          subject: digest.subject,
        }),
      };
    });
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
