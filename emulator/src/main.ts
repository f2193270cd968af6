/**
 * `pnpm emulator --port P --accounts N --users M --seed S [--org-file F] [--expect-out F]
 * [--enforce-policies CDK_OUT]`: prints `export NAME=value` lines for a shell to `eval`, then
 * exactly one `emulator listening on http://127.0.0.1:P` line, and runs until SIGTERM/SIGINT.
 */
import { writeFileSync } from 'node:fs';
import { parseCommandLine, UsageError } from './cli';
import { type AuthorizationDecision, type AuthorizationRequest, startEmulator } from './index';

/** The role member accounts trust when the templates are enforced: the audit-account Lambda's. */
const DEPLOYED_AUDITOR_ROLE = 'org-key-audit-audit-account';

async function main(): Promise<void> {
  const { options, expectOut, enforcePolicies } = parseCommandLine(process.argv.slice(2));
  let authorize: (call: AuthorizationRequest) => AuthorizationDecision | Promise<AuthorizationDecision> =
    () => ({
      allowed: true,
    });
  const emu = await startEmulator({
    ...options,
    ...(enforcePolicies === undefined
      ? {}
      : {
          auditorRoleName: DEPLOYED_AUDITOR_ROLE,
          authorize: (call: AuthorizationRequest) => authorize(call),
        }),
  });
  if (enforcePolicies !== undefined) {
    try {
      // Loaded only when asked for: the policy simulator is a development tool.
      const { emulatedDeployment, emulatorOrganization } = await import(
        '@org-key-audit/infra/permissions/emulator-binding'
      );
      const deployment = emulatedDeployment(enforcePolicies, emulatorOrganization(emu));
      authorize = deployment.enforcer({
        onDenied: (_call, message) => process.stderr.write(`emulator: AccessDenied: ${message}\n`),
      });
      process.stderr.write(
        `emulator: enforcing the policies of ${enforcePolicies} (${deployment.edges.length} edges) on the deployment's roles; POST /_emulator/role-credentials signs as one (${Object.values(deployment.roleNames.functions).join(', ')}, ${deployment.roleNames.stateMachine})\n`,
      );
    } catch (error) {
      await emu.stop();
      throw new UsageError(
        `--enforce-policies ${enforcePolicies}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
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
