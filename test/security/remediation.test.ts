/**
 * Approval-gated deactivation under attack and under change (docs/remediation.md, "Idempotency
 * and races"): a forged, replayed or expired task token, an approval naming a key that was not
 * proposed, keys used, rotated or exempted between proposal and approval, a member account
 * without the remediation role, and two approvers at once. Each ends with no key changed that
 * should not be, and a message that says why. The real ASLs, handlers and `keyaudit` binary run
 * on the emulator with the synthesized templates' policies enforced; expectations follow from
 * the planted keys and Step Functions' documented token rules (one answer per token, then
 * TaskTimedOut; an unknown token is refused).
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RemediationEnv, startRemediationEnv } from '../support/remediation-env';

const MANAGEMENT = '111111111111';
const AUDIT = '222222222222';
const PROD = '333333333333';
const LEGACY = '444444444444';
const DAY_1 = '2026-11-24T09:00:00Z';
const DAY_9 = '2026-12-02T09:00:00Z';
const DAY_17 = '2026-12-10T09:00:00Z';
const NOT_PROPOSED = 'AKIAIMPOSTOR0000FAKE';

const SPEC = {
  now: DAY_1,
  remediationRole: true,
  accounts: [
    { id: MANAGEMENT, name: 'management' },
    { id: AUDIT, name: 'audit' },
    {
      id: PROD,
      name: 'prod',
      users: ['alice', 'bob', 'carol', 'dave'].map((name) => ({
        name,
        keys: [{ ageDays: 392, lastUsedDaysAgo: 22 }],
      })),
    },
    // The remediation StackSet has not reached this account.
    {
      id: LEGACY,
      name: 'legacy',
      remediationRole: false,
      users: [{ name: 'henry', keys: [{ ageDays: 392, lastUsedDaysAgo: 22 }] }],
    },
  ],
};

type TaskFile = {
  taskToken: string;
  executionArn: string;
  requestId: string;
  issuedAt: string;
  expiresAt: string;
};

describe('approval-gated deactivation: tokens, approvals and changes in between', {
  timeout: 300_000,
}, () => {
  let r: RemediationEnv;
  const taskKey = (id: string) => `remediation/requests/${id}/task.json`;

  async function openRequest(executionName: string): Promise<{ id: string; task: TaskFile }> {
    const report = await r.audit(executionName);
    const id = report.remediation?.opened?.requestId;
    if (id === undefined) throw new Error(`${executionName} opened no request`);
    const task = await eventually(() => r.object<TaskFile>(taskKey(id)));
    return { id, task };
  }
  const sendSuccess = (taskToken: string, output: unknown) => {
    const sfn = r.env.operator.sfn;
    if (sfn === undefined) throw new Error('the operator has no Step Functions client');
    return sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
  };
  const putTask = (task: TaskFile) =>
    r.env.operator.s3.send(
      new PutObjectCommand({
        Bucket: r.env.emulator.resources.reportBucket,
        Key: taskKey(task.requestId),
        Body: JSON.stringify(task),
      }),
    );
  const allActive = () =>
    ['alice', 'bob', 'carol', 'dave'].every((u) => r.keyStatus(PROD, r.keyOf(PROD, u)) === 'Active') &&
    r.keyStatus(LEGACY, r.keyOf(LEGACY, 'henry')) === 'Active';

  beforeAll(async () => {
    r = await startRemediationEnv({ orgSpec: SPEC, enforcePolicies: true });
    await r.audit('day-1');
    r.admin('/_emulator/clock', 'POST', { now: DAY_9 });
  });
  afterAll(async () => {
    await r?.stop();
  });

  describe('the first request: forged, foreign and replayed decisions', () => {
    let id: string;
    let task: TaskFile;
    beforeAll(async () => {
      ({ id, task } = await openRequest('day-9a'));
    });

    it('proposes all five keys, the one without a remediation role too', () => {
      const opened = r.object<{ keys: { userName: string }[] }>(`remediation/requests/${id}/request.json`);
      expect(opened?.keys.map((k) => k.userName).sort()).toEqual(['alice', 'bob', 'carol', 'dave', 'henry']);
    });

    it('a forged token in task.json is refused by Step Functions, and nothing changes', async () => {
      await putTask({ ...task, taskToken: `${task.taskToken.slice(0, 8)}forged` });
      const forged = await r.keyaudit(['approve', id, '--yes']);
      expect(forged.status).toBe(1);
      expect(forged.stderr).toMatch(/not one Step Functions knows|InvalidToken|TaskDoesNotExist/);
      await expect(
        sendSuccess('AAAAforged-token-never-issued', { decision: 'approve' }),
      ).rejects.toMatchObject({
        name: expect.stringMatching(/TaskDoesNotExist|InvalidToken/),
      });
      await putTask(task);
      expect(r.execution(id)?.status).toBe('RUNNING');
      expect(r.updates()).toEqual([]);
    });

    it('keyaudit refuses to approve a key that was not proposed, and sends nothing', async () => {
      const foreign = await r.keyaudit(['approve', id, '--only', NOT_PROPOSED, '--yes']);
      expect(foreign.status).toBe(1);
      expect(foreign.stderr).toContain(NOT_PROPOSED);
      expect(r.execution(id)?.status).toBe('RUNNING');
      expect(r.outcome(id)).toBeNull();
    });

    it('an approval sent around keyaudit that names a foreign key refuses the whole request', async () => {
      const alice = r.keyOf(PROD, 'alice');
      await sendSuccess(task.taskToken, {
        decision: 'approve',
        requestId: id,
        approver: { arn: 'arn:aws:iam::222222222222:user/mallory', account: AUDIT, userId: 'AIDAMALLORY' },
        approvedAt: DAY_9.replace('Z', '.000Z'),
        keys: [alice, NOT_PROPOSED],
        only: null,
        except: null,
      });
      expect((await r.settled(id)).status).toBe('SUCCEEDED');
      const outcome = r.outcome(id);
      expect(outcome?.status).toBe('REFUSED');
      expect(outcome?.reason).toContain(NOT_PROPOSED);
      expect(outcome?.outcomes).toEqual([]);
      expect(r.updates()).toEqual([]);
      expect(allActive()).toBe(true);
    });

    it('the same token replayed is refused (TaskTimedOut), and keyaudit says the request is closed', async () => {
      await expect(sendSuccess(task.taskToken, { decision: 'approve' })).rejects.toMatchObject({
        name: 'TaskTimedOut',
      });
      const late = await r.keyaudit(['approve', id, '--yes']);
      expect(late.status).toBe(1);
      expect(late.stderr).toMatch(/REFUSED|refused|closed/);
      expect(r.updates()).toEqual([]);
    });
  });

  describe('the second request: no decision in time', () => {
    it('expires after 7 days with nothing changed, and a late approval is told so', async () => {
      const { id } = await openRequest('day-9b');
      // Past the 7-day approval timeout: the token closes on the emulator's clock.
      r.admin('/_emulator/clock', 'POST', { now: DAY_17 });
      expect((await r.settled(id)).status).toBe('SUCCEEDED');
      expect(r.outcome(id)?.status).toBe('EXPIRED');
      const late = await r.keyaudit(['approve', id, '--yes']);
      expect(late.status).toBe(1);
      expect(late.stderr).toMatch(/expired/i);
      expect(r.updates()).toEqual([]);
      expect(allActive()).toBe(true);
    });
  });

  describe('the third request: changes between proposal and approval, two approvers at once', () => {
    let id: string;
    let carolsOldKey: string;
    let results: { status: number | null; stdout: string; stderr: string }[];

    beforeAll(async () => {
      ({ id } = await openRequest('day-17'));
      carolsOldKey = r.keyOf(PROD, 'carol');
      // Bob's key is used again, Carol rotates hers, Dave's gets an exemption tag.
      r.admin(`/_emulator/accounts/${PROD}/access-keys/${r.keyOf(PROD, 'bob')}/last-used`, 'POST', {});
      r.admin(`/_emulator/accounts/${PROD}/access-keys/${carolsOldKey}/rotate`, 'POST', {});
      r.admin(`/_emulator/accounts/${PROD}/users/dave/tags`, 'POST', {
        tags: { 'org-key-audit:exempt': 'CHG-1234 migration until=2027-01-31' },
      });
      results = await Promise.all([
        r.keyaudit(['approve', id, '--yes'], 'first'),
        r.keyaudit(['approve', id, '--yes'], 'second'),
      ]);
      await r.settled(id);
    });

    it('exactly one of two concurrent approvals is accepted; the other is told who approved', () => {
      const codes = results.map((x) => x.status).sort();
      expect(codes).toEqual([0, 1]);
      const loser = results.find((x) => x.status === 1);
      const winnerArn = r.outcome(id)?.approval?.approver.arn ?? '';
      expect([r.approverArn('first'), r.approverArn('second')]).toContain(winnerArn);
      expect(loser?.stderr).toContain(winnerArn);
    });

    it('acts only on the unchanged key and says why it skipped each other one', () => {
      const outcome = r.outcome(id);
      expect(outcome?.status).toBe('COMPLETED');
      const byUser = Object.fromEntries(outcome?.outcomes.map((o) => [o.userName, o]) ?? []);
      expect(byUser['alice']?.outcome).toBe('deactivated');
      expect(byUser['bob']).toMatchObject({
        outcome: 'skipped',
        reason: expect.stringMatching(/^used-since-proposal/),
      });
      expect(byUser['carol']).toMatchObject({
        outcome: 'skipped',
        reason: expect.stringMatching(/^key-no-longer-exists/),
      });
      expect(byUser['dave']).toMatchObject({
        outcome: 'skipped',
        reason: expect.stringMatching(
          /^exempted-since-proposal: tag org-key-audit:exempt: CHG-1234 migration/,
        ),
      });
      expect(r.keyStatus(PROD, r.keyOf(PROD, 'alice'))).toBe('Inactive');
      for (const user of ['bob', 'carol', 'dave'])
        expect(r.keyStatus(PROD, r.keyOf(PROD, user))).toBe('Active');
      expect(r.keyOf(PROD, 'carol')).not.toBe(carolsOldKey);
    });

    it('without the remediation role nothing is changed there: failed, with the reason and a DLQ message to retry', () => {
      const henry = r.outcome(id)?.outcomes.find((o) => o.userName === 'henry');
      expect(henry).toMatchObject({ outcome: 'failed', error: 'RemediationRoleMissingError' });
      expect(henry?.reason).toContain(`the remediation role org-key-audit-remediation is missing`);
      expect(r.keyStatus(LEGACY, r.keyOf(LEGACY, 'henry'))).toBe('Active');
      const messages = r.env.emulator.messaging
        .queueMessages(r.env.emulator.resources.queues.remediationFailures)
        .map((m) => JSON.parse(m.body) as Record<string, unknown>);
      expect(messages).toEqual([
        expect.objectContaining({
          kind: 'remediation-key-failure',
          requestId: id,
          accountId: LEGACY,
          accessKeyId: r.keyOf(LEGACY, 'henry'),
          error: 'RemediationRoleMissingError',
          retryInput: { action: 'retry', requestId: id, accessKeyId: r.keyOf(LEGACY, 'henry') },
        }),
      ]);
    });

    it('each key was acted on at most once, by the remediation role only', async () => {
      const again = await r.keyaudit(['approve', id, '--yes'], 'third');
      expect(again.status).toBe(1);
      expect(again.stderr).toMatch(/already approved/);
      const updates = r.updates();
      expect(updates.map((u) => u.userArn)).toEqual([`arn:aws:iam::${PROD}:user/alice`]);
      expect(updates[0]?.callerArn).toContain(':assumed-role/org-key-audit-remediation/');
    });

    it('the policies refused nothing the workflow needed, and nothing outside the catalogue was called', () => {
      expect(r.env.denials).toEqual([]);
      expect(r.env.uncoveredCalls()).toEqual([]);
    });
  });
});

async function eventually<T>(read: () => T | null | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
