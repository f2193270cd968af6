import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { register } from '../src/commands/report';
import { escapeHtml } from '../src/ops/html';
import { keyAgeHistogram } from '../src/ops/report-chart';
import { renderReportHtml } from '../src/ops/report-html';
import { mdCell, renderReportMarkdown } from '../src/ops/report-markdown';
import { checkReport } from '../src/ops/report-source';
import { testContext } from './helpers/ops-context';
import { HOSTILE_ACCOUNT_NAME, HOSTILE_REASON, plantedReport } from './helpers/report-fixture';
import { TREND, trendReport } from './helpers/trend-fixture';

async function runCli(t: ReturnType<typeof testContext>, args: string[]) {
  const program = new Command().exitOverride();
  register(program, () => t.ctx);
  await program.parseAsync(['node', 'keyaudit', 'report', ...args]);
  return t.exitCodes.at(-1);
}

/** RFC 4180 records: quoted cells may hold commas, CRLF and doubled quotes. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      record.push(cell);
      cell = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      record.push(cell);
      records.push(record);
      record = [];
      cell = '';
      i++;
    } else cell += char;
  }
  if (cell !== '' || record.length > 0) throw new Error('the CSV does not end with CRLF');
  return records;
}

describe('report rendering', () => {
  it('escapes the five HTML metacharacters and the backtick', () => {
    expect(escapeHtml(`<a href="x" title='y'>&\`</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;&lt;/a&gt;',
    );
  });

  it('counts each key once, at its worst severity, in its age band', () => {
    const bands = keyAgeHistogram(plantedReport()).map((r) => [
      r.band.label,
      Object.entries(r.counts).filter(([, n]) => n > 0),
    ]);
    expect(bands).toEqual([
      ['0–29 d', []],
      ['30–79 d', [['medium', 1]]],
      ['80–89 d', [['low', 1]]],
      ['90–179 d', [['high', 1]]],
      ['180–364 d', []],
      ['≥ 365 d', [['critical', 1]]],
    ]);
  });

  it('never emits report text as markup, and forbids every fetch', () => {
    const html = renderReportHtml(plantedReport());
    expect(html).not.toContain('<script>window.__pwned');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('" onmouseover="');
    expect(html).toContain('prod &lt;script&gt;window.__pwned=1&lt;/script&gt;');
    expect(html).toContain("default-src 'none'");
    // No element may load anything: no src/href attributes at all (the hostile URL stays text).
    expect(html).not.toMatch(/<[^>]+\s(src|href|srcset|action)=/i);
    expect(html).toContain('&lt;img src=&quot;https://attacker.example/x.png&quot;');
  });

  it('shows NEW and RESOLVED since the last full run, or why there is no comparison', () => {
    const entry = (userName: string, type: 'UNUSED' | 'NEVER_USED') => ({
      accountId: '111111111111',
      userName,
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      type,
      severity: 'medium' as const,
      firstSeenAt: '2026-11-20T08:00:00.000Z',
    });
    const compared = renderReportHtml({
      ...plantedReport(),
      changes: {
        comparable: true,
        previousExecution: 'run-11-30',
        previousAt: '2026-11-30T08:00:00.000Z',
        new: [entry('dan', 'NEVER_USED')],
        stillOpen: [],
        resolved: [{ finding: entry('eve', 'UNUSED'), why: { kind: 'exempted' } }],
        notRechecked: [],
      },
    });
    const rows = (id: string) => compared.slice(compared.indexOf(`id="${id}"`)).split('</table>')[0] ?? '';
    expect(rows('new-table')).toContain('<td>dan</td>');
    expect(rows('new-table')).not.toContain('<td>eve</td>');
    expect(rows('resolved-table')).toContain('<td>eve</td>');
    expect(rows('resolved-table')).toContain('<td>now exempted</td>');
    const none = renderReportHtml({
      ...plantedReport(),
      changes: { comparable: false, reason: 'no full run has been recorded yet' },
    });
    expect(none).toContain('No comparison: no full run has been recorded yet.');
    expect(none).not.toContain('id="new-table"');
  });

  it('shows the trend from two full runs on, and a note before that', () => {
    const html = (trend: typeof TREND | undefined) => renderReportHtml({ ...trendReport(), trend });
    expect(html(undefined)).toContain('The trend needs two full runs; this report has 0.');
    expect(html(TREND.slice(-1))).toContain('The trend needs two full runs; this report has 1.');
    expect(html(TREND.slice(-1))).not.toContain('id="trend-chart"');
    const two = html(TREND.slice(-2));
    expect(two).not.toContain('id="trend-none"');
    expect(two.match(/<g class="trend-bar"/g)).toHaveLength(2);
    // More than TREND_RUNS points (a hand-edited file): only the last 30 are drawn and listed.
    const many = Array.from({ length: 32 }, (_, i) => ({
      ...(TREND[0] as (typeof TREND)[number]),
      executionName: `run-${i}`,
    }));
    const page = html(many);
    expect(page.match(/<g class="trend-bar"/g)).toHaveLength(30);
    expect(page).not.toContain('data-execution="run-1"');
    expect(page).toContain('Trend data (30 runs)');
  });

  it('adds an owner column and filter, with owners escaped and rows marked for the filter', () => {
    const report = trendReport();
    const hostile = 'x" onfocus="window.__pwned=4';
    const [first, ...rest] = report.accounts;
    const html = renderReportHtml({
      ...report,
      accounts: [
        {
          ...(first as (typeof report.accounts)[number]),
          findings: (first?.findings ?? []).map((f, i) => (i === 0 ? { ...f, owner: hostile } : f)),
        },
        ...rest,
      ],
    });
    expect(html).not.toContain('" onfocus="');
    expect(html).toContain('<tr data-owner="x&quot; onfocus=&quot;window.__pwned=4">');
    expect(html).toContain('<option value="x&quot; onfocus=&quot;window.__pwned=4">');
    // The control starts hidden: without the script it could do nothing, and every row shows.
    expect(html).toMatch(/<span class="owner-filter" hidden><select data-owner-filter="findings-table"/);
    expect(html).not.toMatch(/<tr[^>]* hidden/);
    // A finding without an owner shows "—" and gets its own option.
    const mixed = renderReportHtml({
      ...report,
      accounts: report.accounts.map((a) => ({
        ...a,
        findings: a.findings.map((f) => (f.userName === 'erin' ? { ...f, owner: undefined } : f)),
      })),
    });
    expect(mixed).toContain('<tr data-owner="—">');
    expect(mixed).toContain('<option value="—">— (no owner)</option></select>');
  });

  it('lists owners and names the unrouted ones in Routing', () => {
    const html = renderReportHtml(trendReport());
    const routing = html.slice(html.indexOf('<section id="routing">')).split('</section>')[0] ?? '';
    expect(routing).toContain('Security team: <code>security-team</code>');
    expect(routing).toContain('Not routed (1): payments; their findings reach only');
    expect(routing).toContain('<td>data</td><td class="num">2</td><td>own digest</td>');
    expect(routing).toContain(
      '<td>security-team</td><td class="num">1</td><td>security team: the full digest</td>',
    );
    const allRouted = renderReportHtml({
      ...trendReport(),
      owners: { securityTeam: 'security-team', owners: [{ owner: 'data', findings: 2, routed: true }] },
    });
    expect(allRouted).toContain('Every owner with findings has a digest of its own.');
    expect(renderReportHtml(plantedReport())).not.toContain('id="routing"');
  });

  it('shows the changes and routing in Markdown too', () => {
    const md = renderReportMarkdown(trendReport());
    expect(md).toContain(
      'Compared with daily-20250303 \\(2025-03-03T05:30:00.000Z\\): 2 new, 4 resolved, 3 still open \\(the longest for 40 days\\), 1 not re-checked.',
    );
    const section = (title: string) => md.slice(md.indexOf(title)).split('\n\n')[1] ?? '';
    const users = (table: string) =>
      table
        .split('\n')
        .slice(2)
        .map((row) => row.split(' | ')[3]);
    expect(users(section('### New (2)'))).toEqual(['dan', 'erin']);
    expect(users(section('### Resolved (4)'))).toEqual(['dave', 'erin', 'gina', 'ivan']);
    expect(md).toContain(
      '| low | ROTATION\\_DUE\\_SOON | 222222222222 | erin | security-team | AKIAERINQQQQQQQQQQQQ | 2025-02-20 | now reported as ROTATION\\_OVERDUE |',
    );
    expect(md).toContain('## Routing');
    expect(md).toContain(
      'Not routed (1): payments; their findings reach only the security team’s full digest.',
    );
    expect(md).toContain('| payments | 2 | not routed: only in the security team’s full digest |');
    // Findings carry the owner column.
    expect(md).toContain(
      '| critical | ROTATION\\_OVERDUE | 111111111111 | alice | payments | AKIAALICEQQQQQQQQQQQ | 400 |',
    );
    const none = renderReportMarkdown({
      ...plantedReport(),
      changes: { comparable: false, reason: 'no full run has been recorded yet' },
    });
    expect(none).toContain('No comparison: no full run has been recorded yet.');
    expect(none).not.toContain('### New');
    expect(renderReportMarkdown(plantedReport())).not.toContain('## Changes');
  });

  it('escapes Markdown so names cannot break the table or add links', () => {
    expect(mdCell('a|b [x](http://e) *y*\nz')).toBe('a\\|b \\[x\\]\\(http://e\\) \\*y\\* z');
    const md = renderReportMarkdown(plantedReport());
    expect(md).toContain('| 4 | 2 | 1 | 1 | 6 | 1 | 1 | 2 | 2 | 0 | 1 |');
    expect(md).toContain('| 333333333333 | sandbox | FAILED | audit role missing |');
  });

  it('names the field when a file is not a report', () => {
    const bad = { ...plantedReport(), accounts: [{ accountId: '1', findings: [] }] };
    expect(() => checkReport(bad, 'x.json')).toThrow(/"accounts\[0\]\.exempted" should be a list/);
    expect(() => checkReport({ schemaVersion: 2 }, 'x.json')).toThrow(/"schemaVersion" should be 1/);
    expect(() => checkReport({ ...trendReport(), trend: {} }, 'x.json')).toThrow(/"trend" should be a list/);
    expect(() => checkReport({ ...trendReport(), trend: [{ at: 'x' }] }, 'x.json')).toThrow(/"trend\[0\]"/);
    expect(() => checkReport({ ...trendReport(), owners: { securityTeam: 's' } }, 'x.json')).toThrow(
      /"owners\.owners" should be a list/,
    );
    expect(() => checkReport({ ...trendReport(), changes: { comparable: true } }, 'x.json')).toThrow(
      /"changes\.new" should be a list/,
    );
    expect(checkReport(JSON.parse(JSON.stringify(trendReport())), 'x.json').trend).toHaveLength(5);
  });
});

describe('keyaudit report (command)', () => {
  it('writes CSV from a local report file, one row per finding and exemption, with its values', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keyaudit-report-'));
    const source = join(dir, 'report.json');
    await writeFile(source, JSON.stringify(plantedReport()));
    const t = testContext();
    expect(await runCli(t, [source, '--format', 'csv', '--out', join(dir, 'r.csv')])).toBe(0);
    const text = await readFile(join(dir, 'r.csv'), 'utf8');
    // RFC 4180: CRLF after every record, the last one included.
    expect(text.endsWith('\r\n')).toBe(true);
    const [header = [], ...records] = parseCsv(text);
    const rows = records.map((cells) => {
      expect(cells, `a record has one cell per column: ${cells.join('|')}`).toHaveLength(header.length);
      return Object.fromEntries(header.map((name, i) => [name, cells[i]]));
    });

    // What the planted report holds (helpers/report-fixture.ts), cell by cell: a missing value is
    // an empty cell, and names with quotes, markup and commas come back exactly.
    const prod = '111111111111';
    const dev = '222222222222';
    const row = (
      accountId: string,
      accountName: string,
      userName: string,
      over: Record<string, string>,
    ): Record<string, string> => ({
      accountId,
      accountName,
      userName,
      userArn: `arn:aws:iam::${accountId}:user/${userName}`,
      accessKeyId: `AKIA${userName.toUpperCase().padEnd(16, 'X')}`,
      keySlot: '1',
      status: 'Active',
      createdAt: '2024-01-01T00:00:00.000Z',
      ageDays: '100',
      lastUsedAt: '2025-03-01T10:00:00.000Z',
      lastUsedService: 's3',
      type: 'ROTATION_OVERDUE',
      severity: 'high',
      exempted: 'false',
      exemptionReason: '',
      exemptionUntil: '',
      // The CIS control the type fails: ROTATION_OVERDUE is 1.14 (core/asff.ts, CIS_CONTROL_OF).
      cisControl: '1.14',
      ...over,
    });
    const prodName = HOSTILE_ACCOUNT_NAME;
    const devName = 'dev " onmouseover="window.__pwned=3';
    const expected = [
      row(prod, prodName, 'alice', { ageDays: '400', severity: 'critical' }),
      row(prod, prodName, 'alice', {
        ageDays: '400',
        type: 'UNUSED',
        severity: 'medium',
        cisControl: '1.12',
      }),
      row(prod, prodName, 'bob', { ageDays: '95' }),
      row(prod, prodName, 'bob', {
        accessKeyId: '',
        keySlot: '',
        ageDays: '',
        type: 'TWO_ACTIVE_KEYS',
        severity: 'low',
        cisControl: '1.13',
      }),
      // Due soon fails no CIS control: an empty cell.
      row(prod, prodName, 'carol', {
        ageDays: '85',
        type: 'ROTATION_DUE_SOON',
        severity: 'low',
        cisControl: '',
      }),
      row(prod, prodName, 'dave', {
        ageDays: '200',
        exempted: 'true',
        exemptionReason: HOSTILE_REASON,
        exemptionUntil: '2099-01-01',
      }),
      row(dev, devName, 'eve', {
        ageDays: '50',
        lastUsedAt: '',
        lastUsedService: '',
        type: 'NEVER_USED',
        severity: 'medium',
        cisControl: '1.12',
      }),
    ];
    expect(header).toEqual(expect.arrayContaining(Object.keys(expected[0] ?? {})));
    const project = (r: Record<string, string | undefined>) =>
      JSON.stringify(Object.keys(expected[0] ?? {}).map((name) => r[name]));
    expect(rows.map(project).sort()).toEqual(expected.map(project).sort());
    // Accounts come in id order (docs/design.md); the failed and skipped accounts have no rows.
    const ids = rows.map((r) => r['accountId'] ?? '');
    expect(ids).toEqual([...ids].sort());
  });

  it('refuses an unknown format and a missing file with the fix', async () => {
    const t = testContext();
    expect(await runCli(t, ['x.json', '--format', 'pdf'])).toBe(1);
    expect(t.stderr.at(-1)).toContain('--format must be one of html, csv, json, md, asff');
    expect(await runCli(t, ['/nonexistent/report.json'])).toBe(1);
    expect(t.stderr.at(-1)).toContain('Pass the path of a report.json');
  });

  it('keeps hostile values as text in the JSON and Markdown output', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keyaudit-report-'));
    const source = join(dir, 'report.json');
    await writeFile(source, JSON.stringify(plantedReport()));
    const t = testContext();
    expect(await runCli(t, [source, '--format', 'json'])).toBe(0);
    expect(JSON.parse(t.stdout[0] ?? '').accounts[0].accountName).toBe(HOSTILE_ACCOUNT_NAME);
    expect(await runCli(t, [source, '--format', 'md'])).toBe(0);
    expect(t.stdout[1]).not.toContain(HOSTILE_REASON);
  });
});
