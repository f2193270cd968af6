/**
 * auditAccount over several invocations (app/audit-account.ts): each one that does not finish
 * keeps a checkpoint and returns CONTINUE with a small token; only the finished audit becomes
 * the account's result. The planted account is budget-account.ts's (ten flagged users), each
 * invocation opens a fresh in-memory source as a Lambda invocation does, and its time drops by
 * 10 ms per IAM call out of 100 ms with a 30 ms margin (see collect-account-budget.test.ts for
 * the arithmetic: 3 follow-ups in the first invocation, 4 in each later one).
 */
import { describe, expect, it } from 'vitest';
import { type AuditAccountResult, auditAccount } from '../../src/app/audit-account';
import type { MemberAccounts } from '../../src/app/ports';
import { recordingTelemetry, silentTelemetry } from '../../src/app/telemetry';
import { RunStore } from '../../src/aws/run-store';
import type { ContinuationToken } from '../../src/core/continuation';
import { MalformedDataError } from '../../src/core/errors';
import type { AccountAudit } from '../../src/core/model';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';
import { memoryS3 } from '../handlers/support/memory-s3';
import {
  ACCOUNT,
  EXEMPT_USER,
  FLAGGED,
  type Invocation,
  invocation,
  NOW,
  OWNER_TAG_KEY,
  reportSeed,
} from './budget-account';
import { memoryRecords } from './memory-records';

const EXECUTION = 'daily-2026-12-01';
const CHECKPOINT_KEY = `runs/${EXECUTION}/checkpoints/${ACCOUNT}.json`;
const RESULT_KEY = `runs/${EXECUTION}/accounts/${ACCOUNT}.json`;
const TIMEOUT_MS = 100;
const MARGIN_MS = 30;

/** Member accounts that open a new source per invocation; the latest is the one on the clock. */
function freshMembers(): MemberAccounts & { readonly opened: Invocation[] } {
  const opened: Invocation[] = [];
  return {
    opened,
    open: async ({ accountId }) => {
      expect(accountId).toBe(ACCOUNT);
      const inv = invocation(reportSeed());
      opened.push(inv);
      return inv.source;
    },
  };
}

function setup() {
  const records = memoryRecords({ organization: {} });
  const members = freshMembers();
  const deps = {
    members,
    records,
    exemptions: [],
    telemetry: silentTelemetry,
    now: () => NOW,
    concurrency: 1,
    ownerTagKey: OWNER_TAG_KEY,
  };
  const budget = {
    remainingMs: () => TIMEOUT_MS - (members.opened.at(-1)?.spentMs() ?? 0),
    safetyMarginMs: MARGIN_MS,
  };
  const invoke = (continuation: ContinuationToken | null) =>
    auditAccount(deps, {
      accountId: ACCOUNT,
      executionName: EXECUTION,
      thresholds: DEFAULT_THRESHOLDS,
      continuation,
      budget,
    });
  return { records, members, deps, invoke };
}

const tokenOf = (result: AuditAccountResult): ContinuationToken => {
  if (result.status !== 'CONTINUE') throw new Error(`expected CONTINUE, got ${result.status}`);
  return result.continuation;
};

describe('auditAccount over several invocations', () => {
  it('returns CONTINUE with iteration 1, 2 and the checkpoint key, then AUDITED with the result key', async () => {
    const { records, members, invoke } = setup();

    const first = await invoke(null);
    expect(first).toEqual({
      accountId: ACCOUNT,
      status: 'CONTINUE',
      continuation: { key: CHECKPOINT_KEY, iteration: 1 },
      pending: 7,
    });
    expect([...records.written.keys()]).toEqual([CHECKPOINT_KEY]);

    const second = await invoke(tokenOf(first));
    expect(second).toEqual({
      accountId: ACCOUNT,
      status: 'CONTINUE',
      continuation: { key: CHECKPOINT_KEY, iteration: 2 },
      pending: 3,
    });
    // Nothing of a partial account is its result.
    expect(records.written.has(RESULT_KEY)).toBe(false);
    const kept = JSON.parse(records.written.get(CHECKPOINT_KEY) ?? '{}') as { pending: number[] };
    expect(kept.pending).toHaveLength(3);

    const third = await invoke(tokenOf(second));
    // Nine findings: every flagged user but the one its tag exempts.
    expect(third).toEqual({ accountId: ACCOUNT, status: 'AUDITED', resultKey: RESULT_KEY, findings: 9 });

    const stored = JSON.parse(records.written.get(RESULT_KEY) ?? '{}') as AccountAudit;
    expect(stored).toMatchObject({ accountId: ACCOUNT, status: 'AUDITED', strategy: 'credential-report' });
    expect(stored.exempted.map((f) => f.userName)).toEqual([EXEMPT_USER]);
    expect(stored.findings.map((f) => f.userName)).toEqual(FLAGGED.filter((u) => u !== EXEMPT_USER));
    // The three invocations' calls add up: the report and the summary once, 2 per flagged user.
    expect(stored.counts.apiCalls).toEqual({
      'iam:GetAccountSummary': 1,
      'iam:GetCredentialReport': 1,
      'iam:ListAccessKeys': 10,
      'iam:ListUserTags': 10,
    });
    expect(members.opened.map((inv) => inv.iam.calls.length)).toEqual([8, 8, 6]);
  });

  it('audits in one invocation, with no checkpoint, when no budget is given', async () => {
    const { records, deps } = setup();
    const result = await auditAccount(deps, {
      accountId: ACCOUNT,
      executionName: EXECUTION,
      thresholds: DEFAULT_THRESHOLDS,
    });
    expect(result).toEqual({ accountId: ACCOUNT, status: 'AUDITED', resultKey: RESULT_KEY, findings: 9 });
    expect([...records.written.keys()]).toEqual([RESULT_KEY]);
  });

  it('counts iterations from the token it is given, and logs them', async () => {
    const { records, members, deps } = setup();
    const telemetry = recordingTelemetry();
    const base = {
      accountId: ACCOUNT,
      executionName: EXECUTION,
      thresholds: DEFAULT_THRESHOLDS,
      budget: { remainingMs: () => 0, safetyMarginMs: MARGIN_MS },
    };
    const first = await auditAccount({ ...deps, telemetry }, { ...base, continuation: null });
    expect(tokenOf(first)).toEqual({ key: CHECKPOINT_KEY, iteration: 1 });
    // A token of the 7th invocation: this is the 8th.
    const eighth = await auditAccount(
      { ...deps, telemetry },
      { ...base, continuation: { key: CHECKPOINT_KEY, iteration: 7 } },
    );
    expect(eighth).toMatchObject({
      status: 'CONTINUE',
      continuation: { key: CHECKPOINT_KEY, iteration: 8 },
      pending: 9,
    });
    expect(members.opened[1]?.iam.calls).toEqual(['liveAccessKeys user-00', 'userTags user-00']);
    const continues = telemetry.lines.filter((l) => l.message === 'account audit continues');
    expect(continues.map((l) => (l.attributes as { iteration: number; pending: number }).iteration)).toEqual([
      1, 8,
    ]);
    expect(continues.map((l) => (l.attributes as { pending: number }).pending)).toEqual([10, 9]);
    expect(records.written.has(RESULT_KEY)).toBe(false);
  });

  it('throws MalformedDataError naming the key for a damaged checkpoint, keeping nothing', async () => {
    const { records, members, invoke } = setup();
    const first = await invoke(null);
    records.written.set(CHECKPOINT_KEY, '{"schemaVersion": 1, "accountId": "111122223333"');

    const failure = invoke(tokenOf(first));
    await expect(failure).rejects.toBeInstanceOf(MalformedDataError);
    await expect(failure).rejects.toThrow(`the audit checkpoint ${CHECKPOINT_KEY} is not JSON`);
    expect(records.written.has(RESULT_KEY)).toBe(false);
    // The checkpoint is read before the member account is opened: no IAM call is spent.
    expect(members.opened).toHaveLength(1);
  });

  it('with the S3 run store: a damaged or missing checkpoint is MalformedDataError naming s3://bucket/key', async () => {
    const s3 = memoryS3();
    try {
      const store = new RunStore({ s3: s3.client, bucket: 'report-bucket' });
      const members = freshMembers();
      const deps = {
        members,
        records: store,
        exemptions: [],
        telemetry: silentTelemetry,
        now: () => NOW,
        concurrency: 1,
      };
      const request = {
        accountId: ACCOUNT,
        executionName: EXECUTION,
        thresholds: DEFAULT_THRESHOLDS,
        budget: { remainingMs: () => 0, safetyMarginMs: MARGIN_MS },
      };
      const first = await auditAccount(deps, { ...request, continuation: null });
      expect(tokenOf(first).key).toBe(CHECKPOINT_KEY);
      expect(s3.get('report-bucket', CHECKPOINT_KEY)).toBeDefined();

      // A wrong schema version (a checkpoint of another release).
      const json = JSON.parse(s3.get('report-bucket', CHECKPOINT_KEY) ?? '{}') as Record<string, unknown>;
      s3.put('report-bucket', CHECKPOINT_KEY, { ...json, schemaVersion: 99 });
      const damaged = auditAccount(deps, { ...request, continuation: tokenOf(first) });
      await expect(damaged).rejects.toBeInstanceOf(MalformedDataError);
      await expect(damaged).rejects.toThrow(
        `the audit checkpoint s3://report-bucket/${CHECKPOINT_KEY} is unreadable (schemaVersion: `,
      );

      const missing = auditAccount(deps, {
        ...request,
        continuation: { key: `runs/${EXECUTION}/checkpoints/999999999999.json`, iteration: 1 },
      });
      await expect(missing).rejects.toBeInstanceOf(MalformedDataError);
      await expect(missing).rejects.toThrow(
        `s3://report-bucket/runs/${EXECUTION}/checkpoints/999999999999.json`,
      );
      expect(s3.get('report-bucket', RESULT_KEY)).toBeUndefined();
      expect(members.opened).toHaveLength(1);
    } finally {
      s3.mock.restore();
    }
  });
});
