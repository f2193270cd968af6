/**
 * Where every failure of the audit ends: four KMS-encrypted DLQs (five with remediation), an
 * alarm on each, and the EventBridge rule that turns a failed execution into a message (Step
 * Functions has no DLQ of its own). `keyaudit dlq` reads and replays these queues.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { EventField, type IRuleTarget, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { IStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';

/** The DLQs; every one has an alarm. */
export const QUEUE_IDS = [
  'SchedulerDlq',
  'AccountFailuresDlq',
  'DigestFailuresDlq',
  'ExecutionFailuresDlq',
] as const;
export type QueueId = (typeof QUEUE_IDS)[number];

/**
 * The fifth DLQ, only with `remediation.enabled`: RemediateKeys' Catches send each failed key
 * (with the input that retries it) and each failed request step here.
 */
export const REMEDIATION_QUEUE_ID = 'RemediationFailuresDlq';

/**
 * Fixed, so the key policy can name the rule in `aws:SourceArn`: the key encrypts the queue the
 * rule targets, and a reference to the rule from the key would be a circular dependency.
 */
export const EXECUTION_FAILED_RULE_NAME = 'org-key-audit-execution-failed';

export interface FailureQueuesProps {
  /**
   * Encrypts the queues. `watchExecutions` adds the statement that lets the rule (and only the
   * rule) use it.
   */
  readonly key: IKey;
  /** Notified by every alarm. */
  readonly alarmTopic: ITopic;
  /** Adds RemediationFailuresDlq and its alarm (config `remediation.enabled`). @default false */
  readonly remediation?: boolean;
}

/** What `watchExecutions` made. */
export interface ExecutionFailureRouting {
  /** `org-key-audit-execution-failed`: FAILED, TIMED_OUT and ABORTED executions → ExecutionFailuresDlq. */
  readonly rule: Rule;
  /** On the state machine's ExecutionsFailed metric. */
  readonly alarm: Alarm;
  /** On RemediateKeys' ExecutionsFailed metric, when it is watched too. */
  readonly remediationAlarm?: Alarm;
}

export class FailureQueues extends Construct {
  readonly queues: Readonly<Record<QueueId, Queue>>;
  /** `RemediationFailuresDlq`, only with `remediation`. */
  readonly remediationFailuresQueue?: Queue;
  /** The action every alarm of the audit notifies. */
  readonly alarmAction: SnsAction;
  private readonly key: IKey;

  constructor(scope: Construct, id: string, props: FailureQueuesProps) {
    super(scope, id);
    this.key = props.key;
    const queues = {} as Record<QueueId, Queue>;
    for (const queueId of QUEUE_IDS) queues[queueId] = this.createQueue(queueId);
    this.queues = queues;
    if (props.remediation === true) this.remediationFailuresQueue = this.createQueue(REMEDIATION_QUEUE_ID);

    this.alarmAction = new SnsAction(props.alarmTopic);
    for (const queueId of QUEUE_IDS) this.alarmOnMessages(queueId, queues[queueId]);
    if (this.remediationFailuresQueue !== undefined) {
      this.alarmOnMessages(REMEDIATION_QUEUE_ID, this.remediationFailuresQueue);
    }
  }

  private createQueue(queueId: string): Queue {
    return new Queue(this, queueId, {
      encryption: QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
  }

  private alarmOnMessages(queueId: string, queue: Queue): void {
    new Alarm(this, `${queueId}Alarm`, {
      alarmDescription: `org-key-audit: messages in ${queueId}; read them for the failure and its rerun input`,
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(this.alarmAction);
  }

  /**
   * Routes the state machine's failed, timed-out and aborted executions to ExecutionFailuresDlq,
   * and alarms on them. The rule and the two grants it needs are each limited to this rule of
   * this account: otherwise any account's EventBridge could put fake execution failures in the
   * DLQ, which `keyaudit dlq replay` acts on. (CDK's SqsQueue target drops `aws:SourceArn` for
   * KMS-encrypted queues.) Call it once. With `remediation` (RemediateKeys), the same rule also
   * routes that machine's executions, so every failed execution still ends in one DLQ and the
   * rule's two grants stay the only ones, and a second alarm watches its failures.
   */
  watchExecutions(stateMachine: IStateMachine, remediation?: IStateMachine): ExecutionFailureRouting {
    const stack = Stack.of(this);
    const dlq = this.queues.ExecutionFailuresDlq;
    const ruleArn = stack.formatArn({
      service: 'events',
      resource: 'rule',
      resourceName: EXECUTION_FAILED_RULE_NAME,
    });
    const fromThisRule = {
      ArnEquals: { 'aws:SourceArn': ruleArn },
      StringEquals: { 'aws:SourceAccount': stack.account },
    };
    const events = new ServicePrincipal('events.amazonaws.com');
    dlq.addToResourcePolicy(
      new PolicyStatement({
        sid: 'ExecutionFailedRuleSends',
        principals: [events],
        actions: ['sqs:SendMessage'],
        resources: [dlq.queueArn],
        conditions: fromThisRule,
      }),
    );
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'ExecutionFailedRuleEncrypts',
        principals: [events],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: fromThisRule,
      }),
    );
    const target: IRuleTarget = {
      bind: () => ({
        arn: dlq.queueArn,
        input: RuleTargetInput.fromObject({
          kind: 'execution-failure',
          executionArn: EventField.fromPath('$.detail.executionArn'),
          status: EventField.fromPath('$.detail.status'),
          error: EventField.fromPath('$.detail.error'),
          cause: EventField.fromPath('$.detail.cause'),
        }),
      }),
    };
    const rule = new Rule(this, 'ExecutionFailedRule', {
      ruleName: EXECUTION_FAILED_RULE_NAME,
      description:
        remediation === undefined
          ? 'org-key-audit: failed, timed-out or aborted AuditOrganization executions'
          : 'org-key-audit: failed, timed-out or aborted AuditOrganization and OrgKeyAuditRemediateKeys executions',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
          stateMachineArn: [
            stateMachine.stateMachineArn,
            ...(remediation === undefined ? [] : [remediation.stateMachineArn]),
          ],
        },
      },
      targets: [target],
    });

    const alarm = new Alarm(this, 'ExecutionsFailedAlarm', {
      alarmDescription: 'org-key-audit: an AuditOrganization execution failed, timed out or was aborted',
      metric: stateMachine.metricFailed({ period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(this.alarmAction);
    if (remediation === undefined) return { rule, alarm };

    const remediationAlarm = new Alarm(this, 'RemediationExecutionsFailedAlarm', {
      alarmDescription:
        'org-key-audit: an OrgKeyAuditRemediateKeys execution failed, timed out or was aborted; ExecutionFailuresDlq has the execution, RemediationFailuresDlq the step that failed and its retry input',
      metric: remediation.metricFailed({ period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    remediationAlarm.addAlarmAction(this.alarmAction);
    return { rule, alarm, remediationAlarm };
  }
}
