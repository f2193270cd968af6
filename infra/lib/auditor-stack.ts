/**
 * The audit-account stack of this app: the OrgKeyAudit construct (everything that runs in the
 * audit account; see org-key-audit.ts) and the stack outputs `keyaudit` finds it by. Its fields
 * are the construct's, for the tests and tools that read them from the stack.
 */
import { STACK_OUTPUTS } from '@org-key-audit/statemachine/definition';
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Role } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { CfnOutput } from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';
import type { AuditorFunctions } from './auditor-functions';
import type { QueueId } from './failure-queues';
import { OrgKeyAudit, type OrgKeyAuditProps } from './org-key-audit';
import type { RemediationWorkflow } from './remediation-workflow';

export { RESULT_WRITER_PREFIX } from './audit-workflow';
export {
  EXECUTION_FAILED_RULE_NAME,
  QUEUE_IDS,
  type QueueId,
  REMEDIATION_QUEUE_ID,
} from './failure-queues';

export interface AuditorStackProps extends StackProps, OrgKeyAuditProps {}

/**
 * The stack outputs `keyaudit` finds the deployed resources by: their keys are STACK_OUTPUTS
 * (statemachine/src/stack-outputs.ts), which cli/src/ops/stack.ts reads by too; `keyaudit dlq`
 * finds its queues by the queue URLs. Added to the stack itself, so their names are exactly
 * these: a stack that holds an OrgKeyAudit calls this once, and operators pass its name to
 * `keyaudit --stack`.
 */
export function addOperatorOutputs(stack: Stack, audit: OrgKeyAudit): void {
  const { queues } = audit;
  new CfnOutput(stack, STACK_OUTPUTS.stateMachineArn, { value: audit.stateMachine.stateMachineArn });
  new CfnOutput(stack, STACK_OUTPUTS.reportBucket, { value: audit.reportBucket.bucketName });
  new CfnOutput(stack, STACK_OUTPUTS.digestTopic, { value: audit.digestTopic.topicArn });
  new CfnOutput(stack, STACK_OUTPUTS.accountFailuresQueue, { value: queues.AccountFailuresDlq.queueUrl });
  new CfnOutput(stack, STACK_OUTPUTS.digestFailuresQueue, { value: queues.DigestFailuresDlq.queueUrl });
  new CfnOutput(stack, STACK_OUTPUTS.executionFailuresQueue, { value: queues.ExecutionFailuresDlq.queueUrl });
  new CfnOutput(stack, STACK_OUTPUTS.schedulerDlq, { value: queues.SchedulerDlq.queueUrl });
  if (audit.chatTopic !== undefined) {
    // What a Slack or Microsoft Teams channel configuration names in SnsTopicArns (README.md, "Integrations").
    new CfnOutput(stack, STACK_OUTPUTS.chatTopic, {
      value: audit.chatTopic.topicArn,
      description:
        'org-key-audit-chat: attach an AWS::Chatbot::SlackChannelConfiguration or MicrosoftTeamsChannelConfiguration with this ARN in SnsTopicArns',
    });
  }
  const remediationQueue = audit.remediationFailuresQueue;
  if (audit.remediation !== undefined && remediationQueue !== undefined) {
    // What keyaudit approve / reject / reactivate and keyaudit dlq find the deactivation workflow by.
    new CfnOutput(stack, STACK_OUTPUTS.remediationStateMachineArn, {
      value: audit.remediation.stateMachine.stateMachineArn,
    });
    new CfnOutput(stack, STACK_OUTPUTS.remediationFailuresQueue, { value: remediationQueue.queueUrl });
  }
}

export class AuditorStack extends Stack {
  readonly audit: OrgKeyAudit;

  constructor(scope: Construct, id: string, props: AuditorStackProps) {
    super(scope, id, props);
    this.audit = new OrgKeyAudit(this, 'OrgKeyAudit', {
      config: props.config,
      ...(props.handlersDir === undefined ? {} : { handlersDir: props.handlersDir }),
      ...(props.definitionPath === undefined ? {} : { definitionPath: props.definitionPath }),
    });
    addOperatorOutputs(this, this.audit);
  }

  get key(): Key {
    return this.audit.key;
  }
  get reportBucket(): Bucket {
    return this.audit.reportBucket;
  }
  get digestTopic(): Topic {
    return this.audit.digestTopic;
  }
  get alarmTopic(): Topic {
    return this.audit.alarmTopic;
  }
  get chatTopic(): Topic | undefined {
    return this.audit.chatTopic;
  }
  get queues(): Readonly<Record<QueueId, Queue>> {
    return this.audit.queues;
  }
  get functions(): AuditorFunctions {
    return this.audit.functions;
  }
  get stateMachine(): StateMachine {
    return this.audit.stateMachine;
  }
  get stateMachineRole(): Role {
    return this.audit.stateMachineRole;
  }
  /** RemediateKeys and its functions, only with `remediation.enabled`. */
  get remediation(): RemediationWorkflow | undefined {
    return this.audit.remediation;
  }
  get schedule(): Schedule {
    return this.audit.schedule;
  }
  get auditRoleName(): string {
    return this.audit.config.auditRoleName;
  }
}
