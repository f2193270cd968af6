/**
 * The read-only audit role every member account gets (through the StackSet), and, in the
 * management account, optionally the org-reader role a delegated administrator needs to list
 * accounts. Plain IAM, no assets, so the template works as a StackSet body as it is.
 */
import { Duration, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  ArnPrincipal,
  Effect,
  type IPrincipal,
  PolicyDocument,
  PolicyStatement,
  Role,
} from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import {
  type OwnerOrganizationsAccess,
  ownerOrganizationsStatements,
  ownerStatementWildcards,
} from './owners';

/** Exactly what the collector calls; no wildcards, no managed policies (docs/design.md, "Infrastructure"). */
export const AUDIT_ROLE_ACTIONS = [
  'iam:GenerateCredentialReport',
  'iam:GetCredentialReport',
  'iam:ListUsers',
  'iam:ListAccessKeys',
  'iam:GetAccessKeyLastUsed',
  'iam:GetAccountSummary',
  'iam:ListUserTags',
] as const;

export interface OrgReaderRoleProps {
  readonly roleName: string;
  /** The auditor's account-listing Lambda role. */
  readonly trustedRoleArn: string;
  /**
   * The Organizations reads owner resolution needs (config `owners`, see owners.ts); needs a
   * concrete stack account, the management account. @default none
   */
  readonly ownerAccess?: OwnerOrganizationsAccess;
}

export interface MemberRoleStackProps extends StackProps {
  readonly auditRoleName: string;
  /** The auditor's audit-account Lambda role: the one principal the role trusts. */
  readonly trustedRoleArn: string;
  /** `o-...`: the caller must also belong to this organization. */
  readonly organizationId: string;
  /** Only for the management account when the auditor runs in a delegated administrator. @default none */
  readonly orgReader?: OrgReaderRoleProps;
}

const NO_OWNER_PROPS = {
  access: { accountTags: false, organizationalUnits: false },
  managementAccountId: '',
  organizationId: '',
} as const;

function trustedPrincipal(roleArn: string, organizationId: string): IPrincipal {
  return new ArnPrincipal(roleArn).withConditions({
    StringEquals: { 'aws:PrincipalOrgID': organizationId },
  });
}

export class MemberRoleStack extends Stack {
  readonly auditRole: Role;
  readonly orgReaderRole: Role | undefined;

  constructor(scope: Construct, id: string, props: MemberRoleStackProps) {
    super(scope, id, props);

    this.auditRole = new Role(this, 'AuditRole', {
      roleName: props.auditRoleName,
      description: 'org-key-audit: read-only access-key audit, assumed by the auditor in the audit account',
      assumedBy: trustedPrincipal(props.trustedRoleArn, props.organizationId),
      // Role chaining from Lambda caps sessions at one hour anyway; say so explicitly.
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: {
        ReadAccessKeyMetadata: new PolicyDocument({
          statements: [
            new PolicyStatement({ effect: Effect.ALLOW, actions: [...AUDIT_ROLE_ACTIONS], resources: ['*'] }),
          ],
        }),
      },
    });
    Validations.of(this.auditRole).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'The credential report and GetAccountSummary are account-level (no resource ARNs), and the role must read every user; the actions are seven named read-only calls, none a wildcard.',
    });

    if (props.orgReader) {
      const access = props.orgReader.ownerAccess;
      const ownerProps =
        access === undefined
          ? undefined
          : { access, managementAccountId: this.account, organizationId: props.organizationId };
      const ownerStatements =
        ownerProps === undefined
          ? []
          : ownerOrganizationsStatements({ ...ownerProps, partition: this.partition });
      this.orgReaderRole = new Role(this, 'OrgReaderRole', {
        roleName: props.orgReader.roleName,
        description:
          'org-key-audit: lets the auditor in a delegated administrator account list the organization',
        assumedBy: trustedPrincipal(props.orgReader.trustedRoleArn, props.organizationId),
        maxSessionDuration: Duration.hours(1),
        inlinePolicies: {
          ListAccounts: new PolicyDocument({
            statements: [
              new PolicyStatement({
                effect: Effect.ALLOW,
                actions: ['organizations:ListAccounts'],
                resources: ['*'],
              }),
            ],
          }),
          ...(ownerStatements.length === 0
            ? {}
            : { ReadOwners: new PolicyDocument({ statements: ownerStatements }) }),
        },
      });
      Validations.of(this.orgReaderRole).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'organizations:ListAccounts (and ListRoots, when owners map OUs) support no resource-level permissions; only List actions are granted.',
      });
      for (const { resource, reason } of ownerStatementWildcards(ownerProps ?? NO_OWNER_PROPS)) {
        Validations.of(this.orgReaderRole).acknowledge({
          id: `AwsSolutions-IAM5[Resource::${resource}]`,
          reason,
        });
      }
    } else {
      this.orgReaderRole = undefined;
    }
  }
}
