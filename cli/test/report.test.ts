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
  it('writes CSV from a local report file, one row per finding and exemption', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'keyaudit-report-'));
    const source = join(dir, 'report.json');
    await writeFile(source, JSON.stringify(plantedReport()));
    const t = testContext();
    expect(await runCli(t, [source, '--format', 'csv', '--out', join(dir, 'r.csv')])).toBe(0);
    const lines = (await readFile(join(dir, 'r.csv'), 'utf8')).trimEnd().split('\r\n');
    // Header + 6 findings + 1 exempted.
    expect(lines).toHaveLength(8);
    expect(lines.filter((l) => l.includes(',true,'))).toHaveLength(1);
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
