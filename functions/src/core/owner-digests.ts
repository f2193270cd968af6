/**
 * Routing findings to owners (docs/owners.md): every finding gets its owner, the security team's
 * report keeps them all, and each routed owner gets a report of only its own findings, so the
 * same renderer writes both digests and nobody's list can contain another team's finding.
 */
import type { RunChanges } from './history';
import type { AccountAudit, Finding } from './model';
import { type AccountOwner, isRoutedOwner, type OwnerRules, resolveOwner } from './owners';
import type { RemediationReport } from './remediation';
import { compareStrings, computeTotals, type OwnerRouting, type Report } from './report';

/** Each finding (exempted ones too) with its owner and the rule that chose it. */
export function assignOwners(
  audits: readonly AccountAudit[],
  accountOwners: ReadonlyMap<string, AccountOwner>,
  rules: Pick<OwnerRules, 'securityTeam'>,
): AccountAudit[] {
  return audits.map((audit) => {
    const account = accountOwners.get(audit.accountId);
    const owned = (f: Finding): Finding => {
      const { owner, source } = resolveOwner(f, account, rules);
      return { ...f, owner, ownerSource: source };
    };
    if (audit.findings.length === 0 && audit.exempted.length === 0) return audit;
    return { ...audit, findings: audit.findings.map(owned), exempted: audit.exempted.map(owned) };
  });
}

/** Every owner with open findings, and whether it has its own subscription. */
export function ownerRouting(audits: readonly AccountAudit[], rules: OwnerRules): OwnerRouting {
  const counts = new Map<string, number>();
  for (const audit of audits) {
    for (const f of audit.findings) {
      const owner = f.owner ?? rules.securityTeam;
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
  }
  return {
    securityTeam: rules.securityTeam,
    owners: [...counts.entries()]
      .sort(([a], [b]) => compareStrings(a, b))
      .map(([owner, findings]) => ({ owner, findings, routed: isRoutedOwner(owner, rules) })),
  };
}

function ownedBy(owner: string) {
  return (f: { readonly owner?: string | undefined }) => f.owner === owner;
}

function changesFor(changes: RunChanges | undefined, owner: string): RunChanges | undefined {
  if (changes === undefined || !changes.comparable) return changes;
  const mine = ownedBy(owner);
  return {
    ...changes,
    new: changes.new.filter(mine),
    stillOpen: changes.stillOpen.filter(mine),
    resolved: changes.resolved.filter((r) => mine(r.finding)),
    notRechecked: changes.notRechecked.filter(mine),
  };
}

/**
 * The report one owner receives: only the findings (and exemptions) it owns, the accounts they
 * are in, the accounts it owns that this run could not audit, and the changes of its findings.
 * Totals are recounted over what it contains, so they describe the owner's list, not the org's.
 */
export function reportForOwner(
  report: Report,
  owner: string,
  accountOwners: ReadonlyMap<string, AccountOwner>,
): Report {
  const mine = ownedBy(owner);
  const accounts: AccountAudit[] = [];
  for (const audit of report.accounts) {
    if (audit.status !== 'AUDITED') {
      if (accountOwners.get(audit.accountId)?.owner === owner) accounts.push(audit);
      continue;
    }
    const findings = audit.findings.filter(mine);
    const exempted = audit.exempted.filter(mine);
    if (findings.length === 0 && exempted.length === 0) continue;
    accounts.push({
      ...audit,
      findings,
      exempted,
      counts: { ...audit.counts, findings: findings.length, exempted: exempted.length },
      // The account's warnings are about how it was audited: the security team's to act on.
      warnings: [],
    });
  }
  const changes = changesFor(report.changes, owner);
  const remediation = remediationFor(report.remediation, owner);
  const { owners: _routing, trend: _trend, remediation: _all, ...rest } = report;
  return {
    ...rest,
    totals: computeTotals(accounts),
    warnings: [],
    accounts,
    ...(changes === undefined ? {} : { changes }),
    ...(remediation === undefined ? {} : { remediation }),
  };
}

/**
 * An owner hears in advance which of its keys will be, or are, proposed for deactivation; what
 * closed requests did and which accounts lack the role are the security team's to act on.
 */
function remediationFor(
  remediation: RemediationReport | undefined,
  owner: string,
): RemediationReport | undefined {
  if (remediation === undefined) return undefined;
  const opened = remediation.opened;
  const keys = opened === null ? [] : opened.keys.filter((k) => k.owner === owner);
  return {
    opened: opened === null || keys.length === 0 ? null : { ...opened, keys },
    deferred: 0,
    upcoming: remediation.upcoming.filter((u) => u.key.owner === owner),
    awaiting: remediation.awaiting.filter((a) => a.key.owner === owner),
    closed: [],
    roleMissing: [],
    warnings: [],
  };
}
