/**
 * The child workflow's continuation loop, through the real ASL (audit-organization.asl.json):
 * AuditAccount → CheckAccountResult → CheckIterations → ContinueAudit → AuditAccount... An
 * account that returns CONTINUE is invoked again with the token it returned, until it is done
 * or `maxAuditIterations` (from ListAccounts) invocations have been made; then it is FAILED
 * with AuditIncompleteError and one account-failures DLQ message. The tasks are doubles.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type MapChildProgress, runWorkflow, type WorkflowTasks } from '../src/runner';
import { NamedError, unusedTasks } from './support/doubles';
import { createFakeAws, type FakeAws } from './support/fake-aws';
import { QUEUES, REPORT_BUCKET, SUBSTITUTIONS } from './support/substitutions';

// A dry run: the loop is all this file is about, so nothing after BuildDigest runs.
const NORMALIZED = { accountIds: null, dryRun: true, thresholds: {}, reason: 'daily' };
const EXECUTION_ARN = 'arn:aws:states:us-east-1:000000000000:execution:AuditOrganization:run-1';
const A = '111111111111';
const B = '222222222222';
const checkpointKey = (id: string) => `runs/run-1/checkpoints/${id}.json`;

interface AuditEvent {
  readonly accountId: string;
  readonly continuation: { readonly key: string; readonly iteration: number } | null;
}

let aws: FakeAws;
let auditEvents: AuditEvent[];
beforeEach(() => {
  aws = createFakeAws(Object.values(QUEUES));
  auditEvents = [];
});
afterEach(() => aws.restore());

/** What AuditAccount returns when it has not finished: the token and the flagged users left. */
const continues = (event: AuditEvent, pending: number) => ({
  accountId: event.accountId,
  status: 'CONTINUE',
  continuation: { key: checkpointKey(event.accountId), iteration: (event.continuation?.iteration ?? 0) + 1 },
  pending,
});
const audited = (event: AuditEvent) => ({
  accountId: event.accountId,
  status: 'AUDITED',
  resultKey: `runs/run-1/accounts/${event.accountId}.json`,
  findings: 2,
});

function tasks(
  ids: readonly string[],
  maxAuditIterations: number,
  auditAccount: (event: AuditEvent) => unknown,
): WorkflowTasks {
  return {
    // Any task not named here must not run (support/doubles.ts).
    ...unusedTasks(),
    validateInput: async () => ({ ok: true, input: NORMALIZED }),
    listAccounts: async () => {
      aws.putJson(REPORT_BUCKET, 'runs/run-1/items.json', ids);
      return {
        bucket: REPORT_BUCKET,
        itemsKey: 'runs/run-1/items.json',
        organizationKey: 'runs/run-1/organization.json',
        total: ids.length,
        toAudit: ids.length,
        skipped: 0,
        maxConcurrency: 4,
        maxAuditIterations,
        ownerWarnings: [],
      };
    },
    auditAccount: async (event: never) => {
      auditEvents.push(event);
      return auditAccount(event);
    },
    buildDigest: async () => ({
      subject: '[org-key-audit] test',
      digestKey: 'reports/run-1/digest.txt',
      reportKey: 'reports/run-1/report.json',
      csvKey: 'reports/run-1/report.csv',
      ownerDigestsKey: null,
      summary: { note: 'canned' },
      remediation: { requestId: null, keys: 0, start: null },
    }),
  };
}

async function run(workflowTasks: WorkflowTasks, ids: readonly string[]) {
  const children: MapChildProgress[] = [];
  const result = await runWorkflow({
    input: {},
    executionName: 'run-1',
    tasks: workflowTasks,
    s3: aws.s3,
    sqs: aws.sqs,
    substitutions: SUBSTITUTIONS,
    executionFailuresQueueUrl: QUEUES.executionFailures,
    retryDelayMs: 0,
    onProgress: (_done, _total, child) => children.push(child),
  });
  const outputOf = (id: string) => children.find((c) => c.index === ids.indexOf(id));
  return { result, outputOf };
}

const eventsOf = (id: string) => auditEvents.filter((e) => e.accountId === id);

describe('the continuation loop', () => {
  it('invokes AuditAccount again with each token it returned, until AUDITED', async () => {
    const ids = [A, B];
    const { result, outputOf } = await run(
      tasks(ids, 24, (event) => {
        if (event.accountId === A && (event.continuation?.iteration ?? 0) < 2) return continues(event, 40);
        return audited(event);
      }),
      ids,
    );

    expect(result.status).toBe('SUCCEEDED');
    expect(eventsOf(A)).toEqual([
      {
        accountId: A,
        executionName: 'run-1',
        executionArn: EXECUTION_ARN,
        thresholds: {},
        continuation: null,
      },
      {
        accountId: A,
        executionName: 'run-1',
        executionArn: EXECUTION_ARN,
        thresholds: {},
        continuation: { key: checkpointKey(A), iteration: 1 },
      },
      {
        accountId: A,
        executionName: 'run-1',
        executionArn: EXECUTION_ARN,
        thresholds: {},
        continuation: { key: checkpointKey(A), iteration: 2 },
      },
    ]);
    expect(eventsOf(B).map((e) => e.continuation)).toEqual([null]);
    // The child ends with the finished result, as an account audited in one invocation does.
    expect(outputOf(A)).toEqual({
      index: 0,
      status: 'SUCCEEDED',
      output: audited(eventsOf(A)[2] as AuditEvent),
    });
    expect(outputOf(B)?.output).toEqual(audited(eventsOf(B)[0] as AuditEvent));
    expect(aws.messages(QUEUES.accountFailures)).toEqual([]);
    expect(aws.messages(QUEUES.digestFailures)).toEqual([]);
    expect(aws.messages(QUEUES.executionFailures)).toEqual([]);
  });

  it('stops after maxAuditIterations invocations: FAILED with AuditIncompleteError and one DLQ message', async () => {
    const ids = [A, B];
    const { result, outputOf } = await run(
      tasks(ids, 2, (event) => (event.accountId === A ? continues(event, 1234) : audited(event))),
      ids,
    );

    expect(result.status).toBe('SUCCEEDED');
    expect(eventsOf(A).map((e) => e.continuation)).toEqual([null, { key: checkpointKey(A), iteration: 1 }]);
    const cause =
      `the audit of account ${A} did not finish after 2 AuditAccount invocation(s) (1234 flagged users ` +
      'still to follow up); nothing of it is reported as audited. Raise maxAuditIterations or the ' +
      'AuditAccount timeout, or rerun the account';
    expect(aws.messages(QUEUES.accountFailures)).toEqual([
      {
        kind: 'account-failure',
        executionArn: EXECUTION_ARN,
        executionName: 'run-1',
        accountId: A,
        error: 'AuditIncompleteError',
        cause,
        rerunInput: { accountIds: [A], thresholds: {}, reason: 'daily' },
      },
    ]);
    expect(outputOf(A)).toEqual({
      index: 0,
      status: 'SUCCEEDED',
      output: { accountId: A, status: 'FAILED', errorName: 'AuditIncompleteError', reason: cause },
    });
    // The other account is not held up by it.
    expect(outputOf(B)?.output).toMatchObject({ accountId: B, status: 'AUDITED' });
  });

  it('with maxAuditIterations 1, a CONTINUE is never followed up', async () => {
    const { result, outputOf } = await run(
      tasks([A], 1, (event) => continues(event, 3)),
      [A],
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(auditEvents).toHaveLength(1);
    expect(outputOf(A)?.output).toMatchObject({ status: 'FAILED', errorName: 'AuditIncompleteError' });
    const messages = aws.messages(QUEUES.accountFailures) as { cause: string }[];
    expect(messages).toHaveLength(1);
    expect(messages[0]?.cause).toContain(
      'after 1 AuditAccount invocation(s) (3 flagged users still to follow up)',
    );
  });

  it('a damaged checkpoint (MalformedDataError) fails the account at once, without a retry', async () => {
    const { result, outputOf } = await run(
      tasks([A], 24, (event) => {
        if (event.continuation === null) return continues(event, 10);
        throw new NamedError(
          'MalformedDataError',
          `the audit checkpoint s3://b/${checkpointKey(A)} is not JSON`,
        );
      }),
      [A],
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(auditEvents).toHaveLength(2);
    expect(outputOf(A)?.output).toMatchObject({
      accountId: A,
      status: 'FAILED',
      errorName: 'MalformedDataError',
    });
    const messages = aws.messages(QUEUES.accountFailures) as { error: string; cause: string }[];
    expect(messages.map((m) => m.error)).toEqual(['MalformedDataError']);
    expect(messages[0]?.cause).toContain(checkpointKey(A));
  });

  it('keeps the state small however many invocations and pending users an account has', async () => {
    const small = await run(
      tasks([A], 24, (event) => audited(event)),
      [A],
    );
    auditEvents = [];
    const looping = await run(
      tasks([A], 24, (event) =>
        (event.continuation?.iteration ?? 0) < 20
          ? continues(event, 20_000 - 1000 * (event.continuation?.iteration ?? 0))
          : audited(event),
      ),
      [A],
    );
    expect(auditEvents).toHaveLength(21);
    expect(looping.result.status).toBe('SUCCEEDED');
    // The token is a key and a count: the loop adds a few hundred bytes at most, not per iteration.
    expect(looping.result.metrics.largestPayloadBytes).toBeLessThan(2_048);
    expect(
      looping.result.metrics.largestPayloadBytes - small.result.metrics.largestPayloadBytes,
    ).toBeLessThan(400);
    expect(looping.result.metrics.parentHistoryEvents).toBe(small.result.metrics.parentHistoryEvents);
    // Each further invocation goes CheckAccountResult, CheckIterations, ContinueAudit, AuditAccount.
    expect(looping.result.metrics.statesEntered - small.result.metrics.statesEntered).toBe(20 * 4);
  });
});
