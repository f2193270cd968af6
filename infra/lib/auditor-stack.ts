/**
 * Everything that runs in the audit account: the workflow, its Lambdas, schedule, topics, DLQs,
 * alarms and the report bucket (docs/design.md, "Infrastructure"). Every request this stack's
 * resources make or receive is an edge in `infra/permissions/edges.ts`, evaluated against the
 * synthesized templates by the tests in test/deployment/.
 */
import { Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { EventField, type IRuleTarget, Rule, RuleTargetInput } from 'aws-cdk-lib/aws-events';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Schedule, ScheduleExpression, ScheduleTargetInput } from 'aws-cdk-lib/aws-scheduler';
import { StepFunctionsStartExecution } from 'aws-cdk-lib/aws-scheduler-targets';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { ArnFormat, CfnOutput, TimeZone } from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';
import { AuditorFunctions } from './auditor-functions';
import { acknowledgeAuditorFindings } from './auditor-nag';
import type { OrgKeyAuditConfig } from './config';
import { type DefinitionPlaceholder, readDefinition } from './definition';
import { refuseDeploymentOfExample, roleArn, STATE_MACHINE_NAME } from './names';

export interface AuditorStackProps extends StackProps {
  readonly config: OrgKeyAuditConfig;
  /** Folder with the handler files. @default functions/src/handlers */
  readonly handlersDir?: string;
  /** The ASL file. @default statemachine/audit-organization.asl.json */
  readonly definitionPath?: string;
}

/** The Distributed Map's ResultWriter `Prefix` in the ASL file (contracts.md, "S3 layout"). */
export const RESULT_WRITER_PREFIX = 'map';

/** The DLQs; every one has an alarm. */
export const QUEUE_IDS = [
  'SchedulerDlq',
  'AccountFailuresDlq',
  'DigestFailuresDlq',
  'ExecutionFailuresDlq',
] as const;
export type QueueId = (typeof QUEUE_IDS)[number];

/**
 * Fixed, so the key policy can name the rule in `aws:SourceArn`: the key encrypts the queue the
 * rule targets, and a reference to the rule from the key would be a circular dependency.
 */
export const EXECUTION_FAILED_RULE_NAME = 'org-key-audit-execution-failed';

export class AuditorStack extends Stack {
  readonly key: Key;
  readonly reportBucket: Bucket;
  readonly digestTopic: Topic;
  readonly alarmTopic: Topic;
  readonly queues: Readonly<Record<QueueId, Queue>>;
  readonly functions: AuditorFunctions;
  readonly stateMachine: StateMachine;
  readonly stateMachineRole: Role;
  readonly schedule: Schedule;
  readonly auditRoleName: string;

  constructor(scope: Construct, id: string, props: AuditorStackProps) {
    super(scope, id, props);
    const { config } = props;
    refuseDeploymentOfExample(this, config);
    this.auditRoleName = config.auditRoleName;

    // One customer-managed key: the AWS-managed SNS/SQS keys cannot grant CloudWatch, EventBridge
    // or Scheduler, which all write to these resources.
    this.key = new Key(this, 'Key', {
      alias: 'alias/org-key-audit',
      description: 'org-key-audit: reports, topics, DLQs and logs',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AlarmsPublishToEncryptedTopic',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'EncryptedLogGroups',
        principals: [new ServicePrincipal(`logs.${this.region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${this.partition}:logs:${this.region}:${this.account}:*`,
          },
        },
      }),
    );

    const accessLogs = new Bucket(this, 'AccessLogsBucket', {
      // Server access logs cannot be delivered to an SSE-KMS bucket.
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      lifecycleRules: [{ expiration: Duration.days(config.reportRetentionDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.reportBucket = new Bucket(this, 'ReportBucket', {
      encryption: BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'report-bucket/',
      lifecycleRules: [
        {
          expiration: Duration.days(config.reportRetentionDays),
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      // Reports are audit evidence: deleting the stack must not delete them.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.digestTopic = new Topic(this, 'DigestTopic', {
      topicName: 'org-key-audit-digest',
      displayName: 'org-key-audit',
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const email of config.digestEmails) this.digestTopic.addSubscription(new EmailSubscription(email));
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      topicName: 'org-key-audit-alarms',
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const email of config.alarmEmails) this.alarmTopic.addSubscription(new EmailSubscription(email));
    // The topic policy replaces SNS's default one, and a service principal has no identity policy:
    // without this statement every alarm would go to ALARM and notify nobody.
    this.alarmTopic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'OurAlarmsPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnLike: {
            'aws:SourceArn': `arn:${this.partition}:cloudwatch:${this.region}:${this.account}:alarm:*`,
          },
        },
      }),
    );

    const queues = {} as Record<QueueId, Queue>;
    for (const queueId of QUEUE_IDS) {
      queues[queueId] = new Queue(this, queueId, {
        encryption: QueueEncryption.KMS,
        encryptionMasterKey: this.key,
        enforceSSL: true,
        retentionPeriod: Duration.days(14),
      });
    }
    this.queues = queues;

    this.functions = new AuditorFunctions(this, 'Functions', {
      ...(props.handlersDir === undefined ? {} : { handlersDir: props.handlersDir }),
      key: this.key,
      environment: {
        REPORT_BUCKET: this.reportBucket.bucketName,
        AUDIT_ROLE_NAME: config.auditRoleName,
        DIGEST_TOPIC_ARN: this.digestTopic.topicArn,
        ...(config.useOrgReaderRole
          ? { ORG_READER_ROLE_ARN: roleArn(config.managementAccountId, config.orgReaderRoleName) }
          : {}),
        THRESHOLDS_JSON: JSON.stringify(config.thresholds),
        EXEMPTIONS_JSON: JSON.stringify(config.exemptions),
        MAP_MAX_CONCURRENCY: String(config.mapMaxConcurrency),
        POWERTOOLS_SERVICE_NAME: 'org-key-audit',
      },
    });
    this.grantFunctionPermissions(config);

    this.stateMachineRole = new Role(this, 'StateMachineRole', {
      assumedBy: new ServicePrincipal('states.amazonaws.com'),
      description: 'org-key-audit AuditOrganization workflow',
    });
    this.grantStateMachinePermissions();
    const logGroup = new LogGroup(this, 'StateMachineLogs', {
      logGroupName: `/aws/vendedlogs/states/org-key-audit-${STATE_MACHINE_NAME}`,
      retention: RetentionDays.THREE_MONTHS,
      encryptionKey: this.key,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const fns = this.functions.functions;
    const substitutions: Record<DefinitionPlaceholder, string> = {
      ValidateInputFunctionArn: fns['validate-input'].functionArn,
      ListAccountsFunctionArn: fns['list-accounts'].functionArn,
      AuditAccountFunctionArn: fns['audit-account'].functionArn,
      BuildDigestFunctionArn: fns['build-digest'].functionArn,
      PublishDigestFunctionArn: fns['publish-digest'].functionArn,
      AccountFailuresQueueUrl: queues.AccountFailuresDlq.queueUrl,
      DigestFailuresQueueUrl: queues.DigestFailuresDlq.queueUrl,
      ReportBucket: this.reportBucket.bucketName,
      ChildExecutionType: config.childExecutionType,
    };
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: STATE_MACHINE_NAME,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromString(readDefinition(props.definitionPath)),
      definitionSubstitutions: substitutions,
      role: this.stateMachineRole,
      logs: { destination: logGroup, level: LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });

    const schedulerRole = new Role(this, 'SchedulerRole', {
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
      description: 'org-key-audit daily schedule',
    });
    // The target grants StartExecution and sqs:SendMessage, but not the DLQ's KMS key.
    this.key.grant(schedulerRole, 'kms:GenerateDataKey', 'kms:Decrypt');
    this.schedule = new Schedule(this, 'DailySchedule', {
      description: 'Runs the organization access-key audit',
      schedule: ScheduleExpression.expression(
        config.schedule.expression,
        TimeZone.of(config.schedule.timeZone),
      ),
      enabled: config.schedule.enabled,
      target: new StepFunctionsStartExecution(this.stateMachine, {
        input: ScheduleTargetInput.fromObject({}),
        role: schedulerRole,
        deadLetterQueue: queues.SchedulerDlq,
        retryAttempts: 10,
        maxEventAge: Duration.hours(6),
      }),
    });

    // Step Functions has no DLQ for a failed execution; EventBridge delivers the event instead.
    this.addExecutionFailedRule(queues.ExecutionFailuresDlq);

    const alarmAction = new SnsAction(this.alarmTopic);
    for (const queueId of QUEUE_IDS) {
      new Alarm(this, `${queueId}Alarm`, {
        alarmDescription: `org-key-audit: messages in ${queueId}; read them for the failure and its rerun input`,
        metric: queues[queueId].metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
        threshold: 0,
        comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(alarmAction);
    }
    new Alarm(this, 'ExecutionsFailedAlarm', {
      alarmDescription: 'org-key-audit: an AuditOrganization execution failed, timed out or was aborted',
      metric: this.stateMachine.metricFailed({ period: Duration.minutes(5) }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    }).addAlarmAction(alarmAction);

    new CfnOutput(this, 'StateMachineArn', { value: this.stateMachine.stateMachineArn });
    new CfnOutput(this, 'ReportBucketName', { value: this.reportBucket.bucketName });
    new CfnOutput(this, 'DigestTopicArn', { value: this.digestTopic.topicArn });
    // `keyaudit dlq` finds its queues by these output names.
    new CfnOutput(this, 'AccountFailuresQueueUrl', { value: queues.AccountFailuresDlq.queueUrl });
    new CfnOutput(this, 'DigestFailuresQueueUrl', { value: queues.DigestFailuresDlq.queueUrl });
    new CfnOutput(this, 'ExecutionFailuresQueueUrl', { value: queues.ExecutionFailuresDlq.queueUrl });
    new CfnOutput(this, 'SchedulerDlqUrl', { value: queues.SchedulerDlq.queueUrl });

    // Last: the findings name resources and ids that exist only once everything above is built.
    acknowledgeAuditorFindings(this, accessLogs);
  }

  /**
   * The rule and the two grants it needs, each limited to this rule of this account: otherwise any
   * account's EventBridge could put fake execution failures in the DLQ, which `keyaudit dlq replay`
   * acts on. (CDK's SqsQueue target drops `aws:SourceArn` for KMS-encrypted queues.)
   */
  private addExecutionFailedRule(dlq: Queue): void {
    const ruleArn = this.formatArn({
      service: 'events',
      resource: 'rule',
      resourceName: EXECUTION_FAILED_RULE_NAME,
    });
    const fromThisRule = {
      ArnEquals: { 'aws:SourceArn': ruleArn },
      StringEquals: { 'aws:SourceAccount': this.account },
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
    new Rule(this, 'ExecutionFailedRule', {
      ruleName: EXECUTION_FAILED_RULE_NAME,
      description: 'org-key-audit: failed, timed-out or aborted AuditOrganization executions',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
          stateMachineArn: [this.stateMachine.stateMachineArn],
        },
      },
      targets: [target],
    });
  }

  private objectsArn(prefix: string): string {
    return this.reportBucket.arnForObjects(`${prefix}*`);
  }

  private grantFunctionPermissions(config: OrgKeyAuditConfig): void {
    const roles = this.functions.roles;
    const keyArn = this.key.keyArn;
    const allow = (actions: string[], resources: string[]) =>
      new PolicyStatement({ effect: Effect.ALLOW, actions, resources });

    roles['list-accounts'].addToPrincipalPolicy(allow(['s3:PutObject'], [this.objectsArn('runs/')]));
    roles['list-accounts'].addToPrincipalPolicy(
      config.useOrgReaderRole
        ? allow(['sts:AssumeRole'], [roleArn(config.managementAccountId, config.orgReaderRoleName)])
        : allow(['organizations:ListAccounts'], ['*']),
    );

    roles['audit-account'].addToPrincipalPolicy(
      allow(['sts:AssumeRole'], [`arn:${this.partition}:iam::*:role/${config.auditRoleName}`]),
    );
    roles['audit-account'].addToPrincipalPolicy(allow(['s3:PutObject'], [this.objectsArn('runs/')]));

    roles['build-digest'].addToPrincipalPolicy(
      allow(['s3:GetObject'], [this.objectsArn('runs/'), this.objectsArn(`${RESULT_WRITER_PREFIX}/`)]),
    );
    roles['build-digest'].addToPrincipalPolicy(allow(['s3:PutObject'], [this.objectsArn('reports/')]));

    roles['publish-digest'].addToPrincipalPolicy(allow(['s3:GetObject'], [this.objectsArn('reports/')]));
    roles['publish-digest'].addToPrincipalPolicy(allow(['sns:Publish'], [this.digestTopic.topicArn]));

    for (const name of ['list-accounts', 'audit-account', 'build-digest', 'publish-digest'] as const) {
      roles[name].addToPrincipalPolicy(allow(['kms:Decrypt', 'kms:GenerateDataKey'], [keyArn]));
    }
  }

  private grantStateMachinePermissions(): void {
    const role = this.stateMachineRole;
    const stateMachineArn = this.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: STATE_MACHINE_NAME,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    // Child executions of the Distributed Map: execution:<name>/<map label>:<id>.
    const childExecutions = this.formatArn({
      service: 'states',
      resource: 'execution',
      resourceName: `${STATE_MACHINE_NAME}/*`,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    const statements = [
      new PolicyStatement({
        sid: 'InvokeTheAuditorFunctions',
        actions: ['lambda:InvokeFunction'],
        resources: this.functions.functionArns,
      }),
      new PolicyStatement({
        sid: 'SendToTheCatchDlqs',
        actions: ['sqs:SendMessage'],
        resources: [this.queues.AccountFailuresDlq.queueArn, this.queues.DigestFailuresDlq.queueArn],
      }),
      new PolicyStatement({
        sid: 'MapItemReader',
        actions: ['s3:GetObject'],
        resources: [this.objectsArn('runs/')],
      }),
      new PolicyStatement({
        sid: 'MapResultWriter',
        // As CDK's own ResultWriter and AWS's Distributed Map example grant: the writer reads back.
        actions: ['s3:PutObject', 's3:GetObject', 's3:ListMultipartUploadParts', 's3:AbortMultipartUpload'],
        resources: [this.objectsArn(`${RESULT_WRITER_PREFIX}/`)],
      }),
      new PolicyStatement({
        sid: 'EncryptedQueuesAndBucket',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [this.key.keyArn],
      }),
      new PolicyStatement({
        sid: 'DistributedMapStartsChildren',
        actions: ['states:StartExecution'],
        resources: [stateMachineArn],
      }),
      new PolicyStatement({
        sid: 'DistributedMapManagesChildren',
        actions: ['states:DescribeExecution', 'states:StopExecution', 'states:RedriveExecution'],
        resources: [childExecutions],
      }),
    ];
    for (const statement of statements) role.addToPrincipalPolicy(statement);
  }
}
