/**
 * Rerun closes the loop (issue 8): a faulty run leaves its failures in the DLQ; once the cause is
 * fixed, `keyaudit dlq replay` turns them into one rerun, and the two runs together cover the
 * whole organization. Replay starts a real Step Functions execution, so its SFN client is
 * aws-sdk-client-mock: the test takes the input replay sent and runs it through the local runner.
 */
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { replayAccountFailures } from '@org-key-audit/cli';
import type { WorkflowTasks } from '@org-key-audit/statemachine';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants, type FailureExpectation } from '../support/invariants';
import {
  auditedFindingKeys,
  type LocalEnv,
  plantedFindingKeys,
  readOutcome,
  runLocal,
  startLocalEnv,
} from '../support/local-env';

const FIRST = 'loop-first-run';
const REPLAY = 'loop-replay-run';
const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:222222222222:stateMachine:AuditOrganization';

let env: LocalEnv;
const sfn = new SFNClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
});
const sfnMock = mockClient(sfn);

beforeAll(async () => {
  env = await startLocalEnv({ preset: 'faults', accounts: 80, seed: 'rerun-loop' });
}, 60_000);
afterAll(async () => {
  sfnMock.restore();
  await env?.stop();
});

describe('DLQ replay after a faulty run', () => {
  it('reruns exactly the failed accounts, empties their DLQ messages, and the two runs cover the organization', async () => {
    const { emulator } = env;
    const audited = emulator.expected.accounts
      .filter((a) => a.expectedStatus === 'AUDITED')
      .map((a) => a.accountId);
    const roleMissing = emulator.expected.accounts
      .filter((a) => a.expectedStatus === 'FAILED')
      .map((a) => a.accountId);
    const denied = audited.slice(0, 3);
    const stuck = audited.slice(10, 12);
    const crashed = audited[20] as string;
    expect(roleMissing.length).toBeGreaterThan(0);

    // Run 1: faults on.
    emulator.faults.merge({ assumeRoleDenied: { accounts: denied }, reportStuck: { accounts: stuck } });
    let crashing = true;
    const crashOnce = (tasks: WorkflowTasks): WorkflowTasks => ({
      ...tasks,
      auditAccount: async (event: never) => {
        if (crashing && (event as { accountId?: string }).accountId === crashed)
          throw new Error('transient crash');
        return tasks.auditAccount(event);
      },
    });
    const first = await runLocal(env, { executionName: FIRST, wrapTasks: crashOnce });
    expect(first.status).toBe('SUCCEEDED');
    const firstOutcome = readOutcome(emulator, FIRST);
    const { failed } = checkInvariants(emulator, firstOutcome, {
      failures: new Map<string, FailureExpectation>([
        ...denied.map((id): [string, FailureExpectation] => [id, { errorNames: ['AuditRoleMissingError'] }]),
        ...stuck.map((id): [string, FailureExpectation] => [
          id,
          { errorNames: ['CredentialReportTimeoutError'] },
        ]),
        [crashed, { errorNames: ['Error'], reasonIncludes: 'transient crash' }],
      ]),
    });
    const failedIds = failed.map((a) => a.accountId).sort();
    expect(failedIds).toEqual([...denied, ...stuck, crashed, ...roleMissing].sort());

    // Fix every cause: faults cleared, the crash gone, the StackSet reaches the role-less accounts.
    emulator.faults.clear();
    crashing = false;
    const template = [...(emulator.state.accounts.get(audited[0] as string)?.roles.values() ?? [])][0];
    if (template === undefined) throw new Error('no audit role to copy');
    for (const id of roleMissing) emulator.state.accounts.get(id)?.roles.set(template.roleName, template);

    // Replay: one StartExecution with the failed accounts, then the messages are deleted.
    sfnMock.on(StartExecutionCommand).resolves({
      executionArn: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${REPLAY}`,
      startDate: new Date(),
    });
    const replay = await replayAccountFailures({
      sqs: env.operator.sqs,
      sfn,
      queueUrl: emulator.resources.queues.accountFailures,
      stateMachineArn: STATE_MACHINE_ARN,
      dryRun: false,
      nameFor: () => REPLAY,
      visibilityTimeoutSeconds: 30,
    });
    expect([...replay.accountIds].sort()).toEqual(failedIds);
    expect(replay.replayed).toBe(failedIds.length);
    expect(replay.deleted).toBe(failedIds.length);
    expect(replay.notDeleted).toEqual([]);
    expect(emulator.messaging.queueMessages(emulator.resources.queues.accountFailures)).toEqual([]);
    const starts = sfnMock.commandCalls(StartExecutionCommand);
    expect(starts).toHaveLength(1);
    const sent = starts[0]?.args[0].input;
    expect(sent?.stateMachineArn).toBe(STATE_MACHINE_ARN);
    expect(sent?.name).toBe(REPLAY);
    const rerunInput = JSON.parse(sent?.input ?? 'null') as { accountIds: string[] };
    expect([...rerunInput.accountIds].sort()).toEqual(failedIds);

    // The rerun, as Step Functions would run it, through the local runner.
    const second = await runLocal(env, { executionName: REPLAY, input: rerunInput });
    expect(second.status).toBe('SUCCEEDED');
    const secondOutcome = readOutcome(emulator, REPLAY);
    const secondReport = secondOutcome.report;
    if (secondReport === null) throw new Error('the rerun wrote no report');
    const secondById = new Map(secondReport.accounts.map((a) => [a.accountId, a]));
    for (const id of failedIds) {
      const audit = secondById.get(id);
      expect(audit?.status, `rerun of ${id}: ${audit?.reason ?? ''}`).toBe('AUDITED');
    }
    // Accounts outside the rerun are reported as not requested, never as audited.
    for (const audit of secondReport.accounts) {
      if (!failedIds.includes(audit.accountId)) expect(audit.status).toBe('SKIPPED');
    }
    expect(secondOutcome.accountFailures).toEqual([]);

    // The union: every ACTIVE account audited in one of the two runs, with the planted findings.
    const firstById = new Map((firstOutcome.report?.accounts ?? []).map((a) => [a.accountId, a]));
    const { findings, exempted } = emulator.expected;
    for (const account of emulator.expected.accounts) {
      if (account.expectedStatus === 'SKIPPED') continue;
      const done = [firstById.get(account.accountId), secondById.get(account.accountId)].find(
        (a) => a?.status === 'AUDITED',
      );
      expect(done, `${account.accountId} audited in one of the runs`).toBeDefined();
      if (done === undefined) continue;
      // Role-less accounts had no plant expectations (nobody could look); the others must match.
      if (!roleMissing.includes(account.accountId)) {
        expect(auditedFindingKeys(done)).toEqual(plantedFindingKeys(findings, exempted, account.accountId));
      }
    }

    // Both runs and the replay: every call a deployed role made is an edge of the catalogue.
    expect(env.uncoveredCalls()).toEqual([]);
  }, 180_000);
});
