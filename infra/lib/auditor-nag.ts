/**
 * The AwsSolutions findings the auditor (OrgKeyAudit) accepts, each with the reason it is acceptable.
 * cdk-nag v3 matches a granular finding only by its full id (no prefix matching), so wildcard
 * findings are acknowledged one by one, on the construct that owns them.
 */
import { type CfnResource, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { FUNCTION_NAMES, REMEDIATION_FUNCTION_NAMES, STATE_MACHINE_NAME } from './names';
import type { OrgKeyAudit } from './org-key-audit';
import { ownerOrganizationsAccess, ownerStatementWildcards } from './owners';

/** `<LogicalId.Arn>` as cdk-nag writes a resource reference in a finding id. */
function arnRef(construct: IConstruct): string {
  const resource = construct.node.defaultChild as CfnResource;
  return `<${Stack.of(construct).resolve(resource.logicalId)}.Arn>`;
}

function iam5(scope: IConstruct, resource: string, reason: string): void {
  Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${resource}]`, reason });
}

export function acknowledgeAuditorFindings(audit: OrgKeyAudit): void {
  const stack = Stack.of(audit);
  Validations.of(audit.storage.accessLogsBucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason: "This is the report bucket's access-log bucket; logging it into itself would loop.",
  });
  for (const queue of Object.values(audit.queues)) {
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a DLQ (of the scheduler, a Catch, or the failed-execution rule); nothing consumes it automatically, an operator reads it after the alarm.',
    });
  }

  const functions = audit.functions;
  Validations.of(functions).acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'Node.js 22 is the runtime the code is built and tested for (esbuild target node22); moving on is a tested change.',
  });
  iam5(
    functions,
    '*',
    'X-Ray PutTraceSegments/PutTelemetryRecords (and organizations:ListAccounts, and ListRoots when owners map OUs, for the lister) support no resource-level permissions.',
  );
  if (!audit.config.useOrgReaderRole) {
    const { config } = audit;
    for (const { resource, reason } of ownerStatementWildcards({
      access: ownerOrganizationsAccess(config),
      managementAccountId: config.managementAccountId,
      organizationId: config.organizationId,
    })) {
      iam5(functions.roles['list-accounts'], resource, reason);
    }
  }
  iam5(
    audit.stateMachineRole,
    '*',
    'X-Ray and CloudWatch Logs vended-log delivery (logs:CreateLogDelivery and friends) support no resource-level permissions.',
  );

  const bucket = arnRef(audit.reportBucket);
  const roles = functions.roles;
  for (const name of FUNCTION_NAMES) {
    iam5(
      roles[name],
      `${arnRef(functions.functions[name].logGroup)}:log-stream:*`,
      "Log streams are created at run time with generated names, inside the function's own log group only.",
    );
  }
  const runsReason =
    'Per-run objects (runs/<executionName>/...) get names at run time; access is limited to the runs/ prefix of the report bucket.';
  for (const role of [
    roles['list-accounts'],
    roles['audit-account'],
    roles['build-digest'],
    audit.stateMachineRole,
  ]) {
    iam5(role, `${bucket}/runs/*`, runsReason);
  }
  const mapReason =
    "The Distributed Map's ResultWriter names its files by Map Run id; access is limited to the map/ prefix.";
  iam5(roles['build-digest'], `${bucket}/map/*`, mapReason);
  iam5(audit.stateMachineRole, `${bucket}/map/*`, mapReason);
  const reportsReason =
    'Reports are written per execution (reports/<executionName>/...); only the reports/ prefix.';
  iam5(roles['build-digest'], `${bucket}/reports/*`, reportsReason);
  iam5(roles['publish-digest'], `${bucket}/reports/*`, reportsReason);
  if (audit.config.securityHub.enabled) {
    iam5(
      roles['import-findings'],
      `${bucket}/reports/*`,
      "ImportFindings reads the run's report.json, written per execution (reports/<executionName>/report.json); only the reports/ prefix, read-only.",
    );
  }
  iam5(
    roles['build-digest'],
    `${bucket}/history/*`,
    'The run history keeps one findings index per full run (history/runs/<executionName>.json) and the history/latest.json pointer; only the history/ prefix.',
  );

  iam5(
    roles['audit-account'],
    `arn:<AWS::Partition>:iam::*:role/${audit.config.auditRoleName}`,
    'The audit role has one fixed name in every member account; accounts join the organization over time, and each role trusts only this Lambda role within the organization.',
  );
  iam5(
    audit.stateMachineRole,
    `arn:<AWS::Partition>:states:${stack.region}:${stack.account}:execution:${STATE_MACHINE_NAME}/*`,
    'Distributed Map child executions get generated names under this state machine; Step Functions needs to describe, stop and redrive them.',
  );
  acknowledgeRemediationFindings(audit, bucket);
}

/** RemediateKeys and its three functions (config `remediation.enabled`). */
function acknowledgeRemediationFindings(audit: OrgKeyAudit, bucket: string): void {
  const remediation = audit.remediation;
  const queue = audit.remediationFailuresQueue;
  if (remediation === undefined || queue === undefined) return;
  Validations.of(queue).acknowledge({
    id: 'AwsSolutions-SQS3',
    reason:
      "This queue is itself a DLQ (of RemediateKeys' Catches); nothing consumes it automatically, an operator reads it after the alarm.",
  });
  const functions = remediation.functions;
  Validations.of(functions).acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'Node.js 22 is the runtime the code is built and tested for (esbuild target node22); moving on is a tested change.',
  });
  iam5(functions, '*', 'X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions.');
  for (const name of REMEDIATION_FUNCTION_NAMES) {
    iam5(
      functions.roles[name],
      `${arnRef(functions.functions[name].logGroup)}:log-stream:*`,
      "Log streams are created at run time with generated names, inside the function's own log group only.",
    );
  }
  iam5(
    functions.roles['record-remediation'],
    `${bucket}/remediation/*`,
    'Each deactivation request keeps its records under remediation/requests/<requestId>/ and its marker under remediation/open/; request ids are made per audit run; only the remediation/ prefix, no delete.',
  );
  iam5(
    audit.functions.roles['build-digest'],
    `${bucket}/remediation/*`,
    'BuildDigest stores each new deactivation request (remediation/requests/<requestId>/) and its open marker, and reads the markers and closed requests; request ids are made per audit run.',
  );
  iam5(
    audit.functions.roles['build-digest'],
    `${bucket}/remediation/open/*`,
    'BuildDigest removes the markers of requests closed more than 14 days ago; requests and their outcomes are never deleted.',
  );
  iam5(
    functions.roles['remediate-key'],
    `arn:<AWS::Partition>:iam::*:role/${audit.config.remediation.roleName}`,
    'The remediation role has one fixed name in every member account; accounts join the organization over time, and each role trusts only this Lambda role within the organization.',
  );
  iam5(
    remediation.stateMachineRole,
    '*',
    'X-Ray and CloudWatch Logs vended-log delivery (logs:CreateLogDelivery and friends) support no resource-level permissions.',
  );
}
