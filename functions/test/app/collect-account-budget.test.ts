/**
 * One account's collection over several invocations (app/collect-account.ts with a TimeBudget,
 * core/continuation.ts). The account is planted (budget-account.ts): ten flagged users among
 * five clean ones; each IAM call costs 10 ms of a 100 ms invocation that keeps a 30 ms margin,
 * so the number of follow-ups each invocation starts follows from arithmetic, not from timers.
 * Follow-ups run one at a time (concurrency 1) wherever a count is asserted.
 */
import { describe, expect, it } from 'vitest';
import { ROOT_USER } from '../../../test/support/credential-report-csv';
import { type CollectStep, collectAccountAudit, collectAccountStep } from '../../src/app/collect-account';
import {
  CHECKPOINT_SCHEMA_VERSION,
  type CollectionCheckpoint,
  parseCheckpoint,
  serializeCheckpoint,
} from '../../src/core/continuation';
import type { AccountAudit, PrincipalCredentials } from '../../src/core/model';
import {
  ACCOUNT,
  CLEAN,
  EXEMPT_USER,
  FLAGGED,
  flaggedIndexes,
  type Invocation,
  invocation,
  keyIdOf,
  OVERDUE_CREATED,
  OWNED_USER,
  perUserSeed,
  REPORT,
  reportSeed,
  request,
  userAt,
} from './budget-account';
import type { MemoryIamSeed } from './memory-iam';

const TIMEOUT_MS = 100;
const MARGIN_MS = 30;
const serial = { ...request, concurrency: 1 };

/** Through the checkpoint's JSON, as the run store keeps it between two invocations. */
function throughJson(checkpoint: CollectionCheckpoint): CollectionCheckpoint {
  const read = parseCheckpoint(serializeCheckpoint(checkpoint), 'test');
  if ('problem' in read) throw new Error(read.problem);
  return read.checkpoint;
}

function checkpointOf(step: CollectStep): CollectionCheckpoint {
  if (step.done) throw new Error('expected the step to stop with a checkpoint');
  return step.checkpoint;
}

interface Chain {
  readonly audit: AccountAudit;
  /** Each stopped invocation's checkpoint, in order. */
  readonly checkpoints: CollectionCheckpoint[];
  /** Each invocation's source, in order. */
  readonly invocations: Invocation[];
}

/** Invokes the collection again and again, each time with a fresh source and a full budget. */
async function untilDone(
  seedFor: (iteration: number) => MemoryIamSeed,
  req: Parameters<typeof collectAccountStep>[1] = serial,
  budgetFor: (inv: Invocation) => ReturnType<Invocation['budget']> = (inv) =>
    inv.budget(TIMEOUT_MS, MARGIN_MS),
): Promise<Chain> {
  const checkpoints: CollectionCheckpoint[] = [];
  const invocations: Invocation[] = [];
  for (let iteration = 1; iteration <= 50; iteration += 1) {
    const inv = invocation(seedFor(iteration));
    invocations.push(inv);
    const last = checkpoints.at(-1);
    const step = await collectAccountStep(inv.source, req, {
      budget: budgetFor(inv),
      ...(last === undefined ? {} : { resume: throughJson(last) }),
    });
    if (step.done) return { audit: step.audit, checkpoints, invocations };
    checkpoints.push(step.checkpoint);
  }
  throw new Error('the collection did not finish in 50 invocations');
}

const allCalls = (invocations: readonly Invocation[]) => invocations.flatMap((inv) => inv.iam.calls);
const sorted = (calls: readonly string[]) => [...calls].sort();

// What the planted account comes to: every flagged user's key is 183 days old (ROTATION_OVERDUE,
// high) with its live id, except user-03's, which its tag exempts; 15 users with one active key each.
const expectedFindings = FLAGGED.filter((u) => u !== EXEMPT_USER)
  .map((userName) => ({ userName, accessKeyId: keyIdOf(userName), type: 'ROTATION_OVERDUE', ageDays: 183 }))
  .sort((a, b) => (a.userName < b.userName ? -1 : 1));
const reportApiCalls = {
  'iam:GetAccountSummary': 1,
  'iam:GetCredentialReport': 1,
  'iam:ListAccessKeys': 10,
  'iam:ListUserTags': 10,
};

describe('collectAccountStep with a time budget (credential report)', () => {
  it('the planted account, collected in one go, is what the rules say', async () => {
    const inv = invocation(reportSeed());
    const audit = await collectAccountAudit(inv.source, serial);
    expect(
      audit.findings.map((f) => ({
        userName: f.userName,
        accessKeyId: f.accessKeyId,
        type: f.type,
        ageDays: f.ageDays,
      })),
    ).toEqual(expectedFindings);
    expect(audit.findings.find((f) => f.userName === OWNED_USER)?.ownerTag).toBe('payments');
    expect(audit.exempted.map((f) => f.userName)).toEqual([EXEMPT_USER]);
    expect(audit.counts).toEqual({
      users: 15,
      activeKeys: 15,
      inactiveKeys: 0,
      findings: 9,
      exempted: 1,
      apiCalls: reportApiCalls,
    });
    expect(inv.iam.calls).toHaveLength(22);
  });

  it('stops starting follow-ups when less than the margin is left, and keeps the rest pending', async () => {
    const inv = invocation(reportSeed());
    const checkpoint = checkpointOf(
      await collectAccountStep(inv.source, serial, { budget: inv.budget(TIMEOUT_MS, MARGIN_MS) }),
    );
    // The report and the summary cost 20 ms; follow-up k (2 calls) is checked at 20 + 20k ms
    // spent: 80 - 20k >= 30 for k = 0, 1, 2. The fourth sees 20 ms left and is not started.
    expect(inv.iam.calls).toEqual([
      'credentialReport',
      'rootAccessKeysPresent',
      'liveAccessKeys user-00',
      'userTags user-00',
      'liveAccessKeys user-01',
      'userTags user-01',
      'liveAccessKeys user-02',
      'userTags user-02',
    ]);
    expect(checkpoint.pending).toEqual(flaggedIndexes.slice(3));
    expect(checkpoint.pending.map(userAt)).toEqual(FLAGGED.slice(3));
    expect(checkpoint).toMatchObject({
      schemaVersion: CHECKPOINT_SCHEMA_VERSION,
      accountId: ACCOUNT,
      strategy: 'credential-report',
      reportGeneratedAt: REPORT.generatedAt.toISOString(),
      reconcile: true,
      rootAccessKeysPresent: false,
      warnings: [],
      apiCalls: {
        'iam:GetAccountSummary': 1,
        'iam:GetCredentialReport': 1,
        'iam:ListAccessKeys': 3,
        'iam:ListUserTags': 3,
      },
    });
    // Every principal of the report is kept, in its order: root, then the 15 users.
    expect(checkpoint.principals.map((p) => p?.userName)).toEqual([
      ROOT_USER,
      ...Array.from({ length: 15 }, (_, i) => userAt(i + 1)),
    ]);
    const followed = checkpoint.principals[flaggedIndexes[0] as number];
    expect(followed?.keys[0]?.accessKeyId).toBe(keyIdOf('user-00'));
    expect(followed?.tags).toEqual({});
    const waiting = checkpoint.principals[flaggedIndexes[3] as number];
    // Still the report's row: no key id and no tags yet.
    expect(waiting?.userName).toBe(EXEMPT_USER);
    expect(waiting?.keys[0]?.accessKeyId).toBeNull();
    expect(waiting?.tags).toBeUndefined();
  });

  it('resumed until done, gives exactly the audit of one unbudgeted run, with no call repeated', async () => {
    const whole = invocation(reportSeed());
    const expected = await collectAccountAudit(whole.source, serial);

    const chain = await untilDone(() => reportSeed());
    // Resumed: no report, no summary; follow-up k is checked at 20k ms: 100 - 20k >= 30 for k <= 3.
    expect(chain.checkpoints.map((c) => c.pending.length)).toEqual([7, 3]);
    expect(chain.invocations.map((inv) => inv.iam.calls.length)).toEqual([8, 8, 6]);
    expect(chain.audit).toEqual(expected);
    expect(chain.audit.counts.apiCalls).toEqual(reportApiCalls);
    expect(chain.checkpoints[1]?.apiCalls).toEqual({
      'iam:GetAccountSummary': 1,
      'iam:GetCredentialReport': 1,
      'iam:ListAccessKeys': 7,
      'iam:ListUserTags': 7,
    });

    const calls = allCalls(chain.invocations);
    expect(sorted(calls)).toEqual(sorted(whole.iam.calls));
    expect(new Set(calls).size).toBe(calls.length);
    expect(calls.filter((c) => c === 'credentialReport')).toHaveLength(1);
    expect(calls.filter((c) => c === 'rootAccessKeysPresent')).toHaveLength(1);
    expect(chain.invocations.slice(1).every((inv) => inv.iam.calls.every((c) => c.includes(' ')))).toBe(true);
    // Clean users are never followed up, in any invocation.
    expect(calls.filter((c) => CLEAN.some((u) => c.endsWith(` ${u}`)))).toEqual([]);
  });

  it('gives the same audit with the default concurrency (4 follow-ups in flight)', async () => {
    const whole = invocation(reportSeed());
    const expected = await collectAccountAudit(whole.source, request);
    const chain = await untilDone(() => reportSeed(), request);
    expect(chain.checkpoints.length).toBeGreaterThan(0);
    expect(chain.audit).toEqual(expected);
    expect(sorted(allCalls(chain.invocations))).toEqual(sorted(whole.iam.calls));
  });

  it('with no time from the start, follows up nobody in the first invocation and still finishes', async () => {
    const whole = invocation(reportSeed());
    const expected = await collectAccountAudit(whole.source, serial);
    const chain = await untilDone(
      () => reportSeed(),
      serial,
      () => ({ remainingMs: () => 0, safetyMarginMs: MARGIN_MS }),
    );
    expect(chain.invocations[0]?.iam.calls).toEqual(['credentialReport', 'rootAccessKeysPresent']);
    expect(chain.checkpoints[0]?.pending).toEqual(flaggedIndexes);
    // Then one follow-up per invocation, each the first pending one.
    expect(chain.checkpoints.map((c) => c.pending.length)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    expect(chain.invocations.slice(1).map((inv) => inv.iam.calls)).toEqual(
      FLAGGED.map((u) => [`liveAccessKeys ${u}`, `userTags ${u}`]),
    );
    expect(chain.audit).toEqual(expected);
  });

  it.each([
    ['one at a time', 1],
    ['four at a time', 4],
  ])(
    'a resume with less than the margin left still starts one follow-up (%s)',
    async (_what, concurrency) => {
      const first = invocation(reportSeed());
      const checkpoint = checkpointOf(
        await collectAccountStep(
          first.source,
          { ...request, concurrency },
          { budget: first.budget(TIMEOUT_MS, MARGIN_MS) },
        ),
      );
      const before = checkpoint.pending;
      expect(before.length).toBeGreaterThan(1);

      const late = invocation(reportSeed());
      const step = await collectAccountStep(
        late.source,
        { ...request, concurrency },
        {
          budget: { remainingMs: () => MARGIN_MS - 1, safetyMarginMs: MARGIN_MS },
          resume: throughJson(checkpoint),
        },
      );
      const next = checkpointOf(step);
      const user = userAt(before[0] as number);
      expect(late.iam.calls).toEqual([`liveAccessKeys ${user}`, `userTags ${user}`]);
      expect(next.pending).toEqual(before.slice(1));
      expect(next.apiCalls['iam:ListAccessKeys']).toBe((checkpoint.apiCalls['iam:ListAccessKeys'] ?? 0) + 1);
    },
  );

  it('keeps the account summary of the first invocation for the last one (root keys it saw)', async () => {
    // The summary says root has keys the report predates: critical, unknown age, in any invocation.
    const seed = (): MemoryIamSeed => ({ ...reportSeed(), rootKeysPresent: true });
    const whole = invocation(seed());
    const expected = await collectAccountAudit(whole.source, serial);
    expect(expected.findings[0]).toMatchObject({
      userName: ROOT_USER,
      type: 'ROOT_ACCESS_KEY',
      ageDays: null,
    });

    const chain = await untilDone(seed);
    expect(chain.checkpoints[0]?.rootAccessKeysPresent).toBe(true);
    expect(chain.audit).toEqual(expected);
    expect(chain.audit.counts.findings).toBe(10);
  });

  it('leaves out a user deleted between two invocations, as the unbudgeted run does', async () => {
    const deleted = 'user-06';
    const whole = invocation(reportSeed([deleted]));
    const expected = await collectAccountAudit(whole.source, serial);
    expect(expected.counts.users).toBe(14);
    expect(expected.findings.map((f) => f.userName)).not.toContain(deleted);

    // user-06 exists in the first invocation (still pending there) and is gone from the second on.
    const chain = await untilDone((iteration) => reportSeed(iteration === 1 ? [] : [deleted]));
    const index = flaggedIndexes[FLAGGED.indexOf(deleted)] as number;
    expect(chain.checkpoints[0]?.pending).toContain(index);
    // Second invocation: user-03, -04, -05 (20 ms each), then user-06's ListAccessKeys says it is
    // gone (10 ms): 30 ms left is not less than the margin, so user-07 starts; then 10 ms left.
    expect(chain.invocations[1]?.iam.calls).toEqual([
      'liveAccessKeys user-03',
      'userTags user-03',
      'liveAccessKeys user-04',
      'userTags user-04',
      'liveAccessKeys user-05',
      'userTags user-05',
      'liveAccessKeys user-06',
      'liveAccessKeys user-07',
      'userTags user-07',
    ]);
    const second = chain.checkpoints[1] as CollectionCheckpoint;
    expect(second.principals[index]).toBeNull();
    expect(throughJson(second).principals[index]).toBeNull();
    expect(second.pending.map(userAt)).toEqual(['user-08', 'user-09']);

    expect(chain.audit).toEqual(expected);
    expect(chain.audit.counts.apiCalls).toEqual({ ...reportApiCalls, 'iam:ListUserTags': 9 });
    expect(sorted(allCalls(chain.invocations))).toEqual(sorted(whole.iam.calls));
  });
});

describe('collectAccountStep with a time budget (user by user)', () => {
  const perUser = { ...serial, strategy: 'per-user' as const };

  it('checkpoints the per-user listing and finishes with the unbudgeted audit', async () => {
    const whole = invocation(perUserSeed());
    const expected = await collectAccountAudit(whole.source, perUser);
    expect(expected.strategy).toBe('per-user');
    expect(expected.counts.apiCalls).toEqual({
      'iam:GetAccountSummary': 1,
      'iam:ListUserTags': 10,
      'iam:ListUsers': 1,
    });

    const chain = await untilDone(() => perUserSeed(), perUser);
    const first = chain.checkpoints[0] as CollectionCheckpoint;
    // The listing and the summary cost 20 ms; a follow-up is one call (tags only: the listing
    // has the key ids): 80 - 10k >= 30 for k <= 5, so six users, four left.
    expect(first).toMatchObject({
      strategy: 'per-user',
      reportGeneratedAt: null,
      reconcile: false,
      warnings: [],
    });
    // No root row in the listing: indexes are the users' own positions.
    const perUserFlagged = flaggedIndexes.map((i) => i - 1);
    expect(first.pending).toEqual(perUserFlagged.slice(6));
    expect(chain.checkpoints).toHaveLength(1);
    expect(chain.invocations[1]?.iam.calls).toEqual(FLAGGED.slice(6).map((u) => `userTags ${u}`));
    expect(chain.audit).toEqual(expected);
    expect(sorted(allCalls(chain.invocations))).toEqual(sorted(whole.iam.calls));
  });

  it('keeps the fallback warning of the first invocation once, when the report is denied', async () => {
    const denied = (): MemoryIamSeed => ({ ...perUserSeed() });
    const whole = invocation(denied());
    const expected = await collectAccountAudit(whole.source, serial);
    expect(expected.strategy).toBe('per-user');
    expect(expected.warnings).toEqual([
      `account ${ACCOUNT}: the credential report could not be used (AccessDenied: not authorized); audited user by user instead`,
    ]);

    const chain = await untilDone(denied);
    expect(chain.checkpoints[0]?.warnings).toEqual(expected.warnings);
    expect(chain.checkpoints[0]?.strategy).toBe('per-user');
    expect(chain.audit).toEqual(expected);
    expect(allCalls(chain.invocations).filter((c) => !c.includes(' '))).toEqual([
      'credentialReport',
      'rootAccessKeysPresent',
      'listPrincipals',
    ]);
  });
});

describe('serializeCheckpoint / parseCheckpoint', () => {
  async function stopped(): Promise<CollectionCheckpoint> {
    const inv = invocation(reportSeed());
    return checkpointOf(
      await collectAccountStep(inv.source, serial, { budget: inv.budget(TIMEOUT_MS, MARGIN_MS) }),
    );
  }

  it('round-trips a checkpoint, dates as Dates, nulls and tags kept', async () => {
    const checkpoint = await stopped();
    const withNull: CollectionCheckpoint = {
      ...checkpoint,
      principals: checkpoint.principals.map((p, i) => (i === flaggedIndexes[1] ? null : p)),
    };
    const text = serializeCheckpoint(withNull);
    const json = JSON.parse(text) as { principals: ({ keys: { createdAt: unknown }[] } | null)[] };
    expect(json.principals[1]?.keys[0]?.createdAt).toBe(OVERDUE_CREATED.toISOString());

    const read = parseCheckpoint(text, 's3://bucket/runs/x/checkpoints/111122223333.json');
    // The report's rows carry more (user_creation_time, mfa_active...): the checkpoint keeps what
    // a PrincipalCredentials holds, which is all the evaluation reads.
    const asPrincipal = (p: PrincipalCredentials | null): PrincipalCredentials | null =>
      p === null
        ? null
        : {
            userName: p.userName,
            userArn: p.userArn,
            isRoot: p.isRoot,
            keys: p.keys,
            ...(p.tags === undefined ? {} : { tags: p.tags }),
          };
    expect(read).toEqual({ checkpoint: { ...withNull, principals: withNull.principals.map(asPrincipal) } });
    if (!('checkpoint' in read)) throw new Error('unreadable');
    const key = read.checkpoint.principals[1]?.keys[0];
    expect(key?.createdAt).toBeInstanceOf(Date);
    expect(key?.createdAt.getTime()).toBe(OVERDUE_CREATED.getTime());
    expect(key?.lastUsedAt).toBeInstanceOf(Date);
    expect(read.checkpoint.principals[flaggedIndexes[1] as number]).toBeNull();
    expect(read.checkpoint.principals[flaggedIndexes[0] as number]?.tags).toEqual({});
    expect(read.checkpoint.principals[0]?.userName).toBe(ROOT_USER);
  });

  it('keeps a never-used key (lastUsedAt null) and a principal without tags', () => {
    const principal: PrincipalCredentials = {
      userName: 'idle',
      userArn: `arn:aws:iam::${ACCOUNT}:user/idle`,
      isRoot: false,
      keys: [
        {
          slot: 2,
          accessKeyId: null,
          status: 'Inactive',
          createdAt: new Date('2025-03-04T05:06:07.089Z'),
          lastUsedAt: null,
          lastUsedService: null,
          lastUsedRegion: null,
        },
      ],
    };
    const checkpoint: CollectionCheckpoint = {
      schemaVersion: CHECKPOINT_SCHEMA_VERSION,
      accountId: ACCOUNT,
      strategy: 'per-user',
      reportGeneratedAt: null,
      reconcile: false,
      principals: [principal],
      pending: [0],
      rootAccessKeysPresent: null,
      warnings: ['w'],
      apiCalls: {},
    };
    const read = parseCheckpoint(serializeCheckpoint(checkpoint), 'here');
    expect(read).toEqual({ checkpoint });
    expect('checkpoint' in read && 'tags' in (read.checkpoint.principals[0] ?? {})).toBe(false);
  });

  const WHERE = 's3://report-bucket/runs/run-1/checkpoints/111122223333.json';
  const problemOf = (text: string) => {
    const read = parseCheckpoint(text, WHERE);
    if (!('problem' in read)) throw new Error('expected the checkpoint to be rejected');
    return read.problem;
  };
  const edited = async (edit: (json: Record<string, unknown>) => void) => {
    const json = JSON.parse(serializeCheckpoint(await stopped())) as Record<string, unknown>;
    edit(json);
    return JSON.stringify(json);
  };

  it('rejects text that is not JSON, naming where', () => {
    expect(problemOf('{"schemaVersion": 1,')).toBe(`the audit checkpoint ${WHERE} is not JSON`);
    expect(problemOf('')).toBe(`the audit checkpoint ${WHERE} is not JSON`);
  });

  it('rejects another schema version, naming where and the field', async () => {
    const problem = problemOf(await edited((j) => (j['schemaVersion'] = 2)));
    expect(problem.startsWith(`the audit checkpoint ${WHERE} is unreadable (schemaVersion: `)).toBe(true);
    expect(problemOf('{}')).toMatch(
      new RegExp(`^the audit checkpoint ${WHERE} is unreadable \\(schemaVersion: `),
    );
    expect(problemOf('null')).toMatch(/is unreadable \(\(root\): /);
  });

  it('rejects a damaged field, naming its path', async () => {
    const badDate = await edited((j) => {
      const principals = j['principals'] as { keys: { createdAt: string }[] }[];
      (principals[1]?.keys[0] as { createdAt: string }).createdAt = 'yesterday';
    });
    expect(problemOf(badDate)).toMatch(
      new RegExp(`^the audit checkpoint ${WHERE} is unreadable \\(principals\\.1\\.keys\\.0\\.createdAt: `),
    );
    const negative = await edited((j) => (j['pending'] = [-1]));
    expect(problemOf(negative)).toMatch(/is unreadable \(pending\.0: /);
    const badAccount = await edited((j) => (j['accountId'] = '42'));
    expect(problemOf(badAccount)).toMatch(/is unreadable \(accountId: /);
  });

  it('rejects a pending index out of range, naming the index', async () => {
    const checkpoint = await stopped();
    expect(checkpoint.principals).toHaveLength(16);
    const text = await edited((j) => (j['pending'] = [5, 16]));
    expect(problemOf(text)).toBe(`the audit checkpoint ${WHERE} names a principal it does not hold (16)`);
  });

  it('rejects a pending index that points at a deleted (null) principal', async () => {
    const text = await edited((j) => {
      (j['principals'] as unknown[])[7] = null;
      j['pending'] = [5, 7, 8];
    });
    expect(problemOf(text)).toBe(`the audit checkpoint ${WHERE} names a principal it does not hold (7)`);
  });

  it('accepts a null principal that nothing points at, and an empty pending list', async () => {
    const text = await edited((j) => {
      (j['principals'] as unknown[])[2] = null;
      j['pending'] = [];
    });
    const read = parseCheckpoint(text, WHERE);
    expect('checkpoint' in read && read.checkpoint.principals[2]).toBeNull();
    expect('checkpoint' in read && read.checkpoint.pending).toEqual([]);
  });
});
