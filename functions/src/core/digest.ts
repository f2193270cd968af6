/**
 * The daily email (docs/design.md, "The digest"): plain text, because SNS email delivers the
 * message as it is. The subject is ASCII and at most 100 characters (SNS's limit for email subjects);
 * the body never exceeds `maxBytes`, truncating lists with "… and N more" rather than failing
 * the publish, and always keeps the totals, the accounts not audited and the links.
 *
 * Subject wording: "N keys need attention" counts distinct keys with at least one finding that
 * is not exempted (a key overdue and unused is one key, not two findings), "in A of T accounts"
 * counts accounts with such a key, and "M accounts not audited" counts FAILED plus SKIPPED
 * accounts, the same accounts the body's "Accounts not audited" section lists. With no key to
 * report, neither the subject nor the body reads as clean unless every account was audited: a
 * partial run leads with the accounts not audited, and a run that audited none says so.
 */

import { InvalidInputError } from './errors';
import { FAILURE_FIXES } from './failures';
import { findingId, type HistoryFinding, type ResolvedWhy } from './history';
import { maskAccessKeyId, maskAccessKeyIdsInText } from './mask';
import type { AccountAudit, Finding } from './model';
import { SEVERITIES } from './model';
import type { KeyOutcome, ProposedKey } from './remediation';
import { compareStrings, type Report } from './report';

export interface DigestLinks {
  /** Where the full report is (an S3 URI or console URL). */
  readonly reportUri?: string;
  /** The Step Functions console page of the execution. */
  readonly executionUrl?: string;
}

export interface DigestOptions {
  /**
   * Largest body in UTF-8 bytes.
   * @default 258_048 (SNS's 262,144-byte message limit less 4 KiB for the subject and envelope)
   */
  readonly maxBytes?: number;
  /** The owner this digest is for (core/owner-digests.ts); unset for the security team's full digest. */
  readonly owner?: string;
}

/** Exemptions ending within this many days are listed on their own, before they lapse. */
export const EXPIRING_EXEMPTION_DAYS = 14;

export interface Digest {
  readonly subject: string;
  readonly body: string;
}

export const SNS_MESSAGE_LIMIT_BYTES = 262_144;
export const DEFAULT_DIGEST_MAX_BYTES = SNS_MESSAGE_LIMIT_BYTES - 4_096;
export const MAX_SUBJECT_LENGTH = 100;
/** Below this the header and totals alone may not fit: a smaller limit is a configuration mistake. */
export const MIN_DIGEST_MAX_BYTES = 1_024;
/** Warnings listed in the body; the rest are counted in "… and N more" (the report has them all). */
export const MAX_DIGEST_WARNINGS = 20;

const PRODUCT = 'org-key-audit';

export function renderDigest(report: Report, links: DigestLinks, options: DigestOptions = {}): Digest {
  const maxBytes = options.maxBytes ?? DEFAULT_DIGEST_MAX_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes < MIN_DIGEST_MAX_BYTES) {
    throw new InvalidInputError(
      `renderDigest: options.maxBytes must be an integer of at least ${MIN_DIGEST_MAX_BYTES}, got ${maxBytes}; ` +
        `omit it for the default of ${DEFAULT_DIGEST_MAX_BYTES}.`,
    );
  }
  const keys = countKeysNeedingAttention(report);
  const fixed = [...headerLines(report, options.owner), '', ...totalsLines(report, keys), ''];
  const linkLines = ['LINKS', ...linksLines(links)];
  let budget = maxBytes - linesBytes(fixed) - linesBytes(linkLines);
  const take = (blocks: readonly Block[], maxItems?: number): string[] => {
    const section = fitBlocks(blocks, budget, maxItems);
    budget -= linesBytes(section);
    return section;
  };
  // The budget goes in priority order: an account nobody audited matters more than one more
  // finding in the list, and the few warnings (at most MAX_DIGEST_WARNINGS) say how an account
  // was audited. The warnings still read last: they are notes on the run, not things to fix.
  const notAudited = take(notAuditedBlocks(report));
  const warnings = take(warningBlocks(report), MAX_DIGEST_WARNINGS);
  // What changed leads: it is what a reader acts on; the open list below is the reference.
  const byOwner = showsOwners(report);
  const changes = take(changeBlocks(report, byOwner));
  // A request waiting on a person, and what a closed one did, come right after what changed.
  const remediation = take(remediationBlocks(report));
  const findings = take(findingBlocks(report, byOwner));
  const expiring = take(expiringExemptionBlocks(report));
  const routing = take(routingBlocks(report));
  const exempted = take(exemptedBlocks(report));
  const body = [
    ...fixed,
    ...notAudited,
    ...changes,
    ...remediation,
    ...findings,
    ...expiring,
    ...routing,
    ...exempted,
    ...warnings,
    ...linkLines,
  ].join('\n');
  return { subject: renderSubject(report, keys, options.owner), body: truncateToBytes(body, maxBytes) };
}

/** Distinct keys with at least one finding that needs attention (exempted findings excluded). */
export function countKeysNeedingAttention(report: Report): number {
  const keys = new Set<string>();
  for (const account of report.accounts) {
    for (const f of account.findings) {
      keys.add(JSON.stringify([account.accountId, f.userArn, f.accessKeyId ?? f.keySlot]));
    }
  }
  return keys.size;
}

// ---------------------------------------------------------------- subject

export function renderSubject(
  report: Report,
  keys: number = countKeysNeedingAttention(report),
  owner?: string,
): string {
  const base = report.dryRun ? `[${PRODUCT}][dry run]` : `[${PRODUCT}]`;
  // The owner's name is the first thing a team sees in its inbox; capped so the counts still fit.
  const prefix = owner === undefined ? base : `${base}[${Array.from(owner).slice(0, 30).join('')}]`;
  const { accounts, audited, failed, skipped, accountsWithFindings } = report.totals;
  const notAudited = failed + skipped;
  const suffix = notAudited > 0 ? `; ${count(notAudited, 'account')} not audited` : '';
  let candidates: string[];
  const changes = report.changes?.comparable ? report.changes : null;
  if (accounts === 0) {
    candidates = [`${prefix} No accounts to audit`];
  } else if (changes !== null && audited > 0) {
    // With a comparison, the subject leads with what changed since the last full run.
    const moves = `${changes.new.length} new, ${changes.resolved.length} resolved`;
    candidates = [
      `${prefix} ${moves}, ${keys} open in ${accountsWithFindings} of ${count(accounts, 'account')}${suffix}`,
      `${prefix} ${moves}, ${keys} open in ${accountsWithFindings}/${accounts} accounts; ${notAudited} not audited`,
      `${prefix} ${moves}, ${keys} open, ${notAudited} not audited`,
    ];
  } else if (keys > 0) {
    const need = keys === 1 ? 'key needs' : 'keys need';
    candidates = [
      `${prefix} ${keys} ${need} attention in ${accountsWithFindings} of ${count(accounts, 'account')}${suffix}`,
      `${prefix} ${keys} ${need} attention in ${accountsWithFindings}/${accounts} accounts; ${notAudited} not audited`,
      `${prefix} ${keys} keys, ${accountsWithFindings}/${accounts} accts, ${notAudited} not audited`,
    ];
  } else if (audited === 0) {
    // Nothing was looked at: "no keys need attention" would be a claim about no account at all.
    candidates = [
      `${prefix} No accounts audited: ${notAudited} of ${count(accounts, 'account')} not audited, no keys checked`,
      `${prefix} No accounts audited: ${notAudited}/${accounts} not audited`,
    ];
  } else if (notAudited === 0) {
    candidates = [`${prefix} All clear: no keys need attention in ${count(accounts, 'account')}`];
  } else {
    // The accounts not audited come first: a subject cut short by the mail client must not read as clean.
    candidates = [
      `${prefix} ${notAudited} of ${count(accounts, 'account')} not audited; no keys need attention in the ${audited} audited`,
      `${prefix} ${notAudited}/${accounts} accounts not audited; no keys need attention in ${audited} audited`,
      `${prefix} ${notAudited}/${accounts} accounts not audited`,
    ];
  }
  const chosen = candidates.map(asciiLine).find((s) => s.length <= MAX_SUBJECT_LENGTH);
  return chosen ?? asciiLine(candidates.at(-1) ?? prefix).slice(0, MAX_SUBJECT_LENGTH);
}

function count(n: number, noun: string): string {
  return `${n} ${n === 1 ? noun : `${noun}s`}`;
}

/** Printable ASCII only: the subject is an email header, and SNS rejects control characters. */
function asciiLine(text: string): string {
  return text.replace(/[^\x20-\x7E]/g, '?');
}

// ---------------------------------------------------------------- fixed parts

function headerLines(report: Report, owner: string | undefined): string[] {
  const lines = [
    owner === undefined ? `${PRODUCT} digest` : `${PRODUCT} digest for ${clean(owner, 128)}`,
    ...(owner === undefined
      ? []
      : [`Only the findings owned by ${clean(owner, 128)}; the security team receives every finding.`]),
    `Execution:  ${clean(report.executionName, 200)}`,
    `Generated:  ${clean(report.generatedAt, 40)}`,
    `Reason:     ${report.reason === null ? 'scheduled run' : clean(report.reason, 500)}`,
  ];
  if (report.dryRun) lines.push('Mode:       DRY RUN (this digest was not published)');
  lines.push(`Thresholds: ${clean(formatThresholds(report.thresholds), 500)}`);
  lines.push('Key ids are masked here; the full report has them in full.');
  return lines;
}

function formatThresholds(thresholds: Report['thresholds']): string {
  const parts = Object.entries(thresholds).map(([name, value]) => {
    const shown = Array.isArray(value)
      ? value.join(',')
      : typeof value === 'object'
        ? JSON.stringify(value)
        : value;
    return `${name}=${String(shown)}`;
  });
  return parts.length === 0 ? '(defaults)' : parts.join(', ');
}

function totalsLines(report: Report, keys: number): string[] {
  const t = report.totals;
  const severities = SEVERITIES.map((s) => `${s} ${t.bySeverity[s] ?? 0}`).join(', ');
  const attention =
    t.accounts > 0 && t.audited === 0
      ? 'unknown (no account was audited)'
      : `${keys} in ${t.accountsWithFindings} of ${count(t.accounts, 'account')}`;
  return [
    'SUMMARY',
    `  Keys needing attention: ${attention}`,
    `  Findings: ${t.findings} (${severities})`,
    `  Exempted findings: ${t.exempted}`,
    `  Accounts: ${t.accounts} total, ${t.audited} audited, ${t.failed} failed, ${t.skipped} skipped`,
  ];
}

function linksLines(links: DigestLinks): string[] {
  return [
    `  Full report: ${links.reportUri === undefined ? '(not available)' : clean(links.reportUri, 2_000)}`,
    `  Execution:   ${links.executionUrl === undefined ? '(not available)' : clean(links.executionUrl, 2_000)}`,
  ];
}

// ---------------------------------------------------------------- lists

/** Lines that stay together; `items` is how many entries the "and N more" line counts for it. */
interface Block {
  readonly lines: readonly string[];
  readonly items: number;
}

function notAuditedBlocks(report: Report): Block[] {
  const failed = report.accounts.filter((a) => a.status === 'FAILED');
  const skipped = report.accounts.filter((a) => a.status === 'SKIPPED');
  if (failed.length + skipped.length === 0) return [];
  const blocks: Block[] = [{ lines: [`ACCOUNTS NOT AUDITED (${failed.length + skipped.length})`], items: 0 }];
  for (const account of [...byId(failed), ...byId(skipped)]) {
    const label =
      account.status === 'FAILED' ? `FAILED${account.errorName ? `: ${account.errorName}` : ''}` : 'SKIPPED';
    const lines = [`  - ${account.accountId}  ${clean(account.accountName, 100)}  [${clean(label, 100)}]`];
    lines.push(
      `      Reason: ${account.reason === undefined ? '(none recorded)' : clean(account.reason, 500)}`,
    );
    const fix =
      account.fix ?? (account.errorName === undefined ? undefined : FAILURE_FIXES[account.errorName]);
    if (fix !== undefined) lines.push(`      Fix: ${clean(fix, 500)}`);
    blocks.push({ lines, items: 1 });
  }
  blocks.push({ lines: [''], items: 0 });
  return blocks;
}

/**
 * "No key needs attention" only ever speaks for the accounts audited: when some were not, the
 * section says how many were and that the others (listed above) were not checked.
 */
function noFindingLines(report: Report): string[] {
  if (report.accounts.length === 0) return ['  Nothing checked: there were no accounts to audit.'];
  const audited = report.accounts.filter((a) => a.status === 'AUDITED').length;
  const notAudited = report.accounts.length - audited;
  if (notAudited === 0) return ['  None: no key needs attention.'];
  const one = notAudited === 1;
  const listed = `listed above with the ${one ? 'reason' : 'reasons'}`;
  if (audited === 0) {
    return [
      '  Unknown: no account was audited, so no key was checked.',
      `  The ${count(notAudited, 'account')} not audited ${one ? 'is' : 'are'} ${listed}.`,
    ];
  }
  return [
    `  None: no key needs attention in the ${audited} audited ${audited === 1 ? 'account' : 'accounts'}.`,
    `  The ${count(notAudited, 'account')} not audited ${one ? 'was' : 'were'} not checked; ${one ? 'it is' : 'they are'} ${listed}.`,
  ];
}

/**
 * Owners are shown once some finding belongs to someone other than the security team: until
 * owners are configured, every finding is the security team's, and saying so on each line is noise.
 */
function showsOwners(report: Report): boolean {
  const team = report.owners?.securityTeam;
  const other = (f: { readonly owner?: string | undefined }) => f.owner !== undefined && f.owner !== team;
  if (report.accounts.some((a) => a.findings.some(other))) return true;
  const changes = report.changes;
  return changes?.comparable === true && changes.resolved.some((r) => other(r.finding));
}

function findingBlocks(report: Report, byOwner: boolean): Block[] {
  const total = report.accounts.reduce((n, a) => n + a.findings.length, 0);
  if (total === 0) return [{ lines: ['FINDINGS', ...noFindingLines(report), ''], items: 0 }];
  if (byOwner) return ownerFindingBlocks(report, total);
  const blocks: Block[] = [{ lines: [`FINDINGS NEEDING ATTENTION (${total})`], items: 0 }];
  for (const severity of SEVERITIES) {
    const groups = groupByAccount(report.accounts, (a) => a.findings.filter((f) => f.severity === severity));
    const n = groups.reduce((sum, g) => sum + g.findings.length, 0);
    if (n === 0) continue;
    blocks.push({ lines: ['', `${severity.toUpperCase()} (${n})`], items: 0 });
    for (const group of groups) {
      blocks.push({ lines: [accountHeading(group.account)], items: 0 });
      for (const f of group.findings) blocks.push({ lines: [findingLine(f)], items: 1 });
    }
  }
  blocks.push({ lines: [''], items: 0 });
  return blocks;
}

/**
 * The open list by owner (the owner with the oldest finding first), then account, oldest first:
 * the order in which people are asked to act. Each line keeps its severity.
 */
function ownerFindingBlocks(report: Report, total: number): Block[] {
  const byOwner = new Map<string, Finding[]>();
  for (const account of report.accounts) {
    for (const f of account.findings) {
      const owner = f.owner ?? '(no owner)';
      const list = byOwner.get(owner) ?? [];
      list.push(f);
      byOwner.set(owner, list);
    }
  }
  const owners = [...byOwner.entries()].map(([owner, findings]) => ({
    owner,
    oldest: [...findings].sort(compareFindings)[0],
    count: findings.length,
  }));
  owners.sort((a, b) => ageOrder(a.oldest, b.oldest) || compareStrings(a.owner, b.owner));
  const blocks: Block[] = [{ lines: [`FINDINGS NEEDING ATTENTION (${total}), BY OWNER`], items: 0 }];
  for (const { owner, count: n } of owners) {
    blocks.push({ lines: ['', `OWNER ${clean(owner, 128)} (${n})`], items: 0 });
    const groups = groupByAccount(report.accounts, (a) =>
      a.findings.filter((f) => (f.owner ?? '(no owner)') === owner),
    );
    for (const group of groups) {
      blocks.push({ lines: [accountHeading(group.account)], items: 0 });
      for (const f of group.findings) blocks.push({ lines: [findingLine(f)], items: 1 });
    }
  }
  blocks.push({ lines: [''], items: 0 });
  return blocks;
}

/** Whole UTC days from the run's day to an exemption's last day (0: it ends today). */
function daysUntil(untilDay: string, generatedAt: string): number | null {
  const until = Date.parse(`${untilDay}T00:00:00Z`);
  const today = Date.parse(`${generatedAt.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(until) || Number.isNaN(today)) return null;
  return Math.round((until - today) / 86_400_000);
}

/** Exemptions that lapse within EXPIRING_EXEMPTION_DAYS: the owner renews them or fixes the key. */
function expiringExemptionBlocks(report: Report): Block[] {
  const expiring: { account: AccountAudit; finding: Finding; days: number }[] = [];
  for (const account of report.accounts) {
    for (const finding of account.exempted) {
      if (finding.exemption === undefined) continue;
      const days = daysUntil(finding.exemption.until, report.generatedAt);
      if (days !== null && days >= 0 && days <= EXPIRING_EXEMPTION_DAYS)
        expiring.push({ account, finding, days });
    }
  }
  if (expiring.length === 0) return [];
  expiring.sort(
    (a, b) =>
      a.days - b.days ||
      compareStrings(a.account.accountId, b.account.accountId) ||
      compareFindings(a.finding, b.finding),
  );
  const blocks: Block[] = [
    { lines: [`EXEMPTIONS EXPIRING WITHIN ${EXPIRING_EXEMPTION_DAYS} DAYS (${expiring.length})`], items: 0 },
  ];
  for (const { account, finding, days } of expiring) {
    const when = days === 0 ? 'ends today' : `ends in ${count(days, 'day')}`;
    blocks.push({
      lines: [
        `    - ${account.accountId}  ${findingLine(finding).replace(/^ {4}- /, '')}  (exemption ${when})`,
      ],
      items: 1,
    });
  }
  blocks.push({ lines: [''], items: 0 });
  return blocks;
}

function proposalWhy(key: ProposedKey): string {
  return key.why
    .map((w) =>
      w.type === 'UNUSED'
        ? `unused ${count(w.days, 'day')} (criterion ${w.thresholdDays})`
        : w.type === 'NEVER_USED'
          ? `never used, ${count(w.days, 'day')} old (criterion ${w.thresholdDays})`
          : `${count(w.days, 'day')} old (criterion ${w.thresholdDays})`,
    )
    .join('; ');
}

function proposalLine(key: ProposedKey, suffix: string): string {
  return `    - ${key.accountId}  ${clean(key.userName, 128)}  ${maskAccessKeyId(key.accessKeyId)}  ${proposalWhy(key)}${suffix}`;
}

function outcomeLine(o: KeyOutcome): string {
  const detail = o.reason ? `: ${clean(o.reason, 300)}` : '';
  const error = o.outcome === 'failed' && o.error ? ` (${clean(o.error, 80)})` : '';
  return `      - ${o.accountId}  ${clean(o.userName, 128)}  ${maskAccessKeyId(o.accessKeyId)}  ${o.outcome}${error}${detail}`;
}

/**
 * Approval-gated deactivation (docs/remediation.md): the request this run opened with the exact
 * commands, the keys announced in advance, the keys already waiting, and what closed requests did.
 */
function remediationBlocks(report: Report): Block[] {
  const r = report.remediation;
  if (r === undefined) return [];
  const blocks: Block[] = [];
  const sections =
    (r.opened === null ? 0 : 1) +
    r.upcoming.length +
    r.awaiting.length +
    r.closed.length +
    r.roleMissing.length;
  if (sections === 0 && r.warnings.length === 0) return [];
  blocks.push({ lines: ['DEACTIVATION (approval required; see docs/remediation.md)'], items: 0 });
  if (r.opened !== null) {
    const { requestId, keys, expiresAt } = r.opened;
    blocks.push({
      lines: [
        `  REQUEST ${requestId}: ${count(keys.length, 'key')} proposed for deactivation, awaiting approval until ${day(expiresAt)}`,
        `    approve all:  keyaudit approve ${requestId}`,
        `    approve some: keyaudit approve ${requestId} --except <key id> (or --only <key id>)`,
        `    reject:       keyaudit reject ${requestId} --reason "<why>"`,
      ],
      items: 0,
    });
    for (const key of keys) blocks.push({ lines: [proposalLine(key, '')], items: 1 });
    if (r.deferred > 0) {
      blocks.push({
        lines: [`    (${count(r.deferred, 'more key')} due: proposed once this request closes)`],
        items: 0,
      });
    }
  }
  if (r.upcoming.length > 0) {
    blocks.push({ lines: [`  ANNOUNCED (${r.upcoming.length})`], items: 0 });
    for (const { key, proposedOn } of r.upcoming) {
      blocks.push({
        lines: [proposalLine(key, `: will be proposed for deactivation on ${proposedOn}`)],
        items: 1,
      });
    }
  }
  if (r.awaiting.length > 0) {
    blocks.push({ lines: [`  AWAITING A DECISION IN AN OPEN REQUEST (${r.awaiting.length})`], items: 0 });
    for (const { key, requestId, expiresAt } of r.awaiting) {
      blocks.push({
        lines: [proposalLine(key, `: in ${requestId} (expires ${day(expiresAt)})`)],
        items: 1,
      });
    }
  }
  for (const closed of r.closed) {
    const tally = ['deactivated', 'reactivated', 'skipped', 'failed']
      .map((kind) => [kind, closed.outcomes.filter((o) => o.outcome === kind).length] as const)
      .filter(([, n]) => n > 0)
      .map(([kind, n]) => `${n} ${kind}`)
      .join(', ');
    const who = closed.decidedBy === null ? '' : ` by ${clean(closed.decidedBy, 200)}`;
    const verb =
      closed.status === 'COMPLETED'
        ? `approved${who}`
        : closed.status === 'REJECTED'
          ? `rejected${who}`
          : closed.status === 'REFUSED'
            ? 'refused'
            : 'expired without a decision; nothing was changed';
    blocks.push({
      lines: [
        `  ${closed.requestId} ${day(closed.closedAt)}: ${verb}${tally === '' ? '' : `: ${tally}`}${closed.reason ? ` (${clean(closed.reason, 300)})` : ''}`,
      ],
      items: 0,
    });
    for (const o of closed.outcomes) blocks.push({ lines: [outcomeLine(o)], items: 1 });
    for (const re of closed.reactivations) {
      blocks.push({
        lines: [`${outcomeLine(re.outcome)} (reactivation requested by ${clean(re.requestedBy.arn, 200)})`],
        items: 1,
      });
    }
  }
  if (r.roleMissing.length > 0) {
    blocks.push({
      lines: [
        `  REMEDIATION ROLE MISSING in ${count(r.roleMissing.length, 'account')}: ${r.roleMissing.join(', ')}: nothing there can be deactivated until the remediation StackSet reaches it`,
      ],
      items: 0,
    });
  }
  for (const warning of r.warnings) blocks.push({ lines: [`  note: ${clean(warning, 500)}`], items: 0 });
  blocks.push({ lines: [''], items: 0 });
  return blocks;
}

/** Who received their own list, and owners with findings but no subscription ("unrouted"). */
function routingBlocks(report: Report): Block[] {
  const routing = report.owners;
  if (routing === undefined) return [];
  const others = routing.owners.filter((o) => o.owner !== routing.securityTeam);
  if (others.length === 0) return [];
  const routed = others.filter((o) => o.routed);
  const unrouted = others.filter((o) => !o.routed);
  const blocks: Block[] = [{ lines: ['ROUTING'], items: 0 }];
  blocks.push({
    lines: [
      routed.length === 0
        ? '  No owner has its own subscription yet.'
        : `  Sent to ${count(routed.length, 'owner')} as their own digest: ${routed
            .map((o) => `${clean(o.owner, 128)} (${o.findings})`)
            .join(', ')}`,
    ],
    items: 0,
  });
  if (unrouted.length > 0) {
    blocks.push({
      lines: [
        `  UNROUTED (${unrouted.length}): owners with findings but no subscription; add them to owners.endpoints`,
      ],
      items: 0,
    });
    for (const o of unrouted) {
      blocks.push({ lines: [`    - ${clean(o.owner, 128)}: ${count(o.findings, 'finding')}`], items: 1 });
    }
  }
  blocks.push({ lines: [''], items: 0 });
  return blocks;
}

const RESOLVED_WHY: Readonly<Record<ResolvedWhy['kind'], string>> = {
  exempted: 'now exempted',
  changed: 'now reported as',
  'account-left': 'the account left the organization',
  deactivated: 'deactivated (the key is inactive now)',
  'no-longer-reported': 'no longer reported (deleted, rotated, or its user deleted)',
};

/**
 * NEW and RESOLVED since the last full run, and the findings of accounts this run could not
 * re-check (core/history.ts); or one line saying why there is no comparison.
 */
function changeBlocks(report: Report, byOwner: boolean): Block[] {
  const changes = report.changes;
  if (changes === undefined) return [];
  if (!changes.comparable) {
    return [
      {
        lines: ['CHANGES', `  No comparison with an earlier run: ${clean(changes.reason, 500)}.`, ''],
        items: 0,
      },
    ];
  }
  const since = `${clean(changes.previousExecution, 200)}, ${day(changes.previousAt)}`;
  const blocks: Block[] = [{ lines: [`CHANGES SINCE THE LAST FULL RUN (${since})`], items: 0 }];
  const byKey = new Map<string, Finding>();
  for (const account of report.accounts) for (const f of account.findings) byKey.set(findingId(f), f);
  blocks.push({ lines: [`  NEW (${changes.new.length})`], items: 0 });
  for (const entry of changes.new) {
    const f = byKey.get(findingId(entry));
    const line =
      f === undefined
        ? historyLine(entry, byOwner)
        : `    - ${entry.accountId}  ${findingLine(f).replace(/^ {4}- /, '')}${ownerSuffix(f, byOwner)}`;
    blocks.push({ lines: [line], items: 1 });
  }
  blocks.push({ lines: [`  RESOLVED (${changes.resolved.length})`], items: 0 });
  for (const { finding, why } of changes.resolved) {
    const reason = why.kind === 'changed' ? `${RESOLVED_WHY.changed} ${why.now}` : RESOLVED_WHY[why.kind];
    blocks.push({ lines: [`${historyLine(finding, byOwner)}: ${reason}`], items: 1 });
  }
  if (changes.notRechecked.length > 0) {
    const accounts = new Set(changes.notRechecked.map((f) => f.accountId)).size;
    blocks.push({
      lines: [
        `  NOT RE-CHECKED (${changes.notRechecked.length}): earlier findings in ${count(accounts, 'account')} not audited this run; neither open nor resolved`,
      ],
      items: 0,
    });
    for (const entry of changes.notRechecked) blocks.push({ lines: [historyLine(entry, byOwner)], items: 1 });
  }
  blocks.push({ lines: [''], items: 0 });
  return blocks;
}

function ownerSuffix(f: { readonly owner?: string | undefined }, byOwner: boolean): string {
  return byOwner && f.owner !== undefined ? `  owner ${clean(f.owner, 128)}` : '';
}

function historyLine(f: HistoryFinding, byOwner: boolean): string {
  return `    - ${f.accountId}  ${clean(f.userName, 128)}  ${maskAccessKeyId(f.accessKeyId)}  ${f.type} (${f.severity})  first seen ${day(f.firstSeenAt)}${ownerSuffix(f, byOwner)}`;
}

function exemptedBlocks(report: Report): Block[] {
  const groups = groupByAccount(report.accounts, (a) => a.exempted);
  if (groups.length === 0) return [];
  const n = groups.reduce((sum, g) => sum + g.findings.length, 0);
  const blocks: Block[] = [{ lines: [`EXEMPTED (${n})`], items: 0 }];
  for (const group of groups) {
    blocks.push({ lines: [accountHeading(group.account)], items: 0 });
    for (const f of group.findings) {
      const until =
        f.exemption === undefined ? 'no exemption recorded' : `until ${clean(f.exemption.until, 20)}`;
      const reason = f.exemption === undefined ? '' : `: ${clean(f.exemption.reason, 300)}`;
      blocks.push({ lines: [`${findingLine(f)}  (exempt ${until}${reason})`], items: 1 });
    }
  }
  blocks.push({ lines: [''], items: 0 });
  return blocks;
}

/** The report's top-level warnings: the run's own, then each account's, one line per warning. */
function warningBlocks(report: Report): Block[] {
  const entries = report.warnings.filter((w) => w.messages.length > 0);
  const n = entries.reduce((sum, w) => sum + w.messages.length, 0);
  if (n === 0) return [];
  const blocks: Block[] = [{ lines: [`WARNINGS (${n})`], items: 0 }];
  for (const entry of entries) {
    const heading =
      entry.accountId === null
        ? '  This run'
        : `  ${entry.accountId}${entry.accountName === null ? '' : `  ${clean(entry.accountName, 100)}`}`;
    blocks.push({ lines: [heading], items: 0 });
    for (const message of entry.messages) blocks.push({ lines: [`    - ${clean(message, 300)}`], items: 1 });
  }
  blocks.push({ lines: [''], items: 0 });
  return blocks;
}

interface AccountGroup {
  readonly account: AccountAudit;
  readonly findings: readonly Finding[];
}

/** Accounts ordered by their oldest finding, findings oldest first: the worst reads first. */
function groupByAccount(accounts: readonly AccountAudit[], pick: (a: AccountAudit) => readonly Finding[]) {
  const groups: AccountGroup[] = [];
  for (const account of accounts) {
    const findings = [...pick(account)].sort(compareFindings);
    if (findings.length > 0) groups.push({ account, findings });
  }
  return groups.sort(
    (a, b) =>
      ageOrder(a.findings[0], b.findings[0]) || compareStrings(a.account.accountId, b.account.accountId),
  );
}

function ageOrder(a: Finding | undefined, b: Finding | undefined): number {
  // Unknown ages sort last; among known ages, older (larger) first.
  return (b?.ageDays ?? -1) - (a?.ageDays ?? -1);
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    ageOrder(a, b) ||
    SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
    compareStrings(a.userName, b.userName) ||
    (a.keySlot ?? 0) - (b.keySlot ?? 0) ||
    compareStrings(a.type, b.type) ||
    compareStrings(a.accessKeyId ?? '', b.accessKeyId ?? '')
  );
}

function byId(accounts: readonly AccountAudit[]): AccountAudit[] {
  return [...accounts].sort((a, b) => compareStrings(a.accountId, b.accountId));
}

function accountHeading(account: AccountAudit): string {
  return `  ${account.accountId}  ${clean(account.accountName, 100)}`;
}

function findingLine(f: Finding): string {
  const key = `${maskAccessKeyId(f.accessKeyId)}${f.keySlot === null ? '' : ` (key ${f.keySlot}${f.status ? `, ${f.status}` : ''})`}`;
  const age = f.ageDays === null ? 'age unknown' : `${f.ageDays} ${f.ageDays === 1 ? 'day' : 'days'} old`;
  const used =
    f.lastUsedAt === null
      ? 'never used'
      : `last used ${day(f.lastUsedAt)}${f.lastUsedService ? ` via ${clean(f.lastUsedService, 60)}` : ''}`;
  return `    - ${clean(f.userName, 128)}  ${key}  ${f.type} (${f.severity})  ${age}, ${used}`;
}

function day(iso: string): string {
  return /^\d{4}-\d{2}-\d{2}/.test(iso) ? iso.slice(0, 10) : clean(iso, 40);
}

/**
 * Takes whole blocks in order while they fit (and, given `maxItems`, while at most that many
 * items are shown), then ends with "… and N more": stopping at the first block that does not fit
 * (instead of skipping to smaller ones) keeps the order meaningful.
 */
function fitBlocks(
  blocks: readonly Block[],
  budget: number,
  maxItems: number = Number.POSITIVE_INFINITY,
): string[] {
  const total = blocks.reduce((n, b) => n + b.items, 0);
  const all = blocks.flatMap((b) => b.lines);
  if (total <= maxItems && linesBytes(all) <= budget) return all;
  const more = (n: number) => `  … and ${n} more (see the full report)`;
  const reserve = linesBytes([more(total), '']);
  const taken: Block[] = [];
  let used = 0;
  let items = 0;
  for (const block of blocks) {
    const size = linesBytes(block.lines);
    if (used + size + reserve > budget || items + block.items > maxItems) break;
    taken.push(block);
    used += size;
    items += block.items;
  }
  // A heading with nothing under it would read as "empty" rather than "cut".
  while (taken.length > 1 && taken.at(-1)?.items === 0) taken.pop();
  if (taken.length === 0) return [];
  const shown = taken.reduce((n, b) => n + b.items, 0);
  return [...taken.flatMap((b) => b.lines), more(total - shown), ''];
}

// ---------------------------------------------------------------- text safety

/**
 * Makes a value from the organization safe for one line of the body: names may hold any
 * Unicode, so line breaks and control characters (which could forge lines), bidirectional
 * overrides (which could disguise text) and lone surrogates (invalid UTF-8) are replaced,
 * key ids typed into free text are masked, and the length is capped.
 */
function clean(text: string, maxChars: number): string {
  const safe = maskAccessKeyIdsInText(
    text
      .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
      // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the purpose: they could forge lines.
      .replace(/[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g, ' ')
      .replace(/[\u200E\u200F\u202A-\u202E\u2066-\u2069]/g, ''),
  );
  const chars = Array.from(safe);
  return chars.length <= maxChars ? safe : `${chars.slice(0, maxChars - 1).join('')}…`;
}

/** UTF-8 length without allocating; a lone surrogate counts 3 bytes, as TextEncoder writes U+FFFD. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/** Bytes of the lines once joined with '\n' (each line counted with its line break). */
function linesBytes(lines: readonly string[]): number {
  return lines.reduce((n, line) => n + utf8Length(line) + 1, 0);
}

/** Last resort when even the fixed parts are too long: cut at a code point boundary and say so. */
function truncateToBytes(text: string, maxBytes: number): string {
  if (utf8Length(text) <= maxBytes) return text;
  const marker = '\n… (truncated; see the full report)';
  const limit = maxBytes - utf8Length(marker);
  let used = 0;
  let end = 0;
  for (const char of text) {
    const size = utf8Length(char);
    if (used + size > limit) break;
    used += size;
    end += char.length;
  }
  return text.slice(0, end) + marker;
}
