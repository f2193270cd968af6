/** `keyaudit approve`: approve a deactivation request (all its keys, or --only / --except some). */
import { InvalidInputError } from '@org-key-audit/functions/core';
import type { Command } from 'commander';
import { defaultContext } from '../ops/context';
import { OperationError } from '../ops/errors';
import { EXIT, formatAge, printJson, runCommand } from '../ops/output';
import {
  type ApproveResult,
  planApproval,
  type RemediationContext,
  type RemediationTarget,
  sendApproval,
  waitForOutcome,
} from '../ops/remediation';
import {
  addTargetOptions,
  type Confirm,
  parseTimeoutMs,
  REMEDIATION_EXIT_CODES_HELP,
  type TargetFlags,
  targetOf,
  terminalConfirm,
} from '../ops/remediation-command';
import { formatKeyOutcomes, formatProposedKeys, formatTime, outcomeCounts } from '../ops/remediation-format';

export interface ApproveFlags extends TargetFlags {
  readonly only?: string[];
  readonly except?: string[];
  readonly yes?: boolean;
  readonly wait?: boolean;
  readonly timeout: string;
  readonly json?: boolean;
}

/** --wait: how the request ended, with each key's outcome; the exit code follows the outcome. */
async function followOutcome(
  ctx: RemediationContext,
  target: RemediationTarget,
  result: ApproveResult,
  timeoutMs: number,
  json: boolean,
): Promise<number> {
  const outcome = await waitForOutcome(ctx, target, result.requestId, {
    timeoutMs,
    onProgress: (elapsed) => ctx.io.err(`waiting for the outcome (${formatAge(elapsed)})...`),
  });
  const counts = outcomeCounts(outcome);
  const code = outcome.status !== 'COMPLETED' ? EXIT.ERROR : counts.failed > 0 ? EXIT.PARTIAL : EXIT.OK;
  if (json) {
    printJson(ctx.io, { ...result, outcome });
    return code;
  }
  ctx.io.out(
    `request ${outcome.requestId} ${outcome.status} at ${formatTime(outcome.closedAt)}: ${counts.deactivated} deactivated, ${counts.skipped} skipped, ${counts.failed} failed${outcome.reason === null ? '' : ` (${outcome.reason})`}`,
  );
  if (outcome.outcomes.length > 0) ctx.io.out(formatKeyOutcomes(outcome.outcomes));
  if (counts.deactivated > 0) {
    ctx.io.err(`undo one with: keyaudit reactivate ${outcome.requestId} --key <access key id>`);
  }
  if (counts.failed > 0) {
    ctx.io.err(
      'the failed keys are unchanged; each has a message in the remediation-failures DLQ to retry it',
    );
  }
  return code;
}

export async function approveAction(
  ctx: RemediationContext,
  requestId: string,
  flags: ApproveFlags,
  confirm: Confirm | null,
): Promise<number> {
  const timeoutMs = parseTimeoutMs(flags.timeout);
  const plan = await planApproval(ctx, {
    requestId,
    only: flags.only,
    except: flags.except,
    ...targetOf(flags),
  });
  const { io } = ctx;
  io.err(
    `request ${requestId}: ${plan.keys.length} of ${plan.request.keys.length} key(s) will be deactivated (set Inactive, never deleted), waiting for a decision until ${formatTime(plan.task.expiresAt)}:`,
  );
  io.err(formatProposedKeys(plan.keys));
  if (flags.yes !== true) {
    if (confirm === null) {
      throw new InvalidInputError(
        `approve asks for confirmation and stdin is not a terminal: add --yes to approve these ${plan.keys.length} key(s) without asking. Nothing was sent.`,
      );
    }
    if (!(await confirm(`Deactivate these ${plan.keys.length} key(s)? [y/N] `))) {
      throw new OperationError('Not approved.', {
        fix: 'Nothing was sent; the request still waits for a decision.',
      });
    }
  }
  const result = await sendApproval(ctx, plan);
  const approver = result.decision.approver.arn;
  if (flags.wait === true) {
    io.err(`approved ${requestId}: ${result.decision.keys.length} key(s), as ${approver}`);
    return followOutcome(ctx, plan.target, result, timeoutMs, flags.json === true);
  }
  if (flags.json === true) printJson(io, result);
  else {
    io.out(`approved ${requestId}: ${result.decision.keys.length} key(s), as ${approver}`);
    io.err(`follow it with: keyaudit requests ${requestId}`);
  }
  return EXIT.OK;
}

export function register(
  program: Command,
  context: () => RemediationContext = () => defaultContext(),
  confirm: () => Confirm | null = terminalConfirm,
): void {
  addTargetOptions(
    program
      .command('approve')
      .description(
        'Approve a deactivation request: the workflow then deactivates its keys (never deletes them)',
      )
      .argument('<request-id>', 'the request, as the approval notice names it (dr-YYYYMMDD-xxxxxxxx)')
      .option(
        '--only <ids...>',
        'approve only these access key ids of the request (space- or comma-separated)',
      )
      .option('--except <ids...>', 'approve every key of the request but these')
      .option('--yes', 'do not ask for confirmation (needed when stdin is not a terminal)')
      .option('--wait', "wait for the workflow to record the outcome, then print each key's")
      .option('--timeout <seconds>', 'with --wait: give up waiting after this long', '900'),
  )
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Reads the request and its approval token from the report bucket, shows the keys, asks, and
sends Step Functions SendTaskSuccess with your identity (STS GetCallerIdentity) and the keys.
Each key is checked again before it is deactivated: one used, rotated or exempted since it was
proposed is skipped, with the reason. Undo one with keyaudit reactivate.

Examples:
  keyaudit approve dr-20261202-1a2b3c4d
  keyaudit approve dr-20261202-1a2b3c4d --except AKIAIOSFODNN7EXAMPLE --yes --wait
${REMEDIATION_EXIT_CODES_HELP}`,
    )
    .action(async (requestId: string, flags: ApproveFlags) => {
      const ctx = context();
      ctx.setExitCode(await runCommand(ctx.io, () => approveAction(ctx, requestId, flags, confirm())));
    });
}
