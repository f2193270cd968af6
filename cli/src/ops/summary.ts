/**
 * The execution output (docs/contracts.md: the digest summary) as the CLI reads it back.
 * Validated, because an execution of an older or newer workflow may carry another shape and a
 * rerun built from a misread output would audit the wrong accounts.
 */
import { type ParsedRunSummary, RunSummarySchema } from '@org-key-audit/functions/core';
import { OperationError } from './errors';

export { RunSummarySchema as summarySchema };
export type ExecutionSummary = ParsedRunSummary;

/** Parses an execution's `output` string; `where` names the execution in the error. */
export function parseSummary(output: string | undefined, where: string): ExecutionSummary {
  if (output === undefined || output === '') {
    throw new OperationError(`The execution ${where} has no output.`, {
      fix: 'Only a SUCCEEDED execution has a summary; for a failed one use `keyaudit redrive` or `keyaudit rerun --all`.',
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(output);
  } catch (error) {
    throw new OperationError(`The output of ${where} is not JSON.`, {
      fix: 'Check that the execution belongs to the AuditOrganization state machine.',
      cause: error,
    });
  }
  const parsed = RunSummarySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue === undefined ? '' : issue.path.map(String).join('.');
    throw new OperationError(
      `The output of ${where} is not an org-key-audit summary (field "${path}": ${issue?.message ?? 'invalid'}).`,
      { fix: 'Check that the execution belongs to the AuditOrganization state machine of this version.' },
    );
  }
  return parsed.data;
}

/** The exit code a finished run maps to: 0 all audited, 2 some accounts failed. */
export function summaryExitCode(summary: ExecutionSummary): number {
  return summary.totals.failed > 0 ? 2 : 0;
}

/** The digest summary as a few human lines (the `--wait` and `status` views). */
export function formatSummary(summary: ExecutionSummary): string {
  const t = summary.totals;
  const severities = Object.entries(t.bySeverity ?? {})
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  const lines = [
    summary.subject ?? summary.executionName,
    `accounts: ${t.accounts} (audited ${t.audited}, failed ${t.failed}, skipped ${t.skipped})`,
    `findings: ${t.findings}${severities === '' ? '' : ` (${severities})`}; exempted: ${t.exempted}`,
  ];
  const changes = summary.changes;
  if (changes !== undefined) {
    lines.push(
      changes.comparable
        ? `since ${changes.previousExecution}: ${changes.new} new, ${changes.resolved} resolved, ${changes.stillOpen} still open${changes.notRechecked > 0 ? `, ${changes.notRechecked} not re-checked` : ''}`
        : `no comparison with an earlier run: ${changes.reason}`,
    );
  }
  if (summary.failedAccounts.length > 0) {
    lines.push('failed accounts:');
    for (const f of summary.failedAccounts.slice(0, 20)) {
      lines.push(`  ${f.accountId}  ${f.errorName ?? 'Error'}: ${f.reason ?? ''}`.trimEnd());
    }
    const more = t.failed - Math.min(20, summary.failedAccounts.length);
    if (more > 0) lines.push(`  and ${more} more (see the report)`);
  }
  if (summary.reportKey) lines.push(`report: ${summary.reportKey}`);
  return lines.join('\n');
}
