/** The report as Markdown, for tickets and chat: totals, accounts not audited, findings. */

import type { Report } from '@org-key-audit/functions/core';
import { SEVERITIES } from '@org-key-audit/functions/core';

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
          ['severity', 'finding', 'account', 'user', 'access key', 'age (days)'],
          [...findings]
            .sort((x, y) => SEVERITIES.indexOf(x.severity) - SEVERITIES.indexOf(y.severity))
            .map((f) => [f.severity, f.type, f.accountId, f.userName, f.accessKeyId ?? '', f.ageDays ?? '']),
        ),
  );
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
