/** `keyaudit rerun`: start the audit again for chosen, all, or a previous run's failed accounts. */

import { InvalidInputError } from '@org-key-audit/functions/core';
import type { Command } from 'commander';
import { defaultContext, type OpsContext } from '../ops/context';
import { OperationError } from '../ops/errors';
import { EXIT, EXIT_CODES_HELP, formatAge, paint, printJson, runCommand } from '../ops/output';
import {
  buildRerunInput,
  parseAccountList,
  type RerunSelection,
  rerunExecutionName,
  startExecution,
  waitForExecution,
} from '../ops/rerun';
import { DEFAULT_STACK_NAME, OUTPUT_KEYS, StackResolver } from '../ops/stack';
import { formatSummary, parseSummary, summaryExitCode } from '../ops/summary';

export interface RerunFlags {
  readonly stack: string;
  readonly stateMachine?: string;
  readonly reportBucket?: string;
  readonly accounts?: string;
  readonly failedFrom?: string;
  readonly all?: boolean;
  readonly dryRun?: boolean;
  readonly reason?: string;
  readonly wait?: boolean;
  readonly timeout: string;
  readonly json?: boolean;
}

function selectionOf(flags: RerunFlags): RerunSelection {
  const chosen = [flags.accounts !== undefined, flags.failedFrom !== undefined, flags.all === true].filter(
    Boolean,
  );
  if (chosen.length !== 1) {
    throw new InvalidInputError(
      'choose exactly one of --accounts ID,ID, --failed-from EXECUTION_ARN or --all (see keyaudit rerun --help).',
    );
  }
  if (flags.accounts !== undefined) return { kind: 'accounts', accountIds: parseAccountList(flags.accounts) };
  if (flags.failedFrom !== undefined) return { kind: 'failed-from', executionArn: flags.failedFrom };
  return { kind: 'all' };
}

export async function rerunAction(ctx: OpsContext, flags: RerunFlags): Promise<number> {
  const { io } = ctx;
  const selection = selectionOf(flags);
  const timeoutSeconds = Number(flags.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0) {
    throw new InvalidInputError(
      `--timeout must be a number of seconds greater than 0 (got "${flags.timeout}").`,
    );
  }
  const stack = new StackResolver(() => ctx.clients().cloudformation, flags.stack);
  const clients = ctx.clients();
  const input = await buildRerunInput(
    {
      sfn: clients.sfn,
      s3: clients.s3,
      reportBucket: () => stack.get(OUTPUT_KEYS.reportBucket, '--report-bucket', flags.reportBucket),
    },
    { selection, dryRun: flags.dryRun === true, reason: flags.reason },
  );
  const stateMachineArn = await stack.get(OUTPUT_KEYS.stateMachineArn, '--state-machine', flags.stateMachine);
  const name = rerunExecutionName(input, ctx.now(), ctx.nonce());
  const started = await startExecution(clients.sfn, stateMachineArn, name, input);
  const scope = input.accountIds === undefined ? 'every account' : `${input.accountIds.length} account(s)`;
  io.err(`started ${started.name} for ${scope}${input.dryRun ? ' (dry run: no email)' : ''}`);
  if (flags.wait !== true) {
    if (flags.json === true) printJson(io, { ...started, input });
    else io.out(started.executionArn);
    return EXIT.OK;
  }

  const execution = await waitForExecution(started.executionArn, {
    sfn: clients.sfn,
    sleep: ctx.sleep,
    now: ctx.now,
    timeoutMs: timeoutSeconds * 1000,
    onProgress: (status, elapsed) => io.err(`${status.toLowerCase()} for ${formatAge(elapsed)}...`),
  });
  if (execution.status !== 'SUCCEEDED') {
    if (flags.json === true) {
      printJson(io, { ...started, status: execution.status, error: execution.error, cause: execution.cause });
    }
    throw new OperationError(
      `The execution ${started.name} ended ${execution.status}${execution.error ? ` with ${execution.error}` : ''}${execution.cause ? `: ${execution.cause}` : ''}.`,
      {
        fix: `Read its history in the Step Functions console, then \`keyaudit redrive ${started.executionArn}\` to resume it.`,
      },
    );
  }
  const summary = parseSummary(execution.output, started.executionArn);
  if (flags.json === true) printJson(io, { ...started, status: execution.status, summary });
  else {
    io.out(formatSummary(summary));
    if (summary.totals.failed > 0) {
      io.err(
        paint(
          io,
          'yellow',
          `some accounts failed; rerun them with: keyaudit rerun --failed-from ${started.executionArn}`,
        ),
      );
    }
  }
  return summaryExitCode(summary);
}

export function register(program: Command, context: () => OpsContext = () => defaultContext()): void {
  program
    .command('rerun')
    .description('Start the AuditOrganization workflow again: for chosen accounts, a failed run, or all')
    .option('--accounts <ids>', 'comma-separated 12-digit account ids to audit')
    .option(
      '--failed-from <executionArn>',
      "rerun exactly the accounts that execution's output lists as FAILED",
    )
    .option('--all', 'audit every ACTIVE account of the organization')
    .option('--dry-run', 'build the report but send no email')
    .option('--reason <text>', 'why, shown in the digest and the execution input (up to 500 characters)')
    .option('--wait', 'wait for the result and print the digest summary')
    .option('--timeout <seconds>', 'with --wait: give up waiting after this long', '3600')
    .option(
      '--stack <name>',
      'the deployed AuditorStack, whose outputs name the resources',
      DEFAULT_STACK_NAME,
    )
    .option('--state-machine <arn>', 'state machine ARN (default: the stack output StateMachineArn)')
    .option('--report-bucket <name>', 'report bucket (default: the stack output ReportBucketName)')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Examples:
  keyaudit rerun --failed-from arn:aws:states:eu-west-1:111111111111:execution:AuditOrganization:daily-2025-01-02 --wait
  keyaudit rerun --accounts 123456789012,210987654321 --reason "role fixed" --dry-run
  keyaudit rerun --all --wait --json
${EXIT_CODES_HELP}`,
    )
    .action(async (flags: RerunFlags) => {
      const ctx = context();
      ctx.setExitCode(await runCommand(ctx.io, () => rerunAction(ctx, flags)));
    });
}
