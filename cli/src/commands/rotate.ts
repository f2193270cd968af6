/** `keyaudit rotate`: rotate the caller's own IAM user access key in ~/.aws/credentials, safely. */
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import type { Command } from 'commander';
import { defaultContext, type OpsContext } from '../ops/context';
import { credentialsPath } from '../ops/credentials-file';
import { EXIT, EXIT_CODES_HELP, formatTable, printJson, runCommand } from '../ops/output';
import { type RotateDeps, rotateAccessKey } from '../ops/rotate';

interface RotateFlags {
  readonly profile?: string;
  readonly credentialsFile?: string;
  readonly keepOld?: boolean;
  readonly showSecret?: boolean;
  readonly json?: boolean;
}

/** IAM is global (us-east-1); STS uses the regional endpoint of the configured region. */
export function defaultClientsFor(env: NodeJS.ProcessEnv): RotateDeps['clientsFor'] {
  const region = env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? 'us-east-1';
  return (credentials) => ({
    iam: new IAMClient({ region: 'us-east-1', credentials, maxAttempts: 5 }),
    sts: new STSClient({ region, credentials, maxAttempts: 2 }),
  });
}

export async function rotateAction(
  ctx: OpsContext,
  flags: RotateFlags,
  clientsFor: RotateDeps['clientsFor'],
): Promise<number> {
  const profile = flags.profile ?? ctx.env['AWS_PROFILE'] ?? 'default';
  const result = await rotateAccessKey(
    { clientsFor, sleep: ctx.sleep, onProgress: (text) => ctx.io.err(text) },
    {
      credentialsPath: flags.credentialsFile ?? credentialsPath(ctx.env),
      profile,
      keepOld: flags.keepOld === true,
    },
  );
  const { newSecretAccessKey, ...shown } = result;
  const visible = flags.showSecret === true ? result : shown;
  if (flags.json === true) {
    printJson(ctx.io, visible);
    return EXIT.OK;
  }
  ctx.io.out(`rotated ${result.userName} (profile [${result.profile}] in ${result.credentialsPath})`);
  ctx.io.out(
    formatTable(
      ['access key', 'state', 'in the file'],
      [
        [result.newAccessKeyId, 'Active (verified)', 'yes'],
        [
          result.oldAccessKeyId,
          result.oldKeyState === 'deleted' ? 'deleted' : 'Inactive (kept: --keep-old)',
          'no',
        ],
      ],
    ),
  );
  if (flags.showSecret === true) ctx.io.out(`secret access key: ${newSecretAccessKey}`);
  return EXIT.OK;
}

export function register(
  program: Command,
  context: () => OpsContext = () => defaultContext(),
  clientsFor?: RotateDeps['clientsFor'],
): void {
  program
    .command('rotate')
    .description(
      "Rotate your own IAM user's access key in ~/.aws/credentials, keeping a working key at every step",
    )
    .option('--profile <name>', 'the profile to rotate (default: $AWS_PROFILE, else "default")')
    .option('--credentials-file <path>', 'default: $AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials')
    .option('--keep-old', 'deactivate the old key but do not delete it')
    .option('--show-secret', 'print the new secret access key (it is never printed otherwise)')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      `
Steps: refuse if the user already has two keys (and say which to delete), create the new key,
write it to the profile atomically (mode 0600, other profiles untouched), wait until it works
(GetCallerIdentity with backoff), then deactivate and delete the old key. A failure at any
step leaves a working key in the file and says what state each key is in.

Examples:
  keyaudit rotate --profile work
  keyaudit rotate --keep-old --json
${EXIT_CODES_HELP.replace('some accounts were not audited', 'the new key is in place but the old key could not be deactivated or deleted')}`,
    )
    .action(async (flags: RotateFlags) => {
      const ctx = context();
      ctx.setExitCode(
        await runCommand(ctx.io, () => rotateAction(ctx, flags, clientsFor ?? defaultClientsFor(ctx.env))),
      );
    });
}
