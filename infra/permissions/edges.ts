/**
 * The edge catalogue: every AWS request the deployed system makes or receives, written down
 * from what the code and the workflow do (the handlers' SDK calls, the ASL's Task resources,
 * ItemReader and ResultWriter, the services that deliver to our queues and topics), with the
 * names and ARNs taken from the synthesized templates. Each edge is later evaluated against
 * the templates' policies; the catalogue itself never reads a policy, so a missing grant shows
 * up as a red edge rather than as a shorter catalogue.
 *
 * Each edge has a concrete request (what the simulator evaluates) and glob patterns for its
 * principal and resource, so that a call the emulator recorded can be matched to its edge.
 */
import {
  constructLogicalIdPattern,
  type DeployedSystem,
  queueArnFromUrl,
  SAMPLE_MEMBER_ACCOUNT,
} from './deployed-system';
import type { TemplateResolver } from './intrinsics';
import type { AccessRequest } from './simulate';

export interface Edge extends AccessRequest {
  /** Unique and readable: `<who> → <action> <what>`. */
  readonly id: string;
  /** Which code or service makes this request, and why. */
  readonly why: string;
  /** Glob (`*` = any run of characters) for the principal ARN of recorded calls. */
  readonly principalPattern: string;
  /** Glob for the resource ARN of recorded calls. */
  readonly resourcePattern: string;
}

export interface CatalogueOptions {
  /** The organization every principal of the deployment belongs to (`aws:PrincipalOrgID`). */
  readonly organizationId: string;
  /** @default 'OrgKeyAuditAuditor' */
  readonly auditorStackId?: string;
  /** @default 'OrgKeyAuditManagementRole' */
  readonly managementRoleStackId?: string;
}

export const FUNCTION_CONSTRUCT_IDS = {
  'validate-input': 'Functionsvalidateinput',
  'list-accounts': 'Functionslistaccounts',
  'audit-account': 'Functionsauditaccount',
  'build-digest': 'Functionsbuilddigest',
  'import-findings': 'Functionsimportfindings',
  'publish-digest': 'Functionspublishdigest',
} as const;
export type FunctionKey = keyof typeof FUNCTION_CONSTRUCT_IDS;

/**
 * The RemediateKeys Lambdas (docs/remediation.md), present only with `remediation.enabled`.
 * CheckKey has no role of its own: it runs as the audit-account role.
 */
export const REMEDIATION_FUNCTION_CONSTRUCT_IDS = {
  'record-remediation': 'Functionsrecordremediation',
  'check-key': 'Functionscheckkey',
  'remediate-key': 'Functionsremediatekey',
} as const;
export type RemediationFunctionKey = keyof typeof REMEDIATION_FUNCTION_CONSTRUCT_IDS;

/** The construct id of RemediateKeys (and the prefix of its role's and log group's). */
export const REMEDIATION_STATE_MACHINE_CONSTRUCT_ID = 'RemediateKeys';

const SAMPLE_MAP_RUN = '00000000-0000-4000-8000-000000000000';

/** Globs a principal ARN: any session of the role. */
function sessionPattern(roleArn: string): string {
  const match = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
  if (match === null) throw new Error(`${roleArn} is not a role ARN`);
  return `arn:${match[1]}:sts::${match[2]}:assumed-role/${match[3]}/*`;
}

function sessionArn(roleArn: string, sessionName: string): string {
  return sessionPattern(roleArn).replace(/\*$/, sessionName);
}

/** Replaces each `*` of a pattern with a sample segment, to get a request the simulator can evaluate. */
function sample(pattern: string, segment = 'sample'): string {
  return pattern.replaceAll('*', segment);
}

interface Auditor {
  readonly stackId: string;
  readonly resolver: TemplateResolver;
  readonly account: string;
  readonly region: string;
  readonly partition: string;
  readonly keyArn: string;
  readonly bucket: string;
  readonly bucketArn: string;
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  readonly stateMachineRoleArn: string;
  /** RemediateKeys and its functions, when the assembly deploys them. */
  readonly remediation: DeployedRemediation | undefined;
}

/** RemediateKeys as the templates deploy it. */
export interface DeployedRemediation {
  readonly stateMachineArn: string;
  readonly stateMachineName: string;
  readonly stateMachineRoleArn: string;
  readonly stateMachineProps: Record<string, unknown>;
  /** Each function's role ARN (check-key's is the audit-account role) and environment. */
  readonly functions: Readonly<
    Record<RemediationFunctionKey, { readonly roleArn: string; readonly environment: Record<string, string> }>
  >;
}

/** RemediateKeys and its functions in the auditor stack, or undefined when remediation is off. */
export function deployedRemediation(
  system: DeployedSystem,
  stackId: string,
): DeployedRemediation | undefined {
  const { resolver } = system.stack(stackId);
  const pattern = constructLogicalIdPattern(REMEDIATION_STATE_MACHINE_CONSTRUCT_ID);
  const machineId = resolver
    .logicalIds()
    .find((id) => pattern.test(id) && resolver.resource(id).Type === 'AWS::StepFunctions::StateMachine');
  if (machineId === undefined) return undefined;
  const props = resolver.properties(machineId);
  const functions = {} as Record<
    RemediationFunctionKey,
    { roleArn: string; environment: Record<string, string> }
  >;
  for (const [fn, constructId] of Object.entries(REMEDIATION_FUNCTION_CONSTRUCT_IDS) as [
    RemediationFunctionKey,
    string,
  ][]) {
    const fnProps = resolver.properties(system.logicalId(stackId, 'AWS::Lambda::Function', constructId));
    functions[fn] = {
      roleArn: String(fnProps['Role']),
      environment:
        (fnProps['Environment'] as { Variables?: Record<string, string> } | undefined)?.Variables ?? {},
    };
  }
  return {
    stateMachineArn: resolver.getAtt(machineId, 'Arn'),
    stateMachineName: resolver.physicalName(machineId),
    stateMachineRoleArn: String(props['RoleArn']),
    stateMachineProps: props,
    functions,
  };
}

export function buildEdgeCatalogue(system: DeployedSystem, options: CatalogueOptions): Edge[] {
  const stackId = options.auditorStackId ?? 'OrgKeyAuditAuditor';
  const { resolver } = system.stack(stackId);
  const { account, region } = resolver.env;
  const { partition } = resolver;
  const stateMachineId = system.logicalId(stackId, 'AWS::StepFunctions::StateMachine', 'StateMachine');
  const stateMachineProps = resolver.properties(stateMachineId);
  const bucketId = system.logicalId(stackId, 'AWS::S3::Bucket', 'ReportBucket');
  const auditor: Auditor = {
    stackId,
    resolver,
    account,
    region,
    partition,
    keyArn: system.arn(stackId, 'AWS::KMS::Key', 'Key'),
    bucket: resolver.physicalName(bucketId),
    bucketArn: resolver.getAtt(bucketId, 'Arn'),
    stateMachineArn: resolver.getAtt(stateMachineId, 'Arn'),
    stateMachineName: resolver.physicalName(stateMachineId),
    stateMachineRoleArn: String(stateMachineProps['RoleArn']),
    remediation: deployedRemediation(system, stackId),
  };
  const edges: Edge[] = [];
  const add = (
    edge: Omit<Edge, 'principal' | 'resource'> & Partial<Pick<Edge, 'principal' | 'resource'>>,
  ) => {
    edges.push({
      ...edge,
      principal: edge.principal ?? sample(edge.principalPattern, 'session'),
      resource: edge.resource ?? sample(edge.resourcePattern),
    });
  };

  addServiceAssumptions(system, auditor, add);
  addStateMachineEdges(
    system,
    auditor,
    {
      who: 'state machine role',
      roleArn: auditor.stateMachineRoleArn,
      arn: auditor.stateMachineArn,
      name: auditor.stateMachineName,
      logGroupConstructId: 'StateMachineLogs',
      props: stateMachineProps,
    },
    add,
  );
  if (auditor.remediation !== undefined) {
    const r = auditor.remediation;
    addStateMachineEdges(
      system,
      auditor,
      {
        who: 'remediation state machine role',
        roleArn: r.stateMachineRoleArn,
        arn: r.stateMachineArn,
        name: r.stateMachineName,
        logGroupConstructId: `${REMEDIATION_STATE_MACHINE_CONSTRUCT_ID}Logs`,
        props: r.stateMachineProps,
      },
      add,
    );
  }
  addSchedulerEdges(system, auditor, add);
  addFunctionEdges(system, auditor, options, add);
  addRemediationEdges(system, auditor, options, add);
  addDeliveryEdges(system, auditor, add);

  const ids = new Set<string>();
  for (const edge of edges) {
    if (ids.has(edge.id)) throw new Error(`two edges share the id ${edge.id}`);
    ids.add(edge.id);
  }
  return edges;
}

type Add = (
  edge: Omit<Edge, 'principal' | 'resource'> & Partial<Pick<Edge, 'principal' | 'resource'>>,
) => void;

/** KMS calls a service makes on a principal's behalf when it writes to or reads from an encrypted store. */
function addKms(
  add: Add,
  base: { id: string; why: string; principalPattern: string; principal?: string },
  keyArn: string | undefined,
  viaService: 'sqs' | 'sns' | 's3',
  region: string,
  actions: readonly string[],
  context: Readonly<Record<string, string>> = {},
): void {
  if (keyArn === undefined) return;
  for (const action of actions) {
    add({
      ...base,
      id: `${base.id} (${action} via ${viaService})`,
      why: `${base.why}; the store is encrypted with the customer-managed key, so ${viaService} calls KMS for the caller`,
      action,
      resourcePattern: keyArn,
      context: { 'kms:ViaService': `${viaService}.${region}.amazonaws.com`, ...context },
    });
  }
}

/** An sqs:SendMessage to a queue, with the KMS calls SQS makes for the sender when it is encrypted. */
function addQueueSend(
  add: Add,
  system: DeployedSystem,
  region: string,
  base: { id: string; why: string; principalPattern: string; principal?: string },
  queueArn: string,
  context: Readonly<Record<string, string>> = {},
): void {
  add({ ...base, action: 'sqs:SendMessage', resourcePattern: queueArn, context });
  addKms(add, base, system.encryptionKeyOf(queueArn), 'sqs', region, ['kms:GenerateDataKey', 'kms:Decrypt'], {
    ...context,
    'kms:EncryptionContext:aws:sqs:arn': queueArn,
  });
}

function addServiceAssumptions(system: DeployedSystem, a: Auditor, add: Add): void {
  for (const [fn, constructId] of Object.entries(FUNCTION_CONSTRUCT_IDS)) {
    add({
      id: `lambda.amazonaws.com → sts:AssumeRole ${fn} role`,
      why: `Lambda assumes the ${fn} function's execution role`,
      principalPattern: 'lambda.amazonaws.com',
      principal: 'lambda.amazonaws.com',
      action: 'sts:AssumeRole',
      resourcePattern: system.arn(a.stackId, 'AWS::IAM::Role', `${constructId}role`),
      context: { 'aws:SourceAccount': a.account },
    });
  }
  add({
    id: 'states.amazonaws.com → sts:AssumeRole state machine role',
    why: 'Step Functions runs AuditOrganization as its role',
    principalPattern: 'states.amazonaws.com',
    principal: 'states.amazonaws.com',
    action: 'sts:AssumeRole',
    resourcePattern: a.stateMachineRoleArn,
    context: { 'aws:SourceAccount': a.account, 'aws:SourceArn': a.stateMachineArn },
  });
  if (a.remediation !== undefined) {
    const r = a.remediation;
    // CheckKey's role is the audit-account role, whose assumption is above.
    for (const fn of ['record-remediation', 'remediate-key'] as const) {
      add({
        id: `lambda.amazonaws.com → sts:AssumeRole ${fn} role`,
        why: `Lambda assumes the ${fn} function's execution role`,
        principalPattern: 'lambda.amazonaws.com',
        principal: 'lambda.amazonaws.com',
        action: 'sts:AssumeRole',
        resourcePattern: r.functions[fn].roleArn,
        context: { 'aws:SourceAccount': a.account },
      });
    }
    add({
      id: 'states.amazonaws.com → sts:AssumeRole remediation state machine role',
      why: 'Step Functions runs RemediateKeys as its role',
      principalPattern: 'states.amazonaws.com',
      principal: 'states.amazonaws.com',
      action: 'sts:AssumeRole',
      resourcePattern: r.stateMachineRoleArn,
      context: { 'aws:SourceAccount': a.account, 'aws:SourceArn': r.stateMachineArn },
    });
  }
  const scheduleId = system.logicalId(a.stackId, 'AWS::Scheduler::Schedule', 'DailySchedule');
  add({
    id: 'scheduler.amazonaws.com → sts:AssumeRole scheduler role',
    why: 'EventBridge Scheduler starts the daily execution as the schedule role',
    principalPattern: 'scheduler.amazonaws.com',
    principal: 'scheduler.amazonaws.com',
    action: 'sts:AssumeRole',
    resourcePattern: system.arn(a.stackId, 'AWS::IAM::Role', 'SchedulerRole'),
    context: { 'aws:SourceAccount': a.account, 'aws:SourceArn': a.resolver.getAtt(scheduleId, 'Arn') },
  });
}

interface AslState {
  readonly Type: string;
  readonly Resource?: string;
  readonly Parameters?: Record<string, unknown>;
  readonly ItemReader?: { readonly Resource: string };
  readonly ResultWriter?: { readonly Resource: string; readonly Parameters?: { readonly Prefix?: string } };
  readonly ItemProcessor?: {
    readonly ProcessorConfig?: { readonly Mode?: string };
    readonly States: Record<string, AslState>;
  };
  readonly Iterator?: { readonly States: Record<string, AslState> };
  readonly Label?: string;
}

/** The deployed ASL: the state machine's definition with its substitutions applied. */
function deployedStates(props: Record<string, unknown>): [string, AslState][] {
  const substitutions = (props['DefinitionSubstitutions'] ?? {}) as Record<string, string>;
  const text = String(props['DefinitionString']).replace(/\$\{([A-Za-z0-9_]+)\}/g, (match, name: string) =>
    name in substitutions ? String(substitutions[name]) : match,
  );
  const definition = JSON.parse(text) as { States: Record<string, AslState> };
  const all: [string, AslState][] = [];
  const walk = (states: Record<string, AslState>) => {
    for (const [name, state] of Object.entries(states)) {
      all.push([name, state]);
      if (state.ItemProcessor) walk(state.ItemProcessor.States);
      if (state.Iterator) walk(state.Iterator.States);
    }
  };
  walk(definition.States);
  return all;
}

/** One state machine of the auditor stack, and the words its edge ids start with. */
interface Machine {
  readonly who: string;
  readonly roleArn: string;
  readonly arn: string;
  readonly name: string;
  readonly logGroupConstructId: string;
  readonly props: Record<string, unknown>;
}

/** Whether the auditor stack deploys a state machine with this ARN. */
function deploysStateMachine(a: Auditor, arn: string): boolean {
  return a.resolver
    .logicalIds()
    .some(
      (id) =>
        a.resolver.resource(id).Type === 'AWS::StepFunctions::StateMachine' &&
        a.resolver.getAtt(id, 'Arn') === arn,
    );
}

function addStateMachineEdges(system: DeployedSystem, a: Auditor, machine: Machine, add: Add): void {
  const { props, who } = machine;
  const principalPattern = sessionPattern(machine.roleArn);
  const lambdaTasks = [
    `arn:${a.partition}:states:::lambda:invoke`,
    // Invokes the function like lambda:invoke, then waits for SendTaskSuccess / SendTaskFailure.
    `arn:${a.partition}:states:::lambda:invoke.waitForTaskToken`,
  ];
  for (const [name, state] of deployedStates(props)) {
    if (state.Type === 'Task' && state.Resource !== undefined && lambdaTasks.includes(state.Resource)) {
      const functionArn = String(state.Parameters?.['FunctionName']);
      add({
        id: `${who} → lambda:InvokeFunction (${name})`,
        why: `the ${name} Task invokes its Lambda`,
        principalPattern,
        action: 'lambda:InvokeFunction',
        resourcePattern: functionArn,
        context: {},
      });
    } else if (
      state.Type === 'Task' &&
      state.Resource === `arn:${a.partition}:states:::states:startExecution`
    ) {
      const target = String(state.Parameters?.['StateMachineArn']);
      // Disabled, the target does not exist and BuildDigest never asks for a start (must-deny.ts
      // proves the start is refused then).
      if (!deploysStateMachine(a, target)) continue;
      add({
        id: `${who} → states:StartExecution (${name})`,
        why: `the ${name} Task starts its state machine, without waiting for it (no .sync)`,
        principalPattern,
        action: 'states:StartExecution',
        resourcePattern: target,
        context: {},
      });
    } else if (state.Type === 'Task' && state.Resource === `arn:${a.partition}:states:::sqs:sendMessage`) {
      const queueArn = queueArnFromUrl(String(state.Parameters?.['QueueUrl']), a.partition);
      const base = {
        id: `${who} → sqs:SendMessage (${name})`,
        why: `the ${name} Task sends to its DLQ`,
        principalPattern,
      };
      addQueueSend(add, system, a.region, base, queueArn);
    } else if (state.Type === 'Task' && state.Resource !== undefined) {
      throw new Error(
        `the ASL's ${name} Task uses ${state.Resource}, which the edge catalogue does not know yet`,
      );
    }
    if (state.ItemReader) {
      if (state.ItemReader.Resource !== `arn:${a.partition}:states:::s3:getObject`) {
        throw new Error(
          `${name}'s ItemReader uses ${state.ItemReader.Resource}, unknown to the edge catalogue`,
        );
      }
      const base = {
        id: `${who} → s3:GetObject runs/*/items.json (${name} ItemReader)`,
        why: 'the Distributed Map reads the accounts to audit that ListAccounts wrote',
        principalPattern,
      };
      const resourcePattern = `${a.bucketArn}/runs/*/items.json`;
      add({ ...base, action: 's3:GetObject', resourcePattern, context: {} });
      addKms(add, base, system.encryptionKeyOf(a.bucketArn), 's3', a.region, ['kms:Decrypt']);
    }
    if (state.ResultWriter) {
      const prefix = state.ResultWriter.Parameters?.Prefix ?? '';
      const resourcePattern = `${a.bucketArn}/${prefix}/*`;
      // Step Functions writes the results with multipart uploads and reads them back for the manifest.
      for (const action of [
        's3:PutObject',
        's3:GetObject',
        's3:ListMultipartUploadParts',
        's3:AbortMultipartUpload',
      ]) {
        add({
          id: `${who} → ${action} ${prefix}/* (${name} ResultWriter)`,
          why: 'the Distributed Map writes its child results and manifest to S3',
          principalPattern,
          action,
          resourcePattern,
          resource: `${a.bucketArn}/${prefix}/${SAMPLE_MAP_RUN}/manifest.json`,
          context: {},
        });
      }
      addKms(
        add,
        {
          id: `${who} → ${prefix}/* (${name} ResultWriter)`,
          why: 'the ResultWriter writes encrypted objects',
          principalPattern,
        },
        system.encryptionKeyOf(a.bucketArn),
        's3',
        a.region,
        ['kms:GenerateDataKey', 'kms:Decrypt'],
      );
    }
    if (state.Type === 'Map' && state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED') {
      const label = state.Label ?? name;
      const children = `arn:${a.partition}:states:${a.region}:${a.account}:execution:${machine.name}/${label}:*`;
      add({
        id: `${who} → states:StartExecution (${name} children)`,
        why: 'a Distributed Map starts one child execution per item batch',
        principalPattern,
        action: 'states:StartExecution',
        resourcePattern: machine.arn,
        context: {},
      });
      for (const action of ['states:DescribeExecution', 'states:StopExecution', 'states:RedriveExecution']) {
        add({
          id: `${who} → ${action} (${name} children)`,
          why: 'the Distributed Map follows, stops and redrives its child executions',
          principalPattern,
          action,
          resourcePattern: children,
          resource: children.replace(/\*$/, SAMPLE_MAP_RUN),
          context: {},
        });
      }
    }
  }
  const logging = props['LoggingConfiguration'] as { Level?: string } | undefined;
  if (logging !== undefined && logging.Level !== 'OFF') {
    for (const action of [
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
    ]) {
      add({
        id: `${who} → ${action} (execution logging)`,
        why: 'Step Functions delivers execution logs to CloudWatch Logs as the state machine role',
        principalPattern,
        action,
        resourcePattern: '*',
        resource: '*',
        context: {},
      });
    }
    const logGroupId = system.logicalId(a.stackId, 'AWS::Logs::LogGroup', machine.logGroupConstructId);
    addLogGroupKms(system, a, logGroupId, add);
  }
  if ((props['TracingConfiguration'] as { Enabled?: boolean } | undefined)?.Enabled) {
    addXray(add, who, principalPattern, [
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
    ]);
  }
}

function addXray(add: Add, who: string, principalPattern: string, actions: readonly string[]): void {
  for (const action of actions) {
    add({
      id: `${who} → ${action}`,
      why: 'active X-Ray tracing',
      principalPattern,
      action,
      resourcePattern: '*',
      resource: '*',
      context: {},
    });
  }
}

/** CloudWatch Logs itself uses the key of an encrypted log group. */
function addLogGroupKms(system: DeployedSystem, a: Auditor, logGroupId: string, add: Add): void {
  const props = a.resolver.properties(logGroupId);
  if (props['KmsKeyId'] === undefined) return;
  const name = a.resolver.physicalName(logGroupId);
  const logGroupArn = `arn:${a.partition}:logs:${a.region}:${a.account}:log-group:${name}`;
  const service = `logs.${a.region}.amazonaws.com`;
  for (const action of ['kms:Encrypt', 'kms:GenerateDataKey', 'kms:Decrypt', 'kms:DescribeKey']) {
    add({
      id: `${service} → ${action} for log group ${name}`,
      why: 'CloudWatch Logs encrypts and reads the log group with the customer-managed key',
      principalPattern: service,
      principal: service,
      action,
      resourcePattern: String(system.arn(a.stackId, 'AWS::KMS::Key', 'Key')),
      context: { 'kms:EncryptionContext:aws:logs:arn': logGroupArn, 'aws:SourceAccount': a.account },
    });
  }
}

function addSchedulerEdges(system: DeployedSystem, a: Auditor, add: Add): void {
  const roleArn = system.arn(a.stackId, 'AWS::IAM::Role', 'SchedulerRole');
  const principalPattern = sessionPattern(roleArn);
  add({
    id: 'scheduler role → states:StartExecution',
    why: 'the daily schedule starts AuditOrganization',
    principalPattern,
    action: 'states:StartExecution',
    resourcePattern: a.stateMachineArn,
    context: {},
  });
  const dlqArn = system.arn(a.stackId, 'AWS::SQS::Queue', 'SchedulerDlq');
  const base = {
    id: 'scheduler role → sqs:SendMessage SchedulerDlq',
    why: 'an execution the schedule could not start goes to its DLQ',
    principalPattern,
  };
  addQueueSend(add, system, a.region, base, dlqArn);
}

function functionEnvironment(a: Auditor, fn: FunctionKey, system: DeployedSystem): Record<string, string> {
  const id = system.logicalId(a.stackId, 'AWS::Lambda::Function', FUNCTION_CONSTRUCT_IDS[fn]);
  return (
    (a.resolver.properties(id)['Environment'] as { Variables?: Record<string, string> } | undefined)
      ?.Variables ?? {}
  );
}

function addFunctionEdges(system: DeployedSystem, a: Auditor, options: CatalogueOptions, add: Add): void {
  const bucketKey = system.encryptionKeyOf(a.bucketArn);
  const roles = {} as Record<FunctionKey, { arn: string; pattern: string }>;
  for (const [fn, constructId] of Object.entries(FUNCTION_CONSTRUCT_IDS) as [FunctionKey, string][]) {
    const arn = system.arn(a.stackId, 'AWS::IAM::Role', `${constructId}role`);
    roles[fn] = { arn, pattern: sessionPattern(arn) };
    const functionId = system.logicalId(a.stackId, 'AWS::Lambda::Function', constructId);
    const props = a.resolver.properties(functionId);
    const logGroupId = system.logicalId(a.stackId, 'AWS::Logs::LogGroup', `${constructId}logs`);
    const logGroup = a.resolver.physicalName(logGroupId);
    for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
      add({
        id: `${fn} role → ${action}`,
        why: `the ${fn} Lambda writes its logs to its own log group`,
        principalPattern: roles[fn].pattern,
        action,
        resourcePattern: `arn:${a.partition}:logs:${a.region}:${a.account}:log-group:${logGroup}:log-stream:*`,
        context: {},
      });
    }
    addLogGroupKms(system, a, logGroupId, add);
    if ((props['TracingConfig'] as { Mode?: string } | undefined)?.Mode === 'Active') {
      addXray(add, `${fn} role`, roles[fn].pattern, ['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
    }
  }

  const s3 = (fn: FunctionKey, action: 's3:GetObject' | 's3:PutObject', keyPattern: string, why: string) => {
    const base = { id: `${fn} role → ${action} ${keyPattern}`, why, principalPattern: roles[fn].pattern };
    add({ ...base, action, resourcePattern: `${a.bucketArn}/${keyPattern}`, context: {} });
    addKms(add, base, bucketKey, 's3', a.region, [
      action === 's3:PutObject' ? 'kms:GenerateDataKey' : 'kms:Decrypt',
    ]);
  };

  // ListAccounts: the organization, then the Map's items and the organization snapshot.
  const listEnv = functionEnvironment(a, 'list-accounts', system);
  const orgReaderRoleArn = listEnv['ORG_READER_ROLE_ARN'];
  if (orgReaderRoleArn === undefined) {
    add({
      id: 'list-accounts role → organizations:ListAccounts',
      why: 'ListAccounts lists the organization (audit account is the management account or a delegated administrator)',
      principalPattern: roles['list-accounts'].pattern,
      action: 'organizations:ListAccounts',
      resourcePattern: '*',
      resource: '*',
      context: {},
    });
  } else {
    add({
      id: 'list-accounts role → sts:AssumeRole org reader role',
      why: 'ListAccounts assumes the org-reader role in the management account',
      principalPattern: roles['list-accounts'].pattern,
      action: 'sts:AssumeRole',
      resourcePattern: orgReaderRoleArn,
      context: { 'aws:PrincipalOrgID': options.organizationId },
    });
    add({
      id: 'org reader role → organizations:ListAccounts',
      why: 'the org-reader role lists the organization for ListAccounts',
      principalPattern: sessionPattern(orgReaderRoleArn),
      action: 'organizations:ListAccounts',
      resourcePattern: '*',
      resource: '*',
      context: { 'aws:PrincipalOrgID': options.organizationId },
    });
  }
  addOwnerEdges(
    a,
    options,
    listEnv,
    roles['list-accounts'].pattern,
    managementAccountOf(system, options),
    add,
    s3,
  );
  s3('list-accounts', 's3:PutObject', 'runs/*/items.json', 'ListAccounts writes the Map items');
  s3(
    'list-accounts',
    's3:PutObject',
    'runs/*/organization.json',
    'ListAccounts writes the organization snapshot',
  );

  // AuditAccount: into each member account's audit role, the seven reads, then the result.
  const auditEnv = functionEnvironment(a, 'audit-account', system);
  const auditRoleName = auditEnv['AUDIT_ROLE_NAME'];
  if (auditRoleName === undefined) throw new Error('the audit-account function has no AUDIT_ROLE_NAME');
  const managementStack = system.stack(options.managementRoleStackId ?? 'OrgKeyAuditManagementRole');
  const memberAccounts = [
    { label: 'a member account', account: system.memberAccountIds()[0] ?? SAMPLE_MEMBER_ACCOUNT },
    { label: 'the management account', account: managementStack.resolver.env.account },
  ];
  for (const { label, account } of memberAccounts) {
    const memberRoleArn = `arn:${a.partition}:iam::${account}:role/${auditRoleName}`;
    add({
      id: `audit-account role → sts:AssumeRole ${auditRoleName} in ${label}`,
      why: 'AuditAccount assumes the read-only audit role in the account it audits',
      principalPattern: roles['audit-account'].pattern,
      action: 'sts:AssumeRole',
      resourcePattern: `arn:${a.partition}:iam::*:role/${auditRoleName}`,
      resource: memberRoleArn,
      context: { 'aws:PrincipalOrgID': options.organizationId },
    });
    const memberSession = sessionArn(memberRoleArn, 'sample-execution');
    const memberPattern = `arn:${a.partition}:sts::*:assumed-role/${auditRoleName}/*`;
    const userArn = `arn:${a.partition}:iam::${account}:user/sample-user`;
    const reads: [string, string, string][] = [
      ['iam:GenerateCredentialReport', '*', 'the collector asks IAM for a fresh credential report'],
      ['iam:GetCredentialReport', '*', 'the collector reads the credential report'],
      ['iam:GetAccountSummary', '*', 'root access keys are read from the account summary'],
      ['iam:ListUsers', '*', 'the per-user fallback lists users when no report can be had'],
      ['iam:ListAccessKeys', userArn, 'a flagged user’s keys are confirmed (ids, status, creation)'],
      ['iam:GetAccessKeyLastUsed', userArn, 'the per-user fallback reads each key’s last use'],
      ['iam:ListUserTags', userArn, 'exemption tags of a flagged user'],
    ];
    for (const [action, resource, why] of reads) {
      add({
        id: `${auditRoleName} in ${label} → ${action}`,
        why,
        principalPattern: memberPattern,
        principal: memberSession,
        action,
        resourcePattern: resource === '*' ? '*' : `arn:${a.partition}:iam::*:user/*`,
        resource,
        context: { 'aws:PrincipalOrgID': options.organizationId },
      });
    }
  }
  s3(
    'audit-account',
    's3:PutObject',
    'runs/*/accounts/*.json',
    'AuditAccount stores the full result of one account',
  );

  // BuildDigest: everything the run wrote, then the reports.
  s3(
    'build-digest',
    's3:GetObject',
    'runs/*/organization.json',
    'BuildDigest reads the organization snapshot',
  );
  s3('build-digest', 's3:GetObject', 'runs/*/accounts/*.json', 'BuildDigest reads each account result');
  s3('build-digest', 's3:GetObject', 'map/*/manifest.json', 'BuildDigest reads the ResultWriter manifest');
  s3('build-digest', 's3:GetObject', 'map/*/SUCCEEDED_0.json', 'BuildDigest reads the ResultWriter results');
  for (const report of ['report.json', 'report.csv', 'report.html', 'digest.txt']) {
    s3('build-digest', 's3:PutObject', `reports/*/${report}`, `BuildDigest writes ${report}`);
  }
  // Owner digests, next to the full one (whether or not any owner is routed, the keys are these).
  s3(
    'build-digest',
    's3:PutObject',
    'reports/*/owners/*.txt',
    "BuildDigest writes each routed owner's digest",
  );
  s3(
    'build-digest',
    's3:PutObject',
    'reports/*/owner-digests.json',
    'BuildDigest lists the owner digests PublishDigest sends',
  );
  s3('build-digest', 's3:GetObject', 'history/latest.json', 'BuildDigest finds the last full run');
  s3('build-digest', 's3:GetObject', 'history/runs/*.json', "BuildDigest reads the last full run's findings");
  s3('build-digest', 's3:PutObject', 'history/runs/*.json', "BuildDigest keeps this full run's findings");
  s3('build-digest', 's3:PutObject', 'history/latest.json', 'BuildDigest marks this full run the latest');
  add({
    id: 'build-digest role → s3:ListBucket report bucket',
    why: 'S3 answers a missing key with 404 (not 403) only to a caller that may list the bucket: a missing account result or history must read as missing',
    principalPattern: roles['build-digest'].pattern,
    action: 's3:ListBucket',
    resourcePattern: a.bucketArn,
    context: {},
  });

  // PublishDigest: the digest text, then SNS.
  s3('publish-digest', 's3:GetObject', 'reports/*/digest.txt', 'PublishDigest reads the digest it sends');
  s3(
    'publish-digest',
    's3:GetObject',
    'reports/*/owner-digests.json',
    'PublishDigest reads which owner digests to send',
  );
  s3('publish-digest', 's3:GetObject', 'reports/*/owners/*.txt', "PublishDigest reads each owner's digest");
  const digestTopicArn = functionEnvironment(a, 'publish-digest', system)['DIGEST_TOPIC_ARN'];
  if (digestTopicArn === undefined) throw new Error('the publish-digest function has no DIGEST_TOPIC_ARN');
  const base = {
    id: 'publish-digest role → sns:Publish digest topic',
    why: 'PublishDigest sends the daily email: the full digest, then each routed owner’s with the `owner` message attribute',
    principalPattern: roles['publish-digest'].pattern,
  };
  add({ ...base, action: 'sns:Publish', resourcePattern: digestTopicArn, context: {} });
  addKms(add, base, system.encryptionKeyOf(digestTopicArn), 'sns', a.region, [
    'kms:GenerateDataKey',
    'kms:Decrypt',
  ]);

  addIntegrationEdges(system, a, roles, add, s3);
}

/** How a remediation function's edges name their caller: CheckKey signs as the audit-account role. */
const REMEDIATION_CALLER: Readonly<Record<RemediationFunctionKey, string>> = {
  'record-remediation': 'record-remediation role',
  'check-key': 'check-key (audit-account role)',
  'remediate-key': 'remediate-key role',
};

/**
 * Approval-gated deactivation (docs/remediation.md), read from the deployed templates: present
 * only when RemediateKeys is. BuildDigest (with REMEDIATION_JSON) stores requests and open
 * markers, reads markers and closed requests, removes closed markers; RecordRemediation keeps
 * the request's records and publishes the notices; CheckKey re-reads the key through the audit
 * role (whose reads are edges already); RemediateKey assumes the remediation role in the key's
 * account, which lists and updates the user's keys.
 */
function addRemediationEdges(system: DeployedSystem, a: Auditor, options: CatalogueOptions, add: Add): void {
  const r = a.remediation;
  if (r === undefined) return;
  const bucketKey = system.encryptionKeyOf(a.bucketArn);
  const object = (
    principal: { who: string; pattern: string },
    action: 's3:GetObject' | 's3:PutObject' | 's3:DeleteObject',
    keyPattern: string,
    why: string,
  ) => {
    const base = {
      id: `${principal.who} → ${action} ${keyPattern}`,
      why,
      principalPattern: principal.pattern,
    };
    add({ ...base, action, resourcePattern: `${a.bucketArn}/${keyPattern}`, context: {} });
    // A delete of a versioned object writes a delete marker: no data key, no KMS call.
    if (action === 's3:DeleteObject') return;
    addKms(add, base, bucketKey, 's3', a.region, [
      action === 's3:PutObject' ? 'kms:GenerateDataKey' : 'kms:Decrypt',
    ]);
  };

  for (const [fn, constructId] of Object.entries(REMEDIATION_FUNCTION_CONSTRUCT_IDS) as [
    RemediationFunctionKey,
    string,
  ][]) {
    const who = REMEDIATION_CALLER[fn];
    const pattern = sessionPattern(r.functions[fn].roleArn);
    const logGroupId = system.logicalId(a.stackId, 'AWS::Logs::LogGroup', `${constructId}logs`);
    const logGroup = a.resolver.physicalName(logGroupId);
    for (const action of ['logs:CreateLogStream', 'logs:PutLogEvents']) {
      add({
        id: `${who} → ${action} (${fn} logs)`,
        why: `the ${fn} Lambda writes its logs to its own log group`,
        principalPattern: pattern,
        action,
        resourcePattern: `arn:${a.partition}:logs:${a.region}:${a.account}:log-group:${logGroup}:log-stream:*`,
        context: {},
      });
    }
    addLogGroupKms(system, a, logGroupId, add);
    // CheckKey's traces go out as the audit-account role, whose X-Ray edges exist already.
    if (fn !== 'check-key') {
      addXray(add, who, pattern, ['xray:PutTraceSegments', 'xray:PutTelemetryRecords']);
    }
  }

  const recorder = {
    who: REMEDIATION_CALLER['record-remediation'],
    pattern: sessionPattern(r.functions['record-remediation'].roleArn),
  };
  object(
    recorder,
    's3:GetObject',
    'remediation/requests/*/request.json',
    'RecordRemediation reads the request it records a step of',
  );
  object(
    recorder,
    's3:PutObject',
    'remediation/requests/*/task.json',
    'AwaitApproval stores the task token keyaudit approve sends back',
  );
  object(
    recorder,
    's3:GetObject',
    'remediation/requests/*/outcome.json',
    'a retry or a reactivation reads how the request ended',
  );
  object(
    recorder,
    's3:PutObject',
    'remediation/requests/*/outcome.json',
    'each closing step records the request’s outcome',
  );
  object(
    recorder,
    's3:PutObject',
    'remediation/requests/*/reactivations/*.json',
    'RecordReactivation records a reactivation and its outcome',
  );
  object(
    recorder,
    's3:GetObject',
    'remediation/requests/*/reactivations/*.json',
    'a reactivation looks for an earlier one of the same key',
  );
  add({
    id: 'record-remediation role → s3:ListBucket report bucket',
    why: 'it lists a request’s reactivations, and an outcome not written yet must read as 404 (not 403), which S3 answers only to a caller that may list the bucket',
    principalPattern: recorder.pattern,
    action: 's3:ListBucket',
    resourcePattern: a.bucketArn,
    context: {},
  });
  object(
    recorder,
    's3:GetObject',
    'remediation/open/*.json',
    'the closing step reads the request’s open marker',
  );
  object(recorder, 's3:PutObject', 'remediation/open/*.json', 'the closing step marks the request closed');
  const topicArn = r.functions['record-remediation'].environment['DIGEST_TOPIC_ARN'];
  if (topicArn === undefined) throw new Error('the record-remediation function has no DIGEST_TOPIC_ARN');
  const notice = {
    id: 'record-remediation role → sns:Publish digest topic',
    why: 'AwaitApproval publishes the approval notice, CompleteRequest the summary',
    principalPattern: recorder.pattern,
  };
  add({ ...notice, action: 'sns:Publish', resourcePattern: topicArn, context: {} });
  addKms(add, notice, system.encryptionKeyOf(topicArn), 'sns', a.region, [
    'kms:GenerateDataKey',
    'kms:Decrypt',
  ]);

  // CheckKey gets the proposed key in its input and reads it again through the audit role, whose
  // GetAccessKeyLastUsed and ListUserTags are edges already.

  const builderEnv = functionEnvironment(a, 'build-digest', system);
  if (builderEnv['REMEDIATION_JSON'] !== undefined) {
    const builder = {
      who: 'build-digest role',
      pattern: sessionPattern(
        system.arn(a.stackId, 'AWS::IAM::Role', `${FUNCTION_CONSTRUCT_IDS['build-digest']}role`),
      ),
    };
    object(
      builder,
      's3:PutObject',
      'remediation/requests/*/request.json',
      'BuildDigest stores the deactivation request it proposes',
    );
    object(
      builder,
      's3:PutObject',
      'remediation/open/*.json',
      'BuildDigest stores the new request’s open marker',
    );
    object(
      builder,
      's3:GetObject',
      'remediation/open/*.json',
      'BuildDigest reads the open markers: their keys are not proposed again',
    );
    object(
      builder,
      's3:GetObject',
      'remediation/requests/*/outcome.json',
      'the digest shows how closed requests ended',
    );
    object(
      builder,
      's3:GetObject',
      'remediation/requests/*/reactivations/*.json',
      'the digest shows the reactivations of closed requests',
    );
    object(
      builder,
      's3:DeleteObject',
      'remediation/open/*.json',
      'BuildDigest removes markers closed more than 14 days ago',
    );
  }

  const remediationRoleName = r.functions['remediate-key'].environment['REMEDIATION_ROLE_NAME'];
  if (remediationRoleName === undefined)
    throw new Error('the remediate-key function has no REMEDIATION_ROLE_NAME');
  const remediator = sessionPattern(r.functions['remediate-key'].roleArn);
  const accounts = [
    { label: 'a member account', account: system.memberAccountIds()[0] ?? SAMPLE_MEMBER_ACCOUNT },
    { label: 'the management account', account: managementAccountOf(system, options) },
  ];
  for (const { label, account } of accounts) {
    const roleArn = `arn:${a.partition}:iam::${account}:role/${remediationRoleName}`;
    add({
      id: `remediate-key role → sts:AssumeRole ${remediationRoleName} in ${label}`,
      why: 'RemediateKey assumes the remediation role in the account of the key it deactivates',
      principalPattern: remediator,
      action: 'sts:AssumeRole',
      resourcePattern: `arn:${a.partition}:iam::*:role/${remediationRoleName}`,
      resource: roleArn,
      context: { 'aws:PrincipalOrgID': options.organizationId },
    });
    const userArn = `arn:${a.partition}:iam::${account}:user/sample-user`;
    for (const [action, why] of [
      [
        'iam:ListAccessKeys',
        'the key is read before (gone, inactive, replaced?) and after the update (confirmed?)',
      ],
      ['iam:UpdateAccessKey', 'the approved key is set Inactive (Active again for a reactivation)'],
    ] as const) {
      add({
        id: `${remediationRoleName} in ${label} → ${action}`,
        why,
        principalPattern: `arn:${a.partition}:sts::*:assumed-role/${remediationRoleName}/*`,
        principal: sessionArn(roleArn, 'sample-request'),
        action,
        resourcePattern: `arn:${a.partition}:iam::*:user/*`,
        resource: userArn,
        context: { 'aws:PrincipalOrgID': options.organizationId },
      });
    }
  }
}

/** SECURITY_HUB_JSON as the template sets it on the import-findings function. */
export interface DeployedSecurityHub {
  readonly enabled: boolean;
  readonly region: string;
}

export function deployedSecurityHub(
  environment: Readonly<Record<string, string>>,
  fallbackRegion: string,
): DeployedSecurityHub {
  const raw = environment['SECURITY_HUB_JSON'];
  if (raw === undefined) return { enabled: false, region: fallbackRegion };
  const parsed = JSON.parse(raw) as Partial<DeployedSecurityHub>;
  return { enabled: parsed.enabled === true, region: parsed.region ?? fallbackRegion };
}

/** Security Hub's resources for ImportFindings: the account's own default product and its hub. */
export function securityHubArns(
  partition: string,
  region: string,
  account: string,
): { readonly product: string; readonly hub: string } {
  return {
    product: `arn:${partition}:securityhub:${region}:${account}:product/${account}/default`,
    hub: `arn:${partition}:securityhub:${region}:${account}:hub/default`,
  };
}

/**
 * The integrations (README.md, "Integrations"), read from the deployed environment so the edges
 * follow the config. With SECURITY_HUB_JSON enabled, ImportFindings (app/import-findings.ts)
 * reads the run's report.json, reads this product's active findings (GetFindings on the hub) and
 * imports the run's, archiving the resolved ones (BatchImportFindings on the account's own
 * default product), in the configured region. With CHAT_TOPIC_ARN set, PublishDigest also sends
 * the chat notification to the chat topic, and the chat service may use the key for that topic.
 */
function addIntegrationEdges(
  system: DeployedSystem,
  a: Auditor,
  roles: Readonly<Record<FunctionKey, { arn: string; pattern: string }>>,
  add: Add,
  s3: (fn: FunctionKey, action: 's3:GetObject' | 's3:PutObject', keyPattern: string, why: string) => void,
): void {
  const hub = deployedSecurityHub(functionEnvironment(a, 'import-findings', system), a.region);
  if (hub.enabled) {
    s3('import-findings', 's3:GetObject', 'reports/*/report.json', 'ImportFindings reads the run’s findings');
    const arns = securityHubArns(a.partition, hub.region, a.account);
    add({
      id: 'import-findings role → securityhub:GetFindings hub/default',
      why: 'ImportFindings reads the active findings this product imported before, to archive the resolved ones',
      principalPattern: roles['import-findings'].pattern,
      action: 'securityhub:GetFindings',
      resourcePattern: arns.hub,
      context: {},
    });
    add({
      id: 'import-findings role → securityhub:BatchImportFindings product/<account>/default',
      why: 'ImportFindings imports the run’s findings (and archives the resolved ones) into the audit account’s default product',
      principalPattern: roles['import-findings'].pattern,
      action: 'securityhub:BatchImportFindings',
      resourcePattern: arns.product,
      context: {},
    });
  }
  const chatTopicArn = functionEnvironment(a, 'publish-digest', system)['CHAT_TOPIC_ARN'];
  if (chatTopicArn !== undefined) {
    const base = {
      id: 'publish-digest role → sns:Publish chat topic',
      why: 'PublishDigest sends the run’s custom notification for Amazon Q Developer in chat applications',
      principalPattern: roles['publish-digest'].pattern,
    };
    add({ ...base, action: 'sns:Publish', resourcePattern: chatTopicArn, context: {} });
    const key = system.encryptionKeyOf(chatTopicArn);
    addKms(add, base, key, 'sns', a.region, ['kms:GenerateDataKey', 'kms:Decrypt']);
    if (key !== undefined) {
      for (const action of ['kms:Decrypt', 'kms:GenerateDataKey']) {
        add({
          id: `chatbot.amazonaws.com → ${action} for the chat topic`,
          why: 'the chat service uses the key for the chat topic’s messages only (its encryption context)',
          principalPattern: 'chatbot.amazonaws.com',
          principal: 'chatbot.amazonaws.com',
          action,
          resourcePattern: key,
          context: { 'kms:EncryptionContext:aws:sns:topicArn': chatTopicArn },
        });
      }
    }
  }
}

/** The management account: the owner of the organization's resources (roots, OUs, accounts). */
function managementAccountOf(system: DeployedSystem, options: CatalogueOptions): string {
  return system.stack(options.managementRoleStackId ?? 'OrgKeyAuditManagementRole').resolver.env.account;
}

/** OWNERS_JSON as the template sets it; what owner resolution does follows from it. */
export interface DeployedOwnerRules {
  readonly accountTagKey: string | null;
  readonly organizationalUnits: Readonly<Record<string, string>>;
}

export function deployedOwnerRules(environment: Readonly<Record<string, string>>): DeployedOwnerRules {
  const raw = environment['OWNERS_JSON'];
  if (raw === undefined) return { accountTagKey: null, organizationalUnits: {} };
  const parsed = JSON.parse(raw) as Partial<DeployedOwnerRules>;
  return {
    accountTagKey: parsed.accountTagKey ?? null,
    organizationalUnits: parsed.organizationalUnits ?? {},
  };
}

/** Sample ids inside the organization for the owner edges' requests. */
export const SAMPLE_ROOT_ID = 'r-samp';
export const SAMPLE_OU_ID = 'ou-samp-sample01';
export const SAMPLE_TAGGED_ACCOUNT = '123456789012';

/**
 * Owner resolution in ListAccounts (functions/src/app/account-owners.ts): with OUs mapped it
 * walks the tree (ListRoots, then ListOrganizationalUnitsForParent and ListAccountsForParent on
 * each root and OU); with an account tag key it reads each account's tags, keeping them in the
 * cache object, which it reads (missing on the first run: hence s3:ListBucket) and writes.
 * The Organizations calls are made as the org-reader role when ListAccounts uses one.
 */
function addOwnerEdges(
  a: Auditor,
  options: CatalogueOptions,
  listEnv: Readonly<Record<string, string>>,
  listerPattern: string,
  managementAccount: string,
  add: Add,
  s3: (fn: FunctionKey, action: 's3:GetObject' | 's3:PutObject', keyPattern: string, why: string) => void,
): void {
  const rules = deployedOwnerRules(listEnv);
  const orgReaderRoleArn = listEnv['ORG_READER_ROLE_ARN'];
  const caller =
    orgReaderRoleArn === undefined
      ? { who: 'list-accounts role', principalPattern: listerPattern }
      : { who: 'org reader role', principalPattern: sessionPattern(orgReaderRoleArn) };
  const context: Record<string, string> =
    orgReaderRoleArn === undefined ? {} : { 'aws:PrincipalOrgID': options.organizationId };
  const org = (resource: string) =>
    `arn:${a.partition}:organizations::${managementAccount}:${resource.replace('<org>', options.organizationId)}`;
  if (Object.keys(rules.organizationalUnits).length > 0) {
    add({
      id: `${caller.who} → organizations:ListRoots (owners)`,
      why: 'owner resolution starts the OU walk at the organization’s roots',
      principalPattern: caller.principalPattern,
      action: 'organizations:ListRoots',
      resourcePattern: '*',
      resource: '*',
      context,
    });
    for (const action of [
      'organizations:ListOrganizationalUnitsForParent',
      'organizations:ListAccountsForParent',
    ]) {
      for (const [parent, resourcePattern, resource] of [
        ['a root', org('root/<org>/r-*'), org(`root/<org>/${SAMPLE_ROOT_ID}`)],
        ['an OU', org('ou/<org>/ou-*'), org(`ou/<org>/${SAMPLE_OU_ID}`)],
      ] as const) {
        add({
          id: `${caller.who} → ${action} of ${parent} (owners)`,
          why: 'owner resolution walks the OU tree to find each account’s nearest mapped OU',
          principalPattern: caller.principalPattern,
          action,
          resourcePattern,
          resource,
          context,
        });
      }
    }
  }
  if (rules.accountTagKey !== null) {
    add({
      id: `${caller.who} → organizations:ListTagsForResource of an account (owners)`,
      why: `owner resolution reads each account’s "${rules.accountTagKey}" tag, paced and cached`,
      principalPattern: caller.principalPattern,
      action: 'organizations:ListTagsForResource',
      resourcePattern: org('account/<org>/*'),
      resource: org(`account/<org>/${SAMPLE_TAGGED_ACCOUNT}`),
      context,
    });
    s3(
      'list-accounts',
      's3:GetObject',
      'owners/account-tags.json',
      'ListAccounts reads the account-tag cache',
    );
    s3(
      'list-accounts',
      's3:PutObject',
      'owners/account-tags.json',
      'ListAccounts stores the account-tag cache',
    );
    add({
      id: 'list-accounts role → s3:ListBucket report bucket',
      why: 'the first run finds no account-tag cache: S3 answers 404 (not 403) only to a caller that may list the bucket',
      principalPattern: listerPattern,
      action: 's3:ListBucket',
      resourcePattern: a.bucketArn,
      context: {},
    });
  }
}

function addDeliveryEdges(system: DeployedSystem, a: Auditor, add: Add): void {
  // EventBridge: failed, timed-out or aborted executions go to the execution-failures DLQ.
  const ruleId = system.logicalId(a.stackId, 'AWS::Events::Rule', 'ExecutionFailedRule');
  const ruleArn = a.resolver.getAtt(ruleId, 'Arn');
  const targets = (a.resolver.properties(ruleId)['Targets'] ?? []) as { Arn: string }[];
  for (const target of targets) {
    const queueArn = target.Arn;
    const queue = queueArn.split(':').pop() ?? queueArn;
    const source = { 'aws:SourceArn': ruleArn, 'aws:SourceAccount': a.account };
    const base = {
      id: `events.amazonaws.com (ExecutionFailedRule) → sqs:SendMessage ${queue}`,
      why: 'EventBridge delivers execution status changes to the execution-failures DLQ',
      principalPattern: 'events.amazonaws.com',
      principal: 'events.amazonaws.com',
    };
    addQueueSend(add, system, a.region, base, queueArn, source);
  }

  // CloudWatch alarms: every alarm action publishes to a topic.
  for (const id of a.resolver.logicalIds()) {
    if (a.resolver.resource(id).Type !== 'AWS::CloudWatch::Alarm') continue;
    const alarmArn = a.resolver.getAtt(id, 'Arn');
    const actions = (a.resolver.properties(id)['AlarmActions'] ?? []) as string[];
    for (const topicArn of actions) {
      const source = { 'aws:SourceArn': alarmArn, 'aws:SourceAccount': a.account };
      const base = {
        id: `cloudwatch.amazonaws.com (${id}) → sns:Publish ${topicArn.split(':').pop()}`,
        why: 'a CloudWatch alarm notifies its topic when it changes state',
        principalPattern: 'cloudwatch.amazonaws.com',
        principal: 'cloudwatch.amazonaws.com',
      };
      add({ ...base, action: 'sns:Publish', resourcePattern: topicArn, context: source });
      addKms(
        add,
        base,
        system.encryptionKeyOf(topicArn),
        'sns',
        a.region,
        ['kms:GenerateDataKey', 'kms:Decrypt'],
        source,
      );
    }
  }
}

/** Glob match with `*` standing for any run of characters (ARNs have no other wildcard here). */
export function globMatches(pattern: string, value: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return regex.test(value);
}

/** The catalogue's edges that cover a recorded call. */
export function edgesFor(
  edges: readonly Edge[],
  call: { readonly principal: string; readonly action: string; readonly resource: string },
): Edge[] {
  return edges.filter(
    (edge) =>
      edge.action === call.action &&
      globMatches(edge.principalPattern, call.principal) &&
      globMatches(edge.resourcePattern, call.resource),
  );
}
