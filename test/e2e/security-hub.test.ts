/**
 * Security Hub, end to end: the real ASL and handlers on the emulator, two runs on consecutive
 * simulated days. Day 1 imports every open finding (more than one batch of 100, one batch partly
 * refused once); day 2 updates the same findings instead of adding others, archives the ones whose
 * keys were deleted, and archives nothing of an account that could not be audited. What Security
 * Hub holds is read back with the plain SDK; expected ids follow the documented scheme
 * (README.md, "Integrations"): `org-key-audit/<account>/<user>/<access key id>/<finding type>`.
 */
import { type AwsSecurityFinding, GetFindingsCommand } from '@aws-sdk/client-securityhub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  digestFailuresOf,
  type LocalEnv,
  publishedFor,
  runLocal,
  setFaults,
  startLocalEnv,
} from '../support/local-env';

const MANAGEMENT = '111111111111';
const AUDIT = '222222222222';
const TEAM_A = '333333333333';
const TEAM_B = '444444444444';
const A_USERS = 70;
const B_USERS = 40;
const DELETED = 10;

const names = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(3, '0')}`);
const SPEC = {
  now: '2026-11-02T09:00:00Z',
  accounts: [
    { id: MANAGEMENT, name: 'management' },
    { id: AUDIT, name: 'audit' },
    // Overdue keys, used yesterday: one ROTATION_OVERDUE finding each.
    {
      id: TEAM_A,
      name: 'team-a',
      users: names('a', A_USERS).map((name) => ({ name, keys: [{ ageDays: 120, lastUsedDaysAgo: 1 }] })),
    },
    {
      id: TEAM_B,
      name: 'team-b',
      users: names('b', B_USERS).map((name) => ({ name, keys: [{ ageDays: 150, lastUsedDaysAgo: 2 }] })),
    },
  ],
};

describe('Security Hub import over two days', () => {
  let env: LocalEnv;
  let day1: string;
  let day2: string;
  let afterDay1: AwsSecurityFinding[];
  let afterDay2: AwsSecurityFinding[];
  let activeAfterDay2: AwsSecurityFinding[];
  let day3: string;
  const keyIds = new Map<string, string>();

  async function allFindings(filters: Record<string, unknown> = {}): Promise<AwsSecurityFinding[]> {
    const client = env.operator.securityHubFor(env.emulator.region);
    const found: AwsSecurityFinding[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new GetFindingsCommand({ Filters: filters, MaxResults: 100, NextToken: token }),
      );
      found.push(...(page.Findings ?? []));
      token = page.NextToken;
    } while (token);
    return found;
  }

  beforeAll(async () => {
    env = await startLocalEnv({ preset: 'cases', orgSpec: SPEC });
    for (const account of [TEAM_A, TEAM_B]) {
      for (const user of env.emulator.state.accounts.get(account)?.users ?? []) {
        keyIds.set(`${account}/${user.userName}`, user.keys[0]?.accessKeyId ?? '');
      }
    }
    // Day 1: three findings of the first batch are refused once, then accepted on the retry.
    setFaults(env.emulator, { securityHubFailedFindings: { count: 3 } });
    const first = await runLocal(env, { executionName: 'day-1', securityHub: { enabled: true } });
    day1 = `${first.status} ${first.error ?? ''}`;
    afterDay1 = await allFindings();

    // Day 2: ten of team A's keys deleted; team B cannot be audited.
    env.emulator.admin('/_emulator/clock', 'POST', { now: '2026-11-03T09:00:00Z' });
    env.resetFaults();
    for (const user of names('a', DELETED)) {
      env.emulator.admin(
        `/_emulator/accounts/${TEAM_A}/access-keys/${keyIds.get(`${TEAM_A}/${user}`)}`,
        'DELETE',
      );
    }
    setFaults(env.emulator, { assumeRoleDenied: { accounts: [TEAM_B] } });
    const second = await runLocal(env, { executionName: 'day-2', securityHub: { enabled: true } });
    day2 = `${second.status} ${second.error ?? ''}`;
    afterDay2 = await allFindings();
    activeAfterDay2 = await allFindings({ RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }] });

    // Day 3: Security Hub has been turned off in the audit account; the digest must still go out.
    env.emulator.admin('/_emulator/clock', 'POST', { now: '2026-11-04T09:00:00Z' });
    env.resetFaults();
    setFaults(env.emulator, { securityHubDisabled: { accounts: [AUDIT] } });
    const third = await runLocal(env, { executionName: 'day-3', securityHub: { enabled: true } });
    day3 = `${third.status} ${third.error ?? ''}`;
  }, 240_000);

  afterAll(() => env?.stop());

  const idOf = (account: string, user: string) =>
    `org-key-audit/${account}/${user}/${keyIds.get(`${account}/${user}`)}/ROTATION_OVERDUE`;
  const ids = (findings: readonly AwsSecurityFinding[]) => findings.map((f) => f.Id ?? '').sort();

  it('day 1 imports every open finding once, across batches, the refused ones retried', () => {
    expect(day1.trim()).toBe('SUCCEEDED');
    const expected = [
      ...names('a', A_USERS).map((u) => idOf(TEAM_A, u)),
      ...names('b', B_USERS).map((u) => idOf(TEAM_B, u)),
    ].sort();
    expect(ids(afterDay1)).toEqual(expected);
    for (const f of afterDay1) {
      expect(f.RecordState).toBe('ACTIVE');
      expect(f.Compliance?.Status).toBe('FAILED');
      expect(f.Compliance?.RelatedRequirements).toEqual(['CIS AWS Foundations Benchmark v3.0.0/1.14']);
      // The audit account imports into its own default product; the member account is named.
      expect(f.AwsAccountId).toBe(AUDIT);
      expect(f.ProductArn).toBe(
        `arn:aws:securityhub:${env.emulator.region}:${AUDIT}:product/${AUDIT}/default`,
      );
      expect([TEAM_A, TEAM_B]).toContain(f.ProductFields?.['org-key-audit/MemberAccountId']);
    }
    expect(digestFailuresOf(env.emulator, 'day-1')).toEqual([]);
  });

  it('day 2 updates instead of duplicating, archives the deleted keys, and nothing of the account not audited', () => {
    expect(day2.trim()).toBe('SUCCEEDED');
    // No duplicate: the same 110 ids as on day 1.
    expect(ids(afterDay2)).toEqual(ids(afterDay1));
    const archived = afterDay2.filter((f) => f.RecordState === 'ARCHIVED');
    expect(ids(archived)).toEqual(
      names('a', DELETED)
        .map((u) => idOf(TEAM_A, u))
        .sort(),
    );
    for (const f of archived) expect(f.Compliance?.Status).toBe('PASSED');
    // Team B failed today: its 40 findings stay active, neither re-checked nor archived.
    expect(ids(activeAfterDay2)).toEqual(
      [
        ...names('a', A_USERS)
          .slice(DELETED)
          .map((u) => idOf(TEAM_A, u)),
        ...names('b', B_USERS).map((u) => idOf(TEAM_B, u)),
      ].sort(),
    );
    // The first-seen time survives the update; UpdatedAt moves on.
    const kept = afterDay2.find((f) => f.Id === idOf(TEAM_A, 'a-050'));
    expect(kept?.CreatedAt?.slice(0, 10)).toBe('2026-11-02');
    expect(kept?.UpdatedAt?.slice(0, 10)).toBe('2026-11-03');
  });

  it('a failed import does not cost the digest: it says so, and the DLQ holds the input to import again', () => {
    expect(day3.trim()).toBe('SUCCEEDED');
    const [digest] = publishedFor(env.emulator, 'day-3');
    expect(digest?.message).toContain('SECURITY HUB');
    expect(digest?.message).toMatch(
      /The import of this run's findings into Security Hub failed \(SecurityHubAccessError/,
    );
    expect(digest?.message).toContain('FINDINGS NEEDING ATTENTION');
    const dlq = env.emulator.messaging
      .queueMessages(env.emulator.resources.queues.digestFailures)
      .map((m) => JSON.parse(m.body) as Record<string, unknown>)
      .filter((b) => b['executionName'] === 'day-3');
    expect(dlq).toHaveLength(1);
    expect(dlq[0]).toMatchObject({
      kind: 'findings-import-failure',
      error: 'SecurityHubAccessError',
      input: {
        executionName: 'day-3',
        bucket: env.emulator.resources.reportBucket,
        reportKey: 'reports/day-3/report.json',
      },
    });
  });
});
