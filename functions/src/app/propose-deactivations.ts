/**
 * BuildDigest's part of approval-gated deactivation (docs/remediation.md): read the open and
 * recently closed requests, select this run's proposals, store the new request, and describe it
 * all for the report and digest. Remediation must never cost the digest: anything that cannot be
 * read or stored becomes a warning in the section, and when the open requests cannot be read
 * nothing is proposed (the keys in them would be proposed twice).
 */
import type { RunChanges } from '../core/history';
import type { AccountAudit } from '../core/model';
import {
  type ClosedRequest,
  type DeactivationRequest,
  REMEDIATION_SCHEMA_VERSION,
  type RemediationReport,
  type RemediationSettings,
  type RequestMarker,
} from '../core/remediation';
import { keyRef, planProposals, requestIdFor } from '../core/remediation-plan';
import type { RemediationRecords } from './ports';

/** Closed markers are kept this long, so the digest can say what they did and which roles are missing. */
export const CLOSED_MARKER_RETENTION_DAYS = 14;
/** An open request past its expiry by this much was never closed by its execution: it no longer blocks. */
const STALE_GRACE_MS = 60 * 60 * 1000;
const DAY_MS = 86_400_000;

export interface ProposeDeactivationsDependencies {
  readonly records: RemediationRecords;
  readonly settings: RemediationSettings;
}

export interface ProposeRun {
  readonly executionArn: string;
  /** Only a full, non-dry run proposes; the others still show what is open and what closed. */
  readonly proposes: boolean;
  readonly audits: readonly AccountAudit[];
  readonly changes: RunChanges;
  readonly now: Date;
}

/** What the audit's StartDeactivationRequest state starts the RemediateKeys execution with. */
export interface DeactivationStart {
  readonly action: 'deactivate';
  readonly requestId: string;
  readonly approvalTimeoutSeconds: number;
}

export interface ProposeDeactivationsResult {
  readonly report: RemediationReport;
  readonly start: DeactivationStart | null;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** When each key was first reported: the earliest first-seen of its findings in the history. */
function firstReportedOf(changes: RunChanges, now: Date): Map<string, string> {
  const first = new Map<string, string>();
  if (!changes.comparable) return first;
  const seen = [...changes.new.map((f) => ({ ...f, firstSeenAt: now.toISOString() })), ...changes.stillOpen];
  for (const f of seen) {
    if (f.accessKeyId === null) continue;
    const ref = keyRef({ accountId: f.accountId, accessKeyId: f.accessKeyId });
    const earlier = first.get(ref);
    if (earlier === undefined || f.firstSeenAt < earlier) first.set(ref, f.firstSeenAt);
  }
  return first;
}

export async function proposeDeactivations(
  deps: ProposeDeactivationsDependencies,
  run: ProposeRun,
): Promise<ProposeDeactivationsResult> {
  const { records, settings } = deps;
  const now = run.now.getTime();
  const warnings: string[] = [];
  let markers: readonly RequestMarker[] | null;
  try {
    const listed = await records.listMarkers();
    markers = listed.markers;
    warnings.push(...listed.problems);
  } catch (error) {
    markers = null;
    warnings.push(
      `the open deactivation requests could not be read (${describe(error)}); nothing is proposed this run`,
    );
  }

  const own = markers?.find((m) => m.auditExecutionArn === run.executionArn) ?? null;
  const open = (markers ?? []).filter(
    (m) =>
      m.status === 'OPEN' && m.requestId !== own?.requestId && Date.parse(m.expiresAt) + STALE_GRACE_MS > now,
  );
  for (const m of markers ?? []) {
    if (m.status === 'OPEN' && Date.parse(m.expiresAt) + STALE_GRACE_MS <= now && m !== own) {
      warnings.push(
        `request ${m.requestId} passed its expiry (${m.expiresAt}) without being closed: its execution may never have started (see the digest-failures DLQ); its keys can be proposed again`,
      );
    }
  }
  const openKeys = new Map<string, string>();
  const expiresOf = new Map<string, string>();
  for (const m of open) {
    expiresOf.set(m.requestId, m.expiresAt);
    for (const k of m.keys) openKeys.set(keyRef(k), m.requestId);
  }

  const closed = await closedRequests(records, markers ?? [], run, warnings);

  const plan = planProposals({
    audits: run.audits,
    firstReported: firstReportedOf(run.changes, run.now),
    openKeys,
    settings,
    now: run.now,
  });

  let opened: RemediationReport['opened'] = null;
  let start: DeactivationStart | null = null;
  if (run.proposes && markers !== null && (own !== null || plan.proposed.length > 0)) {
    try {
      const request = await storedOrNewRequest(records, own, plan.proposed, settings, run);
      opened = { requestId: request.requestId, expiresAt: request.expiresAt, keys: request.keys };
      start = {
        action: 'deactivate',
        requestId: request.requestId,
        approvalTimeoutSeconds: request.approvalTimeoutSeconds,
      };
    } catch (error) {
      warnings.push(
        `the deactivation request could not be stored (${describe(error)}); nothing is proposed this run`,
      );
    }
  }

  return {
    report: {
      opened,
      deferred: opened === null ? 0 : plan.deferred,
      upcoming: plan.upcoming,
      awaiting: plan.awaiting.map(({ key, requestId }) => ({
        key,
        requestId,
        expiresAt: expiresOf.get(requestId) ?? '',
      })),
      closed: closed.inWindow,
      roleMissing: closed.roleMissing,
      warnings,
    },
    start,
  };
}

/** This audit's request: the one stored before (a redriven audit), or a new one. */
async function storedOrNewRequest(
  records: RemediationRecords,
  own: RequestMarker | null,
  proposed: DeactivationRequest['keys'],
  settings: RemediationSettings,
  run: ProposeRun,
): Promise<DeactivationRequest> {
  if (own !== null) {
    const stored = await records.getRequest(own.requestId);
    if (stored !== null) return stored;
  }
  const createdAt = run.now.toISOString();
  const request: DeactivationRequest = {
    schemaVersion: REMEDIATION_SCHEMA_VERSION,
    requestId: requestIdFor(run.executionArn, run.now),
    createdAt,
    expiresAt: new Date(run.now.getTime() + settings.approvalTimeoutSeconds * 1000).toISOString(),
    approvalTimeoutSeconds: settings.approvalTimeoutSeconds,
    auditExecutionArn: run.executionArn,
    criteria: settings.criteria,
    noticeDays: settings.noticeDays,
    keys: proposed,
  };
  const created = await records.createRequest(request, {
    requestId: request.requestId,
    status: 'OPEN',
    createdAt,
    expiresAt: request.expiresAt,
    closedAt: null,
    keys: proposed.map((k) => ({ accountId: k.accountId, accessKeyId: k.accessKeyId })),
    counts: { deactivated: 0, skipped: 0, failed: 0 },
    auditExecutionArn: run.executionArn,
  });
  if (created === 'created') return request;
  // Stored by an earlier attempt of this audit whose marker was not yet listed: that one counts.
  return (await records.getRequest(request.requestId)) ?? request;
}

/**
 * Requests closed since the last full run (or the last day), with each key's outcome, and the
 * accounts any retained request found without the remediation role. Closed markers older than
 * the retention are removed here, so the listing stays a handful of objects.
 */
async function closedRequests(
  records: RemediationRecords,
  markers: readonly RequestMarker[],
  run: ProposeRun,
  warnings: string[],
): Promise<{ inWindow: ClosedRequest[]; roleMissing: string[] }> {
  const now = run.now.getTime();
  const since = run.changes.comparable ? Date.parse(run.changes.previousAt) : now - DAY_MS;
  const inWindow: ClosedRequest[] = [];
  const roleMissing = new Set<string>();
  for (const m of markers) {
    if (m.status === 'OPEN' || m.closedAt === null) continue;
    const closedAt = Date.parse(m.closedAt);
    if (closedAt < now - CLOSED_MARKER_RETENTION_DAYS * DAY_MS) {
      try {
        await records.deleteMarker(m.requestId);
      } catch (error) {
        warnings.push(`the closed request marker ${m.requestId} could not be removed (${describe(error)})`);
      }
      continue;
    }
    try {
      const outcome = await records.getOutcome(m.requestId);
      if (outcome === null) continue;
      for (const o of outcome.outcomes) {
        if (o.outcome === 'failed' && o.error === 'RemediationRoleMissingError') roleMissing.add(o.accountId);
      }
      const reactivations = await records.listReactivations(m.requestId);
      const recentReactivations = reactivations.filter((r) => Date.parse(r.outcome.at) > since);
      if (closedAt <= since && recentReactivations.length === 0) continue;
      inWindow.push({
        requestId: m.requestId,
        status: outcome.status,
        closedAt: outcome.closedAt,
        decidedBy: outcome.approval?.approver.arn ?? outcome.rejection?.approver.arn ?? null,
        reason: outcome.reason,
        outcomes: closedAt > since ? outcome.outcomes : [],
        reactivations: recentReactivations,
      });
    } catch (error) {
      warnings.push(`the outcome of request ${m.requestId} could not be read (${describe(error)})`);
    }
  }
  inWindow.sort((a, b) => a.closedAt.localeCompare(b.closedAt) || a.requestId.localeCompare(b.requestId));
  return { inWindow, roleMissing: [...roleMissing].sort() };
}
