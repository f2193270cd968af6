/**
 * The emulator's Step Functions serving the real AuditOrganization workflow
 * (statemachine/src/emulator-host.ts): the plain SDK v3 SFNClient starts, watches, lists and
 * redrives executions, each one the real ASL with the real handlers against the emulated
 * organization. A redrive after a digest-publish fault continues at PublishDigest: the digest
 * goes out and no account is audited again.
 */
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { auditOrganizationHost, type WorkflowTasks } from '@org-key-audit/statemachine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPERATOR_ROLE } from '../support/deployed-roles';
import {
  digestFailuresOf,
  FIXED_NOW,
  type LocalEnv,
  localAuditOptions,
  publishedFor,
  reportOf,
  startLocalEnv,
} from '../support/local-env';

/** AuditAccount invocations, by the execution name in their event. */
const auditInvocations = new Map<string, number>();

const countAudits = (tasks: WorkflowTasks): WorkflowTasks => ({
  ...tasks,
  auditAccount: (async (event: { executionName: string }, context?: never) => {
    auditInvocations.set(event.executionName, (auditInvocations.get(event.executionName) ?? 0) + 1);
    return (tasks.auditAccount as (e: unknown, c?: never) => Promise<unknown>)(event, context);
  }) as WorkflowTasks['auditAccount'],
});

let env: LocalEnv;
let sfn: SFNClient;
let machineArn: string;

beforeAll(async () => {
  // The host reads the environment at each execution: the emulator needs it before it starts.
  const host = auditOrganizationHost(
    () => {
      const {
        input: _input,
        executionName: _name,
        ...options
      } = localAuditOptions(env, {
        wrapTasks: countAudits,
      });
      return options;
    },
    () => env.clients,
  );
  env = await startLocalEnv({
    preset: 'cases',
    accounts: 3,
    users: 2,
    seed: 11,
    now: FIXED_NOW,
    enforcePolicies: false,
    stepFunctions: { stateMachines: [host] },
  });
  const { emulator } = env;
  sfn = new SFNClient({
    region: emulator.region,
    endpoint: emulator.url,
    credentials: emulator.roleCredentials(OPERATOR_ROLE, 'operator'),
  });
  machineArn = emulator.stepFunctions.stateMachineArn('AuditOrganization');
}, 120_000);

afterAll(async () => {
  sfn?.destroy();
  await env?.stop();
});

async function settled(executionArn: string): Promise<DescribeExecutionCommandOutput> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (described.status !== 'RUNNING') return described;
    if (Date.now() > deadline) throw new Error(`${executionArn} still RUNNING after 90 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('Step Functions on the emulator: AuditOrganization', () => {
  it('StartExecution runs the real workflow to SUCCEEDED, writes the report and lists the execution', async () => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: machineArn, name: 'sfn-ok', input: '{}' }),
    );
    expect(executionArn).toBe(`${machineArn.replace(':stateMachine:', ':execution:')}:sfn-ok`);
    const described = await settled(executionArn!);
    expect(described).toMatchObject({
      status: 'SUCCEEDED',
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
    });
    const output = JSON.parse(described.output ?? 'null') as { accounts?: unknown } | null;
    expect(output).not.toBeNull();

    const report = reportOf(env.emulator, 'sfn-ok');
    expect(report.accounts.length).toBeGreaterThan(0);
    // $$.Execution.Id inside the run is the emulator's execution ARN.
    expect(JSON.stringify(report)).toContain(executionArn);
    expect(publishedFor(env.emulator, 'sfn-ok')).toHaveLength(1);
    expect(auditInvocations.get('sfn-ok')).toBeGreaterThan(0);

    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: machineArn }));
    expect(listed.executions?.map((e) => [e.name, e.status])).toContainEqual(['sfn-ok', 'SUCCEEDED']);

    await expect(sfn.send(new RedriveExecutionCommand({ executionArn }))).rejects.toMatchObject({
      name: 'ExecutionNotRedrivable',
    });
  });

  it('a digest-publish fault fails DigestFailed; after the fault, RedriveExecution publishes without auditing again', async () => {
    const { emulator } = env;
    emulator.messaging.faults.snsPublishFailure = true;
    let executionArn: string | undefined;
    try {
      ({ executionArn } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn: machineArn, name: 'sfn-digest', input: '{}' }),
      ));
      const failed = await settled(executionArn!);
      expect(failed).toMatchObject({
        status: 'FAILED',
        error: 'DigestFailed',
        redriveCount: 0,
        redriveStatus: 'REDRIVABLE',
      });
    } finally {
      emulator.messaging.faults.snsPublishFailure = false;
    }
    expect(publishedFor(emulator, 'sfn-digest')).toHaveLength(0);
    expect(digestFailuresOf(emulator, 'sfn-digest')).toHaveLength(1);
    const audited = auditInvocations.get('sfn-digest') ?? 0;
    expect(audited).toBeGreaterThan(0);

    // The history names the step that failed: PublishDigest entered, then its TaskFailed.
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    const types = (history.events ?? []).map((e) =>
      e.type === 'TaskStateEntered' ? `${e.type}:${e.stateEnteredEventDetails?.name}` : e.type,
    );
    const publish = types.lastIndexOf('TaskStateEntered:PublishDigest');
    expect(publish).toBeGreaterThan(0);
    expect(types.indexOf('TaskFailed', publish)).toBeGreaterThan(publish);
    expect(types).toContain('FailStateEntered');
    expect(types.at(-1)).toBe('ExecutionFailed');

    await sfn.send(new RedriveExecutionCommand({ executionArn }));
    const redriven = await settled(executionArn!);
    expect(redriven).toMatchObject({ status: 'SUCCEEDED', redriveCount: 1 });
    expect(publishedFor(emulator, 'sfn-digest')).toHaveLength(1);
    expect(auditInvocations.get('sfn-digest')).toBe(audited);
    expect(digestFailuresOf(emulator, 'sfn-digest')).toHaveLength(1);

    const after = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    const redrivenTypes = (after.events ?? []).map((e) => e.type);
    const redrive = redrivenTypes.indexOf('ExecutionRedriven');
    expect(redrive).toBeGreaterThan(0);
    // The redrive starts at PublishDigest: no ValidateInput, ListAccounts or Map after it; no
    // deactivation request (remediation is off), so CheckRemediation goes straight to Done.
    const names = (after.events ?? [])
      .slice(redrive)
      .map((e) => e.stateEnteredEventDetails?.name)
      .filter((n) => n !== undefined);
    expect(names).toEqual(['PublishDigest', 'CheckRemediation', 'Done']);
    expect(redrivenTypes.at(-1)).toBe('ExecutionSucceeded');

    const listed = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: machineArn, redriveFilter: 'REDRIVEN' }),
    );
    expect(listed.executions?.map((e) => [e.name, e.status, e.redriveCount])).toEqual([
      ['sfn-digest', 'SUCCEEDED', 1],
    ]);
    await expect(sfn.send(new RedriveExecutionCommand({ executionArn }))).rejects.toMatchObject({
      name: 'ExecutionNotRedrivable',
    });
  });
});
