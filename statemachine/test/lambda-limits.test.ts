/**
 * The runner enforces the deployed Lambda limits (src/sizing.ts): each task gets a Lambda-like
 * context counting down from its function's timeout, and one that runs past it fails with
 * Lambda's `Sandbox.Timedout`, which the ASL's Retry and Catch then see by that name.
 */
import type { LambdaContext } from '@org-key-audit/functions/handlers';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { bindLambda, LAMBDA_TIMEOUT_ERROR, type TaskContext } from '../src/bindings';
import { LAMBDA_SIZING, lambdaSizingFor, loadDefinition, type TaskName } from '../src/definition';
import { RunnerConfigError } from '../src/errors';
import type { MapChildProgress } from '../src/runner';
import { runWorkflow, type WorkflowTasks } from '../src/runner';
import { perTask } from './support/doubles';
import { createFakeAws, type FakeAws } from './support/fake-aws';
import { QUEUES, REPORT_BUCKET, SUBSTITUTIONS } from './support/substitutions';

const NORMALIZED = { accountIds: null, dryRun: false, thresholds: {}, reason: null };
const EXECUTION_ARN = 'arn:aws:states:us-east-1:000000000000:execution:AuditOrganization:run-1';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Lambda's error document for a timed-out invocation, with the deployed (unscaled) timeout. */
const timedOutCause = (seconds: number) =>
  new RegExp(
    `^\\{"errorType":"Sandbox\\.Timedout","errorMessage":"RequestId: [0-9a-f-]{36} Error: Task timed out after ${seconds.toFixed(2).replace('.', '\\.')} seconds"\\}$`,
  );

let aws: FakeAws;
let calls: Record<TaskName, unknown[]>;
let contexts: Record<TaskName, TaskContext[]>;
beforeEach(() => {
  aws = createFakeAws(Object.values(QUEUES));
  calls = perTask();
  contexts = perTask();
});
afterEach(() => aws.restore());

type Body = (event: never, context: TaskContext) => unknown;

/** Canned doubles of the five Lambdas (as in workflow.test.ts); each records its event and context. */
function doubles(ids: readonly string[], overrides: Partial<Record<TaskName, Body>> = {}): WorkflowTasks {
  const record =
    (name: TaskName, body: Body) =>
    async (event: never, context?: TaskContext): Promise<unknown> => {
      if (context === undefined) throw new Error(`the runner gave ${name} no context`);
      calls[name].push(event);
      contexts[name].push(context);
      return body(event, context);
    };
  return {
    validateInput: record(
      'validateInput',
      overrides.validateInput ?? (() => ({ ok: true, input: NORMALIZED })),
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
            ownerWarnings: [],
            maxAuditIterations: 3,
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
          findings: 0,
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
          summary: { note: 'canned' },
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

function run(tasks: WorkflowTasks, extra: Partial<Parameters<typeof runWorkflow>[0]> = {}) {
  return runWorkflow({
    input: {},
    executionName: 'run-1',
    tasks,
    s3: aws.s3,
    sqs: aws.sqs,
    substitutions: SUBSTITUTIONS,
    executionFailuresQueueUrl: QUEUES.executionFailures,
    retryDelayMs: 0,
    ...extra,
  });
}

describe('a task that runs past its function timeout', () => {
  it('fails with Sandbox.Timedout at timeout × lambdaTimeScale, quoting the deployed timeout', async () => {
    // ValidateInput: 30 s deployed, 300 ms at a scale of 0.01; the double sleeps well past that.
    const budgetMs = LAMBDA_SIZING.validateInput.timeoutSeconds * 1000 * 0.01;
    let finished = false;
    const started = performance.now();
    const result = await run(
      doubles([], {
        validateInput: async () => {
          await sleep(budgetMs + 500);
          finished = true;
          return { ok: true, input: NORMALIZED };
        },
      }),
      { lambdaTimeScale: 0.01 },
    );
    const elapsed = performance.now() - started;

    expect(result.status).toBe('FAILED');
    expect(result.error).toBe(LAMBDA_TIMEOUT_ERROR);
    expect(result.error).toBe('Sandbox.Timedout');
    expect(result.cause).toMatch(timedOutCause(LAMBDA_SIZING.validateInput.timeoutSeconds));
    expect(JSON.parse(result.cause ?? '{}').errorMessage).toContain(
      `RequestId: ${contexts.validateInput[0]?.awsRequestId} `,
    );
    // Not retried (the ASL retries only Lambda service errors there) and not waited for.
    expect(calls.validateInput).toHaveLength(1);
    expect(elapsed).toBeGreaterThanOrEqual(budgetMs - 5);
    expect(finished).toBe(false);
    expect(aws.messages(QUEUES.executionFailures)).toEqual([
      {
        kind: 'execution-failure',
        executionArn: EXECUTION_ARN,
        status: 'FAILED',
        error: 'Sandbox.Timedout',
        cause: result.cause,
      },
    ]);

    // The handler's late result is ignored: nothing runs after it.
    await sleep(budgetMs + 600 - (performance.now() - started));
    expect(finished).toBe(true);
    expect(calls.listAccounts).toEqual([]);
  });

  it('ignores a late rejection too (no unhandled rejection), and reports the timeout', async () => {
    const task = async () => {
      await sleep(80);
      throw new Error('too late to matter');
    };
    const invoke = bindLambda(task, {
      functionName: 'org-key-audit-build-digest',
      invokedFunctionArn: SUBSTITUTIONS.BuildDigestFunctionArn,
      timeoutSeconds: LAMBDA_SIZING.buildDigest.timeoutSeconds,
      memoryMb: LAMBDA_SIZING.buildDigest.memoryMb,
      timeScale: 0.00005, // 600 s -> 30 ms
    });
    const error = await invoke({ Payload: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('Sandbox.Timedout');
    expect((error as Error).message).toMatch(timedOutCause(600));
    await sleep(120);
  });

  it('is caught by the AuditAccount child: the account DLQ gets it and the account ends FAILED', async () => {
    const ids = ['111111111111', '222222222222', '333333333333'];
    // AuditAccount: 600 s deployed; at 0.002 it has 1.2 s, so the test takes about that long.
    const scale = 0.002;
    let release: () => void = () => undefined;
    const stuck = new Promise<void>((resolve) => {
      release = resolve;
    });
    const children: MapChildProgress[] = [];
    const result = await run(
      doubles(ids, {
        auditAccount: async (event: { accountId: string }) => {
          if (event.accountId === '222222222222') await stuck;
          return { accountId: event.accountId, status: 'AUDITED', resultKey: 'k', findings: 0 };
        },
      }),
      { lambdaTimeScale: scale, onProgress: (_done, _total, child) => children.push(child) },
    );
    release();

    expect(result.status).toBe('SUCCEEDED');
    // Sandbox.Timedout is in none of AuditAccount's Retry lists: one attempt, then the Catch.
    expect(
      calls.auditAccount.filter((e) => (e as { accountId: string }).accountId === '222222222222'),
    ).toHaveLength(1);
    const messages = aws.messages(QUEUES.accountFailures) as Record<string, unknown>[];
    expect(messages).toEqual([
      {
        kind: 'account-failure',
        executionArn: EXECUTION_ARN,
        executionName: 'run-1',
        accountId: '222222222222',
        error: 'Sandbox.Timedout',
        cause: expect.stringMatching(timedOutCause(LAMBDA_SIZING.auditAccount.timeoutSeconds)),
        rerunInput: { accountIds: ['222222222222'], thresholds: {}, reason: null },
      },
    ]);
    const failed = children.find(
      (child) => (child.output as { accountId?: string }).accountId === '222222222222',
    );
    expect(failed?.status).toBe('SUCCEEDED');
    expect(failed?.output).toEqual({
      accountId: '222222222222',
      status: 'FAILED',
      errorName: 'Sandbox.Timedout',
      reason: messages[0]?.['cause'],
    });
    expect(
      children.filter((child) => (child.output as { status?: string }).status === 'AUDITED'),
    ).toHaveLength(2);
  });
});

describe('the context each task gets', () => {
  it('names the function, gives the table’s memory and a fresh request id per invocation', async () => {
    const result = await run(doubles(['111111111111', '222222222222']));
    expect(result.status).toBe('SUCCEEDED');
    const arns: Record<TaskName, string> = {
      validateInput: SUBSTITUTIONS.ValidateInputFunctionArn,
      listAccounts: SUBSTITUTIONS.ListAccountsFunctionArn,
      auditAccount: SUBSTITUTIONS.AuditAccountFunctionArn,
      buildDigest: SUBSTITUTIONS.BuildDigestFunctionArn,
      publishDigest: SUBSTITUTIONS.PublishDigestFunctionArn,
      importFindings: SUBSTITUTIONS.ImportFindingsFunctionArn,
    };
    const ids = new Set<string>();
    for (const name of Object.keys(arns) as TaskName[]) {
      expect(contexts[name].length, name).toBeGreaterThan(0);
      for (const context of contexts[name]) {
        expect(context.memoryLimitInMB, name).toBe(String(LAMBDA_SIZING[name].memoryMb));
        expect(context.invokedFunctionArn, name).toBe(arns[name]);
        expect(context.functionName, name).toBe(arns[name].split(':').at(-1));
        expect(context.awsRequestId, name).toMatch(UUID);
        ids.add(context.awsRequestId);
      }
    }
    expect(ids.size).toBe(Object.values(contexts).reduce((n, list) => n + list.length, 0));
  });

  it('counts getRemainingTimeInMillis() down from timeout × lambdaTimeScale, on a monotonic clock', async () => {
    const scale = 0.01;
    const budgetMs = LAMBDA_SIZING.auditAccount.timeoutSeconds * 1000 * scale; // 6,000 ms
    const readings: number[] = [];
    const result = await run(
      doubles(['111111111111'], {
        auditAccount: async (event: { accountId: string }, context) => {
          readings.push(context.getRemainingTimeInMillis());
          await sleep(60);
          readings.push(context.getRemainingTimeInMillis());
          return { accountId: event.accountId, status: 'AUDITED', resultKey: 'k', findings: 0 };
        },
      }),
      { lambdaTimeScale: scale },
    );
    expect(result.status).toBe('SUCCEEDED');
    const [first = Number.NaN, second = Number.NaN] = readings;
    expect(first).toBeLessThanOrEqual(budgetMs);
    expect(first).toBeGreaterThan(budgetMs - 250);
    expect(second).toBeLessThan(first - 50);
    expect(second).toBeGreaterThan(first - 1000);
  });

  it('counts down from the deployed timeout at the default scale of 1', async () => {
    await run(doubles(['111111111111']));
    const [context] = contexts.publishDigest;
    const remaining = context?.getRemainingTimeInMillis() ?? Number.NaN;
    expect(remaining).toBeLessThanOrEqual(LAMBDA_SIZING.publishDigest.timeoutSeconds * 1000);
    expect(remaining).toBeGreaterThan(LAMBDA_SIZING.publishDigest.timeoutSeconds * 1000 - 5_000);
  });

  it('uses lambdaSizing when given (the owner settings lengthen ListAccounts as CDK does)', async () => {
    const sizing = lambdaSizingFor({
      accountTagKey: 'cost-center',
      accountTags: { maxPerRun: 1000, requestsPerSecond: 5 },
      routedOwners: 1,
    });
    expect(sizing.listAccounts.timeoutSeconds).toBe(540);
    expect(sizing.publishDigest.timeoutSeconds).toBe(120);
    await run(doubles(['111111111111']), { lambdaSizing: sizing });
    const remaining = contexts.listAccounts[0]?.getRemainingTimeInMillis() ?? Number.NaN;
    expect(remaining).toBeGreaterThan(LAMBDA_SIZING.listAccounts.timeoutSeconds * 1000);
    expect(remaining).toBeLessThanOrEqual(540_000);
  });

  it('is the handlers’ LambdaContext, field for field', () => {
    expectTypeOf<TaskContext>().toEqualTypeOf<LambdaContext>();
  });
});

describe('the Task’s own TimeoutSeconds', () => {
  it('still fails the state with States.Timeout when it ends before the function’s timeout', async () => {
    const definition = structuredClone(loadDefinition()) as {
      States: Record<string, Record<string, unknown>>;
    };
    definition.States['ValidateInput'] = { ...definition.States['ValidateInput'], TimeoutSeconds: 1 };
    const result = await run(
      doubles([], {
        validateInput: async () => {
          await sleep(1_400); // inside the function's 30 s, past the Task's 1 s
          return { ok: true, input: NORMALIZED };
        },
      }),
      { definition },
    );
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('States.Timeout');
  });
});

describe('lambdaTimeScale', () => {
  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses %s before anything runs', async (scale) => {
    await expect(run(doubles([]), { lambdaTimeScale: scale })).rejects.toThrow(RunnerConfigError);
    expect(calls.validateInput).toEqual([]);
  });

  it('refuses a scale whose timeouts no timer can wait for', async () => {
    await expect(run(doubles([]), { lambdaTimeScale: 10_000 })).rejects.toThrow(
      /longer than a timer can wait/,
    );
  });
});
