import type { MapChildProgress } from '@org-key-audit/statemachine';
import { describe, expect, it } from 'vitest';
import {
  accountOutcome,
  describeCounts,
  percentDone,
  progressBar,
  progressLine,
  progressReporter,
} from '../src/workflow/progress';

const audited = (index: number): MapChildProgress => ({
  index,
  status: 'SUCCEEDED',
  output: { accountId: '111111111111', status: 'AUDITED' },
});
// What the AccountFailed Pass state returns: the child SUCCEEDED, the account did not.
const failed = (index: number): MapChildProgress => ({
  index,
  status: 'SUCCEEDED',
  output: { accountId: '222222222222', status: 'FAILED', errorName: 'AuditRoleMissingError' },
});

describe('progress formatting', () => {
  it('fills the bar and the percentage in proportion, rounded down', () => {
    expect(progressBar({ audited: 30, failed: 300, skipped: 0, total: 578 }, 10)).toBe('[#####.....] 57%');
    expect(progressBar({ audited: 1, failed: 0, skipped: 0, total: 3 })).toBe(
      `[${'#'.repeat(10)}${'.'.repeat(20)}] 33%`,
    );
  });

  it('shows 100 % and a full bar only once every account has finished', () => {
    const oneToGo = { audited: 63, failed: 514, skipped: 0, total: 578 };
    expect(percentDone(oneToGo)).toBe(99);
    expect(progressBar(oneToGo, 10)).toBe('[#########.] 99%');
    expect(progressBar({ audited: 64, failed: 514, skipped: 0, total: 578 }, 10)).toBe('[##########] 100%');
  });

  it('counts audited, failed and to go apart: all failed is no account audited', () => {
    const allFailed = { audited: 0, failed: 578, skipped: 0, total: 578 };
    expect(describeCounts(allFailed)).toBe('accounts: 0 audited, 578 failed, 0 to go of 578');
    expect(progressLine(allFailed, 4)).toBe('[####] 100% accounts: 0 audited, 578 failed, 0 to go of 578');
    expect(describeCounts({ audited: 64, failed: 514, skipped: 0, total: 578 })).toBe(
      'accounts: 64 audited, 514 failed, 0 to go of 578',
    );
  });

  it('names skipped accounts only when there are some', () => {
    expect(describeCounts({ audited: 5, failed: 1, skipped: 2, total: 10 })).toBe(
      'accounts: 5 audited, 1 failed, 2 skipped, 2 to go of 10',
    );
  });

  it('treats no accounts at all as done', () => {
    const none = { audited: 0, failed: 0, skipped: 0, total: 0 };
    expect(progressBar(none, 5)).toBe('[#####] 100%');
    expect(describeCounts(none)).toBe('accounts: 0 audited, 0 failed, 0 to go of 0');
  });
});

describe('accountOutcome', () => {
  it('reads the account status from the child, as the digest does', () => {
    expect(accountOutcome(audited(0))).toBe('AUDITED');
    expect(accountOutcome(failed(0))).toBe('FAILED');
    expect(accountOutcome({ status: 'SUCCEEDED', output: { status: 'SKIPPED' } })).toBe('SKIPPED');
    expect(accountOutcome({ status: 'FAILED', output: { Error: 'States.Timeout', Cause: 'x' } })).toBe(
      'FAILED',
    );
    expect(accountOutcome({ status: 'SUCCEEDED', output: null })).toBe('FAILED');
    expect(accountOutcome({ status: 'SUCCEEDED', output: { accountId: '1', errorName: 'X' } })).toBe(
      'FAILED',
    );
    expect(accountOutcome({ status: 'SUCCEEDED', output: { accountId: '111111111111' } })).toBe('AUDITED');
  });
});

/** 100 accounts, every fifth and the one after it failed: 40 failed, 60 audited. */
function feed(isTty: boolean): string[] {
  const writes: string[] = [];
  const progress = progressReporter({ write: (text) => writes.push(text), isTty });
  for (let i = 0; i < 100; i += 1) progress.update(i + 1, 100, i % 5 < 2 ? failed(i) : audited(i));
  progress.finish();
  return writes;
}

describe('progressReporter', () => {
  it('redraws one line in place on a terminal, blanking what a longer line left, and ends it', () => {
    const writes = feed(true);
    expect(writes).toHaveLength(101);
    const lines = writes.slice(0, 100);
    // What the terminal shows: '\r' moves back to the first column, later characters overwrite.
    let shown = '';
    for (const text of lines) {
      expect(text.startsWith('\r')).toBe(true);
      expect(text).not.toContain('\n');
      const drawn = text.slice(1);
      shown = drawn + shown.slice(drawn.length);
      expect(shown.trimEnd()).toBe(drawn.trimEnd());
      expect(shown.trimEnd()).toMatch(
        /^\[[#.]{30}\] \d+% accounts: \d+ audited, \d+ failed, \d+ to go of 100$/,
      );
    }
    // 91st account: "10 to go" became "9 to go", one column shorter, so one space covers the rest.
    expect(lines[90]).toBe(
      `\r[${'#'.repeat(27)}${'.'.repeat(3)}] 91% accounts: 54 audited, 37 failed, 9 to go of 100 `,
    );
    expect(lines[99]).toBe(`\r[${'#'.repeat(30)}] 100% accounts: 60 audited, 40 failed, 0 to go of 100`);
    expect(writes[100]).toBe('\n');
  });

  it('writes a plain line every 10 % elsewhere, with no carriage return', () => {
    const writes = feed(false);
    expect(writes).toHaveLength(11);
    expect(writes.every((w) => w.endsWith('\n') && !w.includes('\r'))).toBe(true);
    expect(writes[0]).toBe('accounts: 0 audited, 1 failed, 99 to go of 100\n');
    expect(writes[1]).toBe('accounts: 6 audited, 4 failed, 90 to go of 100\n');
    expect(writes.at(-1)).toBe('accounts: 60 audited, 40 failed, 0 to go of 100\n');
  });

  it('counts a child execution that failed as a failed account', () => {
    const writes: string[] = [];
    const progress = progressReporter({ write: (text) => writes.push(text), isTty: false });
    for (let i = 0; i < 3; i += 1) {
      progress.update(i + 1, 3, { index: i, status: 'FAILED', output: { Error: 'Boom', Cause: '' } });
    }
    expect(writes.at(-1)).toBe('accounts: 0 audited, 3 failed, 0 to go of 3\n');
  });
});
