/**
 * The README's first command, `pnpm start`, on a fresh clone of the committed tree: it must
 * install from the lockfile alone, exit 0, print a digest whose totals match what the emulator
 * planted, and leave ./out/report.json and ./out/report.csv behind.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');

interface PlantedFinding {
  readonly accountId: string;
  readonly userName: string;
  readonly accessKeyId: string | null;
  readonly type: string;
}
interface Planted {
  readonly accounts: readonly { accountId: string; expectedStatus: string }[];
  readonly findings: readonly PlantedFinding[];
  readonly exempted: readonly PlantedFinding[];
}
interface ReportFinding extends PlantedFinding {}
interface ReportJson {
  readonly totals: { accounts: number; audited: number; failed: number; skipped: number; findings: number };
  readonly accounts: readonly {
    accountId: string;
    status: string;
    findings: readonly ReportFinding[];
    exempted: readonly ReportFinding[];
  }[];
}

// Root keys have no id anywhere AWS reports them; compare them by account, user and type.
const keyOf = (f: PlantedFinding) => `${f.accountId}|${f.userName}|${f.accessKeyId ?? 'root'}|${f.type}`;

describe('pnpm start on a fresh clone', () => {
  let clone: string;
  let run: ReturnType<typeof spawnSync>;
  let planted: Planted;
  let report: ReportJson;

  beforeAll(() => {
    clone = mkdtempSync(join(tmpdir(), 'org-key-audit-clone-'));
    execFileSync('git', ['clone', '--quiet', '--no-hardlinks', repo, clone]);
    // The store is warm after the outer install; --offline proves the lockfile alone suffices.
    execFileSync('pnpm', ['install', '--frozen-lockfile', '--offline', '--silent'], {
      cwd: clone,
      stdio: 'pipe',
    });
    run = spawnSync('pnpm', ['start', '--expect-out', 'out/planted.json'], {
      cwd: clone,
      encoding: 'utf8',
      timeout: 150_000,
      env: { ...process.env, NO_COLOR: '1' },
    });
    planted = JSON.parse(readFileSync(join(clone, 'out/planted.json'), 'utf8')) as Planted;
    report = JSON.parse(readFileSync(join(clone, 'out/report.json'), 'utf8')) as ReportJson;
  }, 240_000);

  afterAll(() => {
    if (clone) rmSync(clone, { recursive: true, force: true });
  });

  it('exits 0 and prints the digest as the email reads', () => {
    expect(run.status, String(run.stderr)).toBe(0);
    expect(String(run.stdout)).toMatch(/^Subject: \[org-key-audit\] /m);
    expect(String(run.stdout)).toContain('ACCOUNTS NOT AUDITED');
  });

  it('writes the full report as JSON, CSV and a self-contained HTML page', () => {
    expect(existsSync(join(clone, 'out/report.json'))).toBe(true);
    const html = readFileSync(join(clone, 'out/report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=["']https?:/i);
    const csv = readFileSync(join(clone, 'out/report.csv'), 'utf8');
    const plantedRows = planted.findings.length + planted.exempted.length;
    // One header line plus one row per finding (exempted ones included); no field holds a line break.
    expect(csv.trimEnd().split(/\r?\n/)).toHaveLength(1 + plantedRows);
  });

  it('accounts for every account exactly as planted', () => {
    const byStatus = (status: string) => planted.accounts.filter((a) => a.expectedStatus === status).length;
    expect(report.totals).toMatchObject({
      accounts: planted.accounts.length,
      audited: byStatus('AUDITED'),
      failed: byStatus('FAILED'),
      skipped: byStatus('SKIPPED'),
    });
    const statuses = new Map(report.accounts.map((a) => [a.accountId, a.status]));
    for (const account of planted.accounts)
      expect(statuses.get(account.accountId)).toBe(account.expectedStatus);
  });

  it('reports exactly the planted findings and exemptions', () => {
    const found = report.accounts.flatMap((a) => a.findings.map(keyOf)).sort();
    const exempted = report.accounts.flatMap((a) => a.exempted.map(keyOf)).sort();
    expect(found).toEqual(planted.findings.map(keyOf).sort());
    expect(exempted).toEqual(planted.exempted.map(keyOf).sort());
    expect(report.totals.findings).toBe(planted.findings.length);
    const digestTotals = String(run.stdout).match(/Findings: (\d+)/);
    expect(Number(digestTotals?.[1])).toBe(planted.findings.length);
  });
});
