/**
 * The report as Markdown, for tickets and chat: totals, changes since the last full run,
 * accounts not audited, findings, routing by owner.
 */

import type { HistoryFinding, Report } from '@org-key-audit/functions/core';
import { SEVERITIES } from '@org-key-audit/functions/core';
import { CIS_STANDARD, COMPLIANCE_SCOPE_TEXT, complianceView } from './compliance';
import { changesSummaryText, ownerOf, resolvedWhyText, routingText, unroutedOwners } from './report-text';

/** Escapes what would break a table cell or turn into markup; names come from member accounts. */
export function mdCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(/([\\`*_{}[\]()#+!|<>~])/g, '\\$1')
    .trim();
}

function mdTable(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [
    `| ${headers.join(' | ')} |`,
    `|${headers.map(() => ' --- ').join('|')}|`,
    ...rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`),
  ].join('\n');
}

const HISTORY_HEADERS = ['severity', 'finding', 'account', 'user', 'owner', 'access key', 'first seen'];
const historyCells = (f: HistoryFinding): unknown[] => [
  f.severity,
  f.type,
  f.accountId,
  f.userName,
  ownerOf(f),
  f.accessKeyId ?? '',
  f.firstSeenAt.slice(0, 10),
];

/** NEW and RESOLVED since the last full run, as the HTML page shows them; nothing when absent. */
function changesLines(report: Report): string[] {
  const changes = report.changes;
  if (changes === undefined) return [];
  const out = ['', '## Changes since the last full run', ''];
  if (!changes.comparable) {
    out.push(`No comparison: ${mdCell(changes.reason)}.`);
    return out;
  }
  out.push(mdCell(changesSummaryText(changes)), '', `### New (${changes.new.length})`, '');
  out.push(
    changes.new.length === 0 ? 'Nothing new.' : mdTable(HISTORY_HEADERS, changes.new.map(historyCells)),
  );
  out.push('', `### Resolved (${changes.resolved.length})`, '');
  out.push(
    changes.resolved.length === 0
      ? 'Nothing resolved.'
      : mdTable(
          [...HISTORY_HEADERS, 'why'],
          changes.resolved.map((r) => [...historyCells(r.finding), resolvedWhyText(r.why)]),
        ),
  );
  return out;
}

/** Owners, their findings and whether each has a digest of its own; nothing when absent. */
function routingLines(report: Report): string[] {
  const routing = report.owners;
  if (routing === undefined) return [];
  const unrouted = unroutedOwners(routing);
  return [
    '',
    '## Routing',
    '',
    `Security team: ${mdCell(routing.securityTeam)}, which receives every finding in the full digest.`,
    '',
    unrouted.length === 0
      ? 'Every owner with findings has a digest of its own.'
      : `Not routed (${unrouted.length}): ${unrouted.map((o) => mdCell(o.owner)).join(', ')}; their findings reach only the security team’s full digest.`,
    '',
    routing.owners.length === 0
      ? 'No owner has findings.'
      : mdTable(
          ['owner', 'findings', 'digest'],
          routing.owners.map((o) => [o.owner, o.findings, routingText(o, routing)]),
        ),
  ];
}

/**
 * Approval-gated deactivation (docs/remediation.md): the request this run opened, the keys
 * announced or waiting, and each closed request's outcomes with who decided; nothing when off.
 * The report is the full record, so key ids are shown in full, as in the findings table.
 */
function remediationLines(report: Report): string[] {
  const r = report.remediation;
  if (r === undefined) return [];
  const why = (k: { why: readonly { type: string; days: number; thresholdDays: number }[] }) =>
    k.why.map((w) => `${w.type} ${w.days} d (criterion ${w.thresholdDays})`).join('; ');
  const out = ['', '## Deactivation', ''];
  if (r.opened === null) out.push('No request was opened by this run.');
  else {
    out.push(
      `Request ${mdCell(r.opened.requestId)} proposes ${r.opened.keys.length} key(s), awaiting approval until ${mdCell(r.opened.expiresAt)}: \`keyaudit approve ${r.opened.requestId}\` (or \`--except\` / \`--only\`), \`keyaudit reject ${r.opened.requestId} --reason …\`.`,
      '',
      mdTable(
        ['account', 'user', 'owner', 'access key', 'why'],
        r.opened.keys.map((k) => [k.accountId, k.userName, k.owner ?? '', k.accessKeyId, why(k)]),
      ),
    );
    if (r.deferred > 0)
      out.push('', `${r.deferred} more key(s) are due and will be proposed once this request closes.`);
  }
  if (r.upcoming.length > 0) {
    out.push(
      '',
      `### Announced (${r.upcoming.length})`,
      '',
      mdTable(
        ['account', 'user', 'access key', 'why', 'will be proposed on'],
        r.upcoming.map((u) => [u.key.accountId, u.key.userName, u.key.accessKeyId, why(u.key), u.proposedOn]),
      ),
    );
  }
  if (r.awaiting.length > 0) {
    out.push(
      '',
      `### Awaiting a decision in an open request (${r.awaiting.length})`,
      '',
      mdTable(
        ['account', 'user', 'access key', 'request', 'expires'],
        r.awaiting.map((a) => [a.key.accountId, a.key.userName, a.key.accessKeyId, a.requestId, a.expiresAt]),
      ),
    );
  }
  for (const c of r.closed) {
    out.push(
      '',
      `### ${mdCell(c.requestId)}: ${c.status}${c.decidedBy === null ? '' : ` by ${mdCell(c.decidedBy)}`}, ${mdCell(c.closedAt)}`,
      '',
      ...(c.reason === null ? [] : [mdCell(c.reason), '']),
      c.outcomes.length === 0 && c.reactivations.length === 0
        ? 'No key was changed.'
        : mdTable(
            ['account', 'user', 'access key', 'action', 'outcome', 'reason', 'by'],
            [
              ...c.outcomes.map((o) => [
                o.accountId,
                o.userName,
                o.accessKeyId,
                o.action,
                o.outcome,
                o.reason ?? o.error ?? '',
                c.decidedBy ?? '',
              ]),
              ...c.reactivations.map((x) => [
                x.outcome.accountId,
                x.outcome.userName,
                x.outcome.accessKeyId,
                x.outcome.action,
                x.outcome.outcome,
                x.outcome.reason ?? '',
                x.requestedBy.arn,
              ]),
            ],
          ),
    );
  }
  if (r.roleMissing.length > 0) {
    out.push(
      '',
      `Remediation role missing in: ${r.roleMissing.join(', ')}; nothing there can be deactivated until the remediation StackSet reaches those accounts.`,
    );
  }
  for (const w of r.warnings) out.push('', `Note: ${mdCell(w)}`);
  return out;
}

const account = (a: { readonly accountId: string; readonly accountName: string }) =>
  a.accountName === '' ? a.accountId : `${a.accountId} (${a.accountName})`;

/** The compliance view (ops/compliance.ts): an overview, then each control's failing accounts and exceptions. */
function complianceLines(report: Report): string[] {
  const view = complianceView(report);
  const out = [
    '',
    `## Compliance: ${mdCell(CIS_STANDARD)}`,
    '',
    mdCell(COMPLIANCE_SCOPE_TEXT),
    '',
    mdTable(
      ['control', 'title', 'in scope', 'passing', 'failing', 'not assessed', 'exceptions'],
      view.map((c) => [
        c.control.id,
        c.control.title,
        c.inScope,
        c.passing,
        c.failing.length,
        c.notAssessed.length,
        c.exceptions.length,
      ]),
    ),
  ];
  for (const c of view) {
    out.push('', `### CIS ${mdCell(c.control.id)}: ${mdCell(c.control.title)}`, '');
    out.push(
      `Failed by ${c.findingTypes.map(mdCell).join(' or ')} findings. ${c.inScope} in scope, ${c.passing} passing, ${c.failing.length} failing, ${c.notAssessed.length} not assessed, ${c.exceptions.length} ${c.exceptions.length === 1 ? 'exception' : 'exceptions'}.`,
    );
    if (c.thresholdNote !== null) out.push('', `**Note:** ${mdCell(c.thresholdNote)}`);
    if (c.failing.length > 0) {
      out.push(
        '',
        mdTable(
          ['failing account', 'open findings'],
          c.failing.map((a) => [account(a), a.findings]),
        ),
      );
    }
    if (c.exceptions.length > 0) {
      out.push(
        '',
        mdTable(
          ['exception', 'account', 'user', 'access key', 'reason', 'until'],
          c.exceptions.map((x) => [x.type, account(x), x.userName, x.accessKeyId ?? '', x.reason, x.until]),
        ),
      );
    }
  }
  const notAssessed = view[0]?.notAssessed ?? [];
  if (notAssessed.length > 0) {
    out.push(
      '',
      `### Not assessed for any control (${notAssessed.length})`,
      '',
      mdTable(
        ['account', 'status', 'why'],
        notAssessed.map((a) => [account(a), a.status, a.reason]),
      ),
    );
  }
  return out;
}

export function renderReportMarkdown(report: Report): string {
  const t = report.totals;
  const out = [
    `# org-key-audit report: ${mdCell(report.executionName)}`,
    '',
    `Generated ${mdCell(report.generatedAt)}${report.dryRun ? ' (dry run)' : ''}.`,
    '',
    mdTable(
      ['accounts', 'audited', 'failed', 'skipped', 'findings', ...SEVERITIES, 'exempted'],
      [
        [
          t.accounts,
          t.audited,
          t.failed,
          t.skipped,
          t.findings,
          ...SEVERITIES.map((s) => t.bySeverity[s]),
          t.exempted,
        ],
      ],
    ),
    ...changesLines(report),
    ...remediationLines(report),
    ...complianceLines(report),
  ];
  const notAudited = report.accounts.filter((a) => a.status !== 'AUDITED');
  if (notAudited.length > 0) {
    out.push(
      '',
      '## Accounts not audited',
      '',
      mdTable(
        ['account', 'name', 'status', 'why', 'fix'],
        notAudited.map((a) => [a.accountId, a.accountName, a.status, a.reason ?? '', a.fix ?? '']),
      ),
    );
  }
  const findings = report.accounts.flatMap((a) => a.findings);
  out.push('', `## Findings (${findings.length})`, '');
  out.push(
    findings.length === 0
      ? 'No key needs attention.'
      : mdTable(
          ['severity', 'finding', 'account', 'user', 'owner', 'access key', 'age (days)'],
          [...findings]
            .sort((x, y) => SEVERITIES.indexOf(x.severity) - SEVERITIES.indexOf(y.severity))
            .map((f) => [
              f.severity,
              f.type,
              f.accountId,
              f.userName,
              ownerOf(f),
              f.accessKeyId ?? '',
              f.ageDays ?? '',
            ]),
        ),
  );
  out.push(...routingLines(report));
  const exempted = report.accounts.flatMap((a) => a.exempted);
  if (exempted.length > 0) {
    out.push(
      '',
      `## Exempted keys (${exempted.length})`,
      '',
      mdTable(
        ['finding', 'account', 'user', 'access key', 'reason', 'until'],
        exempted.map((f) => [
          f.type,
          f.accountId,
          f.userName,
          f.accessKeyId ?? '',
          f.exemption?.reason,
          f.exemption?.until,
        ]),
      ),
    );
  }
  return `${out.join('\n')}\n`;
}
