/**
 * `keyaudit rerun`: builds the execution input (chosen accounts, every account, or exactly the
 * accounts a previous execution failed), starts the state machine with a readable unique name,
 * and optionally waits for the result.
 */

import { createHash } from 'node:crypto';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { InvalidInputError, isAccountId, parseExecutionInput } from '@org-key-audit/functions/core';
import type { Sleep } from './context';
import { awsErrorName, errorMessage, OperationError } from './errors';
import { parseSummary } from './summary';

export type RerunSelection =
  | { readonly kind: 'accounts'; readonly accountIds: readonly string[] }
  | { readonly kind: 'failed-from'; readonly executionArn: string }
  | { readonly kind: 'all' };

/** The execution input the CLI sends: a subset of docs/contracts.md's, always valid for ValidateInput. */
export interface RerunInput {
  readonly accountIds?: string[];
  readonly dryRun: boolean;
  readonly thresholds?: Record<string, unknown>;
  readonly reason: string;
}

export interface RerunInputDeps {
  readonly sfn: SFNClient;
  readonly s3: S3Client;
  /** The report bucket; only asked for when a summary's failed list was truncated. */
  readonly reportBucket: () => Promise<string>;
}

/** `--accounts 111111111111,222222222222` → ids, in order, each once. */
export function parseAccountList(text: string): string[] {
  const ids: string[] = [];
  for (const raw of text.split(/[\s,]+/)) {
    if (raw === '') continue;
    if (!isAccountId(raw)) {
      throw new InvalidInputError(
        `--accounts: "${raw}" is not a 12-digit account id; write them comma-separated, like --accounts 111111111111,222222222222.`,
      );
    }
    if (!ids.includes(raw)) ids.push(raw);
  }
  if (ids.length === 0) {
    throw new InvalidInputError('--accounts is empty; list at least one 12-digit account id, or use --all.');
  }
  return ids;
}

/** The accounts an execution failed: its summary, or the report in S3 when the summary was cut at 100. */
export async function failedAccountsOf(
  deps: RerunInputDeps,
  executionArn: string,
): Promise<{
  readonly accountIds: string[];
  readonly executionName: string;
  readonly originalInput: unknown;
}> {
  const execution = await describe(deps.sfn, executionArn);
  if (execution.status !== 'SUCCEEDED') {
    throw new OperationError(
      `The execution ${executionArn} is ${execution.status ?? 'in an unknown state'}, so it has no list of failed accounts.`,
      {
        fix:
          execution.status === 'RUNNING'
            ? 'Wait for it to finish (keyaudit status), then rerun its failed accounts.'
            : `Resume it with \`keyaudit redrive ${executionArn}\`, or start a new run with \`keyaudit rerun --all\`.`,
      },
    );
  }
  const summary = parseSummary(execution.output, executionArn);
  let accountIds = summary.failedAccounts.map((f) => f.accountId);
  if (summary.failedAccountsTruncated) {
    if (summary.reportKey === undefined || summary.reportKey === null) {
      throw new OperationError(
        `The execution ${executionArn} lists only part of its failed accounts and names no report.`,
        {
          fix: 'Rerun with --all, or pass the accounts with --accounts.',
        },
      );
    }
    accountIds = await failedAccountsFromReport(deps.s3, await deps.reportBucket(), summary.reportKey);
  }
  let originalInput: unknown = {};
  try {
    originalInput = JSON.parse(execution.input ?? '{}');
  } catch {
    // An unreadable original input only loses its thresholds; the failed list is what matters.
  }
  return { accountIds: [...new Set(accountIds)], executionName: summary.executionName, originalInput };
}

async function failedAccountsFromReport(s3: S3Client, bucket: string, key: string): Promise<string[]> {
  let text: string;
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    text = (await object.Body?.transformToString('utf-8')) ?? '';
  } catch (error) {
    throw new OperationError(`Could not read the report s3://${bucket}/${key} (${errorMessage(error)}).`, {
      fix: 'Check that your credentials may read the report bucket (s3:GetObject), or pass --accounts.',
      cause: error,
    });
  }
  let report: unknown;
  try {
    report = JSON.parse(text);
  } catch (error) {
    throw new OperationError(`The report s3://${bucket}/${key} is not JSON.`, {
      fix: 'Pass the accounts with --accounts instead.',
      cause: error,
    });
  }
  const accounts = (report as { accounts?: unknown }).accounts;
  if (!Array.isArray(accounts)) {
    throw new OperationError(`The report s3://${bucket}/${key} has no "accounts" list.`, {
      fix: 'Pass the accounts with --accounts instead.',
    });
  }
  return accounts
    .filter((a): a is { accountId: string; status: string } => typeof a === 'object' && a !== null)
    .filter((a) => a.status === 'FAILED' && isAccountId(a.accountId))
    .map((a) => a.accountId);
}

export interface BuildRerunOptions {
  readonly selection: RerunSelection;
  readonly dryRun: boolean;
  readonly reason?: string | undefined;
}

/** The execution input for a rerun; validated with the workflow's own validator before it is sent. */
export async function buildRerunInput(deps: RerunInputDeps, options: BuildRerunOptions): Promise<RerunInput> {
  const { selection } = options;
  let input: RerunInput;
  if (selection.kind === 'failed-from') {
    const failed = await failedAccountsOf(deps, selection.executionArn);
    if (failed.accountIds.length === 0) {
      throw new OperationError(`The execution ${failed.executionName} has no failed accounts.`, {
        fix: 'Nothing to rerun; use --all or --accounts to audit again anyway.',
        exitCode: 0,
      });
    }
    // The same thresholds as the run being repaired, so the rerun's findings are comparable.
    const original = failed.originalInput as { thresholds?: unknown };
    const thresholds =
      typeof original.thresholds === 'object' && original.thresholds !== null
        ? (original.thresholds as Record<string, unknown>)
        : undefined;
    input = {
      accountIds: failed.accountIds,
      dryRun: options.dryRun,
      ...(thresholds === undefined || Object.keys(thresholds).length === 0 ? {} : { thresholds }),
      reason:
        options.reason ??
        `rerun of ${failed.accountIds.length} failed account(s) from ${failed.executionName}`,
    };
  } else if (selection.kind === 'accounts') {
    input = {
      accountIds: [...selection.accountIds],
      dryRun: options.dryRun,
      reason: options.reason ?? `rerun of ${selection.accountIds.length} account(s) from keyaudit`,
    };
  } else {
    input = { dryRun: options.dryRun, reason: options.reason ?? 'rerun of every account from keyaudit' };
  }
  parseExecutionInput(input);
  return input;
}

/**
 * `rerun-<UTC yyyymmddThhmmssZ>-<8 hex>`: sorts by time in the console, and the hash of the input
 * and a nonce keeps two reruns in the same second apart. 31 characters of [A-Za-z0-9-], well within
 * Step Functions' 80-character name limit.
 */
export function rerunExecutionName(input: RerunInput, now: Date, nonce: string, prefix = 'rerun'): string {
  const time = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  const hash = createHash('sha256').update(JSON.stringify(input)).update(nonce).digest('hex').slice(0, 8);
  return `${prefix}-${time}-${hash}`;
}

export interface StartedExecution {
  readonly executionArn: string;
  readonly name: string;
  readonly startDate: string;
}

export async function startExecution(
  sfn: SFNClient,
  stateMachineArn: string,
  name: string,
  input: RerunInput,
): Promise<StartedExecution> {
  try {
    const result = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
    );
    return {
      executionArn: result.executionArn ?? '',
      name,
      startDate: (result.startDate ?? new Date()).toISOString(),
    };
  } catch (error) {
    throw startError(error, stateMachineArn);
  }
}

function startError(error: unknown, stateMachineArn: string): OperationError {
  const name = awsErrorName(error);
  const text = errorMessage(error);
  switch (name) {
    case 'StateMachineDoesNotExist':
    case 'InvalidArn':
      return new OperationError(
        `The state machine ${stateMachineArn} does not exist in this account and region.`,
        {
          fix: 'Pass --state-machine with the ARN from the stack outputs, or --stack with the deployed stack name.',
          cause: error,
        },
      );
    case 'ExecutionLimitExceeded':
      return new OperationError(
        'Step Functions refused to start: too many executions are running in this account.',
        {
          fix: 'Wait for running executions to finish (keyaudit status), then retry.',
          cause: error,
        },
      );
    case 'ExecutionAlreadyExists':
      return new OperationError('An execution with this name already exists.', {
        fix: 'Retry: each attempt gets a new name.',
        cause: error,
      });
    case 'AccessDeniedException':
    case 'AccessDenied':
      return new OperationError(`You may not start executions of ${stateMachineArn} (${text}).`, {
        fix: 'Use credentials with states:StartExecution on the state machine.',
        cause: error,
      });
    default:
      return new OperationError(`StartExecution failed: ${text}.`, {
        fix: 'Check your credentials and region, then retry.',
        cause: error,
      });
  }
}

async function describe(sfn: SFNClient, executionArn: string): Promise<DescribeExecutionCommandOutput> {
  try {
    return await sfn.send(new DescribeExecutionCommand({ executionArn }));
  } catch (error) {
    const name = awsErrorName(error);
    if (name === 'ExecutionDoesNotExist' || name === 'InvalidArn') {
      throw new OperationError(`The execution ${executionArn} does not exist.`, {
        fix: 'Copy the execution ARN from `keyaudit status` or the Step Functions console.',
        cause: error,
      });
    }
    throw error;
  }
}

export interface WaitOptions {
  readonly sfn: SFNClient;
  readonly sleep: Sleep;
  readonly now: () => Date;
  readonly onProgress?: (status: string, elapsedMs: number) => void;
  /** @default 3_600_000 (one hour) */
  readonly timeoutMs?: number;
  /** @default 2000 */
  readonly initialDelayMs?: number;
  /** @default 30000 */
  readonly maxDelayMs?: number;
}

/** Polls DescribeExecution, backing off ×1.5 up to maxDelayMs, until the execution ends. */
export async function waitForExecution(
  executionArn: string,
  options: WaitOptions,
): Promise<DescribeExecutionCommandOutput> {
  const started = options.now().getTime();
  const timeoutMs = options.timeoutMs ?? 3_600_000;
  let delay = options.initialDelayMs ?? 2000;
  for (;;) {
    const execution = await describe(options.sfn, executionArn);
    const elapsed = options.now().getTime() - started;
    if (execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE') return execution;
    options.onProgress?.(execution.status, elapsed);
    if (elapsed >= timeoutMs) {
      throw new OperationError(
        `The execution ${executionArn} is still running after ${Math.round(elapsed / 1000)} s.`,
        {
          fix: 'It keeps running; follow it with `keyaudit status` or the Step Functions console.',
        },
      );
    }
    await options.sleep(delay);
    delay = Math.min(options.maxDelayMs ?? 30_000, Math.round(delay * 1.5));
  }
}
