/**
 * Assertions the named workflow cases share: the execution output's counts, the digest subject,
 * finding sets compared as {accountId, userName, accessKeyId, type}, and an AuditAccount wrapper
 * that counts invocations (the definition's Retry budget) and can crash one account.
 */
import type { WorkflowResult, WorkflowTasks } from '@org-key-audit/statemachine';
import { expect } from 'vitest';
import { findingKey } from './local-env';

export interface Summary {
  readonly dryRun: boolean;
  readonly reason: string | null;
  readonly subject: string;
  readonly totals: {
    readonly accounts: number;
    readonly audited: number;
    readonly failed: number;
    readonly skipped: number;
    readonly findings: number;
    readonly exempted: number;
  };
}

export function summaryOf(result: WorkflowResult): Summary {
  expect(result.status, `${result.error ?? ''}: ${result.cause ?? ''}`).toBe('SUCCEEDED');
  return result.output as unknown as Summary;
}

export function expectCounts(
  summary: Summary,
  counts: { audited: number; failed: number; skipped: number },
): void {
  const { totals } = summary;
  expect({ audited: totals.audited, failed: totals.failed, skipped: totals.skipped }).toEqual(counts);
  expect(totals.audited + totals.failed + totals.skipped).toBe(totals.accounts);
}

export type Finding = Parameters<typeof findingKey>[0];
export const keysOf = (findings: readonly Finding[]) => findings.map(findingKey).sort();
/** Distinct keys with a finding: a key with two findings is one key to rotate. */
export const distinctKeys = (findings: readonly Finding[]) =>
  new Set(findings.map((f) => JSON.stringify([f.accountId, f.userName, f.accessKeyId]))).size;
export const distinctAccounts = (findings: readonly Finding[]) =>
  new Set(findings.map((f) => f.accountId)).size;

export function expectSubject(
  subject: string | undefined,
  keys: number,
  withFindings: number,
  total: number,
) {
  expect(subject).toMatch(
    new RegExp(`^\\[org-key-audit\\] ${keys} keys? needs? \\w+ in ${withFindings} of ${total} accounts`),
  );
  expect(subject?.length).toBeLessThanOrEqual(100);
}

/** Counts each real AuditAccount invocation per account; optionally crashes one account's. */
export function auditInvocations(crash?: { readonly accountId: string; readonly error: Error }) {
  const calls = new Map<string, number>();
  const wrap = (tasks: WorkflowTasks): WorkflowTasks => ({
    ...tasks,
    auditAccount: async (event: { readonly accountId: string }) => {
      calls.set(event.accountId, (calls.get(event.accountId) ?? 0) + 1);
      if (event.accountId === crash?.accountId) throw crash.error;
      return tasks.auditAccount(event as never);
    },
  });
  return { calls, wrap };
}
