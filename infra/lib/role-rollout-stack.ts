/**
 * Rolls the audit role out to every member account with a service-managed StackSet. Its template
 * is the synthesized MemberRoleStack, so the StackSet and the management account's plain stack
 * deploy the very same role.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, BootstraplessSynthesizer, Stack, type StackProps } from 'aws-cdk-lib';
import { CfnStackSet } from 'aws-cdk-lib/aws-cloudformation';
import type { Construct } from 'constructs';
import type { OrgKeyAuditConfig } from './config';
import { MemberRoleStack, type MemberRoleStackProps } from './member-role-stack';
import { auditorRoleArn, refuseDeploymentOfExample } from './names';

export const STACK_SET_NAME = 'org-key-audit-member-role';

/**
 * Synthesizes the member role on its own, without bootstrap parameters or rules: member accounts
 * are not CDK-bootstrapped, and a StackSet template cannot reference assets.
 */
export function synthesizeMemberRoleTemplate(props: MemberRoleStackProps): Record<string, unknown> {
  const outdir = mkdtempSync(join(tmpdir(), 'org-key-audit-member-role-'));
  try {
    const app = new App({ outdir, analyticsReporting: false });
    const stack = new MemberRoleStack(app, 'MemberRole', {
      ...props,
      synthesizer: new BootstraplessSynthesizer(),
      analyticsReporting: false,
    });
    return app.synth().getStackArtifact(stack.artifactId).template as Record<string, unknown>;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

export interface RoleRolloutStackProps extends StackProps {
  readonly config: OrgKeyAuditConfig;
}

export class RoleRolloutStack extends Stack {
  readonly stackSet: CfnStackSet;

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
      stackSetName: STACK_SET_NAME,
      description: 'org-key-audit: the read-only access-key audit role in every member account',
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
      templateBody: JSON.stringify(template),
    });
  }
}
