/**
 * The README's first command, `pnpm start`, on a fresh clone of the committed tree: it must
 * install from the lockfile alone, exit 0, print a digest whose totals match what the emulator
 * planted, and leave ./out/report.json and ./out/report.csv behind.
 *
 * The demo audits yesterday, changes some keys overnight and audits today (out/demo-changes.json
 * says which). Today's expected findings are the planted ones with those changes applied by the
 * documented rules: a rotated key's findings are gone (its new key is a day old at most), a
 * deactivated key's active-key findings give way to INACTIVE_KEY_LINGERING (it is older than 30
 * days), and the new user's never-used 400-day-old key is ROTATION_OVERDUE (critical: 365 days
 * or more) and NEVER_USED. The exemption that ran out is a configured one, which the planted
 * expectations never applied.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
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
interface DemoChanges {
  readonly rotated: { accountId: string; userName: string; oldAccessKeyId: string } | null;
  readonly deactivated: { accountId: string; userName: string; accessKeyId: string } | null;
  readonly exemptionExpired: { accountId: string; userName: string; accessKeyId: string } | null;
  readonly newUser: { accountId: string; userName: string; accessKeyId: string; ageDays: number } | null;
}

/** The planted findings of today, with the demo's overnight changes applied by the rules. */
function afterChanges(planted: readonly PlantedFinding[], changes: DemoChanges): PlantedFinding[] {
  const gone = new Set([changes.rotated?.oldAccessKeyId, changes.deactivated?.accessKeyId]);
  const today = planted.filter((f) => f.accessKeyId === null || !gone.has(f.accessKeyId));
  if (changes.deactivated !== null) {
    const { accountId, userName, accessKeyId } = changes.deactivated;
    today.push({ accountId, userName, accessKeyId, type: 'INACTIVE_KEY_LINGERING' });
  }
  if (changes.newUser !== null) {
    const { accountId, userName, accessKeyId } = changes.newUser;
    today.push({ accountId, userName, accessKeyId, type: 'ROTATION_OVERDUE' });
    today.push({ accountId, userName, accessKeyId, type: 'NEVER_USED' });
  }
  return today;
}
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
  let changes: DemoChanges;
  let todays: PlantedFinding[];

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
      timeout: 240_000,
      env: { ...process.env, NO_COLOR: '1' },
    });
    planted = JSON.parse(readFileSync(join(clone, 'out/planted.json'), 'utf8')) as Planted;
    report = JSON.parse(readFileSync(join(clone, 'out/report.json'), 'utf8')) as ReportJson;
    changes = JSON.parse(readFileSync(join(clone, 'out/demo-changes.json'), 'utf8')) as DemoChanges;
    todays = afterChanges(planted.findings, changes);
  }, 300_000);

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
    const plantedRows = todays.length + planted.exempted.length;
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
    expect(found).toEqual(todays.map(keyOf).sort());
    expect(exempted).toEqual(planted.exempted.map(keyOf).sort());
    expect(report.totals.findings).toBe(todays.length);
    const digestTotals = String(run.stdout).match(/Findings: (\d+)/);
    expect(Number(digestTotals?.[1])).toBe(todays.length);
  });

  it('leads with what changed overnight: the rotation and deactivation RESOLVED, the new user NEW', () => {
    const out = String(run.stdout);
    expect(out).toMatch(/^Subject: \[org-key-audit\] \d+ new, \d+ resolved, \d+ open in /m);
    expect(changes.rotated).not.toBeNull();
    expect(changes.deactivated).not.toBeNull();
    expect(changes.newUser).not.toBeNull();
    expect(changes.exemptionExpired).not.toBeNull();
    const section = (heading: RegExp, next: RegExp) => {
      const start = out.search(heading);
      const rest = out.slice(start);
      return rest.slice(0, rest.slice(1).search(next) + 1);
    };
    const newList = section(/^ {2}NEW \(/m, /^ {2}RESOLVED \(/m);
    const resolved = section(/^ {2}RESOLVED \(/m, /^\S/m);
    expect(newList).toMatch(new RegExp(`${changes.newUser?.userName} .* ROTATION_OVERDUE \\(critical\\)`));
    expect(newList).toMatch(new RegExp(`${changes.deactivated?.userName} .* INACTIVE_KEY_LINGERING`));
    // The exemption ended yesterday: the key is reported again, as new.
    expect(newList).toContain(`  ${changes.exemptionExpired?.userName}  `);
    expect(resolved).toMatch(new RegExp(`${changes.rotated?.userName} .*: no longer reported`));
    expect(resolved).toMatch(new RegExp(`${changes.deactivated?.userName} .*: deactivated`));
  });

  it("writes what each owner's mailbox received, each with only its own findings", () => {
    const mail = join(clone, 'out/mail');
    const files = readdirSync(mail).filter((f) => f !== 'security-team.txt');
    expect(files.length).toBeGreaterThan(2);
    for (const file of files) {
      const owner = file.replace(/\.txt$/, '');
      const text = readFileSync(join(mail, file), 'utf8');
      expect(text).toContain(`org-key-audit digest for ${owner}`);
      // Every "owner X" line in the owner's mail names that owner and no other.
      const named = [...text.matchAll(/ {2}owner ([^\s:]+)/g)].map((m) => m[1]);
      expect(new Set(named)).toEqual(new Set(named.length === 0 ? [] : [owner]));
    }
    expect(readFileSync(join(mail, 'security-team.txt'), 'utf8')).toContain('UNROUTED (');
  });
});
