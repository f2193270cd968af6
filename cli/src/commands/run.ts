/**
 * `keyaudit run`: the very same workflow (ASL + handlers, through the local runner) against real
 * AWS from a laptop, with the standard credential chain. The run's scratch data (account list,
 * per-account results, Map results) and its DLQ messages live in a local, in-process store on
 * 127.0.0.1, so the command needs no bucket or queue in the account; the report ends up in --out
 * (default ./out/<execution name>), and that is where the digest's "Full report" link points.
 */
import { randomBytes } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import { fromIni } from '@aws-sdk/credential-providers';
import { type RunningEmulator, startEmulator } from '@org-key-audit/emulator';
import { RETRY_CONFIG } from '@org-key-audit/functions/aws';
import { DEFAULT_AUDIT_ROLE_NAME } from '@org-key-audit/functions/runtime';
import { buildClients, type Connection, runLocalAudit } from '@org-key-audit/statemachine';
import type { Command } from 'commander';
import { awsErrorName, errorMessage, OperationError } from '../ops/errors';
import { EXIT, type Io, paint, processIo, runCommand } from '../ops/output';
import { parseAccountList, parseIntegerOption } from '../workflow/options';
import { progressReporter } from '../workflow/progress';
import { linkDigestTo, runReport } from '../workflow/report-files';

export interface RunOptions {
  readonly profile?: string;
  readonly region?: string;
  readonly roleName: string;
  readonly accounts?: readonly string[];
  readonly dryRun: boolean;
  readonly json: boolean;
  readonly out?: string;
  readonly concurrency: number;
  readonly publish?: string;
  readonly orgReaderRole?: string;
  readonly reason?: string;
}

const NO_CREDENTIALS_FIX =
  'Pass --profile NAME or set AWS_PROFILE (for an SSO profile, run `aws sso login --profile NAME` first), ' +
  'or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.';

/**
 * The SDK's CredentialsProviderError (no provider in the chain had credentials, or the profile
 * could not give any) as one sentence and the fix, instead of the SDK's error document.
 */
export function credentialsError(sdkMessage: string, profile: string | undefined): OperationError {
  const firstLine = sdkMessage.split('\n')[0]?.trim() ?? '';
  const message =
    firstLine === '' || firstLine.startsWith('Could not load credentials from any providers')
      ? 'no AWS credentials were found.'
      : `could not load AWS credentials${profile === undefined ? '' : ` for profile ${profile}`}: ${firstLine.replace(/\.?$/, '.')}`;
  return new OperationError(message, { fix: NO_CREDENTIALS_FIX });
}

/** Resolves the credentials once before anything starts, so a missing one is a clear error, not a failed run. */
async function requireCredentials(aws: Connection, profile: string | undefined): Promise<void> {
  const sts = new STSClient({
    region: aws.region,
    ...(aws.credentials ? { credentials: aws.credentials } : {}),
  });
  try {
    await sts.config.credentials();
  } catch (error) {
    if (awsErrorName(error) === 'CredentialsProviderError')
      throw credentialsError(errorMessage(error), profile);
    throw error;
  } finally {
    sts.destroy();
  }
}

/** `run-<UTC yyyymmddThhmmssZ>-<6 hex>`, like rerun's names; also the default report folder. */
export function runExecutionName(now: Date, nonce = randomBytes(3).toString('hex')): string {
  const time = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `run-${time}-${nonce}`;
}

export async function runAudit(options: RunOptions, io: Io, isTty: boolean): Promise<number> {
  const region =
    options.region ?? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'us-east-1';
  const aws: Connection = {
    region,
    ...(options.profile === undefined ? {} : { credentials: fromIni({ profile: options.profile }) }),
  };
  const profile = options.profile ?? (process.env['AWS_PROFILE'] || undefined);
  await requireCredentials(aws, profile);
  // Scratch only: the emulator's S3 and SQS on 127.0.0.1; the organization it generates is unused.
  const scratch = await startEmulator({ accounts: 3, users: 0, region });
  try {
    return await auditWithScratch(options, aws, profile, scratch, io, isTty);
  } finally {
    await scratch.stop();
  }
}

async function auditWithScratch(
  options: RunOptions,
  aws: Connection,
  profile: string | undefined,
  scratch: RunningEmulator,
  io: Io,
  isTty: boolean,
): Promise<number> {
  const executionName = runExecutionName(new Date());
  // The report is always kept: the scratch store it is written to ends with this command.
  const out = options.out ?? join('out', executionName);
  const storage: Connection = { region: aws.region, endpoint: scratch.url, credentials: scratch.auditor };
  const clients = buildClients(aws, storage);
  const sns = new SNSClient({
    region: aws.region,
    ...RETRY_CONFIG,
    ...(aws.credentials ? { credentials: aws.credentials } : {}),
  });
  const input = {
    ...(options.accounts ? { accountIds: options.accounts } : {}),
    // Without a topic there is nowhere to publish: build the digest and print it instead.
    dryRun: options.dryRun || options.publish === undefined,
    ...(options.reason === undefined ? {} : { reason: options.reason }),
  };
  // --json is for scripts: nothing but the report, and no progress at all.
  const progress = options.json
    ? undefined
    : progressReporter({ write: (text) => process.stderr.write(text), isTty });
  const result = await runLocalAudit(
    {
      input,
      executionName,
      aws,
      storage,
      reportBucket: scratch.resources.reportBucket,
      queues: {
        accountFailures: scratch.resources.queues.accountFailures,
        digestFailures: scratch.resources.queues.digestFailures,
      },
      ...(options.publish === undefined ? {} : { digestTopicArn: options.publish }),
      roleName: options.roleName,
      ...(options.orgReaderRole === undefined ? {} : { orgReaderRoleArn: options.orgReaderRole }),
      concurrency: options.concurrency,
      ...(progress === undefined ? {} : { onProgress: progress.update }),
      wrapTasks: linkDigestTo(resolve(out, 'report.json'), {
        s3: clients.s3,
        bucket: scratch.resources.reportBucket,
      }),
    },
    { ...clients, sns },
  );
  progress?.finish();

  if (result.status === 'FAILED' && result.error === 'CredentialsProviderError') {
    // Resolved before the run, but gone since (an SSO session that expired during the run).
    throw credentialsError(lambdaErrorMessage(result.cause), profile);
  }
  if (result.status === 'FAILED') {
    io.err(
      `${paint(io, 'red', 'error:')} the audit failed with ${result.error ?? 'an unknown error'}: ${result.cause ?? ''}`,
    );
    return EXIT.ERROR;
  }
  const report = runReport(scratch, scratch.resources.reportBucket, result.executionName);
  const written = await report.save(out);
  io.err(`wrote the report to ${out}: ${written.map((path) => basename(path)).join(', ')}`);
  if (options.json) io.out(report.text('report.json') ?? 'null');
  else io.out(report.text('digest.txt') ?? '');

  const summary = result.output as { totals?: { failed?: number } } | undefined;
  return (summary?.totals?.failed ?? 0) > 0 ? EXIT.PARTIAL : EXIT.OK;
}

/** The message inside Lambda's error document (the Cause of a failed Lambda task), else the Cause. */
function lambdaErrorMessage(cause: string | undefined): string {
  try {
    const parsed = JSON.parse(cause ?? '') as { errorMessage?: unknown };
    if (typeof parsed.errorMessage === 'string') return parsed.errorMessage;
  } catch {
    // Not Lambda's JSON: use it as it is.
  }
  return cause ?? '';
}

export function register(program: Command): void {
  program
    .command('run')
    .description(
      'Run the audit workflow from this machine against real AWS (standard credential chain); ' +
        'needs organizations:ListAccounts and sts:AssumeRole into the audit role of each member account',
    )
    .option('--profile <name>', 'AWS profile from ~/.aws/config (default: the standard chain)')
    .option('--region <region>', 'AWS region (default: AWS_REGION, else us-east-1)')
    .option('--role-name <name>', 'the audit role in member accounts', DEFAULT_AUDIT_ROLE_NAME)
    .option('--accounts <ids>', 'only these accounts, comma-separated 12-digit ids (the rest are skipped)')
    .option('--dry-run', 'never publish, even with --publish', false)
    .option('--json', 'print the full report JSON (key ids unmasked) instead of the digest', false)
    .option(
      '--out <dir>',
      'write report.json, report.csv, report.html, findings.asff.json and digest.txt here (default: ./out/<execution name>)',
    )
    .option('--concurrency <n>', 'accounts audited in parallel', '10')
    .option('--publish <topicArn>', 'publish the digest to this SNS topic')
    .option('--org-reader-role <arn>', 'role to assume for ListAccounts (when not in the management account)')
    .option('--reason <text>', 'free text shown in the digest')
    .addHelpText(
      'after',
      '\nExit codes:\n  0  the run completed (findings or not)\n  1  usage or fatal error\n  2  some accounts could not be audited',
    )
    .action(async (raw: Record<string, unknown>) => {
      const io = processIo();
      process.exitCode = await runCommand(io, async () => {
        const str = (key: string) => (typeof raw[key] === 'string' ? (raw[key] as string) : undefined);
        const options: RunOptions = {
          ...(str('profile') === undefined ? {} : { profile: str('profile') as string }),
          ...(str('region') === undefined ? {} : { region: str('region') as string }),
          roleName: String(raw['roleName']),
          ...(str('accounts') === undefined ? {} : { accounts: parseAccountList(str('accounts')) }),
          dryRun: raw['dryRun'] === true,
          json: raw['json'] === true,
          ...(str('out') === undefined ? {} : { out: str('out') as string }),
          concurrency: parseIntegerOption('--concurrency', raw['concurrency'], 1, 1000),
          ...(str('publish') === undefined ? {} : { publish: str('publish') as string }),
          ...(str('orgReaderRole') === undefined ? {} : { orgReaderRole: str('orgReaderRole') as string }),
          ...(str('reason') === undefined ? {} : { reason: str('reason') as string }),
        };
        return runAudit(options, io, process.stderr.isTTY === true);
      });
    });
}
