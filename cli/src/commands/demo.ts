/**
 * `keyaudit demo` (= `pnpm start`): the product's main job on the embedded default, a generated
 * organization on the local emulator, run through the real state machine and the real handlers:
 * yesterday's audit, the key changes people make overnight, and today's audit, whose digest
 * leads with what changed (workflow/demo-days.ts). `--single-day` runs today's audit alone.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { type RunningEmulator, startEmulator } from '@org-key-audit/emulator';
import { runLocalAudit } from '@org-key-audit/statemachine';
import { type Command, Option } from 'commander';
import { EXIT, type Io, paint, processIo, runCommand } from '../ops/output';
import {
  changeKeysOvernight,
  type DemoChanges,
  type DemoRouting,
  demoExemptions,
  subscribeDemoOwners,
} from '../workflow/demo-days';
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
}

export interface DemoResult {
  readonly exitCode: number;
  readonly executionName: string;
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output: unknown;
  readonly files: readonly string[];
}

/** What `keyaudit demo` writes into `--out`, read back from the emulator's report bucket. */

export async function runDemo(options: DemoOptions, io: Io, isTty: boolean): Promise<DemoResult> {
  const twoDays = options.singleDay !== true && !options.dryRun;
  const todayMs = Date.now();
  const emulator = await startEmulator({
    accounts: options.accounts,
    users: options.users,
    seed: options.seed,
    owners: true,
    ...(twoDays ? { now: new Date(todayMs - DAY_MS) } : {}),
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
    return await auditDemoOrganization(emulator, options, io, isTty, twoDays);
  } finally {
    await emulator.stop();
  }
}

async function auditDemoOrganization(
  emulator: RunningEmulator,
  options: DemoOptions,
  io: Io,
  isTty: boolean,
  twoDays: boolean,
): Promise<DemoResult> {
  const stamp = (ms: number) =>
    new Date(ms)
      .toISOString()
      .replace(/[-:.TZ]/g, '')
      .slice(0, 14);
  const routing = await subscribeDemoOwners(emulator);
  const yesterdayMs = emulator.clock.nowMs();
  const exemptions = twoDays ? demoExemptions(emulator, yesterdayMs) : [];
  const audit = async (executionName: string, day: string) => {
    io.err(
      `emulator on ${emulator.url}: ${emulator.expected.accounts.length} accounts, seed ${options.seed}; ` +
        `running the audit workflow for ${day} (${executionName})`,
    );
    const progress = progressReporter({ write: (text) => process.stderr.write(text), isTty });
    const result = await runLocalAudit({
      input: options.dryRun ? { dryRun: true, reason: 'keyaudit demo' } : { reason: 'keyaudit demo' },
      executionName,
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
      onProgress: progress.update,
    });
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
  const result = await audit(executionName, 'today');
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
    `wrote ${files.join(', ')}; states entered ${result.metrics.statesEntered}, ` +
      `largest state payload ${result.metrics.largestPayloadBytes} bytes`,
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
    .option('--json', 'print the execution output (the digest summary) as JSON instead of the email', false)
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
          ...(typeof raw['expectOut'] === 'string' ? { expectOut: raw['expectOut'] } : {}),
        };
        return (await runDemo(options, io, process.stderr.isTTY === true)).exitCode;
      });
    });
}
