/**
 * The use cases of approval-gated deactivation over in-memory ports: the request's records and
 * notices, the re-check before acting, and acting at most once. Expected values follow from the
 * planted keys and the rules in docs/remediation.md.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { checkKey } from '../../src/app/check-key';
import { proposeDeactivations } from '../../src/app/propose-deactivations';
import { type RemediationPlan, recordRemediation } from '../../src/app/record-remediation';
import { remediateKey } from '../../src/app/remediate-key';
import { silentTelemetry } from '../../src/app/telemetry';
import { RemediationNotConfirmedError, RemediationRoleMissingError } from '../../src/core/errors';
import {
  type ApprovalDecision,
  DEFAULT_REMEDIATION,
  type DeactivationRequest,
  type KeyOutcome,
  type ProposedKey,
} from '../../src/core/remediation';
import { audit, finding } from '../fixtures/audits';
import {
  auditedAccountsOf,
  type MemoryIamAccount,
  type MemoryRemediation,
  memoryRemediation,
  type Notices,
  notices,
  remediationAccountsOf,
} from './memory-remediation';

const A = '111111111111';
const NOW = new Date('2026-12-02T09:00:00Z');
const ID = 'dr-20261202-0a0b0c0d';
const K1 = 'AKIAALICE00000000001';
const K2 = 'AKIABOB0000000000002';
const K3 = 'AKIACAROL00000000003';
const APPROVER = {
  arn: 'arn:aws:iam::999999999999:user/secops',
  account: '999999999999',
  userId: 'AIDASECOPS',
};

function proposed(
  accessKeyId: string,
  userName: string,
  createdAt: string,
  lastUsedAt: string | null,
): ProposedKey {
  return {
    accountId: A,
    accountName: 'prod',
    userName,
    userArn: `arn:aws:iam::${A}:user/${userName}`,
    accessKeyId,
    createdAt,
    lastUsedAt,
    ageDays: 400,
    why: [{ type: 'ROTATION_OVERDUE', days: 400, thresholdDays: 365 }],
    firstReportedAt: '2026-06-01T00:00:00.000Z',
  };
}

const KEYS = [
  proposed(K1, 'alice', '2025-10-28T10:00:00.000Z', '2026-05-01T00:00:00.000Z'),
  proposed(K2, 'bob', '2025-10-28T10:00:00.000Z', null),
  proposed(K3, 'carol', '2025-10-28T10:00:00.000Z', '2026-05-01T00:00:00.000Z'),
];

const REQUEST: DeactivationRequest = {
  schemaVersion: 1,
  requestId: ID,
  createdAt: NOW.toISOString(),
  expiresAt: '2026-12-09T09:00:00.000Z',
  approvalTimeoutSeconds: 604_800,
  auditExecutionArn: 'arn:aws:states:us-east-1:999999999999:execution:AuditOrganization:daily',
  criteria: DEFAULT_REMEDIATION.criteria,
  noticeDays: 7,
  keys: KEYS,
};

function approval(keys: string[]): ApprovalDecision {
  return {
    decision: 'approve',
    requestId: ID,
    approver: APPROVER,
    approvedAt: NOW.toISOString(),
    keys,
    only: null,
    except: [K3],
  };
}

function iam(): Map<string, MemoryIamAccount> {
  const user = (id: string, lastUsed: string | null) => ({
    keys: [{ id, status: 'Active', created: '2025-10-28T10:00:00Z', lastUsed }],
    tags: {} as Record<string, string>,
  });
  return new Map([
    [
      A,
      {
        users: new Map([
          ['alice', user(K1, '2026-05-01T00:00:00.000Z')],
          ['bob', user(K2, null)],
          ['carol', user(K3, '2026-05-01T00:00:00.000Z')],
        ]),
        updates: 0,
      },
    ],
  ]);
}

describe('recordRemediation', () => {
  let records: MemoryRemediation;
  let sent: Notices;
  const deps = () => ({ records, notices: sent, telemetry: silentTelemetry, now: () => NOW });

  beforeEach(async () => {
    records = memoryRemediation();
    sent = notices();
    await records.createRequest(REQUEST, {
      requestId: ID,
      status: 'OPEN',
      createdAt: REQUEST.createdAt,
      expiresAt: REQUEST.expiresAt,
      closedAt: null,
      keys: KEYS.map((k) => ({ accountId: A, accessKeyId: k.accessKeyId })),
      counts: { deactivated: 0, skipped: 0, failed: 0 },
    });
  });

  it('await: keeps the token with its expiry and mails the commands, never the token', async () => {
    const token = 'AAAA-secret-task-token-BBBB';
    await recordRemediation(deps(), {
      step: 'await',
      requestId: ID,
      executionArn: 'arn:aws:states:us-east-1:999999999999:execution:OrgKeyAuditRemediateKeys:dr',
      taskToken: token,
      timeoutSeconds: 3600,
    });
    expect(records.tasks.get(ID)).toMatchObject({ taskToken: token, expiresAt: '2026-12-02T10:00:00.000Z' });
    expect(sent.sent).toHaveLength(1);
    const [notice] = sent.sent;
    expect(notice?.subject).toBe(`[org-key-audit] Approval needed: deactivate 3 keys (${ID})`);
    expect(notice?.body).toContain(`keyaudit approve ${ID}`);
    expect(notice?.body).toContain(`keyaudit reject ${ID} --reason`);
    expect(notice?.body).not.toContain(token);
    expect(notice?.body).not.toMatch(/https?:\/\//);
    expect(notice?.body).not.toContain(K1);
  });

  it('plan: an approval of keys in the request is READY with those keys', async () => {
    const plan = (await recordRemediation(deps(), {
      step: 'plan',
      requestId: ID,
      approval: approval([K1, K2]),
    })) as RemediationPlan;
    expect(plan.status).toBe('READY');
    expect(plan.keys.map((k) => k.accessKeyId)).toEqual([K1, K2]);
    expect(plan.approval?.approver.arn).toBe(APPROVER.arn);
    expect(records.outcomes.size).toBe(0);
  });

  it('plan: a key not in the request refuses the approval, closes the request and changes nothing', async () => {
    const plan = (await recordRemediation(deps(), {
      step: 'plan',
      requestId: ID,
      approval: approval([K1, 'AKIANOTPROPOSED00000']),
    })) as RemediationPlan;
    expect(plan).toMatchObject({ status: 'REFUSED', keys: [] });
    expect(plan.reason).toContain('AKIANOTPROPOSED00000');
    expect(records.outcomes.get(ID)).toMatchObject({ status: 'REFUSED', outcomes: [] });
    expect(records.markers.get(ID)?.status).toBe('REFUSED');
    expect(sent.sent[0]?.subject).toBe(`[org-key-audit] ${ID} refused: nothing was deactivated`);
  });

  it('plan: an output that is not an approval decision is refused', async () => {
    const plan = (await recordRemediation(deps(), {
      step: 'plan',
      requestId: ID,
      approval: { approved: true },
    })) as RemediationPlan;
    expect(plan.status).toBe('REFUSED');
    expect(records.outcomes.get(ID)?.status).toBe('REFUSED');
  });

  it('complete: records each outcome with the approval and counts them on the marker', async () => {
    const outcomes: KeyOutcome[] = [
      {
        accountId: A,
        userName: 'alice',
        accessKeyId: K1,
        action: 'deactivate',
        outcome: 'deactivated',
        at: NOW.toISOString(),
      },
      {
        accountId: A,
        userName: 'bob',
        accessKeyId: K2,
        action: 'deactivate',
        outcome: 'skipped',
        reason: 'used-since-proposal: last used 2026-12-01T00:00:00.000Z, never before',
        at: NOW.toISOString(),
      },
    ];
    await recordRemediation(deps(), {
      step: 'complete',
      requestId: ID,
      outcomes,
      plan: { approval: approval([K1, K2]) },
    });
    expect(records.outcomes.get(ID)).toMatchObject({
      status: 'COMPLETED',
      approval: { approver: APPROVER, keys: [K1, K2] },
      outcomes,
    });
    expect(records.markers.get(ID)).toMatchObject({
      status: 'COMPLETED',
      closedAt: NOW.toISOString(),
      counts: { deactivated: 1, skipped: 1, failed: 0 },
    });
    expect(sent.sent[0]?.subject).toBe(`[org-key-audit] ${ID}: 1 deactivated, 1 skipped, 0 failed`);
    expect(sent.sent[0]?.body).toContain(`approved by ${APPROVER.arn}`);
  });

  it('reactivation: only a key this request deactivated, and only once', async () => {
    const deactivated: KeyOutcome = {
      accountId: A,
      userName: 'alice',
      accessKeyId: K1,
      action: 'deactivate',
      outcome: 'deactivated',
      at: NOW.toISOString(),
    };
    const skipped: KeyOutcome = {
      ...deactivated,
      userName: 'bob',
      accessKeyId: K2,
      outcome: 'skipped',
      reason: 'already-inactive',
    };
    await recordRemediation(deps(), {
      step: 'complete',
      requestId: ID,
      outcomes: [deactivated, skipped],
      plan: { approval: approval([K1, K2]) },
    });
    const ask = (accessKeyId: string) =>
      recordRemediation(deps(), {
        step: 'plan-reactivation',
        requestId: ID,
        accessKeyId,
        requestedBy: APPROVER,
      }) as Promise<RemediationPlan>;
    expect((await ask(K1)).status).toBe('READY');
    expect((await ask(K2)).reason).toContain('was not deactivated by request');
    expect((await ask(K3)).status).toBe('REFUSED');
    await recordRemediation(deps(), {
      step: 'reactivated',
      requestId: ID,
      requestedBy: APPROVER,
      outcome: { ...deactivated, action: 'reactivate', outcome: 'reactivated' },
    });
    expect((await ask(K1)).reason).toContain('already reactivated');
    expect(records.reactivations.map((r) => [r.accessKeyId, r.outcome.outcome])).toEqual([
      [K1, 'reactivated'],
    ]);
  });

  it('retry: only a failed key, and its new outcome replaces the failed one', async () => {
    const failed: KeyOutcome = {
      accountId: A,
      userName: 'alice',
      accessKeyId: K1,
      action: 'deactivate',
      outcome: 'failed',
      error: 'IamThrottledError',
      reason: 'throttled',
      at: NOW.toISOString(),
    };
    const done: KeyOutcome = {
      ...failed,
      userName: 'bob',
      accessKeyId: K2,
      outcome: 'deactivated',
      error: null,
      reason: null,
    };
    await recordRemediation(deps(), {
      step: 'complete',
      requestId: ID,
      outcomes: [failed, done],
      plan: { approval: approval([K1, K2]) },
    });
    const retry = (accessKeyId: string) =>
      recordRemediation(deps(), {
        step: 'plan-retry',
        requestId: ID,
        accessKeyId,
      }) as Promise<RemediationPlan>;
    expect((await retry(K2)).status).toBe('REFUSED');
    const plan = await retry(K1);
    expect(plan.keys.map((k) => k.accessKeyId)).toEqual([K1]);
    await recordRemediation(deps(), {
      step: 'complete',
      requestId: ID,
      outcomes: [{ ...failed, outcome: 'deactivated', error: null, reason: null }],
      plan: { approval: plan.approval },
    });
    const outcome = records.outcomes.get(ID);
    expect(outcome?.outcomes.map((o) => [o.accessKeyId, o.outcome]).sort()).toEqual([
      [K1, 'deactivated'],
      [K2, 'deactivated'],
    ]);
    expect(outcome?.approval?.approver).toEqual(APPROVER);
  });

  it('expired and rejected close the request with nothing changed', async () => {
    await recordRemediation(deps(), { step: 'expired', requestId: ID, closure: { Error: 'States.Timeout' } });
    expect(records.outcomes.get(ID)).toMatchObject({ status: 'EXPIRED', outcomes: [], approval: null });
    const rejection = {
      decision: 'reject',
      requestId: ID,
      approver: APPROVER,
      rejectedAt: NOW.toISOString(),
      reason: 'CI still uses these keys',
    };
    await recordRemediation(deps(), {
      step: 'rejected',
      requestId: ID,
      closure: { Error: 'RequestRejected', Cause: JSON.stringify(rejection) },
    });
    expect(records.outcomes.get(ID)).toMatchObject({
      status: 'REJECTED',
      rejection,
      reason: 'CI still uses these keys',
    });
    expect(sent.sent.map((m) => m.subject)).toEqual([
      `[org-key-audit] ${ID} expired: nothing was deactivated`,
      `[org-key-audit] ${ID} rejected: nothing was deactivated`,
    ]);
  });

  it('refuses a step for a request that does not exist', async () => {
    await expect(
      recordRemediation(deps(), {
        step: 'plan',
        requestId: 'dr-20261202-ffffffff',
        approval: approval([K1]),
      }),
    ).rejects.toThrow(/is not in the report bucket/);
  });
});

describe('checkKey', () => {
  const check = (accounts: Map<string, MemoryIamAccount>, key: ProposedKey, exemptions = []) =>
    checkKey(
      { accounts: auditedAccountsOf(accounts), configExemptions: exemptions, now: () => NOW },
      { requestId: ID, key },
    );

  it('passes a key untouched since its proposal', async () => {
    expect(await check(iam(), KEYS[0] as ProposedKey)).toEqual({
      eligible: true,
      reason: null,
      lastUsedAt: '2026-05-01T00:00:00.000Z',
    });
  });

  it('skips a key used after its proposal', async () => {
    const accounts = iam();
    const alice = accounts.get(A)?.users.get('alice');
    if (alice?.keys[0]) alice.keys[0].lastUsed = '2026-12-02T08:30:00.000Z';
    const result = await check(accounts, KEYS[0] as ProposedKey);
    expect(result.eligible).toBe(false);
    expect(result.reason).toMatch(/^used-since-proposal: /);
  });

  it('skips a key exempted since, by its tag or by the config', async () => {
    const accounts = iam();
    const alice = accounts.get(A)?.users.get('alice');
    if (alice) alice.tags['org-key-audit:exempt'] = 'migration until=2027-01-31';
    expect((await check(accounts, KEYS[0] as ProposedKey)).reason).toMatch(/^exempted-since-proposal: tag/);
    const byConfig = await checkKey(
      {
        accounts: auditedAccountsOf(iam()),
        configExemptions: [{ accountId: A, userName: 'bob', reason: 'vendor', until: '2027-01-01' }],
        now: () => NOW,
      },
      { requestId: ID, key: KEYS[1] as ProposedKey },
    );
    expect(byConfig.reason).toMatch(/^exempted-since-proposal: config exemption: vendor/);
  });

  it('an expired exemption tag does not hold a key back', async () => {
    const accounts = iam();
    const alice = accounts.get(A)?.users.get('alice');
    if (alice) alice.tags['org-key-audit:exempt'] = 'old until=2026-11-30';
    expect((await check(accounts, KEYS[0] as ProposedKey)).eligible).toBe(true);
  });

  it('skips a key whose user or key is gone', async () => {
    const accounts = iam();
    accounts.get(A)?.users.delete('alice');
    expect((await check(accounts, KEYS[0] as ProposedKey)).reason).toMatch(/^key-no-longer-exists/);
  });
});

describe('remediateKey', () => {
  const run = (
    accounts: Map<string, MemoryIamAccount>,
    key: ProposedKey,
    action: 'deactivate' | 'reactivate' = 'deactivate',
    options: Parameters<typeof remediationAccountsOf>[1] = {},
  ) =>
    remediateKey(
      { accounts: remediationAccountsOf(accounts, options), telemetry: silentTelemetry, now: () => NOW },
      { action, requestId: ID, key },
    );
  const status = (accounts: Map<string, MemoryIamAccount>, user: string) =>
    accounts.get(A)?.users.get(user)?.keys[0]?.status;

  it('deactivates the proposed key once: a second attempt is skipped, not repeated', async () => {
    const accounts = iam();
    expect(await run(accounts, KEYS[0] as ProposedKey)).toMatchObject({
      outcome: 'deactivated',
      accessKeyId: K1,
    });
    expect(status(accounts, 'alice')).toBe('Inactive');
    expect(await run(accounts, KEYS[0] as ProposedKey)).toMatchObject({
      outcome: 'skipped',
      reason: 'already-inactive: the key is Inactive',
    });
    expect(accounts.get(A)?.updates).toBe(1);
    expect(await run(accounts, KEYS[0] as ProposedKey, 'reactivate')).toMatchObject({
      outcome: 'reactivated',
    });
    expect(status(accounts, 'alice')).toBe('Active');
  });

  it('skips a rotated key (another id) and a replaced one (another creation date)', async () => {
    const accounts = iam();
    const alice = accounts.get(A)?.users.get('alice');
    if (alice?.keys[0]) alice.keys[0].id = 'AKIAALICENEW00000001';
    expect((await run(accounts, KEYS[0] as ProposedKey)).reason).toMatch(/^key-no-longer-exists/);
    const bob = accounts.get(A)?.users.get('bob');
    if (bob?.keys[0]) bob.keys[0].created = '2026-12-01T00:00:00Z';
    expect((await run(accounts, KEYS[1] as ProposedKey)).reason).toMatch(/^key-replaced/);
    expect(accounts.get(A)?.updates).toBe(0);
  });

  it('changes nothing without the remediation role', async () => {
    const accounts = iam();
    await expect(run(accounts, KEYS[0] as ProposedKey, 'deactivate', { withoutRole: [A] })).rejects.toThrow(
      RemediationRoleMissingError,
    );
    expect(accounts.get(A)?.updates).toBe(0);
    expect(status(accounts, 'alice')).toBe('Active');
  });

  it('fails when the key does not read back with the new status', async () => {
    await expect(run(iam(), KEYS[0] as ProposedKey, 'deactivate', { ignoreUpdates: true })).rejects.toThrow(
      RemediationNotConfirmedError,
    );
  });
});

describe('proposeDeactivations', () => {
  const ARN = 'arn:aws:states:us-east-1:999999999999:execution:AuditOrganization:daily-2026-12-02';
  const overdue = finding({
    accountId: A,
    userName: 'alice',
    userArn: `arn:aws:iam::${A}:user/alice`,
    accessKeyId: K1,
    createdAt: '2025-10-28T10:00:00.000Z',
    ageDays: 400,
    type: 'ROTATION_OVERDUE',
  });
  const changes = {
    comparable: true as const,
    previousExecution: 'daily-2026-12-01',
    previousAt: '2026-12-01T09:00:00.000Z',
    new: [],
    stillOpen: [
      {
        accountId: A,
        userName: 'alice',
        accessKeyId: K1,
        type: 'ROTATION_OVERDUE' as const,
        severity: 'high' as const,
        firstSeenAt: '2026-06-01T00:00:00.000Z',
        daysOpen: 184,
      },
    ],
    resolved: [],
    notRechecked: [],
  };
  const settings = { ...DEFAULT_REMEDIATION, enabled: true };
  const run = (records: MemoryRemediation, proposes = true, executionArn = ARN) =>
    proposeDeactivations(
      { records, settings },
      { executionArn, proposes, audits: [audit({ accountId: A, findings: [overdue] })], changes, now: NOW },
    );

  it('stores one request with its open marker, and a redriven audit finds the same one', async () => {
    const records = memoryRemediation();
    const first = await run(records);
    expect(first.start).toMatchObject({ action: 'deactivate', approvalTimeoutSeconds: 604_800 });
    const id = first.start?.requestId ?? '';
    expect(id).toMatch(/^dr-20261202-[0-9a-f]{8}$/);
    expect(records.requests.get(id)?.keys.map((k) => k.accessKeyId)).toEqual([K1]);
    expect(records.markers.get(id)).toMatchObject({
      status: 'OPEN',
      keys: [{ accountId: A, accessKeyId: K1 }],
    });
    const again = await run(records);
    expect(again.start?.requestId).toBe(id);
    expect(records.requests.size).toBe(1);
  });

  it('the next audit holds the key as awaiting instead of proposing it again', async () => {
    const records = memoryRemediation();
    const first = await run(records);
    const next = await run(records, true, `${ARN}-next`);
    expect(next.start).toBeNull();
    expect(next.report.awaiting.map((a) => [a.key.accessKeyId, a.requestId])).toEqual([
      [K1, first.start?.requestId],
    ]);
  });

  it('a dry run or a partial run proposes nothing', async () => {
    const records = memoryRemediation();
    expect((await run(records, false)).start).toBeNull();
    expect(records.requests.size).toBe(0);
  });

  it('reports a request closed since the last run with each outcome and the approver, and missing roles', async () => {
    const records = memoryRemediation();
    const id = 'dr-20261201-00000001';
    records.markers.set(id, {
      requestId: id,
      status: 'COMPLETED',
      createdAt: '2026-11-25T09:00:00.000Z',
      expiresAt: '2026-12-02T09:00:00.000Z',
      closedAt: '2026-12-01T15:00:00.000Z',
      keys: [],
      counts: { deactivated: 1, skipped: 0, failed: 1 },
    });
    const outcomes: KeyOutcome[] = [
      {
        accountId: A,
        userName: 'x',
        accessKeyId: K3,
        action: 'deactivate',
        outcome: 'deactivated',
        at: '2026-12-01T15:00:00.000Z',
      },
      {
        accountId: '222222222222',
        userName: 'y',
        accessKeyId: K2,
        action: 'deactivate',
        outcome: 'failed',
        error: 'RemediationRoleMissingError',
        reason: 'no role',
        at: '2026-12-01T15:00:00.000Z',
      },
    ];
    records.outcomes.set(id, {
      schemaVersion: 1,
      requestId: id,
      status: 'COMPLETED',
      closedAt: '2026-12-01T15:00:00.000Z',
      approval: { ...approval([K3, K2]), requestId: id },
      rejection: null,
      reason: null,
      outcomes,
    });
    const old = 'dr-20261101-00000002';
    records.markers.set(old, {
      requestId: old,
      status: 'EXPIRED',
      createdAt: '2026-11-01T09:00:00.000Z',
      expiresAt: '2026-11-08T09:00:00.000Z',
      closedAt: '2026-11-08T09:00:00.000Z',
      keys: [],
      counts: { deactivated: 0, skipped: 0, failed: 0 },
    });
    const result = await run(records);
    expect(result.report.closed).toEqual([
      {
        requestId: id,
        status: 'COMPLETED',
        closedAt: '2026-12-01T15:00:00.000Z',
        decidedBy: APPROVER.arn,
        reason: null,
        outcomes,
        reactivations: [],
      },
    ]);
    expect(result.report.roleMissing).toEqual(['222222222222']);
    // Closed 24 days ago: past the 14-day retention, so its marker is gone.
    expect(records.markers.has(old)).toBe(false);
  });

  it('an open request past its expiry no longer holds its keys, and says so', async () => {
    const records = memoryRemediation();
    const stale = 'dr-20261120-00000003';
    records.markers.set(stale, {
      requestId: stale,
      status: 'OPEN',
      createdAt: '2026-11-20T09:00:00.000Z',
      expiresAt: '2026-11-27T09:00:00.000Z',
      closedAt: null,
      keys: [{ accountId: A, accessKeyId: K1 }],
      counts: { deactivated: 0, skipped: 0, failed: 0 },
    });
    const result = await run(records);
    expect(result.start).not.toBeNull();
    expect(result.report.warnings.join('\n')).toContain(`request ${stale} passed its expiry`);
  });

  it('proposes nothing when the open requests cannot be read', async () => {
    const records = memoryRemediation();
    const broken = { ...records, listMarkers: async () => Promise.reject(new Error('AccessDenied')) };
    const result = await proposeDeactivations(
      { records: broken, settings },
      {
        executionArn: ARN,
        proposes: true,
        audits: [audit({ accountId: A, findings: [overdue] })],
        changes,
        now: NOW,
      },
    );
    expect(result.start).toBeNull();
    expect(result.report.warnings[0]).toMatch(/could not be read.*nothing is proposed/);
  });
});
