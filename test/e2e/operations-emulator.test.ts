/**
 * The operations commands against the emulator, with no Step Functions or CloudFormation mock:
 * the real `keyaudit` binary, the environment it would have on AWS (AWS_ENDPOINT_URL, a region,
 * credentials), the auditor stack's outputs from CloudFormation, and executions of the real
 * AuditOrganization workflow served by the emulator's Step Functions. Expected values follow from
 * the planted organization (two accounts whose audit role is refused) and the commands' contracts.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  AUDITOR_STACK_NAME,
  auditOrganizationHost,
  STACK_OUTPUTS,
  type WorkflowTasks,
} from '@org-key-audit/statemachine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_ROLE } from '../support/deployed-roles';
import {
  FIXED_NOW,
  type LocalEnv,
  localAuditOptions,
  reportOf,
  setFaults,
  startLocalEnv,
} from '../support/local-env';

const BIN = resolve(import.meta.dirname, '../../cli/bin/keyaudit.js');
const audits = new Map<string, number>();
const countAudits = (tasks: WorkflowTasks): WorkflowTasks => ({
  ...tasks,
  auditAccount: (async (event: { executionName: string }, context?: never) => {
    audits.set(event.executionName, (audits.get(event.executionName) ?? 0) + 1);
    return (tasks.auditAccount as (e: unknown, c?: never) => Promise<unknown>)(event, context);
  }) as WorkflowTasks['auditAccount'],
});

let env: LocalEnv;
let sfn: SFNClient;
let cliEnv: Record<string, string>;
let refused: string[];

function keyaudit(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, ...cliEnv, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

async function settled(executionArn: string) {
  for (;;) {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING') return d;
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  const host = auditOrganizationHost(
    () => {
      const { input: _i, executionName: _n, ...options } = localAuditOptions(env, { wrapTasks: countAudits });
      return options;
    },
    () => env.clients,
  );
  env = await startLocalEnv({
    preset: 'cases',
    accounts: 6,
    users: 2,
    seed: 21,
    now: FIXED_NOW,
    enforcePolicies: false,
    stepFunctions: { stateMachines: [host] },
  });
  const { emulator } = env;
  const { resources } = emulator;
  emulator.cloudFormation.putStack({
    name: AUDITOR_STACK_NAME,
    outputs: {
      [STACK_OUTPUTS.stateMachineArn]: emulator.stepFunctions.stateMachineArn('AuditOrganization'),
      [STACK_OUTPUTS.reportBucket]: resources.reportBucket,
      [STACK_OUTPUTS.digestTopic]: resources.digestTopicArn,
      [STACK_OUTPUTS.accountFailuresQueue]: resources.queues.accountFailures,
      [STACK_OUTPUTS.digestFailuresQueue]: resources.queues.digestFailures,
      [STACK_OUTPUTS.executionFailuresQueue]: resources.queues.executionFailures,
      [STACK_OUTPUTS.schedulerDlq]: resources.queues.scheduler,
    },
  });
  const operator = emulator.roleCredentials(OPERATOR_ROLE, 'operator');
  cliEnv = {
    AWS_ENDPOINT_URL: emulator.url,
    AWS_REGION: emulator.region,
    AWS_ACCESS_KEY_ID: operator.accessKeyId,
    AWS_SECRET_ACCESS_KEY: operator.secretAccessKey,
    ...(operator.sessionToken ? { AWS_SESSION_TOKEN: operator.sessionToken } : {}),
  };
  sfn = new SFNClient({ region: emulator.region, endpoint: emulator.url, credentials: operator });
  // Two member accounts whose audit role is refused: FAILED, with a message in the DLQ each.
  refused = emulator.expected.accounts
    .filter(
      (a) =>
        a.expectedStatus === 'AUDITED' &&
        a.accountId !== emulator.managementAccountId &&
        a.accountId !== emulator.auditAccountId,
    )
    .slice(0, 2)
    .map((a) => a.accountId)
    .sort();
  setFaults(emulator, { assumeRoleDenied: { accounts: refused } });
}, 120_000);

afterAll(async () => {
  sfn?.destroy();
  await env?.stop();
});

describe('the operations commands on the emulator', () => {
  let daily: string;

  it('keyaudit status lists an execution started through Step Functions, with its counts', async () => {
    const started = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: env.emulator.stepFunctions.stateMachineArn('AuditOrganization'),
        name: 'daily',
        input: '{}',
      }),
    );
    daily = started.executionArn ?? '';
    expect((await settled(daily)).status).toBe('SUCCEEDED');
    const status = await keyaudit(['status', '--json']);
    expect(status.code, status.stderr).toBe(0);
    const [row] = JSON.parse(status.stdout) as { name: string; failed: number; audited: number }[];
    const report = reportOf(env.emulator, 'daily');
    expect(row).toMatchObject({ name: 'daily', failed: 2, audited: report.totals.audited });
  });

  it('keyaudit rerun --failed-from audits exactly the failed accounts once their fault is cleared', async () => {
    env.resetFaults();
    const failedDaily = reportOf(env.emulator, 'daily')
      .accounts.filter((a) => a.status === 'FAILED')
      .map((a) => a.accountId)
      .sort();
    // The two refused by the injected fault, plus any the generator planted without a role.
    const plantedFailed = new Set(
      env.emulator.expected.accounts.filter((a) => a.expectedStatus === 'FAILED').map((a) => a.accountId),
    );
    expect(failedDaily.filter((id) => !plantedFailed.has(id))).toEqual(refused);
    const rerun = await keyaudit(['rerun', '--failed-from', daily, '--wait']);
    // Exit 2 (partial) when a planted role-less account is among them: it still cannot be audited.
    expect(rerun.code, rerun.stdout + rerun.stderr).toBe(
      failedDaily.some((id) => plantedFailed.has(id)) ? 2 : 0,
    );
    const name = /rerun-[0-9A-Za-z-]+/.exec(rerun.stdout + rerun.stderr)?.[0] ?? '';
    const report = reportOf(env.emulator, name);
    const statusOf = (wanted: string) =>
      report.accounts
        .filter((a) => a.status === wanted)
        .map((a) => a.accountId)
        .sort();
    expect(statusOf('AUDITED')).toEqual(refused);
    expect(statusOf('FAILED')).toEqual(failedDaily.filter((id) => plantedFailed.has(id)));
    expect(audits.get(name)).toBe(failedDaily.length);
  });

  it('keyaudit dlq replay empties the account-failures DLQ and starts one execution', async () => {
    const before = env.emulator.stepFunctions.executions().length;
    const replay = await keyaudit(['dlq', 'replay']);
    expect(replay.code, replay.stderr).toBe(0);
    expect(env.emulator.stepFunctions.executions().length).toBe(before + 1);
    // Every message from before is gone; only the replayed execution's own can be there (an
    // account the generator planted without a role fails again in it).
    const left = env.emulator.messaging
      .queueMessages(env.emulator.resources.queues.accountFailures)
      .map((m) => (JSON.parse(m.body) as { executionName: string }).executionName);
    expect(left.every((name) => name.startsWith('replay-'))).toBe(true);
  });

  it('keyaudit redrive resumes a run failed by a digest-publish fault without auditing again', async () => {
    env.emulator.messaging.faults.snsPublishFailure = true;
    const started = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: env.emulator.stepFunctions.stateMachineArn('AuditOrganization'),
        name: 'publish-fails',
        input: '{}',
      }),
    );
    const arn = started.executionArn ?? '';
    const failed = await settled(arn);
    expect(failed.status).toBe('FAILED');
    expect(failed.error).toBe('DigestFailed');
    const audited = audits.get('publish-fails');
    env.emulator.messaging.faults.snsPublishFailure = false;
    const redrive = await keyaudit(['redrive', arn]);
    expect(redrive.code, redrive.stderr).toBe(0);
    const after = await settled(arn);
    expect([after.status, after.error, after.cause]).toEqual(['SUCCEEDED', undefined, undefined]);
    expect(after.redriveCount).toBe(1);
    expect(audits.get('publish-fails')).toBe(audited);
  });
});
