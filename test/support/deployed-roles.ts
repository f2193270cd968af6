/**
 * An emulator that hosts the product as it would be deployed: the templates synthesized for the
 * emulated organization, member roles that trust the audit-account Lambda's role, and clients
 * that sign each caller of a local run as its deployed role (each Lambda, the state machine,
 * EventBridge's stand-in). Every call is recorded; with `enforcePolicies` the emulator refuses
 * what the templates refuse. The operator's clients (the CLI's) are a role outside the deployment.
 */
import { rmSync } from 'node:fs';
import { IAMClient } from '@aws-sdk/client-iam';
import {
  type AuthorizationDecision,
  type RunningEmulator,
  type StartEmulatorOptions,
  startEmulator,
} from '@org-key-audit/emulator';
import { memberIamConfig } from '@org-key-audit/functions/aws';
import {
  buildClients,
  type LocalAuditClients,
  type LocalRemediationClients,
  type TaskName,
  type WorkflowClients,
} from '@org-key-audit/statemachine';
import type { ConfigInput } from '../../infra/lib/config';
import {
  type EmulatedDeployment,
  emulatedDeployment,
  emulatorOrganization,
} from '../../infra/permissions/emulator-binding';
import { uncoveredCalls } from '../../infra/permissions/recorded-calls';
import { DELEGATED, synthesizeToDirectory } from '../deployment/support';

export type DeployedEmulator = Awaited<ReturnType<typeof startEmulator>>;

export interface DeploymentOptions {
  /** @default KEYAUDIT_ENFORCE_POLICIES=1 */
  readonly enforcePolicies?: boolean;
  /** Changes the synthesized cdk.out before it is read (returns the directory to read). */
  readonly mutateAssembly?: (cloudAssemblyDir: string) => string;
  /**
   * Attempts per member IAM call. Unset: the product's own configuration (memberIamConfig, with
   * RETRY_CONFIG's 5 attempts), which the reliability suites run with. The workflow cases use 1:
   * the collector owns throttling retries there. Only the attempts change: retry mode, connection
   * pool and the rest stay the product's.
   */
  readonly memberIamMaxAttempts?: number;
  /**
   * More deployment configuration (e.g. `owners`), given the started emulator so it can name the
   * organization's OU ids; merged over the emulated organization's own.
   */
  readonly config?: (emulator: RunningEmulator) => Partial<ConfigInput>;
}

export interface DeployedRoles {
  readonly emulator: DeployedEmulator;
  /** Each Lambda, the state machine and EventBridge call the emulator as their deployed roles. */
  readonly clients: WorkflowClients;
  /** The operator's clients (the CLI's): a role of the audit account that the deployment does not hold. */
  readonly operator: LocalAuditClients;
  /**
   * With remediation deployed (config `remediation.enabled`): each RemediateKeys Lambda's clients,
   * signed as its deployed role, and the state machine's; undefined otherwise.
   */
  readonly remediation?: {
    readonly clients: LocalRemediationClients;
    readonly stateMachine: LocalAuditClients;
    /** The member accounts' remediation role, as the StackSet names it. */
    readonly memberRole: string;
  };
  /** The templates synthesized for this emulator's organization, its edge catalogue and roles. */
  readonly deployment: EmulatedDeployment;
  /** True when the emulator refuses what the synthesized templates would refuse. */
  readonly enforcing: boolean;
  /** Every refusal so far (empty unless `enforcing`), with AWS's message. */
  readonly denials: readonly string[];
  /** Recorded calls of deployed principals that no catalogue edge covers (should stay empty). */
  uncoveredCalls(): string[];
  stop(): Promise<void>;
}

/** The role the member roles trust: the audit-account Lambda's (infra/lib/names.ts). */
export const AUDIT_ACCOUNT_FUNCTION_ROLE = 'org-key-audit-audit-account';

/** A person on the security team running `keyaudit`: no role of the deployment. */
export const OPERATOR_ROLE = 'keyaudit-operator';

/** The Lambda a task of the ASL runs, by its handler file name. */
const FUNCTION_OF_TASK: Readonly<Record<TaskName, keyof EmulatedDeployment['roleNames']['functions']>> = {
  validateInput: 'validate-input',
  listAccounts: 'list-accounts',
  auditAccount: 'audit-account',
  buildDigest: 'build-digest',
  importFindings: 'import-findings',
  publishDigest: 'publish-digest',
};

export async function startDeployedEmulator(
  emulatorOptions: Omit<StartEmulatorOptions, 'auditorRoleName' | 'authorize'>,
  options: DeploymentOptions = {},
): Promise<DeployedRoles> {
  let authorize: (
    call: Parameters<NonNullable<StartEmulatorOptions['authorize']>>[0],
  ) => AuthorizationDecision | Promise<AuthorizationDecision> = () => ({ allowed: true });
  const emulator = await startEmulator({
    ...emulatorOptions,
    auditorRoleName: AUDIT_ACCOUNT_FUNCTION_ROLE,
    authorize: (call) => authorize(call),
  });
  const synthesized = synthesizeToDirectory({
    ...DELEGATED,
    managementAccountId: emulator.managementAccountId,
    auditAccountId: emulator.auditAccountId,
    organizationId: emulator.state.organizationId,
    region: emulator.region,
    // The emulated audit account is a delegated administrator that lists accounts itself.
    useOrgReaderRole: false,
    ...(options.config === undefined ? {} : options.config(emulator)),
  });
  const cloudAssembly =
    options.mutateAssembly === undefined ? synthesized : options.mutateAssembly(synthesized);
  const deployment = emulatedDeployment(cloudAssembly, emulatorOrganization(emulator));
  const enforcing = options.enforcePolicies ?? process.env['KEYAUDIT_ENFORCE_POLICIES'] === '1';
  const denials: string[] = [];
  if (enforcing) authorize = deployment.enforcer({ onDenied: (_call, message) => denials.push(message) });

  const connection = (credentials: {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
  }) => ({
    region: emulator.region,
    endpoint: emulator.url,
    credentials,
  });
  const withIamAttempts = (clients: LocalAuditClients): LocalAuditClients => {
    const attempts = options.memberIamMaxAttempts;
    if (attempts === undefined) return clients;
    return {
      ...clients,
      iamFor: (assumed) =>
        new IAMClient({ ...memberIamConfig(assumed), endpoint: emulator.url, maxAttempts: attempts }),
    };
  };
  const clientsAs = (roleName: string, sessionName: string): LocalAuditClients =>
    withIamAttempts(buildClients(connection(emulator.roleCredentials(roleName, sessionName))));
  const { roleNames } = deployment;
  const tasks = Object.fromEntries(
    Object.entries(FUNCTION_OF_TASK).map(([task, fn]) => [
      task,
      // Lambda names an execution role's session after the function.
      clientsAs(roleNames.functions[fn], `org-key-audit-${fn}`),
    ]),
  ) as Record<TaskName, LocalAuditClients>;
  const clients: WorkflowClients = {
    tasks,
    stateMachine: clientsAs(roleNames.stateMachine, 'local-execution'),
    eventBridge: clientsAs(roleNames.eventBridge, 'delivery'),
  };
  // Not the auditor's keys: with auditorRoleName set they are a session of the audit-account role.
  const operator = clientsAs(OPERATOR_ROLE, 'operator');
  const remediationRoles = roleNames.remediation;
  const remediation =
    remediationRoles === undefined
      ? undefined
      : {
          clients: {
            recordRemediation: clientsAs(
              remediationRoles.functions['record-remediation'],
              'org-key-audit-record-remediation',
            ),
            checkKey: clientsAs(remediationRoles.functions['check-key'], 'org-key-audit-check-key'),
            remediateKey: clientsAs(
              remediationRoles.functions['remediate-key'],
              'org-key-audit-remediate-key',
            ),
          },
          stateMachine: clientsAs(remediationRoles.stateMachine, 'local-remediation'),
          memberRole: remediationRoles.memberRole,
        };
  const deployedRoleNames = [
    ...Object.values(roleNames.functions),
    roleNames.stateMachine,
    emulator.roleName,
    ...(remediationRoles === undefined
      ? []
      : [
          ...Object.values(remediationRoles.functions),
          remediationRoles.stateMachine,
          remediationRoles.memberRole,
        ]),
  ];
  return {
    emulator,
    clients,
    operator,
    ...(remediation === undefined ? {} : { remediation }),
    deployment,
    enforcing,
    denials,
    uncoveredCalls: () =>
      uncoveredCalls(deployment.system, deployment.edges, emulator.calls(), {
        deployedRoleNames,
        serviceStandIns: deployment.serviceStandIns,
      }),
    stop: async () => {
      await emulator.stop();
      for (const dir of new Set([synthesized, cloudAssembly])) rmSync(dir, { recursive: true, force: true });
    },
  };
}
