/**
 * Runs the real audit workflow on this machine: the ASL file through the local runner, every
 * Task bound to the real Lambda handler factories. `keyaudit demo` points the clients at the
 * emulator, `keyaudit run` at real AWS; the e2e tests, the reliability suite and the
 * benchmarks use this too, so there is one way to assemble the product locally.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient, type STSClientConfig } from '@aws-sdk/client-sts';
import {
  GLOBAL_REGION,
  memberIamConfig,
  RETRY_CONFIG,
  type TemporaryCredentials,
} from '@org-key-audit/functions/aws';
import type { ConfigExemption, RemediationSettings } from '@org-key-audit/functions/core';
import {
  DEFAULT_AUDIT_SAFETY_MARGIN_MS,
  DEFAULT_MAX_AUDIT_ITERATIONS,
  DEFAULT_OWNER_RULES,
  DEFAULT_THRESHOLDS,
  type OwnerRules,
  type Thresholds,
} from '@org-key-audit/functions/core';
import {
  makeAuditAccountHandler,
  makeBuildDigestHandler,
  makeImportFindingsHandler,
  makeListAccountsHandler,
  makePublishDigestHandler,
  makeValidateInputHandler,
} from '@org-key-audit/functions/handlers';
import type { CollectParams } from '@org-key-audit/functions/runtime';
import { silentTelemetry, type Telemetry } from '@org-key-audit/functions/runtime';
import { FUNCTION_PLACEHOLDERS, lambdaSizingFor, type TaskName } from './definition';
import { defaultRemediationStateMachineArn } from './remediation-runner';
import {
  type MapChildProgress,
  type RedriveRecord,
  type RunWorkflowOptions,
  redriveWorkflow,
  runWorkflow,
  type WorkflowEvent,
  type WorkflowResult,
  type WorkflowTasks,
} from './runner';

/** Where each AWS service is reached, and as whom. */
export interface Connection {
  readonly region: string;
  /** Unset: the SDK's own resolution (AWS_ENDPOINT_URL or the real AWS endpoints). */
  readonly endpoint?: string;
  /** Unset: the SDK's default credential chain (profile, SSO, environment, ...). */
  readonly credentials?: STSClientConfig['credentials'];
}

export interface LocalAuditOptions {
  readonly input: unknown;
  readonly executionName?: string;
  /** IAM, STS and Organizations: the organization being audited. */
  readonly aws: Connection;
  /** S3 and SQS for the run's scratch data and DLQs; SNS for the digest. @default aws */
  readonly storage?: Connection;
  readonly reportBucket: string;
  readonly queues: {
    readonly accountFailures: string;
    readonly digestFailures: string;
    readonly executionFailures?: string;
  };
  /** Unset: nothing can be published (the run must be a dry run or PublishDigest fails). */
  readonly digestTopicArn?: string;
  /** The chat topic (CHAT_TOPIC_ARN); unset: no chat notification. */
  readonly chatTopicArn?: string;
  /** The Security Hub import (SECURITY_HUB_JSON). @default off */
  readonly securityHub?: { readonly enabled: boolean; readonly region?: string };
  readonly roleName: string;
  readonly orgReaderRoleArn?: string;
  readonly thresholds?: Thresholds;
  readonly exemptions?: readonly ConfigExemption[];
  /** Owners and routing, as OWNERS_JSON gives them to the deployed functions. @default DEFAULT_OWNER_RULES */
  readonly owners?: OwnerRules;
  /** Approval-gated deactivation, as REMEDIATION_JSON gives it to BuildDigest. @default off */
  readonly remediation?: RemediationSettings;
  /** Map concurrency (ListAccounts returns it to the Map). @default 40 */
  readonly concurrency?: number;
  readonly telemetry?: Telemetry;
  readonly now?: () => Date;
  /** After each account's Map child: accounts done out of total, and how that child ended. */
  readonly onProgress?: (done: number, total: number, child: MapChildProgress) => void;
  /** Shortens every state-machine Retry wait (tests). */
  readonly retryDelayMs?: number;
  /**
   * Multiplies every function's deployed timeout (the sizing table, with `owners` applied as CDK
   * applies them): 0.01 makes AuditAccount time out with `Sandbox.Timedout` after 6 s instead
   * of 600 s. @default 1
   */
  readonly lambdaTimeScale?: number;
  /** AuditAccount invocations one account may take (MAX_AUDIT_ITERATIONS). @default 24 */
  readonly maxAuditIterations?: number;
  /**
   * Time AuditAccount keeps for its checkpoint (AUDIT_SAFETY_MARGIN_MS), before the time scale
   * applies, as the deployment sets it. @default 30 s
   */
  readonly auditSafetyMarginMs?: number;
  /** Collector tuning (tests shorten the credential-report polling). */
  readonly collectOptions?: Pick<
    CollectParams,
    'strategy' | 'reportPolling' | 'throttleRetry' | 'concurrency'
  >;
  readonly collector?: { readonly sleep?: (ms: number) => Promise<void>; readonly random?: () => number };
  /** Wraps the bound handlers, so the reliability suite can inject a crash into one of them. */
  readonly wrapTasks?: (tasks: WorkflowTasks) => WorkflowTasks;
  /** The execution's state machine (its ARN names the execution). @default DEFAULT_STATE_MACHINE_ARN */
  readonly stateMachineArn?: string;
  /**
   * The RemediateKeys state machine StartDeactivationRequest starts (docs/remediation.md), through
   * the state machine's `sfn` client (WorkflowClients.stateMachine).
   * @default arn:aws:states:<region>:<account>:stateMachine:OrgKeyAuditRemediateKeys, region and account of `stateMachineArn`
   */
  readonly remediationStateMachineArn?: string;
  /** Each event of the parent execution (the emulator host turns them into history events). */
  readonly onEvent?: (event: WorkflowEvent) => void;
}

export interface LocalAuditClients {
  readonly organizations: OrganizationsClient;
  readonly sts: STSClient;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly sns: SNSClient;
  readonly iamFor: (credentials: TemporaryCredentials) => IAMClient;
  /** Security Hub in a region (the import may use another region than the rest). */
  readonly securityHubFor: (region: string) => SecurityHubClient;
  /**
   * Step Functions: the state machine's StartExecution of RemediateKeys. Unset, a run that reaches
   * StartDeactivationRequest records the start as failed (remediation-start-failure) and succeeds.
   */
  readonly sfn?: SFNClient;
}

// TaskName comes from definition.ts through the package index.

/**
 * Clients per caller, as the deployment has them: each Lambda as its own execution role, Step
 * Functions' own calls (ItemReader, ResultWriter, sqs:sendMessage Tasks) as the state machine
 * role, and the execution-failure message as EventBridge. With one set of clients for all (a
 * laptop run), every caller is the operator.
 */
export interface WorkflowClients {
  readonly tasks: Readonly<Record<TaskName, LocalAuditClients>>;
  readonly stateMachine: Pick<LocalAuditClients, 's3' | 'sqs' | 'sfn'>;
  readonly eventBridge: Pick<LocalAuditClients, 'sqs'>;
}

export const TASK_NAMES: readonly TaskName[] = Object.values(FUNCTION_PLACEHOLDERS);

export function sameClientsForAll(clients: LocalAuditClients): WorkflowClients {
  const tasks = Object.fromEntries(TASK_NAMES.map((name) => [name, clients])) as Record<
    TaskName,
    LocalAuditClients
  >;
  return { tasks, stateMachine: clients, eventBridge: clients };
}

function asWorkflowClients(clients: LocalAuditClients | WorkflowClients): WorkflowClients {
  return 'tasks' in clients ? clients : sameClientsForAll(clients);
}

function clientConfig(connection: Connection, region = connection.region) {
  return {
    region,
    ...RETRY_CONFIG,
    ...(connection.endpoint === undefined ? {} : { endpoint: connection.endpoint }),
    ...(connection.credentials === undefined ? {} : { credentials: connection.credentials }),
  };
}

export function buildClients(aws: Connection, storage: Connection = aws): LocalAuditClients {
  const iamEndpoint = aws.endpoint === undefined ? {} : { endpoint: aws.endpoint };
  return {
    organizations: new OrganizationsClient(clientConfig(aws, GLOBAL_REGION)),
    sts: new STSClient(clientConfig(aws)),
    // S3 on an IP endpoint (the emulator) needs path-style addressing; AWS accepts it too.
    s3: new S3Client({ ...clientConfig(storage), forcePathStyle: storage.endpoint !== undefined }),
    sqs: new SQSClient(clientConfig(storage)),
    sns: new SNSClient(clientConfig(storage)),
    iamFor: (credentials) => new IAMClient({ ...memberIamConfig(credentials), ...iamEndpoint }),
    securityHubFor: (region) => new SecurityHubClient(clientConfig(storage, region)),
    // Where the report bucket and the queues are: the audit account, which runs both state machines.
    sfn: new SFNClient(clientConfig(storage)),
  };
}

const LOCAL_ARN_PREFIX = 'arn:aws:lambda:us-east-1:000000000000:function:org-key-audit-';

export function buildTasks(
  options: LocalAuditOptions,
  allClients: LocalAuditClients | WorkflowClients,
): WorkflowTasks {
  const { tasks: clientsOf } = asWorkflowClients(allClients);
  const telemetry = options.telemetry ?? silentTelemetry;
  const now = options.now ?? (() => new Date());
  const thresholds = options.thresholds ?? DEFAULT_THRESHOLDS;
  const config = {
    reportBucket: options.reportBucket,
    auditRoleName: options.roleName,
    digestTopicArn: options.digestTopicArn ?? null,
    orgReaderRoleArn: options.orgReaderRoleArn ?? null,
    thresholds,
    exemptions: options.exemptions ?? [],
    mapMaxConcurrency: options.concurrency ?? 40,
    owners: options.owners ?? DEFAULT_OWNER_RULES,
    maxAuditIterations: options.maxAuditIterations ?? DEFAULT_MAX_AUDIT_ITERATIONS,
    // The margin shrinks with the timeout it is a share of: a scaled run keeps the same proportion.
    auditSafetyMarginMs: Math.round(
      (options.auditSafetyMarginMs ?? DEFAULT_AUDIT_SAFETY_MARGIN_MS) * (options.lambdaTimeScale ?? 1),
    ),
  };
  const tasks: WorkflowTasks = {
    validateInput: makeValidateInputHandler({ thresholds, telemetry }),
    listAccounts: makeListAccountsHandler({
      organizations: clientsOf.listAccounts.organizations,
      sts: clientsOf.listAccounts.sts,
      s3: clientsOf.listAccounts.s3,
      config,
      telemetry,
      now,
    }),
    auditAccount: makeAuditAccountHandler({
      sts: clientsOf.auditAccount.sts,
      s3: clientsOf.auditAccount.s3,
      iamFor: clientsOf.auditAccount.iamFor,
      config,
      telemetry,
      now,
      ...(options.collector === undefined ? {} : { collector: options.collector }),
      ...(options.collectOptions === undefined ? {} : { collectOptions: options.collectOptions }),
    }),
    buildDigest: makeBuildDigestHandler({
      s3: clientsOf.buildDigest.s3,
      thresholds,
      telemetry,
      now,
      consoleRegion: null,
      owners: config.owners,
      ...(options.remediation === undefined ? {} : { remediation: options.remediation }),
    }),
    publishDigest: makePublishDigestHandler({
      s3: clientsOf.publishDigest.s3,
      sns: clientsOf.publishDigest.sns,
      digestTopicArn: options.digestTopicArn ?? null,
      chatTopicArn: options.chatTopicArn ?? null,
      telemetry,
    }),
    importFindings: makeImportFindingsHandler({
      s3: clientsOf.importFindings.s3,
      sts: clientsOf.importFindings.sts,
      securityHubFor: clientsOf.importFindings.securityHubFor,
      config: {
        securityHub: {
          enabled: options.securityHub?.enabled ?? false,
          region: options.securityHub?.region ?? null,
        },
      },
      telemetry,
      now,
      // The local runner's retries are quick; Security Hub's own backoff is for AWS.
      ...(options.retryDelayMs === undefined
        ? {}
        : { hubOptions: { retry: { maxAttempts: 6, baseDelayMs: 1, maxDelayMs: 5 } } }),
    }),
  };
  return options.wrapTasks ? options.wrapTasks(tasks) : tasks;
}

export async function runLocalAudit(
  options: LocalAuditOptions,
  allClients: LocalAuditClients | WorkflowClients = buildClients(options.aws, options.storage),
): Promise<WorkflowResult> {
  return runWorkflow(localWorkflowOptions(options, allClients));
}

/**
 * RedriveExecution of a FAILED local audit: `previous` is its `result.redrive`; the options are
 * the run's own (the input and execution name come from `previous`). See redriveWorkflow.
 */
export async function redriveLocalAudit(
  previous: RedriveRecord,
  options: Omit<LocalAuditOptions, 'input' | 'executionName'>,
  allClients: LocalAuditClients | WorkflowClients = buildClients(options.aws, options.storage),
): Promise<WorkflowResult> {
  const {
    input: _input,
    executionName: _name,
    ...rest
  } = localWorkflowOptions(
    { ...options, input: previous.executionInput, executionName: previous.executionName },
    allClients,
  );
  return redriveWorkflow({ ...rest, previous });
}

function localWorkflowOptions(
  options: LocalAuditOptions,
  allClients: LocalAuditClients | WorkflowClients,
): RunWorkflowOptions {
  const clients = asWorkflowClients(allClients);
  const owners = options.owners ?? DEFAULT_OWNER_RULES;
  return {
    input: options.input,
    ...(options.executionName === undefined ? {} : { executionName: options.executionName }),
    tasks: buildTasks(options, clients),
    s3: clients.stateMachine.s3,
    sqs: clients.stateMachine.sqs,
    ...(clients.stateMachine.sfn === undefined ? {} : { sfn: clients.stateMachine.sfn }),
    executionFailuresSqs: clients.eventBridge.sqs,
    substitutions: {
      // The deployed functions' names (infra: org-key-audit-<handler file>), as context.functionName.
      ValidateInputFunctionArn: `${LOCAL_ARN_PREFIX}validate-input`,
      ListAccountsFunctionArn: `${LOCAL_ARN_PREFIX}list-accounts`,
      AuditAccountFunctionArn: `${LOCAL_ARN_PREFIX}audit-account`,
      BuildDigestFunctionArn: `${LOCAL_ARN_PREFIX}build-digest`,
      PublishDigestFunctionArn: `${LOCAL_ARN_PREFIX}publish-digest`,
      ImportFindingsFunctionArn: `${LOCAL_ARN_PREFIX}import-findings`,
      AccountFailuresQueueUrl: options.queues.accountFailures,
      DigestFailuresQueueUrl: options.queues.digestFailures,
      ReportBucket: options.reportBucket,
      ChildExecutionType: 'STANDARD',
      RemediationStateMachineArn:
        options.remediationStateMachineArn ?? defaultRemediationStateMachineArn(options.stateMachineArn),
    },
    ...(options.queues.executionFailures === undefined
      ? {}
      : { executionFailuresQueueUrl: options.queues.executionFailures }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.retryDelayMs === undefined ? {} : { retryDelayMs: options.retryDelayMs }),
    // The timeouts CDK deploys for these owner settings (ListAccounts' tag pacing, PublishDigest's owners).
    lambdaSizing: lambdaSizingFor({ ...owners, routedOwners: owners.routed.length }),
    ...(options.lambdaTimeScale === undefined ? {} : { lambdaTimeScale: options.lambdaTimeScale }),
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.stateMachineArn === undefined ? {} : { stateMachineArn: options.stateMachineArn }),
    ...(options.onEvent === undefined ? {} : { onEvent: options.onEvent }),
  };
}
