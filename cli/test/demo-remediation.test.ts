/**
 * `keyaudit demo --remediation`: the real binary runs approval-gated deactivation on its planted
 * organization. What must be proposed follows from the planted ages, the default criteria
 * (ROTATION_OVERDUE ≥ 365, UNUSED ≥ 180, NEVER_USED ≥ 30 days), the 7 days' notice and the 8 days
 * between the audits, worked out here; the product's files are only read to compare.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { DeactivationRequest, ReactivationRecord, RequestOutcome } from '@org-key-audit/functions/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDemo } from '../src/commands/demo';
import {
  DEMO_REMEDIATION_GAP_DAYS,
  DEMO_REMEDIATION_USERS,
  type RemediationDemoSummary,
} from '../src/workflow/demo-remediation';

const BIN = resolve(import.meta.dirname, '../bin/keyaudit.js');
const DAY_MS = 86_400_000;

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** On the second audit's day: due by the documented criteria, and not exempted. */
function dueOnSecondDay(user: (typeof DEMO_REMEDIATION_USERS)[number]): boolean {
  if (user.role === 'exempted') return false;
  const age = user.key.ageDays + DEMO_REMEDIATION_GAP_DAYS;
  const unused =
    user.key.lastUsedDaysAgo === null ? null : user.key.lastUsedDaysAgo + DEMO_REMEDIATION_GAP_DAYS;
  return age >= 365 || (unused !== null && unused >= 180) || (unused === null && age >= 30);
}

const names = (keys: readonly { userName: string }[]) => keys.map((k) => k.userName).sort();
const plannedAs = (...roles: string[]) =>
  DEMO_REMEDIATION_USERS.filter((u) => roles.includes(u.role))
    .map((u) => u.name)
    .sort();

describe('keyaudit demo --remediation', () => {
  const out = mkdtempSync(join(tmpdir(), 'keyaudit-remediation-'));
  const dir = join(out, 'remediation');
  let result: { code: number | null; stdout: string; stderr: string };
  let summary: RemediationDemoSummary;
  const read = <T>(file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as T;
  const keyOf = (user: string) => summary.keys.find((k) => k.userName === user)?.accessKeyId ?? '';

  beforeAll(async () => {
    result = await run(['demo', '--remediation', '--out', out]);
    summary = read<RemediationDemoSummary>('remediation-demo.json');
  }, 60_000);
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('exits 0 and writes the report, both digests, the request, the outcome and the mails', () => {
    expect(result.code, result.stderr).toBe(0);
    const [first, second] = summary.auditDays;
    expect(Date.parse(second) - Date.parse(first)).toBe(DEMO_REMEDIATION_GAP_DAYS * DAY_MS);
    for (const file of ['report.json', 'report.csv', 'digest.txt', 'report.html', 'findings.asff.json'])
      expect(existsSync(join(out, file)), file).toBe(true);
    for (const file of [
      `digest-${first}.txt`,
      `digest-${second}.txt`,
      'request.json',
      'outcome.json',
      `reactivation-${keyOf('alice')}.json`,
      'approval-notice.txt',
      'summary.txt',
      'reactivation-notice.txt',
    ])
      expect(existsSync(join(dir, file)), file).toBe(true);
    expect(readFileSync(join(dir, 'approval-notice.txt'), 'utf8')).toContain(
      `keyaudit approve ${summary.requestId}`,
    );
    expect(readFileSync(join(dir, 'summary.txt'), 'utf8')).toContain(`approved by ${summary.approver}`);
    // Keys first reported on the first day have their 7 days' notice end a week later.
    const firstDigest = readFileSync(join(dir, `digest-${first}.txt`), 'utf8');
    const noticeEnds = new Date(Date.parse(first) + 7 * DAY_MS).toISOString().slice(0, 10);
    expect(firstDigest).toContain(`will be proposed for deactivation on ${noticeEnds}`);
    expect(firstDigest).not.toContain('REQUEST dr-');
  });

  it('proposes exactly the planted keys that are due: not the exempted one, not the one still ahead', () => {
    const due = DEMO_REMEDIATION_USERS.filter(dueOnSecondDay)
      .map((u) => u.name)
      .sort();
    expect(due).toEqual(['alice', 'bob', 'carol', 'erin']);
    expect(names(summary.proposed)).toEqual(due);
    const request = read<DeactivationRequest>('request.json');
    expect(request.requestId).toBe(summary.requestId);
    expect(request.keys.map((k) => [k.userName, k.accessKeyId]).sort()).toEqual(
      due.map((user) => [user, keyOf(user)]),
    );
    expect(request.criteria).toEqual({ rotationOverdueDays: 365, unusedDays: 180, neverUsedDays: 30 });
    expect(request.noticeDays).toBe(7);
    // Grace's key is 363 days old on the second day: 365, and so proposed, two days later.
    const graceDay = new Date(Date.parse(summary.auditDays[1]) + 2 * DAY_MS).toISOString().slice(0, 10);
    expect(summary.announced.map((a) => [a.userName, a.proposedOn])).toEqual([['grace', graceDay]]);
    expect(result.stdout).toContain(`REQUEST ${summary.requestId}: 4 keys proposed for deactivation`);
    expect(result.stdout).toContain('with the default criteria');
  });

  it('deactivates the approved keys but the excepted one and the one used since, and reactivates one', () => {
    // The demo's plan: which due key the approver leaves out, which is used before the approval,
    // which deactivation is undone.
    const excepted = plannedAs('excepted');
    const usedSince = plannedAs('skipped');
    const undone = plannedAs('reactivated');
    const due = DEMO_REMEDIATION_USERS.filter(dueOnSecondDay).map((u) => u.name);
    const approved = due.filter((u) => !excepted.includes(u)).sort();
    const deactivated = approved.filter((u) => !usedSince.includes(u));
    expect({ excepted, usedSince, undone, deactivated }).toEqual({
      excepted: ['carol'],
      usedSince: ['erin'],
      undone: ['alice'],
      deactivated: ['alice', 'bob'],
    });

    const outcome = read<RequestOutcome>('outcome.json');
    expect(outcome.status).toBe('COMPLETED');
    expect(outcome.approval?.approver.arn).toMatch(/:assumed-role\/secops-approver\//);
    expect(outcome.approval?.except).toEqual(excepted.map(keyOf));
    expect(outcome.outcomes.map((o) => [o.userName, o.outcome]).sort()).toEqual(
      approved.map((u) => [u, usedSince.includes(u) ? 'skipped' : 'deactivated']),
    );
    for (const u of usedSince)
      expect(outcome.outcomes.find((o) => o.userName === u)?.reason).toMatch(/^used-since-proposal/);
    expect(names(summary.excepted)).toEqual(excepted);
    expect(names(summary.approved)).toEqual(approved);
    expect(names(summary.deactivated)).toEqual(deactivated);
    expect(names(summary.skipped)).toEqual(usedSince);
    expect(names(summary.reactivated)).toEqual(undone);
    for (const u of undone)
      expect(read<ReactivationRecord>(`reactivation-${keyOf(u)}.json`).outcome.outcome).toBe('reactivated');

    // As the emulator's IAM held them (read from its state, not through the product).
    const status = (step: 'afterAudit' | 'afterApproval' | 'afterReactivation') =>
      Object.fromEntries(summary.keys.map((k) => [k.userName, k[step]]));
    const each = (users: readonly string[], value: string) =>
      Object.fromEntries(users.map((u) => [u, value]));
    const active = each(
      DEMO_REMEDIATION_USERS.map((u) => u.name),
      'Active',
    );
    expect(status('afterAudit')).toEqual(active);
    expect(status('afterApproval')).toEqual({ ...active, ...each(deactivated, 'Inactive') });
    expect(status('afterReactivation')).toEqual({
      ...active,
      ...each(
        deactivated.filter((u) => !undone.includes(u)),
        'Inactive',
      ),
    });
  });

  it('refuses the flags it cannot honour, before starting anything', async () => {
    const refused = await run(['demo', '--remediation', '--dry-run', '--out', out]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/--remediation.*cannot be used with.*--dry-run/);
    const serve = await run(['demo', '--remediation', '--serve', '--out', out]);
    expect(serve.code).toBe(1);
    expect(serve.stderr).toMatch(/--remediation.*cannot be used with.*--serve/);
    // In-process callers get the same refusal as a usage error.
    await expect(
      runDemo(
        { accounts: 3, users: 1, seed: 1, out, dryRun: false, json: false, serve: true, remediation: true },
        { out: () => {}, err: () => {}, color: false },
        false,
      ),
    ).rejects.toThrow(/--remediation cannot be combined with --serve: it plants its own organization/);
  }, 30_000);
});
