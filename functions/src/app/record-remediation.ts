/**
 * RecordRemediation: every step of a deactivation request that reads or writes its records
 * (docs/remediation.md): storing the approval's task token and sending the notice, checking an
 * approval against the request, and closing the request (completed, rejected, refused, expired)
 * or recording a reactivation, each with its message to the digest topic.
 */
import { InvalidInputError, MalformedDataError } from '../core/errors';
import {
  type ApprovalDecision,
  ApprovalDecisionSchema,
  type Caller,
  type DeactivationRequest,
  type KeyOutcome,
  type ProposedKey,
  REMEDIATION_SCHEMA_VERSION,
  type ReactivationRecord,
  type RejectionDecision,
  RejectionDecisionSchema,
  type RequestMarker,
  type RequestOutcome,
} from '../core/remediation';
import { checkApproval } from '../core/remediation-plan';
import {
  renderApprovalNotice,
  renderReactivationNotice,
  renderRequestSummary,
} from '../core/remediation-text';
import type { DigestPublisher, RemediationRecords } from './ports';
import type { Telemetry } from './telemetry';

export interface RecordRemediationDependencies {
  readonly records: RemediationRecords;
  /** The digest topic, without an owner attribute: the security team decides. */
  readonly notices: DigestPublisher;
  readonly telemetry: Telemetry;
  readonly now: () => Date;
}

/** A Catch's error object as Step Functions passes it. */
export interface StatesError {
  readonly Error?: string;
  readonly Cause?: string;
}

export type RecordRemediationEvent =
  | {
      readonly step: 'await';
      readonly requestId: string;
      readonly executionArn: string;
      readonly taskToken: string;
      readonly timeoutSeconds: number;
    }
  | { readonly step: 'plan'; readonly requestId: string; readonly approval: unknown }
  | { readonly step: 'plan-retry'; readonly requestId: string; readonly accessKeyId: string }
  | {
      readonly step: 'plan-reactivation';
      readonly requestId: string;
      readonly accessKeyId: string;
      readonly requestedBy: Caller;
    }
  | {
      readonly step: 'complete';
      readonly requestId: string;
      readonly outcomes: readonly KeyOutcome[];
      readonly plan: { readonly approval: ApprovalDecision | null };
    }
  | { readonly step: 'expired' | 'rejected'; readonly requestId: string; readonly closure: StatesError }
  | {
      readonly step: 'reactivated';
      readonly requestId: string;
      readonly requestedBy: Caller;
      readonly outcome: KeyOutcome;
    };

/** What the plan steps answer: the keys to act on (with the approval they act under), or why not. */
export interface RemediationPlan {
  readonly status: 'READY' | 'REFUSED';
  readonly keys: readonly ProposedKey[];
  readonly reason: string | null;
  readonly approval: ApprovalDecision | null;
}

function refused(reason: string): RemediationPlan {
  return { status: 'REFUSED', keys: [], reason, approval: null };
}

/**
 * A failed key's reason is the Catch's Cause: for a Lambda error, Lambda's JSON error document.
 * The record keeps its message, which is what a reader of the digest can act on.
 */
function readable(outcome: KeyOutcome): KeyOutcome {
  if (outcome.outcome !== 'failed' || typeof outcome.reason !== 'string') return outcome;
  try {
    const parsed = JSON.parse(outcome.reason) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' ? { ...outcome, reason: parsed.errorMessage } : outcome;
  } catch {
    return outcome;
  }
}

function counts(outcomes: readonly KeyOutcome[]): RequestMarker['counts'] {
  const n = (kind: KeyOutcome['outcome']) => outcomes.filter((o) => o.outcome === kind).length;
  return { deactivated: n('deactivated'), skipped: n('skipped'), failed: n('failed') };
}

export async function recordRemediation(
  deps: RecordRemediationDependencies,
  event: RecordRemediationEvent,
): Promise<RemediationPlan | { readonly recorded: string }> {
  const { records, telemetry } = deps;
  const now = deps.now();
  const request = await records.getRequest(event.requestId);
  if (request === null) {
    throw new MalformedDataError(
      `deactivation request ${event.requestId} is not in the report bucket (remediation/requests/${event.requestId}/request.json); only an audit creates requests`,
    );
  }

  const close = async (outcome: RequestOutcome): Promise<void> => {
    await records.putOutcome(outcome);
    await records.putMarker({
      requestId: request.requestId,
      status: outcome.status,
      createdAt: request.createdAt,
      expiresAt: request.expiresAt,
      closedAt: outcome.closedAt,
      keys: request.keys.map((k) => ({ accountId: k.accountId, accessKeyId: k.accessKeyId })),
      counts: counts(outcome.outcomes),
    });
    await deps.notices.publish(renderRequestSummary(outcome));
    telemetry.log.info('deactivation request closed', {
      requestId: request.requestId,
      status: outcome.status,
      ...counts(outcome.outcomes),
    });
    telemetry.metrics.count('DeactivationRequests', 1, { Status: outcome.status });
  };
  const closedAs = (
    status: RequestOutcome['status'],
    fields: Partial<Pick<RequestOutcome, 'approval' | 'rejection' | 'reason' | 'outcomes'>>,
  ): RequestOutcome => ({
    schemaVersion: REMEDIATION_SCHEMA_VERSION,
    requestId: request.requestId,
    status,
    closedAt: now.toISOString(),
    approval: fields.approval ?? null,
    rejection: fields.rejection ?? null,
    reason: fields.reason ?? null,
    outcomes: fields.outcomes ?? [],
  });

  switch (event.step) {
    case 'await': {
      if (!Number.isInteger(event.timeoutSeconds) || event.timeoutSeconds < 1) {
        throw new InvalidInputError(
          `timeoutSeconds must be a whole number of seconds ≥ 1 (got ${JSON.stringify(event.timeoutSeconds)})`,
        );
      }
      const expiresAt = new Date(now.getTime() + event.timeoutSeconds * 1000).toISOString();
      await records.putTask({
        requestId: request.requestId,
        executionArn: event.executionArn,
        taskToken: event.taskToken,
        issuedAt: now.toISOString(),
        expiresAt,
      });
      await deps.notices.publish(renderApprovalNotice(request, expiresAt));
      return { recorded: 'task' };
    }
    case 'plan': {
      const parsed = ApprovalDecisionSchema.safeParse(event.approval);
      if (!parsed.success) {
        const reason =
          'the approval is not one keyaudit approve sends (it must be {decision: "approve", requestId, approver, approvedAt, keys, only, except}); nothing was deactivated';
        await close(closedAs('REFUSED', { reason }));
        return refused(reason);
      }
      const check = checkApproval(request, parsed.data);
      if (check.status === 'REFUSED') {
        await close(closedAs('REFUSED', { reason: check.reason, approval: parsed.data }));
        return refused(check.reason);
      }
      return { status: 'READY', keys: check.keys, reason: null, approval: parsed.data };
    }
    case 'plan-retry': {
      const outcome = await records.getOutcome(request.requestId);
      const failed = outcome?.outcomes.find(
        (o) => o.accessKeyId === event.accessKeyId && o.action === 'deactivate',
      );
      if (outcome === null || outcome.status !== 'COMPLETED' || outcome.approval === null) {
        return refused(`request ${request.requestId} has no approved outcome to retry a key of`);
      }
      if (failed === undefined || failed.outcome !== 'failed') {
        return refused(
          `key ${event.accessKeyId} did not fail in request ${request.requestId}${failed ? ` (it was ${failed.outcome})` : ' (it was not approved in it)'}; nothing to retry`,
        );
      }
      const key = request.keys.find((k) => k.accessKeyId === event.accessKeyId);
      if (key === undefined)
        return refused(`key ${event.accessKeyId} is not in request ${request.requestId}`);
      return { status: 'READY', keys: [key], reason: null, approval: outcome.approval };
    }
    case 'plan-reactivation': {
      const outcome = await records.getOutcome(request.requestId);
      const deactivated = outcome?.outcomes.find(
        (o) => o.accessKeyId === event.accessKeyId && o.outcome === 'deactivated',
      );
      const key = request.keys.find((k) => k.accessKeyId === event.accessKeyId);
      if (deactivated === undefined || key === undefined) {
        return refused(
          `key ${event.accessKeyId} was not deactivated by request ${request.requestId}; only a key a request deactivated can be reactivated by it`,
        );
      }
      const earlier = (await records.listReactivations(request.requestId)).find(
        (r) => r.accessKeyId === event.accessKeyId && r.outcome.outcome === 'reactivated',
      );
      if (earlier !== undefined) {
        return refused(
          `key ${event.accessKeyId} was already reactivated at ${earlier.outcome.at} (requested by ${earlier.requestedBy.arn})`,
        );
      }
      return { status: 'READY', keys: [key], reason: null, approval: outcome?.approval ?? null };
    }
    case 'complete': {
      // A one-key retry replaces that key's earlier outcome; the others stay as they were.
      const previous = await records.getOutcome(request.requestId);
      const retried = new Set(event.outcomes.map((o) => o.accessKeyId));
      const kept = (previous?.outcomes ?? []).filter((o) => !retried.has(o.accessKeyId));
      const approval = event.plan.approval ?? previous?.approval ?? null;
      await close(closedAs('COMPLETED', { approval, outcomes: [...kept, ...event.outcomes.map(readable)] }));
      return { recorded: 'outcome' };
    }
    case 'expired': {
      await close(
        closedAs('EXPIRED', {
          reason: `no decision before ${request.expiresAt} (${event.closure.Error ?? 'States.Timeout'}); nothing was changed`,
        }),
      );
      return { recorded: 'outcome' };
    }
    case 'rejected': {
      const rejection = parseRejection(event.closure.Cause, request);
      await close(
        closedAs('REJECTED', {
          rejection,
          reason:
            rejection === null ? `rejected: ${event.closure.Cause ?? 'no reason given'}` : rejection.reason,
        }),
      );
      return { recorded: 'outcome' };
    }
    case 'reactivated': {
      const record: ReactivationRecord = {
        schemaVersion: REMEDIATION_SCHEMA_VERSION,
        requestId: request.requestId,
        accessKeyId: event.outcome.accessKeyId,
        requestedBy: event.requestedBy,
        outcome: readable(event.outcome),
      };
      await records.putReactivation(record);
      await deps.notices.publish(renderReactivationNotice(record));
      telemetry.metrics.count('KeyReactivations', 1, { Outcome: event.outcome.outcome });
      return { recorded: 'reactivation' };
    }
  }
}

/** SendTaskFailure's cause, as `keyaudit reject` writes it; anything else is kept as text. */
function parseRejection(cause: string | undefined, request: DeactivationRequest): RejectionDecision | null {
  if (cause === undefined) return null;
  try {
    const parsed = RejectionDecisionSchema.safeParse(JSON.parse(cause));
    return parsed.success && parsed.data.requestId === request.requestId ? parsed.data : null;
  } catch {
    return null;
  }
}
