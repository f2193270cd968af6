/**
 * The auditor's compliance view (keyaudit report) on a generated organization, run through the
 * real workflow: for each CIS AWS Foundations v3.0.0 control, the accounts in scope, failing,
 * passing and not assessed, and the exceptions, against what the emulator planted. The control of
 * each finding type is written here from the benchmark's wording (README.md, "Integrations"),
 * not taken from the product: 1.4 root access key, 1.12 credentials unused 45 days or more
 * (unused and never-used keys), 1.13 more than one active key, 1.14 keys rotated every 90 days.
 */
import { complianceView } from '@org-key-audit/cli';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXED_NOW, type LocalEnv, reportOf, runLocal, startLocalEnv } from '../support/local-env';

const CONTROL_OF: Readonly<Record<string, string>> = {
  ROOT_ACCESS_KEY: '1.4',
  UNUSED: '1.12',
  NEVER_USED: '1.12',
  TWO_ACTIVE_KEYS: '1.13',
  ROTATION_OVERDUE: '1.14',
};

describe('the CIS compliance view of a generated organization', () => {
  let env: LocalEnv;
  let view: ReturnType<typeof complianceView>;

  beforeAll(async () => {
    env = await startLocalEnv({ preset: 'cases', accounts: 30, users: 8, seed: 11, now: FIXED_NOW });
    const result = await runLocal(env, { executionName: 'compliance' });
    expect(result.status).toBe('SUCCEEDED');
    view = complianceView(reportOf(env.emulator, 'compliance'));
  }, 120_000);
  afterAll(() => env?.stop());

  it('counts each control as the planted findings say', () => {
    const planted = env.emulator.expected;
    const audited = planted.accounts.filter((a) => a.expectedStatus === 'AUDITED').map((a) => a.accountId);
    const notAssessed = planted.accounts
      .filter((a) => a.expectedStatus !== 'AUDITED')
      .map((a) => a.accountId);
    expect(view.map((c) => c.control.id)).toEqual(['1.4', '1.12', '1.13', '1.14']);
    for (const control of view) {
      const id = control.control.id;
      const failing = new Map<string, number>();
      for (const f of planted.findings) {
        if (CONTROL_OF[f.type] === id) failing.set(f.accountId, (failing.get(f.accountId) ?? 0) + 1);
      }
      expect(control.inScope, id).toBe(audited.length);
      expect(
        control.failing.map((a) => [a.accountId, a.findings]),
        id,
      ).toEqual([...failing.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
      expect(control.passing, id).toBe(audited.length - failing.size);
      expect(control.notAssessed.map((a) => a.accountId).sort(), id).toEqual([...notAssessed].sort());
      const exceptions = planted.exempted.filter((f) => CONTROL_OF[f.type] === id);
      expect(control.exceptions.map((e) => `${e.accountId}/${e.userName}/${e.type}`).sort(), id).toEqual(
        exceptions.map((e) => `${e.accountId}/${e.userName}/${e.type}`).sort(),
      );
    }
    // The generated organization plants every kind: each control has failures, and exemptions exist.
    expect(view.every((c) => c.failing.length > 0)).toBe(true);
    expect(view.some((c) => c.exceptions.length > 0)).toBe(true);
  });
});
