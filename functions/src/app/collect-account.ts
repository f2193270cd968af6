/**
 * Collect and evaluate one account's keys (docs/architecture.md, "Collecting one account"): the
 * credential report for the whole account, then live keys and tags only for users a first pass
 * flags, and the account summary for root keys. `auto` falls back to the per-user listing when
 * the report cannot be had for a reason retrying will not fix. Every decision is here; the
 * CredentialSource (aws/iam-credential-source.ts) only makes the calls.
 */
import { boundedPull } from '../core/concurrency';
import {
  addApiCalls,
  CHECKPOINT_SCHEMA_VERSION,
  type CollectionCheckpoint,
  type TimeBudget,
} from '../core/continuation';
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
  /** The IAM user tag naming a finding's owner (core/owners.ts); read with the flagged users' tags. */
  readonly ownerTagKey?: string | null;
}

interface Collected {
  readonly strategy: Exclude<CollectionStrategy, 'none'>;
  /**
   * Every principal in order, the flagged ones followed up so far with live keys and tags; null
   * where a followed-up user turned out to be deleted meanwhile.
   */
  readonly principals: (PrincipalCredentials | null)[];
  /** Indexes of flagged principals not followed up yet: the time ran short. */
  readonly pending: readonly number[];
  readonly reportGeneratedAt: string | null;
  readonly reconcile: boolean;
}

interface FollowUp {
  readonly source: CredentialSource;
  readonly isFlagged: (principal: PrincipalCredentials) => boolean;
  readonly concurrency: number;
  /** True once no new follow-up may start (the invocation's time is running short). */
  readonly outOfTime: () => boolean;
}

export interface CollectAccountOptions {
  /** The invocation's time: follow-ups stop starting when less than the margin is left. */
  readonly budget?: TimeBudget;
  /** Where an earlier invocation stopped: its principals and the follow-ups still to make. */
  readonly resume?: CollectionCheckpoint;
}

/** A finished audit, or where this invocation stopped and the next one takes over. */
export type CollectStep =
  | { readonly done: true; readonly audit: AccountAudit }
  | { readonly done: false; readonly checkpoint: CollectionCheckpoint };

/** The whole account in one go (no time budget): what callers without a Lambda deadline use. */
export async function collectAccountAudit(
  source: CredentialSource,
  request: CollectAccountRequest,
): Promise<AccountAudit> {
  const step = await collectAccountStep(source, request);
  if (!step.done) throw new Error('collectAccountStep stopped without a time budget');
  return step.audit;
}

export async function collectAccountStep(
  source: CredentialSource,
  request: CollectAccountRequest,
  options: CollectAccountOptions = {},
): Promise<CollectStep> {
  const { accountId } = request;
  const { budget, resume } = options;
  const warnings: string[] = [...(resume?.warnings ?? [])];
  const ctx = {
    accountId,
    now: request.now,
    thresholds: request.thresholds,
    configExemptions: request.configExemptions,
    ownerTagKey: request.ownerTagKey ?? null,
  };
  // Follow-up calls only for users a first pass flags: this keeps the cost per account at
  // 4 + 2 x (users with findings) calls instead of 2 per user.
  const isFlagged = (principal: PrincipalCredentials): boolean => {
    if (principal.isRoot) return false;
    const first = evaluateAccount([principal], ctx);
    return first.findings.length > 0 || first.exempted.length > 0;
  };
  const followUp: FollowUp = {
    source,
    isFlagged,
    concurrency: request.concurrency ?? DEFAULT_FOLLOW_UP_CONCURRENCY,
    outOfTime: () => budget !== undefined && budget.remainingMs() < budget.safetyMarginMs,
  };

  let collected: Collected;
  let rootKeysPresent: boolean | null;
  if (resume !== undefined) {
    const principals = [...resume.principals];
    collected = {
      strategy: resume.strategy,
      reportGeneratedAt: resume.reportGeneratedAt,
      reconcile: resume.reconcile,
      principals,
      pending: await followUpPending(principals, resume.pending, followUp, resume.reconcile),
    };
    rootKeysPresent = resume.rootAccessKeysPresent;
  } else {
    // The account summary does not depend on the report, so it is read while the report is
    // generated: waiting leaves IAM's bucket full, and a call made then costs the follow-ups
    // nothing. allSettled, so neither call is still running (or rejects unobserved) after we return.
    const [principalsResult, rootKeysResult] = await Promise.allSettled([
      collectPrincipals(request, followUp, warnings),
      source.rootAccessKeysPresent(),
    ]);
    if (principalsResult.status === 'rejected') throw principalsResult.reason;
    if (rootKeysResult.status === 'rejected') throw rootKeysResult.reason;
    collected = principalsResult.value;
    rootKeysPresent = rootKeysResult.value;
  }
  const apiCalls = addApiCalls(resume?.apiCalls ?? {}, source.apiCalls());
  if (collected.pending.length > 0) {
    return {
      done: false,
      checkpoint: {
        schemaVersion: CHECKPOINT_SCHEMA_VERSION,
        accountId,
        strategy: collected.strategy,
        reportGeneratedAt: collected.reportGeneratedAt,
        reconcile: collected.reconcile,
        principals: collected.principals,
        pending: collected.pending,
        rootAccessKeysPresent: rootKeysPresent,
        warnings,
        apiCalls,
      },
    };
  }

  const principals = collected.principals
    .filter((p): p is PrincipalCredentials => p !== null)
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
    done: true,
    audit: {
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
        apiCalls,
      },
      findings,
      exempted: outcome.exempted,
      warnings,
    },
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
    ...(await withFollowUps((await source.listPrincipals()).values(), followUp, false)),
    reportGeneratedAt: null,
    reconcile: false,
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
      ...(await withFollowUps(rows, followUp, true)),
      reportGeneratedAt: report.generatedAt?.toISOString() ?? null,
      reconcile: true,
    };
  } catch (error) {
    // Follow-up calls never raise this: it is the report itself that cannot be read.
    if (strategy !== 'auto' || !(error instanceof CredentialReportParseError)) throw error;
    return fallBack(error);
  }
}

/**
 * Every principal of `rows` in order, each flagged one replaced by its live keys and tags (or by
 * null if the user was deleted meanwhile). Principals are pulled from `rows` only as follow-up
 * slots free up, so a lazily parsed report is read while the first calls are out. Once the time
 * runs short, the remaining rows are still read, and their flagged users are left `pending`.
 */
async function withFollowUps(
  rows: Iterator<PrincipalCredentials>,
  followUp: FollowUp,
  needsReconcile: boolean,
): Promise<{ principals: (PrincipalCredentials | null)[]; pending: number[] }> {
  const principals: (PrincipalCredentials | null)[] = [];
  const pending: number[] = [];
  const flagged = (function* () {
    for (let next = rows.next(); next.done !== true; next = rows.next()) {
      const index = principals.push(next.value) - 1;
      if (!followUp.isFlagged(next.value)) continue;
      if (followUp.outOfTime()) pending.push(index);
      else yield index;
    }
  })();
  await boundedPull(flagged, followUp.concurrency, async (index) => {
    principals[index] = await refreshPrincipal(
      followUp.source,
      principals[index] as PrincipalCredentials,
      needsReconcile,
    );
  });
  return { principals, pending };
}

/**
 * Follows up `pending` (indexes into `principals`, updated in place) until the time runs short;
 * returns those left. The first one always starts, so every invocation makes progress.
 */
async function followUpPending(
  principals: (PrincipalCredentials | null)[],
  pending: readonly number[],
  followUp: FollowUp,
  needsReconcile: boolean,
): Promise<number[]> {
  let next = 0;
  const source: Iterator<number> = {
    next: () =>
      next < pending.length && (next === 0 || !followUp.outOfTime())
        ? { done: false, value: pending[next++] as number }
        : { done: true, value: undefined },
  };
  await boundedPull(source, followUp.concurrency, async (index) => {
    principals[index] = await refreshPrincipal(
      followUp.source,
      principals[index] as PrincipalCredentials,
      needsReconcile,
    );
  });
  return pending.slice(next);
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
