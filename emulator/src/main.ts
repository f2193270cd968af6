/**
 * `pnpm emulator --port P --accounts N --users M --seed S [--org-file F] [--expect-out F]`:
 * prints `export NAME=value` lines for a shell to `eval`, then exactly one
 * `emulator listening on http://127.0.0.1:P` line, and runs until SIGTERM/SIGINT.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type StartEmulatorOptions, startEmulator } from './index';

const USAGE =
  'usage: pnpm emulator [--port P] [--accounts N] [--users M] [--seed S] [--org-file FILE] [--expect-out FILE] [--now ISO] [--region R] [--no-throttling]';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function integer(name: string, text: string | undefined, min: number, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min)
    throw new UsageError(`--${name} must be an integer >= ${min}; got "${text}"`);
  return value;
}

export function parseCommandLine(argv: readonly string[]): {
  options: StartEmulatorOptions;
  expectOut: string | undefined;
} {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        accounts: { type: 'string' },
        users: { type: 'string' },
        seed: { type: 'string' },
        'org-file': { type: 'string' },
        'expect-out': { type: 'string' },
        now: { type: 'string' },
        region: { type: 'string' },
        'no-throttling': { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
  const str = (name: string) => values[name] as string | undefined;
  const port = integer('port', str('port'), 0, 0);
  if (port > 65535) throw new UsageError(`--port must be at most 65535; got ${port}`);
  const nowText = str('now');
  const now = nowText === undefined ? undefined : new Date(nowText);
  if (now !== undefined && Number.isNaN(now.getTime())) {
    throw new UsageError(`--now must be an ISO-8601 date like 2025-06-01T12:00:00Z; got "${nowText}"`);
  }
  const orgFile = str('org-file');
  let orgSpec: unknown;
  if (orgFile !== undefined) {
    try {
      orgSpec = JSON.parse(readFileSync(orgFile, 'utf8'));
    } catch (error) {
      throw new UsageError(
        `--org-file ${orgFile}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  const seedText = str('seed');
  const seed = seedText === undefined ? 1 : /^\d+$/.test(seedText) ? Number(seedText) : seedText;
  const options: StartEmulatorOptions = {
    port,
    accounts: integer('accounts', str('accounts'), 2, 5),
    users: integer('users', str('users'), 0, 4),
    seed,
    ...(orgSpec === undefined ? {} : { orgSpec }),
    ...(now === undefined ? {} : { now }),
    ...(str('region') === undefined ? {} : { region: str('region') as string }),
    ...(values['no-throttling'] === true ? { faults: { iamThrottling: { enabled: false } } } : {}),
  };
  return { options, expectOut: str('expect-out') };
}

async function main(): Promise<void> {
  const { options, expectOut } = parseCommandLine(process.argv.slice(2));
  const emu = await startEmulator(options);
  if (expectOut !== undefined) writeFileSync(expectOut, `${JSON.stringify(emu.expected, null, 2)}\n`);
  const lines = [
    `export AWS_ACCESS_KEY_ID=${emu.auditor.accessKeyId}`,
    `export AWS_SECRET_ACCESS_KEY=${emu.auditor.secretAccessKey}`,
    `export AWS_REGION=${emu.region}`,
    `export AWS_ENDPOINT_URL=${emu.url}`,
    `export KEYAUDIT_ROLE_NAME=${emu.roleName}`,
    `export KEYAUDIT_AUDITOR_ROLE_ARN=${emu.auditor.roleArn}`,
    `export KEYAUDIT_MANAGEMENT_ACCOUNT_ID=${emu.managementAccountId}`,
    `export REPORT_BUCKET=${emu.resources.reportBucket}`,
    `export DIGEST_TOPIC_ARN=${emu.resources.digestTopicArn}`,
    `export ACCOUNT_FAILURES_QUEUE_URL=${emu.resources.queues.accountFailures}`,
    `export DIGEST_FAILURES_QUEUE_URL=${emu.resources.queues.digestFailures}`,
    `export EXECUTION_FAILURES_QUEUE_URL=${emu.resources.queues.executionFailures}`,
    `emulator listening on ${emu.url}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    emu.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`emulator: ${message}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
