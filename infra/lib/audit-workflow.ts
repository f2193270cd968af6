/**
 * The AuditOrganization workflow: the six Lambdas with their grants, and the state machine (the
 * ASL file, inlined) with its role and log group (docs/design.md, "Infrastructure").
 */
import {
  ACCOUNT_TAG_CACHE_KEY,
  OPEN_MARKERS_PREFIX,
  REMEDIATION_PREFIX,
} from '@org-key-audit/functions/core';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { ArnFormat } from 'aws-cdk-lib/core';
import { Construct } from 'constructs';
import { AuditorFunctions } from './auditor-functions';
import {
  listAccountsTimeoutSeconds,
  type OrgKeyAuditConfig,
  ownerRulesOf,
  publishDigestTimeoutSeconds,
  remediationEnvironment,
  securityHubEnvironment,
} from './config';
import { type DefinitionPlaceholder, readDefinition } from './definition';
import {
  type FunctionName,
  REMEDIATION_STATE_MACHINE_NAME,
  roleArn,
  STATE_MACHINE_NAME,
  stateMachineArnIn,
} from './names';
import { ownerOrganizationsAccess, ownerOrganizationsStatements } from './owners';

/** The Distributed Map's ResultWriter `Prefix` in the ASL file (contracts.md, "S3 layout"). */
export const RESULT_WRITER_PREFIX = 'map';

export interface AuditWorkflowProps {
  readonly config: OrgKeyAuditConfig;
  /** Encrypts the report bucket, the queues and the topic; also the log groups. */
  readonly key: IKey;
  readonly reportBucket: IBucket;
  /** PublishDigest publishes the digest here. */
  readonly digestTopic: ITopic;
  /**
   * PublishDigest also sends the run's chat notification here (config `chat.enabled`; the topic
   * exists only then). @default none
   */
  readonly chatTopic?: ITopic;
  /** The Distributed Map's Catch sends each failed account here. */
  readonly accountFailuresQueue: IQueue;
  /** BuildDigest's and PublishDigest's Catch send the run here. */
  readonly digestFailuresQueue: IQueue;
  /** Folder with the handler files. @default functions/src/handlers */
  readonly handlersDir?: string;
  /** The ASL file. @default statemachine/audit-organization.asl.json */
  readonly definitionPath?: string;
}

/**
 * Every grant is written out, per function and for the state machine, limited to the prefixes of
 * the report bucket each one uses; `infra/permissions/edges.ts` lists the requests they must allow.
 */
export class AuditWorkflow extends Construct {
  readonly functions: AuditorFunctions;
  /** `AuditOrganization` (a fixed name: one per account and region). */
  readonly stateMachine: StateMachine;
  readonly stateMachineRole: Role;
  /** `/aws/vendedlogs/states/org-key-audit-AuditOrganization`. */
  readonly logGroup: LogGroup;
  private readonly props: AuditWorkflowProps;

  constructor(scope: Construct, id: string, props: AuditWorkflowProps) {
    super(scope, id);
    this.props = props;
    const { config } = props;

    const definition = readDefinition(props.definitionPath);
    const timeouts = {
      'list-accounts': Duration.seconds(listAccountsTimeoutSeconds(config.owners)),
      'publish-digest': Duration.seconds(publishDigestTimeoutSeconds(config.owners)),
    } as const;
    this.functions = new AuditorFunctions(this, 'Functions', {
      ...(props.handlersDir === undefined ? {} : { handlersDir: props.handlersDir }),
      key: props.key,
      timeouts,
      environment: {
        REPORT_BUCKET: props.reportBucket.bucketName,
        AUDIT_ROLE_NAME: config.auditRoleName,
        DIGEST_TOPIC_ARN: props.digestTopic.topicArn,
        ...(config.useOrgReaderRole
          ? { ORG_READER_ROLE_ARN: roleArn(config.managementAccountId, config.orgReaderRoleName) }
          : {}),
        THRESHOLDS_JSON: JSON.stringify(config.thresholds),
        EXEMPTIONS_JSON: JSON.stringify(config.exemptions),
        MAP_MAX_CONCURRENCY: String(config.mapMaxConcurrency),
        MAX_AUDIT_ITERATIONS: String(config.maxAuditIterations),
        AUDIT_SAFETY_MARGIN_MS: String(config.auditSafetyMarginSeconds * 1000),
        // Always set, defaults included, so the deployed rules can be read off the function.
        OWNERS_JSON: JSON.stringify(ownerRulesOf(config)),
        POWERTOOLS_SERVICE_NAME: 'org-key-audit',
      },
      functionEnvironment: {
        // Always set, `enabled: false` included: the function answers DISABLED without a call.
        'import-findings': { SECURITY_HUB_JSON: securityHubEnvironment(config) },
        ...(props.chatTopic === undefined
          ? {}
          : { 'publish-digest': { CHAT_TOPIC_ARN: props.chatTopic.topicArn } }),
        // Unset when disabled: BuildDigest then proposes nothing and touches no remediation/ object.
        ...(config.remediation.enabled
          ? { 'build-digest': { REMEDIATION_JSON: remediationEnvironment(config) } }
          : {}),
      },
    });
    checkTaskTimeouts(definition, this.functions, props.definitionPath);
    this.grantFunctionPermissions();

    this.stateMachineRole = new Role(this, 'StateMachineRole', {
      assumedBy: new ServicePrincipal('states.amazonaws.com'),
      description: 'org-key-audit AuditOrganization workflow',
    });
    this.grantStateMachinePermissions();
    this.logGroup = new LogGroup(this, 'StateMachineLogs', {
      logGroupName: `/aws/vendedlogs/states/org-key-audit-${STATE_MACHINE_NAME}`,
      retention: RetentionDays.THREE_MONTHS,
      encryptionKey: props.key,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const fns = this.functions.functions;
    const substitutions: Record<DefinitionPlaceholder, string> = {
      ValidateInputFunctionArn: fns['validate-input'].functionArn,
      ListAccountsFunctionArn: fns['list-accounts'].functionArn,
      AuditAccountFunctionArn: fns['audit-account'].functionArn,
      BuildDigestFunctionArn: fns['build-digest'].functionArn,
      ImportFindingsFunctionArn: fns['import-findings'].functionArn,
      PublishDigestFunctionArn: fns['publish-digest'].functionArn,
      AccountFailuresQueueUrl: props.accountFailuresQueue.queueUrl,
      DigestFailuresQueueUrl: props.digestFailuresQueue.queueUrl,
      ReportBucket: props.reportBucket.bucketName,
      ChildExecutionType: config.childExecutionType,
      // Built from the fixed name even when the machine exists: no reference, so no ordering
      // between the two machines; disabled, BuildDigest never answers a request to start.
      RemediationStateMachineArn: stateMachineArnIn(Stack.of(this), REMEDIATION_STATE_MACHINE_NAME),
    };
    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineName: STATE_MACHINE_NAME,
      stateMachineType: StateMachineType.STANDARD,
      definitionBody: DefinitionBody.fromString(definition),
      definitionSubstitutions: substitutions,
      role: this.stateMachineRole,
      logs: { destination: this.logGroup, level: LogLevel.ALL, includeExecutionData: true },
      tracingEnabled: true,
    });
  }

  private objectsArn(prefix: string): string {
    return this.props.reportBucket.arnForObjects(`${prefix}*`);
  }

  private grantFunctionPermissions(): void {
    const { config } = this.props;
    const roles = this.functions.roles;
    const keyArn = this.props.key.keyArn;
    const allow = (actions: string[], resources: string[]) =>
      new PolicyStatement({ effect: Effect.ALLOW, actions, resources });

    roles['list-accounts'].addToPrincipalPolicy(allow(['s3:PutObject'], [this.objectsArn('runs/')]));
    roles['list-accounts'].addToPrincipalPolicy(
      config.useOrgReaderRole
        ? allow(['sts:AssumeRole'], [roleArn(config.managementAccountId, config.orgReaderRoleName)])
        : allow(['organizations:ListAccounts'], ['*']),
    );

    // Owners: the Organizations reads (here, or on the org-reader role: app.ts) and the tag cache.
    const ownerAccess = ownerOrganizationsAccess(config);
    if (!config.useOrgReaderRole) {
      for (const statement of ownerOrganizationsStatements({
        access: ownerAccess,
        managementAccountId: config.managementAccountId,
        organizationId: config.organizationId,
        partition: Stack.of(this).partition,
      })) {
        roles['list-accounts'].addToPrincipalPolicy(statement);
      }
    }
    if (ownerAccess.accountTags) {
      const cache = this.props.reportBucket.arnForObjects(ACCOUNT_TAG_CACHE_KEY);
      roles['list-accounts'].addToPrincipalPolicy(allow(['s3:GetObject', 's3:PutObject'], [cache]));
      // As for BuildDigest: a first run finds no cache, and only a caller that may list the
      // bucket hears 404 NoSuchKey instead of 403 AccessDenied (docs/aws-behaviour.md).
      roles['list-accounts'].addToPrincipalPolicy(
        allow(['s3:ListBucket'], [this.props.reportBucket.bucketArn]),
      );
    }

    roles['audit-account'].addToPrincipalPolicy(
      allow(['sts:AssumeRole'], [`arn:${Stack.of(this).partition}:iam::*:role/${config.auditRoleName}`]),
    );
    roles['audit-account'].addToPrincipalPolicy(allow(['s3:PutObject'], [this.objectsArn('runs/')]));

    roles['build-digest'].addToPrincipalPolicy(
      allow(['s3:GetObject'], [this.objectsArn('runs/'), this.objectsArn(`${RESULT_WRITER_PREFIX}/`)]),
    );
    roles['build-digest'].addToPrincipalPolicy(
      allow(['s3:PutObject'], [this.objectsArn('reports/'), this.objectsArn('history/')]),
    );
    roles['build-digest'].addToPrincipalPolicy(allow(['s3:GetObject'], [this.objectsArn('history/')]));
    // Without s3:ListBucket, S3 answers a GetObject of a missing key with 403 AccessDenied, not
    // 404 NoSuchKey: BuildDigest must tell "this account never stored a result" and "no full run
    // recorded yet" from a denied read (docs/aws-behaviour.md).
    roles['build-digest'].addToPrincipalPolicy(allow(['s3:ListBucket'], [this.props.reportBucket.bucketArn]));

    roles['publish-digest'].addToPrincipalPolicy(allow(['s3:GetObject'], [this.objectsArn('reports/')]));
    roles['publish-digest'].addToPrincipalPolicy(allow(['sns:Publish'], [this.props.digestTopic.topicArn]));
    if (this.props.chatTopic !== undefined) {
      roles['publish-digest'].addToPrincipalPolicy(allow(['sns:Publish'], [this.props.chatTopic.topicArn]));
    }

    for (const name of ['list-accounts', 'audit-account', 'build-digest', 'publish-digest'] as const) {
      roles[name].addToPrincipalPolicy(allow(['kms:Decrypt', 'kms:GenerateDataKey'], [keyArn]));
    }
    this.grantSecurityHubImport();
    this.grantRemediationProposals();
  }

  /**
   * BuildDigest's side of remediation (docs/remediation.md, "Stored objects"), only when enabled:
   * it stores requests and open markers, reads markers and closed requests' outcomes for the
   * digest, and removes closed markers. Its s3:ListBucket on the bucket (above) lets it list the
   * markers. Deleting is limited to the markers: requests and outcomes are the record.
   */
  private grantRemediationProposals(): void {
    if (!this.props.config.remediation.enabled) return;
    const role = this.functions.roles['build-digest'];
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'RemediationRequestsAndMarkers',
        effect: Effect.ALLOW,
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [this.objectsArn(REMEDIATION_PREFIX)],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'RemoveClosedMarkers',
        effect: Effect.ALLOW,
        actions: ['s3:DeleteObject'],
        resources: [this.objectsArn(OPEN_MARKERS_PREFIX)],
      }),
    );
  }

  /**
   * ImportFindings, only with `securityHub.enabled` (disabled, it makes no call and holds no
   * grant but its logs and traces): it reads the run's report.json, asks Security Hub for this
   * product's active findings, and imports the run's (and archives the resolved ones) through
   * BatchImportFindings, whose only resource type is the product (Service Authorization
   * Reference, "Actions, resources, and condition keys for AWS Security Hub"). An account's own
   * findings go to its default product, `product/<account>/default`; GetFindings takes the hub.
   * Both in the configured region of this account only. Reading an SSE-KMS object takes
   * kms:Decrypt, and only that.
   */
  private grantSecurityHubImport(): void {
    const { config } = this.props;
    if (!config.securityHub.enabled) return;
    const role = this.functions.roles['import-findings'];
    for (const statement of securityHubStatements({
      partition: Stack.of(this).partition,
      region: config.securityHub.region,
      account: Stack.of(this).account,
    })) {
      role.addToPrincipalPolicy(statement);
    }
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'ImportReadsTheReport',
        effect: Effect.ALLOW,
        actions: ['s3:GetObject'],
        resources: [this.objectsArn('reports/')],
      }),
    );
    role.addToPrincipalPolicy(
      new PolicyStatement({
        sid: 'ImportDecryptsTheReport',
        effect: Effect.ALLOW,
        actions: ['kms:Decrypt'],
        resources: [this.props.key.keyArn],
      }),
    );
  }

  private grantStateMachinePermissions(): void {
    const stack = Stack.of(this);
    const role = this.stateMachineRole;
    const stateMachineArn = stack.formatArn({
      service: 'states',
      resource: 'stateMachine',
      resourceName: STATE_MACHINE_NAME,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    // Child executions of the Distributed Map: execution:<name>/<map label>:<id>.
    const childExecutions = stack.formatArn({
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
        resources: [this.props.accountFailuresQueue.queueArn, this.props.digestFailuresQueue.queueArn],
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
        resources: [this.props.key.keyArn],
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
    if (this.props.config.remediation.enabled) {
      // StartDeactivationRequest is fire-and-forget (no .sync): starting is all it does.
      statements.push(
        new PolicyStatement({
          sid: 'StartDeactivationRequests',
          actions: ['states:StartExecution'],
          resources: [stateMachineArnIn(stack, REMEDIATION_STATE_MACHINE_NAME)],
        }),
      );
    }
    for (const statement of statements) role.addToPrincipalPolicy(statement);
  }
}

/** The ASL placeholder of each function's ARN (definition.ts). */
const FUNCTION_PLACEHOLDERS: Readonly<Record<FunctionName, DefinitionPlaceholder>> = {
  'validate-input': 'ValidateInputFunctionArn',
  'list-accounts': 'ListAccountsFunctionArn',
  'audit-account': 'AuditAccountFunctionArn',
  'build-digest': 'BuildDigestFunctionArn',
  'import-findings': 'ImportFindingsFunctionArn',
  'publish-digest': 'PublishDigestFunctionArn',
};

/** The Security Hub resources ImportFindings uses, in one account and region. */
export interface SecurityHubResources {
  /** `Stack.partition` (a token is fine). */
  readonly partition: string;
  /** `securityHub.region`. */
  readonly region: string;
  /** The audit account: findings are imported into its own hub. */
  readonly account: string;
}

/** `arn:<partition>:securityhub:<region>:<account>:product/<account>/default`. */
export function securityHubProductArn({ partition, region, account }: SecurityHubResources): string {
  return `arn:${partition}:securityhub:${region}:${account}:product/${account}/default`;
}

/** `arn:<partition>:securityhub:<region>:<account>:hub/default`. */
export function securityHubHubArn({ partition, region, account }: SecurityHubResources): string {
  return `arn:${partition}:securityhub:${region}:${account}:hub/default`;
}

/** BatchImportFindings on the account's own default product, GetFindings on its hub: nothing else. */
export function securityHubStatements(resources: SecurityHubResources): PolicyStatement[] {
  return [
    new PolicyStatement({
      sid: 'ImportIntoOwnProduct',
      effect: Effect.ALLOW,
      actions: ['securityhub:BatchImportFindings'],
      resources: [securityHubProductArn(resources)],
    }),
    new PolicyStatement({
      sid: 'ReadOwnFindings',
      effect: Effect.ALLOW,
      actions: ['securityhub:GetFindings'],
      resources: [securityHubHubArn(resources)],
    }),
  ];
}

interface TaskState {
  readonly Type?: string;
  readonly Parameters?: { readonly FunctionName?: unknown };
  readonly TimeoutSeconds?: number;
  readonly ItemProcessor?: { readonly States: Record<string, TaskState> };
  readonly Iterator?: { readonly States: Record<string, TaskState> };
}

/** One function of a definition: the placeholder its Tasks name it by, and how long it may run. */
export interface TaskFunction {
  readonly functionName: string;
  readonly placeholder: string;
  readonly lambdaSeconds: number | undefined;
  /** What else lengthens this function, for the message. @default none */
  readonly hint?: string;
}

/**
 * A Lambda that may run longer than its Task's TimeoutSeconds is cut off by Step Functions
 * (States.Timeout) while it is still working: refused at synthesis, naming both numbers.
 */
export function checkTaskTimeoutsOf(
  definition: string,
  taskFunctions: readonly TaskFunction[],
  path: string,
): void {
  const tasks: [string, TaskState][] = [];
  const walk = (states: Record<string, TaskState>) => {
    for (const [name, state] of Object.entries(states)) {
      tasks.push([name, state]);
      const inner = state.ItemProcessor ?? state.Iterator;
      if (inner) walk(inner.States);
    }
  };
  walk((JSON.parse(definition) as { States: Record<string, TaskState> }).States);
  for (const { functionName, placeholder, lambdaSeconds, hint } of taskFunctions) {
    for (const [name, state] of tasks) {
      if (state.Type !== 'Task' || state.Parameters?.FunctionName !== `\${${placeholder}}`) continue;
      if (state.TimeoutSeconds === undefined || lambdaSeconds === undefined) continue;
      if (lambdaSeconds > state.TimeoutSeconds) {
        throw new Error(
          `${functionName} may run ${lambdaSeconds} s, but the ${name} Task of ${path} times out after ${state.TimeoutSeconds} s: raise the Task's TimeoutSeconds to at least ${lambdaSeconds}${hint ?? ''}`,
        );
      }
    }
  }
}

function checkTaskTimeouts(definition: string, functions: AuditorFunctions, path: string | undefined): void {
  checkTaskTimeoutsOf(
    definition,
    (Object.entries(FUNCTION_PLACEHOLDERS) as [FunctionName, string][]).map(([fn, placeholder]) => ({
      functionName: `org-key-audit-${fn}`,
      placeholder,
      lambdaSeconds: functions.functions[fn].timeout?.toSeconds(),
      ...(fn === 'list-accounts'
        ? { hint: ', or lower owners.accountTags.maxPerRun (or raise requestsPerSecond) in the config' }
        : fn === 'publish-digest'
          ? { hint: ' (PublishDigest sends one message per owner in owners.endpoints)' }
          : {}),
    })),
    path ?? 'statemachine/audit-organization.asl.json',
  );
}
