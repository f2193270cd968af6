/**
 * Collect and evaluate one account's keys (docs/architecture.md, "Collecting one account"): the
 * credential report for the whole account, then live keys and tags only for users a first pass
 * flags, and the account summary for root keys. `auto` falls back to the per-user listing when
 * the report cannot be had for a reason retrying will not fix. Every decision is here; the
 * CredentialSource (aws/iam-credential-source.ts) only makes the calls.
 */
import { boundedPull } from '../core/concurrency';
import { parseCredentialReportInSlices, ROOT_ACCOUNT_USER } from '../core/credential-report';
import { CredentialReportParseError } from '../core/errors';
import type { ConfigExemption } from '../core/exemptions';
import { reconcileKeys } from '../core/key-reconcile';
import {
  type AccountAudit,
  type CollectionStrategy,
  type Finding,
  type PrincipalCredentials,
  SCHEMA_VERSION,
} from '../core/model';
import { compareFindings, evaluateAccount } from '../core/policy';
import type { Thresholds } from '../core/thresholds';
import type { CredentialSource } from './ports';

export type StrategyChoice = 'auto' | 'credential-report' | 'per-user';

/** Users followed up at once when nothing else is configured. */
export const DEFAULT_FOLLOW_UP_CONCURRENCY = 4;

export interface CollectAccountRequest {
  readonly accountId: string;
  readonly accountName: string;
  readonly thresholds: Thresholds;
  readonly configExemptions: readonly ConfigExemption[];
  /** The evaluation instant: ages are whole UTC calendar days up to it. */
  readonly now: Date;
  /** @default 'auto' */
  readonly strategy?: StrategyChoice;
  /** Flagged users followed up at once. @default DEFAULT_FOLLOW_UP_CONCURRENCY */
  readonly concurrency?: number;
}

interface Collected {
  readonly strategy: Exclude<CollectionStrategy, 'none'>;
  /** Every principal, the flagged ones with live keys and tags (users deleted meanwhile left out). */
  readonly principals: readonly PrincipalCredentials[];
  readonly reportGeneratedAt: string | null;
}

interface FollowUp {
  readonly source: CredentialSource;
  readonly isFlagged: (principal: PrincipalCredentials) => boolean;
  readonly concurrency: number;
}

export async function collectAccountAudit(
  source: CredentialSource,
  request: CollectAccountRequest,
): Promise<AccountAudit> {
  const { accountId } = request;
  const warnings: string[] = [];
  const ctx = {
    accountId,
    now: request.now,
    thresholds: request.thresholds,
    configExemptions: request.configExemptions,
  };
  // Follow-up calls only for users a first pass flags: this keeps the cost per account at
  // 4 + 2 x (users with findings) calls instead of 2 per user.
  const isFlagged = (principal: PrincipalCredentials): boolean => {
    if (principal.isRoot) return false;
    const first = evaluateAccount([principal], ctx);
    return first.findings.length > 0 || first.exempted.length > 0;
  };
  const followUp = {
    source,
    isFlagged,
    concurrency: request.concurrency ?? DEFAULT_FOLLOW_UP_CONCURRENCY,
  };

  // The account summary does not depend on the report, so it is read while the report is
  // generated: waiting leaves IAM's bucket full, and a call made then costs the follow-ups
  // nothing. allSettled, so neither call is still running (or rejects unobserved) after we return.
  const [principalsResult, rootKeysResult] = await Promise.allSettled([
    collectPrincipals(request, followUp, warnings),
    source.rootAccessKeysPresent(),
  ]);
  if (principalsResult.status === 'rejected') throw principalsResult.reason;
  if (rootKeysResult.status === 'rejected') throw rootKeysResult.reason;
  const collected = principalsResult.value;
  const rootKeysPresent = rootKeysResult.value;

  const principals = collected.principals
    // The account summary is live; a report row can be four hours old.
    .map((p) => (p.isRoot && rootKeysPresent === false ? { ...p, keys: [] } : p));

  const outcome = evaluateAccount(principals, ctx);
  const findings = [...outcome.findings];
  const root = principals.find((p) => p.isRoot);
  if (rootKeysPresent === true && (root === undefined || root.keys.length === 0)) {
    // Created after the report (or invisible to the per-user path): still critical, age unknown.
    findings.push(unknownAgeRootFinding(accountId, root?.userArn));
    findings.sort(compareFindings);
  }
  warnings.push(...outcome.warnings);

  const keys = principals.flatMap((p) => p.keys);
  return {
    schemaVersion: SCHEMA_VERSION,
    accountId,
    accountName: request.accountName,
    status: 'AUDITED',
    strategy: collected.strategy,
    reportGeneratedAt: collected.reportGeneratedAt,
    counts: {
      users: principals.filter((p) => !p.isRoot).length,
      activeKeys: keys.filter((k) => k.status === 'Active').length,
      inactiveKeys: keys.filter((k) => k.status === 'Inactive').length,
      findings: findings.length,
      exempted: outcome.exempted.length,
      apiCalls: source.apiCalls(),
    },
    findings,
    exempted: outcome.exempted,
    warnings,
  };
}

async function collectPrincipals(
  request: CollectAccountRequest,
  followUp: FollowUp,
  warnings: string[],
): Promise<Collected> {
  const { source } = followUp;
  const strategy = request.strategy ?? 'auto';
  const perUser = async (): Promise<Collected> => ({
    strategy: 'per-user',
    principals: await withFollowUps((await source.listPrincipals()).values(), followUp, false),
    reportGeneratedAt: null,
  });
  // Only reasons a retry cannot fix justify the slower path; transient ones surface as typed errors.
  const fallBack = (error: unknown): Promise<Collected> => {
    const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    warnings.push(
      `account ${request.accountId}: the credential report could not be used (${why}); audited user by user instead`,
    );
    return perUser();
  };
  if (strategy === 'per-user') return perUser();

  const report = await source.credentialReport();
  if (report.denied !== undefined) {
    if (strategy !== 'auto') throw report.denied;
    return fallBack(report.denied);
  }
  try {
    // Report rows carry no key ids and may be hours old: flagged users are reconciled with their
    // live keys, starting while later slices of the report are still being parsed.
    const rows = (function* () {
      for (const slice of parseCredentialReportInSlices(report.content)) yield* slice;
    })();
    return {
      strategy: 'credential-report',
      principals: await withFollowUps(rows, followUp, true),
      reportGeneratedAt: report.generatedAt?.toISOString() ?? null,
    };
  } catch (error) {
    // Follow-up calls never raise this: it is the report itself that cannot be read.
    if (strategy !== 'auto' || !(error instanceof CredentialReportParseError)) throw error;
    return fallBack(error);
  }
}

/**
 * Every principal of `rows` in order, each flagged one replaced by its live keys and tags (or
 * left out if the user was deleted meanwhile). Principals are pulled from `rows` only as
 * follow-up slots free up, so a lazily parsed report is read while the first calls are out.
 */
async function withFollowUps(
  rows: Iterator<PrincipalCredentials>,
  followUp: FollowUp,
  needsReconcile: boolean,
): Promise<PrincipalCredentials[]> {
  const principals: (PrincipalCredentials | null)[] = [];
  const flagged = (function* () {
    for (let next = rows.next(); next.done !== true; next = rows.next()) {
      const index = principals.push(next.value) - 1;
      if (followUp.isFlagged(next.value)) yield index;
    }
  })();
  await boundedPull(flagged, followUp.concurrency, async (index) => {
    principals[index] = await refreshPrincipal(
      followUp.source,
      principals[index] as PrincipalCredentials,
      needsReconcile,
    );
  });
  return principals.filter((p): p is PrincipalCredentials => p !== null);
}

/** Live keys (ids, status, deletions since the report) and tags, for one flagged user. */
async function refreshPrincipal(
  source: CredentialSource,
  principal: PrincipalCredentials,
  needsReconcile: boolean,
): Promise<PrincipalCredentials | null> {
  let keys = principal.keys;
  if (needsReconcile) {
    const listed = await source.liveAccessKeys(principal.userName);
    if (listed === null) return null;
    keys = reconcileKeys(principal.keys, listed);
  }
  const tags = await source.userTags(principal.userName);
  if (tags === null) return null;
  return { ...principal, keys, tags };
}

function unknownAgeRootFinding(accountId: string, rootArn: string | undefined): Finding {
  return {
    accountId,
    userName: ROOT_ACCOUNT_USER,
    userArn: rootArn ?? `arn:aws:iam::${accountId}:root`,
    accessKeyId: null,
    keySlot: null,
    status: null,
    createdAt: null,
    ageDays: null,
    lastUsedAt: null,
    lastUsedService: null,
    type: 'ROOT_ACCESS_KEY',
    severity: 'critical',
  };
}
