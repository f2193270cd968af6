/** `keyaudit reactivate`: set a key a request deactivated back to Active, through the workflow. */
import type { KeyOutcome } from '@org-key-audit/functions/core';
import type { Command } from 'commander';
import { defaultContext } from '../ops/context';
import { OperationError } from '../ops/errors';
import { EXIT, formatAge, printJson, runCommand } from '../ops/output';
import {
  checkReactivation,
  type ReactivateResult,
  type ReactivationEnd,
  type RemediationContext,
  resolveTarget,
  startReactivation,
  waitForReactivation,
} from '../ops/remediation';
import {
  addTargetOptions,
  parseTimeoutMs,
  REMEDIATION_EXIT_CODES_HELP,
  type TargetFlags,
  targetOf,
} from '../ops/remediation-command';
import { describeKeyOutcome, formatTime } from '../ops/remediation-format';

export interface ReactivateFlags extends TargetFlags {
  readonly key: string;
  readonly wait?: boolean;
  readonly timeout: string;
  readonly json?: boolean;
}

/** Active again, or it already was: the operator's goal holds either way. */
const achieved = (outcome: KeyOutcome) =>
  outcome.outcome === 'reactivated' ||
  (outcome.outcome === 'skipped' && outcome.reason?.startsWith('already-active') === true);

function manualFix(outcome: KeyOutcome): string {
  return `Step Functions runs one reactivation per request and key; set it Active in IAM instead: aws iam update-access-key --user-name ${outcome.userName} --access-key-id ${outcome.accessKeyId} --status Active (in account ${outcome.accountId}).`;
}

function endCode(
  ctx: RemediationContext,
  result: ReactivateResult,
  end: ReactivationEnd,
  json: boolean,
): number {
  if (json) {
    printJson(ctx.io, { ...result, end });
    return end.kind === 'recorded' && achieved(end.record.outcome) ? EXIT.OK : EXIT.ERROR;
  }
  if (end.kind === 'unrecorded') {
    throw new OperationError(
      `the reactivation of ${result.accessKeyId} (execution ${result.executionArn}) ended ${end.status} without recording a reactivation: ${end.reason}.`,
      { fix: 'Its execution history in the Step Functions console says what happened to the key.' },
    );
  }
  const { outcome } = end.record;
  ctx.io.out(
    `key ${result.accessKeyId} (${outcome.userName} in ${outcome.accountId}): ${describeKeyOutcome(outcome)}`,
  );
  if (achieved(outcome)) return EXIT.OK;
  throw new OperationError(
    `the reactivation of ${result.accessKeyId} did not set it Active: ${describeKeyOutcome(outcome)}.`,
    {
      fix: manualFix(outcome),
    },
  );
}

export async function reactivateAction(
  ctx: RemediationContext,
  requestId: string,
  flags: ReactivateFlags,
): Promise<number> {
  const timeoutMs = parseTimeoutMs(flags.timeout);
  const json = flags.json === true;
  const options = { requestId, accessKeyId: flags.key };
  checkReactivation(options);
  const target = await resolveTarget(ctx, targetOf(flags));
  const result = await startReactivation(ctx, target, options);
  const wait = async () => {
    const end = await waitForReactivation(ctx, target, result, {
      timeoutMs,
      onProgress: (elapsed) => ctx.io.err(`reactivating (${formatAge(elapsed)})...`),
    });
    return endCode(ctx, result, end, json);
  };

  if (result.kind === 'started') {
    ctx.io.err(
      `started the reactivation of ${result.accessKeyId} (request ${requestId}) as ${result.requestedBy.arn}`,
    );
    if (flags.wait === true) return wait();
    if (json) printJson(ctx.io, result);
    else {
      ctx.io.out(result.executionArn);
      ctx.io.err(`follow it with: keyaudit requests ${requestId}`);
    }
    return EXIT.OK;
  }

  if (result.earlier !== null) {
    const { requestedBy, outcome } = result.earlier;
    const sentence = `key ${result.accessKeyId} was already reactivated by ${requestedBy.arn} at ${formatTime(outcome.at)} (${describeKeyOutcome(outcome)})`;
    if (json) printJson(ctx.io, result);
    if (achieved(outcome)) {
      if (!json) ctx.io.out(`${sentence}; nothing new was started`);
      return EXIT.OK;
    }
    if (json) return EXIT.ERROR;
    throw new OperationError(`${sentence}, and it did not set the key Active.`, { fix: manualFix(outcome) });
  }
  if (result.status === 'RUNNING') {
    ctx.io.err(`a reactivation of ${result.accessKeyId} is already running: ${result.executionArn}`);
    if (flags.wait === true) return wait();
    if (json) printJson(ctx.io, result);
    else ctx.io.out(result.executionArn);
    return EXIT.OK;
  }
  throw new OperationError(
    `a reactivation of ${result.accessKeyId} was started before (execution ${result.executionArn}, ${result.status ?? 'status unknown'}) and recorded no outcome.`,
    {
      fix: 'Its execution history says why; Step Functions runs one reactivation per request and key, so set it Active in IAM if it must be (aws iam update-access-key --status Active).',
    },
  );
}

export function register(program: Command, context: () => RemediationContext = () => defaultContext()): void {
  addTargetOptions(
    program
      .command('reactivate')
      .description('Set a key that a request deactivated back to Active (through the RemediateKeys workflow)')
      .argument('<request-id>', 'the request that deactivated the key')
      .requiredOption('--key <access-key-id>', 'the access key id to reactivate')
      .option('--wait', 'wait for the workflow and print the outcome')
      .option('--timeout <seconds>', 'with --wait: give up waiting after this long', '900'),
  )
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Only a key this request deactivated, and only while it is still the same key and Inactive.
One reactivation per request and key: a second one is refused and the first one is shown.

Example:
  keyaudit reactivate dr-20261202-1a2b3c4d --key AKIAIOSFODNN7EXAMPLE --wait
${REMEDIATION_EXIT_CODES_HELP}`,
    )
    .action(async (requestId: string, flags: ReactivateFlags) => {
      const ctx = context();
      ctx.setExitCode(await runCommand(ctx.io, () => reactivateAction(ctx, requestId, flags)));
    });
}
