/**
 * `keyaudit report` as one self-contained HTML page: inline CSS, JS and SVG, and a Content
 * Security Policy that forbids every fetch, so opening it never calls out. Every value taken
 * from the report is escaped; sorting and filtering work on the rendered table cells, so no
 * report data is ever placed inside the script.
 */

import type { Report } from '@org-key-audit/functions/core';
import {
  type Finding,
  type HistoryFinding,
  type ResolvedWhy,
  SEVERITIES,
  type Severity,
} from '@org-key-audit/functions/core';
import { escapeHtml as e } from './html';
import { histogramSvg, keyAgeHistogram, SEVERITY_COLOURS } from './report-chart';

const CSS = `
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;padding:24px;color:#1f2328;background:#f6f8fa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}.meta{color:#57606a;margin:0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:12px;margin-top:18px}
.card{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px}.card .n{font-size:26px;font-weight:600}.card .l{color:#57606a}
.card.alert .n{color:#8e0b0b}section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:12px 16px;margin-top:16px;overflow-x:auto}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #eaeef2;vertical-align:top}
th{cursor:pointer;user-select:none;white-space:nowrap;background:#f6f8fa}th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
td.num,th.num{text-align:right}input[type=search]{padding:4px 8px;width:280px;border:1px solid #d0d7de;border-radius:6px}
.sev{display:inline-block;padding:0 6px;border-radius:10px;color:#fff;font-size:12px}.legend span{margin-right:12px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}.axis{font-size:11px;fill:#57606a}
.empty{color:#57606a;font-style:italic}code{font-size:12px}
`;

/** Sorting (click a header) and filtering (type in the box above a table); no data inside. */
const SCRIPT = `
(function(){
  function key(cell,type){var v=cell.getAttribute('data-value');if(v===null)v=cell.textContent||'';
    if(type==='number'){var n=parseFloat(v);return isNaN(n)?-Infinity:n;}return v.toLowerCase();}
  document.querySelectorAll('table.sortable').forEach(function(table){
    var heads=table.querySelectorAll('thead th');
    heads.forEach(function(th,i){th.addEventListener('click',function(){
      var asc=th.getAttribute('aria-sort')!=='ascending';heads.forEach(function(h){h.removeAttribute('aria-sort');});
      th.setAttribute('aria-sort',asc?'ascending':'descending');var type=th.getAttribute('data-type')||'text';
      var body=table.tBodies[0];var rows=Array.prototype.slice.call(body.rows);
      rows.sort(function(a,b){var x=key(a.cells[i],type),y=key(b.cells[i],type);return (x<y?-1:x>y?1:0)*(asc?1:-1);});
      rows.forEach(function(r){body.appendChild(r);});});});});
  document.querySelectorAll('input[data-filter]').forEach(function(input){
    var table=document.getElementById(input.getAttribute('data-filter'));
    input.addEventListener('input',function(){var q=input.value.trim().toLowerCase();var shown=0;
      Array.prototype.forEach.call(table.tBodies[0].rows,function(r){var hit=(r.textContent||'').toLowerCase().indexOf(q)>=0;
        r.hidden=!hit;if(hit)shown++;});
      var out=document.getElementById(input.getAttribute('data-filter')+'-count');if(out)out.textContent=String(shown);});});
})();
`;

const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

interface Column<T> {
  readonly title: string;
  readonly type?: 'number' | 'text';
  readonly cell: (row: T) => string;
  /** Sort value, when the shown text does not sort right (severity order, dates). */
  readonly value?: (row: T) => string | number;
}

function table<T>(
  id: string,
  columns: readonly Column<T>[],
  rows: readonly T[],
  empty: string,
  filter: boolean,
): string {
  if (rows.length === 0) return `<p class="empty" id="${id}-empty">${e(empty)}</p>`;
  const head = columns
    .map(
      (c) =>
        `<th scope="col" data-type="${c.type ?? 'text'}"${c.type === 'number' ? ' class="num"' : ''}>${e(c.title)}</th>`,
    )
    .join('');
  const body = rows
    .map(
      (row) =>
        `<tr>${columns
          .map((c) => {
            const value = c.value === undefined ? '' : ` data-value="${e(c.value(row))}"`;
            return `<td${c.type === 'number' ? ' class="num"' : ''}${value}>${c.cell(row)}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('\n');
  const box = filter
    ? `<p><input type="search" placeholder="Filter…" aria-label="Filter ${e(id)}" data-filter="${id}"> <span id="${id}-count">${rows.length}</span> shown</p>`
    : '';
  return `${box}<table id="${id}" class="sortable"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const severityRank = (s: Severity) => SEVERITIES.indexOf(s);
const badge = (s: Severity) => `<span class="sev" style="background:${SEVERITY_COLOURS[s]}">${e(s)}</span>`;

interface FindingRow {
  readonly accountName: string;
  readonly finding: Finding;
}

const findingColumns: readonly Column<FindingRow>[] = [
  {
    title: 'Severity',
    cell: (r) => badge(r.finding.severity),
    value: (r) => severityRank(r.finding.severity),
    type: 'number',
  },
  { title: 'Finding', cell: (r) => e(r.finding.type) },
  { title: 'Account', cell: (r) => `${e(r.finding.accountId)}<br>${e(r.accountName)}` },
  { title: 'User', cell: (r) => e(r.finding.userName) },
  { title: 'Access key', cell: (r) => `<code>${e(r.finding.accessKeyId ?? '-')}</code>` },
  {
    title: 'Age (days)',
    type: 'number',
    cell: (r) => e(r.finding.ageDays ?? '-'),
    value: (r) => r.finding.ageDays ?? -1,
  },
  {
    title: 'Last used',
    cell: (r) =>
      e(
        r.finding.lastUsedAt === null
          ? 'never'
          : `${r.finding.lastUsedAt.slice(0, 10)} ${r.finding.lastUsedService ?? ''}`,
      ),
    value: (r) => r.finding.lastUsedAt ?? '',
  },
];

const historyColumns: readonly Column<HistoryFinding>[] = [
  {
    title: 'Severity',
    cell: (f) => badge(f.severity),
    value: (f) => severityRank(f.severity),
    type: 'number',
  },
  { title: 'Finding', cell: (f) => e(f.type) },
  { title: 'Account', cell: (f) => e(f.accountId) },
  { title: 'User', cell: (f) => e(f.userName) },
  { title: 'Access key', cell: (f) => `<code>${e(f.accessKeyId ?? '-')}</code>` },
  { title: 'First seen', cell: (f) => e(f.firstSeenAt.slice(0, 10)), value: (f) => f.firstSeenAt },
];

const WHY: Readonly<Record<ResolvedWhy['kind'], string>> = {
  exempted: 'now exempted',
  changed: 'now reported as',
  'account-left': 'account left the organization',
  'no-longer-reported': 'no longer reported (deactivated, deleted or rotated)',
};

/** NEW and RESOLVED since the last full run (docs/architecture.md, "Run history"). */
function changesSection(report: Report): string {
  const changes = report.changes;
  if (changes === undefined) return '';
  if (!changes.comparable) {
    return `<section id="changes"><h2>Changes since the last full run</h2><p class="empty" id="changes-none">No comparison: ${e(changes.reason)}.</p></section>`;
  }
  const resolved = changes.resolved.map((r) => ({ ...r.finding, why: r.why }));
  return `<section id="changes"><h2>Changes since the last full run</h2>
<p class="meta">Compared with <code>${e(changes.previousExecution)}</code> (${e(changes.previousAt)}); ${e(changes.stillOpen.length)} still open, ${e(changes.notRechecked.length)} not re-checked.</p>
<h3>New (${e(changes.new.length)})</h3>${table('new-table', historyColumns, changes.new, 'Nothing new.', false)}
<h3>Resolved (${e(resolved.length)})</h3>${table(
    'resolved-table',
    [
      ...historyColumns,
      {
        title: 'Why',
        cell: (r: (typeof resolved)[number]) =>
          e(r.why.kind === 'changed' ? `${WHY.changed} ${r.why.now}` : WHY[r.why.kind]),
      },
    ],
    resolved,
    'Nothing resolved.',
    false,
  )}</section>`;
}

export function renderReportHtml(report: Report): string {
  const t = report.totals;
  const notAudited = report.accounts.filter((a) => a.status !== 'AUDITED');
  const findings: FindingRow[] = report.accounts
    .flatMap((a) => a.findings.map((finding) => ({ accountName: a.accountName, finding })))
    .sort(
      (x, y) =>
        severityRank(x.finding.severity) - severityRank(y.finding.severity) ||
        (y.finding.ageDays ?? -1) - (x.finding.ageDays ?? -1),
    );
  const exempted: FindingRow[] = report.accounts.flatMap((a) =>
    a.exempted.map((finding) => ({ accountName: a.accountName, finding })),
  );
  const card = (n: number, label: string, alert = false) =>
    `<div class="card${alert && n > 0 ? ' alert' : ''}"><div class="n">${e(n)}</div><div class="l">${e(label)}</div></div>`;
  const legend = SEVERITIES.map(
    (s) => `<span><i style="background:${SEVERITY_COLOURS[s]}"></i>${e(s)}</span>`,
  ).join('');

  const accountsTable = table(
    'accounts-table',
    [
      { title: 'Account', cell: (a) => e(a.accountId) },
      { title: 'Name', cell: (a) => e(a.accountName) },
      { title: 'Status', cell: (a) => e(a.status) },
      { title: 'Findings', type: 'number', cell: (a) => e(a.findings.length) },
      ...SEVERITIES.map(
        (s): Column<Report['accounts'][number]> => ({
          title: s,
          type: 'number',
          cell: (a) => e(a.findings.filter((f) => f.severity === s).length),
        }),
      ),
      { title: 'Exempted', type: 'number', cell: (a) => e(a.exempted.length) },
      { title: 'Users', type: 'number', cell: (a) => e(a.counts.users) },
      { title: 'Strategy', cell: (a) => e(a.strategy) },
    ],
    report.accounts,
    'No accounts in this report.',
    true,
  );

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>org-key-audit report: ${e(report.executionName)}</title>
<style>${CSS}</style></head>
<body>
<header><h1>org-key-audit: access-key report</h1>
<p class="meta">Run <code>${e(report.executionName)}</code> · generated ${e(report.generatedAt)}${report.dryRun ? ' · dry run' : ''}${report.reason === null ? '' : ` · reason: ${e(report.reason)}`}</p></header>
<div class="cards" id="summary-cards">
${card(t.accounts, 'accounts')}${card(t.audited, 'audited')}${card(t.failed + t.skipped, 'not audited', true)}${card(t.findings, 'findings', true)}${card(t.bySeverity.critical, 'critical', true)}${card(t.bySeverity.high, 'high', true)}${card(t.accountsWithFindings, 'accounts with findings')}${card(t.exempted, 'exempted')}
</div>
<section id="ages"><h2>Key ages by severity</h2>
<p class="meta">Each key counted once, at its most severe finding.</p>
${histogramSvg(keyAgeHistogram(report))}
<p class="legend">${legend}</p></section>
${changesSection(report)}
<section id="accounts"><h2>Accounts</h2>${accountsTable}</section>
<section id="findings"><h2>Findings (${e(findings.length)})</h2>${table('findings-table', findingColumns, findings, 'No key needs attention.', true)}</section>
<section id="exempted"><h2>Exempted keys (${e(exempted.length)})</h2>${table(
    'exempted-table',
    [
      ...findingColumns.slice(0, 6),
      { title: 'Reason', cell: (r: FindingRow) => e(r.finding.exemption?.reason ?? '') },
      { title: 'Until', cell: (r: FindingRow) => e(r.finding.exemption?.until ?? '') },
      { title: 'Source', cell: (r: FindingRow) => e(r.finding.exemption?.source ?? '') },
    ],
    exempted,
    'No exempted keys.',
    false,
  )}</section>
<section id="not-audited"><h2>Accounts not audited (${e(notAudited.length)})</h2>${table(
    'not-audited-table',
    [
      { title: 'Account', cell: (a) => e(a.accountId) },
      { title: 'Name', cell: (a) => e(a.accountName) },
      { title: 'Status', cell: (a) => e(a.status) },
      {
        title: 'Why',
        cell: (a) => `${e(a.reason ?? '')}${a.errorName ? ` <code>${e(a.errorName)}</code>` : ''}`,
      },
      {
        title: 'Fix',
        cell: (a) => e(a.fix ?? (a.status === 'FAILED' ? `keyaudit rerun --accounts ${a.accountId}` : '')),
      },
    ],
    notAudited,
    'Every account was audited.',
    false,
  )}</section>
<script>${SCRIPT}</script>
</body></html>
`;
}
