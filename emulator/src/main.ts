/**
 * `pnpm emulator --port P --accounts N --users M --seed S [--org-file F] [--expect-out F]`:
 * prints `export NAME=value` lines for a shell to `eval`, then exactly one
 * `emulator listening on http://127.0.0.1:P` line, and runs until SIGTERM/SIGINT.
 */
import { writeFileSync } from 'node:fs';
import { parseCommandLine, UsageError } from './cli';
import { startEmulator } from './index';

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
  // Handlers first: whoever reads the listening line may signal us at once.
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
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`emulator: ${message}\n`);
  process.exit(error instanceof UsageError ? 2 : 1);
});
