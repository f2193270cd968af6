/**
 * Physical names shared across stacks and accounts. They are fixed (not generated) because a
 * member account's trust policy must name the auditor's role before the two ever meet, and the
 * state machine's own role must name its child executions without a circular reference.
 */
import { ArnFormat, CfnRule, Fn, type Stack } from 'aws-cdk-lib';
import type { OrgKeyAuditConfig } from './config';

export const STATE_MACHINE_NAME = 'AuditOrganization';

/**
 * The approval-gated deactivation workflow (docs/remediation.md, config `remediation.enabled`).
 * Fixed, so the audit can name it in `${RemediationStateMachineArn}` whether or not it exists;
 * the local runner (statemachine/src/remediation-runner.ts) uses the same name.
 */
export const REMEDIATION_STATE_MACHINE_NAME = 'OrgKeyAuditRemediateKeys';

/** `arn:<partition>:states:<region>:<account>:stateMachine:<name>` of a state machine of this stack. */
export function stateMachineArnIn(stack: Stack, name: string): string {
  return stack.formatArn({
    service: 'states',
    resource: 'stateMachine',
    resourceName: name,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}

/** The KMS key's alias (AuditStorage). */
export const KEY_ALIAS = 'alias/org-key-audit';

/** Topic names (AuditNotifications): operators and the deployment checklist look for them. */
export const DIGEST_TOPIC_NAME = 'org-key-audit-digest';
export const ALARM_TOPIC_NAME = 'org-key-audit-alarms';
/**
 * The chat topic (config `chat.enabled`): PublishDigest sends the run's custom notification here,
 * and a Slack or Microsoft Teams channel configuration of Amazon Q Developer in chat applications
 * subscribes to it (README.md, "Integrations").
 */
export const CHAT_TOPIC_NAME = 'org-key-audit-chat';

/** The six Lambdas, by the handler file name in functions/src/handlers. */
export const FUNCTION_NAMES = [
  'validate-input',
  'list-accounts',
  'audit-account',
  'build-digest',
  'import-findings',
  'publish-digest',
] as const;
export type FunctionName = (typeof FUNCTION_NAMES)[number];

/**
 * The RemediateKeys Lambdas, only with `remediation.enabled`, by handler file name. CheckKey runs
 * as the audit-account role (the member audit roles trust exactly that role); the other two have
 * their own, and only RemediateKey's is trusted by the member remediation roles.
 */
export const REMEDIATION_FUNCTION_NAMES = ['record-remediation', 'check-key', 'remediate-key'] as const;
export type RemediationFunctionName = (typeof REMEDIATION_FUNCTION_NAMES)[number];

/** IAM role name of one auditor Lambda; member roles trust `audit-account`'s. */
export function functionRoleName(fn: FunctionName | RemediationFunctionName): string {
  return `org-key-audit-${fn}`;
}

export function roleArn(accountId: string, name: string): string {
  return `arn:aws:iam::${accountId}:role/${name}`;
}

/** The only principal the member accounts' audit role trusts. */
export function auditorRoleArn(config: Pick<OrgKeyAuditConfig, 'auditAccountId'>): string {
  return roleArn(config.auditAccountId, functionRoleName('audit-account'));
}

/** The only principal the member accounts' remediation role trusts. */
export function remediatorRoleArn(config: Pick<OrgKeyAuditConfig, 'auditAccountId'>): string {
  return roleArn(config.auditAccountId, functionRoleName('remediate-key'));
}

/** The only principal the management account's org-reader role trusts. */
export function accountListerRoleArn(config: Pick<OrgKeyAuditConfig, 'auditAccountId'>): string {
  return roleArn(config.auditAccountId, functionRoleName('list-accounts'));
}

/**
 * The example config synthesizes (so a fresh clone can run `pnpm synth`) but must never deploy:
 * a CloudFormation rule that cannot hold makes create/update fail before any resource exists,
 * with a message that says what to do.
 */
export function refuseDeploymentOfExample(stack: Stack, config: Pick<OrgKeyAuditConfig, 'example'>): void {
  if (!config.example) return;
  new CfnRule(stack, 'ExampleConfigGuard', {
    assertions: [
      {
        assert: Fn.conditionEquals('example-config', 'real-config'),
        assertDescription:
          'Synthesized from org-key-audit.config.example.json (placeholder account ids). Copy it to org-key-audit.config.json, fill in your accounts, remove "example": true, and synthesize again.',
      },
    ],
  });
}
