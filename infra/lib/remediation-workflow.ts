/**
 * Approval-gated deactivation in the audit account (docs/remediation.md), only with
 * `remediation.enabled`: the RemediateKeys state machine (the ASL file, inlined) with its role
 * and log group, and its three Lambdas with their grants. The audit starts it; a person decides
 * with `keyaudit approve` / `reject`; the member accounts' remediation role is in
 * remediation-role-stack.ts.
 */
import { REMEDIATION_FUNCTION_PLACEHOLDERS } from '@org-key-audit/statemachine/definition';
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Effect, type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { checkTaskTimeoutsOf } from './audit-workflow';
import { RemediationFunctions, TASK_OF_REMEDIATION_FUNCTION } from './auditor-functions';
import { type OrgKeyAuditConfig, remediationEnvironment } from './config';
import {
  REMEDIATION_ASL_PATH,
  type RemediationDefinitionPlaceholder,
  readRemediationDefinition,
} from './definition';
import { REMEDIATION_FUNCTION_NAMES, REMEDIATION_STATE_MACHINE_NAME } from './names';

export interface RemediationWorkflowProps {
  readonly config: OrgKeyAuditConfig;
  /** Encrypts the bucket, the topic, the queue and the log groups. */
  readonly key: IKey;
  readonly reportBucket: IBucket;
  /** RecordRemediation publishes the approval notice and the summary here. */
  readonly digestTopic: ITopic;
  /** RemediationFailuresDlq: the Catches send each failed key and request step here. */
  readonly remediationFailuresQueue: IQueue;
  /** The audit-account function's role: CheckKey runs as it. */
  readonly auditAccountRole: IRole;
  /** Folder with the handler files. @default functions/src/handlers */
  readonly handlersDir?: string;
  /** The ASL file. @default statemachine/remediate-keys.asl.json */
  readonly definitionPath?: string;
}

export class RemediationWorkflow extends Construct {
  readonly functions: RemediationFunctions;
  /** `OrgKeyAuditRemediateKeys` (a fixed name: the audit names it before it exists). */
  readonly stateMachine: StateMachine;
  readonly stateMachineRole: Role;
  /** `/aws/vendedlogs/states/OrgKeyAuditRemediateKeys`. */
  readonly logGroup: LogGroup;
  private readonly props: RemediationWorkflowProps;

  constructor(scope: Construct, id: string, props: RemediationWorkflowProps) {
    super(scope, id);
    this.props = props;
    const { config } = props;
    const definition = readRemediationDefinition(props.definitionPath);
    const remediationJson = remediationEnvironment(config);
    const service = { POWERTOOLS_SERVICE_NAME: 'org-key-audit' };

    this.functions = new RemediationFunctions(this, 'Functions', {
      ...(props.handlersDir === undefined ? {} : { handlersDir: props.handlersDir }),
      key: props.key,
      auditAccountRole: props.auditAccountRole,
      environment: {
        'record-remediation': {
          REPORT_BUCKET: props.reportBucket.bucketName,
          DIGEST_TOPIC_ARN: props.digestTopic.topicArn,
          REMEDIATION_JSON: remediationJson,
          ...service,
        },
        // What AuditAccount decides exemptions with, so a key exempted since the proposal is
        // skipped. No bucket: the Map item carries the proposed key.
        'check-key': {
          AUDIT_ROLE_NAME: config.auditRoleName,
          THRESHOLDS_JSON: JSON.stringify(config.thresholds),
          EXEMPTIONS_JSON: JSON.stringify(config.exemptions),
          REMEDIATION_JSON: remediationJson,
          ...service,
        },
        'remediate-key': { REMEDIATION_ROLE_NAME: config.remediation.roleName, ...service },
      },
    });
    checkTaskTimeoutsOf(
      definition,
      (Object.entries(REMEDIATION_FUNCTION_PLACEHOLDERS) as [RemediationDefinitionPlaceholder, string][]).map(
        ([placeholder, task]) => {
          const name = REMEDIATION_FUNCTION_NAMES.find((n) => TASK_OF_REMEDIATION_FUNCTION[n] === task);
          if (name === undefined) throw new Error(`no remediation function runs the ${task} task`);
          return {
            functionName: `org-key-audit-${name}`,
            placeholder,
            lambdaSeconds: this.functions.functions[name].timeout?.toSeconds(),
          };
        },
      ),
      props.definitionPath ?? REMEDIATION_ASL_PATH,
    );
    this.grantFunctionPermissions();

    this.stateMachineRole = new Role(this, 'RemediateKeysRole', {
      assumedBy: new ServicePrincipal('states.amazonaws.com'),
      description: 'org-key-audit RemediateKeys workflow',
    });
    this.grantStateMachinePermissions();
    this.logGroup = new LogGroup(this, 'RemediateKeysLogs', {
      logGroupName: `/aws/vendedlogs/states/${REMEDIATION_STATE_MACHINE_NAME}`,
      retention: RetentionDays.THREE_MONTHS,
      encryptionKey: props.key,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const fns = this.functions.functions;
    const substitutions: Record<RemediationDefinitionPlaceholder, string> = {
      RecordRemediationFunctionArn: fns['record-remediation'].functionArn,
      CheckKeyFunctionArn: fns['check-key'].functionArn,
      RemediateKeyFunctionArn: fns['remediate-key'].functionArn,
      RemediationFailuresQueueUrl: props.remediationFailuresQueue.queueUrl,
    };
    this.stateMachine = new StateMachine(this, 'RemediateKeys', {
      stateMachineName: REMEDIATION_STATE_MACHINE_NAME,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromString(definition),
      definitionSubstitutions: substitutions,
      role: this.stateMachineRole,
      // Without execution data: AwaitApproval's input carries the task token, and a copy in
      // CloudWatch Logs would let whoever reads the log group approve, not only who reads the
      // request in the bucket. The execution history keeps the data for operators.
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: false },
      tracingEnabled: true,
    });
  }

  private grantFunctionPermissions(): void {
    const { config, reportBucket, key, digestTopic } = this.props;
    const roles = this.functions.roles;
    const allow = (sid: string, actions: string[], resources: string[]) =>
      new PolicyStatement({ sid, effect: Effect.ALLOW, actions, resources });

    // Reads the request, writes task.json, outcome.json, reactivations and the markers.
    roles['record-remediation'].addToPrincipalPolicy(
      allow(
        'RemediationRecords',
        ['s3:GetObject', 's3:PutObject'],
        [reportBucket.arnForObjects('remediation/*')],
      ),
    );
    // It lists a request's reactivations, and reads an outcome that may not exist yet: S3 answers
    // 404 (not 403) only to a caller that may list the bucket (docs/aws-behaviour.md). Not limited
    // by s3:prefix: the GetObject that S3 judges this for carries no prefix, so a prefix condition
    // would make a missing outcome read as AccessDenied.
    roles['record-remediation'].addToPrincipalPolicy(
      allow('ListRemediationRecords', ['s3:ListBucket'], [reportBucket.bucketArn]),
    );
    roles['record-remediation'].addToPrincipalPolicy(
      allow('ApprovalNoticeAndSummary', ['sns:Publish'], [digestTopic.topicArn]),
    );
    roles['record-remediation'].addToPrincipalPolicy(
      allow('EncryptedBucketAndTopic', ['kms:Decrypt', 'kms:GenerateDataKey'], [key.keyArn]),
    );

    // CheckKey needs nothing beyond the audit-account role's own AssumeRole of the audit role: it
    // reads the key through that role, and gets the proposal in its input.

    roles['remediate-key'].addToPrincipalPolicy(
      allow(
        'AssumeTheRemediationRole',
        ['sts:AssumeRole'],
        [`arn:${Stack.of(this).partition}:iam::*:role/${config.remediation.roleName}`],
      ),
    );
  }

  private grantStateMachinePermissions(): void {
    const { key, remediationFailuresQueue } = this.props;
    const statements = [
      new PolicyStatement({
        sid: 'InvokeTheRemediationFunctions',
        actions: ['lambda:InvokeFunction'],
        resources: this.functions.functionArns,
      }),
      new PolicyStatement({
        sid: 'SendToTheRemediationDlq',
        actions: ['sqs:SendMessage'],
        resources: [remediationFailuresQueue.queueArn],
      }),
      new PolicyStatement({
        sid: 'EncryptedQueue',
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: [key.keyArn],
      }),
    ];
    for (const statement of statements) this.stateMachineRole.addToPrincipalPolicy(statement);
  }
}
