/** `keyaudit requests [<request-id>]`: the deactivation requests, or one request in full. */
import type { Command } from 'commander';
import { defaultContext, type OpsContext } from '../ops/context';
import { EXIT, formatTable, paint, printJson, runCommand } from '../ops/output';
import { describeRequest, listRequests, type RequestView } from '../ops/remediation';
import {
  addTargetOptions,
  REMEDIATION_EXIT_CODES_HELP,
  type TargetFlags,
  targetOf,
} from '../ops/remediation-command';
import { accountLabel, formatReactivations, formatTime, formatWhy } from '../ops/remediation-format';

export interface RequestsFlags extends TargetFlags {
  readonly json?: boolean;
}

const STATUS_COLOUR = {
  OPEN: 'yellow',
  AWAITING_APPROVAL: 'yellow',
  NOT_STARTED: 'yellow',
  COMPLETED: 'green',
  REJECTED: 'dim',
  EXPIRED: 'dim',
  REFUSED: 'red',
} as const;

function colourStatus(ctx: OpsContext, status: string): string {
  const colour = STATUS_COLOUR[status as keyof typeof STATUS_COLOUR];
  return colour === undefined ? status : paint(ctx.io, colour, status);
}

async function listAction(ctx: OpsContext, flags: RequestsFlags): Promise<number> {
  const { rows, unreadable } = await listRequests(ctx, targetOf(flags));
  for (const bad of unreadable) ctx.io.err(`skipped ${bad.key}: ${bad.problem}`);
  if (flags.json === true) {
    printJson(ctx.io, { requests: rows, unreadable });
    return EXIT.OK;
  }
  if (rows.length === 0) {
    ctx.io.out(
      'no deactivation requests: the daily audit proposes keys once they meet the criteria and their notice days have passed (docs/remediation.md)',
    );
    return EXIT.OK;
  }
  ctx.io.out(
    formatTable(
      ['request', 'status', 'created', 'expires', 'keys', 'deactivated', 'skipped', 'failed'],
      rows.map((r) => [
        r.requestId,
        colourStatus(ctx, r.status) + (r.status !== r.markerStatus ? '*' : ''),
        formatTime(r.createdAt),
        formatTime(r.expiresAt),
        String(r.keys),
        String(r.counts.deactivated),
        String(r.counts.skipped),
        String(r.counts.failed),
      ]),
    ),
  );
  if (rows.some((r) => r.status !== r.markerStatus)) {
    ctx.io.out('*: past its expiry with no decision; it changes nothing and its keys are proposed again');
  }
  if (rows.some((r) => r.markerStatus === 'OPEN' && r.status === 'OPEN')) {
    ctx.io.err('decide with: keyaudit requests <request-id>, then keyaudit approve or keyaudit reject');
  }
  return EXIT.OK;
}

function decisionLine(view: RequestView): string | null {
  const outcome = view.outcome;
  if (outcome?.approval) {
    const a = outcome.approval;
    const narrowed =
      a.only !== null
        ? `, only ${a.only.join(' ')}`
        : a.except !== null
          ? `, except ${a.except.join(' ')}`
          : '';
    return `approved by ${a.approver.arn} at ${formatTime(a.approvedAt)} (${a.keys.length} key(s)${narrowed})`;
  }
  if (outcome?.rejection) {
    const r = outcome.rejection;
    return `rejected by ${r.approver.arn} at ${formatTime(r.rejectedAt)}: "${r.reason}"`;
  }
  return null;
}

function printView(ctx: OpsContext, view: RequestView): void {
  const { io } = ctx;
  const { request, outcome } = view;
  io.out(`request ${view.requestId}: ${colourStatus(ctx, view.status)}`);
  io.out(`  proposed  ${formatTime(request.createdAt)} by ${request.auditExecutionArn}`);
  io.out(`  expires   ${formatTime(request.expiresAt)}`);
  io.out(`  execution ${view.execution.executionArn} (${view.execution.status ?? 'status unknown'})`);
  if (view.approvalStep !== null && outcome === null) {
    io.out(
      `  waiting   since ${formatTime(view.approvalStep.issuedAt)}, until ${formatTime(view.approvalStep.expiresAt)}`,
    );
  }
  const decision = decisionLine(view);
  if (decision !== null) io.out(`  decision  ${decision}`);
  if (outcome !== null) {
    io.out(
      `  closed    ${formatTime(outcome.closedAt)}${outcome.reason === null ? '' : `: ${outcome.reason}`}`,
    );
  }
  io.out(`\nkeys (${view.keys.length}):`);
  io.out(
    formatTable(
      ['account', 'user', 'key', 'why', 'outcome', 'reactivation'],
      view.keys.map((k) => [
        accountLabel(k),
        k.userName,
        k.accessKeyId,
        formatWhy(k.why),
        k.outcome === null ? '-' : k.reason === null ? k.outcome : `${k.outcome}: ${k.reason}`,
        k.reactivation === null
          ? '-'
          : `${k.reactivation.outcome}${k.reactivation.reason ? `: ${k.reactivation.reason}` : ''}`,
      ]),
    ),
  );
  if (view.reactivations.length > 0) {
    io.out('\nreactivations:');
    io.out(formatReactivations(view.reactivations));
  }
  if (view.status === 'AWAITING_APPROVAL') {
    io.err(
      `decide with: keyaudit approve ${view.requestId} [--only <ids> | --except <ids>], or keyaudit reject ${view.requestId} --reason "…"`,
    );
  }
  if (view.keys.some((k) => k.outcome === 'failed') && view.failuresQueueUrl !== null) {
    io.err(
      `the failed keys have messages in the remediation-failures DLQ: keyaudit dlq list --queue-url ${view.failuresQueueUrl}`,
    );
  }
}

export async function requestsAction(
  ctx: OpsContext,
  requestId: string | undefined,
  flags: RequestsFlags,
): Promise<number> {
  if (requestId === undefined) return listAction(ctx, flags);
  const view = await describeRequest(ctx, { requestId, ...targetOf(flags) });
  if (flags.json === true) printJson(ctx.io, view);
  else printView(ctx, view);
  return EXIT.OK;
}

export function register(program: Command, context: () => OpsContext = () => defaultContext()): void {
  addTargetOptions(
    program
      .command('requests')
      .description(
        'List the deactivation requests, or show one: its keys, the decision, each outcome, reactivations',
      )
      .argument('[request-id]', 'show this request in full'),
  )
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Examples:
  keyaudit requests
  keyaudit requests dr-20261202-1a2b3c4d --json
${REMEDIATION_EXIT_CODES_HELP}`,
    )
    .action(async (requestId: string | undefined, flags: RequestsFlags) => {
      const ctx = context();
      ctx.setExitCode(await runCommand(ctx.io, () => requestsAction(ctx, requestId, flags)));
    });
}
