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
      ...over,
    });
    const prodName = HOSTILE_ACCOUNT_NAME;
    const devName = 'dev " onmouseover="window.__pwned=3';
    const expected = [
      row(prod, prodName, 'alice', { ageDays: '400', severity: 'critical' }),
      row(prod, prodName, 'alice', { ageDays: '400', type: 'UNUSED', severity: 'medium' }),
      row(prod, prodName, 'bob', { ageDays: '95' }),
      row(prod, prodName, 'bob', {
        accessKeyId: '',
        keySlot: '',
        ageDays: '',
        type: 'TWO_ACTIVE_KEYS',
        severity: 'low',
      }),
      row(prod, prodName, 'carol', { ageDays: '85', type: 'ROTATION_DUE_SOON', severity: 'low' }),
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
    expect(t.stderr.at(-1)).toContain('--format must be one of html, csv, json, md');
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
