/**
 * `keyaudit demo` (= `pnpm start`): the product's main job on the embedded default, a generated
 * organization on the local emulator, run through the real state machine and the real handlers:
 * yesterday's audit, the key changes people make overnight, and today's audit, whose digest
 * leads with what changed (workflow/demo-days.ts). `--single-day` runs today's audit alone.
 * `--remediation` shows approval-gated deactivation instead (workflow/demo-remediation.ts).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { type RunningEmulator, startEmulator } from '@org-key-audit/emulator';
import { InvalidInputError } from '@org-key-audit/functions/core';
import {
  AUDITOR_STACK_NAME,
  auditOrganizationHost,
  type HostAuditOptions,
  runLocalAudit,
  STACK_OUTPUTS,
} from '@org-key-audit/statemachine';
import { type Command, Option } from 'commander';
import { EXIT, type Io, paint, processIo, runCommand } from '../ops/output';
import {
  changeKeysOvernight,
  type DemoChanges,
  type DemoRouting,
  demoExemptions,
  subscribeDemoOwners,
} from '../workflow/demo-days';
import { type RemediationDemoSummary, runRemediationDemo } from '../workflow/demo-remediation';
import { parseIntegerOption } from '../workflow/options';
import { progressReporter } from '../workflow/progress';
import { runReport } from '../workflow/report-files';

const DAY_MS = 86_400_000;

/** What each mailbox received from today's run: out/mail/<address>.txt, the security team's too. */
async function saveOwnerMail(
  emulator: RunningEmulator,
  routing: DemoRouting,
  out: string,
  publishedBefore: number,
): Promise<string[]> {
  const todays = new Set(
    emulator.messaging
      .published()
      .slice(publishedBefore)
      .map((m) => m.messageId),
  );
  const mailboxes = [
    ['security-team', routing.securitySubscription] as const,
    ...[...routing.subscriptions.entries()],
  ];
  const dir = join(out, 'mail');
  await mkdir(resolve(dir), { recursive: true });
  const written: string[] = [];
  for (const [name, subscription] of mailboxes) {
    const mail = emulator.messaging.deliveries(subscription).filter((d) => todays.has(d.messageId));
    if (mail.length === 0) continue;
    const path = join(dir, `${name.replace(/[^\w.@-]/g, '_')}.txt`);
    await writeFile(
      resolve(path),
      mail.map((m) => `To: ${m.endpoint}\nSubject: ${m.subject ?? ''}\n\n${m.message}`).join('\n\n'),
    );
    written.push(path);
  }
  return written;
}

export interface DemoOptions {
  readonly accounts: number;
  readonly users: number;
  readonly seed: number;
  readonly out: string;
  readonly dryRun: boolean;
  readonly json: boolean;
  /** Only today's audit: no history, so no NEW / RESOLVED. A dry run is always a single day. */
  readonly singleDay?: boolean;
  /** Import the findings into the emulator's Security Hub (both days), and say what it holds. */
  readonly securityHub?: boolean;
  /** Writes the emulator's planted expectations here (what the e2e test compares against). */
  readonly expectOut?: string;
  /**
   * Keep the emulator running after the demo, serving the AuditOrganization state machine (Step
   * Functions backed by the local runner) and the auditor stack's outputs (CloudFormation), so
   * the operations commands can be tried against it; today's audit is started through it.
   */
  readonly serve?: boolean;
  /** The emulator's port with `serve`. @default a free one */
  readonly port?: number;
  /** Resolves when the served emulator should stop (tests); @default SIGINT or SIGTERM */
  readonly until?: Promise<void>;
  /**
   * Approval-gated deactivation end to end on a small planted organization of its own: two
   * audits 8 days apart, an approval, a reactivation (workflow/demo-remediation.ts).
   */
  readonly remediation?: boolean;
}

export interface DemoResult {
  readonly exitCode: number;
  readonly executionName: string;
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output: unknown;
  readonly files: readonly string[];
  /** With `remediation`: what was proposed, approved, deactivated, skipped and reactivated. */
  readonly remediation?: RemediationDemoSummary | null;
}

/** The flags that mean nothing with --remediation, which plants and runs its own two days. */
const NOT_WITH_REMEDIATION = ['dryRun', 'serve', 'singleDay', 'securityHub', 'port', 'expectOut'] as const;
const FLAG_NAMES: Record<(typeof NOT_WITH_REMEDIATION)[number], string> = {
  dryRun: '--dry-run',
  serve: '--serve',
  singleDay: '--single-day',
  securityHub: '--security-hub',
  port: '--port',
  expectOut: '--expect-out',
};

/** What `keyaudit demo` writes into `--out`, read back from the emulator's report bucket. */

export async function runDemo(options: DemoOptions, io: Io, isTty: boolean): Promise<DemoResult> {
  if (options.remediation === true) {
    const given = NOT_WITH_REMEDIATION.filter((k) => options[k] !== undefined && options[k] !== false);
    if (given.length > 0) {
      throw new InvalidInputError(
        `--remediation cannot be combined with ${given.map((k) => FLAG_NAMES[k]).join(', ')}: it plants its own organization and runs both audits itself.`,
      );
    }
    return runRemediationDemo({ out: options.out, json: options.json }, io, isTty);
  }
  const twoDays = options.singleDay !== true && !options.dryRun;
  const todayMs = Date.now();
  // The served state machine runs each execution with the demo's settings, known once it starts.
  const served: { options?: HostAuditOptions } = {};
  const host =
    options.serve === true
      ? auditOrganizationHost(() => {
          if (served.options === undefined) throw new Error('the demo has not configured the audit yet');
          return served.options;
        })
      : undefined;
  const emulator = await startEmulator({
    accounts: options.accounts,
    users: options.users,
    seed: options.seed,
    owners: true,
    ...(twoDays ? { now: new Date(todayMs - DAY_MS) } : {}),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(host === undefined ? {} : { stepFunctions: { stateMachines: [host] } }),
  });
  try {
    if (options.expectOut !== undefined) {
      // What the organization holds today, as planted (before the overnight changes, which the
      // demo writes to demo-changes.json for whoever checks the result).
      const expected = twoDays
        ? emulator.organization.expectedWith({}, new Date(todayMs))
        : emulator.expected;
      await mkdir(dirname(resolve(options.expectOut)), { recursive: true });
      await writeFile(options.expectOut, `${JSON.stringify(expected, null, 2)}\n`);
    }
    const result = await auditDemoOrganization(emulator, options, io, isTty, twoDays, served);
    if (options.serve === true && result.exitCode === EXIT.OK)
      await serveUntilStopped(emulator, result, io, options);
    return result;
  } finally {
    await emulator.stop();
  }
}

/** The auditor stack as CDK writes it, pointing at the emulator's own resources. */
function putAuditorStack(emulator: RunningEmulator): void {
  const { resources } = emulator;
  emulator.cloudFormation.putStack({
    name: AUDITOR_STACK_NAME,
    outputs: {
      [STACK_OUTPUTS.stateMachineArn]: emulator.stepFunctions.stateMachineArn(STATE_MACHINE),
      [STACK_OUTPUTS.reportBucket]: resources.reportBucket,
      [STACK_OUTPUTS.digestTopic]: resources.digestTopicArn,
      [STACK_OUTPUTS.accountFailuresQueue]: resources.queues.accountFailures,
      [STACK_OUTPUTS.digestFailuresQueue]: resources.queues.digestFailures,
      [STACK_OUTPUTS.executionFailuresQueue]: resources.queues.executionFailures,
      [STACK_OUTPUTS.schedulerDlq]: resources.queues.scheduler,
    },
  });
}

/** Prints what to export and a few commands, then serves until Ctrl-C (or `until`). */
async function serveUntilStopped(
  emulator: RunningEmulator,
  result: DemoResult,
  io: Io,
  options: DemoOptions,
): Promise<void> {
  const { auditor } = emulator;
  const arn = `arn:aws:states:${emulator.region}:${emulator.auditAccountId}:execution:${STATE_MACHINE}:${result.executionName}`;
  io.err(
    [
      '',
      `The emulator keeps running on ${emulator.url}, serving the AuditOrganization state machine and the ${AUDITOR_STACK_NAME} stack. In another shell:`,
      '',
      `  export AWS_ENDPOINT_URL=${emulator.url} AWS_REGION=${emulator.region} AWS_ACCESS_KEY_ID=${auditor.accessKeyId} AWS_SECRET_ACCESS_KEY=${auditor.secretAccessKey}`,
      '  pnpm keyaudit status',
      `  pnpm keyaudit rerun --failed-from ${arn} --wait`,
      '  pnpm keyaudit dlq list',
      '  pnpm keyaudit dlq replay',
      `  pnpm keyaudit redrive <the ARN of a FAILED execution>`,
      '',
      'Ctrl-C stops it.',
    ].join('\n'),
  );
  await (options.until ??
    new Promise<void>((done) => {
      process.once('SIGINT', () => done());
      process.once('SIGTERM', () => done());
    }));
  io.err('stopping the emulator');
}

const STATE_MACHINE = 'AuditOrganization';
const POLL_MS = 200;

/** Today's audit through the emulator's Step Functions, so `keyaudit status` lists it. */
async function startServed(
  emulator: RunningEmulator,
  executionName: string,
  input: unknown,
): Promise<{ status: 'SUCCEEDED' | 'FAILED'; output?: unknown; error?: string; cause?: string }> {
  const sfn = new SFNClient({
    region: emulator.region,
    endpoint: emulator.url,
    credentials: emulator.auditor,
  });
  try {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: emulator.stepFunctions.stateMachineArn(STATE_MACHINE),
        name: executionName,
        input: JSON.stringify(input),
      }),
    );
    for (;;) {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (described.status !== 'RUNNING' && described.status !== 'PENDING_REDRIVE') {
        return described.status === 'SUCCEEDED'
          ? { status: 'SUCCEEDED', output: JSON.parse(described.output ?? 'null') as unknown }
          : {
              status: 'FAILED',
              ...(described.error === undefined ? {} : { error: described.error }),
              ...(described.cause === undefined ? {} : { cause: described.cause }),
            };
      }
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
  } finally {
    sfn.destroy();
  }
}

async function auditDemoOrganization(
  emulator: RunningEmulator,
  options: DemoOptions,
  io: Io,
  isTty: boolean,
  twoDays: boolean,
  served: { options?: HostAuditOptions },
): Promise<DemoResult> {
  const stamp = (ms: number) =>
    new Date(ms)
      .toISOString()
      .replace(/[-:.TZ]/g, '')
      .slice(0, 14);
  const routing = await subscribeDemoOwners(emulator);
  const yesterdayMs = emulator.clock.nowMs();
  const exemptions = twoDays ? demoExemptions(emulator, yesterdayMs) : [];
  const settings: HostAuditOptions = {
    aws: { region: emulator.region, endpoint: emulator.url, credentials: emulator.auditor },
    reportBucket: emulator.resources.reportBucket,
    queues: {
      accountFailures: emulator.resources.queues.accountFailures,
      digestFailures: emulator.resources.queues.digestFailures,
      executionFailures: emulator.resources.queues.executionFailures,
    },
    digestTopicArn: emulator.resources.digestTopicArn,
    roleName: emulator.roleName,
    owners: routing.owners,
    exemptions,
    ...(options.securityHub === true ? { securityHub: { enabled: true } } : {}),
    now: () => emulator.clock.now(),
  };
  if (options.serve === true) {
    served.options = settings;
    putAuditorStack(emulator);
  }
  const input = options.dryRun ? { dryRun: true, reason: 'keyaudit demo' } : { reason: 'keyaudit demo' };
  const audit = async (executionName: string, day: string, viaStepFunctions = false) => {
    io.err(
      `emulator on ${emulator.url}: ${emulator.expected.accounts.length} accounts, seed ${options.seed}; ` +
        `running the audit workflow for ${day} (${executionName}${viaStepFunctions ? ", through the emulator's Step Functions" : ''})`,
    );
    if (viaStepFunctions) return { ...(await startServed(emulator, executionName, input)), metrics: null };
    const progress = progressReporter({ write: (text) => process.stderr.write(text), isTty });
    const result = await runLocalAudit({ ...settings, input, executionName, onProgress: progress.update });
    progress.finish();
    return result;
  };
  const failed = (
    result: { error?: string | undefined; cause?: string | undefined },
    executionName: string,
  ) => {
    io.err(
      `${paint(io, 'red', 'the audit failed:')} ${result.error ?? 'unknown error'}: ${result.cause ?? ''}`,
    );
    return { exitCode: EXIT.ERROR, executionName, status: 'FAILED' as const, output: null, files: [] };
  };

  let changes: DemoChanges | null = null;
  if (twoDays) {
    const yesterday = `demo-${stamp(yesterdayMs)}`;
    const first = await audit(yesterday, 'yesterday');
    if (first.status === 'FAILED') return failed(first, yesterday);
    changes = changeKeysOvernight(emulator, yesterdayMs, exemptions);
    io.err(
      'overnight: ' +
        [
          changes.rotated && `${changes.rotated.userName} rotated a key`,
          changes.deactivated && `${changes.deactivated.userName} deactivated one`,
          changes.exemptionExpired && `${changes.exemptionExpired.userName}'s exemption ran out`,
          changes.newUser &&
            `${changes.newUser.userName} appeared with a ${changes.newUser.ageDays}-day-old key`,
        ]
          .filter(Boolean)
          .join(', '),
    );
  }
  const executionName = `demo-${stamp(emulator.clock.nowMs())}`;
  const publishedBefore = emulator.messaging.published().length;
  const result = await audit(executionName, 'today', options.serve === true);
  if (result.status === 'FAILED') return failed(result, executionName);

  const report = runReport(emulator, emulator.resources.reportBucket, executionName);
  const files = await report.save(options.out);
  files.push(...(await saveOwnerMail(emulator, routing, options.out, publishedBefore)));
  if (options.securityHub === true) {
    const held = emulator.securityHub.findings(emulator.auditAccountId, emulator.region);
    const active = held.filter((f) => f['RecordState'] !== 'ARCHIVED').length;
    io.err(
      `Security Hub (audit account ${emulator.auditAccountId}, ${emulator.region}): ${active} active findings, ` +
        `${held.length - active} archived (resolved since yesterday); findings.asff.json has today's`,
    );
  }
  if (routing.unrouted.length > 0) {
    // Nothing is sent to an owner without an address: the security team's digest names them.
    io.err(`unrouted (no address, no mail): ${routing.unrouted.join(', ')}`);
  }
  if (changes !== null) {
    const path = join(options.out, 'demo-changes.json');
    await writeFile(resolve(path), `${JSON.stringify(changes, null, 2)}\n`);
    files.push(path);
  }
  const published = emulator.messaging
    .published()
    .slice(publishedBefore)
    .find((m) => m.attributes?.['owner'] === undefined);
  if (options.json) {
    io.out(JSON.stringify(result.output, null, 2));
  } else if (published) {
    io.out(`Subject: ${published.subject ?? ''}\n\n${published.message}`);
  } else {
    io.out(`(dry run: nothing was published)\n\n${report.text('digest.txt') ?? ''}`);
  }
  io.err(
    `wrote ${files.join(', ')}` +
      (result.metrics === null
        ? ''
        : `; states entered ${result.metrics.statesEntered}, largest state payload ${result.metrics.largestPayloadBytes} bytes`),
  );
  return { exitCode: EXIT.OK, executionName, status: result.status, output: result.output, files };
}

export function register(program: Command): void {
  program
    .command('demo')
    .description(
      'Audit a generated organization on the local AWS emulator through the real workflow, print the digest ' +
        'as the email would read, and write the full report to --out',
    )
    .addOption(new Option('--accounts <n>', 'accounts in the generated organization').default(50))
    .addOption(new Option('--users <n>', 'IAM users in every active account').default(8))
    .addOption(
      new Option('--seed <n>', 'generator seed: the same seed gives the same organization').default(7),
    )
    .option(
      '--out <dir>',
      'where report.json, report.csv, report.html, findings.asff.json and digest.txt go',
      './out',
    )
    .option('--dry-run', 'build the digest but do not publish it (a single day)', false)
    .option('--single-day', 'audit today only: no yesterday, so no NEW / RESOLVED', false)
    .option(
      '--security-hub',
      "also import the findings into the emulator's Security Hub, and archive the resolved ones",
      false,
    )
    .option(
      '--serve',
      "keep the emulator running afterwards, with the AuditOrganization state machine and the auditor stack's outputs, to try the operations commands",
      false,
    )
    .option('--port <n>', 'the emulator port with --serve (default: a free one)')
    .addOption(
      new Option(
        '--remediation',
        'show approval-gated deactivation instead: a small planted organization audited twice, 8 days apart, a request approved and one key reactivated; files in --out/remediation',
      ).conflicts([
        'accounts',
        'users',
        'seed',
        'dryRun',
        'singleDay',
        'securityHub',
        'serve',
        'port',
        'expectOut',
      ]),
    )
    .option(
      '--json',
      'print the execution output (the digest summary; with --remediation, remediation-demo.json) as JSON instead of the email',
      false,
    )
    .option(
      '--expect-out <file>',
      "write the emulator's planted expectations (findings by account, user, key) here",
    )
    .action(async (raw: Record<string, unknown>) => {
      const io = processIo();
      process.exitCode = await runCommand(io, async () => {
        const options: DemoOptions = {
          accounts: parseIntegerOption('--accounts', raw['accounts'], 3, 10_000),
          users: parseIntegerOption('--users', raw['users'], 0, 10_000),
          seed: parseIntegerOption('--seed', raw['seed'], 0, 2 ** 31 - 1),
          out: String(raw['out']),
          dryRun: raw['dryRun'] === true,
          json: raw['json'] === true,
          singleDay: raw['singleDay'] === true,
          securityHub: raw['securityHub'] === true,
          serve: raw['serve'] === true,
          remediation: raw['remediation'] === true,
          ...(raw['port'] === undefined
            ? {}
            : { port: parseIntegerOption('--port', raw['port'], 1, 65_535) }),
          ...(typeof raw['expectOut'] === 'string' ? { expectOut: raw['expectOut'] } : {}),
        };
        return (await runDemo(options, io, process.stderr.isTTY === true)).exitCode;
      });
    });
}
