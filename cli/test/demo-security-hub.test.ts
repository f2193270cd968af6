/**
 * `keyaudit demo --security-hub`: both days import into the emulator's Security Hub, so what it
 * holds afterwards is today's open findings as ACTIVE and what was resolved overnight as
 * ARCHIVED; the counts it prints are checked against the run's own report and digest.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDemo } from '../src/commands/demo';

describe('keyaudit demo --security-hub', () => {
  const out = mkdtempSync(join(tmpdir(), 'keyaudit-demo-sh-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('imports both days and archives what was resolved overnight', async () => {
    const stderr: string[] = [];
    const stdout: string[] = [];
    const result = await runDemo(
      { accounts: 12, users: 6, seed: 7, out, dryRun: false, json: false, securityHub: true },
      { out: (t) => stdout.push(t), err: (t) => stderr.push(t), color: false },
      false,
    );
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      totals: { findings: number };
      changes: { comparable: boolean; resolved: unknown[] };
    };
    expect(report.changes.comparable).toBe(true);
    const line = stderr.find((l) => l.startsWith('Security Hub'));
    // Every open finding of today is active; each finding resolved since yesterday is archived.
    expect(line).toMatch(
      new RegExp(`: ${report.totals.findings} active findings, ${report.changes.resolved.length} archived`),
    );
    const asff = JSON.parse(readFileSync(join(out, 'findings.asff.json'), 'utf8')) as unknown[];
    expect(asff).toHaveLength(report.totals.findings);
  }, 180_000);
});
