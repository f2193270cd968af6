/**
 * `keyaudit demo` (= `pnpm start`): the product's main job on the embedded default, a generated
 * organization on the local emulator, run through the real state machine and the real handlers.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { type RunningEmulator, startEmulator } from '@org-key-audit/emulator';
import { runLocalAudit } from '@org-key-audit/statemachine';
import { type Command, Option } from 'commander';
import { EXIT, type Io, paint, processIo, runCommand } from '../ops/output';
import { parseIntegerOption } from '../workflow/options';
import { progressReporter } from '../workflow/progress';
import { runReport } from '../workflow/report-files';

export interface DemoOptions {
  readonly accounts: number;
  readonly users: number;
  readonly seed: number;
  readonly out: string;
  readonly dryRun: boolean;
  readonly json: boolean;
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
  const emulator = await startEmulator({
    accounts: options.accounts,
    users: options.users,
    seed: options.seed,
  });
  try {
    if (options.expectOut !== undefined) {
      await mkdir(dirname(resolve(options.expectOut)), { recursive: true });
      await writeFile(options.expectOut, `${JSON.stringify(emulator.expected, null, 2)}\n`);
    }
    return await auditDemoOrganization(emulator, options, io, isTty);
  } finally {
    await emulator.stop();
  }
}

async function auditDemoOrganization(
  emulator: RunningEmulator,
  options: DemoOptions,
  io: Io,
  isTty: boolean,
): Promise<DemoResult> {
  const executionName = `demo-${new Date()
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14)}`;
  io.err(
    `emulator on ${emulator.url}: ${emulator.expected.accounts.length} accounts, seed ${options.seed}; ` +
      `running the audit workflow (${executionName})`,
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
    onProgress: progress.update,
  });
  progress.finish();

  if (result.status === 'FAILED') {
    io.err(
      `${paint(io, 'red', 'the audit failed:')} ${result.error ?? 'unknown error'}: ${result.cause ?? ''}`,
    );
    return { exitCode: EXIT.ERROR, executionName, status: result.status, output: null, files: [] };
  }

  const report = runReport(emulator, emulator.resources.reportBucket, executionName);
  const files = await report.save(options.out);
  const published = emulator.messaging.published().at(-1);
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
    .option('--out <dir>', 'where report.json, report.csv, report.html and digest.txt go', './out')
    .option('--dry-run', 'build the digest but do not publish it', false)
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
          ...(typeof raw['expectOut'] === 'string' ? { expectOut: raw['expectOut'] } : {}),
        };
        return (await runDemo(options, io, process.stderr.isTTY === true)).exitCode;
      });
    });
}
