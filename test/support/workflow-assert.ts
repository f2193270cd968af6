/**
 * Assertions the named workflow cases share: the execution output's counts, the digest subject,
 * finding sets compared as {accountId, userName, accessKeyId, type, severity, ageDays}, the
 * digest's sections, and an AuditAccount wrapper
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

const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'] as const;

/** `critical 2, high 5, medium 2, low 2, info 1`: the digest's count of findings by severity. */
export function severityCounts(findings: readonly Pick<Finding, 'severity'>[]): string {
  return SEVERITY_ORDER.map((s) => `${s} ${findings.filter((f) => f.severity === s).length}`).join(', ');
}

/** How the digest shows a key id (docs/design.md, "The digest"): `AKIA…WXYZ`. */
export function maskedKeyId(id: string): string {
  return `${id.slice(0, 4)}…${id.slice(-4)}`;
}

/** A section heading of the digest body: an upper-case line at the margin ("FINDINGS NEEDING ATTENTION (5)"). */
const SECTION_HEADING = /^[A-Z][A-Z ]*[A-Z](?: \(\d+\))?$/;
/** The severity groups inside the findings section are headed the same way, but belong to it. */
const SEVERITY_HEADING = /^(CRITICAL|HIGH|MEDIUM|LOW|INFO) \(\d+\)$/;
const isSectionHeading = (line: string) => SECTION_HEADING.test(line) && !SEVERITY_HEADING.test(line);

/**
 * One section of the digest body: its heading line (the first heading that starts with
 * `heading`) and every line up to the next section's heading; [] when the digest has none.
 */
export function digestSection(body: string, heading: string): string[] {
  const lines = body.split('\n');
  const start = lines.findIndex((l) => l.startsWith(heading) && isSectionHeading(l));
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && isSectionHeading(l));
  return lines.slice(start, end < 0 ? undefined : end);
}

/**
 * The subject names `keys` open keys in `withFindings` of `total` accounts: as "N keys need
 * attention" without a comparison, or after "X new, Y resolved" when `changes` is given (a run
 * that compares with the last full run, docs/architecture.md "Run history").
 */
export function expectSubject(
  subject: string | undefined,
  keys: number,
  withFindings: number,
  total: number,
  changes?: { readonly new: number; readonly resolved: number },
) {
  const open =
    changes === undefined
      ? `${keys} keys? needs? \\w+`
      : `${changes.new} new, ${changes.resolved} resolved, ${keys} open`;
  expect(subject).toMatch(new RegExp(`^\\[org-key-audit\\] ${open} in ${withFindings} of ${total} accounts`));
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
