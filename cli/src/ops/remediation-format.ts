/** How the remediation commands word a request, its keys and how it ended. */
import {
  type KeyOutcome,
  maskAccessKeyId,
  type ProposalReason,
  type ProposedKey,
  type ReactivationRecord,
  type RequestOutcome,
} from '@org-key-audit/functions/core';
import { formatTable } from './output';

/** `2026-12-02T05:06:07.890Z` → `2026-12-02 05:06:07 UTC`. */
export function formatTime(iso: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})/.exec(iso);
  return match === null ? iso : `${match[1]} ${match[2]} UTC`;
}

function formatReason(reason: ProposalReason): string {
  switch (reason.type) {
    case 'ROTATION_OVERDUE':
      return `${reason.days} days old (limit ${reason.thresholdDays})`;
    case 'UNUSED':
      return `unused for ${reason.days} days (limit ${reason.thresholdDays})`;
    case 'NEVER_USED':
      return `never used, ${reason.days} days old (limit ${reason.thresholdDays})`;
  }
}

export function formatWhy(why: readonly ProposalReason[]): string {
  return why.length === 0 ? '-' : why.map(formatReason).join('; ');
}

/** `111111111111 (payments)`, or the id alone when the account has no other name. */
export const accountLabel = (key: { readonly accountId: string; readonly accountName?: string }) =>
  key.accountName !== undefined && key.accountName !== '' && key.accountName !== key.accountId
    ? `${key.accountId} (${key.accountName})`
    : key.accountId;

/** The keys a decision covers, as the confirmation shows them (masked ids: a terminal is shared). */
export function formatProposedKeys(keys: readonly ProposedKey[]): string {
  return formatTable(
    ['account', 'user', 'key', 'why'],
    keys.map((k) => [accountLabel(k), k.userName, maskAccessKeyId(k.accessKeyId), formatWhy(k.why)]),
  );
}

/** `AKIA…WXYZ alice in 111111111111` for each key: enough to recognise one, e.g. in an error. */
export function listKeysBriefly(keys: readonly ProposedKey[]): string {
  return keys.map((k) => `${maskAccessKeyId(k.accessKeyId)} (${k.userName} in ${k.accountId})`).join(', ');
}

export function describeKeyOutcome(outcome: KeyOutcome): string {
  if (outcome.outcome === 'skipped') return `skipped (${outcome.reason ?? 'no reason recorded'})`;
  if (outcome.outcome === 'failed') {
    const detail = [outcome.error, outcome.reason].filter((t) => t !== undefined && t !== null && t !== '');
    return `failed${detail.length === 0 ? '' : ` (${detail.join(': ')})`}`;
  }
  return outcome.outcome;
}

export function formatKeyOutcomes(outcomes: readonly KeyOutcome[]): string {
  return formatTable(
    ['account', 'user', 'key', 'outcome', 'at'],
    outcomes.map((o) => [o.accountId, o.userName, o.accessKeyId, describeKeyOutcome(o), formatTime(o.at)]),
  );
}

export function outcomeCounts(outcome: RequestOutcome): {
  deactivated: number;
  skipped: number;
  failed: number;
} {
  const deactivations = outcome.outcomes.filter((o) => o.action === 'deactivate');
  const count = (kind: KeyOutcome['outcome']) => deactivations.filter((o) => o.outcome === kind).length;
  return { deactivated: count('deactivated'), skipped: count('skipped'), failed: count('failed') };
}

/**
 * How a closed request ended, as the rest of a sentence that starts "request <id> …": who
 * decided and when, so the operator who comes second knows whose decision stands.
 */
export function closedSentence(outcome: RequestOutcome): string {
  const approval = outcome.approval;
  const rejection = outcome.rejection;
  const approvedBy =
    approval === null ? '' : ` by ${approval.approver.arn} at ${formatTime(approval.approvedAt)}`;
  switch (outcome.status) {
    case 'COMPLETED': {
      const c = outcomeCounts(outcome);
      return `was already approved${approvedBy}; it completed at ${formatTime(outcome.closedAt)} (${c.deactivated} deactivated, ${c.skipped} skipped, ${c.failed} failed)`;
    }
    case 'REFUSED':
      return `was already approved${approvedBy}, but the workflow refused that approval (${outcome.reason ?? 'no reason recorded'}) and changed nothing`;
    case 'REJECTED':
      return rejection === null
        ? `was rejected at ${formatTime(outcome.closedAt)}; nothing was changed`
        : `was rejected by ${rejection.approver.arn} at ${formatTime(rejection.rejectedAt)} ("${rejection.reason}"); nothing was changed`;
    case 'EXPIRED':
      return `expired on ${formatTime(outcome.closedAt)} without a decision; nothing was changed; the next audit proposes the keys again`;
  }
}

export function formatReactivations(records: readonly ReactivationRecord[]): string {
  return formatTable(
    ['key', 'requested by', 'outcome', 'at'],
    records.map((r) => [
      r.accessKeyId,
      r.requestedBy.arn,
      describeKeyOutcome(r.outcome),
      formatTime(r.outcome.at),
    ]),
  );
}
