/**
 * Step Functions through the plain SDK v3 SFNClient, backed by a fake host: StartExecution
 * (asynchronous, names, idempotency), DescribeExecution, ListExecutions (filter, pages),
 * StopExecution, GetExecutionHistory, RedriveExecution (AWS's eligibility rules) and the
 * callback pattern's task tokens.
 */
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  RedriveExecutionCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ExecutionContext,
  type ExecutionOutcome,
  type RunningEmulator,
  type StateMachineHost,
  startEmulator,
} from '../src/index';
import { adminFetch, auditorCredentials } from './helpers';

const NOW = new Date('2025-06-15T12:00:00Z');
const AUDIT = '222222222222';
const SPEC = {
  accounts: [
    { id: '111111111111', name: 'management' },
    { id: AUDIT, name: 'security' },
  ],
};
const MACHINE = `arn:aws:states:us-east-1:${AUDIT}:stateMachine:audit`;
const PLAIN = `arn:aws:states:us-east-1:${AUDIT}:stateMachine:plain`;

/** Executions a test releases by name (mode "hold"). */
const gates = new Map<string, (outcome: ExecutionOutcome) => void>();
/** How many times each execution's host was started or redriven. */
const runs = new Map<string, { starts: number; redrives: number }>();

function hold(name: string, signal: AbortSignal): Promise<ExecutionOutcome> {
  return new Promise((resolve, reject) => {
    gates.set(name, resolve);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

async function attempt(execution: ExecutionContext, redriven: boolean): Promise<ExecutionOutcome> {
  const input = JSON.parse(execution.input) as { mode?: string };
  const count = runs.get(execution.name) ?? { starts: 0, redrives: 0 };
  if (redriven) count.redrives += 1;
  else count.starts += 1;
  runs.set(execution.name, count);
  execution.addEvent({ type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'Audit', input: '{}' } });
  switch (input.mode) {
    case 'hold':
      return hold(execution.name, execution.signal);
    case 'task': {
      const result = await execution.waitForTaskToken(`token-${execution.name}`, { heartbeatSeconds: 60 });
      if ('output' in result) return { status: 'SUCCEEDED', output: result.output };
      return {
        status: 'FAILED',
        ...(result.error === undefined ? {} : { error: result.error }),
        ...(result.cause === undefined ? {} : { cause: result.cause }),
      };
    }
    case 'fail':
      if (!redriven) {
        return {
          status: 'FAILED',
          error: 'KeyAudit.AccountFailed',
          cause: 'account 333333333333 could not be audited',
          failedState: 'Audit',
        };
      }
      return { status: 'SUCCEEDED', output: JSON.stringify({ redriven: true }) };
    default:
      return { status: 'SUCCEEDED', output: JSON.stringify({ ok: execution.name }) };
  }
}

const audit: StateMachineHost = {
  name: 'audit',
  type: 'STANDARD',
  roleArn: `arn:aws:iam::${AUDIT}:role/org-key-audit-state-machine`,
  start: (execution) => attempt(execution, false),
  redrive: (execution) => {
    expect(['FAILED', 'ABORTED', 'TIMED_OUT']).toContain(execution.previous.status);
    return attempt(execution, true);
  },
};
const plain: StateMachineHost = {
  name: 'plain',
  type: 'STANDARD',
  start: async () => ({ status: 'FAILED', error: 'Plain.Failed', cause: 'no redrive here' }),
};

let emu: RunningEmulator;
let sfn: SFNClient;

async function errorOf(promise: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { name: string; message: string };
  }
  throw new Error('expected the call to fail');
}

async function describeExecution(executionArn: string): Promise<DescribeExecutionCommandOutput> {
  return sfn.send(new DescribeExecutionCommand({ executionArn }));
}

/** Polls DescribeExecution as a client would, until the execution is no longer RUNNING. */
async function settled(executionArn: string): Promise<DescribeExecutionCommandOutput> {
  for (let i = 0; i < 200; i++) {
    const out = await describeExecution(executionArn);
    if (out.status !== 'RUNNING') return out;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`${executionArn} is still RUNNING`);
}

async function start(name: string, input: unknown, stateMachineArn = MACHINE): Promise<string> {
  const out = await sfn.send(
    new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
  );
  return out.executionArn!;
}

beforeAll(async () => {
  emu = await startEmulator({ orgSpec: SPEC, now: NOW, stepFunctions: { stateMachines: [audit, plain] } });
  sfn = new SFNClient({
    endpoint: emu.url,
    region: emu.region,
    credentials: auditorCredentials(emu),
    maxAttempts: 1,
  });
});

afterAll(async () => {
  sfn.destroy();
  await emu.stop();
});

describe('StartExecution and DescribeExecution', () => {
  it('starts in the background: RUNNING, then SUCCEEDED with the output', async () => {
    const out = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'run-1', input: '{"mode":"hold"}' }),
    );
    expect(out.executionArn).toBe(`arn:aws:states:us-east-1:${AUDIT}:execution:audit:run-1`);
    expect(out.startDate).toBeInstanceOf(Date);
    expect(emu.stepFunctions.stateMachineArn('audit')).toBe(MACHINE);

    const running = await describeExecution(out.executionArn!);
    expect(running).toMatchObject({
      executionArn: out.executionArn,
      stateMachineArn: MACHINE,
      name: 'run-1',
      status: 'RUNNING',
      input: '{"mode":"hold"}',
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution is RUNNING and cannot be redriven',
    });
    expect(running.stopDate).toBeUndefined();
    expect(running.output).toBeUndefined();

    gates.get('run-1')!({ status: 'SUCCEEDED', output: '{"findings":3}' });
    const done = await settled(out.executionArn!);
    expect(done).toMatchObject({
      status: 'SUCCEEDED',
      output: '{"findings":3}',
      redriveStatus: 'NOT_REDRIVABLE',
      redriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
    });
    expect(done.stopDate!.getTime()).toBeGreaterThanOrEqual(done.startDate!.getTime());
    expect(emu.stats.total({ service: 'states', action: 'StartExecution' })).toBeGreaterThanOrEqual(1);
  });

  it('names an execution with a UUID by default and defaults the input to {}', async () => {
    const out = await sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE }));
    const name = out.executionArn!.split(':').at(-1)!;
    expect(name).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect((await settled(out.executionArn!)).input).toBe('{}');
  });

  it('is idempotent for the same name and input while running; refuses otherwise', async () => {
    const first = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'dup', input: '{"mode":"hold"}' }),
    );
    const again = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'dup', input: '{"mode":"hold"}' }),
    );
    expect(again.executionArn).toBe(first.executionArn);
    expect(again.startDate?.getTime()).toBe(first.startDate?.getTime());
    expect(runs.get('dup')?.starts).toBe(1);

    const other = await errorOf(
      sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'dup', input: '{"mode":"x"}' })),
    );
    expect(other.name).toBe('ExecutionAlreadyExists');

    // Once closed, the name is taken whatever the input.
    gates.get('dup')!({ status: 'SUCCEEDED' });
    await settled(first.executionArn!);
    const closed = await errorOf(
      sfn.send(
        new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'dup', input: '{"mode":"hold"}' }),
      ),
    );
    expect(closed.name).toBe('ExecutionAlreadyExists');
  });

  it('refuses bad names, bad input, bad and unknown ARNs', async () => {
    for (const name of ['has space', 'a/b', 'x'.repeat(81), 'brace{', 'star*']) {
      const error = await errorOf(sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name })));
      expect(error.name, name).toBe('InvalidName');
    }
    const input = await errorOf(
      sfn.send(new StartExecutionCommand({ stateMachineArn: MACHINE, name: 'bad-input', input: '{nope' })),
    );
    expect(input.name).toBe('InvalidExecutionInput');
    const unknown = await errorOf(
      sfn.send(new StartExecutionCommand({ stateMachineArn: `${MACHINE}-missing` })),
    );
    expect(unknown.name).toBe('StateMachineDoesNotExist');
    const invalid = await errorOf(sfn.send(new StartExecutionCommand({ stateMachineArn: 'not-an-arn' })));
    expect(invalid.name).toBe('InvalidArn');
    const missing = await errorOf(
      describeExecution(`arn:aws:states:us-east-1:${AUDIT}:execution:audit:never-started`),
    );
    expect(missing.name).toBe('ExecutionDoesNotExist');
    expect((await errorOf(describeExecution('arn:aws:states:nope'))).name).toBe('InvalidArn');
  });
});

describe('ListExecutions', () => {
  it('lists newest first, filters by status and pages with nextToken', async () => {
    const arns: string[] = [];
    for (let i = 0; i < 5; i++) arns.push(await start(`list-${i}`, { mode: i % 2 === 0 ? 'ok' : 'fail' }));
    for (const arn of arns) await settled(arn);

    const all = await sfn.send(new ListExecutionsCommand({ stateMachineArn: MACHINE }));
    const names = all.executions!.map((e) => e.name);
    expect(names.slice(0, 5)).toEqual(['list-4', 'list-3', 'list-2', 'list-1', 'list-0']);
    expect(all.nextToken).toBeUndefined();
    expect(all.executions![0]).toMatchObject({
      executionArn: arns[4],
      stateMachineArn: MACHINE,
      status: 'SUCCEEDED',
      redriveCount: 0,
    });
    expect(all.executions![0]!.stopDate).toBeInstanceOf(Date);

    const failed = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: MACHINE, statusFilter: 'FAILED' }),
    );
    expect(failed.executions!.map((e) => e.name)).toEqual(['list-3', 'list-1']);

    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await sfn.send(
        new ListExecutionsCommand({
          stateMachineArn: MACHINE,
          statusFilter: 'SUCCEEDED',
          maxResults: 2,
          nextToken: token,
        }),
      );
      expect(page.executions!.length).toBeLessThanOrEqual(2);
      seen.push(...page.executions!.map((e) => e.name!));
      token = page.nextToken;
      pages += 1;
      // A new execution started meanwhile does not shift the pages.
      if (pages === 1) await settled(await start('list-late', {}));
    } while (token !== undefined);
    expect(seen.filter((n) => n.startsWith('list-'))).toEqual(['list-4', 'list-2', 'list-0']);
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBeGreaterThan(1);

    const bad = await errorOf(
      sfn.send(new ListExecutionsCommand({ stateMachineArn: MACHINE, nextToken: 'garbage' })),
    );
    expect(bad.name).toBe('InvalidToken');
    const tooMany = await errorOf(
      sfn.send(new ListExecutionsCommand({ stateMachineArn: MACHINE, maxResults: 1001 })),
    );
    expect(tooMany.name).toBe('ValidationException');
  });
});

describe('a failed execution and RedriveExecution', () => {
  it('fails, shows the failure in the history, is redriven and succeeds with redriveCount 1', async () => {
    const arn = await start('flaky', { mode: 'fail' });
    const failed = await settled(arn);
    expect(failed).toMatchObject({
      status: 'FAILED',
      error: 'KeyAudit.AccountFailed',
      cause: 'account 333333333333 could not be audited',
      redriveCount: 0,
      redriveStatus: 'REDRIVABLE',
    });
    expect(failed.redriveStatusReason).toBeUndefined();

    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn }));
    const events = history.events!;
    expect(events.map((e) => e.type)).toEqual(['ExecutionStarted', 'TaskStateEntered', 'ExecutionFailed']);
    expect(events.map((e) => [e.id, e.previousEventId])).toEqual([
      [1, 0],
      [2, 1],
      [3, 2],
    ]);
    expect(events[0]!.executionStartedEventDetails).toMatchObject({
      input: '{"mode":"fail"}',
      roleArn: `arn:aws:iam::${AUDIT}:role/org-key-audit-state-machine`,
    });
    expect(events[2]!.executionFailedEventDetails).toEqual({
      error: 'KeyAudit.AccountFailed',
      cause: 'account 333333333333 could not be audited',
    });
    expect(events[0]!.timestamp).toBeInstanceOf(Date);

    const redrive = await sfn.send(new RedriveExecutionCommand({ executionArn: arn }));
    expect(redrive.redriveDate).toBeInstanceOf(Date);
    const done = await settled(arn);
    expect(done).toMatchObject({ status: 'SUCCEEDED', output: '{"redriven":true}', redriveCount: 1 });
    expect(done.redriveDate?.getTime()).toBe(redrive.redriveDate?.getTime());
    expect(done.error).toBeUndefined();
    expect(runs.get('flaky')).toEqual({ starts: 1, redrives: 1 });

    const after = await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, reverseOrder: true }));
    expect(after.events!.map((e) => e.type)).toEqual([
      'ExecutionSucceeded',
      'TaskStateEntered',
      'ExecutionRedriven',
      'ExecutionFailed',
      'TaskStateEntered',
      'ExecutionStarted',
    ]);
    expect(after.events![2]!.executionRedrivenEventDetails).toEqual({ redriveCount: 1 });

    const listed = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: MACHINE, redriveFilter: 'REDRIVEN' }),
    );
    expect(listed.executions!.map((e) => [e.name, e.redriveCount])).toEqual([['flaky', 1]]);

    // History pages.
    const first = await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 4 }));
    expect(first.events!.map((e) => e.id)).toEqual([1, 2, 3, 4]);
    const second = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn: arn, maxResults: 4, nextToken: first.nextToken }),
    );
    expect(second.events!.map((e) => e.id)).toEqual([5, 6]);
    expect(second.nextToken).toBeUndefined();
  });

  it('refuses a SUCCEEDED execution', async () => {
    const arn = await start('succeeded', {});
    await settled(arn);
    const error = await errorOf(sfn.send(new RedriveExecutionCommand({ executionArn: arn })));
    expect(error.name).toBe('ExecutionNotRedrivable');
    expect(error.message).toContain('Execution is SUCCEEDED and cannot be redriven');
  });

  it('refuses an execution already redriving (RUNNING), but repeats an answer for the same clientToken', async () => {
    const arn = await start('redriving', { mode: 'hold' });
    gates.get('redriving')!({ status: 'FAILED', error: 'X', cause: 'first' });
    await settled(arn);
    const redrive = await sfn.send(new RedriveExecutionCommand({ executionArn: arn, clientToken: 'once' }));
    expect((await describeExecution(arn)).status).toBe('RUNNING');
    const again = await sfn.send(new RedriveExecutionCommand({ executionArn: arn, clientToken: 'once' }));
    expect(again.redriveDate?.getTime()).toBe(redrive.redriveDate?.getTime());
    const error = await errorOf(sfn.send(new RedriveExecutionCommand({ executionArn: arn })));
    expect(error.name).toBe('ExecutionNotRedrivable');
    expect(error.message).toContain('Execution is RUNNING and cannot be redriven');
    expect(runs.get('redriving')).toEqual({ starts: 1, redrives: 1 });
    gates.get('redriving')!({ status: 'SUCCEEDED' });
    expect((await settled(arn)).redriveCount).toBe(1);
  });

  it('refuses a state machine whose host cannot redrive', async () => {
    const arn = await start('plain-1', {}, PLAIN);
    const failed = await settled(arn);
    expect(failed.status).toBe('FAILED');
    expect(failed.redriveStatus).toBe('NOT_REDRIVABLE');
    const error = await errorOf(sfn.send(new RedriveExecutionCommand({ executionArn: arn })));
    expect(error.name).toBe('ExecutionNotRedrivable');
  });

  it('refuses an execution stopped more than 14 days ago (the emulator clock)', async () => {
    const arn = await start('old', { mode: 'fail' });
    await settled(arn);
    const before = emu.clock.now();
    try {
      emu.clock.advance(13 * 24 * 3600 * 1000);
      expect((await describeExecution(arn)).redriveStatus).toBe('REDRIVABLE');
      emu.clock.advance(2 * 24 * 3600 * 1000);
      const late = await describeExecution(arn);
      expect(late.redriveStatus).toBe('NOT_REDRIVABLE');
      expect(late.redriveStatusReason).toBe('Execution redrivable period exceeded');
      const error = await errorOf(sfn.send(new RedriveExecutionCommand({ executionArn: arn })));
      expect(error.name).toBe('ExecutionNotRedrivable');
      expect(error.message).toContain('Execution redrivable period exceeded');
    } finally {
      emu.clock.set(before);
    }
  });
});

describe('StopExecution', () => {
  it('aborts the host through its signal: ABORTED with the error and cause, and redrivable', async () => {
    const arn = await start('stop-me', { mode: 'hold' });
    const out = await sfn.send(
      new StopExecutionCommand({ executionArn: arn, error: 'Operator.Stop', cause: 'stopped by a test' }),
    );
    expect(out.stopDate).toBeInstanceOf(Date);
    const stopped = await describeExecution(arn);
    expect(stopped).toMatchObject({
      status: 'ABORTED',
      error: 'Operator.Stop',
      cause: 'stopped by a test',
      redriveStatus: 'REDRIVABLE',
    });
    expect(stopped.stopDate?.getTime()).toBe(out.stopDate?.getTime());
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn, reverseOrder: true }));
    expect(history.events![0]).toMatchObject({
      type: 'ExecutionAborted',
      executionAbortedEventDetails: { error: 'Operator.Stop', cause: 'stopped by a test' },
    });
    // A late outcome of the stopped attempt changes nothing.
    gates.get('stop-me')!({ status: 'SUCCEEDED' });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await describeExecution(arn)).status).toBe('ABORTED');
    const missing = await errorOf(
      sfn.send(
        new StopExecutionCommand({ executionArn: `arn:aws:states:us-east-1:${AUDIT}:execution:audit:none` }),
      ),
    );
    expect(missing.name).toBe('ExecutionDoesNotExist');
  });
});

describe('task tokens', () => {
  it('SendTaskSuccess resumes the host; the token is then closed (TaskTimedOut)', async () => {
    const arn = await start('task-ok', { mode: 'task' });
    await expect.poll(() => emu.stepFunctions.executions(MACHINE)[0]?.events).toBeGreaterThanOrEqual(2);
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: 'token-task-ok' }));
    const invalid = await errorOf(
      sfn.send(new SendTaskSuccessCommand({ taskToken: 'token-task-ok', output: '{x' })),
    );
    expect(invalid.name).toBe('InvalidOutput');
    await sfn.send(new SendTaskSuccessCommand({ taskToken: 'token-task-ok', output: '{"approved":true}' }));
    expect(await settled(arn)).toMatchObject({ status: 'SUCCEEDED', output: '{"approved":true}' });
    const closed = await errorOf(
      sfn.send(new SendTaskSuccessCommand({ taskToken: 'token-task-ok', output: '{}' })),
    );
    expect(closed.name).toBe('TaskTimedOut');
  });

  it('SendTaskFailure fails the task with its error and cause', async () => {
    const arn = await start('task-fail', { mode: 'task' });
    await expect
      .poll(
        async () => (await sfn.send(new GetExecutionHistoryCommand({ executionArn: arn }))).events!.length,
      )
      .toBe(2);
    await sfn.send(
      new SendTaskFailureCommand({ taskToken: 'token-task-fail', error: 'Approval.Denied', cause: 'no' }),
    );
    expect(await settled(arn)).toMatchObject({ status: 'FAILED', error: 'Approval.Denied', cause: 'no' });
  });

  it('answers TaskDoesNotExist for an unknown token and InvalidToken for a malformed one', async () => {
    const unknown = await errorOf(
      sfn.send(new SendTaskSuccessCommand({ taskToken: 'never-issued', output: '{}' })),
    );
    expect(unknown.name).toBe('TaskDoesNotExist');
    const heartbeat = await errorOf(sfn.send(new SendTaskHeartbeatCommand({ taskToken: 'never-issued' })));
    expect(heartbeat.name).toBe('TaskDoesNotExist');
    const malformed = await errorOf(sfn.send(new SendTaskFailureCommand({ taskToken: 'has a space' })));
    expect(malformed.name).toBe('InvalidToken');
  });

  it('closes the tokens of a stopped execution', async () => {
    const arn = await start('task-stop', { mode: 'task' });
    await expect.poll(() => emu.stepFunctions.executions(MACHINE)[0]?.events).toBeGreaterThanOrEqual(2);
    await sfn.send(new StopExecutionCommand({ executionArn: arn }));
    const closed = await errorOf(
      sfn.send(new SendTaskSuccessCommand({ taskToken: 'token-task-stop', output: '{}' })),
    );
    expect(closed.name).toBe('TaskTimedOut');
  });
});

describe('calls, admin route and stats', () => {
  it('authorizes each action on the ARN AWS names', async () => {
    const calls = emu.calls().filter((c) => c.service === 'states');
    const find = (action: string) => calls.find((c) => c.action === action && c.outcome === 'ok');
    expect(find('states:StartExecution')?.resource).toBe(MACHINE);
    expect(find('states:ListExecutions')?.resource).toBe(MACHINE);
    for (const action of ['DescribeExecution', 'StopExecution', 'RedriveExecution', 'GetExecutionHistory']) {
      expect(find(`states:${action}`)?.resource, action).toMatch(
        /^arn:aws:states:us-east-1:\d{12}:execution:/,
      );
    }
    expect(find('states:SendTaskSuccess')?.resource).toBe('*');
  });

  it('denies through the authorize hook with AccessDeniedException', async () => {
    const denied = await startEmulator({
      orgSpec: SPEC,
      now: NOW,
      stepFunctions: { stateMachines: [audit] },
      authorize: (call) =>
        call.action === 'states:StartExecution' ? { allowed: false, message: 'no' } : { allowed: true },
    });
    const client = new SFNClient({
      endpoint: denied.url,
      region: denied.region,
      credentials: auditorCredentials(denied),
      maxAttempts: 1,
    });
    try {
      const error = await errorOf(client.send(new StartExecutionCommand({ stateMachineArn: MACHINE })));
      expect(error.name).toBe('AccessDeniedException');
      expect(denied.stepFunctions.executions()).toEqual([]);
    } finally {
      client.destroy();
      await denied.stop();
    }
  });

  it('lists executions at GET /_emulator/stepfunctions/executions and counts calls in stats', async () => {
    const answer = await adminFetch(emu, 'GET', `/_emulator/stepfunctions/executions?status=FAILED`);
    expect(answer.status).toBe(200);
    const body = answer.json as { stateMachines: string[]; executions: { name: string; status: string }[] };
    expect(body.stateMachines).toEqual([MACHINE, PLAIN]);
    expect(body.executions.length).toBeGreaterThan(0);
    expect(body.executions.every((e) => e.status === 'FAILED')).toBe(true);
    expect(body.executions.map((e) => e.name)).toContain('plain-1');
    expect(emu.stats.total({ service: 'states', action: 'RedriveExecution' })).toBeGreaterThanOrEqual(4);
    expect(emu.admin('/_emulator/stepfunctions/executions', 'GET').status).toBe(200);
  });
});
