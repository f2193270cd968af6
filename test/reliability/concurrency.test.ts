/**
 * Concurrency and idempotency (issue 8): two executions at once on one emulator keep their
 * results apart, and the same input run twice gives the same digest, apart from the header's
 * time line and the execution's own name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkInvariants, expectPublished } from '../support/invariants';
import {
  auditedFindingKeys,
  type LocalEnv,
  readOutcome,
  runLocal,
  startLocalEnv,
} from '../support/local-env';

let env: LocalEnv;
beforeAll(async () => {
  env = await startLocalEnv({ preset: 'faults', accounts: 60, seed: 'concurrency' });
}, 60_000);
afterAll(async () => {
  await env?.stop();
});

/** The digest without what legitimately differs between two runs: the time line and the run's name. */
/** The digest without its time line and its CHANGES section (which names the run it compares with). */
function normalized(digest: string, executionName: string): string {
  const lines = digest.split('\n').filter((line) => !line.startsWith('Generated:'));
  const start = lines.findIndex((line) => line.startsWith('CHANGES'));
  const end = start === -1 ? -1 : lines.indexOf('', start);
  const kept = start === -1 ? lines : [...lines.slice(0, start), ...lines.slice(end + 1)];
  return kept.join('\n').replaceAll(executionName, '<execution>');
}

describe('two executions at once', () => {
  it('do not mix their results, DLQ messages or emails', async () => {
    const { emulator } = env;
    const audited = emulator.expected.accounts
      .filter((a) => a.expectedStatus === 'AUDITED')
      .map((a) => a.accountId);
    const roleMissing = emulator.expected.accounts
      .filter((a) => a.expectedStatus === 'FAILED')
      .map((a) => a.accountId);
    // B audits a few accounts (one without the role) with a stricter rotation threshold.
    const chosen = [...audited.slice(0, 5), roleMissing[0] as string];
    const [a, b] = await Promise.all([
      runLocal(env, { executionName: 'concurrent-a', input: {} }),
      runLocal(env, {
        executionName: 'concurrent-b',
        input: {
          accountIds: chosen,
          thresholds: { rotationDueSoonDays: 20, rotationOverdueDays: 30 },
          reason: 'B',
        },
      }),
    ]);
    expect(a.status).toBe('SUCCEEDED');
    expect(b.status).toBe('SUCCEEDED');

    const outA = readOutcome(emulator, 'concurrent-a');
    const outB = readOutcome(emulator, 'concurrent-b');
    // A is a full run and keeps every invariant, although B ran alongside.
    checkInvariants(emulator, outA);
    expectPublished(emulator, 'concurrent-a', outA.digest ?? '');
    expectPublished(emulator, 'concurrent-b', outB.digest ?? '');

    // B reports its own selection only, under its own thresholds.
    const reportB = outB.report;
    if (reportB === null) throw new Error('B wrote no report');
    expect(
      reportB.accounts
        .filter((x) => x.status !== 'SKIPPED')
        .map((x) => x.accountId)
        .sort(),
    ).toEqual([...chosen].sort());
    expect(reportB.thresholds).toMatchObject({ rotationOverdueDays: 30 });
    expect(outA.report?.thresholds).toMatchObject({ rotationOverdueDays: 90 });
    // Each DLQ holds each run's own failure once, tagged with its own execution.
    expect(outB.accountFailures.map((m) => m.accountId)).toEqual([roleMissing[0]]);
    expect(outA.accountFailures.map((m) => m.accountId).sort()).toEqual([...roleMissing].sort());

    // Same account, two runs: A's findings are the planted ones (checked above); B's stricter
    // threshold can only add findings for the same keys, never lose A's overdue ones.
    const byIdA = new Map((outA.report?.accounts ?? []).map((x) => [x.accountId, x]));
    for (const audit of reportB.accounts.filter((x) => x.status === 'AUDITED')) {
      const fromA = byIdA.get(audit.accountId);
      if (fromA === undefined) throw new Error(`A has no ${audit.accountId}`);
      const overdue = (keys: string[]) => keys.filter((k) => k.endsWith('|ROTATION_OVERDUE'));
      expect(overdue(auditedFindingKeys(audit))).toEqual(
        expect.arrayContaining(overdue(auditedFindingKeys(fromA))),
      );
      expect(audit.findings.every((f) => f.accountId === audit.accountId)).toBe(true);
    }
  }, 180_000);
});

describe('the same input twice', () => {
  it('gives the same digest, apart from the time line and the execution name', async () => {
    const input = { reason: 'idempotency check' };
    const first = await runLocal(env, { executionName: 'same-input-1', input });
    const second = await runLocal(env, { executionName: 'same-input-2', input });
    expect(first.status).toBe('SUCCEEDED');
    expect(second.status).toBe('SUCCEEDED');
    const one = readOutcome(env.emulator, 'same-input-1');
    const two = readOutcome(env.emulator, 'same-input-2');
    expect(one.digest).not.toBeNull();
    expect(normalized(two.digest ?? '', 'same-input-2')).toBe(normalized(one.digest ?? '', 'same-input-1'));
    // And the report's accounts (ordering included), which the digest is built from.
    // Call counts are left out: how often GenerateCredentialReport is polled depends on how busy
    // the machine is when the report is being generated, not on the input.
    const withoutCalls = (accounts: readonly { counts: object }[] | undefined) =>
      JSON.stringify(accounts?.map((a) => ({ ...a, counts: { ...a.counts, apiCalls: undefined } })));
    expect(withoutCalls(two.report?.accounts)).toBe(withoutCalls(one.report?.accounts));
    // Nothing changed between the two: the second compares with the first and says so.
    const changes = two.report?.changes;
    if (!changes?.comparable) throw new Error(`the second run must compare: ${JSON.stringify(changes)}`);
    expect(changes.previousExecution).toBe('same-input-1');
    expect([changes.new.length, changes.resolved.length]).toEqual([0, 0]);
    expect(two.digest).toContain('CHANGES SINCE THE LAST FULL RUN (same-input-1,');
  }, 180_000);
});
