/**
 * Which organization accounts a run audits and which it skips, with a reason and a fix for each
 * skipped one so the digest can explain it. Pure: ListAccounts happens elsewhere.
 */
import type { OrgAccount } from './model';

export interface SkippedAccount {
  readonly account: OrgAccount;
  readonly reason: string;
  readonly fix: string;
}

export interface AuditPlan {
  readonly toAudit: OrgAccount[];
  readonly skipped: SkippedAccount[];
}

/** The state given to a requested id that the organization does not contain. */
export const NOT_IN_ORGANIZATION = 'NOT_IN_ORGANIZATION';

const STATE_REASONS: Readonly<Record<string, { reason: string; fix: string }>> = {
  SUSPENDED: {
    reason: 'the account is suspended',
    fix: 'none while it is suspended; it is audited again once reinstated',
  },
  PENDING_CLOSURE: {
    reason: 'the account is being closed',
    fix: 'none; it leaves the organization when the closure completes',
  },
  CLOSED: {
    reason: 'the account is closed',
    fix: 'none; remove it from any account lists passed to the audit',
  },
  PENDING_ACTIVATION: {
    reason: 'the account is not activated yet',
    fix: 'none; it is audited once Organizations reports it ACTIVE',
  },
};

function skipForState(account: OrgAccount): SkippedAccount {
  const known = STATE_REASONS[account.state];
  if (known) return { account, ...known };
  return {
    account,
    reason: `the account is in an unrecognised state "${account.state}"`,
    fix: 'check the account in the AWS Organizations console',
  };
}

const byId = (a: { accountId: string }, b: { accountId: string }): number =>
  a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0;

/**
 * @param requestedIds the accounts asked for in this run, or null for the whole organization.
 */
export function planAudit(
  accounts: readonly OrgAccount[],
  requestedIds: readonly string[] | null,
): AuditPlan {
  const requested = requestedIds === null ? null : new Set(requestedIds);
  const toAudit: OrgAccount[] = [];
  const skipped: SkippedAccount[] = [];
  const seen = new Set<string>();

  for (const account of accounts) {
    // Organizations never lists an account twice, but a merged or hand-built list might.
    if (seen.has(account.accountId)) continue;
    seen.add(account.accountId);
    if (requested !== null && !requested.has(account.accountId)) {
      skipped.push({
        account,
        reason: 'not requested in this run',
        fix: 'run without accountIds to audit the whole organization',
      });
    } else if (account.state === 'ACTIVE') {
      toAudit.push(account);
    } else {
      skipped.push(skipForState(account));
    }
  }

  for (const accountId of requested ?? []) {
    if (seen.has(accountId)) continue;
    seen.add(accountId);
    skipped.push({
      account: { accountId, accountName: '', email: '', state: NOT_IN_ORGANIZATION },
      reason: 'not a member of this organization',
      fix: 'check the account id, or run the audit from the organization that owns the account',
    });
  }

  toAudit.sort(byId);
  skipped.sort((a, b) => byId(a.account, b.account));
  return { toAudit, skipped };
}
