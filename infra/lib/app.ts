/** Builds every stack of the app from a validated config; shared by bin/app.ts and the tests. */
import { type App, BootstraplessSynthesizer, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AuditorStack, type AuditorStackProps } from './auditor-stack';
import type { OrgKeyAuditConfig } from './config';
import { MemberRoleStack } from './member-role-stack';
import { accountListerRoleArn, auditorRoleArn, refuseDeploymentOfExample, remediatorRoleArn } from './names';
import { ownerOrganizationsAccess } from './owners';
import { RemediationRole } from './remediation-role-stack';
import { RoleRolloutStack } from './role-rollout-stack';

export interface OrgKeyAuditStacks {
  readonly auditor: AuditorStack;
  readonly managementRole: MemberRoleStack;
  readonly rollout: RoleRolloutStack;
  /** The remediation role in the management account's stack, only with `remediation.enabled`. */
  readonly managementRemediationRole?: RemediationRole;
}

export interface BuildAppOptions {
  readonly handlersDir?: AuditorStackProps['handlersDir'];
  readonly definitionPath?: AuditorStackProps['definitionPath'];
  /** @default true */
  readonly nag?: boolean;
}

export function buildApp(
  app: App,
  config: OrgKeyAuditConfig,
  options: BuildAppOptions = {},
): OrgKeyAuditStacks {
  const auditor = new AuditorStack(app, 'OrgKeyAuditAuditor', {
    env: { account: config.auditAccountId, region: config.region },
    description: 'org-key-audit: daily IAM access-key audit of the organization (audit account)',
    config,
    ...(options.handlersDir === undefined ? {} : { handlersDir: options.handlersDir }),
    ...(options.definitionPath === undefined ? {} : { definitionPath: options.definitionPath }),
  });

  // StackSets never deploy to the management account, so it gets the role from a plain stack.
  // No assets: it deploys without bootstrapping the management account.
  const managementRole = new MemberRoleStack(app, 'OrgKeyAuditManagementRole', {
    env: { account: config.managementAccountId, region: config.region },
    description: 'org-key-audit: the audit role (and org reader) in the management account',
    synthesizer: new BootstraplessSynthesizer(),
    auditRoleName: config.auditRoleName,
    trustedRoleArn: auditorRoleArn(config),
    organizationId: config.organizationId,
    ...(config.useOrgReaderRole
      ? {
          orgReader: {
            roleName: config.orgReaderRoleName,
            trustedRoleArn: accountListerRoleArn(config),
            ownerAccess: ownerOrganizationsAccess(config),
          },
        }
      : {}),
  });
  refuseDeploymentOfExample(managementRole, config);
  // A construct of its own next to the audit role, so the audit role's resource stays as it is.
  const managementRemediationRole = config.remediation.enabled
    ? new RemediationRole(managementRole, 'RemediationRole', {
        roleName: config.remediation.roleName,
        trustedRoleArn: remediatorRoleArn(config),
        organizationId: config.organizationId,
      })
    : undefined;

  const rollout = new RoleRolloutStack(app, 'OrgKeyAuditRoleRollout', {
    // SELF runs from the management account; DELEGATED_ADMIN from the audit account.
    env: {
      account: config.rollout.callAs === 'SELF' ? config.managementAccountId : config.auditAccountId,
      region: config.region,
    },
    description: 'org-key-audit: StackSet that keeps the audit role in every member account',
    synthesizer: new BootstraplessSynthesizer(),
    config,
  });

  if (options.nag ?? true) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return {
    auditor,
    managementRole,
    rollout,
    ...(managementRemediationRole === undefined ? {} : { managementRemediationRole }),
  };
}
