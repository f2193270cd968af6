/**
 * `keyaudit report` as one self-contained HTML page: inline CSS, JS and SVG, and a Content
 * Security Policy that forbids every fetch, so opening it never calls out. Every value taken
 * from the report is escaped; sorting and filtering work on the rendered table cells (and the
 * rows' data-owner attribute), so no report data is ever placed inside the script. Without
 * JavaScript every row stays visible and the charts still draw (they are plain SVG).
 */

import type { OwnerRouting, Report, StillOpen, TrendPoint } from '@org-key-audit/functions/core';
import {
  type Finding,
  type HistoryFinding,
  SEVERITIES,
  type Severity,
  TREND_RUNS,
} from '@org-key-audit/functions/core';
import { CIS_STANDARD, COMPLIANCE_SCOPE_TEXT, type ControlCompliance, complianceView } from './compliance';
import { escapeHtml as e } from './html';
import { histogramSvg, keyAgeHistogram, SEVERITY_COLOURS, trendSvg, trendTotal } from './report-chart';
import {
  changesSummaryText,
  NO_OWNER,
  ownerOf,
  type RoutingEntry,
  resolvedWhyText,
  routingText,
  stillOpenText,
  unroutedOwners,
} from './report-text';

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
.empty{color:#57606a;font-style:italic}code{font-size:12px}select{padding:3px 6px;border:1px solid #d0d7de;border-radius:6px}
details{margin-top:8px}summary{cursor:pointer;color:#57606a}h3{font-size:15px;margin:16px 0 6px}
table.compliance{width:100%}table.compliance th{cursor:default;background:none}table.compliance th:first-child{width:170px}table.compliance th:nth-child(2){width:70px}table.compliance th[scope=row]{background:#f6f8fa}
table.compliance ul{margin:0;padding-left:18px}.fail{color:#8e0b0b;font-weight:600}.pass{color:#1a7f37;font-weight:600}.warn{color:#9a6700}
`;

/**
 * Sorting (click a header) and filtering (type in the box above a table, pick an owner); no data
 * inside. A row is shown when it matches the text and the owner; the owner control is hidden
 * until this script runs, since without it the control could do nothing.
 */
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
  function apply(id){var table=document.getElementById(id);if(!table||!table.tBodies[0])return;
    var input=document.querySelector('input[data-filter="'+id+'"]'),select=document.querySelector('select[data-owner-filter="'+id+'"]');
    var q=input?input.value.trim().toLowerCase():'',owner=select?select.value:'',shown=0;
    Array.prototype.forEach.call(table.tBodies[0].rows,function(r){
      var hit=(q===''||(r.textContent||'').toLowerCase().indexOf(q)>=0)&&(owner===''||r.getAttribute('data-owner')===owner);
      r.hidden=!hit;if(hit)shown++;});
    var out=document.getElementById(id+'-count');if(out)out.textContent=String(shown);}
  document.querySelectorAll('input[data-filter]').forEach(function(input){
    input.addEventListener('input',function(){apply(input.getAttribute('data-filter'));});});
  document.querySelectorAll('select[data-owner-filter]').forEach(function(select){
    var wrap=select.closest('.owner-filter');if(wrap)wrap.hidden=false;
    select.addEventListener('change',function(){apply(select.getAttribute('data-owner-filter'));});});
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

interface TableOptions<T> {
  /** Owners for the owner filter (a <select> next to the text box); rows need data-owner. */
  readonly owners?: readonly string[];
  /** The row's owner, for the owner filter. */
  readonly rowOwner?: (row: T) => string;
}

function table<T>(
  id: string,
  columns: readonly Column<T>[],
  rows: readonly T[],
  empty: string,
  filter: boolean,
  options: TableOptions<T> = {},
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
        `<tr${options.rowOwner === undefined ? '' : ` data-owner="${e(options.rowOwner(row))}"`}>${columns
          .map((c) => {
            const value = c.value === undefined ? '' : ` data-value="${e(c.value(row))}"`;
            return `<td${c.type === 'number' ? ' class="num"' : ''}${value}>${c.cell(row)}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('\n');
  const owners = options.owners ?? [];
  const ownerBox =
    owners.length === 0
      ? ''
      : ` <span class="owner-filter" hidden><select data-owner-filter="${id}" autocomplete="off" aria-label="Owner of ${e(id)}"><option value="">all owners</option>${owners
          .map((o) => `<option value="${e(o)}">${e(o === NO_OWNER ? `${NO_OWNER} (no owner)` : o)}</option>`)
          .join('')}</select></span>`;
  const box = filter
    ? `<p><input type="search" placeholder="Filter…" aria-label="Filter ${e(id)}" data-filter="${id}">${ownerBox} <span id="${id}-count">${rows.length}</span> shown</p>`
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
  { title: 'Owner', cell: (r) => e(ownerOf(r.finding)) },
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
  { title: 'Owner', cell: (f) => e(ownerOf(f)) },
  { title: 'Access key', cell: (f) => `<code>${e(f.accessKeyId ?? '-')}</code>` },
  { title: 'First seen', cell: (f) => e(f.firstSeenAt.slice(0, 10)), value: (f) => f.firstSeenAt },
];

const stillOpenColumns: readonly Column<StillOpen>[] = [
  ...(historyColumns as readonly Column<StillOpen>[]),
  { title: 'Days open', type: 'number', cell: (f) => e(f.daysOpen) },
];

/** NEW and RESOLVED since the last full run (docs/architecture.md, "Run history"). */
function changesSection(report: Report): string {
  const changes = report.changes;
  if (changes === undefined) return '';
  if (!changes.comparable) {
    return `<section id="changes"><h2>Changes since the last full run</h2><p class="empty" id="changes-none">No comparison: ${e(changes.reason)}.</p></section>`;
  }
  const resolved = changes.resolved.map((r) => ({ ...r.finding, why: r.why }));
  const details = (id: string, summary: string, body: string) =>
    `<details id="${id}"><summary>${e(summary)}</summary>${body}</details>`;
  return `<section id="changes"><h2>Changes since the last full run</h2>
<p class="meta" id="changes-summary">${e(changesSummaryText(changes))}</p>
<h3>New (${e(changes.new.length)})</h3>${table('new-table', historyColumns, changes.new, 'Nothing new.', false)}
<h3>Resolved (${e(resolved.length)})</h3>${table(
    'resolved-table',
    [...historyColumns, { title: 'Why', cell: (r: (typeof resolved)[number]) => e(resolvedWhyText(r.why)) }],
    resolved,
    'Nothing resolved.',
    false,
  )}
${
  changes.stillOpen.length === 0
    ? ''
    : details(
        'still-open',
        `Still open: ${stillOpenText(changes.stillOpen)}`,
        table(
          'still-open-table',
          stillOpenColumns,
          [...changes.stillOpen].sort((a, b) => b.daysOpen - a.daysOpen),
          '',
          false,
        ),
      )
}${
  changes.notRechecked.length === 0
    ? ''
    : details(
        'not-rechecked',
        `Not re-checked (${changes.notRechecked.length}): in accounts this run could not audit`,
        table('not-rechecked-table', historyColumns, changes.notRechecked, '', false),
      )
}</section>`;
}

/**
 * Approval-gated deactivation (docs/remediation.md): this run's request, the keys announced or
 * waiting, and what each closed request did and who decided. Nothing when remediation is off.
 */
function remediationSection(report: Report): string {
  const r = report.remediation;
  if (r === undefined) return '';
  type Proposed = NonNullable<typeof r.opened>['keys'][number];
  const why = (k: Proposed) =>
    k.why.map((w) => `${w.type} ${w.days} d (criterion ${w.thresholdDays})`).join('; ');
  const keyColumns: readonly Column<Proposed>[] = [
    { title: 'Account', cell: (k) => e(k.accountId) },
    { title: 'User', cell: (k) => e(k.userName) },
    { title: 'Access key', cell: (k) => `<code>${e(k.accessKeyId)}</code>` },
    { title: 'Why', cell: (k) => e(why(k)) },
  ];
  const opened =
    r.opened === null
      ? '<p class="empty" id="remediation-none">No request was opened by this run.</p>'
      : `<p class="meta" id="remediation-request">Request <code>${e(r.opened.requestId)}</code> proposes ${e(r.opened.keys.length)} key(s), awaiting approval until ${e(r.opened.expiresAt)}: <code>keyaudit approve ${e(r.opened.requestId)}</code> (or <code>--except</code> / <code>--only</code>), <code>keyaudit reject ${e(r.opened.requestId)} --reason …</code></p>${table('remediation-keys', keyColumns, r.opened.keys, '', false)}`;
  type Upcoming = (typeof r.upcoming)[number];
  const upcomingColumns: readonly Column<Upcoming>[] = [
    ...keyColumns.map((c) => ({ title: c.title, cell: (u: Upcoming) => c.cell(u.key) })),
    { title: 'Will be proposed on', cell: (u) => e(u.proposedOn) },
  ];
  const upcoming =
    r.upcoming.length === 0
      ? ''
      : `<h3>Announced (${e(r.upcoming.length)})</h3>${table('remediation-upcoming', upcomingColumns, r.upcoming, '', false)}`;
  type Outcome = (typeof r.closed)[number]['outcomes'][number];
  const outcomeColumns: readonly Column<Outcome>[] = [
    { title: 'Account', cell: (o) => e(o.accountId) },
    { title: 'User', cell: (o) => e(o.userName) },
    { title: 'Access key', cell: (o) => `<code>${e(o.accessKeyId)}</code>` },
    { title: 'Action', cell: (o) => e(o.action) },
    { title: 'Outcome', cell: (o) => e(o.outcome) },
    { title: 'Reason', cell: (o) => e(o.reason ?? o.error ?? '') },
  ];
  const closed = r.closed
    .map(
      (c) =>
        `<h3>${e(c.requestId)}: ${e(c.status)}${c.decidedBy === null ? '' : ` by ${e(c.decidedBy)}`}, ${e(c.closedAt)}</h3>${c.reason === null ? '' : `<p>${e(c.reason)}</p>`}${table(
          `remediation-${c.requestId}`,
          outcomeColumns,
          [...c.outcomes, ...c.reactivations.map((x) => x.outcome)],
          'No key was changed.',
          false,
        )}`,
    )
    .join('\n');
  const missing =
    r.roleMissing.length === 0
      ? ''
      : `<p class="warning" id="remediation-role-missing">Remediation role missing in ${e(r.roleMissing.join(', '))}: nothing there can be deactivated until the remediation StackSet reaches those accounts.</p>`;
  return `<section id="remediation"><h2>Deactivation</h2>${opened}${upcoming}${closed}${missing}${r.warnings
    .map((w) => `<p class="warning">${e(w)}</p>`)
    .join('')}</section>`;
}

/** The open-findings trend over the last full runs, or why there is none yet. */
function trendSection(trend: readonly TrendPoint[] | undefined, legend: string): string {
  const points = (trend ?? []).slice(-TREND_RUNS);
  const head = '<section id="trend"><h2>Open findings over the last full runs</h2>';
  if (points.length < 2) {
    return `${head}<p class="empty" id="trend-none">The trend needs two full runs; this report has ${points.length}.</p></section>`;
  }
  const data = table(
    'trend-table',
    [
      { title: 'Run', cell: (p: TrendPoint) => e(p.executionName) },
      { title: 'Date', cell: (p: TrendPoint) => e(p.at.slice(0, 10)), value: (p: TrendPoint) => p.at },
      ...SEVERITIES.map(
        (s): Column<TrendPoint> => ({ title: s, type: 'number', cell: (p) => e(p.bySeverity[s] ?? 0) }),
      ),
      { title: 'Open', type: 'number', cell: (p: TrendPoint) => e(trendTotal(p)) },
    ],
    points,
    '',
    false,
  );
  return `${head}
<p class="meta">Open findings at each full run, by severity (critical at the bottom); not-re-checked findings count as open.</p>
${trendSvg(points)}
<p class="legend">${legend}</p>
<details id="trend-data"><summary>Trend data (${e(points.length)} runs)</summary>${data}</details></section>`;
}

/** Who gets which findings: each owner, its count, and whether it has a digest of its own. */
function routingSection(routing: OwnerRouting | undefined): string {
  if (routing === undefined) return '';
  const unrouted = unroutedOwners(routing);
  const note =
    unrouted.length === 0
      ? 'Every owner with findings has a digest of its own.'
      : `Not routed (${unrouted.length}): ${unrouted.map((o) => o.owner).join(', ')}; their findings reach only the security team’s full digest.`;
  return `<section id="routing"><h2>Routing</h2>
<p class="meta">Security team: <code>${e(routing.securityTeam)}</code>, which receives every finding in the full digest.</p>
<p id="routing-unrouted">${e(note)}</p>${table(
    'routing-table',
    [
      { title: 'Owner', cell: (o: RoutingEntry) => e(o.owner) },
      { title: 'Findings', type: 'number', cell: (o: RoutingEntry) => e(o.findings) },
      { title: 'Digest', cell: (o: RoutingEntry) => e(routingText(o, routing)) },
    ],
    routing.owners,
    'No owner has findings.',
    false,
  )}</section>`;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const accountLabel = (a: { readonly accountId: string; readonly accountName: string }) =>
  `<code>${e(a.accountId)}</code>${a.accountName === '' ? '' : ` ${e(a.accountName)}`}`;

/** One control: a row per count (in scope, passing, failing, not assessed, exceptions), with who. */
function controlTable(c: ControlCompliance): string {
  const id = `cis-${c.control.id.replace('.', '-')}`;
  const list = (items: readonly string[]) =>
    items.length === 0 ? '' : `<ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul>`;
  const row = (key: string, label: string, count: number, detail: string, cls = '') =>
    `<tr data-row="${key}"><th scope="row">${e(label)}</th><td class="num${cls}" data-count="${key}">${e(count)}</td><td>${detail}</td></tr>`;
  const failing = c.failing.length;
  return `<div class="control" id="${id}" data-control="${e(c.control.id)}">
<h3>CIS ${e(c.control.id)}: ${e(c.control.title)}</h3>
<p class="meta">Failed by ${c.findingTypes.map((t) => `<code>${e(t)}</code>`).join(' or ')} findings.</p>${
    c.thresholdNote === null ? '' : `\n<p class="warn" id="${id}-threshold">${e(c.thresholdNote)}</p>`
  }
<table id="${id}-table" class="compliance"><thead><tr><th scope="col">${e(`CIS ${c.control.id}`)}</th><th scope="col" class="num">Count</th><th scope="col">Which</th></tr></thead><tbody>
${row('in-scope', 'Accounts in scope', c.inScope, e('audited accounts: every IAM user of each'))}
${row('passing', 'Passing', c.passing, e(`no open ${c.control.id} finding`), c.passing > 0 ? ' pass' : '')}
${row(
  'failing',
  'Failing',
  failing,
  list(c.failing.map((a) => `${accountLabel(a)}: ${e(plural(a.findings, 'open finding'))}`)),
  failing > 0 ? ' fail' : '',
)}
${row(
  'not-assessed',
  'Not assessed',
  c.notAssessed.length,
  list(
    c.notAssessed.map(
      (a) => `${accountLabel(a)}: ${e(a.status)}${a.reason === '' ? '' : `, ${e(a.reason)}`}`,
    ),
  ),
)}
${row(
  'exceptions',
  'Exceptions',
  c.exceptions.length,
  list(
    c.exceptions.map(
      (x) =>
        `${e(x.type)}, ${e(x.userName)}${x.accessKeyId === null ? '' : ` <code>${e(x.accessKeyId)}</code>`} in ${accountLabel(x)}: ${e(x.reason)} <span class="until">(until ${e(x.until === '' ? '?' : x.until)})</span>`,
    ),
  ),
)}
</tbody></table></div>`;
}

/** The auditor's view: each CIS control the audit covers, by account (ops/compliance.ts). */
function complianceSection(report: Report): string {
  return `<section id="compliance"><h2>Compliance: ${e(CIS_STANDARD)}</h2>
<p class="meta">${e(COMPLIANCE_SCOPE_TEXT)}</p>
${complianceView(report).map(controlTable).join('\n')}</section>`;
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
  const owners = [...new Set(findings.map((r) => ownerOf(r.finding)))].sort((a, b) =>
    a === NO_OWNER ? 1 : b === NO_OWNER ? -1 : a < b ? -1 : a > b ? 1 : 0,
  );
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
${trendSection(report.trend, legend)}
<section id="ages"><h2>Key ages by severity</h2>
<p class="meta">Each key counted once, at its most severe finding.</p>
${histogramSvg(keyAgeHistogram(report))}
<p class="legend">${legend}</p></section>
${changesSection(report)}
${remediationSection(report)}
${complianceSection(report)}
<section id="accounts"><h2>Accounts</h2>${accountsTable}</section>
<section id="findings"><h2>Findings (${e(findings.length)})</h2>${table(
    'findings-table',
    findingColumns,
    findings,
    'No key needs attention.',
    true,
    // No owner filter when no finding has an owner (reports from before owners).
    owners.some((o) => o !== NO_OWNER) ? { owners, rowOwner: (r) => ownerOf(r.finding) } : {},
  )}</section>
${routingSection(report.owners)}
<section id="exempted"><h2>Exempted keys (${e(exempted.length)})</h2>${table(
    'exempted-table',
    [
      ...findingColumns.slice(0, 7),
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
