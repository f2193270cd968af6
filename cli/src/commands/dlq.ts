/** `keyaudit dlq list | replay | purge`: the dead-letter queues, found from the stack outputs. */

import { InvalidInputError } from '@org-key-audit/functions/core';
import type { Command } from 'commander';
import { defaultContext, type OpsContext } from '../ops/context';
import { peekMessages, purgeQueue, queueCounts, replayAccountFailures } from '../ops/dlq';
import { OperationError } from '../ops/errors';
import { EXIT, EXIT_CODES_HELP, formatAge, formatTable, paint, printJson, runCommand } from '../ops/output';
import { rerunExecutionName } from '../ops/rerun';
import { DEFAULT_STACK_NAME, OUTPUT_KEYS, QUEUE_OUTPUTS, type QueueName, StackResolver } from '../ops/stack';

interface CommonFlags {
  readonly stack: string;
  readonly queueUrl?: string;
  readonly json?: boolean;
}

const QUEUE_NAMES = QUEUE_OUTPUTS.map(([name]) => name);

function queueName(value: string): QueueName {
  if (!(QUEUE_NAMES as readonly string[]).includes(value)) {
    throw new InvalidInputError(`--queue must be one of ${QUEUE_NAMES.join(', ')} (got "${value}").`);
  }
  return value as QueueName;
}

/** The queues to act on: one by name (or URL), or every DLQ the stack exports. */
async function queuesFor(
  stack: StackResolver,
  only: QueueName | undefined,
  queueUrl: string | undefined,
): Promise<{ name: string; url: string }[]> {
  if (queueUrl !== undefined) return [{ name: only ?? 'queue', url: queueUrl }];
  const out: { name: string; url: string }[] = [];
  for (const [name, key] of QUEUE_OUTPUTS) {
    if (only !== undefined && name !== only) continue;
    const url = only === undefined ? await stack.find(key) : await stack.get(key, '--queue-url');
    if (url !== undefined) out.push({ name, url });
  }
  if (out.length === 0) {
    throw new OperationError(`The stack "${stack.stackName}" exports no DLQ URLs.`, {
      fix: 'Pass --queue-url, or redeploy the AuditorStack so it exports the queue URL outputs.',
    });
  }
  return out;
}

export async function dlqListAction(ctx: OpsContext, flags: CommonFlags & { queue?: string; limit: string }) {
  const limit = Number(flags.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw new InvalidInputError(`--limit must be a whole number from 1 to 1000 (got "${flags.limit}").`);
  }
  const stack = new StackResolver(() => ctx.clients().cloudformation, flags.stack);
  const queues = await queuesFor(
    stack,
    flags.queue === undefined ? undefined : queueName(flags.queue),
    flags.queueUrl,
  );
  const now = ctx.now().getTime();
  const result = [];
  for (const queue of queues) {
    const counts = await queueCounts(ctx.clients().sqs, queue.url);
    const messages = counts.visible > 0 ? await peekMessages(ctx.clients().sqs, queue.url, limit) : [];
    const sent = messages.map((m) => m.sentAt?.getTime()).filter((t): t is number => t !== undefined);
    const oldest = sent.length === 0 ? null : new Date(Math.min(...sent));
    result.push({ ...queue, ...counts, oldest, messages });
  }
  if (flags.json === true) {
    printJson(
      ctx.io,
      result.map((q) => ({
        ...q,
        oldest: q.oldest?.toISOString() ?? null,
        messages: q.messages.map(({ receiptHandle: _, ...m }) => m),
      })),
    );
    return EXIT.OK;
  }
  ctx.io.out(
    formatTable(
      ['queue', 'messages', 'in flight', 'oldest'],
      result.map((q) => [
        q.visible > 0 ? paint(ctx.io, 'red', q.name) : q.name,
        String(q.visible),
        String(q.inFlight),
        q.oldest === null ? '-' : formatAge(now - q.oldest.getTime()),
      ]),
    ),
  );
  for (const q of result.filter((r) => r.messages.length > 0)) {
    ctx.io.out(`\n${q.name}:`);
    ctx.io.out(
      formatTable(
        ['account', 'error', 'execution', 'age'],
        q.messages.map((m) => [
          m.accountId ?? '-',
          m.error ?? m.kind,
          m.executionName ?? '-',
          m.sentAt === null ? '-' : formatAge(now - m.sentAt.getTime()),
        ]),
      ),
    );
  }
  if (result.some((q) => q.name === 'account-failures' && q.visible > 0)) {
    ctx.io.err('rerun the failed accounts with: keyaudit dlq replay');
  }
  return EXIT.OK;
}

export async function dlqReplayAction(
  ctx: OpsContext,
  flags: CommonFlags & { stateMachine?: string; dryRun?: boolean; reason?: string; max: string },
) {
  const max = Number(flags.max);
  if (!Number.isInteger(max) || max < 1) {
    throw new InvalidInputError(`--max must be a whole number of messages, at least 1 (got "${flags.max}").`);
  }
  const stack = new StackResolver(() => ctx.clients().cloudformation, flags.stack);
  const queueUrl = await stack.get(OUTPUT_KEYS.accountFailuresQueue, '--queue-url', flags.queueUrl);
  const stateMachineArn = await stack.get(OUTPUT_KEYS.stateMachineArn, '--state-machine', flags.stateMachine);
  const result = await replayAccountFailures({
    sqs: ctx.clients().sqs,
    sfn: ctx.clients().sfn,
    queueUrl,
    stateMachineArn,
    dryRun: flags.dryRun === true,
    reason: flags.reason,
    maxMessages: max,
    nameFor: (input) => rerunExecutionName(input, ctx.now(), ctx.nonce(), 'replay'),
    onProgress: (text) => ctx.io.err(text),
  });
  if (flags.json === true) printJson(ctx.io, result);
  else if (result.execution === null) {
    ctx.io.out(
      `no account failures to replay${result.skipped > 0 ? ` (${result.skipped} other message(s) left in the queue)` : ''}`,
    );
  } else {
    ctx.io.out(
      `started ${result.execution.name} for ${result.accountIds.length} account(s) from ${result.replayed} message(s); deleted ${result.deleted}`,
    );
    ctx.io.out(result.execution.executionArn);
  }
  if (result.notDeleted.length > 0) {
    ctx.io.err(
      `${result.notDeleted.length} replayed message(s) could not be deleted and stay in the queue; the rerun covers them, so run keyaudit dlq replay again later or keyaudit dlq purge --queue account-failures --yes.`,
    );
    return EXIT.PARTIAL;
  }
  return EXIT.OK;
}

export async function dlqPurgeAction(
  ctx: OpsContext,
  flags: CommonFlags & { queue?: string; yes?: boolean },
) {
  if (flags.yes !== true) {
    throw new InvalidInputError(
      'purge deletes every message for good: add --yes to confirm (and --queue NAME to purge only one queue).',
    );
  }
  const stack = new StackResolver(() => ctx.clients().cloudformation, flags.stack);
  const queues = await queuesFor(
    stack,
    flags.queue === undefined ? undefined : queueName(flags.queue),
    flags.queueUrl,
  );
  for (const queue of queues) {
    await purgeQueue(ctx.clients().sqs, queue.url, queue.name);
    ctx.io.err(`purged ${queue.name}`);
  }
  if (flags.json === true) printJson(ctx.io, { purged: queues.map((q) => q.name) });
  else ctx.io.out(`purged ${queues.map((q) => q.name).join(', ')}`);
  return EXIT.OK;
}

export function register(program: Command, context: () => OpsContext = () => defaultContext()): void {
  const dlq = program
    .command('dlq')
    .description('Inspect, replay and purge the dead-letter queues')
    .addHelpText('after', `\nQueues: ${QUEUE_NAMES.join(', ')}\n${EXIT_CODES_HELP}`);
  const common = (cmd: Command) =>
    cmd
      .option(
        '--stack <name>',
        'the deployed AuditorStack, whose outputs name the queues',
        DEFAULT_STACK_NAME,
      )
      .option('--queue-url <url>', 'act on this queue instead of the stack outputs')
      .option('--json', 'machine-readable output');
  const run = (body: (ctx: OpsContext) => Promise<number>) => async () => {
    const ctx = context();
    ctx.setExitCode(await runCommand(ctx.io, () => body(ctx)));
  };

  common(dlq.command('list'))
    .description('Per queue: message count, age of the oldest, and a table of account / error / execution')
    .option('--queue <name>', `only this queue (${QUEUE_NAMES.join(', ')})`)
    .option('--limit <n>', 'messages to show per queue (they stay in the queue)', '100')
    .addHelpText('after', `\nExample:\n  keyaudit dlq list --queue account-failures\n${EXIT_CODES_HELP}`)
    .action((flags) => run((ctx) => dlqListAction(ctx, flags))());

  common(dlq.command('replay'))
    .description('Turn every account-failure message into ONE rerun of those accounts, then delete them')
    .option('--state-machine <arn>', 'state machine ARN (default: the stack output StateMachineArn)')
    .option('--dry-run', 'the rerun sends no email')
    .option('--reason <text>', 'why, shown in the digest')
    .option('--max <n>', 'most messages to collect in one replay', '10000')
    .addHelpText(
      'after',
      `
Messages are deleted only after the rerun started; if anything fails midway they stay in the
queue (exit 2 when some could not be deleted: the rerun covers them).

Example:
  keyaudit dlq replay --reason "audit role fixed in the new OU"
${EXIT_CODES_HELP}`,
    )
    .action((flags) => run((ctx) => dlqReplayAction(ctx, flags))());

  common(dlq.command('purge'))
    .description('Delete every message of the DLQs (or of --queue); needs --yes')
    .option('--queue <name>', `only this queue (${QUEUE_NAMES.join(', ')})`)
    .option('--yes', 'confirm: the messages are gone for good')
    .addHelpText(
      'after',
      `\nExample:\n  keyaudit dlq purge --queue digest-failures --yes\n${EXIT_CODES_HELP}`,
    )
    .action((flags) => run((ctx) => dlqPurgeAction(ctx, flags))());
}
