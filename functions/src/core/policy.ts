/**
 * The rotation policy (docs/design.md, "Findings"): pure, deterministic, no AWS. The collector
 * runs it on credential-report rows and again after ListAccessKeys has supplied key ids and live
 * status.
 */
import { ageInDays } from './age';
import {
  type ConfigExemption,
  EXEMPTION_TAG_KEY,
  isExemptionActive,
  matchConfigExemption,
  parseExemptionTag,
} from './exemptions';
import {
  type AccessKeyState,
  type Exemption,
  FINDING_TYPES,
  type Finding,
  type FindingType,
  type PrincipalCredentials,
  SEVERITIES,
  type Severity,
} from './model';
import { ownerFromUserTags } from './owners';
import type { Thresholds } from './thresholds';

export interface PolicyContext {
  readonly accountId: string;
  readonly now: Date;
  readonly thresholds: Thresholds;
  readonly configExemptions: readonly ConfigExemption[];
  /** The IAM user tag naming a finding's owner (core/owners.ts); null or unset reads none. */
  readonly ownerTagKey?: string | null;
}

export interface PolicyOutcome {
  readonly findings: Finding[];
  /** Findings a valid exemption moved aside; each has `exemption` set. */
  readonly exempted: Finding[];
  /** Non-fatal notes (malformed or expired exemptions), each naming the account and user. */
  readonly warnings: string[];
}

function toFinding(
  principal: PrincipalCredentials,
  key: AccessKeyState,
  ageDays: number,
  type: FindingType,
  severity: Severity,
  accountId: string,
  ownerTag: string | null,
): Finding {
  return {
    accountId,
    userName: principal.userName,
    userArn: principal.userArn,
    accessKeyId: key.accessKeyId,
    keySlot: key.slot,
    status: key.status,
    createdAt: key.createdAt.toISOString(),
    ageDays,
    lastUsedAt: key.lastUsedAt === null ? null : key.lastUsedAt.toISOString(),
    lastUsedService: key.lastUsedService,
    type,
    severity,
    ...(ownerTag === null ? {} : { ownerTag }),
  };
}

function activeKeyFindings(
  key: AccessKeyState,
  age: number,
  t: Thresholds,
  now: Date,
): [FindingType, Severity][] {
  const out: [FindingType, Severity][] = [];
  if (age >= t.rotationOverdueDays) {
    out.push(['ROTATION_OVERDUE', age >= t.rotationCriticalDays ? 'critical' : 'high']);
  } else if (age >= t.rotationDueSoonDays) {
    out.push(['ROTATION_DUE_SOON', 'low']);
  }
  if (t.reminderDays.includes(age)) out.push(['REMINDER_DAY', 'info']);
  if (key.lastUsedAt === null) {
    if (age > t.neverUsedGraceDays) out.push(['NEVER_USED', 'medium']);
  } else if (ageInDays(key.lastUsedAt, now) >= t.unusedDays) {
    out.push(['UNUSED', 'medium']);
  }
  return out;
}

/** Older key first; equal creation times fall back to the slot so the choice is stable. */
function olderFirst(a: AccessKeyState, b: AccessKeyState): number {
  return a.createdAt.getTime() - b.createdAt.getTime() || a.slot - b.slot;
}

function rawFindings(principal: PrincipalCredentials, ctx: PolicyContext): Finding[] {
  const { accountId, now, thresholds } = ctx;
  const findings: Finding[] = [];
  const ownerTag = ownerFromUserTags(principal.tags, { userTagKey: ctx.ownerTagKey ?? null });
  const add = (key: AccessKeyState, age: number, type: FindingType, severity: Severity) =>
    findings.push(toFinding(principal, key, age, type, severity, accountId, ownerTag));

  if (principal.isRoot) {
    // Any root key is the finding; its age or use adds nothing an operator would act on.
    for (const key of principal.keys) add(key, ageInDays(key.createdAt, now), 'ROOT_ACCESS_KEY', 'critical');
    return findings;
  }
  for (const key of principal.keys) {
    const age = ageInDays(key.createdAt, now);
    if (key.status === 'Active') {
      for (const [type, severity] of activeKeyFindings(key, age, thresholds, now))
        add(key, age, type, severity);
    } else if (age > thresholds.inactiveLingeringDays) {
      add(key, age, 'INACTIVE_KEY_LINGERING', 'info');
    }
  }
  const active = principal.keys.filter((k) => k.status === 'Active').sort(olderFirst);
  const older = active[0];
  if (active.length >= 2 && older !== undefined) {
    add(older, ageInDays(older.createdAt, now), 'TWO_ACTIVE_KEYS', 'low');
  }
  return findings;
}

/** The user's tag exemption, if valid and current; warnings name the account and user. */
function tagExemption(
  principal: PrincipalCredentials,
  ctx: PolicyContext,
): { exemption: Exemption | null; warnings: string[] } {
  const tags = principal.tags;
  if (tags === undefined || !Object.hasOwn(tags, EXEMPTION_TAG_KEY)) return { exemption: null, warnings: [] };
  const who = `account ${ctx.accountId} user ${principal.userName}`;
  const parsed = parseExemptionTag(tags[EXEMPTION_TAG_KEY] as string);
  if (!parsed.ok) {
    return { exemption: null, warnings: [`${who}: ${parsed.warning}; its findings are reported`] };
  }
  if (!isExemptionActive(parsed.exemption, ctx.now)) {
    return {
      exemption: null,
      warnings: [
        `${who}: exemption tag ${EXEMPTION_TAG_KEY} expired on ${parsed.exemption.until}; its findings are reported again (renew or remove the tag)`,
      ],
    };
  }
  return { exemption: parsed.exemption, warnings: [] };
}

const severityRank = (s: Severity) => SEVERITIES.indexOf(s);
const typeRank = (t: FindingType) => FINDING_TYPES.indexOf(t);

/**
 * Severity, then oldest first, then user and slot; type last so two findings on one key
 * (ROTATION_OVERDUE and REMINDER_DAY) always come out in the same order.
 */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    (b.ageDays ?? -1) - (a.ageDays ?? -1) ||
    (a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0) ||
    (a.userName < b.userName ? -1 : a.userName > b.userName ? 1 : 0) ||
    (a.keySlot ?? 3) - (b.keySlot ?? 3) ||
    typeRank(a.type) - typeRank(b.type)
  );
}

export function evaluatePrincipal(principal: PrincipalCredentials, ctx: PolicyContext): PolicyOutcome {
  const raw = rawFindings(principal, ctx);
  const tag = tagExemption(principal, ctx);
  const warnings = [...tag.warnings];
  const findings: Finding[] = [];
  const exempted: Finding[] = [];
  const seenWarnings = new Set(warnings);
  for (const finding of raw) {
    let exemption = tag.exemption;
    if (exemption === null) {
      const lookup = matchConfigExemption(
        ctx.configExemptions,
        ctx.accountId,
        principal.userName,
        finding.accessKeyId,
        ctx.now,
      );
      exemption = lookup.exemption;
      for (const w of lookup.warnings) {
        if (!seenWarnings.has(w)) {
          seenWarnings.add(w);
          warnings.push(w);
        }
      }
    }
    if (exemption === null) findings.push(finding);
    else exempted.push({ ...finding, exemption });
  }
  findings.sort(compareFindings);
  exempted.sort(compareFindings);
  return { findings, exempted, warnings };
}

export function evaluateAccount(
  principals: readonly PrincipalCredentials[],
  ctx: PolicyContext,
): PolicyOutcome {
  const findings: Finding[] = [];
  const exempted: Finding[] = [];
  const warnings: string[] = [];
  for (const principal of principals) {
    const outcome = evaluatePrincipal(principal, ctx);
    findings.push(...outcome.findings);
    exempted.push(...outcome.exempted);
    warnings.push(...outcome.warnings);
  }
  findings.sort(compareFindings);
  exempted.sort(compareFindings);
  return { findings, exempted, warnings };
}
