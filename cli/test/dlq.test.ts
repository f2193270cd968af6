import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { DeleteMessageBatchCommand, PurgeQueueCommand } from '@aws-sdk/client-sqs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { register } from '../src/commands/dlq';
import { replayAccountFailures } from '../src/ops/dlq';
import { accountFailure, FakeQueue } from './helpers/fake-queue';
import { executionArn, STATE_MACHINE_ARN, testContext } from './helpers/ops-context';

const ACCOUNT_Q = 'https://sqs.eu-west-1.amazonaws.com/111111111111/account-failures';
const DIGEST_Q = 'https://sqs.eu-west-1.amazonaws.com/111111111111/digest-failures';

function setup() {
  const t = testContext();
  const accounts = new FakeQueue(ACCOUNT_Q);
  const digest = new FakeQueue(DIGEST_Q);
  accounts.attach(t.mocks.sqs);
  digest.attach(t.mocks.sqs);
  t.mocks.cloudformation.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'OrgKeyAuditAuditor',
        CreationTime: new Date(),
        StackStatus: 'UPDATE_COMPLETE',
        Outputs: [
          { OutputKey: 'StateMachineArn', OutputValue: STATE_MACHINE_ARN },
          { OutputKey: 'AccountFailuresQueueUrl', OutputValue: ACCOUNT_Q },
          { OutputKey: 'DigestFailuresQueueUrl', OutputValue: DIGEST_Q },
        ],
      },
    ],
  });
  return { t, accounts, digest };
}

async function runCli(t: ReturnType<typeof testContext>, args: string[]) {
  const program = new Command().exitOverride();
  register(program, () => t.ctx);
  await program.parseAsync(['node', 'keyaudit', 'dlq', ...args]);
  return t.exitCodes.at(-1);
}

describe('dlq replay', () => {
  it('starts ONE rerun of the union of accounts, then deletes exactly those messages', async () => {
    const { t, accounts } = setup();
    accounts.add(accountFailure('222222222222'));
    accounts.add(accountFailure('333333333333', 'daily-20250302'));
    accounts.add(accountFailure('222222222222', 'daily-20250302'));
    const other = accounts.add({ kind: 'something-else' });
    const order: string[] = [];
    t.mocks.sfn.on(StartExecutionCommand).callsFake(async (input: { name: string }) => {
      order.push('start');
      return { executionArn: executionArn(input.name), startDate: new Date() };
    });
    t.mocks.sqs.on(DeleteMessageBatchCommand).callsFake(async (input) => {
      order.push('delete');
      const handles = new Set(input.Entries.map((e: { ReceiptHandle: string }) => e.ReceiptHandle));
      for (const m of [...accounts.messages]) {
        if (m.handle !== null && handles.has(m.handle))
          accounts.messages.splice(accounts.messages.indexOf(m), 1);
      }
      return { Successful: input.Entries.map((e: { Id: string }) => ({ Id: e.Id })) };
    });

    const code = await runCli(t, ['replay', '--reason', 'role fixed']);

    expect(code).toBe(0);
    const starts = t.mocks.sfn.commandCalls(StartExecutionCommand);
    expect(starts).toHaveLength(1);
    const sent = starts[0]!.args[0].input;
    expect(sent.name).toMatch(/^replay-20250304T050607Z-[0-9a-f]{8}$/);
    expect(JSON.parse(sent.input ?? '')).toEqual({
      accountIds: ['222222222222', '333333333333'],
      dryRun: false,
      reason: 'role fixed',
    });
    expect(order).toEqual(['start', 'delete']);
    // The message that is not an account failure stays, and is visible again at once.
    expect(accounts.ids()).toEqual([other]);
    expect(accounts.visibleIds()).toEqual([other]);
    expect(t.stdout[0]).toBe('started ' + sent.name + ' for 2 account(s) from 3 message(s); deleted 3');
  });

  it('deletes nothing and makes every message visible again when StartExecution fails', async () => {
    const { t, accounts } = setup();
    const ids = ['222222222222', '333333333333', '444444444444'].map((id) =>
      accounts.add(accountFailure(id)),
    );
    t.mocks.sfn
      .on(StartExecutionCommand)
      .rejects(Object.assign(new Error('slow down'), { name: 'ExecutionLimitExceeded' }));

    const code = await runCli(t, ['replay']);

    expect(code).toBe(1);
    expect(t.mocks.sqs.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
    expect(accounts.visibleIds()).toEqual(ids);
    expect(t.stderr.join('\n')).toContain('No DLQ message was deleted: all 3 are still in the queue.');
  });

  it('keeps the undeleted messages when a delete fails halfway, and exits 2', async () => {
    const { t, accounts } = setup();
    const ids: string[] = [];
    for (let i = 0; i < 15; i++) ids.push(accounts.add(accountFailure(String(100000000000 + i))));
    t.mocks.sfn
      .on(StartExecutionCommand)
      .resolves({ executionArn: executionArn('replay-x'), startDate: new Date() });
    let batches = 0;
    t.mocks.sqs.on(DeleteMessageBatchCommand).callsFake(async (input) => {
      batches++;
      if (batches === 2) throw Object.assign(new Error('connection reset'), { name: 'TimeoutError' });
      const handles = new Set(input.Entries.map((e: { ReceiptHandle: string }) => e.ReceiptHandle));
      for (const m of [...accounts.messages]) {
        if (m.handle !== null && handles.has(m.handle))
          accounts.messages.splice(accounts.messages.indexOf(m), 1);
      }
      return { Successful: input.Entries.map((e: { Id: string }) => ({ Id: e.Id })) };
    });

    const code = await runCli(t, ['replay', '--json']);

    expect(code).toBe(2);
    // First batch of 10 deleted; the 5 of the failed batch are still there to replay again.
    expect(accounts.ids()).toEqual(ids.slice(10));
    const result = JSON.parse(t.stdout[0] ?? '');
    expect(result.deleted).toBe(10);
    expect(result.notDeleted).toEqual(ids.slice(10));
    expect(result.accountIds).toHaveLength(15);
    expect(t.stderr.join('\n')).toContain('5 replayed message(s) could not be deleted and stay in the queue');
  });

  it('counts entries SQS reports as Failed in a batch as not deleted', async () => {
    const { t, accounts } = setup();
    accounts.add(accountFailure('222222222222'));
    const b = accounts.add(accountFailure('333333333333'));
    t.mocks.sfn
      .on(StartExecutionCommand)
      .resolves({ executionArn: executionArn('r'), startDate: new Date() });
    t.mocks.sqs.on(DeleteMessageBatchCommand).resolves({
      Successful: [{ Id: '0' }],
      Failed: [{ Id: '1', Code: 'InternalError', SenderFault: false }],
    });
    const result = await replayAccountFailures({
      sqs: t.clients.sqs,
      sfn: t.clients.sfn,
      queueUrl: ACCOUNT_Q,
      stateMachineArn: STATE_MACHINE_ARN,
      dryRun: true,
      nameFor: () => 'replay-test',
    });
    expect(result.deleted).toBe(1);
    expect(result.notDeleted).toEqual([b]);
  });

  it('passes shared thresholds along and drops them when the messages disagree', async () => {
    const { t, accounts } = setup();
    accounts.add(accountFailure('222222222222', 'd1', { rotationOverdueDays: 60, rotationDueSoonDays: 50 }));
    accounts.add(accountFailure('333333333333', 'd1', { rotationOverdueDays: 60, rotationDueSoonDays: 50 }));
    t.mocks.sfn
      .on(StartExecutionCommand)
      .resolves({ executionArn: executionArn('r'), startDate: new Date() });
    const options = {
      sqs: t.clients.sqs,
      sfn: t.clients.sfn,
      queueUrl: ACCOUNT_Q,
      stateMachineArn: STATE_MACHINE_ARN,
      dryRun: false,
      nameFor: () => 'replay-test',
    };
    await replayAccountFailures(options);
    const first = JSON.parse(t.mocks.sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input ?? '');
    expect(first.thresholds).toEqual({ rotationOverdueDays: 60, rotationDueSoonDays: 50 });

    accounts.add(accountFailure('444444444444', 'd2', { unusedDays: 30 }));
    accounts.add(accountFailure('555555555555', 'd3', {}));
    await replayAccountFailures(options);
    const second = JSON.parse(t.mocks.sfn.commandCalls(StartExecutionCommand)[1]!.args[0].input.input ?? '');
    expect(second.thresholds).toBeUndefined();
    expect(second.accountIds).toEqual(['444444444444', '555555555555']);
  });

  it('starts nothing when there is no account failure', async () => {
    const { t } = setup();
    expect(await runCli(t, ['replay'])).toBe(0);
    expect(t.mocks.sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(t.stdout).toEqual(['no account failures to replay']);
  });
});

describe('dlq list', () => {
  it('shows counts, the oldest age and one row per message, leaving the messages in place', async () => {
    const { t, accounts, digest } = setup();
    accounts.add(accountFailure('222222222222'), accounts.now - 2 * 3_600_000);
    accounts.add(accountFailure('333333333333', 'daily-20250302'), accounts.now - 26 * 3_600_000);
    digest.add({ kind: 'digest-failure', executionName: 'daily-20250303', error: 'SNS.KMSAccessDenied' });

    expect(await runCli(t, ['list'])).toBe(0);

    const text = t.stdout.join('\n');
    const rows = text.split('\n');
    expect(rows[2]?.split(/\s{2,}/)).toEqual(['account-failures', '2', '0', '26h 0m']);
    expect(rows[3]?.split(/\s{2,}/)).toEqual(['digest-failures', '1', '0', '1h 0m']);
    expect(text).toContain('222222222222  AuditRoleMissingError  daily-20250303  2h 0m');
    expect(text).toContain('333333333333  AuditRoleMissingError  daily-20250302  26h 0m');
    expect(text).toContain('-        SNS.KMSAccessDenied  daily-20250303  1h 0m');
    expect(accounts.visibleIds()).toHaveLength(2);
    expect(digest.visibleIds()).toHaveLength(1);
  });
});

describe('dlq purge', () => {
  it('refuses without --yes and touches nothing', async () => {
    const { t, accounts } = setup();
    accounts.add(accountFailure('222222222222'));
    expect(await runCli(t, ['purge'])).toBe(1);
    expect(t.stderr.join('\n')).toContain('add --yes to confirm');
    expect(t.mocks.sqs.commandCalls(PurgeQueueCommand)).toHaveLength(0);
    expect(accounts.ids()).toHaveLength(1);
  });

  it('purges only the named queue with --yes', async () => {
    const { t, accounts, digest } = setup();
    accounts.add(accountFailure('222222222222'));
    digest.add({ kind: 'digest-failure' });
    expect(await runCli(t, ['purge', '--queue', 'digest-failures', '--yes'])).toBe(0);
    expect(digest.ids()).toHaveLength(0);
    expect(accounts.ids()).toHaveLength(1);
  });
});
