/**
 * The digest (docs/design.md, "The digest"): an ASCII subject of at most 100 characters; a plain
 * text body with the totals, the accounts not audited with reason and fix, the findings by
 * severity (oldest first, grouped by account), the exempted keys, the warnings and the links;
 * never more than `maxBytes`, lists cut with "… and N more (see the full report)". These cases
 * close gaps mutation testing found (docs/mutation-testing.md).
 */
import { describe, expect, it } from 'vitest';
import { renderDigest, renderSubject, utf8Length } from '../../src/core/digest';
import type { AccountAudit, Finding } from '../../src/core/model';
import { buildReport, type Report } from '../../src/core/report';
import { audit, finding, META } from '../fixtures/audits';

const LINKS = { reportUri: 's3://bucket/reports/r/report.json', executionUrl: 'https://console/x' };
const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const report = (audits: readonly AccountAudit[], meta: Partial<typeof META> = {}) =>
  buildReport(audits, { ...META, ...meta });
const body = (r: Report, maxBytes?: number) =>
  renderDigest(r, LINKS, maxBytes === undefined ? {} : { maxBytes }).body;
const lines = (text: string) => text.split('\n');
/** The lines from the one equal to `heading` up to (not including) the next empty line. */
function section(text: string, heading: string): string[] {
  const all = lines(text);
  const start = all.indexOf(heading);
  expect(start, heading).toBeGreaterThanOrEqual(0);
  const end = all.indexOf('', start);
  return all.slice(start, end === -1 ? undefined : end);
}

const A = '111111111111';
const B = '222222222222';
const C = '333333333333';

describe('renderDigest: the fixed parts', () => {
  it('header, blank line, summary, blank line, in that order', () => {
    const text = body(report([audit({ accountId: A })], { thresholds: {} }));
    expect(lines(text).slice(0, 14)).toEqual([
      'org-key-audit digest',
      'Execution:  daily-2024-06-10',
      'Generated:  2024-06-10T06:00:00.000Z',
      'Reason:     scheduled run',
      'Thresholds: (defaults)',
      'Key ids are masked here; the full report has them in full.',
      '',
      'SUMMARY',
      '  Keys needing attention: 0 in 0 of 1 account',
      '  Findings: 0 (critical 0, high 0, medium 0, low 0, info 0)',
      '  Exempted findings: 0',
      '  Accounts: 1 total, 1 audited, 0 failed, 0 skipped',
      '',
      'FINDINGS',
    ]);
  });

  it('thresholds: lists joined with commas, objects as JSON, text and numbers as they are', () => {
    const text = body(
      report([], { thresholds: { reminderDays: [30, 60], extra: { a: 1 }, note: 'x', unusedDays: 45 } }),
    );
    expect(text).toContain('Thresholds: reminderDays=30,60, extra={"a":1}, note=x, unusedDays=45\n');
  });

  it('an empty run: zero keys in zero accounts, not "unknown"', () => {
    expect(body(report([]))).toContain('  Keys needing attention: 0 in 0 of 0 accounts\n');
  });

  it('missing links read "(not available)"', () => {
    const text = renderDigest(report([]), {}).body;
    expect(text.endsWith('LINKS\n  Full report: (not available)\n  Execution:   (not available)')).toBe(true);
  });

  it('refuses a maxBytes below 1,024 or not whole, saying the default', () => {
    const message =
      'renderDigest: options.maxBytes must be an integer of at least 1024, got 1023; omit it for the default of 258048.';
    expect(() => body(report([]), 1023)).toThrow(message);
    expect(() => body(report([]), 2048.5)).toThrow(/got 2048.5;/);
    expect(bytes(body(report([]), 1024))).toBeLessThanOrEqual(1024);
  });
});

describe('renderDigest: lines of the lists', () => {
  it('a failed account without a recorded reason says so', () => {
    const text = body(report([audit({ accountId: A, status: 'FAILED', strategy: 'none' })]));
    expect(section(text, 'ACCOUNTS NOT AUDITED (1)')).toEqual([
      'ACCOUNTS NOT AUDITED (1)',
      `  - ${A}  Account ${A}  [FAILED]`,
      '      Reason: (none recorded)',
    ]);
  });

  it('none audited: one account "is", several "are" listed above', () => {
    const failed = (id: string) => audit({ accountId: id, status: 'FAILED', strategy: 'none', reason: 'x' });
    expect(section(body(report([failed(A)])), 'FINDINGS')).toEqual([
      'FINDINGS',
      '  Unknown: no account was audited, so no key was checked.',
      '  The 1 account not audited is listed above with the reason.',
    ]);
    expect(section(body(report([failed(A), failed(B)])), 'FINDINGS')).toEqual([
      'FINDINGS',
      '  Unknown: no account was audited, so no key was checked.',
      '  The 2 accounts not audited are listed above with the reasons.',
    ]);
  });

  it('a finding line without slot, status, age or last use, and with a one-day age', () => {
    const unknown = finding({
      accountId: A,
      accessKeyId: null,
      keySlot: null,
      status: null,
      ageDays: null,
      lastUsedAt: null,
      lastUsedService: null,
      type: 'ROOT_ACCESS_KEY',
      severity: 'critical',
      userName: '<root_account>',
    });
    const young = finding({
      accountId: A,
      keySlot: 2,
      status: null,
      ageDays: 1,
      lastUsedService: null,
      severity: 'low',
    });
    const text = body(report([audit({ accountId: A, findings: [unknown, young] })]));
    expect(text).toContain(
      '    - <root_account>  (unknown key)  ROOT_ACCESS_KEY (critical)  age unknown, never used\n',
    );
    expect(text).toContain(
      '    - alice  AKIA…MNOP (key 2)  ROTATION_OVERDUE (low)  1 day old, last used 2024-04-01\n',
    );
  });

  it('a last use that is not an ISO date is shown as it is', () => {
    const odd = (lastUsedAt: string) =>
      body(report([audit({ accountId: A, findings: [finding({ accountId: A, lastUsedAt })] })]));
    expect(odd('soon 2024-04-01')).toContain(', last used soon 2024-04-01 via s3\n');
    expect(odd('2024-04-1T00:00Z')).toContain(', last used 2024-04-1T00:00Z via s3\n');
  });

  it('an exempted finding without its exemption recorded says so', () => {
    const text = body(report([audit({ accountId: A, exempted: [finding({ accountId: A })] })]));
    expect(text).toContain('100 days old, last used 2024-04-01 via s3  (exempt no exemption recorded)\n');
  });

  it('names up to 100 characters stay whole; longer ones end in … at 100', () => {
    const exact = 'n'.repeat(100);
    const long = `${'m'.repeat(99)}XYZ`;
    const text = body(
      report([
        audit({ accountId: A, accountName: exact, findings: [finding({ accountId: A })] }),
        audit({ accountId: B, accountName: long, findings: [finding({ accountId: B })] }),
      ]),
    );
    expect(text).toContain(`  ${A}  ${exact}\n`);
    expect(text).toContain(`  ${B}  ${'m'.repeat(99)}…\n`);
  });
});

describe('renderDigest: order within the lists', () => {
  const f = (accountId: string, over: Partial<Finding>) => finding({ accountId, severity: 'high', ...over });

  it('accounts by their oldest finding, unknown ages last; findings oldest first', () => {
    const D = '444444444444';
    const audits = [
      audit({
        accountId: A,
        findings: [f(A, { userName: 'a1', ageDays: 100 }), f(A, { userName: 'a2', ageDays: 300 })],
      }),
      audit({ accountId: B, findings: [f(B, { userName: 'b1', ageDays: 400 })] }),
      audit({ accountId: C, findings: [f(C, { userName: 'c1', ageDays: null })] }),
      audit({ accountId: D, findings: [f(D, { userName: 'd1', ageDays: 0 })] }),
    ];
    const high = section(body(report(audits)), 'HIGH (5)').map((l) => l.trim().split('  ')[0]);
    expect(high).toEqual(['HIGH (5)', B, '- b1', A, '- a2', '- a1', D, '- d1', C, '- c1']);
  });

  it('exempted findings of one account: oldest, then severity, user, slot (none first), type, key id', () => {
    const exempt = { source: 'config' as const, reason: 'r', until: '2030-01-01' };
    const e = (over: Partial<Finding>) => f(A, { ageDays: 50, exemption: exempt, ...over });
    const planted = [
      e({ userName: 'z', accessKeyId: 'AKIAZZZZZZZZZZZZZZZ2', type: 'UNUSED' }),
      e({ userName: 'z', accessKeyId: 'AKIAZZZZZZZZZZZZZZZ1', type: 'UNUSED' }),
      e({ userName: 'z', type: 'ROTATION_OVERDUE' }),
      e({ userName: 'z', keySlot: 2 }),
      e({ userName: 'z', keySlot: null }),
      e({ userName: 'y' }),
      e({ severity: 'critical', userName: 'x' }),
      e({ ageDays: 60, severity: 'info', userName: 'w' }),
    ];
    const text = body(report([audit({ accountId: A, exempted: planted })]));
    const shown = section(text, 'EXEMPTED (8)')
      .slice(2)
      .map((l) => l.trim().split('  ').slice(0, 3).join(' '));
    expect(shown).toEqual([
      '- w AKIA…MNOP (key 1, Active) ROTATION_OVERDUE (info)',
      '- x AKIA…MNOP (key 1, Active) ROTATION_OVERDUE (critical)',
      '- y AKIA…MNOP (key 1, Active) ROTATION_OVERDUE (high)',
      '- z AKIA…MNOP ROTATION_OVERDUE (high)',
      '- z AKIA…MNOP (key 1, Active) ROTATION_OVERDUE (high)',
      '- z AKIA…ZZZ1 (key 1, Active) UNUSED (high)',
      '- z AKIA…ZZZ2 (key 1, Active) UNUSED (high)',
      '- z AKIA…MNOP (key 2, Active) ROTATION_OVERDUE (high)',
    ]);
  });

  it('accounts not audited: failed ones by id, then skipped ones by id, whatever the report order', () => {
    const r = report([
      audit({ accountId: A, status: 'SKIPPED', strategy: 'none', reason: 's' }),
      audit({ accountId: B, status: 'FAILED', strategy: 'none', reason: 'f' }),
      audit({ accountId: C, status: 'FAILED', strategy: 'none', reason: 'f' }),
    ]);
    const reversed: Report = { ...r, accounts: [...r.accounts].reverse() };
    const ids = (text: string) =>
      section(text, 'ACCOUNTS NOT AUDITED (3)')
        .filter((l) => l.startsWith('  - '))
        .map((l) => l.slice(4, 16));
    expect(ids(body(reversed))).toEqual([B, C, A]);
  });
});

describe('renderDigest: warnings and cuts', () => {
  const withWarnings = (n: number) =>
    report([audit({ accountId: A, warnings: Array.from({ length: n }, (_, i) => `warning ${i + 1}`) })]);

  it('20 warnings are all listed, with no "and more" line; 21 list 20 and count 1 more', () => {
    const twenty = body(withWarnings(20));
    expect(twenty).toContain('    - warning 20\n');
    expect(twenty).not.toContain('… and');
    const more = body(withWarnings(21));
    expect(more).toContain('    - warning 20\n  … and 1 more (see the full report)\n');
    expect(more).not.toContain('warning 21');
  });

  it('an entry without messages gets no heading', () => {
    const r = withWarnings(1);
    const text = body({
      ...r,
      warnings: [{ accountId: B, accountName: 'empty', messages: [] }, ...r.warnings],
    });
    expect(section(text, 'WARNINGS (1)')).toEqual([
      'WARNINGS (1)',
      `  ${A}  Account ${A}`,
      '    - warning 1',
    ]);
    expect(text).not.toContain(B);
  });

  // A long reason makes the fixed part large, so that limits from 1,024 bytes up cut the warnings
  // anywhere from nothing at all to every one of them.
  const long = (n: number) =>
    report(
      [
        audit({
          accountId: A,
          warnings: Array.from({ length: n }, (_, i) => `warning ${i + 1} ${'w'.repeat(240)}`),
        }),
      ],
      { reason: 'r'.repeat(500) },
    );

  // The budget counts a line break after every line, the last one included, so a body is kept
  // whole from one byte above its own size (docs/mutation-testing.md, "Findings").
  it('a body that fits is kept whole', () => {
    const r = long(4);
    const whole = body(r);
    expect(body(r, bytes(whole) + 1)).toBe(whole);
    expect(body(r, bytes(whole) - 1)).not.toBe(whole);
  });

  it('at every limit: within it, only whole lines dropped, every warning shown or counted, the cut under its heading', () => {
    const r = long(4);
    const whole = body(r);
    const wholeLines = new Set(lines(whole));
    let before = -1;
    for (let maxBytes = 1024; maxBytes <= bytes(whole); maxBytes++) {
      const text = body(r, maxBytes);
      expect(bytes(text)).toBeLessThanOrEqual(maxBytes);
      for (const line of lines(text)) {
        if (!/^ {2}… and \d+ more \(see the full report\)$/.test(line))
          expect(wholeLines.has(line), line).toBe(true);
      }
      const shown = lines(text).filter((l) => l.startsWith('    - warning')).length;
      const more = /… and (\d+) more/.exec(text);
      if (more !== null) {
        expect(shown + Number(more[1]), `${maxBytes}`).toBe(4);
        expect(text, `${maxBytes}`).toContain('WARNINGS (4)\n');
      } else {
        expect([0, 4], `${maxBytes}`).toContain(shown);
        if (shown === 0) expect(text).not.toContain('WARNINGS');
      }
      expect(shown, `${maxBytes}`).toBeGreaterThanOrEqual(before);
      // The first limit at which one more warning shows is the one it fills (to the byte counted above).
      if (before >= 0 && shown > before && shown < 4) {
        expect(bytes(text), `${maxBytes}`).toBeGreaterThanOrEqual(maxBytes - 1);
      }
      before = shown;
    }
    expect(before).toBe(4);
  });

  it('with room for the heading but not one warning, the heading stays with the count', () => {
    const r = long(4);
    const texts = Array.from({ length: 600 }, (_, i) => body(r, 1024 + i));
    expect(texts.some((t) => t.includes('WARNINGS (4)\n  … and 4 more (see the full report)\n'))).toBe(true);
  });

  it('when only the summary and the links fit, they are kept whole and the lists left out', () => {
    const r = report([audit({ accountId: A })], {
      reason: 'r'.repeat(500),
      thresholds: { note: 't'.repeat(300) },
    });
    const full = lines(body(r));
    const at = full.indexOf('FINDINGS');
    const kept = [...full.slice(0, at), ...full.slice(at + 3)].join('\n');
    expect(bytes(kept)).toBeGreaterThan(1024);
    expect(body(r, bytes(kept))).toBe(kept);
  });

  it('when even the summary does not fit, the text is cut at a character and says so, within the limit', () => {
    const r = report([audit({ accountId: A })], {
      reason: 'r'.repeat(500),
      thresholds: { note: 't'.repeat(600) },
    });
    const text = body(r, 1024);
    expect(bytes(text)).toBe(1024);
    expect(text.endsWith('\n… (truncated; see the full report)')).toBe(true);
    const kept = text.slice(0, -'\n… (truncated; see the full report)'.length);
    expect(body(r).startsWith(kept)).toBe(true);
    const wide = report([audit({ accountId: A })], {
      reason: '東'.repeat(500),
      thresholds: { note: 't'.repeat(600) },
    });
    const cut = body(wide, 1024);
    expect(bytes(cut)).toBeLessThanOrEqual(1024);
    expect(bytes(cut)).toBeGreaterThan(1024 - 3);
    expect(cut).not.toContain('\uFFFD');
  });
});

describe('renderSubject', () => {
  const totals = (over: Partial<Report['totals']>, dryRun = false): Report => {
    const r = report([], { dryRun });
    return { ...r, totals: { ...r.totals, ...over } };
  };

  it('no account audited, numbers too long for the first wording: the short one', () => {
    const r = totals({ accounts: 9_999_999_999, audited: 0, failed: 9_999_999_999, skipped: 0 }, true);
    expect(renderSubject(r, 0)).toBe(
      '[org-key-audit][dry run] No accounts audited: 9999999999/9999999999 not audited',
    );
  });

  it('takes a wording of exactly 100 characters', () => {
    const r = totals({
      accounts: 1_000_000,
      audited: 1,
      failed: 999_999,
      skipped: 0,
      accountsWithFindings: 1,
    });
    const subject = renderSubject(r, 1_000_000_000);
    expect(subject).toBe(
      '[org-key-audit] 1000000000 keys need attention in 1 of 1000000 accounts; 999999 accounts not audited',
    );
    expect(subject).toHaveLength(100);
  });

  it('when no wording fits, the shortest one cut at 100 characters', () => {
    const big = 10 ** 20;
    const r = totals({ accounts: big, audited: 1, failed: big, skipped: 0, accountsWithFindings: big });
    const subject = renderSubject(r, big);
    expect(subject).toBe(
      `[org-key-audit] ${big} keys, ${big}/${big} accts, ${big} not audited`.slice(0, 100),
    );
    expect(subject).toHaveLength(100);
  });
});

describe('utf8Length', () => {
  it('counts UTF-8 bytes: 1, 2, 3 or 4 per character, 3 for a lone surrogate', () => {
    expect(utf8Length('')).toBe(0);
    expect(utf8Length('a')).toBe(1);
    expect(utf8Length('\u007f')).toBe(1);
    expect(utf8Length('\u0080')).toBe(2);
    expect(utf8Length('\u07ff')).toBe(2);
    expect(utf8Length('\u0800')).toBe(3);
    expect(utf8Length('€')).toBe(3);
    expect(utf8Length('\ud7ff')).toBe(3);
    expect(utf8Length('😀')).toBe(4);
    expect(utf8Length('\ud800\udc00')).toBe(4);
    expect(utf8Length('\udbff\udfff')).toBe(4);
    expect(utf8Length('\ud800')).toBe(3);
    expect(utf8Length('\udc00')).toBe(3);
    expect(utf8Length('\ud800a')).toBe(4);
    expect(utf8Length('a\udc00\ud800')).toBe(7);
    expect(utf8Length('\ue000')).toBe(3);
    expect(utf8Length('\udbff\ue000')).toBe(6);
    expect(utf8Length('\ud800\udbff')).toBe(6);
    // A low surrogate pairs only with a high one before it.
    expect(utf8Length('\u0800\udc00')).toBe(6);
    expect(utf8Length('\udc00\udc00')).toBe(6);
    expect(utf8Length('\ue000\udc00')).toBe(6);
  });
});
