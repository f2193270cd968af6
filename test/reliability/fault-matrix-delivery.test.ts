/**
 * The fault matrix (issue 8), second half: faults around the audit itself (an account changing
 * state mid-run, a crashing Lambda, S3 and SNS failing, Organizations throttling). Same
 * invariants as fault-matrix.test.ts; see there.
 */
import type { WorkflowTasks } from '@org-key-audit/statemachine';
import { describe, expect, it } from 'vitest';
import { checkInvariants, expectPublished } from '../support/invariants';
import { readOutcome, runLocal } from '../support/local-env';
import { auditable, CASE_TIMEOUT_MS, callCount, failing, useCaseEmulator } from '../support/matrix';

const start = useCaseEmulator();

describe.concurrent('fault matrix at 200 accounts: around the audit', () => {
  it(
    'an account suspended between ListAccounts and its audit ends FAILED, not clean',
    async () => {
      const e = await start(16);
      const suspended = auditable(e, 2, 5);
      const name = 'matrix-suspended';
      const result = await runLocal(e, {
        executionName: name,
        wrapTasks: (tasks): WorkflowTasks => ({
          ...tasks,
          listAccounts: async (event: never) => {
            const listed = await tasks.listAccounts(event);
            for (const id of suspended) {
              expect(
                e.emulator.admin(`/_emulator/accounts/${id}/state`, 'POST', { state: 'SUSPENDED' }).status,
              ).toBe(200);
            }
            return listed;
          },
        }),
      });
      expect(result.status).toBe('SUCCEEDED');
      const outcome = readOutcome(e.emulator, name);
      checkInvariants(e.emulator, outcome, {
        failures: failing(suspended, { errorNames: ['AuditRoleMissingError', 'AccountSuspendedError'] }),
      });
      expectPublished(e.emulator, name, outcome.digest ?? '');
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'the audit Lambda crashing for one account fails only that account',
    async () => {
      const e = await start(17);
      const [victim] = auditable(e, 1, 7);
      const name = 'matrix-crash';
      const crash = 'simulated crash: out of memory while parsing the report';
      const result = await runLocal(e, {
        executionName: name,
        wrapTasks: (tasks): WorkflowTasks => ({
          ...tasks,
          auditAccount: async (event: never) => {
            if ((event as { accountId?: string }).accountId === victim) throw new TypeError(crash);
            return tasks.auditAccount(event);
          },
        }),
      });
      expect(result.status).toBe('SUCCEEDED');
      const outcome = readOutcome(e.emulator, name);
      checkInvariants(e.emulator, outcome, {
        failures: failing([victim as string], { errorNames: ['TypeError'], reasonIncludes: crash }),
      });
      expectPublished(e.emulator, name, outcome.digest ?? '');
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'S3 writes failing for some accounts: those accounts FAILED and in the DLQ, the rest reported',
    async () => {
      const e = await start(18);
      const name = 'matrix-s3-write';
      const victims = auditable(e, 2, 3);
      // Only these accounts' result objects fail; every other write (items, report) succeeds.
      const [first, second] = victims;
      e.emulator.messaging.faults.s3WriteFailure = { keyPrefix: `runs/${name}/accounts/${first}` };
      const result = await runLocal(e, {
        executionName: name,
        wrapTasks: (tasks): WorkflowTasks => ({
          ...tasks,
          auditAccount: async (event: never) => {
            // A prefix fault covers one key at a time: arm the second account's just before it runs.
            if ((event as { accountId?: string }).accountId === second) {
              e.emulator.messaging.faults.s3WriteFailure = { keyPrefix: `runs/${name}/accounts/${second}` };
            }
            return tasks.auditAccount(event);
          },
        }),
      });
      expect(result.status).toBe('SUCCEEDED');
      const outcome = readOutcome(e.emulator, name);
      const { failed } = checkInvariants(e.emulator, outcome, {
        failures: failing(victims, {
          errorNames: ['InternalError', 'ServiceUnavailable', 'SlowDown'],
          mayRecover: true,
        }),
      });
      expect(failed.some((a) => victims.includes(a.accountId))).toBe(true);
      expectPublished(e.emulator, name, outcome.digest ?? '');
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'SNS publish failing: the execution fails and the digest DLQ holds the run',
    async () => {
      const e = await start(19);
      e.emulator.messaging.faults.snsPublishFailure = true;
      const name = 'matrix-sns';
      const result = await runLocal(e, { executionName: name });
      expect(result.status).toBe('FAILED');
      expect(result.error).toBe('DigestFailed');
      const outcome = readOutcome(e.emulator, name);
      // The report was built before the publish failed: its invariants still hold.
      checkInvariants(e.emulator, outcome);
      expect(outcome.digestFailures).toHaveLength(1);
      expect(outcome.digestFailures[0]).toMatchObject({
        kind: 'digest-failure',
        executionName: name,
        input: { dryRun: false },
      });
      expect(outcome.executionFailures).toHaveLength(1);
      expect(outcome.executionFailures[0]).toMatchObject({
        kind: 'execution-failure',
        status: 'FAILED',
        error: 'DigestFailed',
      });
      expect(e.emulator.messaging.published()).toHaveLength(0);
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'Organizations throttling ListAccounts: retried, the whole organization is listed',
    async () => {
      const e = await start(20, { organizationsThrottling: { count: 3 } });
      const name = 'matrix-org-throttling';
      const result = await runLocal(e, { executionName: name });
      expect(result.status).toBe('SUCCEEDED');
      const outcome = readOutcome(e.emulator, name);
      checkInvariants(e.emulator, outcome);
      expect(
        callCount(e, (c) => c.service === 'organizations' && c.action === 'ListAccounts'),
      ).toBeGreaterThan(3);
      expectPublished(e.emulator, name, outcome.digest ?? '');
    },
    CASE_TIMEOUT_MS,
  );
});
