/**
 * What owner resolution needs from Organizations (infra/README.md, "Owners"), granted only when
 * the config uses it: ListAccounts (directly, or through the org-reader role in the management
 * account) reads account tags when `owners.accountTagKey` is set, and walks the OU tree when
 * `owners.organizationalUnits` maps any OU. With neither, no statement is added.
 */
import { Effect, PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { OrgKeyAuditConfig } from './config';

/** Which Organizations reads the owners config needs. */
export interface OwnerOrganizationsAccess {
  /** `organizations:ListTagsForResource` on the organization's accounts. */
  readonly accountTags: boolean;
  /** `organizations:ListRoots`, `ListOrganizationalUnitsForParent`, `ListAccountsForParent`. */
  readonly organizationalUnits: boolean;
}

export function ownerOrganizationsAccess(
  config: Pick<OrgKeyAuditConfig, 'owners'>,
): OwnerOrganizationsAccess {
  return {
    accountTags: config.owners.accountTagKey !== null,
    organizationalUnits: Object.keys(config.owners.organizationalUnits).length > 0,
  };
}

export interface OwnerStatementsProps {
  readonly access: OwnerOrganizationsAccess;
  /** Organizations resources belong to the management account, whoever calls. */
  readonly managementAccountId: string;
  readonly organizationId: string;
  /** `Stack.partition` of the stack that holds the role (a token is fine). */
  readonly partition: string;
}

/**
 * As tight as Organizations' resource types allow (Service Authorization Reference): ListRoots
 * has no resource type (`*`); ListOrganizationalUnitsForParent and ListAccountsForParent take the
 * parent, a root or an OU of this organization; ListTagsForResource is limited to the accounts
 * of this organization (not its OUs, roots or policies, whose tags are not read).
 */
export function ownerOrganizationsStatements(props: OwnerStatementsProps): PolicyStatement[] {
  const { access, managementAccountId, organizationId, partition } = props;
  const arn = (resource: string) => `arn:${partition}:organizations::${managementAccountId}:${resource}`;
  const statements: PolicyStatement[] = [];
  if (access.organizationalUnits) {
    statements.push(
      new PolicyStatement({
        sid: 'OwnersListRoots',
        effect: Effect.ALLOW,
        actions: ['organizations:ListRoots'],
        resources: ['*'],
      }),
      new PolicyStatement({
        sid: 'OwnersWalkOrganizationalUnits',
        effect: Effect.ALLOW,
        actions: ['organizations:ListOrganizationalUnitsForParent', 'organizations:ListAccountsForParent'],
        resources: [arn(`root/${organizationId}/r-*`), arn(`ou/${organizationId}/ou-*`)],
      }),
    );
  }
  if (access.accountTags) {
    statements.push(
      new PolicyStatement({
        sid: 'OwnersReadAccountTags',
        effect: Effect.ALLOW,
        actions: ['organizations:ListTagsForResource'],
        resources: [arn(`account/${organizationId}/*`)],
      }),
    );
  }
  return statements;
}

/** The resources of those statements, as cdk-nag names them in AwsSolutions-IAM5 finding ids. */
export function ownerStatementWildcards(
  props: Omit<OwnerStatementsProps, 'partition'>,
): { readonly resource: string; readonly reason: string }[] {
  const { access, managementAccountId, organizationId } = props;
  const arn = (resource: string) => `arn:<AWS::Partition>:organizations::${managementAccountId}:${resource}`;
  const wildcards: { resource: string; reason: string }[] = [];
  if (access.organizationalUnits) {
    const reason =
      'Owner resolution walks the OU tree from each root: ListOrganizationalUnitsForParent and ListAccountsForParent take any root or OU of this organization as the parent, and OUs are created at any time.';
    wildcards.push(
      { resource: arn(`root/${organizationId}/r-*`), reason },
      { resource: arn(`ou/${organizationId}/ou-*`), reason },
    );
  }
  if (access.accountTags) {
    wildcards.push({
      resource: arn(`account/${organizationId}/*`),
      reason:
        "Owner resolution reads each member account's owner tag (ListTagsForResource); accounts join the organization at any time, so the grant covers this organization's accounts, not its OUs, roots or policies.",
    });
  }
  return wildcards;
}
