import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DIGEST_MAX_BYTES, renderDigest } from '../../src/core/digest';
import { InvalidInputError } from '../../src/core/errors';
import type { AccountAudit, Finding } from '../../src/core/model';
import { buildReport } from '../../src/core/report';
import { audit, finding, META } from '../fixtures/audits';

const LINKS = {
  reportUri: 's3://audit-reports/reports/daily-2024-06-10/report.json',
  executionUrl: 'https://console.aws.amazon.com/states/home#/v2/executions/details/x',
};
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const PRINTABLE_ASCII = /^[\x20-\x7E]*$/;

const P = '111111111111';
const Q = '222222222222';
const F1 = '333333333333';
const F2 = '444444444444';
const S1 = '555555555555';

/** Key ids planted in the data; none may appear in full in any body. */
const KEY_P1 = 'AKIAPPPPPPPPPPPP0001';
const KEY_P2 = 'AKIAPPPPPPPPPPPP0002';
const KEY_Q1 = 'AKIAQQQQQQQQQQQQ0001';
const KEY_EX = 'AKIAEXEXEXEXEXEX0009';

/**
 * Planted: P has key 1 overdue (400 days, critical) which is also unused (medium), and key 2 due
 * soon (85 days, low): 2 keys, 3 findings. Q has one overdue key (120 days, high). F2 and F1 failed
 * (listed in id order), S1 skipped. One exempted finding in Q.
 */
const PLANTED: AccountAudit[] = [
  audit({
    accountId: Q,
    accountName: 'Data Lake',
    findings: [
      finding({ accountId: Q, userName: 'etl', accessKeyId: KEY_Q1, ageDays: 120, severity: 'high' }),
    ],
    exempted: [
      finding({
        accountId: Q,
        userName: 'vendor',
        accessKeyId: KEY_EX,
        ageDays: 500,
        severity: 'critical',
        exemption: { source: 'tag', reason: 'vendor cannot rotate before Q4', until: '2024-12-31' },
      }),
    ],
  }),
  audit({
    accountId: P,
    accountName: 'Payments',
    findings: [
      finding({
        accountId: P,
        accessKeyId: KEY_P2,
        keySlot: 2,
        ageDays: 85,
        type: 'ROTATION_DUE_SOON',
        severity: 'low',
      }),
      finding({
        accountId: P,
        accessKeyId: KEY_P1,
        ageDays: 400,
        type: 'ROTATION_OVERDUE',
        severity: 'critical',
      }),
      finding({ accountId: P, accessKeyId: KEY_P1, ageDays: 400, type: 'UNUSED', severity: 'medium' }),
    ],
  }),
  audit({
    accountId: F2,
    accountName: 'Sandbox',
    status: 'FAILED',
    strategy: 'none',
    errorName: 'AuditRoleMissingError',
    reason: 'AssumeRole was denied for OrgKeyAuditRole',
  }),
  audit({
    accountId: F1,
    accountName: 'Legacy',
    status: 'FAILED',
    strategy: 'none',
    errorName: 'IamThrottledError',
    reason: 'IAM throttled 8 times',
    fix: 'rerun with keyaudit rerun --failed',
  }),
  audit({
    accountId: S1,
    accountName: 'Closed one',
    status: 'SKIPPED',
    strategy: 'none',
    reason: 'SUSPENDED',
  }),
];

const report = (audits: readonly AccountAudit[], meta = {}) => buildReport(audits, { ...META, ...meta });

describe('renderDigest subject', () => {
  it('counts distinct keys, accounts with findings and accounts not audited', () => {
    expect(renderDigest(report(PLANTED), LINKS).subject).toBe(
      '[org-key-audit] 3 keys need attention in 2 of 5 accounts; 3 accounts not audited',
    );
  });

  it('uses the singular for one key and one account', () => {
    const one = [audit({ accountId: P, findings: [finding({ accountId: P })] })];
    expect(renderDigest(report(one), LINKS).subject).toBe(
      '[org-key-audit] 1 key needs attention in 1 of 1 account',
    );
  });

  it('says all clear when nothing needs attention and every account was audited', () => {
    const clean = [audit({ accountId: P }), audit({ accountId: Q })];
    expect(renderDigest(report(clean), LINKS).subject).toBe(
      '[org-key-audit] All clear: no keys need attention in 2 accounts',
    );
  });

  it('does not say all clear when accounts were not audited, and leads with them', () => {
    const partial = [audit({ accountId: P }), audit({ accountId: F1, status: 'FAILED', reason: 'denied' })];
    expect(renderDigest(report(partial), LINKS).subject).toBe(
      '[org-key-audit] 1 of 2 accounts not audited; no keys need attention in the 1 audited',
    );
  });

  it('says that no account was audited rather than that no key needs attention', () => {
    const none = [
      audit({ accountId: F1, status: 'FAILED', reason: 'denied' }),
      audit({ accountId: S1, status: 'SKIPPED', reason: 'SUSPENDED' }),
    ];
    expect(renderDigest(report(none), LINKS).subject).toBe(
      '[org-key-audit] No accounts audited: 2 of 2 accounts not audited, no keys checked',
    );
  });

  it('shortens a partial no-findings subject by dropping the clean part last', () => {
    const base = report([audit({ accountId: P }), audit({ accountId: F1, status: 'FAILED', reason: 'x' })]);
    const totals = { accounts: 9_999_999_999, audited: 9_999_999_000, failed: 999, skipped: 0 };
    const subject = (dryRun: boolean) =>
      renderDigest({ ...base, dryRun, totals: { ...base.totals, ...totals } }, LINKS).subject;
    // The full wording would be 104 characters (113 for a dry run).
    expect(subject(false)).toBe(
      '[org-key-audit] 999/9999999999 accounts not audited; no keys need attention in 9999999000 audited',
    );
    expect(subject(true)).toBe('[org-key-audit][dry run] 999/9999999999 accounts not audited');
  });

  it('marks a dry run', () => {
    expect(renderDigest(report(PLANTED, { dryRun: true }), LINKS).subject).toBe(
      '[org-key-audit][dry run] 3 keys need attention in 2 of 5 accounts; 3 accounts not audited',
    );
  });

  it('handles an organization with nothing to audit', () => {
    expect(renderDigest(report([]), LINKS).subject).toBe('[org-key-audit] No accounts to audit');
  });

  it('shortens the wording when the numbers are huge, staying within 100 ASCII characters', () => {
    const base = report(PLANTED, { dryRun: true });
    const withTotals = (failed: number) =>
      renderDigest(
        {
          ...base,
          totals: { ...base.totals, accounts: 9_999_999_999, accountsWithFindings: 9_999_999_998, failed },
        },
        LINKS,
      ).subject;
    // The full wording would be 110 characters; PLANTED has 1 skipped account besides the failed ones.
    expect(withTotals(9_000)).toBe(
      '[org-key-audit][dry run] 3 keys need attention in 9999999998/9999999999 accounts; 9001 not audited',
    );
    expect(withTotals(9_999_999)).toBe(
      '[org-key-audit][dry run] 3 keys, 9999999998/9999999999 accts, 10000000 not audited',
    );
  });
});

describe('renderDigest body', () => {
  // Rendered inside each test (not once for the describe), so that mutation testing attributes
  // the digest code to the tests that read it (docs/mutation-testing.md).
  const planted = () => {
    const { body } = renderDigest(report(PLANTED, { reason: 'weekly check by Ana' }), LINKS);
    const lines = body.split('\n');
    const at = (text: string) => {
      const index = lines.findIndex((line) => line.includes(text));
      expect(index, `line containing ${text}`).toBeGreaterThanOrEqual(0);
      return index;
    };
    return { body, lines, at };
  };

  it('starts with the execution, the reason and the thresholds', () => {
    const { lines } = planted();
    expect(lines.slice(0, 6)).toEqual([
      'org-key-audit digest',
      'Execution:  daily-2024-06-10',
      'Generated:  2024-06-10T06:00:00.000Z',
      'Reason:     weekly check by Ana',
      'Thresholds: rotationDueSoonDays=80, rotationOverdueDays=90, reminderDays=90',
      'Key ids are masked here; the full report has them in full.',
    ]);
  });

  it('has the totals', () => {
    const { body } = planted();
    expect(body).toContain('  Keys needing attention: 3 in 2 of 5 accounts');
    expect(body).toContain('  Findings: 4 (critical 1, high 1, medium 1, low 1, info 0)');
    expect(body).toContain('  Exempted findings: 1');
    expect(body).toContain('  Accounts: 5 total, 2 audited, 2 failed, 1 skipped');
  });

  it('lists accounts not audited, failed (by id) before skipped, with reason and fix', () => {
    const { lines, at } = planted();
    const section = lines.slice(at('ACCOUNTS NOT AUDITED (3)'), at('FINDINGS NEEDING ATTENTION'));
    expect(section).toEqual([
      'ACCOUNTS NOT AUDITED (3)',
      `  - ${F1}  Legacy  [FAILED: IamThrottledError]`,
      '      Reason: IAM throttled 8 times',
      '      Fix: rerun with keyaudit rerun --failed',
      `  - ${F2}  Sandbox  [FAILED: AuditRoleMissingError]`,
      '      Reason: AssumeRole was denied for OrgKeyAuditRole',
      '      Fix: deploy the audit role: the StackSet has not reached this account, the account is outside its target OUs, or the role does not trust the auditor',
      `  - ${S1}  Closed one  [SKIPPED]`,
      '      Reason: SUSPENDED',
      '',
    ]);
  });

  it('lists findings by severity, grouped by account, with masked keys', () => {
    const { lines, at } = planted();
    const section = lines.slice(at('FINDINGS NEEDING ATTENTION (4)'), at('EXEMPTED (1)'));
    expect(section).toEqual([
      'FINDINGS NEEDING ATTENTION (4)',
      '',
      'CRITICAL (1)',
      `  ${P}  Payments`,
      '    - alice  AKIA…0001 (key 1, Active)  ROTATION_OVERDUE (critical)  400 days old, last used 2024-04-01 via s3',
      '',
      'HIGH (1)',
      `  ${Q}  Data Lake`,
      '    - etl  AKIA…0001 (key 1, Active)  ROTATION_OVERDUE (high)  120 days old, last used 2024-04-01 via s3',
      '',
      'MEDIUM (1)',
      `  ${P}  Payments`,
      '    - alice  AKIA…0001 (key 1, Active)  UNUSED (medium)  400 days old, last used 2024-04-01 via s3',
      '',
      'LOW (1)',
      `  ${P}  Payments`,
      '    - alice  AKIA…0002 (key 2, Active)  ROTATION_DUE_SOON (low)  85 days old, last used 2024-04-01 via s3',
      '',
    ]);
  });

  it('lists exempted keys with the reason and the end date, then the links', () => {
    const { lines, at } = planted();
    expect(lines.slice(at('EXEMPTED (1)'))).toEqual([
      'EXEMPTED (1)',
      `  ${Q}  Data Lake`,
      '    - vendor  AKIA…0009 (key 1, Active)  ROTATION_OVERDUE (critical)  500 days old, last used 2024-04-01 via s3  (exempt until 2024-12-31: vendor cannot rotate before Q4)',
      '',
      'LINKS',
      `  Full report: ${LINKS.reportUri}`,
      `  Execution:   ${LINKS.executionUrl}`,
    ]);
  });

  it('never shows a full key id', () => {
    const { body } = planted();
    for (const key of [KEY_P1, KEY_P2, KEY_Q1, KEY_EX]) expect(body).not.toContain(key);
  });

  it('masks key ids typed into names and exemption reasons', () => {
    const leaky = [
      audit({
        accountId: P,
        accountName: `ops ${KEY_P1}`,
        findings: [finding({ accountId: P, userName: `ci-${KEY_P2}` })],
        exempted: [
          finding({
            accountId: P,
            exemption: { source: 'tag', reason: `old ${KEY_Q1}`, until: '2030-01-01' },
          }),
        ],
      }),
    ];
    const text = renderDigest(report(leaky), LINKS).body;
    for (const key of [KEY_P1, KEY_P2, KEY_Q1, 'AKIAABCDEFGHIJKLMNOP']) expect(text).not.toContain(key);
  });

  it('is the same whatever the order of the accounts and findings', () => {
    const shuffled = [...PLANTED].reverse().map((a) => ({ ...a, findings: [...a.findings].reverse() }));
    expect(renderDigest(report(shuffled), LINKS)).toEqual(renderDigest(report(PLANTED), LINKS));
  });

  it('says when there is nothing to do and links are missing', () => {
    const text = renderDigest(report([audit({ accountId: P })]), {}).body;
    expect(text).toContain('  None: no key needs attention.');
    expect(text).toContain('  Full report: (not available)');
    expect(text).not.toContain('ACCOUNTS NOT AUDITED');
    expect(text).not.toContain('EXEMPTED');
  });

  it('marks a dry run in the header', () => {
    expect(renderDigest(report(PLANTED, { dryRun: true }), LINKS).body).toContain(
      'Mode:       DRY RUN (this digest was not published)',
    );
  });

  it('keeps names with line breaks, bidi overrides and lone surrogates on one valid line', () => {
    const name = 'Evil\nFINDINGS NEEDING ATTENTION (0)\u202E\uD800 東京';
    const text = renderDigest(
      report([audit({ accountId: P, accountName: name, findings: [finding({ accountId: P })] })]),
      LINKS,
    ).body;
    expect(text).toContain(`  ${P}  Evil FINDINGS NEEDING ATTENTION (0)\uFFFD 東京`);
    expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text);
  });

  it('rejects a maxBytes too small to hold the summary', () => {
    expect(() => renderDigest(report(PLANTED), LINKS, { maxBytes: 100 })).toThrow(InvalidInputError);
  });
});

describe('renderDigest with no findings', () => {
  const section = (body: string) => {
    const lines = body.split('\n');
    const start = lines.indexOf('FINDINGS');
    expect(start, 'FINDINGS heading').toBeGreaterThanOrEqual(0);
    return lines.slice(start, lines.indexOf('', start) + 1);
  };
  const occurrences = (text: string, needle: string) => text.split(needle).length - 1;

  it('speaks only for the 2 audited accounts when 1 failed, and says the failed one was not checked', () => {
    const audits = [
      audit({ accountId: P, accountName: 'Payments' }),
      audit({ accountId: Q, accountName: 'Data Lake' }),
      audit({ accountId: F1, accountName: 'Legacy', status: 'FAILED', strategy: 'none', reason: 'denied' }),
    ];
    const { subject, body } = renderDigest(report(audits), LINKS);
    expect(section(body)).toEqual([
      'FINDINGS',
      '  None: no key needs attention in the 2 audited accounts.',
      '  The 1 account not audited was not checked; it is listed above with the reason.',
      '',
    ]);
    // "Listed above": the failed account comes before the findings section.
    expect(body.indexOf(`  - ${F1}  Legacy  [FAILED]`)).toBeGreaterThan(0);
    expect(body.indexOf(`  - ${F1}  Legacy  [FAILED]`)).toBeLessThan(body.indexOf('FINDINGS'));
    // Every "no key needs attention" carries the qualification.
    expect(occurrences(body, 'no key needs attention')).toBe(1);
    expect(occurrences(body, 'no key needs attention in the 2 audited accounts')).toBe(1);
    expect(body).not.toMatch(/all clear/i);
    expect(subject).toBe(
      '[org-key-audit] 1 of 3 accounts not audited; no keys need attention in the 2 audited',
    );
  });

  it('counts skipped accounts among those not checked, in the plural', () => {
    const audits = [
      audit({ accountId: P }),
      audit({ accountId: F1, status: 'FAILED', strategy: 'none', reason: 'denied' }),
      audit({ accountId: S1, status: 'SKIPPED', strategy: 'none', reason: 'SUSPENDED' }),
    ];
    expect(section(renderDigest(report(audits), LINKS).body)).toEqual([
      'FINDINGS',
      '  None: no key needs attention in the 1 audited account.',
      '  The 2 accounts not audited were not checked; they are listed above with the reasons.',
      '',
    ]);
  });

  it('keeps the plain wording when every account was audited', () => {
    const { subject, body } = renderDigest(report([audit({ accountId: P }), audit({ accountId: Q })]), LINKS);
    expect(section(body)).toEqual(['FINDINGS', '  None: no key needs attention.', '']);
    expect(body).toContain('  Keys needing attention: 0 in 0 of 2 accounts');
    expect(subject).toBe('[org-key-audit] All clear: no keys need attention in 2 accounts');
  });

  it('does not read as clean at all when none of the 3 accounts could be audited', () => {
    const audits = [F1, F2, S1].map((accountId) =>
      audit({
        accountId,
        status: 'FAILED',
        strategy: 'none',
        errorName: 'AuditRoleMissingError',
        reason: 'denied',
      }),
    );
    const { subject, body } = renderDigest(report(audits), LINKS);
    expect(section(body)).toEqual([
      'FINDINGS',
      '  Unknown: no account was audited, so no key was checked.',
      '  The 3 accounts not audited are listed above with the reasons.',
      '',
    ]);
    expect(body).toContain('  Keys needing attention: unknown (no account was audited)');
    expect(body).toContain('ACCOUNTS NOT AUDITED (3)');
    expect(`${subject}\n${body}`).not.toMatch(/no keys? needs? attention|all clear|\bNone\b/i);
    expect(subject).toBe('[org-key-audit] No accounts audited: 3 of 3 accounts not audited, no keys checked');
  });

  it('says nothing was checked when the run had no accounts', () => {
    const { body } = renderDigest(report([]), LINKS);
    expect(section(body)).toEqual(['FINDINGS', '  Nothing checked: there were no accounts to audit.', '']);
    expect(body).not.toMatch(/no keys? needs? attention/i);
  });
});

describe('renderDigest warnings', () => {
  const FALLBACK =
    'account 111111111111: the credential report could not be used (CredentialReportParseError: ' +
    'the header has no user column); audited user by user instead';
  const MAP = 'a Map iteration (arn:aws:states:x) named no account; it was ignored';
  const lines = (body: string) => body.split('\n');
  const from = (body: string, heading: string) => {
    const all = lines(body);
    const start = all.findIndex((l) => l.startsWith(heading));
    expect(start, heading).toBeGreaterThanOrEqual(0);
    return all.slice(start);
  };

  it('shows the run warnings and each account with warnings, counted, after the other lists', () => {
    const audits = [
      audit({ accountId: P, accountName: 'Payments', strategy: 'per-user', warnings: [FALLBACK] }),
      // No name known: AuditAccount stores the id as the name.
      audit({ accountId: Q, accountName: Q, warnings: ['tag keyaudit-exempt on user etl is malformed'] }),
      audit({ accountId: F1, status: 'FAILED', strategy: 'none', reason: 'denied' }),
    ];
    const { body } = renderDigest(report(audits, { runWarnings: [MAP] }), LINKS);
    expect(from(body, 'WARNINGS')).toEqual([
      'WARNINGS (3)',
      '  This run',
      `    - ${MAP}`,
      `  ${P}  Payments`,
      `    - ${FALLBACK}`,
      `  ${Q}`,
      '    - tag keyaudit-exempt on user etl is malformed',
      '',
      'LINKS',
      `  Full report: ${LINKS.reportUri}`,
      `  Execution:   ${LINKS.executionUrl}`,
    ]);
  });

  it('has no warnings section when there are none', () => {
    expect(renderDigest(report(PLANTED), LINKS).body).not.toContain('WARNINGS');
  });

  it('lists at most 20 warnings and counts the rest', () => {
    // 13 accounts with 2 warnings each: the first 10 accounts fill the 20 lines, 6 are left over.
    const ids = Array.from({ length: 13 }, (_, i) => String(600_000_000_000 + i));
    const audits = ids.map((accountId) =>
      audit({ accountId, accountName: `team ${accountId}`, warnings: ['first note', 'second note'] }),
    );
    const section = from(renderDigest(report(audits), LINKS).body, 'WARNINGS');
    expect(section[0]).toBe('WARNINGS (26)');
    const shown = section.slice(0, section.indexOf('LINKS'));
    expect(shown.filter((l) => l.startsWith('    - '))).toHaveLength(20);
    expect(shown).toContain(`  ${ids[9]}  team ${ids[9]}`);
    expect(shown).not.toContain(`  ${ids[10]}  team ${ids[10]}`);
    expect(shown.slice(-2)).toEqual(['  … and 6 more (see the full report)', '']);
  });

  it('stays within a small byte limit, and keeps its place when the findings overflow', () => {
    const findings = Array.from({ length: 400 }, (_, k) =>
      finding({
        accountId: P,
        userName: `user-${k}`,
        accessKeyId: `AKIAPPPP${String(k).padStart(8, '0')}ZZZZ`,
      }),
    );
    const long = `${'x'.repeat(280)} end`;
    const audits = [
      audit({ accountId: P, accountName: 'Payments', findings, warnings: [FALLBACK] }),
      audit({ accountId: Q, accountName: 'Data Lake', warnings: Array(30).fill(long) }),
    ];
    const { body } = renderDigest(report(audits), LINKS, { maxBytes: 8_000 });
    expect(bytes(body)).toBeLessThanOrEqual(8_000);
    const section = from(body, 'WARNINGS');
    expect(section.slice(0, 3)).toEqual(['WARNINGS (31)', `  ${P}  Payments`, `    - ${FALLBACK}`]);
    const shown = section.filter((l) => l.startsWith('    - ')).length;
    expect(shown).toBeGreaterThan(1);
    expect(shown).toBeLessThanOrEqual(20);
    expect(section).toContain(`  … and ${31 - shown} more (see the full report)`);
    // The findings were cut to make room, and say so.
    expect(body).toMatch(/FINDINGS NEEDING ATTENTION \(400\)[\s\S]*… and \d+ more \(see the full report\)/);
    expect(body.endsWith(`  Execution:   ${LINKS.executionUrl}`)).toBe(true);
  });
});

describe('renderDigest at organization scale', () => {
  // 300 audited accounts with 5,000 findings (the first 200 accounts get 17, the rest 16),
  // 12 failed accounts with long Unicode names.
  const audits: AccountAudit[] = [];
  for (let i = 0; i < 300; i++) {
    const accountId = String(100_000_000_000 + i);
    const n = i < 200 ? 17 : 16;
    const findings: Finding[] = Array.from({ length: n }, (_, k) =>
      finding({
        accountId,
        userName: `user-${k}-with-a-rather-long-name`,
        accessKeyId: `AKIA${String(i).padStart(6, '0')}${String(k).padStart(6, '0')}XXXX`,
        ageDays: 90 + ((i * 31 + k * 7) % 900),
        severity: k % 3 === 0 ? 'critical' : 'high',
      }),
    );
    audits.push(audit({ accountId, accountName: `Ünïcødé account ${i} 🚀`, findings }));
  }
  for (let i = 0; i < 12; i++) {
    audits.push(
      audit({
        accountId: String(900_000_000_000 + i),
        accountName: `Ausfall ${i} — 東京`,
        status: 'FAILED',
        errorName: 'AuditRoleMissingError',
        reason: 'AssumeRole was denied',
      }),
    );
  }
  // Rendered inside each test that reads it, as above.
  const render = () => renderDigest(report(audits), LINKS);

  it('plants 5,000 findings', () => {
    expect(audits.reduce((n, a) => n + a.findings.length, 0)).toBe(5_000);
  });

  it('stays under 256 KiB and the default limit, with a short subject', () => {
    const digest = render();
    expect(bytes(digest.body)).toBeLessThanOrEqual(DEFAULT_DIGEST_MAX_BYTES);
    expect(bytes(digest.body)).toBeLessThan(256 * 1024);
    expect(digest.subject).toBe(
      '[org-key-audit] 5000 keys need attention in 300 of 312 accounts; 12 accounts not audited',
    );
  });

  it('keeps every account not audited and counts the findings it had to leave out', () => {
    const digest = render();
    for (let i = 0; i < 12; i++)
      expect(digest.body).toContain(`  - ${900_000_000_000 + i}  Ausfall ${i} — 東京`);
    const shown = digest.body.split('\n').filter((line) => line.startsWith('    - user-')).length;
    expect(shown).toBeGreaterThan(0);
    expect(shown).toBeLessThan(5_000);
    expect(digest.body).toContain(`  … and ${5_000 - shown} more (see the full report)`);
    expect(digest.body.endsWith(`  Execution:   ${LINKS.executionUrl}`)).toBe(true);
  });

  it('honours a smaller limit', () => {
    const small = renderDigest(report(audits), LINKS, { maxBytes: 20_000 });
    expect(bytes(small.body)).toBeLessThanOrEqual(20_000);
    expect(small.body).toContain('ACCOUNTS NOT AUDITED (12)');
    expect(small.body).toMatch(/… and \d+ more \(see the full report\)/);
  });
});

describe('renderDigest properties', () => {
  const anyText = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 60 }),
    // Single UTF-16 code units, so lone surrogates occur too.
    fc.string({
      unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
      maxLength: 60,
    }),
  );
  const anyFinding = (accountId: string) =>
    fc
      .record({
        userName: anyText,
        accessKeyId: fc.option(fc.string({ unit: 'grapheme-ascii', maxLength: 24 }), { nil: null }),
        keySlot: fc.constantFrom(1 as const, 2 as const, null),
        ageDays: fc.option(fc.nat({ max: 100_000 }), { nil: null }),
        lastUsedAt: fc.option(
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
          { nil: null },
        ),
        lastUsedService: fc.option(anyText, { nil: null }),
        type: fc.constantFrom('ROOT_ACCESS_KEY', 'ROTATION_OVERDUE', 'UNUSED', 'TWO_ACTIVE_KEYS' as const),
        severity: fc.constantFrom('critical', 'high', 'medium', 'low', 'info' as const),
        exemption: fc.option(
          fc.record({ source: fc.constant('tag' as const), reason: anyText, until: anyText }),
          {
            nil: undefined,
          },
        ),
      })
      .map((f) => finding({ accountId, ...f }));
  const anyAudit = (accountId: string) =>
    fc
      .record({
        accountName: anyText,
        status: fc.constantFrom('AUDITED', 'FAILED', 'SKIPPED' as const),
        reason: fc.option(anyText, { nil: undefined }),
        fix: fc.option(anyText, { nil: undefined }),
        errorName: fc.option(fc.constantFrom('AuditRoleMissingError', 'Weird'), { nil: undefined }),
        findings: fc.array(anyFinding(accountId), { maxLength: 25 }),
        exempted: fc.array(anyFinding(accountId), { maxLength: 5 }),
        warnings: fc.array(anyText, { maxLength: 3 }),
      })
      .map((a) => audit({ accountId, ...a }));
  const anyReport = fc
    .uniqueArray(fc.stringMatching(/^\d{12}$/), { maxLength: 30 })
    .chain((ids) => fc.tuple(...ids.map(anyAudit)))
    .chain((audits) =>
      fc
        .record({
          executionName: anyText,
          reason: fc.option(anyText, { nil: null }),
          dryRun: fc.boolean(),
          thresholds: fc.dictionary(anyText, fc.oneof(fc.nat(), fc.array(fc.nat(), { maxLength: 5 }))),
          runWarnings: fc.array(anyText, { maxLength: 2 }),
        })
        .map((meta) => buildReport(audits, { ...META, ...meta })),
    );
  const anyLinks = fc.record({ reportUri: anyText, executionUrl: anyText }, { requiredKeys: [] });

  it('never throws, never exceeds maxBytes or 100 subject characters, and keeps the subject ASCII', () => {
    fc.assert(
      fc.property(
        anyReport,
        anyLinks,
        fc.option(fc.integer({ min: 1_024, max: 300_000 }), { nil: undefined }),
        (r, links, maxBytes) => {
          const { subject, body } = renderDigest(r, links, maxBytes === undefined ? {} : { maxBytes });
          expect(bytes(body)).toBeLessThanOrEqual(maxBytes ?? DEFAULT_DIGEST_MAX_BYTES);
          expect(subject.length).toBeLessThanOrEqual(100);
          expect(subject).toMatch(PRINTABLE_ASCII);
          // Well-formed UTF-16, so the UTF-8 the email carries is valid.
          expect(Buffer.from(body, 'utf8').toString('utf8')).toBe(body);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('keeps the subject within limits for any totals', () => {
    const big = fc.nat({ max: Number.MAX_SAFE_INTEGER });
    fc.assert(
      fc.property(
        fc.record({ accounts: big, audited: big, failed: big, skipped: big, accountsWithFindings: big }),
        fc.boolean(),
        (totals, dryRun) => {
          const base = report(PLANTED, { dryRun });
          const { subject } = renderDigest({ ...base, totals: { ...base.totals, ...totals } }, LINKS);
          expect(subject.length).toBeLessThanOrEqual(100);
          expect(subject).toMatch(PRINTABLE_ASCII);
          expect(subject.startsWith(dryRun ? '[org-key-audit][dry run] ' : '[org-key-audit] ')).toBe(true);
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
