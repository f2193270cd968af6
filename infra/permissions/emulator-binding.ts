/**
 * The deployed system as the local emulator hosts it: the templates synthesized for the
 * emulator's organization (its audit and management accounts, organization id and region),
 * with the physical names CloudFormation would have chosen replaced by the emulator's own
 * bucket, queues and topics, the StackSet's role in each emulated member account, and the roles
 * a local run signs its calls with.
 */
import { DeployedSystem } from './deployed-system';
import {
  buildEdgeCatalogue,
  deployedRemediation,
  type Edge,
  FUNCTION_CONSTRUCT_IDS,
  type FunctionKey,
  type RemediationFunctionKey,
} from './edges';
import { createPolicyEnforcer, type EnforcerOptions, type ServiceStandIn } from './enforce';

export interface EmulatorResources {
  readonly reportBucket: string;
  readonly digestTopicArn: string;
  readonly alarmTopicArn: string;
  /** Queue URLs. */
  readonly queues: {
    readonly accountFailures: string;
    readonly digestFailures: string;
    readonly executionFailures: string;
    readonly scheduler: string;
    /** RemediationFailuresDlq, when the emulator hosts one (remediation enabled). */
    readonly remediationFailures?: string;
  };
}

export interface EmulatorOrganization {
  readonly auditAccountId: string;
  readonly managementAccountId: string;
  readonly organizationId: string;
  readonly region: string;
  readonly memberAccountIds: readonly string[];
  readonly resources: EmulatorResources;
}

/** What the emulator says about its organization (`RunningEmulator`'s fields of the same names). */
export interface EmulatorFacts {
  readonly auditAccountId: string;
  readonly managementAccountId: string;
  readonly region: string;
  readonly state: { readonly organizationId: string; readonly accounts: ReadonlyMap<string, unknown> };
  readonly resources: EmulatorResources;
}

/** StackSets never deploy to the management account: every other account is a member instance. */
export function emulatorOrganization(emulator: EmulatorFacts): EmulatorOrganization {
  return {
    auditAccountId: emulator.auditAccountId,
    managementAccountId: emulator.managementAccountId,
    organizationId: emulator.state.organizationId,
    region: emulator.region,
    memberAccountIds: [...emulator.state.accounts.keys()].filter((id) => id !== emulator.managementAccountId),
    resources: emulator.resources,
  };
}

/** A local run signs EventBridge's delivery as this role; enforcement evaluates it as the service. */
export const EVENTBRIDGE_STAND_IN_ROLE = 'aws-service-stand-in-events';

export interface EmulatedDeployment {
  readonly system: DeployedSystem;
  readonly edges: readonly Edge[];
  /** The role each caller of a local run signs as. */
  readonly roleNames: {
    readonly functions: Readonly<Record<FunctionKey, string>>;
    readonly stateMachine: string;
    readonly eventBridge: string;
    /**
     * With remediation deployed: the role each RemediateKeys caller signs as (CheckKey's is the
     * audit-account role), and the remediation role's name in every member account (the StackSet
     * instances and the management account's stack hold it, so enforcement judges its sessions).
     */
    readonly remediation?: RemediationRoleNames;
  };
  readonly serviceStandIns: readonly ServiceStandIn[];
  enforcer(options?: Pick<EnforcerOptions, 'onDenied'>): ReturnType<typeof createPolicyEnforcer>;
}

export interface RemediationRoleNames {
  readonly functions: Readonly<Record<RemediationFunctionKey, string>>;
  readonly stateMachine: string;
  readonly memberRole: string;
}

const AUDITOR_STACK = 'OrgKeyAuditAuditor';

const lastSegment = (text: string, separator: string) => text.slice(text.lastIndexOf(separator) + 1);

export function emulatedDeployment(cloudAssemblyDir: string, org: EmulatorOrganization): EmulatedDeployment {
  const plain = DeployedSystem.fromCloudAssembly(cloudAssemblyDir, {
    memberAccountIds: org.memberAccountIds,
  });
  const { resolver } = plain.stack(AUDITOR_STACK);
  if (resolver.env.account !== org.auditAccountId || resolver.env.region !== org.region) {
    throw new Error(
      `${cloudAssemblyDir} was synthesized for account ${resolver.env.account} in ${resolver.env.region}, but the emulator's audit account is ${org.auditAccountId} in ${org.region}: synthesize with auditAccountId "${org.auditAccountId}", managementAccountId "${org.managementAccountId}", organizationId "${org.organizationId}" and region "${org.region}"`,
    );
  }
  const { resources } = org;
  const names: Record<string, string> = {
    [plain.logicalId(AUDITOR_STACK, 'AWS::S3::Bucket', 'ReportBucket')]: resources.reportBucket,
    [plain.logicalId(AUDITOR_STACK, 'AWS::SNS::Topic', 'DigestTopic')]: lastSegment(
      resources.digestTopicArn,
      ':',
    ),
    [plain.logicalId(AUDITOR_STACK, 'AWS::SNS::Topic', 'AlarmTopic')]: lastSegment(
      resources.alarmTopicArn,
      ':',
    ),
    [plain.logicalId(AUDITOR_STACK, 'AWS::SQS::Queue', 'AccountFailuresDlq')]: lastSegment(
      resources.queues.accountFailures,
      '/',
    ),
    [plain.logicalId(AUDITOR_STACK, 'AWS::SQS::Queue', 'DigestFailuresDlq')]: lastSegment(
      resources.queues.digestFailures,
      '/',
    ),
    [plain.logicalId(AUDITOR_STACK, 'AWS::SQS::Queue', 'ExecutionFailuresDlq')]: lastSegment(
      resources.queues.executionFailures,
      '/',
    ),
    [plain.logicalId(AUDITOR_STACK, 'AWS::SQS::Queue', 'SchedulerDlq')]: lastSegment(
      resources.queues.scheduler,
      '/',
    ),
  };
  // Without the emulator's queue, the templates' own name stays: the grants are judged all the
  // same, and a send to it finds no queue, as it would on AWS without the DLQ.
  const remediationFailures = resources.queues.remediationFailures;
  if (deployedRemediation(plain, AUDITOR_STACK) !== undefined && remediationFailures !== undefined) {
    names[plain.logicalId(AUDITOR_STACK, 'AWS::SQS::Queue', 'RemediationFailuresDlq')] = lastSegment(
      remediationFailures,
      '/',
    );
  }
  const system = DeployedSystem.fromCloudAssembly(cloudAssemblyDir, {
    memberAccountIds: org.memberAccountIds,
    physicalNames: { [AUDITOR_STACK]: names },
  });
  const auditor = system.stack(AUDITOR_STACK).resolver;
  const roleName = (prefix: string) =>
    auditor.physicalName(system.logicalId(AUDITOR_STACK, 'AWS::IAM::Role', prefix));
  const functions = Object.fromEntries(
    Object.entries(FUNCTION_CONSTRUCT_IDS).map(([fn, constructId]) => [fn, roleName(`${constructId}role`)]),
  ) as Record<FunctionKey, string>;
  const ruleId = system.logicalId(AUDITOR_STACK, 'AWS::Events::Rule', 'ExecutionFailedRule');
  const serviceStandIns: ServiceStandIn[] = [
    {
      roleArn: `arn:${auditor.partition}:iam::${org.auditAccountId}:role/${EVENTBRIDGE_STAND_IN_ROLE}`,
      servicePrincipal: 'events.amazonaws.com',
      context: { 'aws:SourceArn': auditor.getAtt(ruleId, 'Arn'), 'aws:SourceAccount': org.auditAccountId },
    },
  ];
  const edges = buildEdgeCatalogue(system, { organizationId: org.organizationId });
  const remediation = remediationRoleNames(system);
  return {
    system,
    edges,
    roleNames: {
      functions,
      stateMachine: roleName('StateMachineRole'),
      eventBridge: EVENTBRIDGE_STAND_IN_ROLE,
      ...(remediation === undefined ? {} : { remediation }),
    },
    serviceStandIns,
    enforcer: (options = {}) =>
      createPolicyEnforcer(system, { organizationId: org.organizationId, serviceStandIns, ...options }),
  };
}

/** The RemediateKeys roles as deployed, or undefined when remediation is off. */
function remediationRoleNames(system: DeployedSystem): RemediationRoleNames | undefined {
  const remediation = deployedRemediation(system, AUDITOR_STACK);
  if (remediation === undefined) return undefined;
  const memberRole = remediation.functions['remediate-key'].environment['REMEDIATION_ROLE_NAME'];
  if (memberRole === undefined) throw new Error('the remediate-key function has no REMEDIATION_ROLE_NAME');
  const functions = Object.fromEntries(
    Object.entries(remediation.functions).map(([fn, { roleArn }]) => [fn, lastSegment(roleArn, '/')]),
  ) as Record<RemediationFunctionKey, string>;
  return { functions, stateMachine: lastSegment(remediation.stateMachineRoleArn, '/'), memberRole };
}
