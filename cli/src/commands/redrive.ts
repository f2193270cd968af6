/** `keyaudit redrive`: resume a failed execution at the step that failed. */
import type { Command } from 'commander';
import { defaultContext, type OpsContext } from '../ops/context';
import { EXIT, EXIT_CODES_HELP, printJson, runCommand } from '../ops/output';
import { redriveExecution } from '../ops/redrive';

export async function redriveAction(
  ctx: OpsContext,
  executionArn: string,
  flags: { json?: boolean },
): Promise<number> {
  const result = await redriveExecution(ctx.clients().sfn, executionArn, ctx.now());
  if (flags.json === true) printJson(ctx.io, result);
  else ctx.io.out(`redriven ${result.executionArn} at ${result.redriveDate}; follow it with keyaudit status`);
  return EXIT.OK;
}

export function register(program: Command, context: () => OpsContext = () => defaultContext()): void {
  program
    .command('redrive')
    .description(
      'Resume a failed, timed-out or aborted execution from the step that failed (same ARN and input)',
    )
    .argument('<executionArn>', 'the execution to resume')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
AWS redrives only Standard executions that stopped in the last 14 days and did not succeed or
exceed the 25,000-event history; otherwise use keyaudit rerun.

Example:
  keyaudit redrive arn:aws:states:eu-west-1:111111111111:execution:AuditOrganization:daily-2025-01-02
${EXIT_CODES_HELP}`,
    )
    .action(async (executionArn: string, flags: { json?: boolean }) => {
      const ctx = context();
      ctx.setExitCode(await runCommand(ctx.io, () => redriveAction(ctx, executionArn, flags)));
    });
}
