/** `keyaudit status`: the last executions with their totals, from ListExecutions and each output. */
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  type ListExecutionsCommandOutput,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { awsErrorName, OperationError } from './errors';
import { summarySchema } from './summary';

export interface ExecutionStatusRow {
  readonly name: string;
  readonly executionArn: string;
  readonly status: string;
  readonly startDate: string | null;
  readonly stopDate: string | null;
  /** Null while running, or when the output is not a summary. */
  readonly audited: number | null;
  readonly failed: number | null;
  readonly skipped: number | null;
  readonly findings: number | null;
  /** NEW and RESOLVED since the last full run; null when the summary has no comparison. */
  readonly new: number | null;
  readonly resolved: number | null;
  /** Why the run could not be compared with the last full run; null when it was, or is unknown. */
  readonly notComparable: string | null;
  readonly reason: string | null;
}

export async function recentExecutions(
  sfn: SFNClient,
  stateMachineArn: string,
  limit: number,
): Promise<ExecutionStatusRow[]> {
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    throw new OperationError(`--last must be a whole number from 1 to 100 (got ${limit}).`, {
      fix: 'For example: keyaudit status --last 20.',
    });
  }
  let list: ListExecutionsCommandOutput;
  try {
    list = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: limit }));
  } catch (error) {
    const name = awsErrorName(error);
    if (name === 'StateMachineDoesNotExist' || name === 'InvalidArn') {
      throw new OperationError(
        `The state machine ${stateMachineArn} does not exist in this account and region.`,
        {
          fix: 'Pass --state-machine with the ARN from the stack outputs, or --stack with the deployed stack name.',
          cause: error,
        },
      );
    }
    throw error;
  }
  const executions = list.executions ?? [];
  const rows: ExecutionStatusRow[] = [];
  for (const item of executions.slice(0, limit)) {
    const arn = item.executionArn ?? '';
    let summary: ReturnType<typeof summarySchema.parse> | null = null;
    let reason: string | null = null;
    if (item.status === 'SUCCEEDED') {
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      try {
        const parsed = summarySchema.safeParse(JSON.parse(described.output ?? ''));
        if (parsed.success) {
          summary = parsed.data;
          reason = parsed.data.reason ?? null;
        }
      } catch {
        // An unreadable output shows as "-" rather than hiding the whole list.
      }
    }
    rows.push({
      name: item.name ?? arn.split(':').pop() ?? '',
      executionArn: arn,
      status: item.status ?? 'UNKNOWN',
      startDate: item.startDate?.toISOString() ?? null,
      stopDate: item.stopDate?.toISOString() ?? null,
      audited: summary?.totals.audited ?? null,
      failed: summary?.totals.failed ?? null,
      skipped: summary?.totals.skipped ?? null,
      findings: summary?.totals.findings ?? null,
      new: summary?.changes?.comparable === true ? summary.changes.new : null,
      resolved: summary?.changes?.comparable === true ? summary.changes.resolved : null,
      notComparable: summary?.changes?.comparable === false ? summary.changes.reason : null,
      reason,
    });
  }
  return rows;
}
