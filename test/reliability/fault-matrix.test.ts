/**
 * The fault matrix (issue 8), identity and collection faults: the real workflow, through the
 * local runner, on a 200-account emulated organization, one fault per case. Whatever breaks,
 * every account must end AUDITED, FAILED or SKIPPED exactly once, audited accounts must show
 * exactly what was planted, and every failure must be in the DLQ and in the digest.
 * The delivery half (crash, S3, SNS, Organizations) is in fault-matrix-delivery.test.ts, a
 * second file so that vitest runs the two halves on both cores.
 */
import { describe, expect, it } from 'vitest';
import { checkInvariants, expectPublished } from '../support/invariants';
import { readOutcome, runLocal } from '../support/local-env';
import { auditable, CASE_TIMEOUT_MS, failing, useCaseEmulator } from '../support/matrix';

const start = useCaseEmulator();

describe.concurrent('fault matrix at 200 accounts: identity and collection', () => {
  it(
    'IAM throttling storm: throttled accounts are retried, never reported clean',
    async () => {
      // Two calls a second with a burst of three: every account's collection runs into throttling.
      const e = await start(11, { iamThrottling: { enabled: true, ratePerSecond: 2, burst: 3 } });
      const name = 'matrix-throttling';
      const result = await runLocal(e, { executionName: name });
      expect(result.status).toBe('SUCCEEDED');
      const outcome = readOutcome(e.emulator, name);
      const { audited } = checkInvariants(e.emulator, outcome, {
        anyAccountMayFailWith: ['IamThrottledError'],
      });
      const throttled = e.emulator.stats
        .snapshot()
        .calls.filter((c) => c.service === 'iam' && c.throttled > 0);
      expect(throttled.length, 'the storm really throttled IAM').toBeGreaterThan(0);
      const throttledAudited = audited.filter((a) => throttled.some((c) => c.accountId === a.accountId));
      expect(throttledAudited.length, 'throttled accounts recovered through backoff').toBeGreaterThan(0);
      expectPublished(e.emulator, name, outcome.digest ?? '');
    },
    CASE_TIMEOUT_MS,
  );

  it(
    '5xx answers at a rate in some accounts: retried, or FAILED with a DLQ message',
    async () => {
      const e = await start(12);
      const victims = auditable(e, 20);
      e.emulator.faults.merge({
        errorRate: { rate: 0.3, kind: '5xx', services: ['iam'], accounts: victims },
      });
      const name = 'matrix-5xx';
      const result = await runLocal(e, { executionName: name });
      expect(result.status).toBe('SUCCEEDED');
      const outcome = readOutcome(e.emulator, name);
      const { failed } = checkInvariants(e.emulator, outcome, {
        // A 5xx that outlives every retry surfaces as the SDK's error name for it.
        failures: failing(victims, {
          errorNames: ['ServiceFailureException', 'ServiceFailure', 'InternalError', 'ServiceUnavailable'],
          mayRecover: true,
        }),
      });
      // Failures can only be among the accounts that had the fault.
      for (const audit of failed) {
        if (audit.errorName !== 'AuditRoleMissingError') expect(victims).toContain(audit.accountId);
      }
      expectPublished(e.emulator, name, outcome.digest ?? '');
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'connection resets at a rate: retried by the SDK, nothing lost',
    async () => {
      const e = await start(13, { errorRate: { rate: 0.05, kind: 'reset', services: ['iam', 'sts', 's3'] } });
      const name = 'matrix-resets';
      const result = await runLocal(e, { executionName: name });
      expect(result.status).toBe('SUCCEEDED');
      const outcome = readOutcome(e.emulator, name);
      checkInvariants(e.emulator, outcome, {
        anyAccountMayFailWith: ['TimeoutError', 'Error', 'NetworkingError', 'ECONNRESET', 'socket hang up'],
      });
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
      const result = await runLocal(e, { executionName: name });
      expect(result.status).toBe('SUCCEEDED');
      const outcome = readOutcome(e.emulator, name);
      checkInvariants(e.emulator, outcome, {
        failures: failing(stuck, {
          errorNames: ['CredentialReportTimeoutError'],
          reasonIncludes: 'not ready',
        }),
      });
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
      const result = await runLocal(e, { executionName: name });
      expect(result.status).toBe('SUCCEEDED');
      const outcome = readOutcome(e.emulator, name);
      checkInvariants(e.emulator, outcome, {
        failures: failing([...denied, ...untrusted], {
          errorNames: ['AuditRoleMissingError'],
          reasonIncludes: 'trust',
        }),
      });
      expect(outcome.digest).toContain('StackSet has not reached this account');
      expectPublished(e.emulator, name, outcome.digest ?? '');
    },
    CASE_TIMEOUT_MS,
  );
});
