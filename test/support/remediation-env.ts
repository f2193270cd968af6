/**
 * The local environment for approval-gated deactivation (docs/remediation.md): the deployed-roles
 * emulator with remediation deployed (the RemediateKeys roles, the member remediation roles), the
 * emulator's Step Functions hosting the real RemediateKeys definition over the real handlers, the
 * auditor stack's outputs in its CloudFormation (what `keyaudit` looks up), and the real
 * `keyaudit` binary run as a security-team operator outside the deployment.
 */
import { join } from 'node:path';
import type { ExecutionView } from '@org-key-audit/emulator';
import {
  DEFAULT_REMEDIATION,
  type RemediationSettings,
  type Report,
  type RequestOutcome,
} from '@org-key-audit/functions/core';
import {
  AUDITOR_STACK_NAME,
  buildRemediationTasks,
  REMEDIATION_STATE_MACHINE_NAME,
  remediateKeysHost,
  STACK_OUTPUTS,
} from '@org-key-audit/statemachine';
import { expect } from 'vitest';
import { type LocalEnv, type LocalRun, reportOf, runLocal, startLocalEnv } from './local-env';
import { type ProcessResult, runProcess } from './process';

const REPO = join(import.meta.dirname, '../..');
const BIN = join(REPO, 'cli/bin/keyaudit.js');

/** The security engineer who approves: a role of the audit account that the deployment does not hold. */
export const APPROVER_ROLE = 'secops-approver';

export interface RemediationEnv {
  readonly env: LocalEnv;
  readonly settings: RemediationSettings;
  readonly machineArn: string;
  /** One full audit through the real ASL with remediation on; its report. */
  audit(executionName: string, run?: LocalRun): Promise<Report>;
  /** `keyaudit <args>` as the approver (real binary, real SDK, the emulator's endpoints). */
  keyaudit(args: readonly string[], session?: string): Promise<ProcessResult>;
  /** The approver's ARN as STS names the session (what `keyaudit` records). */
  approverArn(session?: string): string;
  /** A key's status in the emulator's IAM, read from its state (not through the product). */
  keyStatus(accountId: string, accessKeyId: string): string | undefined;
  keyOf(accountId: string, userName: string): string;
  /** The RemediateKeys execution of a request (named after it), once it is no longer RUNNING. */
  settled(executionName: string): Promise<ExecutionView>;
  execution(executionName: string): ExecutionView | undefined;
  outcome(requestId: string): RequestOutcome | null;
  object<T>(key: string): T | null;
  /** Successful UpdateAccessKey calls so far, as the emulator recorded them: the user's ARN and the caller. */
  updates(): readonly { readonly userArn: string; readonly callerArn: string }[];
  admin(path: string, method: string, body?: unknown): Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startRemediationEnv(options: {
  readonly orgSpec: unknown;
  readonly settings?: Partial<RemediationSettings>;
  readonly enforcePolicies?: boolean;
}): Promise<RemediationEnv> {
  const settings: RemediationSettings = { ...DEFAULT_REMEDIATION, ...options.settings, enabled: true };
  let env: LocalEnv | undefined;
  const host = remediateKeysHost(() => {
    const deployed = env?.remediation;
    if (env === undefined || deployed === undefined)
      throw new Error('remediation is not deployed in this environment');
    const { emulator } = env;
    const now = () => emulator.clock.now();
    return {
      tasks: buildRemediationTasks(
        {
          reportBucket: emulator.resources.reportBucket,
          digestTopicArn: emulator.resources.digestTopicArn,
          auditRoleName: emulator.roleName,
          remediationRoleName: deployed.memberRole,
          now,
        },
        deployed.clients,
      ),
      sqs: deployed.stateMachine.sqs,
      remediationFailuresQueueUrl: emulator.resources.queues.remediationFailures,
      now,
      retryDelayMs: 1,
    };
  });
  env = await startLocalEnv({
    preset: 'cases',
    orgSpec: options.orgSpec as never,
    stepFunctions: { stateMachines: [host] },
    ...(options.enforcePolicies === undefined ? {} : { enforcePolicies: options.enforcePolicies }),
    config: () => ({ remediation: { enabled: true } }),
  });
  const local = env;
  const { emulator } = local;
  const machineArn = emulator.stepFunctions.stateMachineArn(REMEDIATION_STATE_MACHINE_NAME);
  const { resources } = emulator;
  emulator.cloudFormation.putStack({
    name: AUDITOR_STACK_NAME,
    outputs: {
      [STACK_OUTPUTS.stateMachineArn]: `arn:aws:states:${emulator.region}:${emulator.auditAccountId}:stateMachine:AuditOrganization`,
      [STACK_OUTPUTS.reportBucket]: resources.reportBucket,
      [STACK_OUTPUTS.digestTopic]: resources.digestTopicArn,
      [STACK_OUTPUTS.accountFailuresQueue]: resources.queues.accountFailures,
      [STACK_OUTPUTS.digestFailuresQueue]: resources.queues.digestFailures,
      [STACK_OUTPUTS.executionFailuresQueue]: resources.queues.executionFailures,
      [STACK_OUTPUTS.schedulerDlq]: resources.queues.scheduler,
      [STACK_OUTPUTS.remediationStateMachineArn]: machineArn,
      [STACK_OUTPUTS.remediationFailuresQueue]: resources.queues.remediationFailures,
    },
  });

  const admin = (path: string, method: string, body?: unknown): Record<string, unknown> => {
    const answer = emulator.admin(path, method, body);
    expect(answer.status, `${method} ${path}: ${JSON.stringify(answer.body)}`).toBe(200);
    return answer.body as Record<string, unknown>;
  };
  const executionArnOf = (name: string) => `${machineArn.replace(':stateMachine:', ':execution:')}:${name}`;
  const object = <T>(key: string): T | null => {
    const body = emulator.messaging.objects(resources.reportBucket).get(key);
    return body === undefined ? null : (JSON.parse(body.toString('utf8')) as T);
  };
  return {
    env: local,
    settings,
    machineArn,
    audit: async (executionName, run = {}) => {
      const result = await runLocal(local, { ...run, executionName, remediation: settings });
      expect(result.status, `${executionName}: ${result.error ?? ''} ${result.cause ?? ''}`).toBe(
        'SUCCEEDED',
      );
      return reportOf(emulator, executionName);
    },
    keyaudit: (args, session = 'alice') =>
      runProcess(process.execPath, [BIN, ...args], {
        cwd: REPO,
        env: {
          ...process.env,
          NO_COLOR: '1',
          AWS_ENDPOINT_URL: emulator.url,
          AWS_REGION: emulator.region,
          AWS_PROFILE: '',
          ...(() => {
            const c = emulator.roleCredentials(APPROVER_ROLE, session);
            return {
              AWS_ACCESS_KEY_ID: c.accessKeyId,
              AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
              AWS_SESSION_TOKEN: c.sessionToken,
            };
          })(),
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        },
      }),
    approverArn: (session = 'alice') =>
      `arn:aws:sts::${emulator.auditAccountId}:assumed-role/${APPROVER_ROLE}/${session}`,
    keyStatus: (accountId, accessKeyId) =>
      emulator.state.accounts
        .get(accountId)
        ?.users.flatMap((u) => u.keys)
        .find((k) => k.accessKeyId === accessKeyId)?.status,
    keyOf: (accountId, userName) => {
      const key = emulator.state.accounts.get(accountId)?.users.find((u) => u.userName === userName)?.keys[0];
      if (key === undefined) throw new Error(`no key of ${userName} in ${accountId}`);
      return key.accessKeyId;
    },
    settled: (name) => emulator.stepFunctions.settled(executionArnOf(name)),
    execution: (name) => emulator.stepFunctions.executions(machineArn).find((e) => e.name === name),
    outcome: (requestId) => object<RequestOutcome>(`remediation/requests/${requestId}/outcome.json`),
    object,
    updates: () =>
      emulator
        .calls()
        .filter((c) => c.action === 'iam:UpdateAccessKey' && c.outcome === 'ok')
        .map((c) => ({ userArn: c.resource, callerArn: c.callerArn })),
    admin,
    stop: () => local.stop(),
  };
}
