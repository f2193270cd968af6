/**
 * Run history (docs/architecture.md, "Run history"): each full run keeps a compact index of its
 * open findings, and the next run compares itself with it, so the digest can say what is NEW,
 * what is STILL OPEN (and for how long) and what was RESOLVED since the last full run.
 *
 * The rules a security team relies on:
 * - An account that FAILED or was SKIPPED this run resolves nothing: its earlier findings are
 *   "not re-checked", and they are carried into the new index unchanged, so the day it is back
 *   its findings are not NEW again.
 * - A rerun of some accounts compares only those accounts (and the caller does not store it).
 * - A run with a threshold override, or with thresholds other than the previous run's, is not
 *   comparable: a finding that "disappeared" because a limit moved was not resolved.
 * - No usable previous index (none yet, unreadable, a newer schema) is never an error: the
 *   comparison says why there is none, and the run goes on.
 */
import * as z from 'zod/mini';
import { ACCOUNT_ID_PATTERN } from './account-id';
import { ageInDays } from './age';
import {
  type AccountAudit,
  FINDING_TYPES,
  type Finding,
  type FindingType,
  SEVERITIES,
  type Severity,
} from './model';
import { type Thresholds, ThresholdsSchema } from './thresholds';
import './zod-messages';

export const HISTORY_SCHEMA_VERSION = 1 as const;

/** One open finding as the history keeps it: its identity, plus what the next run needs. */
export interface HistoryFinding {
  readonly accountId: string;
  readonly userName: string;
  readonly accessKeyId: string | null;
  readonly type: FindingType;
  readonly severity: Severity;
  /** ISO-8601: the first full run that reported it. */
  readonly firstSeenAt: string;
  /** Whose it was (core/owners.ts), so a RESOLVED finding reaches the owner it belonged to. */
  readonly owner?: string;
}

/** One full run's open findings by severity: the HTML report's trend chart reads these. */
export interface TrendPoint {
  readonly executionName: string;
  /** ISO-8601: when the run built its digest. */
  readonly at: string;
  readonly bySeverity: Readonly<Record<Severity, number>>;
}

/** The trend keeps this many full runs: enough for a month of daily runs. */
export const TREND_RUNS = 30;

/** What one full run found, kept for the next one to compare with. Grows with findings only. */
export interface FindingsIndex {
  readonly schemaVersion: typeof HISTORY_SCHEMA_VERSION;
  readonly executionName: string;
  /** ISO-8601: when the run built its digest. */
  readonly generatedAt: string;
  /** The thresholds the run evaluated with: only a run with the same ones is comparable. */
  readonly thresholds: Thresholds;
  /** The run this one was compared with, so a redriven run can find it again. */
  readonly previousExecution: string | null;
  readonly findings: readonly HistoryFinding[];
  /**
   * The last TREND_RUNS full runs' open findings by severity, oldest first, this run last: carried
   * from index to index, so the chart costs no extra read. Absent in indexes written before it.
   */
  readonly trend?: readonly TrendPoint[];
}

const historyFindingSchema = z.object({
  accountId: z.string().check(z.regex(ACCOUNT_ID_PATTERN)),
  userName: z.string(),
  accessKeyId: z.nullable(z.string()),
  type: z.enum(FINDING_TYPES),
  severity: z.enum(SEVERITIES),
  firstSeenAt: z.iso.datetime(),
  owner: z.optional(z.string()),
});

const severityCount = z.int().check(z.nonnegative());
const trendPointSchema = z.object({
  executionName: z.string(),
  at: z.iso.datetime(),
  bySeverity: z.object({
    critical: severityCount,
    high: severityCount,
    medium: severityCount,
    low: severityCount,
    info: severityCount,
  }),
});

const findingsIndexSchema = z.object({
  schemaVersion: z.literal(HISTORY_SCHEMA_VERSION),
  executionName: z.string(),
  generatedAt: z.iso.datetime(),
  thresholds: ThresholdsSchema,
  previousExecution: z.nullable(z.string()),
  findings: z.array(historyFindingSchema),
  trend: z.optional(z.array(trendPointSchema)),
});

/** The previous full run's index, or why there is none to compare with. */
export type PreviousIndex =
  | { readonly found: true; readonly index: FindingsIndex }
  | { readonly found: false; readonly reason: string };

/**
 * Reads a stored index. Never throws: a damaged or newer-schema object becomes a reason, since
 * history must never fail the run it is only meant to annotate.
 */
export function parseFindingsIndex(text: string, where: string): PreviousIndex {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { found: false, reason: `the previous findings index ${where} is not JSON` };
  }
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version > HISTORY_SCHEMA_VERSION) {
    return {
      found: false,
      reason: `the previous findings index ${where} has schema version ${version}, newer than this version reads (${HISTORY_SCHEMA_VERSION})`,
    };
  }
  const parsed = findingsIndexSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join('.') || '(root)';
    return {
      found: false,
      reason: `the previous findings index ${where} is unreadable (${path}: ${issue?.message ?? 'invalid'})`,
    };
  }
  return { found: true, index: parsed.data as FindingsIndex };
}

/** The identity of a finding across runs: account, user, access key id and finding type. */
export function findingId(f: {
  readonly accountId: string;
  readonly userName: string;
  readonly accessKeyId: string | null;
  readonly type: string;
}): string {
  return JSON.stringify([f.accountId, f.userName, f.accessKeyId, f.type]);
}

export type ResolvedWhy =
  /** The same key is now exempted. */
  | { readonly kind: 'exempted' }
  /** The same key is still reported, as another finding type (e.g. due soon → overdue). */
  | { readonly kind: 'changed'; readonly now: FindingType }
  /** The same key is reported again, inactive: someone deactivated it. */
  | { readonly kind: 'deactivated' }
  /** The account no longer reports it; the audit does not say how (deactivated, deleted, rotated). */
  | { readonly kind: 'no-longer-reported' }
  /** The account is no longer in the organization. */
  | { readonly kind: 'account-left' };

/** An open finding seen before, and for how long (whole UTC calendar days since first seen). */
export interface StillOpen extends HistoryFinding {
  readonly daysOpen: number;
}

export type RunChanges =
  | {
      readonly comparable: true;
      readonly previousExecution: string;
      readonly previousAt: string;
      /** Kept compact (identity and severity): the report's accounts hold the full findings. */
      readonly new: readonly HistoryFinding[];
      readonly stillOpen: readonly StillOpen[];
      readonly resolved: readonly { readonly finding: HistoryFinding; readonly why: ResolvedWhy }[];
      /** Earlier findings in accounts this run could not audit: neither open nor resolved. */
      readonly notRechecked: readonly HistoryFinding[];
    }
  | { readonly comparable: false; readonly reason: string };

export interface CompareRequest {
  readonly previous: PreviousIndex;
  /** Every account of this run, whatever its status. */
  readonly audits: readonly AccountAudit[];
  /** The accounts of an `accountIds` rerun; null for the whole organization. */
  readonly scope: readonly string[] | null;
  /** True when the execution input overrides thresholds. */
  readonly thresholdsOverridden: boolean;
  /** The thresholds this run evaluated with. */
  readonly thresholds: Thresholds;
  readonly now: Date;
}

function sameThresholds(a: Thresholds, b: Thresholds): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]) as Set<keyof Thresholds>;
  return [...keys].every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}

export function compareRuns(request: CompareRequest): RunChanges {
  if (request.thresholdsOverridden) {
    return {
      comparable: false,
      reason: 'this run overrides thresholds, so its findings cannot be compared with the last full run',
    };
  }
  if (!request.previous.found) return { comparable: false, reason: request.previous.reason };
  const { index } = request.previous;
  if (!sameThresholds(index.thresholds, request.thresholds)) {
    return {
      comparable: false,
      reason: `the thresholds changed since the last full run (${index.executionName}), so its findings cannot be compared`,
    };
  }
  const inScope = (accountId: string) => request.scope === null || request.scope.includes(accountId);
  const audits = new Map(request.audits.map((a) => [a.accountId, a]));
  const previousById = new Map(
    index.findings.filter((f) => inScope(f.accountId)).map((f) => [findingId(f), f]),
  );

  const current = request.audits.filter((a) => a.status === 'AUDITED' && inScope(a.accountId));
  const newFindings: HistoryFinding[] = [];
  const stillOpen: StillOpen[] = [];
  for (const finding of current.flatMap((a) => a.findings)) {
    const before = previousById.get(findingId(finding));
    if (before === undefined) newFindings.push(historyFinding(finding, request.now.toISOString()));
    else {
      stillOpen.push({
        ...historyFinding(finding, before.firstSeenAt),
        daysOpen: ageInDays(new Date(before.firstSeenAt), request.now),
      });
    }
  }

  const resolved: { finding: HistoryFinding; why: ResolvedWhy }[] = [];
  const notRechecked: HistoryFinding[] = [];
  for (const before of previousById.values()) {
    const audit = audits.get(before.accountId);
    if (audit === undefined) {
      resolved.push({ finding: before, why: { kind: 'account-left' } });
      continue;
    }
    if (audit.status !== 'AUDITED') {
      notRechecked.push(before);
      continue;
    }
    if (audit.findings.some((f) => findingId(f) === findingId(before))) continue;
    resolved.push({ finding: before, why: whyResolved(before, audit) });
  }
  return {
    comparable: true,
    previousExecution: index.executionName,
    previousAt: index.generatedAt,
    new: newFindings,
    stillOpen,
    resolved,
    notRechecked,
  };
}

function historyFinding(f: Finding, firstSeenAt: string): HistoryFinding {
  return {
    accountId: f.accountId,
    userName: f.userName,
    accessKeyId: f.accessKeyId,
    type: f.type,
    severity: f.severity,
    firstSeenAt,
    ...(f.owner === undefined ? {} : { owner: f.owner }),
  };
}

/** Open findings by severity, over the findings an index keeps (not-re-checked ones included). */
export function countBySeverity(
  findings: readonly { readonly severity: Severity }[],
): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) counts[f.severity] += 1;
  return counts;
}

/**
 * The trend a run shows: the previous index's points (any thresholds: the chart shows what was
 * open then), plus this run's own when it is a full run, the last TREND_RUNS of them.
 */
export function trendWith(previous: PreviousIndex, point: TrendPoint | null): TrendPoint[] {
  const before = previous.found ? (previous.index.trend ?? []) : [];
  const points =
    point === null ? [...before] : [...before.filter((p) => p.executionName !== point.executionName), point];
  return points.slice(-TREND_RUNS);
}

function whyResolved(before: HistoryFinding, audit: AccountAudit): ResolvedWhy {
  const sameKey = (f: Finding) =>
    f.userName === before.userName && f.accessKeyId !== null && f.accessKeyId === before.accessKeyId;
  if (audit.exempted.some((f) => sameKey(f) && f.type === before.type)) return { kind: 'exempted' };
  const changed = audit.findings.find(sameKey);
  // Only active keys have the other findings: an inactive key now means it was deactivated.
  if (changed?.status === 'Inactive' && before.type !== 'INACTIVE_KEY_LINGERING')
    return { kind: 'deactivated' };
  if (changed !== undefined) return { kind: 'changed', now: changed.type };
  return { kind: 'no-longer-reported' };
}

/**
 * The index this run leaves for the next: its open findings (first-seen dates carried over), plus
 * the earlier findings of accounts it could not audit, so they are neither lost nor NEW again.
 */
export function buildFindingsIndex(request: {
  readonly executionName: string;
  readonly now: Date;
  readonly thresholds: Thresholds;
  readonly audits: readonly AccountAudit[];
  readonly previous: PreviousIndex;
}): FindingsIndex {
  const previous = request.previous.found ? request.previous.index : null;
  const comparablePrevious =
    previous !== null && sameThresholds(previous.thresholds, request.thresholds) ? previous : null;
  const firstSeen = new Map((comparablePrevious?.findings ?? []).map((f) => [findingId(f), f.firstSeenAt]));
  const nowIso = request.now.toISOString();
  const findings: HistoryFinding[] = [];
  const notAudited = new Set<string>();
  for (const audit of request.audits) {
    if (audit.status !== 'AUDITED') {
      notAudited.add(audit.accountId);
      continue;
    }
    for (const f of audit.findings) findings.push(historyFinding(f, firstSeen.get(findingId(f)) ?? nowIso));
  }
  for (const f of comparablePrevious?.findings ?? []) if (notAudited.has(f.accountId)) findings.push(f);
  findings.sort((a, b) => (findingId(a) < findingId(b) ? -1 : findingId(a) > findingId(b) ? 1 : 0));
  const point: TrendPoint = {
    executionName: request.executionName,
    at: nowIso,
    bySeverity: countBySeverity(findings),
  };
  return {
    schemaVersion: HISTORY_SCHEMA_VERSION,
    executionName: request.executionName,
    generatedAt: nowIso,
    thresholds: request.thresholds,
    previousExecution: previous?.executionName ?? null,
    findings,
    trend: trendWith(request.previous, point),
  };
}
