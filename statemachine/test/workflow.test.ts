import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runWorkflow, type WorkflowTasks } from '../src/runner';
import { NamedError, perTask } from './support/doubles';
import { createFakeAws, type FakeAws } from './support/fake-aws';
import { QUEUES, REPORT_BUCKET, SUBSTITUTIONS } from './support/substitutions';

// Test doubles for the five Lambdas: canned answers, no product logic. They record their events.
const NORMALIZED = { accountIds: null, dryRun: false, thresholds: {}, reason: null };
const SUMMARY = { totals: { accounts: 3 }, note: 'canned summary from the BuildDigest double' };
const EXECUTION_ARN = 'arn:aws:states:us-east-1:000000000000:execution:AuditOrganization:run-1';

let aws: FakeAws;
let calls: Record<string, unknown[]>;
beforeEach(() => {
  aws = createFakeAws(Object.values(QUEUES));
  calls = perTask();
});
afterEach(() => aws.restore());

function doubles(
  ids: readonly string[],
  overrides: Partial<Record<keyof WorkflowTasks, (event: never) => unknown>> = {},
  normalized: object = NORMALIZED,
): WorkflowTasks {
  const record = (name: keyof WorkflowTasks, body: (event: never) => unknown) => async (event: never) => {
    calls[name]?.push(event);
    return body(event);
  };
  return {
    validateInput: record(
      'validateInput',
      overrides.validateInput ?? (() => ({ ok: true, input: normalized })),
    ),
    listAccounts: record(
      'listAccounts',
      overrides.listAccounts ??
        (() => {
          aws.putJson(REPORT_BUCKET, 'runs/run-1/items.json', ids);
          return {
            bucket: REPORT_BUCKET,
            itemsKey: 'runs/run-1/items.json',
            organizationKey: 'runs/run-1/organization.json',
            total: ids.length,
            toAudit: ids.length,
            skipped: 0,
            maxConcurrency: 4,
            maxAuditIterations: 24,
            ownerWarnings: [],
          };
        }),
    ),
    auditAccount: record(
      'auditAccount',
      overrides.auditAccount ??
        ((event: { accountId: string }) => ({
          accountId: event.accountId,
          status: 'AUDITED',
          resultKey: `runs/run-1/accounts/${event.accountId}.json`,
          findings: 1,
        })),
    ),
    buildDigest: record(
      'buildDigest',
      overrides.buildDigest ??
        (() => ({
          subject: '[org-key-audit] test',
          digestKey: 'reports/run-1/digest.txt',
          reportKey: 'reports/run-1/report.json',
          csvKey: 'reports/run-1/report.csv',
          ownerDigestsKey: null,
          summary: SUMMARY,
          remediation: { requestId: null, keys: 0, start: null },
        })),
    ),
    publishDigest: record(
      'publishDigest',
      overrides.publishDigest ?? (() => ({ published: true, messageId: 'm-1', ownerDigests: 0 })),
    ),
    importFindings: record(
      'importFindings',
      overrides.importFindings ?? (() => ({ status: 'DISABLED', imported: 0, archived: 0 })),
    ),
  };
}

function run(tasks: WorkflowTasks, input: unknown = {}, onProgress?: (done: number, total: number) => void) {
  return runWorkflow({
    input,
    executionName: 'run-1',
    tasks,
    s3: aws.s3,
    sqs: aws.sqs,
    substitutions: SUBSTITUTIONS,
    executionFailuresQueueUrl: QUEUES.executionFailures,
    retryDelayMs: 0,
    ...(onProgress ? { onProgress } : {}),
  });
}

describe('workflow: happy path with failing accounts', () => {
  const ids = ['111111111111', '222222222222', '333333333333', '444444444444'];
  const tasks = () =>
    doubles(ids, {
      auditAccount: (event: { accountId: string }) => {
        if (event.accountId === '222222222222') {
          return {
            accountId: event.accountId,
            status: 'FAILED',
            errorName: 'AuditRoleMissingError',
            reason: 'audit role missing',
            resultKey: 'k2',
            findings: 0,
          };
        }
        if (event.accountId === '333333333333') throw new TypeError('crash on purpose');
        if (event.accountId === '444444444444') throw new NamedError('IamThrottledError', 'still throttled');
        return { accountId: event.accountId, status: 'AUDITED', resultKey: 'k1', findings: 1 };
      },
    });

  it('returns the digest summary, publishes once and sends one DLQ message per failed account', async () => {
    const progress: string[] = [];
    const result = await run(tasks(), {}, (done, total) => progress.push(`${done}/${total}`));

    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual(SUMMARY);
    expect(calls['publishDigest']).toEqual([
      {
        dryRun: false,
        subject: '[org-key-audit] test',
        bucket: REPORT_BUCKET,
        digestKey: 'reports/run-1/digest.txt',
        ownerDigestsKey: null,
        // The Security Hub step's outcome (the double answers DISABLED) and the summary for chat.
        securityHub: { status: 'DISABLED', imported: 0, archived: 0 },
        summary: SUMMARY,
      },
    ]);
    expect(progress).toEqual(['1/4', '2/4', '3/4', '4/4']);
    // IamThrottledError: first attempt + MaxAttempts 4 retries, then caught.
    const throttledCalls = calls['auditAccount']?.filter(
      (e) => (e as { accountId: string }).accountId === '444444444444',
    );
    expect(throttledCalls).toHaveLength(5);
    expect(calls['auditAccount']?.[0]).toEqual({
      accountId: '111111111111',
      executionName: 'run-1',
      executionArn: EXECUTION_ARN,
      thresholds: {},
      // The first invocation for an account: nothing to resume.
      continuation: null,
    });

    const rerun = (id: string) => ({ accountIds: [id], thresholds: {}, reason: null });
    const lambdaCause = (type: string, message: string) =>
      JSON.stringify({ errorType: type, errorMessage: message, trace: [] });
    const base = { kind: 'account-failure', executionArn: EXECUTION_ARN, executionName: 'run-1' };
    expect(aws.messages(QUEUES.accountFailures)).toEqual(
      expect.arrayContaining([
        {
          ...base,
          accountId: '222222222222',
          error: 'AuditRoleMissingError',
          cause: 'audit role missing',
          rerunInput: rerun('222222222222'),
        },
        {
          ...base,
          accountId: '333333333333',
          error: 'TypeError',
          cause: lambdaCause('TypeError', 'crash on purpose'),
          rerunInput: rerun('333333333333'),
        },
        {
          ...base,
          accountId: '444444444444',
          error: 'IamThrottledError',
          cause: lambdaCause('IamThrottledError', 'still throttled'),
          rerunInput: rerun('444444444444'),
        },
      ]),
    );
    expect(aws.messages(QUEUES.accountFailures)).toHaveLength(3);
    expect(aws.messages(QUEUES.digestFailures)).toEqual([]);
    expect(aws.messages(QUEUES.executionFailures)).toEqual([]);
  });

  it('hands BuildDigest the Map Run whose results hold one small result per account', async () => {
    await run(tasks());
    const event = calls['buildDigest']?.[0] as {
      map: { ResultWriterDetails: { Bucket: string; Key: string } };
    };
    const manifest = aws.getJson(REPORT_BUCKET, event.map.ResultWriterDetails.Key) as {
      ResultFiles: { SUCCEEDED: { Key: string }[]; FAILED: unknown[] };
    };
    expect(manifest.ResultFiles.FAILED).toEqual([]);
    const entries = aws.getJson(REPORT_BUCKET, manifest.ResultFiles.SUCCEEDED[0]?.Key ?? '') as {
      Output: string;
    }[];
    const outputs = entries.map((entry) => JSON.parse(entry.Output));
    expect(outputs).toEqual([
      { accountId: '111111111111', status: 'AUDITED', resultKey: 'k1', findings: 1 },
      {
        accountId: '222222222222',
        status: 'FAILED',
        errorName: 'AuditRoleMissingError',
        reason: 'audit role missing',
        resultKey: 'k2',
        findings: 0,
      },
      {
        accountId: '333333333333',
        status: 'FAILED',
        errorName: 'TypeError',
        reason: JSON.stringify({ errorType: 'TypeError', errorMessage: 'crash on purpose', trace: [] }),
      },
      {
        accountId: '444444444444',
        status: 'FAILED',
        errorName: 'IamThrottledError',
        reason: JSON.stringify({
          errorType: 'IamThrottledError',
          errorMessage: 'still throttled',
          trace: [],
        }),
      },
    ]);
  });

  it('reports the metrics of the run', async () => {
    const result = await run(tasks());
    // Parent: ExecutionStarted 1 + 5 Lambda tasks x5 (ImportFindings included) + Map 4 + 3 Choices x2
    // (CheckRemediation included: no request, so Done) + Succeed 2 + ExecutionSucceeded 1.
    expect(result.metrics.parentHistoryEvents).toBe(1 + 5 * 5 + 4 + 3 * 2 + 2 + 1);
    // Parent 10 states; each child 3 (AuditAccount, then Choice + Pass, Choice + SQS, or SQS + Pass).
    expect(result.metrics.statesEntered).toBe(10 + 4 * 3);
    expect(result.metrics.childExecutions).toBe(4);
    expect(result.metrics.mapIterations).toBe(4);
    expect(result.metrics.largestPayloadBytes).toBeGreaterThan(0);
  });
});

describe('workflow: dryRun', () => {
  it('builds the digest but publishes nothing', async () => {
    const result = await run(doubles(['111111111111'], {}, { ...NORMALIZED, dryRun: true }), {
      dryRun: true,
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(result.output).toEqual(SUMMARY);
    expect(calls['buildDigest']).toHaveLength(1);
    expect(calls['publishDigest']).toEqual([]);
    expect(result.metrics.parentHistoryEvents).toBe(1 + 3 * 5 + 4 + 2 * 2 + 2 + 1);
  });
});

describe('workflow: bad input', () => {
  it('fails with InvalidInput and the validator cause, audits nothing, and reports the failed execution', async () => {
    const cause = 'dryRun must be true or false, without quotes (got a string)';
    const result = await run(
      doubles([], { validateInput: () => ({ ok: false, error: 'InvalidInput', cause }) }),
      'not an object',
    );
    expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidInput', cause });
    expect(calls['validateInput']).toEqual([{ input: 'not an object' }]);
    expect(calls['listAccounts']).toEqual([]);
    expect(aws.messages(QUEUES.executionFailures)).toEqual([
      {
        kind: 'execution-failure',
        executionArn: EXECUTION_ARN,
        status: 'FAILED',
        error: 'InvalidInput',
        cause,
      },
    ]);
    expect(aws.messages(QUEUES.accountFailures)).toEqual([]);
    expect(aws.messages(QUEUES.digestFailures)).toEqual([]);
  });
});

describe('workflow: digest failures', () => {
  it('sends the digest DLQ message and fails DigestFailed when publishing fails', async () => {
    const result = await run(
      doubles(['111111111111'], {
        publishDigest: () => {
          throw new NamedError('SnsPublishError', 'topic is gone');
        },
      }),
    );
    const cause = JSON.stringify({ errorType: 'SnsPublishError', errorMessage: 'topic is gone', trace: [] });
    expect(result).toMatchObject({ status: 'FAILED', error: 'DigestFailed', cause });
    expect(aws.messages(QUEUES.digestFailures)).toEqual([
      {
        kind: 'digest-failure',
        executionArn: EXECUTION_ARN,
        executionName: 'run-1',
        error: 'SnsPublishError',
        cause,
        input: NORMALIZED,
      },
    ]);
    expect(aws.messages(QUEUES.executionFailures)).toEqual([
      {
        kind: 'execution-failure',
        executionArn: EXECUTION_ARN,
        status: 'FAILED',
        error: 'DigestFailed',
        cause,
      },
    ]);
  });

  it('retries a Lambda service error on BuildDigest and then succeeds', async () => {
    let attempts = 0;
    const result = await run(
      doubles(['111111111111'], {
        buildDigest: () => {
          attempts += 1;
          if (attempts === 1) throw new NamedError('Lambda.TooManyRequestsException', 'Rate exceeded');
          return {
            subject: 's',
            digestKey: 'd',
            reportKey: 'r',
            csvKey: 'c',
            ownerDigestsKey: null,
            summary: SUMMARY,
            remediation: { requestId: null, keys: 0, start: null },
          };
        },
      }),
    );
    expect(result.status).toBe('SUCCEEDED');
    expect(attempts).toBe(2);
  });
});

describe('workflow: organization unreadable', () => {
  it('fails with the ListAccounts error name so the failure says what went wrong', async () => {
    const result = await run(
      doubles([], {
        listAccounts: () => {
          throw new NamedError('OrganizationAccessError', 'not the management account');
        },
      }),
    );
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('OrganizationAccessError');
    expect(calls['auditAccount']).toEqual([]);
  });
});

describe('workflow: scale', () => {
  it('keeps every state payload under 64 KiB and the parent history constant for 1,000 accounts', async () => {
    const ids = Array.from({ length: 1000 }, (_, i) => String(100_000_000_000 + i));
    const result = await run(doubles(ids));
    expect(result.status).toBe('SUCCEEDED');
    expect(result.metrics.childExecutions).toBe(1000);
    expect(result.metrics.largestPayloadBytes).toBeLessThan(64 * 1024);
    expect(result.metrics.parentHistoryEvents).toBe(1 + 5 * 5 + 4 + 3 * 2 + 2 + 1);
  });
});
