/**
 * The remediation role (docs/remediation.md), only with `remediation.enabled`: a second role in
 * every member account, next to the read-only audit role and separate from it, so that turning
 * remediation off (deleting its StackSet) takes away every write the deployment ever had. The
 * StackSet deploys RemediationRoleStack; the management account's stack gets the same construct.
 */
import { Duration, Stack, type StackProps, Token, Validations } from 'aws-cdk-lib';
import { ArnPrincipal, Effect, PolicyDocument, PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * What RemediateKey calls and nothing more: ListAccessKeys to re-read the key before and after,
 * UpdateAccessKey to set it Inactive (or Active again, for reactivate). Both take the `user`
 * resource type (Service Authorization Reference, "Actions, resources, and condition keys for AWS
 * Identity and Access Management"), so the grant names users, never roles or the account.
 * No DeleteAccessKey: a deactivated key can always be reactivated.
 */
export const REMEDIATION_ROLE_ACTIONS = ['iam:UpdateAccessKey', 'iam:ListAccessKeys'] as const;

export interface RemediationRoleProps {
  /** config `remediation.roleName`. */
  readonly roleName: string;
  /** The RemediateKey Lambda's role in the audit account: the one principal the role trusts. */
  readonly trustedRoleArn: string;
  /** `o-...`: the caller must also belong to this organization. */
  readonly organizationId: string;
}

export class RemediationRole extends Construct {
  readonly role: Role;

  constructor(scope: Construct, id: string, props: RemediationRoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.role = new Role(this, 'Role', {
      roleName: props.roleName,
      description:
        'org-key-audit: deactivates (and reactivates) approved IAM user access keys, assumed by the RemediateKey Lambda in the audit account',
      assumedBy: new ArnPrincipal(props.trustedRoleArn).withConditions({
        StringEquals: { 'aws:PrincipalOrgID': props.organizationId },
      }),
      // Role chaining from Lambda caps sessions at one hour anyway; say so explicitly.
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: {
        UpdateUserAccessKeys: new PolicyDocument({
          statements: [
            new PolicyStatement({
              effect: Effect.ALLOW,
              actions: [...REMEDIATION_ROLE_ACTIONS],
              resources: [`arn:${stack.partition}:iam::${stack.account}:user/*`],
            }),
          ],
        }),
      },
    });
    // cdk-nag names the account as the template writes it: a pseudo parameter in the StackSet body.
    const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::${account}:user/*]`,
      reason:
        'Any IAM user of this account may hold a key a person approves for deactivation, and users are created at any time; the grant is limited to users of this account (no roles, no root) and to two named actions.',
    });
  }
}

export interface RemediationRoleStackProps extends StackProps, RemediationRoleProps {}

/** The StackSet body: the remediation role alone, plain IAM, no assets. */
export class RemediationRoleStack extends Stack {
  readonly remediationRole: RemediationRole;

  constructor(scope: Construct, id: string, props: RemediationRoleStackProps) {
    super(scope, id, props);
    this.remediationRole = new RemediationRole(this, 'RemediationRole', props);
  }
}
