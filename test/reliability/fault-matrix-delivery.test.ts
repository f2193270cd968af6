/**
 * The fault matrix (issue 8), second half: faults around the audit itself (an account changing
 * state mid-run, a crashing Lambda, S3 and SNS failing, Organizations throttling). Same
 * invariants as fault-matrix.test.ts; see there. Each case also proves that its fault fired as
 * often as planned (from the emulator's count of injected faults, or the Task invocations for a
 * fault the test itself throws), and names the one error it expects.
 */
import type { WorkflowTasks } from '@org-key-audit/statemachine';
import { describe, expect, it } from 'vitest';
import { checkInvariants, expectPublished } from '../support/invariants';
import { readOutcome, runLocal } from '../support/local-env';
import {
  assumeRoleOutcomes,
  auditable,
  CASE_TIMEOUT_MS,
  callCount,
  failing,
  taskLog,
  useCaseEmulator,
} from '../support/matrix';

const start = useCaseEmulator();

/** The SDK's attempts per call with the product's RETRY_CONFIG (docs/failure-modes.md). */
const SDK_ATTEMPTS = 5;

describe.concurrent('fault matrix at 200 accounts: around the audit', () => {
  it(
    'an account suspended between ListAccounts and its audit ends FAILED, not clean',
    async () => {
      const e = await start(16);
      const suspended = auditable(e, 2, 5);
      const name = 'matrix-suspended';
      const log = taskLog();
      const result = await runLocal(e, {
        executionName: name,
        wrapTasks: (tasks): WorkflowTasks =>
          log.wrap({
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
      // AssumeRole into a suspended account is denied, and that is all it says: the account is
      // FAILED AuditRoleMissingError (docs/failure-modes.md, "Known limits").
      checkInvariants(e.emulator, outcome, {
        failures: failing(suspended, { errorNames: ['AuditRoleMissingError'] }),
      });
      expect(log.byTask.get('listAccounts')).toEqual(['ok']);
      for (const id of suspended) {
        // Refused by the account's state, not by an injected fault: one AssumeRole, no IAM call.
        expect(assumeRoleOutcomes(e, id), `AssumeRole into ${id}`).toEqual(['error']);
        expect(log.byAccount.get(id)).toEqual(['ok']);
        expect(callCount(e, (c) => c.accountId === id && c.service === 'iam')).toBe(0);
        expect(e.emulator.stats.faults({ accountId: id })).toEqual([]);
      }
      expectPublished(e.emulator, name, outcome.digest ?? '');
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'the audit Lambda crashing for one account fails only that account',
    async () => {
      const e = await start(17);
      const [victim] = auditable(e, 1, 7) as [string];
      const name = 'matrix-crash';
      const crash = 'simulated crash: out of memory while parsing the report';
      const log = taskLog();
      const result = await runLocal(e, {
        executionName: name,
        wrapTasks: (tasks): WorkflowTasks =>
          log.wrap({
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
        failures: failing([victim], { errorNames: ['TypeError'], reasonIncludes: crash }),
      });
      // Thrown exactly once: AuditAccount's Retry covers throttling, report timeouts and Lambda
      // service errors only (docs/architecture.md), so the crash goes to the Catch at once.
      expect(log.byAccount.get(victim)).toEqual(['TypeError']);
      // It crashed before touching AWS.
      expect(assumeRoleOutcomes(e, victim)).toEqual([]);
      expect(callCount(e, (c) => c.accountId === victim)).toBe(0);
      expectPublished(e.emulator, name, outcome.digest ?? '');
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'S3 writes failing for some accounts: those accounts FAILED and in the DLQ, the rest reported',
    async () => {
      const e = await start(18);
      const name = 'matrix-s3-write';
      const [first, second] = auditable(e, 2, 3) as [string, string];
      const { stats, messaging } = e.emulator;
      // Only these accounts' result objects fail; every other write (items, report) succeeds.
      messaging.faults.s3WriteFailure = { keyPrefix: `runs/${name}/accounts/${first}` };
      const log = taskLog();
      const firedBy = new Map<string, number>();
      const result = await runLocal(e, {
        executionName: name,
        wrapTasks: (tasks): WorkflowTasks =>
          log.wrap({
            ...tasks,
            auditAccount: async (event: never) => {
              const id = (event as { accountId?: string }).accountId ?? '';
              // A prefix fault covers one key at a time: arm the second account's once the
              // first account's audit has ended, so each sees every attempt of its own write fail.
              if (id === second) {
                await log.whenAccountDone(first);
                messaging.faults.s3WriteFailure = { keyPrefix: `runs/${name}/accounts/${second}` };
              }
              try {
                return await tasks.auditAccount(event);
              } finally {
                if (id === first || id === second)
                  firedBy.set(id, stats.faultCount({ fault: 's3WriteFailure' }));
              }
            },
          }),
      });
      expect(result.status).toBe('SUCCEEDED');
      const outcome = readOutcome(e.emulator, name);
      // S3's 500 InternalError outlives the SDK's attempts; the audit throws it and is caught.
      checkInvariants(e.emulator, outcome, {
        failures: failing([first, second], { errorNames: ['InternalError'] }),
      });
      for (const id of [first, second])
        expect(log.byAccount.get(id), `AuditAccount runs for ${id}`).toEqual(['InternalError']);
      // Every attempt of each account's one result write was refused, and nothing else was.
      expect(firedBy.get(first)).toBe(SDK_ATTEMPTS);
      expect(firedBy.get(second)).toBe(2 * SDK_ATTEMPTS);
      expect(stats.faults({ fault: 's3WriteFailure' })).toEqual([
        {
          fault: 's3WriteFailure',
          kind: '5xx',
          // The audit Lambda's role writes the result: the audit account calls S3.
          accountId: e.emulator.auditAccountId,
          service: 's3',
          action: 'PutObject',
          count: 2 * SDK_ATTEMPTS,
        },
      ]);
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
      const log = taskLog();
      const result = await runLocal(e, { executionName: name, wrapTasks: (t) => log.wrap(t) });
      expect(result.status).toBe('FAILED');
      expect(result.error).toBe('DigestFailed');
      const outcome = readOutcome(e.emulator, name);
      // The report was built before the publish failed: its invariants still hold.
      checkInvariants(e.emulator, outcome);
      expect(outcome.digestFailures).toHaveLength(1);
      expect(outcome.digestFailures[0]).toMatchObject({
        kind: 'digest-failure',
        executionName: name,
        // SNS's InternalError (HTTP 500), as the SDK names it once its attempts are spent.
        error: 'InternalErrorException',
        input: { dryRun: false },
      });
      expect(outcome.executionFailures).toHaveLength(1);
      expect(outcome.executionFailures[0]).toMatchObject({
        kind: 'execution-failure',
        status: 'FAILED',
        error: 'DigestFailed',
      });
      expect(e.emulator.messaging.published()).toHaveLength(0);
      // One PublishDigest run (its Retry covers Lambda service errors only), whose one Publish
      // the SDK tried 5 times: 5 refusals, SNS's 500 InternalError each time.
      expect(log.byTask.get('publishDigest')).toEqual(['InternalErrorException']);
      expect(e.emulator.stats.faults({ fault: 'snsPublishFailure' })).toEqual([
        {
          fault: 'snsPublishFailure',
          kind: '5xx',
          accountId: e.emulator.auditAccountId,
          service: 'sns',
          action: 'Publish',
          count: SDK_ATTEMPTS,
        },
      ]);
    },
    CASE_TIMEOUT_MS,
  );

  it(
    'Organizations throttling ListAccounts: retried, the whole organization is listed',
    async () => {
      const e = await start(20, { organizationsThrottling: { count: 3 } });
      const name = 'matrix-org-throttling';
      const log = taskLog();
      const result = await runLocal(e, { executionName: name, wrapTasks: (t) => log.wrap(t) });
      expect(result.status).toBe('SUCCEEDED');
      const outcome = readOutcome(e.emulator, name);
      // TooManyRequestsException must not surface anywhere: the organization is listed whole.
      checkInvariants(e.emulator, outcome);
      // Exactly the 3 planned refusals, all absorbed by the SDK's 5 attempts of the first page:
      // ListAccounts ran once, the state machine's Retry never had to.
      expect(e.emulator.stats.faults({ fault: 'organizationsThrottling' })).toEqual([
        {
          fault: 'organizationsThrottling',
          kind: 'throttling',
          accountId: e.emulator.auditAccountId,
          service: 'organizations',
          action: 'ListAccounts',
          count: 3,
        },
      ]);
      expect(log.byTask.get('listAccounts')).toEqual(['ok']);
      expect(
        callCount(e, (c) => c.service === 'organizations' && c.action === 'ListAccounts'),
      ).toBeGreaterThan(3);
      expectPublished(e.emulator, name, outcome.digest ?? '');
    },
    CASE_TIMEOUT_MS,
  );
});
