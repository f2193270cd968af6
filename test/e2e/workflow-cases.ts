/**
 * The named state-machine cases of issue 4: each runs the real `audit-organization.asl.json`
 * through the local runner with the real handlers, against the emulator through the real SDK
 * clients, and checks what an operator would see: the DLQ messages, the digest email and the
 * counts. Expected values come from the planted organization (the generator's records, the
 * emulator's oracle re-applying the documented rules with a run's threshold overrides, or the
 * hand-written scenarios in ../support/workflow-scenario), never from the code under test.
 * Findings are compared with their severity and their age in whole UTC calendar days; the
 * planted keys are created at every hour of the day, late in the evening at a threshold's edge,
 * so an age counted in elapsed 24-hour periods would differ for many of them.
 *
 * The case set runs twice (workflow-cases.test.ts, workflow-cases-enforced.test.ts): once on an
 * emulator that serves every caller, once on one that refuses what the synthesized templates
 * refuse. Each Lambda, the state machine and EventBridge call as their deployed roles, and every
 * call they made must be an edge of the catalogue (infra/permissions/edges.ts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  accountFailuresOf,
  accountOf,
  digestFailuresOf,
  digestTextOf,
  digestTopicCount,
  executionFailuresOf,
  type LocalEmulator,
  type LocalEnv,
  objectKeysOf,
  publishedFor,
  reportFindingKeys,
  reportOf,
  runLocal,
  setFaults,
  startLocalEnv,
} from '../support/local-env';
import {
  auditInvocations,
  digestSection,
  distinctAccounts,
  distinctKeys,
  expectCounts,
  expectSubject,
  keysOf,
  maskedKeyId,
  severityCounts,
  summaryOf,
} from '../support/workflow-assert';
import { BAD_INPUTS } from '../support/workflow-bad-inputs';
import {
  BUSY,
  BUSY_USERS,
  MANAGEMENT,
  NO_ROLE,
  NOW,
  ORGANIZATION_SIZE,
  SCENARIO,
  SECURITY,
  STALE_SCENARIO,
  STALE_TEAM,
  SUSPENDED,
  TEAM_A,
  TEAM_B,
} from '../support/workflow-scenario';

export function defineWorkflowCases(mode: { readonly enforcePolicies: boolean }): void {
  describe('happy path: a generated organization where every account can be audited', () => {
    let env: LocalEnv;
    beforeAll(async () => {
      env = await startLocalEnv({
        preset: 'cases',
        enforcePolicies: mode.enforcePolicies,
        accounts: 5,
        users: 6,
        seed: 7,
        now: new Date(NOW),
      });
    });
    afterAll(() => env.stop());

    it('finds exactly the planted findings and exemptions, sends no DLQ message and publishes one digest', async () => {
      const { emulator } = env;
      const { expected } = emulator;
      // The scenario itself: seed 7 plants every account ACTIVE with its role, findings and exemptions.
      expect(expected.accounts.map((a) => a.expectedStatus)).toEqual(Array(5).fill('AUDITED'));
      expect(expected.exempted.length).toBeGreaterThan(0);
      // Keys created later in their day than now's time of day are a day younger in elapsed
      // 24-hour periods than in calendar days: many findings, some on a threshold's first day.
      const secondOfDay = (ms: number) => Math.floor((ms % 86_400_000) / 1000);
      const createdAt = new Map(
        [...emulator.state.accounts.values()].flatMap((a) =>
          a.users.flatMap((u) => u.keys.map((k) => [k.accessKeyId, k.createdAt] as const)),
        ),
      );
      const late = expected.findings.filter(
        (f) => secondOfDay(createdAt.get(f.accessKeyId ?? '') ?? 0) > secondOfDay(Date.parse(NOW)),
      );
      expect(late.length).toBeGreaterThanOrEqual(5);
      expect(late.map((f) => `${f.type} ${f.ageDays}`)).toContain('REMINDER_DAY 90');

      const result = await runLocal(env, { input: {}, executionName: 'happy-path' });

      const summary = summaryOf(result);
      expectCounts(summary, { audited: 5, failed: 0, skipped: 0 });
      expect(summary.totals).toMatchObject({
        accounts: 5,
        findings: expected.findings.length,
        exempted: expected.exempted.length,
      });
      const report = reportOf(emulator, 'happy-path');
      expect(report.accounts.map((a) => [a.accountId, a.status])).toEqual(
        expected.accounts.map((a) => [a.accountId, 'AUDITED']).sort(),
      );
      expect(reportFindingKeys(report, 'findings')).toEqual(keysOf(expected.findings));
      expect(reportFindingKeys(report, 'exempted')).toEqual(keysOf(expected.exempted));

      expect(accountFailuresOf(emulator, 'happy-path')).toEqual([]);
      expect(digestFailuresOf(emulator, 'happy-path')).toEqual([]);
      expect(executionFailuresOf(emulator, result.executionArn)).toEqual([]);

      const [email, ...more] = publishedFor(emulator, 'happy-path');
      expect(more).toEqual([]);
      expectSubject(email?.subject, distinctKeys(expected.findings), distinctAccounts(expected.findings), 5);
      expect(email?.subject).not.toMatch(/not audited/);
      const body = email?.message ?? '';
      expect(body).toMatch(/5 total, 5 audited, 0 failed, 0 skipped/);
      expect(body).toContain(`Findings: ${expected.findings.length} (${severityCounts(expected.findings)})`);
      expect(body).toContain(`Exempted findings: ${expected.exempted.length}`);
      // Key ids travel masked in the email; only the report in S3 has them in full.
      for (const f of [...expected.findings, ...expected.exempted]) {
        if (f.accessKeyId === null) continue;
        expect(body).not.toContain(f.accessKeyId);
        expect(body).toContain(`${f.accessKeyId.slice(0, 4)}…${f.accessKeyId.slice(-4)}`);
      }
      expect(digestTextOf(emulator, 'happy-path')).toBe(body);
    });

    it('threshold overrides in the execution input: exactly the findings, severities and ages the oracle gives with the same overrides', async () => {
      const { emulator } = env;
      // Every field the README's execution input lets a run override.
      const thresholds = {
        rotationDueSoonDays: 50,
        rotationOverdueDays: 60,
        rotationCriticalDays: 200,
        reminderDays: [60, 90],
        unusedDays: 30,
        neverUsedGraceDays: 3,
        inactiveLingeringDays: 14,
      };
      const expected = emulator.organization.expectedWith(thresholds);
      // The overrides must change the outcome, or this case would check nothing the happy path does not.
      expect(expected.findings.length).toBeGreaterThan(emulator.expected.findings.length);
      expect(new Set(expected.findings.map((f) => f.severity)).size).toBeGreaterThanOrEqual(4);

      const result = await runLocal(env, {
        input: { thresholds, reason: 'stricter' },
        executionName: 'thresholds',
      });

      const summary = summaryOf(result);
      expectCounts(summary, { audited: 5, failed: 0, skipped: 0 });
      expect(summary.totals).toMatchObject({
        findings: expected.findings.length,
        exempted: expected.exempted.length,
      });
      const report = reportOf(emulator, 'thresholds');
      expect(reportFindingKeys(report, 'findings')).toEqual(keysOf(expected.findings));
      expect(reportFindingKeys(report, 'exempted')).toEqual(keysOf(expected.exempted));
      expect(accountFailuresOf(emulator, 'thresholds')).toEqual([]);

      const [email, ...more] = publishedFor(emulator, 'thresholds');
      expect(more).toEqual([]);
      expectSubject(email?.subject, distinctKeys(expected.findings), distinctAccounts(expected.findings), 5);
      const body = email?.message ?? '';
      expect(body).toContain(`Findings: ${expected.findings.length} (${severityCounts(expected.findings)})`);
      expect(body).toContain(`Exempted findings: ${expected.exempted.length}`);
      expect(body).toContain('rotationOverdueDays=60');
    });

    it('made only calls the deployment allows: each one an edge of the catalogue', () => {
      expect(env.uncoveredCalls()).toEqual([]);
      expect(env.denials).toEqual([]);
      if (mode.enforcePolicies) expect(env.enforcing).toBe(true);
    });
  });

  describe('named cases on the hand-written organization', () => {
    let env: LocalEnv;
    let emulator: LocalEmulator;
    beforeAll(async () => {
      env = await startLocalEnv({
        preset: 'cases',
        enforcePolicies: mode.enforcePolicies,
        orgSpec: SCENARIO,
      });
      emulator = env.emulator;
    });
    afterEach(() => env.resetFaults());
    afterAll(() => env.stop());

    /** The account-failures DLQ of one execution, by account id. */
    const failuresByAccount = (executionName: string) =>
      Object.fromEntries(accountFailuresOf(emulator, executionName).map((m) => [m.accountId, m]));

    it('an account whose audit role is missing: FAILED with reason and fix, one DLQ message, the run goes on', async () => {
      const result = await runLocal(env, { input: { reason: 'daily' }, executionName: 'role-missing' });

      const summary = summaryOf(result);
      expect(summary.totals.accounts).toBe(ORGANIZATION_SIZE);
      // NO_ROLE failed, SUSPENDED skipped, the other five audited.
      expectCounts(summary, { audited: 5, failed: 1, skipped: 1 });
      const report = reportOf(emulator, 'role-missing');
      const account = accountOf(report, NO_ROLE);
      expect(account).toMatchObject({ status: 'FAILED', errorName: 'AuditRoleMissingError' });
      expect(account.reason).toContain(emulator.roleName);
      expect(account.fix).toMatch(/StackSet/);
      // judy's 300-day key sits in an account nobody could read: it must not be reported.
      expect(account.findings).toEqual([]);
      expect(reportFindingKeys(report, 'findings')).toEqual(keysOf(emulator.expected.findings));
      expect(reportFindingKeys(report, 'exempted')).toEqual(keysOf(emulator.expected.exempted));

      const messages = accountFailuresOf(emulator, 'role-missing');
      expect(messages).toEqual([
        {
          kind: 'account-failure',
          executionArn: result.executionArn,
          executionName: 'role-missing',
          accountId: NO_ROLE,
          error: 'AuditRoleMissingError',
          cause: account.reason,
          rerunInput: { accountIds: [NO_ROLE], thresholds: {}, reason: 'daily' },
        },
      ]);
      expect(digestFailuresOf(emulator, 'role-missing')).toEqual([]);

      const [email] = publishedFor(emulator, 'role-missing');
      // Keys: the root key, alice, bob, carol, dave, erin (TEAM_A); hank, ivy (TEAM_B); BUSY's loaders.
      expectSubject(email?.subject, 8 + BUSY_USERS, 3, ORGANIZATION_SIZE);
      expect(email?.subject).toMatch(/; 2 accounts not audited$/);
      const body = email?.message ?? '';
      expect(body).toMatch(/7 total, 5 audited, 1 failed, 1 skipped/);
      // critical: the root key, ivy (400 days); high: alice, hank, BUSY's loaders; medium: carol,
      // dave; low: bob, hank's two active keys; info: erin's inactive key.
      expect(body).toContain(
        `Findings: ${9 + BUSY_USERS} (critical 2, high ${2 + BUSY_USERS}, medium 2, low 2, info 1)`,
      );
      expect(body).toContain('Exempted findings: 1');
      const notAudited = body.slice(body.indexOf('ACCOUNTS NOT AUDITED'), body.indexOf('FINDINGS'));
      expect(notAudited).toContain(`${NO_ROLE}  team-c-sandbox  [FAILED: AuditRoleMissingError]`);
      expect(notAudited).toContain(`Reason: ${account.reason}`);
      expect(notAudited).toContain(`Fix: ${account.fix}`);
    });

    it('an account that throttles past the retry budget: FAILED with IamThrottledError, DLQ message, others AUDITED', async () => {
      // Every account gets the default bucket (20 calls) that now refills once in 1,000 s. TEAM_A,
      // the busiest of the others, needs about 16 IAM calls; BUSY needs about 4 + 2 per loader.
      setFaults(emulator, { iamThrottling: { enabled: true, burst: 20, ratePerSecond: 0.001 } });
      const audits = auditInvocations();

      const result = await runLocal(env, {
        input: { reason: 'throttle check' },
        executionName: 'throttled',
        wrapTasks: audits.wrap,
        throttleRetry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
      });

      const summary = summaryOf(result);
      expectCounts(summary, { audited: 4, failed: 2, skipped: 1 });
      const report = reportOf(emulator, 'throttled');
      expect(accountOf(report, BUSY)).toMatchObject({ status: 'FAILED', errorName: 'IamThrottledError' });
      for (const id of [MANAGEMENT, SECURITY, TEAM_A, TEAM_B])
        expect(accountOf(report, id).status).toBe('AUDITED');
      // The definition retries IamThrottledError 4 times after the first attempt, then gives up.
      expect(audits.calls.get(BUSY)).toBe(5);
      expect(audits.calls.get(TEAM_A)).toBe(1);

      const dlq = failuresByAccount('throttled');
      expect(Object.keys(dlq).sort()).toEqual([NO_ROLE, BUSY].sort());
      expect(dlq[BUSY]).toMatchObject({
        kind: 'account-failure',
        executionArn: result.executionArn,
        error: 'IamThrottledError',
        rerunInput: { accountIds: [BUSY], thresholds: {}, reason: 'throttle check' },
      });
      expect(dlq[BUSY]?.cause).toContain(BUSY);
      const body = publishedFor(emulator, 'throttled')[0]?.message ?? '';
      expect(body).toMatch(/7 total, 4 audited, 2 failed, 1 skipped/);
      expect(body).toContain(`${BUSY}  data-lake  [FAILED: IamThrottledError]`);

      // Once IAM calms down, the DLQ message's rerunInput audits exactly that account.
      env.resetFaults();
      const rerun = await runLocal(env, { input: dlq[BUSY]?.rerunInput, executionName: 'throttled-rerun' });
      expectCounts(summaryOf(rerun), { audited: 1, failed: 0, skipped: 6 });
      const rerunReport = reportOf(emulator, 'throttled-rerun');
      expect(accountOf(rerunReport, BUSY).status).toBe('AUDITED');
      expect(reportFindingKeys(rerunReport, 'findings')).toEqual(
        keysOf(emulator.expected.findings.filter((f) => f.accountId === BUSY)),
      );
      expect(accountFailuresOf(emulator, 'throttled-rerun')).toEqual([]);
    });

    it('a Lambda that crashes on one account: FAILED with its error, DLQ message, not retried, the run goes on', async () => {
      const crash = new TypeError("Cannot read properties of undefined (reading 'keys')");
      const audits = auditInvocations({ accountId: TEAM_B, error: crash });

      const result = await runLocal(env, {
        input: { reason: 'crash check' },
        executionName: 'crashed',
        wrapTasks: audits.wrap,
      });

      const summary = summaryOf(result);
      expectCounts(summary, { audited: 4, failed: 2, skipped: 1 });
      const report = reportOf(emulator, 'crashed');
      expect(accountOf(report, TEAM_B)).toMatchObject({ status: 'FAILED', errorName: 'TypeError' });
      expect(accountOf(report, TEAM_B).reason).toContain(crash.message);
      // A TypeError is a bug, not a transient error: the definition does not retry it.
      expect(audits.calls.get(TEAM_B)).toBe(1);
      // hank's and ivy's findings are gone with the account; every other planted finding is there.
      expect(reportFindingKeys(report, 'findings')).toEqual(
        keysOf(emulator.expected.findings.filter((f) => f.accountId !== TEAM_B)),
      );

      const dlq = failuresByAccount('crashed');
      expect(Object.keys(dlq).sort()).toEqual([NO_ROLE, TEAM_B].sort());
      expect(dlq[TEAM_B]).toMatchObject({
        error: 'TypeError',
        rerunInput: { accountIds: [TEAM_B], thresholds: {}, reason: 'crash check' },
      });
      expect(dlq[TEAM_B]?.cause).toContain(crash.message);
      const body = publishedFor(emulator, 'crashed')[0]?.message ?? '';
      expect(body).toContain(`${TEAM_B}  team-b-dev  [FAILED: TypeError]`);
      expect(body).toMatch(/7 total, 4 audited, 2 failed, 1 skipped/);
    });

    it('a suspended account: SKIPPED with the reason, never audited, no DLQ message', async () => {
      const audits = auditInvocations();
      const result = await runLocal(env, { input: {}, executionName: 'suspended', wrapTasks: audits.wrap });

      expectCounts(summaryOf(result), { audited: 5, failed: 1, skipped: 1 });
      const account = accountOf(reportOf(emulator, 'suspended'), SUSPENDED);
      expect(account.status).toBe('SKIPPED');
      expect(account.reason).toMatch(/suspended/i);
      // ken's 500-day key is in an account nobody audits while it is suspended.
      expect(account.findings).toEqual([]);
      expect(audits.calls.has(SUSPENDED)).toBe(false);
      expect(Object.keys(failuresByAccount('suspended'))).toEqual([NO_ROLE]);
      const body = publishedFor(emulator, 'suspended')[0]?.message ?? '';
      expect(body).toContain(`${SUSPENDED}  old-project  [SKIPPED]`);
      expect(body).toContain(`Reason: ${account.reason}`);
    });

    it('digest publish failing: the execution fails, the digest DLQ has the message, nothing is published', async () => {
      setFaults(emulator, { snsPublishFailure: true });
      const before = digestTopicCount(emulator);

      const result = await runLocal(env, { input: { reason: 'sns outage' }, executionName: 'publish-fails' });

      expect(result.status).toBe('FAILED');
      expect(result.error).toBe('DigestFailed');
      expect(digestTopicCount(emulator)).toBe(before);
      const [message, ...more] = digestFailuresOf(emulator, 'publish-fails');
      expect(more).toEqual([]);
      expect(message).toMatchObject({
        kind: 'digest-failure',
        executionArn: result.executionArn,
        executionName: 'publish-fails',
        input: { accountIds: null, dryRun: false, thresholds: {}, reason: 'sns outage' },
      });
      // SNS's own error reaches the DLQ by its name, with Lambda's error document as the cause.
      expect(message?.error).toBe('InternalErrorException');
      expect(message?.cause).toContain('injected by the emulator');
      expect(result.cause).toBe(message?.cause);
      expect(executionFailuresOf(emulator, result.executionArn)).toMatchObject([
        { kind: 'execution-failure', status: 'FAILED', error: 'DigestFailed' },
      ]);
      // The audit itself completed: its report is there to read, and the missing role was reported.
      expect(reportOf(emulator, 'publish-fails').totals).toMatchObject({
        accounts: 7,
        audited: 5,
        failed: 1,
        skipped: 1,
      });
      expect(Object.keys(failuresByAccount('publish-fails'))).toEqual([NO_ROLE]);
    });

    it('dryRun: the report is written, nothing is published, the summary says dryRun', async () => {
      const before = digestTopicCount(emulator);
      const result = await runLocal(env, {
        input: { dryRun: true, reason: 'try it' },
        executionName: 'dry-run',
      });

      const summary = summaryOf(result);
      expect(summary).toMatchObject({ dryRun: true, reason: 'try it' });
      expect(summary.subject).toMatch(/dry run/i);
      expectCounts(summary, { audited: 5, failed: 1, skipped: 1 });
      expect(digestTopicCount(emulator)).toBe(before);
      const report = reportOf(emulator, 'dry-run');
      expect(report.dryRun).toBe(true);
      expect(reportFindingKeys(report, 'findings')).toEqual(keysOf(emulator.expected.findings));
      expect(digestTextOf(emulator, 'dry-run')).toMatch(/DRY RUN/);
      expect(objectKeysOf(emulator, 'dry-run')).toEqual(
        expect.arrayContaining(['reports/dry-run/report.json', 'reports/dry-run/report.csv']),
      );
      expect(Object.keys(failuresByAccount('dry-run'))).toEqual([NO_ROLE]);
      expect(digestFailuresOf(emulator, 'dry-run')).toEqual([]);
    });

    it('accountIds rerun input: only those accounts are AUDITED, the rest SKIPPED "not requested"', async () => {
      const audits = auditInvocations();
      const result = await runLocal(env, {
        input: { accountIds: [TEAM_B, TEAM_A], reason: 'after fixing keys' },
        executionName: 'rerun-two',
        wrapTasks: audits.wrap,
      });

      const summary = summaryOf(result);
      expectCounts(summary, { audited: 2, failed: 0, skipped: 5 });
      expect([...audits.calls.keys()].sort()).toEqual([TEAM_A, TEAM_B]);
      const report = reportOf(emulator, 'rerun-two');
      for (const account of report.accounts) {
        if (account.accountId === TEAM_A || account.accountId === TEAM_B) {
          expect(account.status).toBe('AUDITED');
        } else {
          expect(account).toMatchObject({
            status: 'SKIPPED',
            reason: expect.stringMatching(/not requested/),
          });
        }
      }
      const wanted = emulator.expected.findings.filter(
        (f) => f.accountId === TEAM_A || f.accountId === TEAM_B,
      );
      expect(reportFindingKeys(report, 'findings')).toEqual(keysOf(wanted));
      expect(accountFailuresOf(emulator, 'rerun-two')).toEqual([]);

      const [email] = publishedFor(emulator, 'rerun-two');
      // TEAM_A: root, alice, bob, carol, dave, erin; TEAM_B: hank (two findings, one key), ivy.
      // After an earlier full run in this environment (when cases run in order), the rerun
      // compares only its own two accounts with it: the same keys, nothing new or resolved.
      const changes = report.changes;
      if (changes?.comparable) {
        expect([changes.new.length, changes.resolved.length, changes.notRechecked.length]).toEqual([0, 0, 0]);
        expect(new Set(changes.stillOpen.map((f) => f.accountId))).toEqual(new Set([TEAM_A, TEAM_B]));
      }
      expectSubject(
        email?.subject,
        8,
        2,
        ORGANIZATION_SIZE,
        changes?.comparable ? { new: 0, resolved: 0 } : undefined,
      );
      expect(email?.subject).toMatch(/; 5 accounts not audited$/);
      expect(email?.message).toMatch(/7 total, 2 audited, 0 failed, 5 skipped/);
      expect(email?.message).toContain('Reason:     after fixing keys');
    });

    describe('bad input fails with InvalidInput naming the field; nothing is published or written', () => {
      it.each(BAD_INPUTS)('$name', async ({ name, input, field }) => {
        const executionName = `bad-${name.replace(/[^A-Za-z0-9]+/g, '-')}`.slice(0, 80);
        const before = digestTopicCount(emulator);

        const result = await runLocal(env, { input, executionName });

        expect(result.status).toBe('FAILED');
        expect(result.error).toBe('InvalidInput');
        expect(result.cause).toContain(field);
        expect(digestTopicCount(emulator)).toBe(before);
        expect(objectKeysOf(emulator, executionName)).toEqual([]);
        expect(accountFailuresOf(emulator, executionName)).toEqual([]);
        expect(digestFailuresOf(emulator, executionName)).toEqual([]);
        expect(executionFailuresOf(emulator, result.executionArn)).toMatchObject([
          { kind: 'execution-failure', status: 'FAILED', error: 'InvalidInput', cause: result.cause },
        ]);
      });
    });

    it('made only calls the deployment allows: each one an edge of the catalogue', () => {
      expect(env.uncoveredCalls()).toEqual([]);
      expect(env.denials).toEqual([]);
      if (mode.enforcePolicies) expect(env.enforcing).toBe(true);
    });
  });

  describe('a stale credential report: keys deleted, deactivated and rotated after IAM took it', () => {
    let env: LocalEnv;
    beforeAll(async () => {
      env = await startLocalEnv({
        preset: 'cases',
        enforcePolicies: mode.enforcePolicies,
        orgSpec: STALE_SCENARIO,
      });
    });
    afterAll(() => env.stop());

    it('reports none of the changed keys as an active finding, and the digest lists exactly what is left', async () => {
      const { emulator } = env;
      const admin = (path: string, method: string, body?: unknown): Record<string, unknown> => {
        const answer = emulator.admin(`/_emulator/accounts/${STALE_TEAM}/${path}`, method, body);
        expect(answer.status, `${method} ${path}: ${JSON.stringify(answer.body)}`).toBe(200);
        return answer.body as Record<string, unknown>;
      };
      const account = emulator.state.accounts.get(STALE_TEAM);
      if (account === undefined) throw new Error('the stale scenario has no team account');
      /** The planted key ids of a user, oldest first as the scenario lists them. */
      const planted = (userName: string): string[] =>
        account.users.find((u) => u.userName === userName)?.keys.map((k) => k.accessKeyId) ?? [];
      const ids = Object.fromEntries(account.users.map((u) => [u.userName, planted(u.userName)]));
      const rootKey = account.rootKeys[0]?.accessKeyId ?? '';

      // IAM takes the snapshot; two hours later the users act; the audit runs within the four
      // hours the snapshot is served, so the report it reads predates every change.
      const snapshot = admin('credential-report', 'POST');
      expect(emulator.admin('/_emulator/clock', 'POST', { advanceMs: 2 * 3_600_000 }).status).toBe(200);
      admin(`access-keys/${rootKey}`, 'DELETE');
      admin(`access-keys/${ids['deleted']?.[0]}`, 'DELETE');
      admin(`access-keys/${ids['deactivated']?.[0]}`, 'POST', { status: 'Inactive' });
      const rotatedNew = admin('access-keys', 'POST', { userName: 'rotated' })['accessKeyId'];
      admin(`access-keys/${ids['rotated']?.[0]}`, 'DELETE');
      const keptNew = admin('access-keys', 'POST', { userName: 'rotated-kept' })['accessKeyId'];
      admin(`access-keys/${ids['rotated-kept']?.[0]}`, 'POST', { status: 'Inactive' });
      admin(`access-keys/${ids['two-keys']?.[0]}`, 'DELETE');

      const result = await runLocal(env, {
        input: { reason: 'after the rotation' },
        executionName: 'stale-report',
      });

      const summary = summaryOf(result);
      expectCounts(summary, { audited: 3, failed: 0, skipped: 0 });
      const report = reportOf(emulator, 'stale-report');
      const team = accountOf(report, STALE_TEAM);
      // The audit read the snapshot taken before the changes.
      expect(team.strategy).toBe('credential-report');
      expect(team.reportGeneratedAt).toBe(String(snapshot['generatedAt']).replace(/\.\d{3}Z$/, '.000Z'));

      // Written from the scenario (../support/workflow-scenario.ts, STALE_SCENARIO): what is left.
      const finding = (userName: string, type: string, severity: string, ageDays: number, slot = 0) => ({
        accountId: STALE_TEAM,
        userName,
        accessKeyId: ids[userName]?.[slot] ?? null,
        type,
        severity,
        ageDays,
      });
      const left = [
        finding('ninety-late', 'ROTATION_OVERDUE', 'high', 90),
        finding('ninety-late', 'REMINDER_DAY', 'info', 90),
        finding('never-used', 'NEVER_USED', 'medium', 8),
        finding('deactivated', 'INACTIVE_KEY_LINGERING', 'info', 100),
        finding('rotated-kept', 'INACTIVE_KEY_LINGERING', 'info', 200),
      ];
      expect(reportFindingKeys(report, 'findings')).toEqual(keysOf(left));
      expect(reportFindingKeys(report, 'exempted')).toEqual([]);
      // None of the changed keys is an active finding: deleted ones are gone, deactivated ones
      // are inactive, the new keys are hours old.
      const changed = new Set([
        ...(ids['deleted'] ?? []),
        ...(ids['rotated'] ?? []),
        ids['two-keys']?.[0],
        rotatedNew,
        keptNew,
      ]);
      for (const f of team.findings) {
        expect(f.userName).not.toBe('<root_account>');
        expect(changed.has(f.accessKeyId ?? ''), `${f.userName} ${f.type}`).toBe(false);
        if (f.userName === 'deactivated' || f.userName === 'rotated-kept') expect(f.status).toBe('Inactive');
      }
      expect(accountFailuresOf(emulator, 'stale-report')).toEqual([]);
      expect(digestFailuresOf(emulator, 'stale-report')).toEqual([]);

      const [email, ...more] = publishedFor(emulator, 'stale-report');
      expect(more).toEqual([]);
      // Four keys: ninety-late's, never-used's, and the two deactivated ones.
      expectSubject(email?.subject, 4, 1, 3);
      expect(email?.subject).not.toMatch(/not audited/);
      const body = email?.message ?? '';
      expect(digestTextOf(emulator, 'stale-report')).toBe(body);
      const lastUsed = (daysAgo: number) =>
        new Date(Date.parse(NOW) - daysAgo * 86_400_000).toISOString().slice(0, 10);
      const line = (userName: string, state: string, rule: string, age: number, use: string) =>
        `    - ${userName}  ${maskedKeyId(ids[userName]?.[0] ?? '')} (key 1, ${state})  ${rule}  ${age} days old, ${use}`;
      const heading = `  ${STALE_TEAM}  team-d-prod`;
      expect(digestSection(body, 'SUMMARY')).toEqual([
        'SUMMARY',
        '  Keys needing attention: 4 in 1 of 3 accounts',
        `  Findings: 5 (${severityCounts(left)})`,
        '  Exempted findings: 0',
        '  Accounts: 3 total, 3 audited, 0 failed, 0 skipped',
        '',
      ]);
      // By severity, oldest first, grouped by account (docs/design.md, "The digest").
      expect(digestSection(body, 'FINDINGS')).toEqual([
        'FINDINGS NEEDING ATTENTION (5)',
        '',
        'HIGH (1)',
        heading,
        line('ninety-late', 'Active', 'ROTATION_OVERDUE (high)', 90, `last used ${lastUsed(1)} via s3`),
        '',
        'MEDIUM (1)',
        heading,
        line('never-used', 'Active', 'NEVER_USED (medium)', 8, 'never used'),
        '',
        'INFO (3)',
        heading,
        line(
          'rotated-kept',
          'Inactive',
          'INACTIVE_KEY_LINGERING (info)',
          200,
          `last used ${lastUsed(3)} via lambda`,
        ),
        line(
          'deactivated',
          'Inactive',
          'INACTIVE_KEY_LINGERING (info)',
          100,
          `last used ${lastUsed(2)} via ec2`,
        ),
        line('ninety-late', 'Active', 'REMINDER_DAY (info)', 90, `last used ${lastUsed(1)} via s3`),
        '',
      ]);
      expect(digestSection(body, 'EXEMPTED')).toEqual([]);
    });

    it('made only calls the deployment allows: each one an edge of the catalogue', () => {
      expect(env.uncoveredCalls()).toEqual([]);
      expect(env.denials).toEqual([]);
      if (mode.enforcePolicies) expect(env.enforcing).toBe(true);
    });
  });

  describe('1,000 accounts: the largest state payload stays under 64 KiB', () => {
    let env: LocalEnv;
    beforeAll(async () => {
      env = await startLocalEnv({
        preset: 'cases',
        enforcePolicies: mode.enforcePolicies,
        accounts: 1_000,
        users: 1,
        seed: 1000,
        now: new Date(NOW),
      });
    });
    afterAll(() => env.stop());

    it('runs the whole organization with every state input and output below 65,536 bytes', {
      timeout: 150_000,
    }, async () => {
      const { expected } = env.emulator;
      const want = (status: string) => expected.accounts.filter((a) => a.expectedStatus === status).length;

      const result = await runLocal(env, { input: { dryRun: true }, executionName: 'thousand' });

      const summary = summaryOf(result);
      expect(summary.totals.accounts).toBe(1_000);
      expectCounts(summary, { audited: want('AUDITED'), failed: want('FAILED'), skipped: want('SKIPPED') });
      expect(summary.totals.findings).toBe(expected.findings.length);
      expect(result.metrics.childExecutions).toBe(1_000 - want('SKIPPED'));
      expect(result.metrics.largestPayloadBytes).toBeGreaterThan(0);
      expect(result.metrics.largestPayloadBytes).toBeLessThan(64 * 1024);
    });

    it('made only calls the deployment allows: each one an edge of the catalogue', () => {
      expect(env.uncoveredCalls()).toEqual([]);
      expect(env.denials).toEqual([]);
      if (mode.enforcePolicies) expect(env.enforcing).toBe(true);
    });
  });
}
