/**
 * The public surface of @org-key-audit/infra for a CDK app of your own (infra/README.md, "Use it
 * in your own CDK app"): the OrgKeyAudit construct and its parts, the config, and the two stacks
 * that put the audit role in the management account and, through a StackSet, in every member
 * account, and with remediation the member accounts' remediation role.
 */
export { AuditNotifications, type AuditNotificationsProps } from './audit-notifications';
export { AuditSchedule, type AuditScheduleProps } from './audit-schedule';
export { AuditStorage, type AuditStorageProps } from './audit-storage';
export {
  AuditWorkflow,
  type AuditWorkflowProps,
  RESULT_WRITER_PREFIX,
  type SecurityHubResources,
  securityHubHubArn,
  securityHubProductArn,
  securityHubStatements,
} from './audit-workflow';
export {
  AuditorFunctions,
  type AuditorFunctionsProps,
  RemediationFunctions,
  type RemediationFunctionsProps,
} from './auditor-functions';
export { AuditorStack, type AuditorStackProps, addOperatorOutputs } from './auditor-stack';
export {
  ChatConfigSchema,
  type ConfigInput,
  ConfigSchema,
  type LoadConfigOptions,
  type LoadedConfig,
  listAccountsTimeoutSeconds,
  loadConfig,
  type OrgKeyAuditConfig,
  type OwnersConfig,
  OwnersConfigSchema,
  ownerRulesOf,
  parseConfig,
  type RemediationConfig,
  RemediationConfigSchema,
  remediationEnvironment,
  remediationSettingsOf,
  SecurityHubConfigSchema,
  type SecurityHubSettings,
  securityHubEnvironment,
} from './config';
export {
  EXECUTION_FAILED_RULE_NAME,
  type ExecutionFailureRouting,
  FailureQueues,
  type FailureQueuesProps,
  QUEUE_IDS,
  type QueueId,
  REMEDIATION_QUEUE_ID,
} from './failure-queues';
export { AUDIT_ROLE_ACTIONS, MemberRoleStack, type MemberRoleStackProps } from './member-role-stack';
export {
  ALARM_TOPIC_NAME,
  accountListerRoleArn,
  auditorRoleArn,
  CHAT_TOPIC_NAME,
  DIGEST_TOPIC_NAME,
  FUNCTION_NAMES,
  type FunctionName,
  functionRoleName,
  KEY_ALIAS,
  REMEDIATION_FUNCTION_NAMES,
  REMEDIATION_STATE_MACHINE_NAME,
  type RemediationFunctionName,
  remediatorRoleArn,
  STATE_MACHINE_NAME,
} from './names';
export { OrgKeyAudit, type OrgKeyAuditProps } from './org-key-audit';
export {
  type OwnerOrganizationsAccess,
  ownerOrganizationsAccess,
  ownerOrganizationsStatements,
} from './owners';
export {
  REMEDIATION_ROLE_ACTIONS,
  RemediationRole,
  type RemediationRoleProps,
  RemediationRoleStack,
  type RemediationRoleStackProps,
} from './remediation-role-stack';
export { RemediationWorkflow, type RemediationWorkflowProps } from './remediation-workflow';
export {
  REMEDIATION_STACK_SET_NAME,
  RoleRolloutStack,
  type RoleRolloutStackProps,
  STACK_SET_NAME,
} from './role-rollout-stack';
