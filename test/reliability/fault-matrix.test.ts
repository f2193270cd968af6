/**
 * The fault matrix (issue 8), identity and collection faults: the real workflow, through the
 * local runner, on a 200-account emulated organization, one fault per case. Whatever breaks,
 * every account must end AUDITED, FAILED or SKIPPED exactly once, audited accounts must show
 * exactly what was planted, and every failure must be in the DLQ and in the digest.
 * Each case also proves, from the emulator's count of injected faults, that its fault fired as
 * often as planned, and names the one error it expects (issue 18). Member IAM clients here are
 * the product's own (RETRY_CONFIG: standard mode, 5 attempts; docs/failure-modes.md): the
 * `faults` preset does not replace them, and the first-N faults below prove it from the counts.
 * The delivery half (crash, S3, SNS, Organizations) is in fault-matrix-delivery.test.ts, a
 * second file so that vitest runs the two halves on both cores.
 */
import { describe, expect, it } from 'vitest';
import { checkInvariants, expectPublished } from '../support/invariants';
import { accountOf, readOutcome, runLocal } from '../support/local-env';
import {
  assumeRoleOutcomes,
  auditable,
  binomialBounds,
  bucketRefusedAtLeast,
  CASE_TIMEOUT_MS,
  callCount,
  failing,
  servedCalls,
  taskLog,
  useCaseEmulator,
} from '../support/matrix';

const start = useCaseEmulator();

/** The SDK's attempts per call with the product's RETRY_CONFIG (docs/failure-modes.md). */
const SDK_ATTEMPTS = 5;
/** AuditAccount runs once and is retried 4 times on CredentialReportTimeoutError (docs/architecture.md). */
const AUDIT_ACCOUNT_RUNS_ON_TIMEOUT = 1 + 4;
/** What the SDK names IAM's ServiceFailure (HTTP 500), once its retries are spent. */
const IAM_5XX = 'ServiceFailureException';

describe.concurrent('fault matrix at 200 accounts: identity and collection', () => {
  it(
    'IAM throttling storm: throttled accounts are retried, never reported clean',
    async () => {
      const e = await start(11);
      const [victim] = auditable(e, 1, 5) as [string];
      // Two calls a second with a burst of three in every account but one.
      const storm = { ratePerSecond: 2, burst: 3 };
      const stormed = e.emulator.expected.accounts.map((a) => a.accountId).filter((id) => id !== victim);
      // In that one, the first 4 GenerateCredentialReport requests are throttled. The product's
      // client absorbs them in one poll of the report (attempts 1-4 refused, the 5th starts the
      // report), so the account is audited in one AuditAccount run. With one attempt per call
      // (the e2e's override) each refusal would spend one of the 4 polls, and the run would end
      // in IamThrottledError and a second AuditAccount run.
      e.emulator.faults.merge({
        iamThrottling: { storm: { accounts: stormed, ...storm } },
        failFirst: [
          { accounts: [victim], actions: ['GenerateCredentialReport'], count: 4, kind: 'throttling' },
        ],
      });
      const name = 'matrix-throttling';
      const log = taskLog();
      const result = await runLocal(e, { executionName: name, wrapTasks: (t) => log.wrap(t) });
      expect(result.status).toBe('SUCCEEDED');
      const outcome = readOutcome(e.emulator, name);
      const { audited } = checkInvariants(e.emulator, outcome, {
        anyAccountMayFailWith: ['IamThrottledError'],
      });

      // The storm fired at least as often as its bucket forces: an account that sent n IAM
      // requests within t seconds can have been served at most 3 + 2t of them.
      const { stats } = e.emulator;
      let refused = 0;
      for (const id of stormed) {
        const requests = callCount(e, (c) => c.accountId === id && c.service === 'iam');
        const throttled = stats.faultCount({ fault: 'iamThrottling', kind: 'throttling', accountId: id });
        const least = bucketRefusedAtLeast(requests, stats.arrivalSpanMs(id, 'iam') ?? 0, storm);
        expect(throttled, `IAM requests the storm refused in ${id}`).toBeGreaterThanOrEqual(least);
        // Every refusal is a throttled call in the call stats too, and nothing else was.
        expect(
          stats
            .snapshot()
            .calls.filter((c) => c.accountId === id && c.service === 'iam')
            .reduce((sum, c) => sum + c.throttled, 0),
        ).toBe(throttled);
        refused += throttled;
      }
      expect(refused, 'the storm really throttled IAM').toBeGreaterThan(0);
      const throttledAudited = audited.filter(
        (a) =>
          a.accountId !== victim && stats.faultCount({ fault: 'iamThrottling', accountId: a.accountId }) > 0,
      );
      expect(throttledAudited.length, 'throttled accounts recovered through backoff').toBeGreaterThan(0);

      expect(stats.faults({ accountId: victim, fault: 'failFirst' })).toEqual([
        {
          fault: 'failFirst',
          kind: 'throttling',
          accountId: victim,
          service: 'iam',
          action: 'GenerateCredentialReport',
          count: 4,
        },
      ]);
      // Served: the 5th attempt (STARTED) and the next poll (COMPLETE).
      expect(servedCalls(e, victim, 'iam', 'GenerateCredentialReport')).toBe(2);
      expect(log.byAccount.get(victim), 'AuditAccount runs for the throttled account').toEqual(['ok']);
      expect(accountOf(outcome.report ?? never(), victim).status).toBe('AUDITED');
      expectPublished(e.emulator, name, outcome.digest ?? '');
    },
    CASE_TIMEOUT_MS,
  );

  it(
    '5xx answers at a rate in some accounts, and for exactly the first N calls in two: retried, or FAILED ServiceFailureException',
    async () => {
      const e = await start(12);
      const [recovers, fails, ...victims] = auditable(e, 22) as [string, string, ...string[]];
      // 4 failed attempts of the first GenerateCredentialReport: the 5th succeeds. 5: all fail,
      // and a ServiceFailure is no report state worth polling again, nor one the state
      // machine retries (docs/failure-modes.md): the account fails at once.
      const firstN = (accountId: string, count: number) => ({
        accounts: [accountId],
        services: ['iam'],
        actions: ['GenerateCredentialReport'],
        count,
        kind: '5xx' as const,
      });
      e.emulator.faults.merge({
        errorRate: { rate: 0.3, kind: '5xx', services: ['iam'], accounts: victims },
        failFirst: [firstN(recovers, SDK_ATTEMPTS - 1), firstN(fails, SDK_ATTEMPTS)],
      });
      const name = 'matrix-5xx';
      const log = taskLog();
      const result = await runLocal(e, { executionName: name, wrapTasks: (t) => log.wrap(t) });
      expect(result.status).toBe('SUCCEEDED');
      const outcome = readOutcome(e.emulator, name);
      const failures = failing(victims, { errorNames: [IAM_5XX], mayRecover: true });
      failures.set(fails, { errorNames: [IAM_5XX] });
      const { failed } = checkInvariants(e.emulator, outcome, { failures });
      // Failures can only be among the accounts that had the fault.
      for (const audit of failed) {
        if (audit.errorName !== 'AuditRoleMissingError')
          expect([...victims, fails]).toContain(audit.accountId);
      }

      const { stats } = e.emulator;
      const generate = (accountId: string, count: number) => [
        {
          fault: 'failFirst',
          kind: '5xx',
          accountId,
          service: 'iam',
          action: 'GenerateCredentialReport',
          count,
        },
      ];
      expect(stats.faults({ fault: 'failFirst', accountId: recovers })).toEqual(generate(recovers, 4));
      expect(stats.faults({ fault: 'failFirst', accountId: fails })).toEqual(generate(fails, 5));
      // The recovered one: its 5th attempt started the report, the next poll found it COMPLETE.
      expect(servedCalls(e, recovers, 'iam', 'GenerateCredentialReport')).toBe(2);
      expect(callCount(e, (c) => c.accountId === fails && c.action === 'GenerateCredentialReport')).toBe(5);
      expect(log.byAccount.get(recovers)).toEqual(['ok']);
      expect(log.byAccount.get(fails)).toEqual([IAM_5XX]);
      expect(accountOf(outcome.report ?? never(), recovers).status).toBe('AUDITED');

      // The rate: each IAM request of a victim draws once, so the count is binomial.
      const checked = victims.reduce((sum, id) => sum + stats.total({ accountId: id, service: 'iam' }), 0);
      const fired = stats.faultCount({ fault: 'errorRate', kind: '5xx' });
      const { low, high } = binomialBounds(checked, 0.3);
      expect(low, 'enough requests for the rate to show').toBeGreaterThan(0);
      expect(fired, `5xx answers among ${checked} IAM requests of the victims`).toBeGreaterThanOrEqual(low);
      expect(fired).toBeLessThanOrEqual(high);
      expect(stats.faults({ fault: 'errorRate' }).every((f) => victims.includes(f.accountId))).toBe(true);
      expectPublished(e.emulator, name, outcome.digest ?? '');
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'connection resets at a rate: retried by the SDK, nothing lost',
    async () => {
      const rate = 0.05;
      const services = ['iam', 'sts', 's3'];
      const e = await start(13, { errorRate: { rate, kind: 'reset', services } });
      const name = 'matrix-resets';
      const result = await runLocal(e, { executionName: name });
      expect(result.status).toBe('SUCCEEDED');
      const outcome = readOutcome(e.emulator, name);
      // A reset surfaces (as the SDK's TimeoutError, "socket hang up") only once all 5 attempts
      // of one call are reset: 0.05^5, about 3 in 10 million per call. So none may: every account
      // ends exactly as the organization plans it.
      checkInvariants(e.emulator, outcome);
      const { stats } = e.emulator;
      const checked = services.reduce((sum, service) => sum + stats.total({ service }), 0);
      const fired = stats.faultCount({ fault: 'errorRate', kind: 'reset' });
      const { low, high } = binomialBounds(checked, rate);
      expect(low, 'enough requests for the rate to show').toBeGreaterThan(0);
      expect(fired, `resets among ${checked} IAM, STS and S3 requests`).toBeGreaterThanOrEqual(low);
      expect(fired).toBeLessThanOrEqual(high);
      expect(new Set(stats.faults({ fault: 'errorRate' }).map((f) => f.service))).toEqual(new Set(services));
      expectPublished(e.emulator, name, outcome.digest ?? '');
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'credential report stuck INPROGRESS: FAILED after the retries, never "no findings"',
    async () => {
      const e = await start(14);
      const stuck = auditable(e, 3);
      e.emulator.faults.merge({ reportStuck: { accounts: stuck } });
      const name = 'matrix-report-stuck';
      const log = taskLog();
      const result = await runLocal(e, { executionName: name, wrapTasks: (t) => log.wrap(t) });
      expect(result.status).toBe('SUCCEEDED');
      const outcome = readOutcome(e.emulator, name);
      checkInvariants(e.emulator, outcome, {
        failures: failing(stuck, {
          errorNames: ['CredentialReportTimeoutError'],
          reasonIncludes: 'not ready',
        }),
      });
      // Each run polls GenerateCredentialReport preset.reportPolling.maxAttempts times; only the
      // very first call's answer (STARTED: a new report) is not the fault's.
      const polls = e.preset.reportPolling.maxAttempts;
      for (const id of stuck) {
        expect(log.byAccount.get(id), `AuditAccount runs for ${id}`).toEqual(
          Array(AUDIT_ACCOUNT_RUNS_ON_TIMEOUT).fill('CredentialReportTimeoutError'),
        );
        expect(e.emulator.stats.faults({ accountId: id, fault: 'reportStuck' })).toEqual([
          {
            fault: 'reportStuck',
            kind: 'reportInProgress',
            accountId: id,
            service: 'iam',
            action: 'GenerateCredentialReport',
            count: AUDIT_ACCOUNT_RUNS_ON_TIMEOUT * polls - 1,
          },
        ]);
        expect(servedCalls(e, id, 'iam', 'GenerateCredentialReport')).toBe(
          AUDIT_ACCOUNT_RUNS_ON_TIMEOUT * polls,
        );
        expect(callCount(e, (c) => c.accountId === id && c.action === 'GetCredentialReport')).toBe(0);
      }
      expectPublished(e.emulator, name, outcome.digest ?? '');
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'AssumeRole denied (role missing) and an untrusted caller: FAILED with the fix',
    async () => {
      const e = await start(15);
      const [denied1, denied2, untrusted1, untrusted2] = auditable(e, 4);
      const denied = [denied1, denied2] as string[];
      const untrusted = [untrusted1, untrusted2] as string[];
      e.emulator.faults.merge({ assumeRoleDenied: { accounts: denied } });
      for (const id of untrusted) {
        const account = e.emulator.state.accounts.get(id);
        const role = account?.roles.get(e.emulator.roleName);
        if (account === undefined || role === undefined) throw new Error(`no audit role in ${id}`);
        // The role exists but trusts someone else: AssumeRole is denied just the same.
        account.roles.set(role.roleName, {
          ...role,
          trustedPrincipals: ['arn:aws:iam::999999999999:role/SomeoneElse'],
        });
      }
      const name = 'matrix-assume-denied';
      const log = taskLog();
      const result = await runLocal(e, { executionName: name, wrapTasks: (t) => log.wrap(t) });
      expect(result.status).toBe('SUCCEEDED');
      const outcome = readOutcome(e.emulator, name);
      checkInvariants(e.emulator, outcome, {
        failures: failing([...denied, ...untrusted], {
          errorNames: ['AuditRoleMissingError'],
          reasonIncludes: 'trust',
        }),
      });
      expect(outcome.digest).toContain('StackSet has not reached this account');
      // A denial is an outcome, not retried (docs/failure-modes.md): one AssumeRole, one run,
      // which returns FAILED rather than throwing.
      for (const id of [...denied, ...untrusted]) {
        expect(assumeRoleOutcomes(e, id), `AssumeRole into ${id}`).toEqual([
          denied.includes(id) ? 'fault' : 'error',
        ]);
        expect(log.byAccount.get(id)).toEqual(['ok']);
        expect(callCount(e, (c) => c.accountId === id && c.service === 'iam')).toBe(0);
      }
      // Only the planned denials are the fault's; the untrusted ones are the trust policy's.
      const byAccount = (a: { accountId: string }, b: { accountId: string }) =>
        a.accountId.localeCompare(b.accountId);
      expect(e.emulator.stats.faults({ kind: 'accessDenied' }).sort(byAccount)).toEqual(
        [...denied].sort().map((accountId) => ({
          fault: 'assumeRoleDenied',
          kind: 'accessDenied',
          accountId,
          service: 'sts',
          action: 'AssumeRole',
          count: 1,
        })),
      );
      expectPublished(e.emulator, name, outcome.digest ?? '');
    },
    CASE_TIMEOUT_MS,
  );
});

function never(): never {
  throw new Error('the run wrote no report');
}
