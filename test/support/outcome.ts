/**
 * What a run left behind, read straight from the emulator's stores (not through the product's
 * own readers, which are under test): the report, the digest text, DLQ bodies, published email.
 */
import type { ExpectedFinding } from '@org-key-audit/emulator';
import type { AccountAudit } from '@org-key-audit/functions/core/model';
import type { Report } from '@org-key-audit/functions/core/report';
import type { Emulator } from './harness';

export interface AccountFailureMessage {
  readonly kind: 'account-failure';
  readonly executionArn: string;
  readonly executionName: string;
  readonly accountId: string;
  readonly error: string | null;
  readonly cause: string | null;
  readonly rerunInput: {
    readonly accountIds: readonly string[];
    readonly thresholds?: unknown;
    readonly reason?: unknown;
  };
}

export interface RunOutcome {
  readonly report: Report | null;
  readonly digest: string | null;
  readonly accountFailures: readonly AccountFailureMessage[];
  readonly digestFailures: readonly Record<string, unknown>[];
  readonly executionFailures: readonly Record<string, unknown>[];
}

function objectText(emulator: Emulator, key: string): string | null {
  const body = emulator.messaging.objects(emulator.resources.reportBucket).get(key);
  return body === undefined ? null : body.toString('utf8');
}

function queueBodies(emulator: Emulator, queueUrl: string): Record<string, unknown>[] {
  return emulator.messaging.queueMessages(queueUrl).map((m) => JSON.parse(m.body) as Record<string, unknown>);
}

export function readOutcome(emulator: Emulator, executionName: string): RunOutcome {
  const reportText = objectText(emulator, `reports/${executionName}/report.json`);
  const { queues } = emulator.resources;
  const mine = (body: Record<string, unknown>) =>
    body['executionName'] === executionName ||
    (typeof body['executionArn'] === 'string' && body['executionArn'].endsWith(`:${executionName}`));
  return {
    report: reportText === null ? null : (JSON.parse(reportText) as Report),
    digest: objectText(emulator, `reports/${executionName}/digest.txt`),
    accountFailures: queueBodies(emulator, queues.accountFailures).filter(
      mine,
    ) as unknown as AccountFailureMessage[],
    digestFailures: queueBodies(emulator, queues.digestFailures).filter(mine),
    executionFailures: queueBodies(emulator, queues.executionFailures).filter(mine),
  };
}

/** A finding reduced to what the emulator planted: who, which key, which rule. */
export function findingKey(f: {
  accountId: string;
  userName: string;
  accessKeyId: string | null;
  type: string;
}): string {
  return `${f.accountId}|${f.userName}|${f.accessKeyId ?? '-'}|${f.type}`;
}

/** Both the findings that need attention and the exempted ones, as planted-comparable keys. */
export function auditedFindingKeys(audit: AccountAudit): string[] {
  // Root keys carry no id in the planted data: the report may know it, the plant cannot.
  const norm = (f: AccountAudit['findings'][number]) =>
    findingKey({ ...f, accessKeyId: f.userName === '<root_account>' ? null : f.accessKeyId });
  return [...audit.findings, ...audit.exempted].map(norm).sort();
}

export function plantedFindingKeys(
  findings: readonly ExpectedFinding[],
  exempted: readonly ExpectedFinding[],
  accountId: string,
): string[] {
  return [...findings, ...exempted]
    .filter((f) => f.accountId === accountId)
    .map(findingKey)
    .sort();
}
