import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { register } from '../src/commands/rerun';
import { OperationError } from '../src/ops/errors';
import { buildRerunInput, parseAccountList, rerunExecutionName, waitForExecution } from '../src/ops/rerun';
import { executionArn, STATE_MACHINE_ARN, summaryJson, testContext } from './helpers/ops-context';

const FAILED_RUN = executionArn('daily-20250303');

/** The part of an SDK stream body the code reads. */
function body(text: string) {
  return { transformToString: async () => text };
}

async function runCli(t: ReturnType<typeof testContext>, args: string[]) {
  const program = new Command().exitOverride();
  register(program, () => t.ctx);
  await program.parseAsync(['node', 'keyaudit', ...args]);
  return t.exitCodes.at(-1);
}

describe('rerun input from a failed execution', () => {
  let t = testContext();
  afterEach(() => {
    t = testContext();
  });

  it('reruns exactly the accounts the summary lists as FAILED, with the original thresholds', async () => {
    t.mocks.sfn.on(DescribeExecutionCommand, { executionArn: FAILED_RUN }).resolves({
      status: 'SUCCEEDED',
      input: JSON.stringify({ thresholds: { rotationOverdueDays: 60, rotationDueSoonDays: 50 } }),
      output: summaryJson(['222222222222', '333333333333']),
    });

    const input = await buildRerunInput(
      { sfn: t.clients.sfn, s3: t.clients.s3, reportBucket: async () => 'unused' },
      { selection: { kind: 'failed-from', executionArn: FAILED_RUN }, dryRun: true },
    );

    expect(input).toEqual({
      accountIds: ['222222222222', '333333333333'],
      dryRun: true,
      thresholds: { rotationOverdueDays: 60, rotationDueSoonDays: 50 },
      reason: 'rerun of 2 failed account(s) from daily-20250303',
    });
    expect(t.mocks.s3.calls()).toHaveLength(0);
  });

  it('reads the full failed list from the report in S3 when the summary was truncated', async () => {
    t.mocks.sfn.on(DescribeExecutionCommand).resolves({
      status: 'SUCCEEDED',
      input: '{}',
      output: summaryJson(['222222222222'], { truncated: true, reportKey: 'reports/big/report.json' }),
    });
    const report = {
      schemaVersion: 1,
      accounts: [
        { accountId: '111111111111', status: 'AUDITED' },
        { accountId: '222222222222', status: 'FAILED' },
        { accountId: '444444444444', status: 'SKIPPED' },
        { accountId: '555555555555', status: 'FAILED' },
      ],
    };
    t.mocks.s3
      .on(GetObjectCommand, { Bucket: 'report-bucket', Key: 'reports/big/report.json' })
      .resolves({ Body: body(JSON.stringify(report)) } as never);

    const input = await buildRerunInput(
      { sfn: t.clients.sfn, s3: t.clients.s3, reportBucket: async () => 'report-bucket' },
      { selection: { kind: 'failed-from', executionArn: FAILED_RUN }, dryRun: false, reason: 'role fixed' },
    );

    expect(input).toEqual({
      accountIds: ['222222222222', '555555555555'],
      dryRun: false,
      reason: 'role fixed',
    });
  });

  it('refuses a FAILED execution (no summary) and points to redrive', async () => {
    t.mocks.sfn.on(DescribeExecutionCommand).resolves({ status: 'FAILED', error: 'States.Runtime' });
    const attempt = buildRerunInput(
      { sfn: t.clients.sfn, s3: t.clients.s3, reportBucket: async () => 'b' },
      { selection: { kind: 'failed-from', executionArn: FAILED_RUN }, dryRun: false },
    );
    await expect(attempt).rejects.toBeInstanceOf(OperationError);
    await expect(attempt).rejects.toMatchObject({ fix: expect.stringContaining('keyaudit redrive') });
  });

  it('says there is nothing to rerun when no account failed', async () => {
    t.mocks.sfn
      .on(DescribeExecutionCommand)
      .resolves({ status: 'SUCCEEDED', input: '{}', output: summaryJson([]) });
    const attempt = buildRerunInput(
      { sfn: t.clients.sfn, s3: t.clients.s3, reportBucket: async () => 'b' },
      { selection: { kind: 'failed-from', executionArn: FAILED_RUN }, dryRun: false },
    );
    await expect(attempt).rejects.toThrow(/has no failed accounts/);
  });

  it('rejects an output that is not a summary, naming the field', async () => {
    t.mocks.sfn
      .on(DescribeExecutionCommand)
      .resolves({ status: 'SUCCEEDED', output: JSON.stringify({ executionName: 'x', totals: {} }) });
    const attempt = buildRerunInput(
      { sfn: t.clients.sfn, s3: t.clients.s3, reportBucket: async () => 'b' },
      { selection: { kind: 'failed-from', executionArn: FAILED_RUN }, dryRun: false },
    );
    await expect(attempt).rejects.toThrow(/field "totals\.accounts"/);
  });
});

describe('account list and execution names', () => {
  it('parses comma- or space-separated ids, once each, and names a bad one', () => {
    expect(parseAccountList('111111111111, 222222222222,111111111111')).toEqual([
      '111111111111',
      '222222222222',
    ]);
    expect(() => parseAccountList('111111111111,12345')).toThrow(/"12345" is not a 12-digit account id/);
    expect(() => parseAccountList(' , ')).toThrow(/--accounts is empty/);
  });

  it('names reruns rerun-<UTC time>-<8 hex>, valid for Step Functions and unique per nonce', () => {
    const now = new Date('2025-03-04T05:06:07.890Z');
    const input = { dryRun: false, reason: 'x' };
    const a = rerunExecutionName(input, now, 'n1');
    const b = rerunExecutionName(input, now, 'n2');
    expect(a).toMatch(/^rerun-20250304T050607Z-[0-9a-f]{8}$/);
    expect(a.length).toBeLessThanOrEqual(80);
    expect(a).not.toBe(b);
  });
});

describe('keyaudit rerun (command)', () => {
  let t = testContext();
  afterEach(() => {
    t = testContext();
  });

  it('starts one execution with the stack output state machine and prints its ARN', async () => {
    t.mocks.cloudformation.on(DescribeStacksCommand, { StackName: 'OrgKeyAuditAuditor' }).resolves({
      Stacks: [
        {
          StackName: 'OrgKeyAuditAuditor',
          CreationTime: new Date(),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [{ OutputKey: 'StateMachineArn', OutputValue: STATE_MACHINE_ARN }],
        },
      ],
    });
    t.mocks.sfn.on(StartExecutionCommand).callsFake(async (input: { name: string }) => ({
      executionArn: executionArn(input.name),
      startDate: new Date('2025-03-04T05:06:08Z'),
    }));

    const code = await runCli(t, [
      'rerun',
      '--accounts',
      '123456789012,210987654321',
      '--reason',
      'role fixed',
    ]);

    expect(code).toBe(0);
    const calls = t.mocks.sfn.commandCalls(StartExecutionCommand);
    expect(calls).toHaveLength(1);
    const sent = calls[0]!.args[0].input;
    expect(sent.stateMachineArn).toBe(STATE_MACHINE_ARN);
    expect(sent.name).toMatch(/^rerun-20250304T050607Z-[0-9a-f]{8}$/);
    expect(JSON.parse(sent.input ?? '')).toEqual({
      accountIds: ['123456789012', '210987654321'],
      dryRun: false,
      reason: 'role fixed',
    });
    expect(t.stdout).toEqual([executionArn(sent.name ?? '')]);
  });

  it('with --wait polls with growing delays and exits 2 when some accounts failed', async () => {
    t.mocks.sfn
      .on(StartExecutionCommand)
      .resolves({ executionArn: executionArn('r1'), startDate: new Date() });
    t.mocks.sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce({ status: 'RUNNING' })
      .resolvesOnce({ status: 'RUNNING' })
      .resolvesOnce({ status: 'RUNNING' })
      .resolves({ status: 'SUCCEEDED', output: summaryJson(['999999999999']) });

    const code = await runCli(t, ['rerun', '--all', '--wait', '--state-machine', STATE_MACHINE_ARN]);

    expect(code).toBe(2);
    expect(t.sleeps).toEqual([2000, 3000, 4500]);
    expect(t.stdout.join('\n')).toContain('999999999999  AuditRoleMissingError: audit role missing');
    expect(t.stderr.join('\n')).toContain(`keyaudit rerun --failed-from ${executionArn('r1')}`);
  });

  it('with --wait exits 1 with the error when the execution failed', async () => {
    t.mocks.sfn
      .on(StartExecutionCommand)
      .resolves({ executionArn: executionArn('r2'), startDate: new Date() });
    t.mocks.sfn
      .on(DescribeExecutionCommand)
      .resolves({ status: 'FAILED', error: 'InvalidInput', cause: 'bad' });

    const code = await runCli(t, ['rerun', '--all', '--wait', '--state-machine', STATE_MACHINE_ARN]);

    expect(code).toBe(1);
    expect(t.stderr.join('\n')).toMatch(/ended FAILED with InvalidInput: bad\..*keyaudit redrive/);
  });

  it('refuses two selections at once without calling AWS', async () => {
    const code = await runCli(t, ['rerun', '--all', '--accounts', '123456789012']);
    expect(code).toBe(1);
    expect(t.stderr.join('\n')).toContain('choose exactly one of --accounts');
    expect(t.mocks.sfn.calls()).toHaveLength(0);
  });

  it('maps ExecutionLimitExceeded to one sentence and a fix', async () => {
    const error = Object.assign(new Error('limit'), { name: 'ExecutionLimitExceeded' });
    t.mocks.sfn.on(StartExecutionCommand).rejects(error);
    const code = await runCli(t, ['rerun', '--all', '--state-machine', STATE_MACHINE_ARN]);
    expect(code).toBe(1);
    expect(t.stderr.join('\n')).toContain('too many executions are running');
  });
});

describe('waitForExecution', () => {
  it('stops waiting at the timeout and says the execution keeps running', async () => {
    const t = testContext();
    t.mocks.sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
    const attempt = waitForExecution(executionArn('slow'), {
      sfn: t.clients.sfn,
      sleep: t.ctx.sleep,
      now: t.ctx.now,
      timeoutMs: 10_000,
      maxDelayMs: 4000,
    });
    await expect(attempt).rejects.toThrow(/still running after/);
    // 2000 + 3000 + 4000 (capped) + 4000 = 13000 >= 10000 at the fifth look.
    expect(t.sleeps).toEqual([2000, 3000, 4000, 4000]);
  });
});
