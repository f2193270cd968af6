/**
 * Failures that stop the whole run rather than one account (docs/failure-modes.md): the report
 * cannot be written, or the console input is bad. Nothing is emailed, and the run is in the
 * DLQs an operator watches.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalEnv, readOutcome, runLocal, startLocalEnv } from '../support/local-env';

let env: LocalEnv;
const iamCalls = () =>
  env.emulator.stats
    .snapshot()
    .calls.filter((c) => c.service === 'iam' || c.service === 'sts')
    .reduce((sum, c) => sum + c.count, 0);
beforeAll(async () => {
  env = await startLocalEnv({ preset: 'faults', accounts: 30, seed: 'run-failures' });
}, 60_000);
afterAll(async () => {
  await env?.stop();
});

describe('run-level failures', () => {
  it('S3 refusing the report: no email, the digest DLQ and the execution-failures DLQ hold the run', async () => {
    const name = 'report-write-fails';
    env.emulator.messaging.faults.s3WriteFailure = { keyPrefix: `reports/${name}/` };
    try {
      const result = await runLocal(env, { executionName: name });
      expect(result.status).toBe('FAILED');
      expect(result.error).toBe('DigestFailed');
    } finally {
      env.emulator.messaging.faults.s3WriteFailure = false;
    }
    const outcome = readOutcome(env.emulator, name);
    expect(outcome.report).toBeNull();
    expect(outcome.digestFailures).toHaveLength(1);
    expect(outcome.digestFailures[0]).toMatchObject({
      kind: 'digest-failure',
      executionName: name,
      input: { dryRun: false },
    });
    expect(outcome.executionFailures).toHaveLength(1);
    expect(outcome.executionFailures[0]).toMatchObject({
      kind: 'execution-failure',
      status: 'FAILED',
      error: 'DigestFailed',
    });
    expect(env.emulator.messaging.published().filter((m) => m.message.includes(name))).toEqual([]);
  }, 120_000);

  it('bad console input: refused before anything is audited, with the field in the cause', async () => {
    const name = 'bad-input';
    const before = iamCalls();
    const result = await runLocal(env, {
      executionName: name,
      input: { accountIds: ['12345'], dryRun: 'yes' },
    });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('InvalidInput');
    expect(result.cause).toContain('accountIds');
    const after = iamCalls();
    expect(after).toBe(before);
    const outcome = readOutcome(env.emulator, name);
    expect(outcome.report).toBeNull();
    expect(outcome.accountFailures).toEqual([]);
    expect(outcome.executionFailures).toHaveLength(1);
    expect(outcome.executionFailures[0]).toMatchObject({ error: 'InvalidInput' });
    expect(env.emulator.messaging.published()).toEqual([]);
  }, 60_000);
});
