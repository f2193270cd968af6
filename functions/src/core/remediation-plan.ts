/**
 * Which keys a deactivation request proposes, and which the digest announces in advance
 * (docs/remediation.md, "What is proposed"); how an approval is checked against its request; and
 * whether a key is still the one that was proposed when the time comes to act on it. Pure.
 */
import { ageInDays, utcDateString } from './age';
import { ROOT_ACCOUNT_USER } from './credential-report';
import type { AccountAudit, Finding } from './model';
import type {
  ApprovalDecision,
  DeactivationRequest,
  KeyAction,
  ProposalReason,
  ProposedKey,
  RemediableType,
  RemediationCriteria,
  RemediationSettings,
  SkipReason,
  UpcomingKey,
} from './remediation';

const MS_PER_DAY = 86_400_000;

/** A key is known by its account and id everywhere in remediation. */
export function keyRef(k: { readonly accountId: string; readonly accessKeyId: string }): string {
  return `${k.accountId}/${k.accessKeyId}`;
}

export interface ProposalRequest {
  readonly audits: readonly AccountAudit[];
  /**
   * When each key was first reported, by `keyRef`: the earliest first-seen time of any of its
   * findings in the run history. A key missing here counts as first reported now.
   */
  readonly firstReported: ReadonlyMap<string, string>;
  /** Keys already in an open request (by `keyRef`), with that request's id. */
  readonly openKeys: ReadonlyMap<string, string>;
  readonly settings: Pick<RemediationSettings, 'criteria' | 'noticeDays' | 'maxKeysPerRequest'>;
  readonly now: Date;
}

export interface ProposalPlan {
  /** What this run's request proposes (at most maxKeysPerRequest), most overdue first. */
  readonly proposed: readonly ProposedKey[];
  /** Meets a criterion within noticeDays but its proposal day is ahead: announced. */
  readonly upcoming: readonly UpcomingKey[];
  /** Would be proposed, but an open request already holds it. */
  readonly awaiting: readonly { readonly key: ProposedKey; readonly requestId: string }[];
  /** Due but left for a later request by maxKeysPerRequest. */
  readonly deferred: number;
}

function criterionOf(type: RemediableType, criteria: RemediationCriteria): number | null {
  switch (type) {
    case 'ROTATION_OVERDUE':
      return criteria.rotationOverdueDays;
    case 'UNUSED':
      return criteria.unusedDays;
    case 'NEVER_USED':
      return criteria.neverUsedDays;
  }
}

function dayNumber(iso: string): number {
  return Math.floor(new Date(iso).getTime() / MS_PER_DAY);
}

function dayString(day: number): string {
  return utcDateString(new Date(day * MS_PER_DAY));
}

function isRemediable(type: string): type is RemediableType {
  return type === 'ROTATION_OVERDUE' || type === 'UNUSED' || type === 'NEVER_USED';
}

/** The day (UTC day number) a finding's measure reaches its criterion, and the days it measures now. */
function measure(
  f: Finding,
  type: RemediableType,
  now: Date,
): { readonly days: number; readonly fromDay: number } | null {
  if (type === 'UNUSED') {
    if (f.lastUsedAt === null) return null;
    return { days: ageInDays(new Date(f.lastUsedAt), now), fromDay: dayNumber(f.lastUsedAt) };
  }
  if (f.createdAt === null || f.ageDays === null) return null;
  return { days: f.ageDays, fromDay: dayNumber(f.createdAt) };
}

function isRootFinding(f: Finding): boolean {
  return f.type === 'ROOT_ACCESS_KEY' || f.userName === ROOT_ACCOUNT_USER || f.userArn.endsWith(':root');
}

interface Candidate {
  readonly key: ProposedKey;
  readonly proposedOn: number;
  readonly meetsNow: boolean;
  /** Days past the criterion (the largest over its reasons): the most overdue go first. */
  readonly overdueBy: number;
}

function candidatesOf(audit: AccountAudit, request: ProposalRequest): Candidate[] {
  const { criteria, noticeDays } = request.settings;
  const today = Math.floor(request.now.getTime() / MS_PER_DAY);
  const exempted = new Set(
    audit.exempted.filter((f) => f.accessKeyId !== null).map((f) => f.accessKeyId as string),
  );
  const byKey = new Map<string, Finding[]>();
  for (const f of audit.findings) {
    if (f.accessKeyId === null) continue;
    byKey.set(f.accessKeyId, [...(byKey.get(f.accessKeyId) ?? []), f]);
  }
  const out: Candidate[] = [];
  for (const [accessKeyId, findings] of byKey) {
    // Never the root user's key, never a key with any exempted finding, never an inactive key.
    if (findings.some(isRootFinding) || exempted.has(accessKeyId)) continue;
    const first = findings[0];
    if (first === undefined || first.status !== 'Active' || first.createdAt === null) continue;
    const reasons: { reason: ProposalReason; eligibleDay: number }[] = [];
    for (const f of findings) {
      if (!isRemediable(f.type)) continue;
      const threshold = criterionOf(f.type, criteria);
      const m = measure(f, f.type, request.now);
      if (threshold === null || m === null) continue;
      reasons.push({
        reason: { type: f.type, days: m.days, thresholdDays: threshold },
        eligibleDay: m.fromDay + threshold,
      });
    }
    if (reasons.length === 0) continue;
    const ref = keyRef({ accountId: audit.accountId, accessKeyId });
    const firstReportedAt = request.firstReported.get(ref) ?? request.now.toISOString();
    const eligibleDay = Math.min(...reasons.map((r) => r.eligibleDay));
    const proposedOn = Math.max(eligibleDay, dayNumber(firstReportedAt) + noticeDays);
    const meetsNow = reasons.some((r) => r.reason.days >= r.reason.thresholdDays);
    const key: ProposedKey = {
      accountId: audit.accountId,
      accountName: audit.accountName,
      userName: first.userName,
      userArn: first.userArn,
      accessKeyId,
      createdAt: first.createdAt,
      lastUsedAt: first.lastUsedAt,
      ageDays: first.ageDays ?? ageInDays(new Date(first.createdAt), request.now),
      why: (meetsNow ? reasons.filter((r) => r.reason.days >= r.reason.thresholdDays) : reasons).map(
        (r) => r.reason,
      ),
      firstReportedAt,
      ...(first.owner === undefined ? {} : { owner: first.owner }),
    };
    out.push({
      key,
      proposedOn,
      meetsNow: meetsNow && proposedOn <= today,
      overdueBy: Math.max(...reasons.map((r) => r.reason.days - r.reason.thresholdDays)),
    });
  }
  return out;
}

function byAccountUserKey(a: ProposedKey, b: ProposedKey): number {
  return (
    a.accountId.localeCompare(b.accountId) ||
    a.userName.localeCompare(b.userName) ||
    a.accessKeyId.localeCompare(b.accessKeyId)
  );
}

/**
 * Selects the keys this run proposes and the ones it announces. Only AUDITED accounts count: a
 * FAILED account's findings are not known this run, so nothing of it is proposed.
 */
export function planProposals(request: ProposalRequest): ProposalPlan {
  const today = Math.floor(request.now.getTime() / MS_PER_DAY);
  const horizon = today + request.settings.noticeDays;
  const candidates = request.audits
    .filter((a) => a.status === 'AUDITED')
    .flatMap((a) => candidatesOf(a, request));
  const due: Candidate[] = [];
  const upcoming: UpcomingKey[] = [];
  const awaiting: { key: ProposedKey; requestId: string }[] = [];
  for (const c of candidates) {
    const open = request.openKeys.get(keyRef(c.key));
    if (open !== undefined) {
      awaiting.push({ key: c.key, requestId: open });
    } else if (c.meetsNow) {
      due.push(c);
    } else if (c.proposedOn <= horizon) {
      upcoming.push({ key: c.key, proposedOn: dayString(c.proposedOn) });
    }
  }
  due.sort((a, b) => b.overdueBy - a.overdueBy || byAccountUserKey(a.key, b.key));
  const proposed = due.slice(0, request.settings.maxKeysPerRequest).map((c) => c.key);
  return {
    proposed: [...proposed].sort(byAccountUserKey),
    upcoming: upcoming.sort(
      (a, b) => a.proposedOn.localeCompare(b.proposedOn) || byAccountUserKey(a.key, b.key),
    ),
    awaiting: awaiting.sort(
      (a, b) => a.requestId.localeCompare(b.requestId) || byAccountUserKey(a.key, b.key),
    ),
    deferred: due.length - proposed.length,
  };
}

/** FNV-1a, 32 bits: enough to tell two audits of one day apart in a request id. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/** `dr-YYYYMMDD-<8 hex>`: the same for the same audit execution, so a redrive finds its request. */
export function requestIdFor(auditExecutionArn: string, now: Date): string {
  return `dr-${utcDateString(now).replaceAll('-', '')}-${fnv1a(auditExecutionArn)}`;
}

export type ApprovalCheck =
  | { readonly status: 'READY'; readonly keys: readonly ProposedKey[]; readonly reason: null }
  | { readonly status: 'REFUSED'; readonly keys: readonly []; readonly reason: string };

/**
 * An approval is only as good as its match with the stored request: SendTaskSuccess accepts any
 * JSON from anyone allowed to call it, so the workflow checks again what `keyaudit approve`
 * already checked. A key not in the request refuses the whole approval: a person who named it
 * meant something else, and acting on the rest would be guessing.
 */
export function checkApproval(request: DeactivationRequest, decision: ApprovalDecision): ApprovalCheck {
  const refuse = (reason: string): ApprovalCheck => ({ status: 'REFUSED', keys: [], reason });
  if (decision.requestId !== request.requestId) {
    return refuse(
      `the approval names request ${decision.requestId}, not ${request.requestId}; nothing was deactivated`,
    );
  }
  const proposed = new Map(request.keys.map((k) => [k.accessKeyId, k]));
  const unknown = decision.keys.filter((id) => !proposed.has(id));
  if (unknown.length > 0) {
    return refuse(
      `the approval names ${unknown.length} key(s) that request ${request.requestId} did not propose (${unknown.join(', ')}); nothing was deactivated`,
    );
  }
  const keys = [...new Set(decision.keys)].map((id) => proposed.get(id) as ProposedKey);
  if (keys.length === 0) return refuse('the approval names no key; nothing was deactivated');
  return { status: 'READY', keys, reason: null };
}

/** A key as ListAccessKeys shows it now. */
export interface ListedKey {
  readonly accessKeyId: string;
  readonly status: string;
  readonly createDate: string;
}

export type KeyJudgement =
  | { readonly act: true }
  | { readonly act: false; readonly reason: SkipReason; readonly detail: string };

/**
 * Whether the key ListAccessKeys shows is still the proposed one, in the state the action expects.
 * Creation dates compare to the second: IAM reports whole seconds, the credential report too.
 */
export function judgeListedKey(
  proposed: ProposedKey,
  listed: readonly ListedKey[],
  action: KeyAction,
): KeyJudgement {
  const current = listed.find((k) => k.accessKeyId === proposed.accessKeyId);
  if (current === undefined) {
    return {
      act: false,
      reason: 'key-no-longer-exists',
      detail: `user ${proposed.userName} has no key ${proposed.accessKeyId} any more (deleted or rotated)`,
    };
  }
  const seconds = (iso: string) => Math.floor(new Date(iso).getTime() / 1000);
  if (seconds(current.createDate) !== seconds(proposed.createdAt)) {
    return {
      act: false,
      reason: 'key-replaced',
      detail: `created ${current.createDate}, not ${proposed.createdAt} as proposed`,
    };
  }
  const expected = action === 'deactivate' ? 'Active' : 'Inactive';
  if (current.status !== expected) {
    return {
      act: false,
      reason: action === 'deactivate' ? 'already-inactive' : 'already-active',
      detail: `the key is ${current.status}`,
    };
  }
  return { act: true };
}

/**
 * Whether a key may still be deactivated once approved: not used since it was proposed, not
 * exempted since. `proposedLastUsedAt` is the request's; `lastUsedAt` is GetAccessKeyLastUsed's now.
 */
export function judgeUseAndExemption(
  proposed: ProposedKey,
  now: { readonly lastUsedAt: string | null; readonly exemption: string | null },
): KeyJudgement {
  const before = proposed.lastUsedAt === null ? null : new Date(proposed.lastUsedAt).getTime();
  const after = now.lastUsedAt === null ? null : new Date(now.lastUsedAt).getTime();
  if (after !== null && (before === null || after > before)) {
    return {
      act: false,
      reason: 'used-since-proposal',
      detail: `last used ${now.lastUsedAt}${proposed.lastUsedAt === null ? ', never before' : `, after ${proposed.lastUsedAt}`}`,
    };
  }
  if (now.exemption !== null) {
    return { act: false, reason: 'exempted-since-proposal', detail: now.exemption };
  }
  return { act: true };
}
