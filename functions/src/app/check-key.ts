/**
 * CheckKey: before an approved key is deactivated, read it again through the read-only audit
 * role (docs/remediation.md, step 6): a key used since it was proposed, or exempted since (by
 * its user's tag or the deployed config), is skipped. The approval was given for the key as it
 * was; a key in use again is no longer the key the approver agreed to switch off.
 */
import {
  type ConfigExemption,
  EXEMPTION_TAG_KEY,
  isExemptionActive,
  matchConfigExemption,
  parseExemptionTag,
} from '../core/exemptions';
import type { ProposedKey } from '../core/remediation';
import { judgeListedKey, judgeUseAndExemption } from '../core/remediation-plan';
import type { AuditedAccounts } from './ports';

export interface CheckKeyDependencies {
  readonly accounts: AuditedAccounts;
  readonly configExemptions: readonly ConfigExemption[];
  readonly now: () => Date;
}

export interface CheckKeyEvent {
  readonly requestId: string;
  readonly key: ProposedKey;
}

export interface CheckKeyResult {
  readonly eligible: boolean;
  /** Why not, as `<skip reason>: <detail>`; null when eligible. */
  readonly reason: string | null;
  /** What GetAccessKeyLastUsed says now (ISO-8601), or null when never used. */
  readonly lastUsedAt: string | null;
}

export async function checkKey(deps: CheckKeyDependencies, event: CheckKeyEvent): Promise<CheckKeyResult> {
  const { key } = event;
  const now = deps.now();
  const reader = await deps.accounts.open({ accountId: key.accountId, sessionName: event.requestId });
  const tags = await reader.userTags(key.userName);
  if (tags === null) {
    return {
      eligible: false,
      reason: `key-no-longer-exists: user ${key.userName} no longer exists`,
      lastUsedAt: key.lastUsedAt,
    };
  }
  // Listed first: a deleted or rotated key is known by its absence, and GetAccessKeyLastUsed is
  // only asked about a key that exists.
  const listed = await reader.listKeys(key.userName);
  const current = judgeListedKey(key, listed ?? [], 'deactivate');
  if (!current.act) {
    return { eligible: false, reason: `${current.reason}: ${current.detail}`, lastUsedAt: key.lastUsedAt };
  }
  const usage = await reader.lastUsed(key.accessKeyId);
  if (!usage.found) {
    return {
      eligible: false,
      reason: `key-no-longer-exists: ${key.accessKeyId} no longer exists (deleted or rotated)`,
      lastUsedAt: key.lastUsedAt,
    };
  }
  const { lastUsedAt } = usage;
  const tag = tags[EXEMPTION_TAG_KEY];
  const tagExemption = tag === undefined ? null : parseExemptionTag(tag);
  const configExemption = matchConfigExemption(
    deps.configExemptions,
    key.accountId,
    key.userName,
    key.accessKeyId,
    now,
  ).exemption;
  const exemption =
    tagExemption?.ok === true && isExemptionActive(tagExemption.exemption, now)
      ? `tag ${EXEMPTION_TAG_KEY}: ${tagExemption.exemption.reason} (until ${tagExemption.exemption.until})`
      : configExemption !== null
        ? `config exemption: ${configExemption.reason} (until ${configExemption.until})`
        : null;
  const judgement = judgeUseAndExemption(key, { lastUsedAt, exemption });
  return judgement.act
    ? { eligible: true, reason: null, lastUsedAt }
    : { eligible: false, reason: `${judgement.reason}: ${judgement.detail}`, lastUsedAt };
}
