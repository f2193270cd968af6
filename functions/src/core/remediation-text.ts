/**
 * The messages of a deactivation request (docs/remediation.md): the approval notice, the closing
 * summary and the reactivation notice. Plain text for the digest topic's email subscribers; keys
 * masked as in the digest (the full ids are in the request in S3), and no link or token: a
 * decision is an IAM-authenticated `keyaudit` command, never a click.
 */
import { maskAccessKeyId } from './mask';
import type {
  DeactivationRequest,
  KeyOutcome,
  ProposedKey,
  ReactivationRecord,
  RequestOutcome,
} from './remediation';

const PRODUCT = 'org-key-audit';
/** SNS's limit for an email subject. */
const MAX_SUBJECT = 100;

function plural(n: number, noun: string): string {
  return `${n} ${n === 1 ? noun : `${noun}s`}`;
}

function why(key: ProposedKey): string {
  return key.why
    .map((w) => {
      if (w.type === 'UNUSED') return `unused for ${plural(w.days, 'day')} (criterion ${w.thresholdDays})`;
      if (w.type === 'NEVER_USED')
        return `never used in ${plural(w.days, 'day')} (criterion ${w.thresholdDays})`;
      return `${plural(w.days, 'day')} old (criterion ${w.thresholdDays})`;
    })
    .join('; ');
}

function keyLine(key: ProposedKey): string {
  return `  - ${key.accountId} (${key.accountName})  ${key.userName}  ${maskAccessKeyId(key.accessKeyId)}  ${why(key)}`;
}

function outcomeLine(o: KeyOutcome): string {
  const detail = o.reason ? `: ${o.reason}` : '';
  const error = o.outcome === 'failed' && o.error ? ` (${o.error})` : '';
  return `  - ${o.accountId}  ${o.userName}  ${maskAccessKeyId(o.accessKeyId)}  ${o.outcome}${error}${detail}`;
}

function subject(text: string): string {
  const ascii = text.replace(/[^\x20-\x7E]/g, '?');
  return ascii.slice(0, MAX_SUBJECT);
}

export interface RemediationMessage {
  readonly subject: string;
  readonly body: string;
}

export function renderApprovalNotice(request: DeactivationRequest, expiresAt: string): RemediationMessage {
  const id = request.requestId;
  return {
    subject: subject(
      `[${PRODUCT}] Approval needed: deactivate ${plural(request.keys.length, 'key')} (${id})`,
    ),
    body: [
      `Deactivation request ${id} proposes to deactivate ${plural(request.keys.length, 'access key')} (set them Inactive; nothing is deleted).`,
      `It waits for a decision until ${expiresAt}; if nobody decides, nothing changes.`,
      '',
      'KEYS',
      ...request.keys.map(keyLine),
      '',
      'DECIDE (IAM-authenticated; run where you have the operator permissions)',
      `  approve all:   keyaudit approve ${id}`,
      `  approve some:  keyaudit approve ${id} --except <key id>   (or --only <key id>)`,
      `  reject:        keyaudit reject ${id} --reason "<why>"`,
      `  show details:  keyaudit requests ${id}`,
      '',
      'Before acting, each key is checked again: a key used, rotated or exempted since this request is skipped.',
      `Any deactivated key can be set Active again: keyaudit reactivate ${id} --key <key id>`,
    ].join('\n'),
  };
}

export function renderRequestSummary(outcome: RequestOutcome): RemediationMessage {
  const id = outcome.requestId;
  const n = (kind: KeyOutcome['outcome']) => outcome.outcomes.filter((o) => o.outcome === kind).length;
  switch (outcome.status) {
    case 'COMPLETED': {
      const by = outcome.approval?.approver.arn ?? 'unknown';
      return {
        subject: subject(
          `[${PRODUCT}] ${id}: ${n('deactivated')} deactivated, ${n('skipped')} skipped, ${n('failed')} failed`,
        ),
        body: [
          `Deactivation request ${id} was approved by ${by} at ${outcome.approval?.approvedAt ?? 'unknown'}.`,
          '',
          'OUTCOMES',
          ...outcome.outcomes.map(outcomeLine),
          '',
          ...(n('failed') > 0
            ? [
                'Each failed key has a message in the remediation-failures DLQ with the input that retries just that key.',
              ]
            : []),
          `Undo one: keyaudit reactivate ${id} --key <key id>`,
        ].join('\n'),
      };
    }
    case 'REJECTED':
      return {
        subject: subject(`[${PRODUCT}] ${id} rejected: nothing was deactivated`),
        body: `Deactivation request ${id} was rejected by ${outcome.rejection?.approver.arn ?? 'unknown'} at ${outcome.rejection?.rejectedAt ?? outcome.closedAt}: ${outcome.rejection?.reason ?? outcome.reason ?? ''}\nNothing was changed. The keys are proposed again by a later audit unless they are exempted or fixed.`,
      };
    case 'REFUSED':
      return {
        subject: subject(`[${PRODUCT}] ${id} refused: nothing was deactivated`),
        body: `The approval of deactivation request ${id} did not match the request, so nothing was changed: ${outcome.reason ?? ''}`,
      };
    case 'EXPIRED':
      return {
        subject: subject(`[${PRODUCT}] ${id} expired: nothing was deactivated`),
        body: `Deactivation request ${id} received no decision before it expired at ${outcome.closedAt}. Nothing was changed; a later audit proposes the keys again.`,
      };
  }
}

export function renderReactivationNotice(record: ReactivationRecord): RemediationMessage {
  const o = record.outcome;
  return {
    subject: subject(`[${PRODUCT}] ${record.requestId}: ${maskAccessKeyId(o.accessKeyId)} ${o.outcome}`),
    body: [
      `Reactivation of ${maskAccessKeyId(o.accessKeyId)} (user ${o.userName}, account ${o.accountId}) from request ${record.requestId}, requested by ${record.requestedBy.arn}:`,
      outcomeLine(o),
    ].join('\n'),
  };
}
