import { describe, expect, it } from 'vitest';
import type { ConfigExemption } from '../../src/core/exemptions';
import type { AccessKeyState, Finding, FindingType, PrincipalCredentials } from '../../src/core/model';
import { evaluateAccount, evaluatePrincipal, type PolicyContext } from '../../src/core/policy';
import type { Thresholds } from '../../src/core/thresholds';

const DAY = 86_400_000;
const NOW = new Date('2027-06-15T12:00:00.000Z');
const ACCOUNT = '111122223333';
const THRESHOLDS: Thresholds = {
  rotationDueSoonDays: 80,
  rotationOverdueDays: 90,
  rotationCriticalDays: 365,
  reminderDays: [90],
  unusedDays: 45,
  neverUsedGraceDays: 7,
  inactiveLingeringDays: 30,
};

const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY);

function key(
  slot: 1 | 2,
  ageDays: number,
  opts: { status?: 'Active' | 'Inactive'; lastUsedDaysAgo?: number | null; id?: string | null } = {},
): AccessKeyState {
  const lastUsed = opts.lastUsedDaysAgo === undefined ? 0 : opts.lastUsedDaysAgo;
  return {
    slot,
    accessKeyId: opts.id === undefined ? `AKIAUSER${slot}KEY${ageDays}` : opts.id,
    status: opts.status ?? 'Active',
    createdAt: daysAgo(ageDays),
    lastUsedAt: lastUsed === null ? null : daysAgo(lastUsed),
    lastUsedService: lastUsed === null ? null : 's3',
    lastUsedRegion: lastUsed === null ? null : 'eu-west-1',
  };
}

function user(userName: string, keys: AccessKeyState[], tags?: Record<string, string>): PrincipalCredentials {
  return {
    userName,
    userArn: `arn:aws:iam::${ACCOUNT}:user/${userName}`,
    isRoot: false,
    keys,
    ...(tags === undefined ? {} : { tags }),
  };
}

function ctx(over: Partial<PolicyContext> = {}): PolicyContext {
  return { accountId: ACCOUNT, now: NOW, thresholds: THRESHOLDS, configExemptions: [], ...over };
}

const types = (fs: readonly Finding[]) => fs.map((f) => f.type);
const typesOf = (p: PrincipalCredentials, c = ctx()): FindingType[] =>
  types(evaluatePrincipal(p, c).findings);

describe('evaluatePrincipal: rotation', () => {
  it.each([
    [79, []],
    [80, ['ROTATION_DUE_SOON']],
    [89, ['ROTATION_DUE_SOON']],
  ])('an active key %i days old gives %j', (age, expected) => {
    expect(typesOf(user('alice', [key(1, age)]))).toEqual(expected);
  });

  it('a key 90 days old is overdue (high) and gets the day-90 reminder (info)', () => {
    const { findings } = evaluatePrincipal(user('alice', [key(1, 90)]), ctx());
    expect(findings.map((f) => [f.type, f.severity])).toEqual([
      ['ROTATION_OVERDUE', 'high'],
      ['REMINDER_DAY', 'info'],
    ]);
  });

  it('a key 91 days old is overdue without a reminder', () => {
    const { findings } = evaluatePrincipal(user('alice', [key(1, 91)]), ctx());
    expect(findings.map((f) => [f.type, f.severity])).toEqual([['ROTATION_OVERDUE', 'high']]);
  });

  it.each([
    [364, 'high'],
    [365, 'critical'],
    [1000, 'critical'],
  ])('an overdue key %i days old has severity %s', (age, severity) => {
    const { findings } = evaluatePrincipal(user('alice', [key(1, age)]), ctx());
    expect(findings).toHaveLength(1);
    expect(findings[0]?.type).toBe('ROTATION_OVERDUE');
    expect(findings[0]?.severity).toBe(severity);
  });

  it('measures age in UTC calendar days: 23:59:59 on day D is one day older than 00:00:01 on D+1', () => {
    const now = new Date('2027-06-15T00:00:30Z');
    // 2027-03-17 -> 2027-06-15 is 14 + 30 + 31 + 15 = 90 days; 2027-03-18 is 89.
    const atNinety = { ...key(1, 0), createdAt: new Date('2027-03-17T23:59:59Z') };
    const atEightyNine = { ...key(2, 0), createdAt: new Date('2027-03-18T00:00:01Z') };
    const a = evaluatePrincipal(user('a', [atNinety]), ctx({ now })).findings;
    const b = evaluatePrincipal(user('b', [atEightyNine]), ctx({ now })).findings;
    expect(a.map((f) => [f.type, f.ageDays])).toEqual([
      ['ROTATION_OVERDUE', 90],
      ['REMINDER_DAY', 90],
    ]);
    expect(b.map((f) => [f.type, f.ageDays])).toEqual([['ROTATION_DUE_SOON', 89]]);
  });

  it('fires a reminder on every configured reminder day, even below the due-soon threshold', () => {
    const t = { ...THRESHOLDS, reminderDays: [30, 90, 180] };
    expect(typesOf(user('a', [key(1, 30)]), ctx({ thresholds: t }))).toEqual(['REMINDER_DAY']);
    expect(typesOf(user('a', [key(1, 31)]), ctx({ thresholds: t }))).toEqual([]);
    expect(typesOf(user('a', [key(1, 180)]), ctx({ thresholds: t }))).toEqual([
      'ROTATION_OVERDUE',
      'REMINDER_DAY',
    ]);
  });
});

describe('evaluatePrincipal: use', () => {
  it.each([
    [44, []],
    [45, ['UNUSED']],
    [60, ['UNUSED']],
  ])('an active 10-day-old key last used %i days ago gives %j', (lastUsed, expected) => {
    expect(typesOf(user('a', [key(1, 10, { lastUsedDaysAgo: lastUsed })]))).toEqual(expected);
  });

  it('UNUSED has severity medium and carries the last use', () => {
    const [f] = evaluatePrincipal(user('a', [key(1, 50, { lastUsedDaysAgo: 46 })]), ctx()).findings;
    expect(f).toMatchObject({
      type: 'UNUSED',
      severity: 'medium',
      lastUsedAt: daysAgo(46).toISOString(),
      lastUsedService: 's3',
    });
  });

  it.each([
    [7, []],
    [8, ['NEVER_USED']],
  ])('an active key %i days old that was never used gives %j', (age, expected) => {
    expect(typesOf(user('a', [key(1, age, { lastUsedDaysAgo: null })]))).toEqual(expected);
  });

  it('a never-used overdue key gets both findings, high before medium', () => {
    const { findings } = evaluatePrincipal(user('a', [key(1, 100, { lastUsedDaysAgo: null })]), ctx());
    expect(findings.map((f) => [f.type, f.severity, f.lastUsedAt])).toEqual([
      ['ROTATION_OVERDUE', 'high', null],
      ['NEVER_USED', 'medium', null],
    ]);
  });
});

describe('evaluatePrincipal: inactive keys', () => {
  it.each([
    [30, []],
    [31, ['INACTIVE_KEY_LINGERING']],
  ])('an inactive key %i days old gives %j', (age, expected) => {
    expect(typesOf(user('a', [key(1, age, { status: 'Inactive' })]))).toEqual(expected);
  });

  it('never counts an inactive key for rotation, use or two-keys, however old or unused', () => {
    const old = key(1, 500, { status: 'Inactive', lastUsedDaysAgo: null });
    const stale = key(2, 90, { status: 'Inactive', lastUsedDaysAgo: 400 });
    const { findings } = evaluatePrincipal(user('a', [old, stale]), ctx());
    expect(findings.map((f) => [f.type, f.severity, f.keySlot])).toEqual([
      ['INACTIVE_KEY_LINGERING', 'info', 1],
      ['INACTIVE_KEY_LINGERING', 'info', 2],
    ]);
  });
});

describe('evaluatePrincipal: two active keys', () => {
  it('gives one TWO_ACTIVE_KEYS finding, attached to the older key even when it is slot 2', () => {
    const newer = key(1, 3, { id: 'AKIANEWER' });
    const older = key(2, 20, { id: 'AKIAOLDER' });
    const { findings } = evaluatePrincipal(user('bob', [newer, older]), ctx());
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      type: 'TWO_ACTIVE_KEYS',
      severity: 'low',
      keySlot: 2,
      accessKeyId: 'AKIAOLDER',
      ageDays: 20,
    });
  });

  it('is not raised when one of the two keys is inactive', () => {
    expect(typesOf(user('bob', [key(1, 3), key(2, 20, { status: 'Inactive' })]))).toEqual([]);
  });
});

describe('evaluatePrincipal: root', () => {
  const root = (keys: AccessKeyState[]): PrincipalCredentials => ({
    userName: '<root_account>',
    userArn: `arn:aws:iam::${ACCOUNT}:root`,
    isRoot: true,
    keys,
  });

  it('gives only ROOT_ACCESS_KEY (critical), one per key, active or not', () => {
    const keys = [key(1, 400, { lastUsedDaysAgo: null }), key(2, 2, { status: 'Inactive' })];
    const { findings } = evaluatePrincipal(root(keys), ctx());
    expect(findings.map((f) => [f.type, f.severity, f.keySlot, f.status])).toEqual([
      ['ROOT_ACCESS_KEY', 'critical', 1, 'Active'],
      ['ROOT_ACCESS_KEY', 'critical', 2, 'Inactive'],
    ]);
  });

  it('gives nothing for a root user without keys', () => {
    expect(evaluatePrincipal(root([]), ctx()).findings).toEqual([]);
  });
});

describe('evaluatePrincipal: finding shape', () => {
  it('carries ISO strings, the age, the key and the account', () => {
    const k = key(1, 100, { id: 'AKIAEXAMPLEKEY01', lastUsedDaysAgo: 2 });
    const [f] = evaluatePrincipal(user('carol', [k]), ctx()).findings;
    expect(f).toEqual({
      accountId: ACCOUNT,
      userName: 'carol',
      userArn: `arn:aws:iam::${ACCOUNT}:user/carol`,
      accessKeyId: 'AKIAEXAMPLEKEY01',
      keySlot: 1,
      status: 'Active',
      createdAt: '2027-03-07T12:00:00.000Z',
      ageDays: 100,
      lastUsedAt: '2027-06-13T12:00:00.000Z',
      lastUsedService: 's3',
      type: 'ROTATION_OVERDUE',
      severity: 'high',
    });
  });
});

describe('evaluatePrincipal: exemptions', () => {
  const overdue = () => [key(1, 100)];

  it('moves every finding of a user with a valid tag to exempted', () => {
    const p = user('dave', [key(1, 90), key(2, 40, { status: 'Inactive' })], {
      'org-key-audit:exempt': 'vendor sync;until=2027-06-15',
    });
    const outcome = evaluatePrincipal(p, ctx());
    expect(outcome.findings).toEqual([]);
    // Both info findings sort oldest first: the 90-day reminder before the 40-day inactive key.
    expect(types(outcome.exempted)).toEqual(['ROTATION_OVERDUE', 'REMINDER_DAY', 'INACTIVE_KEY_LINGERING']);
    expect(
      outcome.exempted.every((f) => f.exemption?.source === 'tag' && f.exemption.until === '2027-06-15'),
    ).toBe(true);
    expect(outcome.warnings).toEqual([]);
  });

  it('stops applying an expired tag and warns, naming the user', () => {
    const p = user('dave', overdue(), { 'org-key-audit:exempt': 'vendor sync;until=2027-06-14' });
    const outcome = evaluatePrincipal(p, ctx());
    expect(types(outcome.findings)).toEqual(['ROTATION_OVERDUE']);
    expect(outcome.exempted).toEqual([]);
    expect(outcome.warnings).toHaveLength(1);
    expect(outcome.warnings[0]).toContain('user dave');
    expect(outcome.warnings[0]).toContain('expired on 2027-06-14');
  });

  it('keeps the findings of a user with a malformed tag and warns with the user and the problem', () => {
    const p = user('erin', overdue(), { 'org-key-audit:exempt': 'forever' });
    const outcome = evaluatePrincipal(p, ctx());
    expect(types(outcome.findings)).toEqual(['ROTATION_OVERDUE']);
    expect(outcome.exempted).toEqual([]);
    expect(outcome.warnings).toHaveLength(1);
    expect(outcome.warnings[0]).toMatch(/^account 111122223333 user erin: .*"forever" has no expiry date/);
  });

  it('ignores other tags', () => {
    const outcome = evaluatePrincipal(user('f', overdue(), { team: 'data' }), ctx());
    expect(types(outcome.findings)).toEqual(['ROTATION_OVERDUE']);
    expect(outcome.warnings).toEqual([]);
  });

  it('applies a config exemption for the account and user', () => {
    const configExemptions: ConfigExemption[] = [
      { accountId: ACCOUNT, userName: 'gina', reason: 'break-glass', until: '2027-12-31' },
    ];
    const outcome = evaluatePrincipal(user('gina', overdue()), ctx({ configExemptions }));
    expect(outcome.findings).toEqual([]);
    expect(outcome.exempted.map((f) => f.exemption)).toEqual([
      { source: 'config', reason: 'break-glass', until: '2027-12-31' },
    ]);
  });

  it('applies a key-specific config exemption to that key only', () => {
    const configExemptions: ConfigExemption[] = [
      {
        accountId: ACCOUNT,
        userName: 'hal',
        accessKeyId: 'AKIAEXEMPT',
        reason: 'migration',
        until: '2027-07-01',
      },
    ];
    const p = user('hal', [key(1, 100, { id: 'AKIAEXEMPT' }), key(2, 95, { id: 'AKIAOTHER' })]);
    const outcome = evaluatePrincipal(p, ctx({ configExemptions }));
    expect(outcome.findings.map((f) => [f.type, f.accessKeyId])).toEqual([['ROTATION_OVERDUE', 'AKIAOTHER']]);
    // TWO_ACTIVE_KEYS is attached to the older key (AKIAEXEMPT), so it is exempted with it.
    expect(outcome.exempted.map((f) => [f.type, f.accessKeyId])).toEqual([
      ['ROTATION_OVERDUE', 'AKIAEXEMPT'],
      ['TWO_ACTIVE_KEYS', 'AKIAEXEMPT'],
    ]);
  });

  it('does not apply a config exemption for another account, and warns once about an expired one', () => {
    const configExemptions: ConfigExemption[] = [
      { accountId: '999988887777', userName: 'ivy', reason: 'elsewhere', until: '2027-12-31' },
      { accountId: ACCOUNT, userName: 'ivy', reason: 'old', until: '2027-01-01' },
    ];
    const p = user('ivy', [key(1, 100, { lastUsedDaysAgo: null })]);
    const outcome = evaluatePrincipal(p, ctx({ configExemptions }));
    expect(types(outcome.findings)).toEqual(['ROTATION_OVERDUE', 'NEVER_USED']);
    expect(outcome.warnings).toEqual([
      'account 111122223333 user ivy: config exemption expired on 2027-01-01; its findings are reported again (renew or remove the entry)',
    ]);
  });
});

describe('evaluateAccount', () => {
  it('sorts by severity, then age (oldest first), then user, then slot', () => {
    const principals = [
      user('zed', [key(1, 120), key(2, 70, { lastUsedDaysAgo: 60 })]),
      user('amy', [key(1, 120)]),
      user('bo', [key(2, 400, { lastUsedDaysAgo: 1 })]),
      user('cy', [key(1, 85), key(2, 40, { status: 'Inactive' })]),
    ];
    const { findings } = evaluateAccount(principals, ctx());
    expect(findings.map((f) => [f.severity, f.ageDays, f.userName, f.keySlot, f.type])).toEqual([
      ['critical', 400, 'bo', 2, 'ROTATION_OVERDUE'],
      ['high', 120, 'amy', 1, 'ROTATION_OVERDUE'],
      ['high', 120, 'zed', 1, 'ROTATION_OVERDUE'],
      ['medium', 70, 'zed', 2, 'UNUSED'],
      ['low', 120, 'zed', 1, 'TWO_ACTIVE_KEYS'],
      ['low', 85, 'cy', 1, 'ROTATION_DUE_SOON'],
      ['info', 40, 'cy', 2, 'INACTIVE_KEY_LINGERING'],
    ]);
  });

  it('gives the same output whatever the order of principals and keys', () => {
    const a = user('a', [key(1, 100), key(2, 90)]);
    const b = user('b', [key(1, 90, { lastUsedDaysAgo: null })]);
    const forward = evaluateAccount([a, b], ctx());
    const reversed = evaluateAccount([b, { ...a, keys: [...a.keys].reverse() }], ctx());
    expect(reversed).toEqual(forward);
  });

  it('collects exempted findings and warnings across users', () => {
    const principals = [
      user('x', [key(1, 100)], { 'org-key-audit:exempt': 'ok;until=2030-01-01' }),
      user('y', [key(1, 100)], { 'org-key-audit:exempt': 'bad;until=someday' }),
    ];
    const outcome = evaluateAccount(principals, ctx());
    expect(outcome.findings.map((f) => f.userName)).toEqual(['y']);
    expect(outcome.exempted.map((f) => f.userName)).toEqual(['x']);
    expect(outcome.warnings).toHaveLength(1);
    expect(outcome.warnings[0]).toContain('user y');
  });

  it('gives nothing for a clean account', () => {
    expect(evaluateAccount([user('ok', [key(1, 10, { lastUsedDaysAgo: 1 })])], ctx())).toEqual({
      findings: [],
      exempted: [],
      warnings: [],
    });
  });
});
