/**
 * RedriveExecution in the local runner: a FAILED run's `result.redrive` names the step to rerun
 * (the caught Task, not the Fail state it led to) and its input; redriveWorkflow continues from
 * there under the same execution, and the steps that succeeded before it do not run again.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RedriveRecord, redriveWorkflow, runWorkflow, type WorkflowTasks } from '../src/runner';
import { NamedError, perTask } from './support/doubles';
import { createFakeAws, type FakeAws } from './support/fake-aws';
import { QUEUES, REPORT_BUCKET, SUBSTITUTIONS } from './support/substitutions';

const NORMALIZED = { accountIds: null, dryRun: false, thresholds: {}, reason: null };
const SUMMARY = { totals: { accounts: 2 } };
const IDS = ['111111111111', '222222222222'];
const ITEMS_KEY = 'runs/run-1/items.json';
const EXECUTION_ARN = 'arn:aws:states:us-east-1:000000000000:execution:AuditOrganization:run-1';

type Name = keyof WorkflowTasks;
let aws: FakeAws;
let calls: Record<Name, unknown[]>;
beforeEach(() => {
  aws = createFakeAws(Object.values(QUEUES));
  calls = perTask();
});
afterEach(() => aws.restore());

/** Canned tasks; `overrides` replace one, and every call is recorded with its event. */
function doubles(overrides: Partial<Record<Name, (event: never) => unknown>> = {}): WorkflowTasks {
  const defaults: Record<Name, (event: never) => unknown> = {
    validateInput: () => ({ ok: true, input: NORMALIZED }),
    listAccounts: () => {
      aws.putJson(REPORT_BUCKET, ITEMS_KEY, IDS);
      return listed(ITEMS_KEY);
    },
    auditAccount: (event: { accountId: string }) => ({
      accountId: event.accountId,
      status: 'AUDITED',
      resultKey: `k-${event.accountId}`,
      findings: 0,
    }),
    buildDigest: () => ({
      subject: 's',
      digestKey: 'reports/run-1/digest.txt',
      reportKey: 'reports/run-1/report.json',
      csvKey: 'reports/run-1/report.csv',
      ownerDigestsKey: null,
      summary: SUMMARY,
      remediation: { requestId: null, keys: 0, start: null },
    }),
    publishDigest: () => ({ published: true, messageId: 'm-1', ownerDigests: 0 }),
    importFindings: () => ({ status: 'DISABLED', imported: 0, archived: 0 }),
  };
  const tasks = {} as Record<Name, WorkflowTasks[Name]>;
  for (const name of Object.keys(defaults) as Name[]) {
    const body = overrides[name] ?? defaults[name];
    tasks[name] = async (event: never) => {
      calls[name].push(event);
      return body(event);
    };
  }
  return tasks;
}

function listed(itemsKey: string) {
  return {
    bucket: REPORT_BUCKET,
    itemsKey,
    organizationKey: 'runs/run-1/organization.json',
    total: IDS.length,
    toAudit: IDS.length,
    skipped: 0,
    maxConcurrency: 4,
    maxAuditIterations: 24,
    ownerWarnings: [],
  };
}

const common = () => ({
  s3: aws.s3,
  sqs: aws.sqs,
  substitutions: SUBSTITUTIONS,
  executionFailuresQueueUrl: QUEUES.executionFailures,
  retryDelayMs: 0,
});

const run = (tasks: WorkflowTasks, input: unknown = {}) =>
  runWorkflow({ ...common(), input, executionName: 'run-1', tasks });

const redrive = (tasks: WorkflowTasks, previous: RedriveRecord) =>
  redriveWorkflow({ ...common(), tasks, previous });

function counts(): Record<Name, number> {
  return Object.fromEntries(Object.entries(calls).map(([name, list]) => [name, list.length])) as Record<
    Name,
    number
  >;
}

describe('redrive: a failed PublishDigest', () => {
  it('restarts at PublishDigest (not at DigestFailed) with its input, and reruns nothing before it', async () => {
    let failing = true;
    const tasks = doubles({
      publishDigest: () => {
        if (failing) throw new NamedError('SnsPublishError', 'topic is gone');
        return { published: true, messageId: 'm-2', ownerDigests: 0 };
      },
    });
    const first = await run(tasks, { reason: 'weekly' });
    expect(first).toMatchObject({ status: 'FAILED', error: 'DigestFailed' });
    const record = first.redrive!;
    expect(record).toMatchObject({
      executionArn: EXECUTION_ARN,
      executionName: 'run-1',
      executionInput: { reason: 'weekly' },
      failedState: 'PublishDigest',
      stateError: 'SnsPublishError',
    });
    // The state's input: what BuildDigest and ImportFindings had added, as PublishDigest saw it.
    expect(record.stateInput).toMatchObject({
      input: NORMALIZED,
      digest: { summary: SUMMARY },
      securityHub: { status: 'DISABLED' },
    });
    // Small and JSON-serializable: it survives a round trip unchanged.
    expect(JSON.parse(JSON.stringify(record))).toEqual(record);
    const before = counts();
    expect(before).toMatchObject({ auditAccount: 2, publishDigest: 1 });

    failing = false;
    const second = await redrive(tasks, JSON.parse(JSON.stringify(record)) as RedriveRecord);
    expect(second).toMatchObject({
      status: 'SUCCEEDED',
      executionArn: EXECUTION_ARN,
      executionName: 'run-1',
      output: SUMMARY,
    });
    expect(second.redrive).toBeUndefined();
    expect(counts()).toEqual({ ...before, publishDigest: 2 });
    expect(calls.publishDigest[1]).toEqual(calls.publishDigest[0]);
    // One digest-failure notice (the first attempt's), one execution failure.
    expect(aws.messages(QUEUES.digestFailures)).toHaveLength(1);
    expect(aws.messages(QUEUES.executionFailures)).toHaveLength(1);
  });

  it('still names PublishDigest when the DLQ send after it fails too', async () => {
    aws.queues.delete(QUEUES.digestFailures);
    const tasks = doubles({
      publishDigest: () => {
        throw new NamedError('SnsPublishError', 'topic is gone');
      },
    });
    const first = await run(tasks);
    expect(first).toMatchObject({ status: 'FAILED', error: 'DigestFailed' });
    expect(first.redrive?.failedState).toBe('PublishDigest');
  });

  it('fails again the same way while the fault lasts, and can be redriven again', async () => {
    let failures = 2;
    const tasks = doubles({
      publishDigest: () => {
        if (failures-- > 0) throw new NamedError('SnsPublishError', 'topic is gone');
        return { published: true, messageId: 'm-3', ownerDigests: 0 };
      },
    });
    const first = await run(tasks);
    const second = await redrive(tasks, first.redrive!);
    expect(second).toMatchObject({ status: 'FAILED', error: 'DigestFailed' });
    expect(second.redrive).toEqual(first.redrive);
    const third = await redrive(tasks, second.redrive!);
    expect(third.status).toBe('SUCCEEDED');
    expect(counts()).toMatchObject({ validateInput: 1, listAccounts: 1, auditAccount: 2, buildDigest: 1 });
  });
});

describe('redrive: other failed steps', () => {
  it('a failed Distributed Map (items unreadable) reruns the Map, not ListAccounts', async () => {
    const tasks = doubles({ listAccounts: () => listed('runs/run-1/not-yet.json') });
    const first = await run(tasks);
    expect(first).toMatchObject({ status: 'FAILED', error: 'States.ItemReaderFailed' });
    expect(first.redrive).toMatchObject({
      failedState: 'AuditAccounts',
      stateError: 'States.ItemReaderFailed',
      stateInput: { accounts: { itemsKey: 'runs/run-1/not-yet.json' } },
    });
    expect(calls.auditAccount).toHaveLength(0);

    aws.putJson(REPORT_BUCKET, 'runs/run-1/not-yet.json', IDS);
    const second = await redrive(tasks, first.redrive!);
    expect(second.status).toBe('SUCCEEDED');
    expect(counts()).toMatchObject({ validateInput: 1, listAccounts: 1, auditAccount: 2, buildDigest: 1 });
    // The Map's children still see the execution's own name and ARN.
    expect(calls.auditAccount[0]).toMatchObject({ executionName: 'run-1', executionArn: EXECUTION_ARN });
  });

  it('an uncaught Task failure restarts at that Task with the execution input', async () => {
    let crash = true;
    const tasks = doubles({
      validateInput: () => {
        if (crash) throw new NamedError('Lambda.Unknown', 'boom');
        return { ok: true, input: NORMALIZED };
      },
    });
    const first = await run(tasks, { dryRun: false });
    expect(first.redrive).toMatchObject({ failedState: 'ValidateInput', stateInput: { dryRun: false } });
    crash = false;
    expect((await redrive(tasks, first.redrive!)).status).toBe('SUCCEEDED');
    expect(calls.validateInput).toEqual([{ input: { dryRun: false } }, { input: { dryRun: false } }]);
  });

  it('a Fail state reached without a caught error (InvalidInput) stays the failed step and fails again', async () => {
    const tasks = doubles({ validateInput: () => ({ ok: false, error: 'InvalidInput', cause: 'bad' }) });
    const first = await run(tasks, 'nope');
    expect(first.redrive?.failedState).toBe('InvalidInput');
    const second = await redrive(tasks, first.redrive!);
    expect(second).toMatchObject({ status: 'FAILED', error: 'InvalidInput', cause: 'bad' });
    expect(calls.validateInput).toHaveLength(1);
  });

  it('a SUCCEEDED run has no redrive record; a record for another state machine is refused', async () => {
    const tasks = doubles();
    const done = await run(tasks);
    expect(done.status).toBe('SUCCEEDED');
    expect(done.redrive).toBeUndefined();
    const record: RedriveRecord = {
      executionArn: EXECUTION_ARN,
      executionName: 'run-1',
      stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:AuditOrganization',
      executionInput: {},
      startTime: new Date(0).toISOString(),
      failedState: 'NoSuchState',
      stateInput: {},
    };
    await expect(redrive(tasks, record)).rejects.toThrow(/NoSuchState is not a top-level state/);
    await expect(
      redriveWorkflow({
        ...common(),
        tasks,
        previous: { ...record, failedState: 'PublishDigest' },
        stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Other',
      }),
    ).rejects.toThrow(/not the failed execution's/);
  });
});
