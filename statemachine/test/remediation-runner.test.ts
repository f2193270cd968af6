/**
 * The RemediateKeys definition (remediate-keys.asl.json) through the local runner, with task
 * doubles: hosted by the emulator's Step Functions (remediateKeysHost), so AwaitApproval's task
 * token is answered with SendTaskSuccess / SendTaskFailure or times out on the emulator clock,
 * as `keyaudit approve` and `keyaudit reject` would; and the audit definition's
 * StartDeactivationRequest starting it there (states:startExecution), a second start of the same
 * request caught as ExecutionAlreadyExists.
 */
import {
  GetExecutionHistoryCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { type RunningEmulator, startEmulator } from '@org-key-audit/emulator';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bindStartExecution, type TaskTokenWait } from '../src/bindings';
import type { RemediationTaskName } from '../src/definition';
import { auditOrganizationHost, remediateKeysHost } from '../src/emulator-host';
import { buildClients } from '../src/local-audit';
import {
  localRemediationSubstitutions,
  REMEDIATION_STATE_MACHINE_NAME,
  type RemediationTasks,
  runRemediationWorkflow,
} from '../src/remediation-runner';
import { runWorkflow, type WorkflowTasks } from '../src/runner';
import { NamedError } from './support/doubles';
import { createFakeAws, type FakeAws } from './support/fake-aws';
import { QUEUES, REPORT_BUCKET, SUBSTITUTIONS } from './support/substitutions';

const REQUEST = 'dr-20261209-1a2b3c4d';
const NOW = new Date('2026-12-09T10:00:00.000Z');
const REMEDIATION_QUEUE = 'https://sqs.us-east-1.amazonaws.com/000000000000/remediation-failures';
const START = { action: 'deactivate', requestId: REQUEST, approvalTimeoutSeconds: 3600 };

interface Key {
  readonly accountId: string;
  readonly userName: string;
  readonly accessKeyId: string;
}
const key = (accountId: string, userName: string, n: number): Key => ({
  accountId,
  userName,
  accessKeyId: `AKIA${String(n).padStart(16, '0')}`,
});
const KEYS = [
  key('333333333333', 'alice', 1),
  key('333333333333', 'bob', 2),
  key('444444444444', 'carol', 3),
  key('444444444444', 'dave', 4),
  key('555555555555', 'erin', 5),
  key('555555555555', 'frank', 6),
];
const byId = (id: string) => KEYS.find((k) => k.accessKeyId === id) as Key;

/** The approval `keyaudit approve` sends as SendTaskSuccess's output. */
const approval = (ids: readonly string[]) => ({
  decision: 'approve',
  requestId: REQUEST,
  approver: { arn: 'arn:aws:iam::222222222222:user/sec-lead', account: '222222222222', userId: 'AIDA1' },
  approvedAt: NOW.toISOString(),
  keys: ids,
  only: null,
  except: null,
});

let aws: FakeAws;
let events: Record<RemediationTaskName, Record<string, unknown>[]>;
/** The task tokens AwaitApproval's Lambda was given, in order (the real one stores it in task.json). */
let tokens: string[];
let inFlight: number;
let maxInFlight: number;

interface Behaviour {
  readonly check?: (key: Key) => { eligible: boolean; reason: string | null; lastUsedAt: string | null };
  readonly remediate?: (event: { action: string; key: Key }) => unknown;
}

/** Canned Lambdas: each records its event; RecordRemediation answers per step as the real one's contract says. */
function doubles(behaviour: Behaviour = {}): RemediationTasks {
  const record =
    (name: RemediationTaskName, body: (event: Record<string, unknown>) => unknown | Promise<unknown>) =>
    async (event: never) => {
      events[name].push(event);
      return body(event);
    };
  const ready = (keys: readonly Key[], event: Record<string, unknown>) => ({
    status: 'READY',
    keys,
    reason: null,
    approval: event['approval'] ?? null,
  });
  return {
    recordRemediation: record('recordRemediation', (event) => {
      switch (event['step']) {
        case 'await':
          tokens.push(String(event['taskToken']));
          return { stored: true };
        case 'plan':
          return ready(((event['approval'] as { keys: string[] }).keys ?? []).map(byId), event);
        case 'plan-retry':
        case 'plan-reactivation':
          return ready([byId(String(event['accessKeyId']))], event);
        default:
          return { recorded: event['step'] };
      }
    }),
    checkKey: record('checkKey', async (event) => {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 15));
      inFlight -= 1;
      return behaviour.check?.(event['key'] as Key) ?? { eligible: true, reason: null, lastUsedAt: null };
    }),
    remediateKey: record('remediateKey', (event) => {
      const given = event as unknown as { action: string; key: Key };
      if (behaviour.remediate !== undefined) return behaviour.remediate(given);
      return {
        ...given.key,
        action: given.action,
        outcome: given.action === 'deactivate' ? 'deactivated' : 'reactivated',
        reason: null,
        error: null,
        at: NOW.toISOString(),
      };
    }),
  } as RemediationTasks;
}

let tasks: RemediationTasks;
let emu: RunningEmulator;
let sfn: SFNClient;
let machine: string;

beforeAll(async () => {
  emu = await startEmulator({
    orgSpec: {
      accounts: [
        { id: '111111111111', name: 'management' },
        { id: '222222222222', name: 'security' },
      ],
    },
    now: NOW,
    stepFunctions: {
      stateMachines: [
        remediateKeysHost(() => ({
          tasks,
          sqs: aws.sqs,
          remediationFailuresQueueUrl: REMEDIATION_QUEUE,
          now: () => NOW,
          retryDelayMs: 0,
        })),
      ],
    },
  });
  sfn = new SFNClient({
    region: emu.region,
    endpoint: emu.url,
    credentials: emu.roleCredentials('keyaudit-operator', 'operator'),
    maxAttempts: 1,
  });
  machine = emu.stepFunctions.stateMachineArn(REMEDIATION_STATE_MACHINE_NAME);
});
afterAll(async () => {
  sfn.destroy();
  await emu.stop();
});
beforeEach(() => {
  aws = createFakeAws([REMEDIATION_QUEUE, ...Object.values(QUEUES)]);
  events = { recordRemediation: [], checkKey: [], remediateKey: [] };
  tokens = [];
  inFlight = 0;
  maxInFlight = 0;
  tasks = doubles();
});
afterEach(() => aws.restore());

const steps = () => events.recordRemediation.map((e) => e['step']);

async function start(name: string, input: unknown): Promise<string> {
  const out = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: machine, name, input: JSON.stringify(input) }),
  );
  return out.executionArn as string;
}

/** Starts a deactivation request and waits until AwaitApproval has handed out its token. */
async function startAwaiting(name: string, input: unknown = START): Promise<{ arn: string; token: string }> {
  const arn = await start(name, input);
  await expect.poll(() => tokens.length, { timeout: 5000 }).toBe(1);
  return { arn, token: tokens[0] as string };
}

describe('RemediateKeys on the emulator: the approval', () => {
  it('approve: the approved keys are checked and deactivated 4 at a time, then the request is completed', async () => {
    const { arn, token } = await startAwaiting(REQUEST);
    expect(events.recordRemediation[0]).toEqual({
      step: 'await',
      requestId: REQUEST,
      executionArn: arn,
      taskToken: token,
      timeoutSeconds: 3600,
    });
    expect(emu.stepFunctions.executions(machine)[0]?.status).toBe('RUNNING');

    const decision = approval(KEYS.map((k) => k.accessKeyId));
    await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(decision) }));
    const done = await emu.stepFunctions.settled(arn);
    expect(done.status).toBe('SUCCEEDED');

    expect(steps()).toEqual(['await', 'plan', 'complete']);
    expect(events.recordRemediation[1]).toEqual({
      step: 'plan',
      requestId: REQUEST,
      executionArn: arn,
      approval: decision,
    });
    // The Map's MaxConcurrency, with each CheckKey held for a moment.
    expect(maxInFlight).toBe(4);
    expect(events.checkKey.map((e) => (e['key'] as Key).accessKeyId).sort()).toEqual(
      KEYS.map((k) => k.accessKeyId),
    );
    expect(events.remediateKey[0]).toMatchObject({ action: 'deactivate', requestId: REQUEST });
    const complete = events.recordRemediation[2] as { outcomes: unknown[]; plan: { status: string } };
    // Map results keep the items' order, whatever order they finished in.
    expect(complete.outcomes).toEqual(
      KEYS.map((k) => ({
        ...k,
        action: 'deactivate',
        outcome: 'deactivated',
        reason: null,
        error: null,
        at: NOW.toISOString(),
      })),
    );
    expect(complete.plan.status).toBe('READY');
    expect(aws.messages(REMEDIATION_QUEUE)).toEqual([]);

    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn }));
    const entered = history.events
      ?.filter((e) => e.type?.endsWith('StateEntered'))
      .map((e) => `${e.type}:${e.stateEnteredEventDetails?.name}`);
    expect(entered).toEqual([
      'ChoiceStateEntered:Route',
      'TaskStateEntered:AwaitApproval',
      'TaskStateEntered:PlanDeactivation',
      'ChoiceStateEntered:CheckPlan',
      'MapStateEntered:DeactivateKeys',
      'TaskStateEntered:CompleteRequest',
      'SucceedStateEntered:Done',
    ]);
    // The answered token is closed: a second approval gets TaskTimedOut.
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(decision) })),
    ).rejects.toMatchObject({ name: 'TaskTimedOut' });
  });

  it('reject: SendTaskFailure RequestRejected is recorded by RecordRejected, nothing is planned or changed', async () => {
    const { arn, token } = await startAwaiting('dr-20261209-00000002');
    const cause = JSON.stringify({ decision: 'reject', requestId: REQUEST, reason: 'not during the freeze' });
    await sfn.send(new SendTaskFailureCommand({ taskToken: token, error: 'RequestRejected', cause }));
    expect((await emu.stepFunctions.settled(arn)).status).toBe('SUCCEEDED');
    expect(steps()).toEqual(['await', 'rejected']);
    expect(events.recordRemediation[1]).toEqual({
      step: 'rejected',
      requestId: REQUEST,
      executionArn: arn,
      closure: { Error: 'RequestRejected', Cause: cause },
    });
    expect(events.checkKey).toEqual([]);
    expect(events.remediateKey).toEqual([]);
  });

  it('timeout: the emulator clock passing approvalTimeoutSeconds ends in RecordExpired; a late approval is TaskTimedOut', async () => {
    const { arn, token } = await startAwaiting('dr-20261209-00000003');
    emu.clock.advance(3600 * 1000 + 1000);
    expect((await emu.stepFunctions.settled(arn)).status).toBe('SUCCEEDED');
    expect(steps()).toEqual(['await', 'expired']);
    expect(events.recordRemediation[1]).toMatchObject({
      step: 'expired',
      closure: { Error: 'States.Timeout' },
    });
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(approval([])) })),
    ).rejects.toMatchObject({ name: 'TaskTimedOut' });
    expect(events.remediateKey).toEqual([]);
  });

  it('a failing key: skipped and failed keys beside a deactivated one, and a SendKeyFailure message that retries just that key', async () => {
    tasks = doubles({
      check: (k) =>
        k.userName === 'bob'
          ? { eligible: false, reason: 'used-since-proposal', lastUsedAt: '2026-12-08T09:00:00.000Z' }
          : { eligible: true, reason: null, lastUsedAt: null },
      remediate: (event) => {
        if (event.key.accountId === '444444444444') {
          throw new NamedError(
            'RemediationRoleMissingError',
            'cannot assume org-key-audit-remediation in 444444444444',
          );
        }
        return {
          ...event.key,
          action: 'deactivate',
          outcome: 'deactivated',
          reason: null,
          error: null,
          at: 't',
        };
      },
    });
    const [alice, bob, carol] = KEYS as [Key, Key, Key];
    const { arn, token } = await startAwaiting('dr-20261209-00000004');
    await sfn.send(
      new SendTaskSuccessCommand({
        taskToken: token,
        output: JSON.stringify(approval([alice.accessKeyId, bob.accessKeyId, carol.accessKeyId])),
      }),
    );
    expect((await emu.stepFunctions.settled(arn)).status).toBe('SUCCEEDED');

    const lambdaCause = JSON.stringify({
      errorType: 'RemediationRoleMissingError',
      errorMessage: 'cannot assume org-key-audit-remediation in 444444444444',
      trace: [],
    });
    const complete = events.recordRemediation.find((e) => e['step'] === 'complete') as {
      outcomes: unknown[];
    };
    expect(complete.outcomes).toEqual([
      { ...alice, action: 'deactivate', outcome: 'deactivated', reason: null, error: null, at: 't' },
      // The Pass states' `at` is $$.State.EnteredTime: the runner's clock, pinned here.
      {
        ...bob,
        action: 'deactivate',
        outcome: 'skipped',
        reason: 'used-since-proposal',
        at: NOW.toISOString(),
      },
      {
        ...carol,
        action: 'deactivate',
        outcome: 'failed',
        error: 'RemediationRoleMissingError',
        reason: lambdaCause,
        at: NOW.toISOString(),
      },
    ]);
    expect(aws.messages(REMEDIATION_QUEUE)).toEqual([
      {
        kind: 'remediation-key-failure',
        executionArn: arn,
        requestId: REQUEST,
        accountId: carol.accountId,
        accessKeyId: carol.accessKeyId,
        error: 'RemediationRoleMissingError',
        cause: lambdaCause,
        retryInput: { action: 'retry', requestId: REQUEST, accessKeyId: carol.accessKeyId },
      },
    ]);
    // Only the eligible keys reach the remediation role.
    expect(events.remediateKey.map((e) => (e['key'] as Key).userName).sort()).toEqual(['alice', 'carol']);
  });
});

describe('RemediateKeys on the emulator: the other entries', () => {
  it("retry: the DLQ message's retryInput reruns just that key through CheckKey and DeactivateKey", async () => {
    const carol = KEYS[2] as Key;
    const arn = await start('rt-20261209-00000001', {
      action: 'retry',
      requestId: REQUEST,
      accessKeyId: carol.accessKeyId,
    });
    expect((await emu.stepFunctions.settled(arn)).status).toBe('SUCCEEDED');
    expect(steps()).toEqual(['plan-retry', 'complete']);
    expect(events.recordRemediation[0]).toMatchObject({ requestId: REQUEST, accessKeyId: carol.accessKeyId });
    expect(tokens).toEqual([]);
    expect(events.remediateKey).toEqual([{ action: 'deactivate', requestId: REQUEST, key: carol }]);
  });

  it('reactivate: the key is set Active and the reactivation recorded; a failing one is recorded failed with a DLQ message', async () => {
    const alice = KEYS[0] as Key;
    const requestedBy = {
      arn: 'arn:aws:iam::222222222222:user/sec-lead',
      account: '222222222222',
      userId: 'AIDA1',
    };
    const input = { action: 'reactivate', requestId: REQUEST, accessKeyId: alice.accessKeyId, requestedBy };
    const arn = await start(`ra-${REQUEST}-${alice.accessKeyId}`, input);
    expect((await emu.stepFunctions.settled(arn)).status).toBe('SUCCEEDED');
    expect(steps()).toEqual(['plan-reactivation', 'reactivated']);
    expect(events.remediateKey).toEqual([{ action: 'reactivate', requestId: REQUEST, key: alice }]);
    expect(events.recordRemediation[1]).toEqual({
      step: 'reactivated',
      requestId: REQUEST,
      executionArn: arn,
      requestedBy,
      outcome: {
        ...alice,
        action: 'reactivate',
        outcome: 'reactivated',
        reason: null,
        error: null,
        at: NOW.toISOString(),
      },
    });

    tasks = doubles({
      remediate: () => {
        throw new NamedError('RemediationNotConfirmedError', 'the key read back Inactive');
      },
    });
    const bob = KEYS[1] as Key;
    const failing = await start(`ra-${REQUEST}-${bob.accessKeyId}`, {
      ...input,
      accessKeyId: bob.accessKeyId,
    });
    expect((await emu.stepFunctions.settled(failing)).status).toBe('SUCCEEDED');
    const cause = JSON.stringify({
      errorType: 'RemediationNotConfirmedError',
      errorMessage: 'the key read back Inactive',
      trace: [],
    });
    expect(events.recordRemediation.at(-1)).toEqual({
      step: 'reactivated',
      requestId: REQUEST,
      executionArn: failing,
      requestedBy,
      outcome: {
        ...bob,
        action: 'reactivate',
        outcome: 'failed',
        error: 'RemediationNotConfirmedError',
        reason: cause,
        at: NOW.toISOString(),
      },
    });
    expect(aws.messages(REMEDIATION_QUEUE)).toEqual([
      {
        kind: 'remediation-key-failure',
        executionArn: failing,
        requestId: REQUEST,
        accountId: bob.accountId,
        accessKeyId: bob.accessKeyId,
        error: 'RemediationNotConfirmedError',
        cause,
        retryInput: { action: 'reactivate', requestId: REQUEST, accessKeyId: bob.accessKeyId, requestedBy },
      },
    ]);
  });

  it('StopExecution while awaiting approval: ABORTED, the token closed, nothing planned', async () => {
    const { arn, token } = await startAwaiting('dr-20261209-00000005');
    await sfn.send(
      new StopExecutionCommand({ executionArn: arn, error: 'Operator', cause: 'wrong request' }),
    );
    expect(await emu.stepFunctions.settled(arn)).toMatchObject({ status: 'ABORTED', error: 'Operator' });
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(approval([])) })),
    ).rejects.toMatchObject({ name: 'TaskTimedOut' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(steps()).toEqual(['await']);
  });

  it('an unknown action fails the execution with InvalidInputError', async () => {
    const arn = await start('bad-action', { action: 'delete', requestId: REQUEST });
    expect(await emu.stepFunctions.settled(arn)).toMatchObject({
      status: 'FAILED',
      error: 'InvalidInputError',
    });
  });
});

describe('RemediateKeys in the runner alone', () => {
  const run = (
    wait: ((token: string, options: TaskTokenWait) => Promise<never>) | undefined,
    input = START,
  ) =>
    runRemediationWorkflow({
      input,
      executionName: REQUEST,
      tasks,
      sqs: aws.sqs,
      substitutions: localRemediationSubstitutions(REMEDIATION_QUEUE),
      ...(wait === undefined ? {} : { waitForTaskToken: wait }),
      now: () => NOW,
      retryDelayMs: 0,
    });

  it("a 1-second approval timeout ends in the runner's own States.Timeout, caught into RecordExpired; the token is closed", async () => {
    const waits: TaskTokenWait[] = [];
    const started = Date.now();
    const result = await run(
      (_token, options) => {
        waits.push(options);
        return new Promise<never>(() => undefined);
      },
      { ...START, approvalTimeoutSeconds: 1 },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(steps()).toEqual(['await', 'expired']);
    expect(events.recordRemediation[1]).toMatchObject({
      closure: { Error: 'States.Timeout', Cause: 'The task did not complete within its timeout.' },
    });
    expect(waits).toHaveLength(1);
    expect(waits[0]?.timeoutSeconds).toBe(1);
    expect(waits[0]?.signal?.aborted).toBe(true);
  });

  it('a 7-day timeout is handed to the wait as is, and does not fire early', async () => {
    let seen: TaskTokenWait | undefined;
    const result = await run(
      async (_token, options) => {
        seen = options;
        await new Promise((resolve) => setTimeout(resolve, 50));
        return { output: JSON.stringify(approval([])) } as never;
      },
      { ...START, approvalTimeoutSeconds: 7 * 86_400 },
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(seen?.timeoutSeconds).toBe(604_800);
    expect(steps()).toEqual(['await', 'plan', 'complete']);
  });

  it('without waitForTaskToken, AwaitApproval fails with a RunnerConfigError task error, sent to the DLQ', async () => {
    const result = await run(undefined);
    expect(result).toMatchObject({ status: 'FAILED', error: 'RemediationRequestFailed' });
    const [message] = aws.messages(REMEDIATION_QUEUE) as { kind: string; error: string; cause: string }[];
    expect(message).toMatchObject({ kind: 'remediation-request-failure', error: 'RunnerConfigError' });
    expect(message?.cause).toMatch(/no waitForTaskToken/);
  });
});

describe('StartDeactivationRequest (states:startExecution) from the audit', () => {
  const SUMMARY = { totals: { accounts: 1 } };

  function auditTasks(remediation: unknown): WorkflowTasks {
    return {
      validateInput: async () => ({
        ok: true,
        input: { accountIds: null, dryRun: false, thresholds: {}, reason: null },
      }),
      listAccounts: async () => {
        aws.putJson(REPORT_BUCKET, 'runs/run-1/items.json', ['333333333333']);
        return {
          bucket: REPORT_BUCKET,
          itemsKey: 'runs/run-1/items.json',
          organizationKey: 'runs/run-1/organization.json',
          total: 1,
          toAudit: 1,
          skipped: 0,
          maxConcurrency: 4,
          maxAuditIterations: 24,
          ownerWarnings: [],
        };
      },
      auditAccount: async (event: { accountId: string }) => ({
        accountId: event.accountId,
        status: 'AUDITED',
        resultKey: `k-${event.accountId}`,
        findings: 1,
      }),
      buildDigest: async () => ({
        subject: 's',
        digestKey: 'reports/run-1/digest.txt',
        reportKey: 'reports/run-1/report.json',
        csvKey: 'reports/run-1/report.csv',
        ownerDigestsKey: null,
        summary: SUMMARY,
        remediation,
      }),
      publishDigest: async () => ({ published: true, messageId: 'm-1', ownerDigests: 0 }),
      importFindings: async () => ({ status: 'DISABLED', imported: 0, archived: 0 }),
    } as WorkflowTasks;
  }

  const audit = (remediation: unknown, withSfn: boolean, executionName = 'run-1') =>
    runWorkflow({
      input: {},
      executionName,
      tasks: auditTasks(remediation),
      s3: aws.s3,
      sqs: aws.sqs,
      ...(withSfn ? { sfn: stateMachineSfn } : {}),
      substitutions: { ...SUBSTITUTIONS, RemediationStateMachineArn: machine },
      retryDelayMs: 0,
    });

  let stateMachineSfn: SFNClient;
  beforeAll(() => {
    stateMachineSfn = new SFNClient({
      region: emu.region,
      endpoint: emu.url,
      credentials: emu.roleCredentials('org-key-audit-state-machine', 'local-execution'),
      maxAttempts: 1,
    });
  });
  afterAll(() => stateMachineSfn.destroy());

  const request = 'dr-20261209-0000abcd';
  const proposed = { requestId: request, keys: 2, start: { ...START, requestId: request } };

  it('starts RemediateKeys named after the request, with the start input as its JSON; a second start is caught as ExecutionAlreadyExists', async () => {
    const first = await audit(proposed, true);
    expect(first).toMatchObject({ status: 'SUCCEEDED', output: SUMMARY });
    const execution = emu.stepFunctions.executions(machine).find((e) => e.name === request);
    expect(execution?.status).toBe('RUNNING');
    expect(JSON.parse(execution?.input ?? 'null')).toEqual(proposed.start);
    expect(aws.messages(QUEUES.digestFailures)).toEqual([]);

    await expect.poll(() => tokens.length, { timeout: 5000 }).toBe(1);
    await sfn.send(
      new SendTaskFailureCommand({ taskToken: tokens[0], error: 'RequestRejected', cause: '{}' }),
    );
    await emu.stepFunctions.settled(execution?.executionArn as string);

    // A redriven (or repeated) audit of the same request: the name is taken once the execution closed.
    const again = await audit(proposed, true, 'run-2');
    expect(again).toMatchObject({ status: 'SUCCEEDED', output: SUMMARY });
    expect(emu.stepFunctions.executions(machine).filter((e) => e.name === request)).toHaveLength(1);
    expect(aws.messages(QUEUES.digestFailures)).toEqual([]);

    const start = bindStartExecution(stateMachineSfn, 'StartDeactivationRequest');
    await expect(
      start({ StateMachineArn: machine, Name: request, Input: proposed.start }),
    ).rejects.toMatchObject({
      name: 'StepFunctions.ExecutionAlreadyExistsException',
    });
    await expect(
      start({ StateMachineArn: `${machine}-missing`, Name: request, Input: proposed.start }),
    ).rejects.toMatchObject({ name: 'StepFunctions.StateMachineDoesNotExistException' });
    await expect(start({ StateMachineArn: machine, Name: 'bad name', Input: {} })).rejects.toMatchObject({
      name: 'StepFunctions.InvalidNameException',
    });
  });

  it('answers ExecutionArn and StartDate; a string Input is sent as it is', async () => {
    const start = bindStartExecution(stateMachineSfn, 'StartDeactivationRequest');
    const input = JSON.stringify({ action: 'delete', requestId: request });
    const answer = (await start({ StateMachineArn: machine, Name: 'string-input', Input: input })) as {
      ExecutionArn: string;
      StartDate: number;
    };
    expect(answer.ExecutionArn).toBe(`${machine.replace(':stateMachine:', ':execution:')}:string-input`);
    const started = emu.stepFunctions.executions(machine).find((e) => e.name === 'string-input');
    expect(started?.input).toBe(input);
    // Epoch milliseconds of the execution's start (the wire's seconds may round the last one).
    expect(Math.abs(answer.StartDate - Date.parse(started?.startDate ?? ''))).toBeLessThanOrEqual(1);
  });

  it('without a Step Functions client the start fails as RunnerConfigError; the audit still succeeds, the DLQ holds the input to retry', async () => {
    const result = await audit(proposed, false);
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: SUMMARY });
    const [message] = aws.messages(QUEUES.digestFailures) as Record<string, unknown>[];
    expect(message).toMatchObject({
      kind: 'remediation-start-failure',
      executionName: 'run-1',
      error: 'RunnerConfigError',
      input: { stateMachineArn: machine, name: request, input: proposed.start },
    });
    expect(String(message?.['cause'])).toMatch(/no Step Functions client/);
  });

  it("auditOrganizationHost's `sfn` starts RemediateKeys beside the audit's own state machine, in the same emulator", async () => {
    const host = auditOrganizationHost(
      {
        aws: { region: emu.region, endpoint: emu.url },
        reportBucket: REPORT_BUCKET,
        queues: { accountFailures: QUEUES.accountFailures, digestFailures: QUEUES.digestFailures },
        roleName: 'OrgKeyAuditRole',
        wrapTasks: () => auditTasks({ ...proposed, requestId: 'dr-20261209-0000beef' }),
        retryDelayMs: 0,
      },
      () => ({
        ...buildClients({
          region: emu.region,
          endpoint: emu.url,
          credentials: emu.roleCredentials('x-role', 'x-role'),
        }),
        s3: aws.s3,
        sqs: aws.sqs,
      }),
      { sfn: () => stateMachineSfn, history: false },
    );
    const auditArn = `arn:aws:states:${emu.region}:${emu.auditAccountId}:execution:AuditOrganization:hosted-1`;
    const outcome = await host.start({
      executionArn: auditArn,
      name: 'hosted-1',
      input: '{}',
      signal: new AbortController().signal,
      addEvent: () => undefined,
    });
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', output: JSON.stringify(SUMMARY) });
    // No remediationStateMachineArn given: RemediateKeys is looked for beside AuditOrganization.
    const started = emu.stepFunctions.executions(machine).find((e) => e.name === 'dr-20261209-0000beef');
    expect(started?.status).toBe('RUNNING');
    expect(aws.messages(QUEUES.digestFailures)).toEqual([]);
    await expect.poll(() => tokens.length, { timeout: 5000 }).toBe(1);
    await sfn.send(
      new SendTaskFailureCommand({ taskToken: tokens[0], error: 'RequestRejected', cause: '{}' }),
    );
    await emu.stepFunctions.settled(started?.executionArn as string);
  });

  it('no request (requestId null) starts nothing', async () => {
    const before = emu.stepFunctions.executions(machine).length;
    const result = await audit({ requestId: null, keys: 0, start: null }, true);
    expect(result.status).toBe('SUCCEEDED');
    expect(emu.stepFunctions.executions(machine)).toHaveLength(before);
  });
});
