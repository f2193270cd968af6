import { DescribeExecutionCommand, RedriveExecutionCommand } from '@aws-sdk/client-sfn';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { register } from '../src/commands/redrive';
import { executionArn, testContext } from './helpers/ops-context';

const ARN = executionArn('daily-20250101');
const NOW = new Date('2025-03-04T05:06:07Z');

const awsError = (name: string, message = name) => Object.assign(new Error(message), { name });

async function runCli(t: ReturnType<typeof testContext>, args: string[]) {
  const program = new Command().exitOverride();
  register(program, () => t.ctx);
  await program.parseAsync(['node', 'keyaudit', 'redrive', ...args]);
  return t.exitCodes.at(-1);
}

describe('keyaudit redrive', () => {
  let t = testContext(NOW);
  afterEach(() => {
    t = testContext(NOW);
  });

  it('redrives a failed execution and prints when', async () => {
    t.mocks.sfn.on(RedriveExecutionCommand, { executionArn: ARN }).resolves({ redriveDate: NOW });
    expect(await runCli(t, [ARN])).toBe(0);
    expect(t.stdout).toEqual([`redriven ${ARN} at 2025-03-04T05:06:07.000Z; follow it with keyaudit status`]);
  });

  it('explains an execution older than 14 days and suggests a rerun', async () => {
    t.mocks.sfn.on(RedriveExecutionCommand).rejects(awsError('ExecutionNotRedrivable'));
    t.mocks.sfn.on(DescribeExecutionCommand).resolves({
      status: 'FAILED',
      stopDate: new Date('2025-02-01T00:00:00Z'),
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution redrivable period exceeded.',
    });
    expect(await runCli(t, [ARN])).toBe(1);
    const text = t.stderr.join('\n');
    expect(text).toContain('it ended more than 14 days ago (it stopped on 2025-02-01)');
    expect(text).toContain('keyaudit rerun --all');
  });

  it('explains a succeeded execution and suggests rerun --failed-from with its ARN', async () => {
    t.mocks.sfn.on(RedriveExecutionCommand).rejects(awsError('ExecutionNotRedrivable'));
    t.mocks.sfn.on(DescribeExecutionCommand).resolves({
      status: 'SUCCEEDED',
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
    });
    expect(await runCli(t, [ARN])).toBe(1);
    const text = t.stderr.join('\n');
    expect(text).toContain('it succeeded, so there is no failed step to resume');
    expect(text).toContain(`keyaudit rerun --failed-from ${ARN}`);
  });

  it('explains a history that reached the event limit', async () => {
    t.mocks.sfn.on(RedriveExecutionCommand).rejects(awsError('ExecutionNotRedrivable'));
    t.mocks.sfn.on(DescribeExecutionCommand).resolves({
      status: 'FAILED',
      stopDate: new Date('2025-03-03T00:00:00Z'),
      redriveStatusReason: 'Execution history event limit exceeded.',
    });
    expect(await runCli(t, [ARN])).toBe(1);
    expect(t.stderr.join('\n')).toContain("its history reached Step Functions' limit of 25,000 events");
  });

  it('uses the stop date when AWS gives no reason and the describe call fails', async () => {
    t.mocks.sfn.on(RedriveExecutionCommand).rejects(awsError('ExecutionNotRedrivable', 'cannot redrive'));
    t.mocks.sfn.on(DescribeExecutionCommand).rejects(awsError('ThrottlingException'));
    expect(await runCli(t, [ARN])).toBe(1);
    expect(t.stderr.join('\n')).toContain(`AWS will not redrive ${ARN}: cannot redrive.`);
  });

  it('maps ExecutionLimitExceeded and ExecutionDoesNotExist to their own sentences', async () => {
    t.mocks.sfn
      .on(RedriveExecutionCommand)
      .rejectsOnce(awsError('ExecutionLimitExceeded'))
      .rejectsOnce(awsError('ExecutionDoesNotExist'));
    expect(await runCli(t, [ARN])).toBe(1);
    expect(t.stderr.at(-1)).toContain('reached its limit of running executions');

    expect(await runCli(t, [ARN])).toBe(1);
    expect(t.stderr.at(-1)).toContain('does not exist in this account and region');
  });
});
