/** `keyaudit reject`: close a deactivation request without changing any key. */
import type { Command } from 'commander';
import { defaultContext } from '../ops/context';
import { EXIT, printJson, runCommand } from '../ops/output';
import { MAX_REASON_LENGTH, type RemediationContext, rejectRequest } from '../ops/remediation';
import {
  addTargetOptions,
  REMEDIATION_EXIT_CODES_HELP,
  type TargetFlags,
  targetOf,
} from '../ops/remediation-command';

export interface RejectFlags extends TargetFlags {
  readonly reason?: string;
  readonly json?: boolean;
}

export async function rejectAction(
  ctx: RemediationContext,
  requestId: string,
  flags: RejectFlags,
): Promise<number> {
  const result = await rejectRequest(ctx, { requestId, reason: flags.reason, ...targetOf(flags) });
  if (flags.json === true) printJson(ctx.io, result);
  else {
    ctx.io.out(`rejected ${requestId} as ${result.decision.approver.arn}: no key of it will be changed`);
    ctx.io.err(`follow it with: keyaudit requests ${requestId}`);
  }
  return EXIT.OK;
}

export function register(program: Command, context: () => RemediationContext = () => defaultContext()): void {
  addTargetOptions(
    program
      .command('reject')
      .description('Reject a deactivation request: it closes REJECTED and no key is changed')
      .argument('<request-id>', 'the request, as the approval notice names it (dr-YYYYMMDD-xxxxxxxx)')
      // Checked by the command, not commander: its message can say what a good reason is.
      .option(
        '--reason <text>',
        `why (required, 1-${MAX_REASON_LENGTH} characters; recorded and shown in the digest)`,
      ),
  )
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Sends Step Functions SendTaskFailure (error RequestRejected) with your identity and the reason.

Example:
  keyaudit reject dr-20261202-1a2b3c4d --reason "CI keys, rotation planned in SEC-142"
${REMEDIATION_EXIT_CODES_HELP}`,
    )
    .action(async (requestId: string, flags: RejectFlags) => {
      const ctx = context();
      ctx.setExitCode(await runCommand(ctx.io, () => rejectAction(ctx, requestId, flags)));
    });
}
