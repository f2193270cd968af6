/**
 * `keyaudit status`: the last executions with their audited / failed / skipped counts, and what
 * is NEW and RESOLVED since the last full run when the run summary says.
 */

import { InvalidInputError } from '@org-key-audit/functions/core';
import type { Command } from 'commander';
import { defaultContext, type OpsContext } from '../ops/context';
import { EXIT, EXIT_CODES_HELP, formatTable, paint, printJson, runCommand } from '../ops/output';
import { DEFAULT_STACK_NAME, OUTPUT_KEYS, StackResolver } from '../ops/stack';
import { recentExecutions } from '../ops/status';

interface StatusFlags {
  readonly last: string;
  readonly stack: string;
  readonly stateMachine?: string;
  readonly json?: boolean;
}

const num = (n: number | null): string => (n === null ? '-' : String(n));
/** NEW / RESOLVED: a count, "n/c" when the run was not comparable, "-" when the summary predates history. */
const change = (n: number | null, row: { readonly notComparable: string | null }): string =>
  n !== null ? String(n) : row.notComparable !== null ? 'n/c' : '-';

export async function statusAction(ctx: OpsContext, flags: StatusFlags): Promise<number> {
  const last = Number(flags.last);
  if (!Number.isInteger(last) || last < 1 || last > 100) {
    throw new InvalidInputError(`--last must be a whole number from 1 to 100 (got "${flags.last}").`);
  }
  const stack = new StackResolver(() => ctx.clients().cloudformation, flags.stack);
  const arn = await stack.get(OUTPUT_KEYS.stateMachineArn, '--state-machine', flags.stateMachine);
  const rows = await recentExecutions(ctx.clients().sfn, arn, last);
  if (flags.json === true) {
    printJson(ctx.io, rows);
    return EXIT.OK;
  }
  if (rows.length === 0) {
    ctx.io.out('no executions yet; start one with keyaudit rerun --all');
    return EXIT.OK;
  }
  const colour = (status: string) =>
    paint(ctx.io, status === 'SUCCEEDED' ? 'green' : status === 'RUNNING' ? 'yellow' : 'red', status);
  ctx.io.out(
    formatTable(
      ['started (UTC)', 'status', 'audited', 'failed', 'skipped', 'findings', 'new', 'resolved', 'execution'],
      rows.map((r) => [
        r.startDate === null ? '-' : r.startDate.slice(0, 16).replace('T', ' '),
        colour(r.status),
        num(r.audited),
        num(r.failed),
        num(r.skipped),
        num(r.findings),
        change(r.new, r),
        change(r.resolved, r),
        r.name,
      ]),
    ),
  );
  if (rows.some((r) => r.notComparable !== null)) {
    ctx.io.out('n/c: not comparable with the last full run (keyaudit status --json gives the reason)');
  }
  return EXIT.OK;
}

export function register(program: Command, context: () => OpsContext = () => defaultContext()): void {
  program
    .command('status')
    .description(
      'Show the last executions: time, status, accounts audited/failed/skipped, findings, new and resolved',
    )
    .option('--last <n>', 'how many executions (1-100)', '10')
    .option('--stack <name>', 'the deployed AuditorStack', DEFAULT_STACK_NAME)
    .option('--state-machine <arn>', 'state machine ARN (default: the stack output StateMachineArn)')
    .option('--json', 'machine-readable output')
    .addHelpText('after', `\nExample:\n  keyaudit status --last 20\n${EXIT_CODES_HELP}`)
    .action(async (flags: StatusFlags) => {
      const ctx = context();
      ctx.setExitCode(await runCommand(ctx.io, () => statusAction(ctx, flags)));
    });
}
