/**
 * The chat notification (core/chat.ts) against hand-computed cards: what a channel of Amazon Q
 * Developer in chat applications shows after a run.
 */
import { describe, expect, it } from 'vitest';
import {
  CHAT_FAILED_ACCOUNTS_SHOWN,
  type ChatRunSummary,
  chatNotification,
  clipChat,
  renderChatNotification,
} from '../../src/core/chat';

const ARN = 'arn:aws:states:eu-west-1:222222222222:execution:AuditOrganization:daily-2025-03-03';

const SUMMARY: ChatRunSummary = {
  executionName: 'daily-2025-03-03',
  totals: {
    accounts: 1240,
    audited: 1235,
    failed: 2,
    skipped: 3,
    findings: 57,
    exempted: 4,
    bySeverity: { low: 15, critical: 2, info: 0, high: 10, medium: 30 },
  },
  failedAccounts: [
    { accountId: '111111111111', errorName: 'AccessDenied', reason: 'the audit role is missing' },
    { accountId: '333333333333', errorName: null, reason: null },
  ],
  failedAccountsTruncated: false,
  reportKey: 'reports/daily-2025-03-03/report.json',
  changes: {
    comparable: true,
    previousExecution: 'daily-2025-03-02',
    new: 5,
    resolved: 3,
    stillOpen: 52,
    notRechecked: 0,
  },
};

const REPORT = 's3://org-key-audit-reports/reports/daily-2025-03-03/report.json';
const CONSOLE = `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${ARN}`;

describe('renderChatNotification', () => {
  it('renders the run as the documented custom notification, every line written out', () => {
    const text = renderChatNotification({
      summary: SUMMARY,
      subject: '[org-key-audit] 57 findings (2 critical) in 1,235 accounts',
      reportUri: REPORT,
      executionUrl: CONSOLE,
    });
    expect(JSON.parse(text)).toEqual({
      version: '1.0',
      source: 'custom',
      id: 'org-key-audit:daily-2025-03-03',
      content: {
        textType: 'client-markdown',
        title: '[org-key-audit] 57 findings (2 critical) in 1,235 accounts',
        description: [
          '*Accounts*: 1,235 audited, 2 failed, 3 skipped (of 1,240)',
          '*Findings*: 57 (critical 2 · high 10 · medium 30 · low 15 · info 0), 4 exempted',
          '*Since daily-2025-03-02*: 5 NEW, 3 RESOLVED, 52 still open',
          `*Report*: ${REPORT}`,
          `*Execution*: ${CONSOLE}`,
          '*Failed accounts*:',
          '• 111111111111 (AccessDenied: the audit role is missing)',
          '• 333333333333',
        ].join('\n'),
        nextSteps: [
          `Read the report: \`keyaudit report ${REPORT} --out report.html\``,
          `Audit the 2 failed accounts again: \`keyaudit rerun --failed-from ${ARN}\``,
          'Start with the 5 NEW findings: the report lists them first',
        ],
        keywords: ['org-key-audit', 'accounts-failed', 'critical'],
      },
      metadata: {
        summary: '[org-key-audit] 57 findings (2 critical) in 1,235 accounts',
        eventType: 'org-key-audit-run',
        additionalContext: { executionName: 'daily-2025-03-03', findings: '57', failedAccounts: '2' },
      },
    });
  });

  it('leaves out the rerun step, the failed accounts and NEW/RESOLVED when there are none', () => {
    const card = chatNotification({
      summary: {
        executionName: 'daily-1',
        totals: { accounts: 1, audited: 1, failed: 0, skipped: 0, findings: 0, exempted: 0 },
        failedAccounts: [],
        failedAccountsTruncated: false,
        reportKey: 'reports/daily-1/report.json',
        changes: { comparable: false, reason: 'no earlier full run' },
      },
      subject: 'no findings',
    });
    expect(card.content.description).toBe(
      '*Accounts*: 1 audited, 0 failed, 0 skipped (of 1)\n*Findings*: 0, 0 exempted',
    );
    expect(card.content.nextSteps).toEqual([
      'Read the report: `keyaudit report s3://REPORT_BUCKET/reports/daily-1/report.json --out report.html`',
    ]);
    expect(card.content.keywords).toEqual(['org-key-audit']);
  });

  it('names the execution when no ARN is known, and marks a dry run', () => {
    const card = chatNotification({
      summary: { ...SUMMARY, dryRun: true, changes: undefined },
      subject: 'dry',
    });
    expect(card.content.description.split('\n')[0]).toBe(
      '*Dry run*: nothing was published or imported but this card.',
    );
    expect(card.content.nextSteps[1]).toBe(
      'Audit the 2 failed accounts again: `keyaudit rerun --failed-from <execution ARN of daily-2025-03-03>`',
    );
    expect(card.content.keywords).toEqual(['org-key-audit', 'dry-run', 'accounts-failed', 'critical']);
  });

  it(`names ${CHAT_FAILED_ACCOUNTS_SHOWN} failed accounts and counts the rest`, () => {
    const failedAccounts = Array.from({ length: 25 }, (_, i) => ({
      accountId: String(100000000000 + i),
      errorName: 'Timeout',
      reason: null,
    }));
    const card = chatNotification({
      summary: {
        ...SUMMARY,
        totals: { ...SUMMARY.totals, failed: 1200 },
        failedAccounts,
        failedAccountsTruncated: true,
      },
      subject: 's',
      executionArn: ARN,
    });
    const lines = card.content.description.split('\n');
    const named = lines.filter((l) => /^• \d{12}/.test(l));
    expect(named).toHaveLength(10);
    expect(named[0]).toBe('• 100000000000 (Timeout)');
    expect(lines.at(-1)).toBe('• and 1,190 more accounts (see the report)');
    expect(card.content.nextSteps[1]).toBe(
      `Audit the 1,200 failed accounts again: \`keyaudit rerun --failed-from ${ARN}\``,
    );
  });

  it('keeps markup and mentions out of values from the run', () => {
    const card = chatNotification({
      summary: {
        ...SUMMARY,
        failedAccounts: [{ accountId: '111111111111', errorName: '<!channel>', reason: 'line\nbreak `x`' }],
      },
      subject: '*bold* <@U123>',
    });
    expect(card.content.title).toBe("'bold' '@U123'");
    expect(card.content.description).toContain("• 111111111111 ('!channel': line break 'x')");
  });

  it('clips to the limit with an ellipsis, counting characters, not UTF-16 units', () => {
    expect(clipChat('abcdef', 4)).toBe('abc…');
    expect(clipChat('abcd', 4)).toBe('abcd');
    expect(clipChat('😀😀😀', 3)).toBe('😀😀😀');
    expect(clipChat('😀😀😀😀', 3)).toBe('😀😀…');
  });
});
