/**
 * The invariants every fault case must keep (issue 8): nobody lost, nobody falsely clean, every
 * failure in the DLQ with a working rerun input, every failure named in the digest.
 */
import type { ExpectedAccount } from '@org-key-audit/emulator';
import type { AccountAudit } from '@org-key-audit/functions/core';
import { parseExecutionInput } from '@org-key-audit/functions/core';
import { expect } from 'vitest';
import type { LocalEmulator } from './local-env';
import { auditedFindingKeys, plantedFindingKeys, type RunOutcome } from './local-env';

/** What a case expects of one account beyond the emulator's plain expectation. */
export interface FailureExpectation {
  /** The stable error names this account may fail with. */
  readonly errorNames: readonly string[];
  /** Text the recorded reason must contain (case-insensitive). */
  readonly reasonIncludes?: string;
  /** The account may also recover (a transient fault retried away): AUDITED is then fine too. */
  readonly mayRecover?: boolean;
}

export interface CaseExpectations {
  /** Accounts this case makes fail, on top of the organization's own (role missing). */
  readonly failures?: ReadonlyMap<string, FailureExpectation>;
  /** A fault that may hit any account transiently: it may end AUDITED or FAILED with one of these. */
  readonly anyAccountMayFailWith?: readonly string[];
}

export interface CheckedRun {
  readonly audited: readonly AccountAudit[];
  readonly failed: readonly AccountAudit[];
  readonly skipped: readonly AccountAudit[];
}

/** The organization's own expectation: skipped (not ACTIVE) or FAILED (no audit role) or AUDITED. */
function baseExpectation(account: ExpectedAccount): FailureExpectation | 'SKIPPED' | 'AUDITED' {
  if (account.expectedStatus === 'SKIPPED') return 'SKIPPED';
  if (account.expectedStatus === 'FAILED') {
    return { errorNames: ['AuditRoleMissingError'], reasonIncludes: 'missing' };
  }
  return 'AUDITED';
}

/** The lines the digest shows for one account: its header line and the Reason line under it. */
export function digestEntry(digest: string, accountId: string): { header: string; reason: string } | null {
  const lines = digest.split('\n');
  const at = lines.findIndex((line) => line.startsWith(`  - ${accountId}  `));
  if (at < 0) return null;
  return { header: lines[at] ?? '', reason: lines[at + 1] ?? '' };
}

export function checkInvariants(
  emulator: LocalEmulator,
  outcome: RunOutcome,
  expectations: CaseExpectations = {},
): CheckedRun {
  const { report, digest } = outcome;
  expect(report, 'the report was written').not.toBeNull();
  expect(digest, 'the digest was written').not.toBeNull();
  if (report === null || digest === null) throw new Error('unreachable');

  // 1. Every organization account exactly once.
  const orgIds = emulator.expected.accounts.map((a) => a.accountId).sort();
  expect(report.accounts.map((a) => a.accountId).sort()).toEqual(orgIds);
  expect(report.totals.accounts).toBe(orgIds.length);

  const failures = expectations.failures ?? new Map<string, FailureExpectation>();
  const audited: AccountAudit[] = [];
  const failed: AccountAudit[] = [];
  const skipped: AccountAudit[] = [];
  const byId = new Map(report.accounts.map((a) => [a.accountId, a]));
  for (const account of emulator.expected.accounts) {
    const audit = byId.get(account.accountId);
    if (audit === undefined) throw new Error(`account ${account.accountId} missing from the report`);
    const base = baseExpectation(account);
    const expected = failures.get(account.accountId) ?? base;
    const where = `account ${account.accountId} (${audit.status} ${audit.errorName ?? ''}: ${audit.reason ?? ''})`;
    if (expected === 'SKIPPED') {
      expect(audit.status, where).toBe('SKIPPED');
    } else if (expected === 'AUDITED') {
      if (audit.status === 'FAILED' && expectations.anyAccountMayFailWith !== undefined) {
        expect(expectations.anyAccountMayFailWith, where).toContain(audit.errorName);
      } else {
        expect(audit.status, where).toBe('AUDITED');
      }
    } else if (audit.status === 'AUDITED') {
      expect(expected.mayRecover === true, `${where} should have failed`).toBe(true);
    } else {
      expect(audit.status, where).toBe('FAILED');
      expect(expected.errorNames, where).toContain(audit.errorName);
      if (expected.reasonIncludes !== undefined) {
        expect((audit.reason ?? '').toLowerCase(), where).toContain(expected.reasonIncludes.toLowerCase());
      }
    }
    if (audit.status === 'AUDITED') audited.push(audit);
    else if (audit.status === 'FAILED') failed.push(audit);
    else skipped.push(audit);
  }
  expect(report.totals.audited).toBe(audited.length);
  expect(report.totals.failed).toBe(failed.length);
  expect(report.totals.skipped).toBe(skipped.length);

  // 2. No false "clean" account: an audited account shows exactly what was planted in it.
  const { findings, exempted } = emulator.expected;
  for (const audit of audited) {
    expect(auditedFindingKeys(audit), `findings of ${audit.accountId}`).toEqual(
      plantedFindingKeys(findings, exempted, audit.accountId),
    );
  }

  // 3. One DLQ message per FAILED account, none for the others, each a valid rerun of it.
  const dlqIds = outcome.accountFailures.map((m) => m.accountId).sort();
  expect(dlqIds).toEqual(failed.map((a) => a.accountId).sort());
  for (const message of outcome.accountFailures) {
    expect(message.kind).toBe('account-failure');
    expect(message.rerunInput.accountIds).toEqual([message.accountId]);
    const rerun = parseExecutionInput(message.rerunInput);
    expect(rerun.accountIds).toEqual([message.accountId]);
    const audit = byId.get(message.accountId);
    expect(message.error, `DLQ error of ${message.accountId}`).toBe(audit?.errorName);
  }

  // 4. The digest names every account that was not audited, with its reason.
  for (const audit of [...failed, ...skipped]) {
    const entry = digestEntry(digest, audit.accountId);
    expect(entry, `digest entry for ${audit.accountId}`).not.toBeNull();
    expect(entry?.header).toContain(audit.status === 'FAILED' ? `FAILED: ${audit.errorName}` : 'SKIPPED');
    const reason = (audit.reason ?? '').replace(/\s+/g, ' ').slice(0, 60);
    expect(reason.length, `a reason is recorded for ${audit.accountId}`).toBeGreaterThan(0);
    expect(entry?.reason.replace(/\s+/g, ' ')).toContain(reason);
  }
  return { audited, failed, skipped };
}

/** The published email for this execution: exactly one, and it is the stored digest. */
export function expectPublished(emulator: LocalEmulator, executionName: string, digest: string): void {
  const mine = emulator.messaging
    .published()
    .filter(
      (m) =>
        m.topicArn === emulator.resources.digestTopicArn &&
        m.message.includes(`Execution:  ${executionName}\n`),
    );
  expect(mine).toHaveLength(1);
  expect(mine[0]?.message).toBe(digest);
}
