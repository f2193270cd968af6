/**
 * `keyaudit redrive`: resumes a failed execution at the step that failed (RedriveExecution).
 * AWS refuses in several situations with terse messages; each becomes one sentence saying why,
 * and the alternative that always works: a fresh rerun.
 */
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  RedriveExecutionCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { awsErrorName, errorMessage, OperationError } from './errors';

/** Step Functions keeps an execution redrivable for 14 days after it stopped. */
export const REDRIVE_WINDOW_DAYS = 14;

export interface RedriveResult {
  readonly executionArn: string;
  readonly redriveDate: string;
}

export async function redriveExecution(
  sfn: SFNClient,
  executionArn: string,
  now: Date,
): Promise<RedriveResult> {
  try {
    const result = await sfn.send(new RedriveExecutionCommand({ executionArn }));
    return { executionArn, redriveDate: (result.redriveDate ?? now).toISOString() };
  } catch (error) {
    throw await redriveError(sfn, executionArn, error, now);
  }
}

async function redriveError(
  sfn: SFNClient,
  executionArn: string,
  error: unknown,
  now: Date,
): Promise<OperationError> {
  const name = awsErrorName(error);
  if (name === 'ExecutionNotRedrivable') {
    // The refusal itself does not say why; the execution's redrive status does.
    let execution: DescribeExecutionCommandOutput | undefined;
    try {
      execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    } catch {
      execution = undefined;
    }
    return new OperationError(
      `AWS will not redrive ${executionArn}: ${notRedrivableReason(execution, error, now)}.`,
      {
        fix: rerunAdvice(executionArn, execution?.status),
        cause: error,
      },
    );
  }
  switch (name) {
    case 'ExecutionLimitExceeded':
      return new OperationError(
        'AWS will not redrive now: the account has reached its limit of running executions.',
        {
          fix: 'Wait for running executions to finish (keyaudit status), then retry the redrive.',
          cause: error,
        },
      );
    case 'ExecutionDoesNotExist':
    case 'InvalidArn':
      return new OperationError(`The execution ${executionArn} does not exist in this account and region.`, {
        fix: 'Copy the execution ARN from `keyaudit status` or the Step Functions console.',
        cause: error,
      });
    case 'ValidationException':
      return new OperationError(`AWS rejected the redrive of ${executionArn} (${errorMessage(error)}).`, {
        fix: `Express executions cannot be redriven; start a fresh run with \`keyaudit rerun --failed-from ${executionArn}\` or \`keyaudit rerun --all\`.`,
        cause: error,
      });
    case 'AccessDeniedException':
    case 'AccessDenied':
      return new OperationError(`You may not redrive ${executionArn} (${errorMessage(error)}).`, {
        fix: 'Use credentials with states:RedriveExecution on the state machine.',
        cause: error,
      });
    default:
      return new OperationError(`RedriveExecution failed: ${errorMessage(error)}.`, {
        fix: 'Check your credentials and region, then retry.',
        cause: error,
      });
  }
}

/** Why AWS refused, in words, from the execution's redriveStatusReason, status and stop date. */
export function notRedrivableReason(
  execution: DescribeExecutionCommandOutput | undefined,
  error: unknown,
  now: Date,
): string {
  const reason = `${execution?.redriveStatusReason ?? ''} ${errorMessage(error)}`.toLowerCase();
  const status = execution?.status;
  if (status === 'SUCCEEDED' || reason.includes('succeeded')) {
    return 'it succeeded, so there is no failed step to resume';
  }
  if (status === 'RUNNING' || reason.includes('is running')) return 'it is still running';
  if (reason.includes('history event limit') || reason.includes('history')) {
    return "its history reached Step Functions' limit of 25,000 events";
  }
  const stop = execution?.stopDate;
  const ageDays = stop === undefined ? undefined : (now.getTime() - stop.getTime()) / 86_400_000;
  if (reason.includes('redrivable period') || (ageDays !== undefined && ageDays > REDRIVE_WINDOW_DAYS)) {
    const when = stop === undefined ? '' : ` (it stopped on ${stop.toISOString().slice(0, 10)})`;
    return `it ended more than ${REDRIVE_WINDOW_DAYS} days ago${when}, and AWS redrives only within ${REDRIVE_WINDOW_DAYS} days`;
  }
  if (reason.includes('max execution time')) return 'it exceeded the one-year maximum execution time';
  if (reason.includes('before the launch')) return 'it started before AWS introduced redrive';
  if (reason.includes('deleting')) return 'its state machine is being deleted';
  const text = execution?.redriveStatusReason ?? errorMessage(error);
  return text === '' ? 'AWS gave no reason' : text.replace(/\.$/, '');
}

function rerunAdvice(executionArn: string, status: string | undefined): string {
  if (status === 'SUCCEEDED') {
    return `To audit its failed accounts again, run \`keyaudit rerun --failed-from ${executionArn}\`.`;
  }
  if (status === 'RUNNING') return 'Wait for it to finish; follow it with `keyaudit status`.';
  // A failed execution has no summary, so --failed-from cannot read one: rerun by account instead.
  return 'Start a fresh run instead: `keyaudit rerun --all`, or `keyaudit rerun --accounts ID,...` for chosen accounts.';
}
