import { DescribeExecutionCommand, ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { register } from '../src/commands/status';
import { executionArn, STATE_MACHINE_ARN, summaryJson, testContext } from './helpers/ops-context';

async function runCli(t: ReturnType<typeof testContext>, args: string[]) {
  const program = new Command().exitOverride();
  register(program, () => t.ctx);
  await program.parseAsync(['node', 'keyaudit', 'status', '--state-machine', STATE_MACHINE_ARN, ...args]);
  return t.exitCodes.at(-1);
}

describe('keyaudit status', () => {
  it('lists executions with totals from each succeeded output, and "-" where there is none', async () => {
    const t = testContext();
    t.mocks.sfn.on(ListExecutionsCommand, { stateMachineArn: STATE_MACHINE_ARN, maxResults: 3 }).resolves({
      executions: [
        {
          executionArn: executionArn('daily-2'),
          stateMachineArn: STATE_MACHINE_ARN,
          name: 'daily-2',
          status: 'RUNNING',
          startDate: new Date('2025-03-04T05:00:00Z'),
        },
        {
          executionArn: executionArn('daily-1'),
          stateMachineArn: STATE_MACHINE_ARN,
          name: 'daily-1',
          status: 'SUCCEEDED',
          startDate: new Date('2025-03-03T05:00:00Z'),
        },
      ],
    });
    t.mocks.sfn
      .on(DescribeExecutionCommand, { executionArn: executionArn('daily-1') })
      .resolves({ status: 'SUCCEEDED', output: summaryJson(['222222222222'], { audited: 7 }) });

    expect(await runCli(t, ['--last', '3'])).toBe(0);

    const lines = t.stdout.join('\n').split('\n');
    expect(lines[0]).toMatch(
      /^started \(UTC\)\s+status\s+audited\s+failed\s+skipped\s+findings\s+new\s+resolved\s+execution$/,
    );
    expect(lines[2]?.split(/\s{2,}/)).toEqual([
      '2025-03-04 05:00',
      'RUNNING',
      '-',
      '-',
      '-',
      '-',
      '-',
      '-',
      'daily-2',
    ]);
    // A summary from before history has no changes: "-" for new and resolved.
    expect(lines[3]?.split(/\s{2,}/)).toEqual([
      '2025-03-03 05:00',
      'SUCCEEDED',
      '7',
      '1',
      '0',
      '4',
      '-',
      '-',
      'daily-1',
    ]);
    // Only the succeeded execution has an output worth reading.
    expect(t.mocks.sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(1);
  });

  it('shows NEW and RESOLVED from the summary, and n/c for a run that was not comparable', async () => {
    const t = testContext();
    const execution = (name: string, day: string) => ({
      executionArn: executionArn(name),
      stateMachineArn: STATE_MACHINE_ARN,
      name,
      status: 'SUCCEEDED' as const,
      startDate: new Date(`2025-03-0${day}T05:00:00Z`),
    });
    t.mocks.sfn.on(ListExecutionsCommand).resolves({
      executions: [execution('daily-4', '4'), execution('rerun-3', '3')],
    });
    const withChanges = (name: string, changes: unknown) =>
      JSON.stringify({ ...JSON.parse(summaryJson([], { executionName: name })), changes });
    t.mocks.sfn.on(DescribeExecutionCommand, { executionArn: executionArn('daily-4') }).resolves({
      status: 'SUCCEEDED',
      output: withChanges('daily-4', {
        comparable: true,
        previousExecution: 'daily-3',
        new: 3,
        resolved: 5,
        stillOpen: 2,
        notRechecked: 0,
      }),
    });
    t.mocks.sfn.on(DescribeExecutionCommand, { executionArn: executionArn('rerun-3') }).resolves({
      status: 'SUCCEEDED',
      output: withChanges('rerun-3', {
        comparable: false,
        reason: 'this run overrides thresholds, so its findings cannot be compared with the last full run',
      }),
    });

    expect(await runCli(t, ['--last', '2'])).toBe(0);
    const lines = t.stdout.join('\n').split('\n');
    expect(lines[2]?.split(/\s{2,}/).slice(-3)).toEqual(['3', '5', 'daily-4']);
    expect(lines[3]?.split(/\s{2,}/).slice(-3)).toEqual(['n/c', 'n/c', 'rerun-3']);
    expect(lines[4]).toBe(
      'n/c: not comparable with the last full run (keyaudit status --json gives the reason)',
    );

    expect(await runCli(t, ['--last', '2', '--json'])).toBe(0);
    const rows = JSON.parse(t.stdout.at(-1) ?? '') as Record<string, unknown>[];
    expect(rows.map((r) => [r['new'], r['resolved'], r['notComparable']])).toEqual([
      [3, 5, null],
      [
        null,
        null,
        'this run overrides thresholds, so its findings cannot be compared with the last full run',
      ],
    ]);
  });

  it('rejects --last outside 1-100', async () => {
    const t = testContext();
    expect(await runCli(t, ['--last', '0'])).toBe(1);
    expect(t.stderr.join('\n')).toContain('--last must be a whole number from 1 to 100');
  });
});
