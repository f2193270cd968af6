/**
 * Rolls the audit role out to every member account with a service-managed StackSet. Its template
 * is the synthesized MemberRoleStack, so the StackSet and the management account's plain stack
 * deploy the very same role.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, BootstraplessSynthesizer, Stack, type StackProps } from 'aws-cdk-lib';
import { CfnStackSet, type CfnStackSetProps } from 'aws-cdk-lib/aws-cloudformation';
import type { Construct } from 'constructs';
import type { OrgKeyAuditConfig } from './config';
import { MemberRoleStack, type MemberRoleStackProps } from './member-role-stack';
import { auditorRoleArn, refuseDeploymentOfExample, remediatorRoleArn } from './names';
import { RemediationRoleStack, type RemediationRoleStackProps } from './remediation-role-stack';

export const STACK_SET_NAME = 'org-key-audit-member-role';
/**
 * The remediation role's StackSet (config `remediation.enabled`): separate from the audit role's,
 * so the read-only role never changes and deleting this one removes every write permission.
 */
export const REMEDIATION_STACK_SET_NAME = 'org-key-audit-remediation-role';

/**
 * Synthesizes one stack on its own, without bootstrap parameters or rules: member accounts are
 * not CDK-bootstrapped, and a StackSet template cannot reference assets.
 */
function synthesizeStandalone(
  prefix: string,
  create: (app: App, synthesizer: BootstraplessSynthesizer) => Stack,
): Record<string, unknown> {
  const outdir = mkdtempSync(join(tmpdir(), prefix));
  try {
    const app = new App({ outdir, analyticsReporting: false });
    const stack = create(app, new BootstraplessSynthesizer());
    return app.synth().getStackArtifact(stack.artifactId).template as Record<string, unknown>;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export function synthesizeMemberRoleTemplate(props: MemberRoleStackProps): Record<string, unknown> {
  return synthesizeStandalone(
    'org-key-audit-member-role-',
    (app, synthesizer) =>
      new MemberRoleStack(app, 'MemberRole', { ...props, synthesizer, analyticsReporting: false }),
  );
}

export function synthesizeRemediationRoleTemplate(props: RemediationRoleStackProps): Record<string, unknown> {
  return synthesizeStandalone(
    'org-key-audit-remediation-role-',
    (app, synthesizer) =>
      new RemediationRoleStack(app, 'RemediationRole', { ...props, synthesizer, analyticsReporting: false }),
  );
}

export interface RoleRolloutStackProps extends StackProps {
  readonly config: OrgKeyAuditConfig;
}

export class RoleRolloutStack extends Stack {
  readonly stackSet: CfnStackSet;
  /** `org-key-audit-remediation-role`, only with `remediation.enabled`. */
  readonly remediationStackSet?: CfnStackSet;

  constructor(scope: Construct, id: string, props: RoleRolloutStackProps) {
    super(scope, id, props);
    const { config } = props;
    refuseDeploymentOfExample(this, config);

    const template = synthesizeMemberRoleTemplate({
      auditRoleName: config.auditRoleName,
      trustedRoleArn: auditorRoleArn(config),
      organizationId: config.organizationId,
    });

    this.stackSet = new CfnStackSet(this, 'MemberRoleStackSet', {
      ...serviceManagedStackSet(config),
      stackSetName: STACK_SET_NAME,
      description: 'org-key-audit: the read-only access-key audit role in every member account',
      templateBody: JSON.stringify(template),
    });

    if (config.remediation.enabled) {
      const remediationTemplate = synthesizeRemediationRoleTemplate({
        roleName: config.remediation.roleName,
        trustedRoleArn: remediatorRoleArn(config),
        organizationId: config.organizationId,
      });
      this.remediationStackSet = new CfnStackSet(this, 'RemediationRoleStackSet', {
        ...serviceManagedStackSet(config),
        stackSetName: REMEDIATION_STACK_SET_NAME,
        description:
          'org-key-audit: the remediation role (deactivates approved access keys) in every member account',
        templateBody: JSON.stringify(remediationTemplate),
      });
    }
  }
}

/** What both StackSets share: the same accounts, region and rollout pace. */
function serviceManagedStackSet(
  config: OrgKeyAuditConfig,
): Omit<CfnStackSetProps, 'stackSetName' | 'description' | 'templateBody'> {
  return {
    permissionModel: 'SERVICE_MANAGED',
    // Accounts that join a target OU get the role; accounts that leave lose it.
    autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
    callAs: config.rollout.callAs,
    capabilities: ['CAPABILITY_NAMED_IAM'],
    managedExecution: { Active: true },
    operationPreferences: {
      regionConcurrencyType: 'PARALLEL',
      maxConcurrentPercentage: config.rollout.maxConcurrentPercentage,
      failureTolerancePercentage: config.rollout.failureTolerancePercentage,
    },
    // IAM is global: one region is enough, more would collide on the role name.
    stackInstancesGroup: [
      {
        deploymentTargets: { organizationalUnitIds: [...config.rollout.targetOrganizationalUnitIds] },
        regions: [config.region],
      },
    ],
  };
}
