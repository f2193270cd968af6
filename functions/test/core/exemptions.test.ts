import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors';
import {
  type ConfigExemption,
  ConfigExemptionSchema,
  EXEMPTION_TAG_KEY,
  isExemptionActive,
  matchConfigExemption,
  parseConfigExemptions,
  parseExemptionTag,
} from '../../src/core/exemptions';

describe('EXEMPTION_TAG_KEY', () => {
  it('is the documented tag key', () => {
    expect(EXEMPTION_TAG_KEY).toBe('org-key-audit:exempt');
  });
});

describe('parseExemptionTag', () => {
  it('parses reason;until=YYYY-MM-DD', () => {
    expect(parseExemptionTag('legacy vendor integration;until=2027-12-31')).toEqual({
      ok: true,
      exemption: { source: 'tag', reason: 'legacy vendor integration', until: '2027-12-31' },
    });
  });

  it('accepts a space instead of ";" because IAM tag values cannot contain ";"', () => {
    expect(parseExemptionTag('CI deploy user until=2027-03-01')).toEqual({
      ok: true,
      exemption: { source: 'tag', reason: 'CI deploy user', until: '2027-03-01' },
    });
  });

  it('trims the reason and keeps earlier semicolons in it', () => {
    expect(parseExemptionTag('  a; b ;until=2027-01-01 ')).toEqual({
      ok: true,
      exemption: { source: 'tag', reason: 'a; b', until: '2027-01-01' },
    });
  });

  it.each([
    ['', /has no expiry date/],
    ['just a reason', /has no expiry date/],
    ['reason;until=', /invalid until date ""/],
    ['reason;until=2027-02-30', /invalid until date "2027-02-30"/],
    ['reason;until=31-12-2027', /invalid until date "31-12-2027"/],
    [';until=2027-12-31', /has no reason/],
    ['until=2027-12-31', /has no expiry date/],
  ])('reports %j as malformed with a warning naming the problem', (value, problem) => {
    const result = parseExemptionTag(value);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.warning).toMatch(problem);
      expect(result.warning).toContain('org-key-audit:exempt');
      expect(result.warning).toContain('expected "<reason>;until=YYYY-MM-DD"');
    }
  });
});

describe('isExemptionActive', () => {
  it('applies through the whole until day (UTC) and stops the day after', () => {
    const e = { until: '2027-06-15' };
    expect(isExemptionActive(e, new Date('2027-06-14T12:00:00Z'))).toBe(true);
    expect(isExemptionActive(e, new Date('2027-06-15T23:59:59Z'))).toBe(true);
    expect(isExemptionActive(e, new Date('2027-06-16T00:00:00Z'))).toBe(false);
  });
});

describe('ConfigExemptionSchema and parseConfigExemptions', () => {
  const valid = { accountId: '111122223333', userName: 'ci', reason: 'vendor', until: '2027-12-31' };

  it('accepts an entry with and without accessKeyId', () => {
    expect(ConfigExemptionSchema.safeParse(valid).success).toBe(true);
    expect(ConfigExemptionSchema.safeParse({ ...valid, accessKeyId: 'AKIAEXAMPLE1' }).success).toBe(true);
  });

  it('returns [] for an absent list', () => {
    expect(parseConfigExemptions(undefined)).toEqual([]);
  });

  it.each([
    [{ ...valid, accountId: '1234' }, /^exemptions\[0\]\.accountId must be a 12-digit AWS account id/],
    [{ ...valid, until: '2027-02-29' }, /^exemptions\[0\]\.until must be a real date written YYYY-MM-DD/],
    [{ ...valid, reason: '  ' }, /^exemptions\[0\]\.reason must say why/],
    [{ ...valid, userName: '' }, /^exemptions\[0\]\.userName must be the IAM user name/],
    [{ ...valid, note: 'x' }, /^exemptions\[0\] has unknown field\(s\) note; remove them/],
  ])('rejects a bad entry %j naming the field', (entry, message) => {
    expect(() => parseConfigExemptions([entry])).toThrow(InvalidInputError);
    expect(() => parseConfigExemptions([entry])).toThrow(message);
  });

  it('rejects a non-list', () => {
    expect(() => parseConfigExemptions({}, 'EXEMPTIONS_JSON')).toThrow(/^EXEMPTIONS_JSON must be a list/);
  });

  it('names a field of the wrong type with the types involved', () => {
    expect(() =>
      parseConfigExemptions([valid, { ...valid, accountId: 111122223333 }], 'EXEMPTIONS_JSON'),
    ).toThrow('EXEMPTIONS_JSON[1].accountId Invalid input: expected string, received number');
  });

  it('trims the reason it keeps and leaves an absent accessKeyId absent', () => {
    const [entry] = parseConfigExemptions([{ ...valid, reason: '  vendor tool  ' }]);
    expect(entry).toEqual({
      accountId: '111122223333',
      userName: 'ci',
      reason: 'vendor tool',
      until: '2027-12-31',
    });
    expect(entry !== undefined && 'accessKeyId' in entry).toBe(false);
  });
});

describe('matchConfigExemption', () => {
  const now = new Date('2027-06-15T10:00:00Z');
  const userWide: ConfigExemption = {
    accountId: '111122223333',
    userName: 'ci',
    reason: 'user-wide',
    until: '2027-07-01',
  };
  const keyOnly: ConfigExemption = {
    ...userWide,
    accessKeyId: 'AKIAKEY1',
    reason: 'key-only',
    until: '2027-06-20',
  };

  it('matches by account and user', () => {
    expect(matchConfigExemption([userWide], '111122223333', 'ci', null, now).exemption).toEqual({
      source: 'config',
      reason: 'user-wide',
      until: '2027-07-01',
    });
    expect(matchConfigExemption([userWide], '444455556666', 'ci', null, now).exemption).toBeNull();
    expect(matchConfigExemption([userWide], '111122223333', 'other', null, now).exemption).toBeNull();
  });

  it('matches a key-specific entry only for that key, and prefers it over a user-wide one', () => {
    expect(matchConfigExemption([keyOnly], '111122223333', 'ci', 'AKIAKEY2', now).exemption).toBeNull();
    // The key id is unknown before ListAccessKeys: a key-specific entry cannot match yet.
    expect(matchConfigExemption([keyOnly], '111122223333', 'ci', null, now).exemption).toBeNull();
    expect(
      matchConfigExemption([userWide, keyOnly], '111122223333', 'ci', 'AKIAKEY1', now).exemption?.reason,
    ).toBe('key-only');
  });

  it('ignores an expired entry and warns about it', () => {
    const expired = { ...userWide, until: '2027-06-14' };
    const result = matchConfigExemption([expired], '111122223333', 'ci', null, now);
    expect(result.exemption).toBeNull();
    expect(result.warnings).toEqual([
      'account 111122223333 user ci: config exemption expired on 2027-06-14; its findings are reported again (renew or remove the entry)',
    ]);
  });
});
