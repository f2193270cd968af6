/**
 * Exemptions (docs/design.md, "Findings"): the IAM user tag `org-key-audit:exempt` with the value
 * `<reason> until=YYYY-MM-DD` (or `<reason>;until=...`), or a config entry `{ accountId,
 * userName, accessKeyId?, reason, until }`; an exemption applies up to and including `until`
 * (UTC); a malformed tag is a warning, never an error. A key-specific config entry beats a
 * user-wide one, and among equals the latest `until` wins. These cases close gaps mutation
 * testing found (docs/mutation-testing.md).
 */
import { describe, expect, it } from 'vitest';
import {
  type ConfigExemption,
  matchConfigExemption,
  parseConfigExemptions,
  parseExemptionTag,
} from '../../src/core/exemptions';

const EXPECTED = `expected "<reason>;until=YYYY-MM-DD" (or "<reason> until=YYYY-MM-DD", since IAM tags cannot hold ";")`;

describe('parseExemptionTag', () => {
  it('allows spaces around the = of until', () => {
    expect(parseExemptionTag('vendor tool until = 2027-03-01')).toEqual({
      ok: true,
      exemption: { source: 'tag', reason: 'vendor tool', until: '2027-03-01' },
    });
    expect(parseExemptionTag('vendor tool;until =2027-03-01')).toEqual({
      ok: true,
      exemption: { source: 'tag', reason: 'vendor tool', until: '2027-03-01' },
    });
  });

  it('reads UNTIL in any case', () => {
    expect(parseExemptionTag('vendor UNTIL=2027-03-01')).toMatchObject({ ok: true });
  });

  it('refuses text after the date instead of ignoring it', () => {
    expect(parseExemptionTag('vendor until=2027-03-01 then renew')).toEqual({
      ok: false,
      warning: `exemption tag org-key-audit:exempt="vendor until=2027-03-01 then renew" has no expiry date; ${EXPECTED}`,
    });
  });

  it('words every warning with the tag key, the value and the expected format', () => {
    expect(parseExemptionTag(';until=2027-12-31')).toEqual({
      ok: false,
      warning: `exemption tag org-key-audit:exempt=";until=2027-12-31" has no reason; ${EXPECTED}`,
    });
    expect(parseExemptionTag('vendor;until=2027-13-01')).toEqual({
      ok: false,
      warning: `exemption tag org-key-audit:exempt="vendor;until=2027-13-01" has an invalid until date "2027-13-01"; ${EXPECTED}`,
    });
  });

  it('a tag value that is not a string is a warning that says so', () => {
    // Tags come from IAM as strings; a hand-built or stored principal might not hold one.
    expect(parseExemptionTag(42 as unknown as string)).toEqual({
      ok: false,
      warning: `exemption tag org-key-audit:exempt is not a string (got 42); ${EXPECTED}`,
    });
    expect(parseExemptionTag(['vendor until=2027-03-01'] as unknown as string)).toMatchObject({
      ok: false,
      warning: expect.stringContaining('is not a string'),
    });
  });
});

describe('parseConfigExemptions', () => {
  const valid = { accountId: '111122223333', userName: 'ci', reason: 'vendor', until: '2027-12-31' };

  it('treats null like an absent list', () => {
    expect(parseConfigExemptions(null)).toEqual([]);
  });

  it('refuses an empty accessKeyId, saying it can be omitted', () => {
    expect(() => parseConfigExemptions([{ ...valid, accessKeyId: '' }])).toThrow(
      "exemptions[0].accessKeyId must be an access key id, or be omitted to exempt all the user's keys",
    );
  });

  it('lists every unknown field of an entry', () => {
    expect(() =>
      parseConfigExemptions([valid, { ...valid, note: 'x', owner: 'y' }], 'config.exemptions'),
    ).toThrow('config.exemptions[1] has unknown field(s) note, owner; remove them');
  });

  it('names the list when it is not a list', () => {
    expect(() => parseConfigExemptions('x')).toThrow(
      'exemptions must be a list of {accountId, userName, accessKeyId?, reason, until} (got "x")',
    );
  });
});

describe('matchConfigExemption: which entry wins', () => {
  const now = new Date('2027-06-15T10:00:00Z');
  const ACCOUNT = '111122223333';
  const base = { accountId: ACCOUNT, userName: 'ci' };
  const userWideLate: ConfigExemption = { ...base, reason: 'user-wide, later', until: '2027-09-01' };
  const userWideEarly: ConfigExemption = { ...base, reason: 'user-wide, earlier', until: '2027-07-01' };
  const keyEarly: ConfigExemption = {
    ...base,
    accessKeyId: 'AKIAKEY1',
    reason: 'key, earlier',
    until: '2027-06-20',
  };
  const keyLate: ConfigExemption = {
    ...base,
    accessKeyId: 'AKIAKEY1',
    reason: 'key, later',
    until: '2027-08-01',
  };
  const reasonFor = (entries: ConfigExemption[]) =>
    matchConfigExemption(entries, ACCOUNT, 'ci', 'AKIAKEY1', now).exemption?.reason;

  it('a key-specific entry beats a user-wide one even when the user-wide one lasts longer, in any order', () => {
    expect(reasonFor([userWideLate, keyEarly])).toBe('key, earlier');
    expect(reasonFor([keyEarly, userWideLate])).toBe('key, earlier');
    expect(reasonFor([userWideLate, userWideEarly, keyEarly])).toBe('key, earlier');
    expect(reasonFor([keyEarly, userWideEarly, userWideLate])).toBe('key, earlier');
  });

  it('among entries equally specific, the latest until wins, in any order', () => {
    expect(reasonFor([userWideEarly, userWideLate])).toBe('user-wide, later');
    expect(reasonFor([userWideLate, userWideEarly])).toBe('user-wide, later');
    expect(reasonFor([keyEarly, keyLate])).toBe('key, later');
    expect(reasonFor([keyLate, keyEarly])).toBe('key, later');
  });

  it('an exemption that applies comes without warnings, even beside an expired entry', () => {
    const expired = { ...keyLate, until: '2027-06-01' };
    expect(matchConfigExemption([expired, userWideEarly], ACCOUNT, 'ci', 'AKIAKEY1', now)).toEqual({
      exemption: { source: 'config', reason: 'user-wide, earlier', until: '2027-07-01' },
      warnings: [],
    });
  });

  it('an expired key-specific entry is warned about with its key', () => {
    const expired = { ...keyLate, until: '2027-06-01' };
    expect(matchConfigExemption([expired], ACCOUNT, 'ci', 'AKIAKEY1', now)).toEqual({
      exemption: null,
      warnings: [
        'account 111122223333 user ci: config exemption for key AKIAKEY1 expired on 2027-06-01; its findings are reported again (renew or remove the entry)',
      ],
    });
  });
});
