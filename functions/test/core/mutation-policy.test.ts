/**
 * The rotation policy (docs/design.md, "Findings"): TWO_ACTIVE_KEYS is reported on the older
 * key; findings come out sorted by severity, then oldest first, then account, user and slot,
 * type last, so two runs over the same keys list them the same way. These cases close gaps
 * mutation testing found (docs/mutation-testing.md).
 */
import { describe, expect, it } from 'vitest';
import type { AccessKeyState, Finding, PrincipalCredentials } from '../../src/core/model';
import {
  compareFindings,
  evaluateAccount,
  evaluatePrincipal,
  type PolicyContext,
} from '../../src/core/policy';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';

const DAY = 86_400_000;
const NOW = new Date('2027-06-15T12:00:00.000Z');
const ACCOUNT = '111122223333';
const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY);
const ctx: PolicyContext = {
  accountId: ACCOUNT,
  now: NOW,
  thresholds: DEFAULT_THRESHOLDS,
  configExemptions: [],
};

function key(slot: 1 | 2, ageDays: number, createdAt = daysAgo(ageDays)): AccessKeyState {
  return {
    slot,
    accessKeyId: `AKIAUSERSLOT${slot}AGE${ageDays}`,
    status: 'Active',
    createdAt,
    lastUsedAt: daysAgo(0),
    lastUsedService: 's3',
    lastUsedRegion: 'eu-west-1',
  };
}

function user(userName: string, keys: AccessKeyState[], tags?: Record<string, string>): PrincipalCredentials {
  return {
    userName,
    userArn: `arn:aws:iam::${ACCOUNT}:user/${userName}`,
    isRoot: false,
    keys,
    ...(tags ? { tags } : {}),
  };
}

const summary = (fs: readonly Finding[]) =>
  fs.map((f) => `${f.userName}/${f.keySlot} ${f.type} ${f.severity}`);

describe('TWO_ACTIVE_KEYS', () => {
  it('with two keys created at the same instant, is reported on slot 1, whatever the listing order', () => {
    const created = daysAgo(10);
    for (const keys of [
      [key(1, 10, created), key(2, 10, created)],
      [key(2, 10, created), key(1, 10, created)],
    ]) {
      const { findings } = evaluatePrincipal(user('alice', keys), ctx);
      expect(findings.filter((f) => f.type === 'TWO_ACTIVE_KEYS').map((f) => f.keySlot)).toEqual([1]);
    }
  });
});

describe('the order of findings', () => {
  it('evaluatePrincipal sorts by severity, not by key: key 2 critical before key 1 high', () => {
    // key 1: 100 days (overdue, high); key 2: 400 days (overdue, critical; the older of two active keys).
    const { findings } = evaluatePrincipal(user('alice', [key(1, 100), key(2, 400)]), ctx);
    expect(summary(findings)).toEqual([
      'alice/2 ROTATION_OVERDUE critical',
      'alice/1 ROTATION_OVERDUE high',
      'alice/2 TWO_ACTIVE_KEYS low',
    ]);
  });

  it('exempted findings are sorted the same way, for one user and across users', () => {
    const tag = { 'org-key-audit:exempt': 'vendor until=2027-12-31' };
    const one = evaluatePrincipal(user('alice', [key(1, 100), key(2, 400)], tag), ctx);
    expect(one.findings).toEqual([]);
    expect(summary(one.exempted)).toEqual([
      'alice/2 ROTATION_OVERDUE critical',
      'alice/1 ROTATION_OVERDUE high',
      'alice/2 TWO_ACTIVE_KEYS low',
    ]);
    const account = evaluateAccount([user('amy', [key(1, 85)], tag), user('bob', [key(1, 400)], tag)], ctx);
    expect(summary(account.exempted)).toEqual([
      'bob/1 ROTATION_OVERDUE critical',
      'amy/1 ROTATION_DUE_SOON low',
    ]);
  });
});

describe('compareFindings', () => {
  const base: Finding = {
    accountId: ACCOUNT,
    userName: 'alice',
    userArn: `arn:aws:iam::${ACCOUNT}:user/alice`,
    accessKeyId: 'AKIAEXAMPLEEXAMPLE01',
    keySlot: 1,
    status: 'Active',
    createdAt: '2027-01-01T00:00:00.000Z',
    ageDays: 100,
    lastUsedAt: null,
    lastUsedService: null,
    type: 'ROTATION_OVERDUE',
    severity: 'high',
  };
  const f = (over: Partial<Finding>): Finding => ({ ...base, ...over });

  /** Every earlier entry sorts strictly before every later one, in both directions. */
  function expectStrictOrder(ordered: readonly Finding[]) {
    for (const [i, a] of ordered.entries()) {
      expect(compareFindings(a, a)).toBe(0);
      for (const b of ordered.slice(i + 1)) {
        expect(Math.sign(compareFindings(a, b)), `${JSON.stringify(a)} before ${JSON.stringify(b)}`).toBe(-1);
        expect(Math.sign(compareFindings(b, a))).toBe(1);
      }
    }
    expect([...ordered].reverse().sort(compareFindings)).toEqual(ordered);
  }

  it('severity first, then the older key first, an unknown age last', () => {
    expectStrictOrder([
      f({ severity: 'critical', ageDays: 10 }),
      f({ severity: 'high', ageDays: 500 }),
      f({ severity: 'high', ageDays: 100 }),
      f({ severity: 'high', ageDays: 0 }),
      f({ severity: 'high', ageDays: null }),
      f({ severity: 'info', ageDays: 900 }),
    ]);
  });

  it('then the account, before the user name', () => {
    expectStrictOrder([
      f({ accountId: '111111111111', userName: 'zed' }),
      f({ accountId: '222222222222', userName: 'amy' }),
    ]);
  });

  it('then the user name, before the slot', () => {
    expectStrictOrder([f({ userName: 'amy', keySlot: 2 }), f({ userName: 'bob', keySlot: 1 })]);
  });

  it('then the slot, a finding without a slot last', () => {
    expectStrictOrder([f({ keySlot: 1 }), f({ keySlot: 2 }), f({ keySlot: null })]);
  });

  it('type last, in the documented order of finding types', () => {
    expectStrictOrder([
      f({ type: 'ROOT_ACCESS_KEY' }),
      f({ type: 'ROTATION_OVERDUE' }),
      f({ type: 'ROTATION_DUE_SOON' }),
      f({ type: 'REMINDER_DAY' }),
      f({ type: 'UNUSED' }),
      f({ type: 'NEVER_USED' }),
      f({ type: 'TWO_ACTIVE_KEYS' }),
      f({ type: 'INACTIVE_KEY_LINGERING' }),
    ]);
  });
});
