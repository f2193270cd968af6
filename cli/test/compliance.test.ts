/**
 * The compliance view (ops/compliance.ts) and its Markdown and HTML rendering, against the
 * hand-built report in helpers/compliance-fixture.ts: every count below is worked out by hand
 * in that file's header, not read back from the code under test.
 */
import { describe, expect, it } from 'vitest';
import { complianceView } from '../src/ops/compliance';
import { renderReportHtml } from '../src/ops/report-html';
import { renderReportMarkdown } from '../src/ops/report-markdown';
import {
  ANALYTICS,
  BROKEN,
  complianceReport,
  HOSTILE_EXCEPTION,
  OLD,
  PAYMENTS,
  SANDBOX,
  UNNAMED,
} from './helpers/compliance-fixture';
import { plantedReport } from './helpers/report-fixture';

const NOT_ASSESSED = [
  { accountId: BROKEN, accountName: 'broken', status: 'FAILED', reason: 'audit role missing' },
  { accountId: OLD, accountName: 'old', status: 'SKIPPED', reason: 'the account is SUSPENDED' },
];

describe('complianceView', () => {
  const view = complianceView(complianceReport());
  const control = (id: string) => {
    const c = view.find((v) => v.control.id === id);
    if (c === undefined) throw new Error(`no control ${id}`);
    return c;
  };

  it('has the four CIS v3.0.0 controls the audit covers, in benchmark order, with their finding types', () => {
    expect(view.map((c) => [c.control.id, c.findingTypes])).toEqual([
      ['1.4', ['ROOT_ACCESS_KEY']],
      ['1.12', ['UNUSED', 'NEVER_USED']],
      ['1.13', ['TWO_ACTIVE_KEYS']],
      ['1.14', ['ROTATION_OVERDUE']],
    ]);
    expect(control('1.14').control.title).toBe('Ensure access keys are rotated every 90 days or less');
  });

  it('counts the audited accounts in scope, and every failed or skipped one as not assessed', () => {
    for (const c of view) {
      expect(c.inScope, c.control.id).toBe(5);
      expect(c.notAssessed, c.control.id).toEqual(NOT_ASSESSED);
      expect(c.passing + c.failing.length, c.control.id).toBe(c.inScope);
    }
  });

  it('1.4: the account with a root access key fails', () => {
    expect(control('1.4')).toMatchObject({
      passing: 4,
      failing: [{ accountId: PAYMENTS, accountName: 'payments', findings: 1 }],
      exceptions: [],
      thresholdNote: null,
    });
  });

  it('1.12: unused and never-used keys both fail it; the exempted one is an exception', () => {
    const c = control('1.12');
    expect(c.passing).toBe(3);
    expect(c.failing).toEqual([
      { accountId: PAYMENTS, accountName: 'payments', findings: 1 },
      { accountId: ANALYTICS, accountName: 'analytics', findings: 2 },
    ]);
    expect(c.exceptions).toEqual([
      {
        accountId: ANALYTICS,
        accountName: 'analytics',
        userName: 'hank',
        accessKeyId: 'AKIAHANKCCCCCCCCCCCC',
        type: 'UNUSED',
        reason: HOSTILE_EXCEPTION,
        until: '2025-12-31',
        source: 'tag',
      },
    ]);
    // unusedDays 45 is the benchmark's own limit.
    expect(c.thresholdNote).toBeNull();
  });

  it('1.13: an account whose only finding of it is exempted passes, with the exception listed', () => {
    const c = control('1.13');
    expect(c.passing).toBe(4);
    expect(c.failing).toEqual([{ accountId: ANALYTICS, accountName: 'analytics', findings: 1 }]);
    expect(c.exceptions.map((x) => [x.accountId, x.userName, x.reason, x.until])).toEqual([
      [SANDBOX, 'ivan', 'migration window', '2025-04-01'],
    ]);
  });

  it('1.14: overdue keys fail it (due soon and the reminder day do not); a name that is the id is left out', () => {
    const c = control('1.14');
    expect(c.passing).toBe(3);
    expect(c.failing).toEqual([
      { accountId: PAYMENTS, accountName: 'payments', findings: 2 },
      { accountId: UNNAMED, accountName: '', findings: 1 },
    ]);
    expect(c.exceptions.map((x) => [x.accountId, x.userName, x.reason, x.until, x.source])).toEqual([
      [PAYMENTS, 'dave', 'vendor integration, ticket SEC-12', '2025-06-30', 'config'],
    ]);
    expect(c.thresholdNote).toBe(
      'This run used rotationOverdueDays = 120; CIS 1.14 asks for 90 days, so keys between 90 and 120 days were not counted as failing.',
    );
  });

  it('the planted report: 2 in scope, 2 not assessed, and its counts by hand', () => {
    // plantedReport: prod has alice ROTATION_OVERDUE + UNUSED, bob ROTATION_OVERDUE +
    // TWO_ACTIVE_KEYS, carol due soon, dave exempted ROTATION_OVERDUE; dev has eve NEVER_USED.
    const planted = complianceView(plantedReport());
    expect(
      planted.map((c) => [
        c.control.id,
        c.inScope,
        c.passing,
        c.failing.map((a) => `${a.accountId}:${a.findings}`),
        c.notAssessed.length,
        c.exceptions.length,
      ]),
    ).toEqual([
      ['1.4', 2, 2, [], 2, 0],
      ['1.12', 2, 0, ['111111111111:1', '222222222222:1'], 2, 0],
      ['1.13', 2, 1, ['111111111111:1'], 2, 0],
      ['1.14', 2, 1, ['111111111111:2'], 2, 1],
    ]);
    expect(planted.every((c) => c.thresholdNote === null)).toBe(true);
  });

  it('an organization with nothing audited has nothing in scope, and everything not assessed', () => {
    const report = complianceReport();
    const none = complianceView({
      ...report,
      accounts: report.accounts.filter((a) => a.status !== 'AUDITED'),
    });
    expect(none.map((c) => [c.inScope, c.passing, c.failing.length, c.notAssessed.length])).toEqual([
      [0, 0, 0, 2],
      [0, 0, 0, 2],
      [0, 0, 0, 2],
      [0, 0, 0, 2],
    ]);
  });
});

describe('compliance in the Markdown report', () => {
  const md = renderReportMarkdown(complianceReport());

  it('has an overview row per control with the counts', () => {
    expect(md).toContain('## Compliance: CIS AWS Foundations Benchmark v3.0.0');
    expect(md).toContain("| 1.4 | Ensure no 'root' user account access key exists | 5 | 4 | 1 | 2 | 0 |");
    expect(md).toContain(
      '| 1.12 | Ensure credentials unused for 45 days or more are disabled | 5 | 3 | 2 | 2 | 1 |',
    );
    expect(md).toContain(
      '| 1.13 | Ensure there is only one active access key available for any single IAM user | 5 | 4 | 1 | 2 | 1 |',
    );
    expect(md).toContain(
      '| 1.14 | Ensure access keys are rotated every 90 days or less | 5 | 3 | 2 | 2 | 1 |',
    );
  });

  it('lists each control’s failing accounts, exceptions with reason and expiry, and the accounts not assessed', () => {
    const section = md.slice(md.indexOf('### CIS 1.14'), md.indexOf('### Not assessed'));
    expect(section).toContain(
      'Failed by ROTATION\\_OVERDUE findings. 5 in scope, 3 passing, 2 failing, 2 not assessed, 1 exception.',
    );
    expect(section).toContain('**Note:** This run used rotationOverdueDays = 120;');
    expect(section).toContain('| 111111111111 \\(payments\\) | 2 |');
    expect(section).toContain('| 777777777777 | 1 |');
    expect(section).toContain(
      '| ROTATION\\_OVERDUE | 111111111111 \\(payments\\) | dave | AKIADAVECCCCCCCCCCCC | vendor integration, ticket SEC-12 | 2025-06-30 |',
    );
    expect(md).toContain('### Not assessed for any control (2)');
    expect(md).toContain('| 555555555555 \\(broken\\) | FAILED | audit role missing |');
    expect(md).toContain('| 666666666666 \\(old\\) | SKIPPED | the account is SUSPENDED |');
    // The exception's hostile reason is escaped, not markup.
    expect(md).not.toContain(HOSTILE_EXCEPTION);
    expect(md).toContain('\\<img src="https://attacker.example/c.png" onerror="window.\\_\\_pwned=5"\\>');
  });
});

describe('compliance in the HTML report', () => {
  const html = renderReportHtml(complianceReport());
  const table = (id: string) => html.slice(html.indexOf(`<table id="${id}"`)).split('</table>')[0] ?? '';
  const count = (id: string, row: string) =>
    new RegExp(`data-count="${row}">(\\d+)</td>`).exec(table(id))?.[1];

  it('has a table per control with the five counts', () => {
    expect(html).toContain(
      '<section id="compliance"><h2>Compliance: CIS AWS Foundations Benchmark v3.0.0</h2>',
    );
    const counts = ['1-4', '1-12', '1-13', '1-14'].map((id) =>
      ['in-scope', 'passing', 'failing', 'not-assessed', 'exceptions'].map((row) =>
        count(`cis-${id}-table`, row),
      ),
    );
    expect(counts).toEqual([
      ['5', '4', '1', '2', '0'],
      ['5', '3', '2', '2', '1'],
      ['5', '4', '1', '2', '1'],
      ['5', '3', '2', '2', '1'],
    ]);
  });

  it('names the failing accounts with counts, the exceptions with reason and expiry, all escaped', () => {
    const t = table('cis-1-14-table');
    expect(t).toContain('<li><code>111111111111</code> payments: 2 open findings</li>');
    expect(t).toContain('<li><code>777777777777</code>: 1 open finding</li>');
    expect(t).toContain('<li><code>555555555555</code> broken: FAILED, audit role missing</li>');
    expect(t).toContain(
      'ROTATION_OVERDUE, dave <code>AKIADAVECCCCCCCCCCCC</code> in <code>111111111111</code> payments: vendor integration, ticket SEC-12 <span class="until">(until 2025-06-30)</span>',
    );
    expect(html).toContain('id="cis-1-14-threshold"');
    expect(html).not.toContain('id="cis-1-12-threshold"');
    expect(html).not.toContain(HOSTILE_EXCEPTION);
    expect(table('cis-1-12-table')).toContain(
      '&lt;img src=&quot;https://attacker.example/c.png&quot; onerror=&quot;window.__pwned=5&quot;&gt;',
    );
    // Still no element that could load anything.
    expect(html).not.toMatch(/<[^>]+\s(src|href|srcset|action)=/i);
  });
});
