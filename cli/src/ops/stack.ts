/**
 * Finds the deployed resources from the AuditorStack's CloudFormation outputs, so operators
 * type a stack name (or nothing) instead of ARNs and queue URLs.
 */
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { AUDITOR_STACK_NAME, STACK_OUTPUTS } from '@org-key-audit/statemachine/definition';
import { awsErrorName, OperationError } from './errors';

/** The stack name `infra/lib/app.ts` gives the audit-account stack (statemachine/src/stack-outputs.ts). */
export const DEFAULT_STACK_NAME = AUDITOR_STACK_NAME;

/**
 * Output keys of the AuditorStack: the very names infra/lib/auditor-stack.ts writes, from the
 * one module both import (`STACK_OUTPUTS`); OUTPUT_KEYS is its name here.
 */
export const OUTPUT_KEYS = STACK_OUTPUTS;
export type OutputName = keyof typeof OUTPUT_KEYS;

/** The DLQs in the order `dlq list` shows them, with their output key. */
export const QUEUE_OUTPUTS = [
  ['account-failures', OUTPUT_KEYS.accountFailuresQueue],
  ['digest-failures', OUTPUT_KEYS.digestFailuresQueue],
  ['execution-failures', OUTPUT_KEYS.executionFailuresQueue],
  ['scheduler', OUTPUT_KEYS.schedulerDlq],
  // Only with remediation enabled (docs/remediation.md); listing skips it when the stack lacks it.
  ['remediation-failures', OUTPUT_KEYS.remediationFailuresQueue],
] as const;
export type QueueName = (typeof QUEUE_OUTPUTS)[number][0];

export type StackOutputs = ReadonlyMap<string, string>;

export async function readStackOutputs(cfn: CloudFormationClient, stackName: string): Promise<StackOutputs> {
  try {
    const result = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = result.Stacks?.[0];
    if (stack === undefined) throw new Error(`stack ${stackName} not found`);
    const outputs = new Map<string, string>();
    for (const output of stack.Outputs ?? []) {
      if (output.OutputKey !== undefined && output.OutputValue !== undefined) {
        outputs.set(output.OutputKey, output.OutputValue);
      }
    }
    return outputs;
  } catch (error) {
    if (error instanceof OperationError) throw error;
    const name = awsErrorName(error);
    if (name === 'ValidationError' || (error instanceof Error && error.message.includes('not found'))) {
      throw new OperationError(
        `The CloudFormation stack "${stackName}" does not exist in this account and region.`,
        {
          fix: 'Pass --stack with the name you deployed, or set AWS_REGION/AWS_PROFILE to the audit account.',
          cause: error,
        },
      );
    }
    throw error;
  }
}

export function requireOutput(outputs: StackOutputs, stackName: string, key: string, flag: string): string {
  const value = outputs.get(key);
  if (value === undefined || value === '') {
    throw new OperationError(`The stack "${stackName}" has no output "${key}".`, {
      fix: `Pass ${flag} explicitly, or redeploy the AuditorStack so it exports ${key}.`,
    });
  }
  return value;
}

/** Either the explicit flag or the stack output, read lazily so a flag avoids the CloudFormation call. */
export class StackResolver {
  private outputs: Promise<StackOutputs> | undefined;

  constructor(
    private readonly cfn: () => CloudFormationClient,
    readonly stackName: string,
  ) {}

  async get(key: string, flag: string, explicit?: string): Promise<string> {
    if (explicit !== undefined && explicit !== '') return explicit;
    this.outputs ??= readStackOutputs(this.cfn(), this.stackName);
    return requireOutput(await this.outputs, this.stackName, key, flag);
  }

  async find(key: string): Promise<string | undefined> {
    this.outputs ??= readStackOutputs(this.cfn(), this.stackName);
    return (await this.outputs).get(key);
  }
}

/** The outputs only a stack deployed with `remediation.enabled` has (docs/remediation.md). */
export const REMEDIATION_OUTPUT_KEYS = {
  stateMachineArn: OUTPUT_KEYS.remediationStateMachineArn,
  failuresQueue: OUTPUT_KEYS.remediationFailuresQueue,
} as const;

export interface RemediationOutputs {
  readonly stateMachineArn: string;
  /** Null when the stack predates the queue output or the state machine ARN was passed by flag. */
  readonly failuresQueueUrl: string | null;
}

/**
 * The RemediateKeys state machine (and its DLQ) of the stack. A missing output means remediation
 * was never enabled there, which a generic "no output" message would hide behind a flag.
 */
export async function remediationOutputs(
  stack: StackResolver,
  explicitArn?: string,
): Promise<RemediationOutputs> {
  if (explicitArn !== undefined && explicitArn !== '') {
    return { stateMachineArn: explicitArn, failuresQueueUrl: null };
  }
  const stateMachineArn = await stack.find(REMEDIATION_OUTPUT_KEYS.stateMachineArn);
  if (stateMachineArn === undefined || stateMachineArn === '') {
    throw new OperationError(`remediation is not enabled in stack ${stack.stackName}:`, {
      fix: 'set remediation.enabled in the config and deploy (docs/remediation.md).',
    });
  }
  const queue = await stack.find(REMEDIATION_OUTPUT_KEYS.failuresQueue);
  return { stateMachineArn, failuresQueueUrl: queue === undefined || queue === '' ? null : queue };
}
