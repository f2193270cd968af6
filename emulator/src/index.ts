/**
 * `startEmulator(options)`: an emulated AWS organization on 127.0.0.1, for tests, the demo and
 * the benchmarks. See the README for what it emulates and the admin API.
 */
import type { Server } from 'node:http';
import { createAdminHandler } from './admin';
import { type Authorizer, CallLog, type RecordedCall } from './calls';
import { type Clock, createClock } from './clock';
import type { Expected } from './expected';
import { type FaultPatch, Faults } from './faults';
import { type GeneratedOrganization, generateOrganization, organizationFromSpec } from './generate';
import { awsId, createRandom, hashString, requestId, secretKey, sessionToken } from './random';
import { close, createEmulatorServer, listen } from './server';
import {
  type CloudFormationOptions,
  type CloudFormationView,
  createCloudFormation,
} from './services/cloudformation';
import type { ServiceContext } from './services/context';
import { createIamHandler } from './services/iam';
import { createMessagingServices, type MessagingServices } from './services/messaging/index';
import { createOrganizationsHandler } from './services/organizations';
import { createSecurityHub, type SecurityHubView } from './services/securityhub';
import {
  createStepFunctions,
  type StepFunctionsOptions,
  type StepFunctionsView,
} from './services/stepfunctions';
import { createStsHandler, SESSION_NAME } from './services/sts';
import { type AuditorIdentity, ROLE_NAME } from './state/build';
import type { OrganizationRecord } from './state/model';
import type { RemediationRoleSpec } from './state/spec';
import { Stats } from './stats';

export type {
  AuthorizationDecision,
  AuthorizationRequest,
  Authorizer,
  CallOutcome,
  RecordedCall,
} from './calls';
export type { Clock } from './clock';
export type { Expected, ExpectedAccount, ExpectedFinding } from './expected';
export type { FailFirstRule, FaultConfig, FaultPatch, Faults } from './faults';
export { DEFAULT_FAULTS } from './faults';
export { generateOrganization, organizationFromSpec } from './generate';
export type {
  CloudFormationOptions,
  CloudFormationView,
  StackOutputValue,
  StackSpec,
  StackView,
} from './services/cloudformation';
export type { DeliveredMessage, SnsProtocol, SubscriptionView } from './services/messaging/index';
export type { SecurityHubView, StoredFinding } from './services/securityhub';
export type {
  ExecutionContext,
  ExecutionOutcome,
  ExecutionStatus,
  ExecutionView,
  HistoryEvent,
  RedriveContext,
  RedriveStatus,
  StateMachineHost,
  StepFunctionsOptions,
  StepFunctionsView,
  TaskTokenOptions,
  TaskTokenResult,
} from './services/stepfunctions';
export { REMEDIATE_KEY_ROLE_NAME, REMEDIATION_ROLE_NAME } from './state/build';
export type { OrganizationalUnitRecord, RootRecord } from './state/model';
export type { OuSpec, RemediationRoleSpec } from './state/spec';
export { FINDING_TYPE_NAMES } from './state/spec';
export type { CallStat, FaultFilter, FaultKind, FaultName, FaultStat, Stats } from './stats';

export interface StartEmulatorOptions {
  /** @default 0 (a random free port) */
  readonly port?: number;
  /** @default 5 */
  readonly accounts?: number;
  /** @default 4 */
  readonly users?: number;
  /** @default 1 */
  readonly seed?: number | string;
  /** An `--org-file` spec (already parsed JSON); replaces accounts/users/seed. */
  readonly orgSpec?: unknown;
  /** Where the clock starts. @default the spec's `now`, else the real now */
  readonly now?: Date;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default 'OrgKeyAuditRole' */
  readonly roleName?: string;
  /** Faults on from the start (IAM throttling is on by default). */
  readonly faults?: FaultPatch;
  /**
   * Keep a record of every AWS call served (`calls()`, `GET /_emulator/calls`). Off for
   * benchmarks that push tens of thousands of calls.
   * @default true
   */
  readonly recordCalls?: boolean;
  /**
   * Asked before every AWS call's handler runs (after credentials and injected faults); a
   * denial answers AWS's AccessDenied in the service's own shape, with the given message.
   * @default undefined: every call is allowed
   */
  readonly authorize?: Authorizer;
  /** The audit-account role every member account's audit role trusts. @default 'OrgKeyAuditAuditor' */
  readonly auditorRoleName?: string;
  /**
   * A generated organization also gets an OU tree and `owner` tags (GenerateOptions.owners);
   * ignored with `orgSpec`, which declares its own. @default false
   */
  readonly owners?: boolean;
  /**
   * The remediation role (docs/remediation.md) in every account with the audit role:
   * `org-key-audit-remediation`, trusting the audit account's `org-key-audit-remediate-key`
   * (or the names given). With `orgSpec` it replaces the spec's own `remediationRole`; an
   * account's `remediationRole: false` there plants one without it. @default off (or the spec's)
   */
  readonly remediationRole?: RemediationRoleSpec;
  /**
   * Security Hub: the accounts where it is enabled (in every region).
   * @default { enabledAccounts: [the audit account] }
   */
  readonly securityHub?: { readonly enabledAccounts?: readonly string[] };
  /**
   * Step Functions (SigV4 service `states`): the state machines it serves, each backed by a
   * host that runs its executions. @default no state machines
   */
  readonly stepFunctions?: StepFunctionsOptions;
  /**
   * CloudFormation (DescribeStacks only): the stacks that exist, with their outputs, so a client
   * that finds its resources by stack outputs runs unchanged. @default no stacks
   */
  readonly cloudFormation?: CloudFormationOptions;
}

/** Temporary credentials of a role session: all three are needed to sign a request. */
export interface RoleCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
}

export interface RunningEmulator {
  readonly url: string;
  readonly port: number;
  readonly region: string;
  readonly clock: Clock;
  readonly stats: Stats;
  readonly faults: Faults;
  readonly state: OrganizationRecord;
  readonly auditor: AuditorIdentity;
  readonly managementAccountId: string;
  readonly auditAccountId: string;
  readonly roleName: string;
  /** The audit-account role the audit roles trust; the auditor's keys are a session of it. */
  readonly auditorRoleName: string;
  /** The remediation role's name in the accounts that have it; null when none has. */
  readonly remediationRoleName: string | null;
  readonly expected: Expected;
  readonly organization: GeneratedOrganization;
  readonly resources: MessagingServices['resources'];
  readonly messaging: MessagingServices;
  /** Security Hub's findings per account and region, and whether it is enabled. */
  readonly securityHub: SecurityHubView;
  /** Step Functions' state machines and executions. */
  readonly stepFunctions: StepFunctionsView;
  /** CloudFormation's stacks: add or replace one, list them, find a stack's ARN. */
  readonly cloudFormation: CloudFormationView;
  /** The admin API in-process: same routes and answers as `/_emulator/*`. */
  readonly admin: (path: string, method: string, body?: unknown) => { status: number; body: unknown };
  /** The AWS calls served so far, in order of arrival; [] when `recordCalls` is false. */
  calls(): readonly RecordedCall[];
  clearCalls(): void;
  /**
   * Credentials of a session `sessionName` of role `roleName` in the audit account (the role is
   * created if the organization lacks it), without expiry: a local run's Lambda calls the
   * emulator as its own execution role. The same pair returns the same credentials.
   */
  roleCredentials(roleName: string, sessionName: string): RoleCredentials;
  stop(): Promise<void>;
}

export async function startEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const region = options.region ?? 'us-east-1';
  const seed = options.seed ?? 1;
  const roleOption = {
    ...(options.roleName === undefined ? {} : { roleName: options.roleName }),
    ...(options.auditorRoleName === undefined ? {} : { auditorRoleName: options.auditorRoleName }),
    ...(options.remediationRole === undefined ? {} : { remediationRole: options.remediationRole }),
  };
  const organization =
    options.orgSpec === undefined
      ? generateOrganization({
          accounts: options.accounts ?? 5,
          users: options.users ?? 4,
          seed,
          ...(options.now === undefined ? {} : { now: options.now }),
          ...(options.owners === undefined ? {} : { owners: options.owners }),
          ...roleOption,
        })
      : organizationFromSpec(options.orgSpec, {
          ...(options.now === undefined ? {} : { now: options.now }),
          ...roleOption,
        });

  const clock = createClock(organization.now);
  const realNow = () => performance.now();
  const faults = new Faults(options.faults ?? {}, realNow);
  const stats = new Stats(realNow);
  // Every injected fault is counted, by fault, kind, account and action: stats.faults().
  faults.countInto(stats);
  const ids = createRandom(hashString(`requests:${seed}`));
  const nextRequestId = () => requestId(ids);
  const ctx: ServiceContext = {
    org: organization.org,
    clock,
    faults,
    random: createRandom(hashString(`runtime:${seed}`)),
    realNow,
    roleName: organization.roleName,
  };

  let baseUrl = '';
  const messaging = createMessagingServices({
    region,
    baseUrl: () => baseUrl,
    auditAccountId: organization.auditAccountId,
    now: () => clock.nowMs(),
    onFault: (fault, accountId, service, action) =>
      stats.recordFault(fault, '5xx', accountId, service, action),
  });
  const roleSessions = new Map<string, RoleCredentials>();
  const roleCredentials = (roleName: string, sessionName: string): RoleCredentials => {
    if (!ROLE_NAME.test(roleName)) {
      throw new RangeError(`roleName must be 1-64 of [A-Za-z0-9+=,.@_-]; got "${roleName}"`);
    }
    if (!SESSION_NAME.test(sessionName)) {
      throw new RangeError(`sessionName must be 2-64 of [A-Za-z0-9+=,.@_-]; got "${sessionName}"`);
    }
    const cacheKey = `${roleName}\u0000${sessionName}`;
    const known = roleSessions.get(cacheKey);
    if (known !== undefined) return known;
    const org = organization.org;
    const audit = org.accounts.get(organization.auditAccountId)!;
    if (!audit.roles.has(roleName)) {
      const ids = createRandom(hashString(`role:${seed}:${roleName}`));
      audit.roles.set(roleName, { roleName, roleId: awsId(ids, 'AROA'), trustedPrincipals: [] });
    }
    // Its own seeded stream: the runtime's ids (AssumeRole keys, request ids) stay as they were.
    const random = createRandom(hashString(`role-session:${seed}:${roleName}:${sessionName}`));
    let accessKeyId = awsId(random, 'ASIA');
    while (org.credentials.has(accessKeyId)) accessKeyId = awsId(random, 'ASIA');
    const credentials: RoleCredentials = {
      accessKeyId,
      secretAccessKey: secretKey(random),
      sessionToken: sessionToken(random),
    };
    org.credentials.set(accessKeyId, {
      accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      principal: {
        kind: 'role',
        accountId: organization.auditAccountId,
        roleName,
        sessionName,
        expiresAt: null,
        sessionToken: credentials.sessionToken,
      },
    });
    roleSessions.set(cacheKey, credentials);
    return credentials;
  };

  const securityHub = createSecurityHub({
    clock,
    faults,
    region,
    auditAccountId: organization.auditAccountId,
    enabledAccounts: options.securityHub?.enabledAccounts ?? [organization.auditAccountId],
    nextRequestId,
  });
  const stepFunctions = createStepFunctions({
    clock,
    region,
    auditAccountId: organization.auditAccountId,
    seed,
    nextRequestId,
    options: options.stepFunctions,
  });
  const cloudFormation = createCloudFormation({
    region,
    auditAccountId: organization.auditAccountId,
    now: () => clock.nowMs(),
    seed,
    nextRequestId,
    options: options.cloudFormation,
  });
  const calls = new CallLog(options.recordCalls ?? true);
  const admin = createAdminHandler({
    calls,
    roleCredentials,
    org: organization.org,
    clock,
    faults,
    stats,
    expected: organization.expected,
    messaging,
    securityHub,
    stepFunctions,
    cloudFormation,
  });
  const server: Server = createEmulatorServer({
    org: organization.org,
    clock,
    faults,
    stats,
    nextRequestId,
    admin,
    calls,
    authorize: options.authorize,
    stackIds: cloudFormation.findStackId,
    handlers: {
      iam: createIamHandler(ctx, nextRequestId),
      sts: createStsHandler(ctx, nextRequestId),
      organizations: createOrganizationsHandler(ctx, nextRequestId),
      securityhub: securityHub.handler,
      states: stepFunctions.handler,
      cloudformation: cloudFormation.handler,
      ...messaging.handlers,
    },
  });
  const port = await listen(server, options.port ?? 0);
  const url = `http://127.0.0.1:${port}`;
  baseUrl = url;

  return {
    url,
    port,
    region,
    clock,
    stats,
    faults,
    state: organization.org,
    auditor: organization.auditor,
    managementAccountId: organization.managementAccountId,
    auditAccountId: organization.auditAccountId,
    roleName: organization.roleName,
    auditorRoleName: organization.auditorRoleName,
    remediationRoleName: organization.remediationRoleName,
    expected: organization.expected,
    organization,
    resources: messaging.resources,
    messaging,
    securityHub: {
      findings: (accountId, findingsRegion) => securityHub.findings(accountId, findingsRegion),
      isEnabled: (accountId, hubRegion) => securityHub.isEnabled(accountId, hubRegion),
      setEnabled: (accountId, enabled, hubRegion) => securityHub.setEnabled(accountId, enabled, hubRegion),
      clear: (accountId, clearRegion) => securityHub.clear(accountId, clearRegion),
    },
    admin: (path, method, body = {}) => {
      try {
        const answer = admin(path, method, body) ?? {
          status: 404,
          body: JSON.stringify({ error: 'no such route' }),
        };
        return { status: answer.status, body: JSON.parse(String(answer.body ?? 'null')) as unknown };
      } catch (error) {
        return { status: 400, body: { error: error instanceof Error ? error.message : String(error) } };
      }
    },
    calls: () => calls.all(),
    clearCalls: () => {
      calls.clear();
    },
    stepFunctions: stepFunctions.view,
    cloudFormation: cloudFormation.view,
    roleCredentials,
    stop: () => {
      stepFunctions.shutdown();
      return close(server);
    },
  };
}
