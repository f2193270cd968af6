/**
 * The AuditorStack's name and CloudFormation output keys: infra writes these outputs
 * (infra/lib/auditor-stack.ts) and `keyaudit` reads them (cli/src/ops/stack.ts), so both import
 * them from here and a rename on one side cannot leave the other behind. Plain strings, no
 * dependencies: infra and cli both already depend on `@org-key-audit/statemachine/definition`.
 */

/** The stack name `infra/lib/app.ts` gives the audit-account stack (`keyaudit --stack`'s default). */
export const AUDITOR_STACK_NAME = 'OrgKeyAuditAuditor';

/** Every output of the AuditorStack, by what it holds. `chatTopic` exists only with chat integrations. */
export const STACK_OUTPUTS = {
  stateMachineArn: 'StateMachineArn',
  reportBucket: 'ReportBucketName',
  digestTopic: 'DigestTopicArn',
  accountFailuresQueue: 'AccountFailuresQueueUrl',
  digestFailuresQueue: 'DigestFailuresQueueUrl',
  executionFailuresQueue: 'ExecutionFailuresQueueUrl',
  schedulerDlq: 'SchedulerDlqUrl',
  chatTopic: 'ChatTopicArn',
  /** Only with `remediation.enabled` (docs/remediation.md). */
  remediationStateMachineArn: 'RemediationStateMachineArn',
  remediationFailuresQueue: 'RemediationFailuresQueueUrl',
} as const;
export type StackOutputName = keyof typeof STACK_OUTPUTS;
export type StackOutputKey = (typeof STACK_OUTPUTS)[StackOutputName];

/** The outputs every AuditorStack has (not `chatTopic` nor the remediation ones, which are opt-in). */
export const ALWAYS_PRESENT_OUTPUTS = [
  STACK_OUTPUTS.stateMachineArn,
  STACK_OUTPUTS.reportBucket,
  STACK_OUTPUTS.digestTopic,
  STACK_OUTPUTS.accountFailuresQueue,
  STACK_OUTPUTS.digestFailuresQueue,
  STACK_OUTPUTS.executionFailuresQueue,
  STACK_OUTPUTS.schedulerDlq,
] as const satisfies readonly StackOutputKey[];
