/**
 * org-key-audit as one construct: everything that runs in the audit account (docs/design.md,
 * "Infrastructure"), for a team that adds the audit to a CDK app of its own. `AuditorStack` is
 * this construct plus the stack outputs `keyaudit` reads. Every request its resources make or
 * receive is an edge in `infra/permissions/edges.ts`, evaluated against the synthesized templates
 * by the tests in test/deployment/.
 */
import { Stack, Token } from 'aws-cdk-lib';
import type { Role } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import type { Bucket } from 'aws-cdk-lib/aws-s3';
import type { Schedule } from 'aws-cdk-lib/aws-scheduler';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import { AuditNotifications } from './audit-notifications';
import { AuditSchedule } from './audit-schedule';
import { AuditStorage } from './audit-storage';
import { AuditWorkflow } from './audit-workflow';
import type { AuditorFunctions } from './auditor-functions';
import { acknowledgeAuditorFindings } from './auditor-nag';
import type { OrgKeyAuditConfig } from './config';
import { type ExecutionFailureRouting, FailureQueues, type QueueId } from './failure-queues';
import { refuseDeploymentOfExample } from './names';
import { RemediationWorkflow } from './remediation-workflow';

export interface OrgKeyAuditProps {
  /** The validated config (`parseConfig` / `loadConfig`); `auditAccountId` is the stack's account. */
  readonly config: OrgKeyAuditConfig;
  /** Folder with the handler files. @default functions/src/handlers */
  readonly handlersDir?: string;
  /** The ASL file. @default statemachine/audit-organization.asl.json */
  readonly definitionPath?: string;
  /** The RemediateKeys ASL (with `remediation.enabled`). @default statemachine/remediate-keys.asl.json */
  readonly remediationDefinitionPath?: string;
}

/** Marks instances without `instanceof`, which two copies of this module would defeat. */
const ORG_KEY_AUDIT = Symbol.for('@org-key-audit/infra.OrgKeyAudit');

/**
 * The auditor: report storage and its key, the digest and alarm topics (and the chat topic when
 * config `chat.enabled`), four DLQs with alarms and the failed-execution rule, the six Lambdas and
 * the AuditOrganization state machine, and the daily schedule; with config `remediation.enabled`
 * also the OrgKeyAuditRemediateKeys state machine, its three Lambdas and the fifth DLQ. cdk-nag
 * (AwsSolutions) findings it accepts are acknowledged on its constructs.
 *
 * **One per account.** Its physical names are fixed, because member accounts' roles trust the
 * audit-account Lambda role by name before the two ever meet, and the key policy and the state
 * machine's own grants name resources they cannot reference: the state machine `AuditOrganization`,
 * the functions, their roles and log groups `org-key-audit-<function>` (roles are account-wide),
 * the topics `org-key-audit-digest`, `org-key-audit-alarms` (and `org-key-audit-chat`), the rule
 * `org-key-audit-execution-failed`, the key alias `alias/org-key-audit` and the state machine's
 * log group. A second instance in the same account (even in another region, for the roles) would
 * fail to deploy on those names. Synthesis refuses a second instance for the same account within
 * one app, and an instance in a stack whose account is not `config.auditAccountId` (the member
 * roles would trust a role that is not there); a stack without a concrete account cannot be checked.
 *
 * The stack should have a concrete `env` (account and region): the permission checks in
 * test/deployment/ and `keyaudit` need them. Stack outputs are left to the stack (see AuditorStack).
 */
export class OrgKeyAudit extends Construct {
  /** Key, report bucket and its access-log bucket. */
  readonly storage: AuditStorage;
  /** Digest and alarm topics, and the chat topic when enabled. */
  readonly notifications: AuditNotifications;
  /** The four DLQs, their alarms, and the failed-execution rule. */
  readonly failureQueues: FailureQueues;
  /** The functions, the state machine, its role and log group. */
  readonly workflow: AuditWorkflow;
  /** The scheduler role and the daily schedule. */
  readonly auditSchedule: AuditSchedule;
  /** The failed-execution rule and the alarm on failed executions. */
  readonly executionFailures: ExecutionFailureRouting;
  /** RemediateKeys, its role, log group and three functions, only with `remediation.enabled`. */
  readonly remediation?: RemediationWorkflow;
  readonly config: OrgKeyAuditConfig;

  constructor(scope: Construct, id: string, props: OrgKeyAuditProps) {
    super(scope, id);
    Object.defineProperty(this, ORG_KEY_AUDIT, { value: true });
    const { config } = props;
    this.config = config;
    this.refuseSecondInstanceOrOtherAccount();
    refuseDeploymentOfExample(Stack.of(this), config);

    this.storage = new AuditStorage(this, 'Storage', { reportRetentionDays: config.reportRetentionDays });
    const { key } = this.storage;
    this.notifications = new AuditNotifications(this, 'Notifications', {
      key,
      digestEmails: config.digestEmails,
      ownerEndpoints: config.owners.endpoints,
      alarmEmails: config.alarmEmails,
      chat: config.chat.enabled,
    });
    this.failureQueues = new FailureQueues(this, 'FailureQueues', {
      key,
      alarmTopic: this.notifications.alarmTopic,
      remediation: config.remediation.enabled,
    });
    const { queues } = this.failureQueues;
    this.workflow = new AuditWorkflow(this, 'Workflow', {
      config,
      key,
      reportBucket: this.storage.reportBucket,
      digestTopic: this.notifications.digestTopic,
      ...(this.notifications.chatTopic === undefined ? {} : { chatTopic: this.notifications.chatTopic }),
      accountFailuresQueue: queues.AccountFailuresDlq,
      digestFailuresQueue: queues.DigestFailuresDlq,
      ...(props.handlersDir === undefined ? {} : { handlersDir: props.handlersDir }),
      ...(props.definitionPath === undefined ? {} : { definitionPath: props.definitionPath }),
    });
    this.auditSchedule = new AuditSchedule(this, 'Schedule', {
      stateMachine: this.workflow.stateMachine,
      deadLetterQueue: queues.SchedulerDlq,
      key,
      expression: config.schedule.expression,
      timeZone: config.schedule.timeZone,
      enabled: config.schedule.enabled,
    });
    const remediationQueue = this.failureQueues.remediationFailuresQueue;
    if (config.remediation.enabled && remediationQueue !== undefined) {
      this.remediation = new RemediationWorkflow(this, 'Remediation', {
        config,
        key,
        reportBucket: this.storage.reportBucket,
        digestTopic: this.notifications.digestTopic,
        remediationFailuresQueue: remediationQueue,
        auditAccountRole: this.workflow.functions.roles['audit-account'],
        ...(props.handlersDir === undefined ? {} : { handlersDir: props.handlersDir }),
        ...(props.remediationDefinitionPath === undefined
          ? {}
          : { definitionPath: props.remediationDefinitionPath }),
      });
    }
    // Step Functions has no DLQ for a failed execution; EventBridge delivers the event instead.
    this.executionFailures = this.failureQueues.watchExecutions(
      this.workflow.stateMachine,
      this.remediation?.stateMachine,
    );

    // Last: the findings name resources and ids that exist only once everything above is built.
    acknowledgeAuditorFindings(this);
  }

  get key(): Key {
    return this.storage.key;
  }
  get reportBucket(): Bucket {
    return this.storage.reportBucket;
  }
  get digestTopic(): Topic {
    return this.notifications.digestTopic;
  }
  get alarmTopic(): Topic {
    return this.notifications.alarmTopic;
  }
  /** `RemediationFailuresDlq`, only when config `remediation.enabled`. */
  get remediationFailuresQueue(): Queue | undefined {
    return this.failureQueues.remediationFailuresQueue;
  }
  /** `org-key-audit-chat`, only when config `chat.enabled`. */
  get chatTopic(): Topic | undefined {
    return this.notifications.chatTopic;
  }
  get queues(): Readonly<Record<QueueId, Queue>> {
    return this.failureQueues.queues;
  }
  get functions(): AuditorFunctions {
    return this.workflow.functions;
  }
  get stateMachine(): StateMachine {
    return this.workflow.stateMachine;
  }
  get stateMachineRole(): Role {
    return this.workflow.stateMachineRole;
  }
  get schedule(): Schedule {
    return this.auditSchedule.schedule;
  }

  private refuseSecondInstanceOrOtherAccount(): void {
    const { account } = Stack.of(this);
    if (Token.isUnresolved(account)) return;
    if (account !== this.config.auditAccountId) {
      throw new Error(
        `${this.node.path}: the stack deploys to account ${account}, but config.auditAccountId is ${this.config.auditAccountId}; the member roles trust the audit-account Lambda role in auditAccountId, so put OrgKeyAudit in a stack of that account (or fix the config)`,
      );
    }
    const other = this.node.root.node
      .findAll()
      .find((c: IConstruct) => c !== this && isOrgKeyAudit(c) && Stack.of(c).account === account);
    if (other !== undefined) {
      throw new Error(
        `${this.node.path}: ${other.node.path} already deploys org-key-audit to account ${account}; one account holds one OrgKeyAudit, because its names are fixed (state machine AuditOrganization (and OrgKeyAuditRemediateKeys), functions, roles and log groups org-key-audit-*, topics org-key-audit-digest and org-key-audit-alarms, rule org-key-audit-execution-failed, key alias alias/org-key-audit)`,
      );
    }
  }
}

function isOrgKeyAudit(construct: IConstruct): boolean {
  return (construct as unknown as Record<symbol, unknown>)[ORG_KEY_AUDIT] === true;
}
