import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../lib/config';
import { MemberRoleStack } from '../lib/member-role-stack';
import { RoleRolloutStack } from '../lib/role-rollout-stack';
import { AUDIT, asArray, DELEGATED_CONFIG, ORG_ID, resourcesOfType, type Statement } from './support';

const AUDITOR_ROLE = `arn:aws:iam::${AUDIT}:role/org-key-audit-audit-account`;
const LISTER_ROLE = `arn:aws:iam::${AUDIT}:role/org-key-audit-list-accounts`;
const SEVEN_ACTIONS = [
  'iam:GenerateCredentialReport',
  'iam:GetCredentialReport',
  'iam:ListUsers',
  'iam:ListAccessKeys',
  'iam:GetAccessKeyLastUsed',
  'iam:GetAccountSummary',
  'iam:ListUserTags',
];

type RoleProps = {
  RoleName: string;
  AssumeRolePolicyDocument: { Statement: Statement[] };
  Policies?: { PolicyDocument: { Statement: Statement[] } }[];
  ManagedPolicyArns?: unknown;
  MaxSessionDuration?: number;
};

function roleNamed(template: Record<string, unknown>, name: string): RoleProps {
  const role = Object.values(resourcesOfType(template, 'AWS::IAM::Role')).find(
    (r) => r.Properties['RoleName'] === name,
  );
  if (!role) throw new Error(`no role ${name}`);
  return role.Properties as unknown as RoleProps;
}

function expectTrustsOnly(role: RoleProps, principalArn: string): void {
  expect(role.AssumeRolePolicyDocument.Statement).toEqual([
    {
      Effect: 'Allow',
      Action: 'sts:AssumeRole',
      Principal: { AWS: principalArn },
      Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG_ID } },
    },
  ]);
}

function memberTemplate(orgReader: boolean): Record<string, unknown> {
  const app = new App();
  const stack = new MemberRoleStack(app, 'Member', {
    auditRoleName: 'OrgKeyAuditRole',
    trustedRoleArn: AUDITOR_ROLE,
    organizationId: ORG_ID,
    ...(orgReader ? { orgReader: { roleName: 'OrgKeyAuditOrgReader', trustedRoleArn: LISTER_ROLE } } : {}),
  });
  return Template.fromStack(stack).toJSON();
}

describe('MemberRoleStack', { timeout: 120_000 }, () => {
  it('grants exactly the seven read-only IAM actions, no wildcard action, no managed policy', () => {
    const role = roleNamed(memberTemplate(false), 'OrgKeyAuditRole');
    const statements = (role.Policies ?? []).flatMap((p) => p.PolicyDocument.Statement);
    const actions = statements.flatMap((s) => asArray(s.Action));
    expect([...actions].sort()).toEqual([...SEVEN_ACTIONS].sort());
    expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
    expect(role.ManagedPolicyArns).toBeUndefined();
    expect(role.MaxSessionDuration).toBe(3600);
  });

  it('trusts one role ARN, and only from inside the organization', () => {
    expectTrustsOnly(roleNamed(memberTemplate(false), 'OrgKeyAuditRole'), AUDITOR_ROLE);
  });

  it('adds the org reader, trusted by the account lister only, when asked', () => {
    const template = memberTemplate(true);
    const reader = roleNamed(template, 'OrgKeyAuditOrgReader');
    expectTrustsOnly(reader, LISTER_ROLE);
    const actions = (reader.Policies ?? [])
      .flatMap((p) => p.PolicyDocument.Statement)
      .flatMap((s) => asArray(s.Action));
    expect(actions).toEqual(['organizations:ListAccounts']);
    expect(Object.keys(resourcesOfType(memberTemplate(false), 'AWS::IAM::Role'))).toHaveLength(1);
  });
});

describe('RoleRolloutStack', { timeout: 120_000 }, () => {
  const config = parseConfig(DELEGATED_CONFIG);
  const app = new App();
  const stack = new RoleRolloutStack(app, 'Rollout', {
    config,
    env: { account: AUDIT, region: 'eu-west-1' },
  });
  const template = Template.fromStack(stack);

  it('is a service-managed StackSet with auto-deployment over the configured OUs, in one region', () => {
    template.hasResourceProperties('AWS::CloudFormation::StackSet', {
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      CallAs: 'DELEGATED_ADMIN',
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      OperationPreferences: Match.objectLike({
        RegionConcurrencyType: 'PARALLEL',
        FailureTolerancePercentage: 10,
        MaxConcurrentPercentage: 25,
      }),
      StackInstancesGroup: [
        {
          DeploymentTargets: { OrganizationalUnitIds: ['r-ab12', 'ou-ab12-cdef5678'] },
          Regions: ['eu-west-1'],
        },
      ],
    });
  });

  it('deploys the synthesized member role, without CDK bootstrap references', () => {
    const [stackSet] = Object.values(resourcesOfType(template.toJSON(), 'AWS::CloudFormation::StackSet'));
    const body = JSON.parse(stackSet!.Properties['TemplateBody'] as string) as Record<string, unknown>;
    const role = roleNamed(body, 'OrgKeyAuditRole');
    expectTrustsOnly(role, AUDITOR_ROLE);
    expect(
      (role.Policies ?? [])
        .flatMap((p) => p.PolicyDocument.Statement)
        .flatMap((s) => asArray(s.Action))
        .sort(),
    ).toEqual([...SEVEN_ACTIONS].sort());
    // Member accounts are not bootstrapped: no BootstrapVersion parameter or rule may appear.
    expect(JSON.stringify(body)).not.toContain('BootstrapVersion');
    expect(body['Parameters']).toBeUndefined();
  });

  it('refuses to deploy a template made from the example config', () => {
    const example = parseConfig({ ...DELEGATED_CONFIG, example: true });
    const exampleStack = new RoleRolloutStack(new App(), 'Example', { config: example });
    const rules = Template.fromStack(exampleStack).toJSON()['Rules'] as Record<
      string,
      { Assertions: unknown[] }
    >;
    expect(rules['ExampleConfigGuard']?.Assertions).toEqual([
      {
        Assert: { 'Fn::Equals': ['example-config', 'real-config'] },
        AssertDescription: expect.stringContaining('org-key-audit.config.json'),
      },
    ]);
    expect(template.toJSON()['Rules']?.['ExampleConfigGuard']).toBeUndefined();
  });

  it('calls as SELF (the management account) by default', () => {
    const self = parseConfig({ ...DELEGATED_CONFIG, rollout: { targetOrganizationalUnitIds: ['r-ab12'] } });
    expect(self.rollout.callAs).toBe('SELF');
    const selfStack = new RoleRolloutStack(new App(), 'Self', { config: self });
    Template.fromStack(selfStack).hasResourceProperties('AWS::CloudFormation::StackSet', {
      CallAs: 'SELF',
      StackInstancesGroup: [
        { DeploymentTargets: { OrganizationalUnitIds: ['r-ab12'] }, Regions: ['eu-west-1'] },
      ],
    });
  });
});
