/**
 * Audits one account's access keys (docs/design.md, "Collecting one account"): the credential
 * report for the whole account in about three calls, then ListAccessKeys / ListUserTags only for
 * users with a finding, and GetAccountSummary for root keys. `auto` falls back to the per-user
 * strategy when the report cannot be had for a reason retrying will not fix.
 */
import { GetAccountSummaryCommand, type IAMClient, ListUserTagsCommand } from '@aws-sdk/client-iam';
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
import { ApiCallCounter, hasErrorName, isAccessDenied, ThrottledCaller } from './api-calls';
import type { BackoffOptions, Random, Sleep } from './backoff';
import { boundedPull } from './concurrency';
import {
  collectPrincipalsPerUser,
  DEFAULT_PER_USER_CONCURRENCY,
  listUserAccessKeys,
} from './per-user-collector';
import { type FetchedReport, fetchCredentialReport } from './report-fetcher';

export interface CollectorDeps {
  readonly iam: IAMClient;
  readonly now: () => Date;
  readonly sleep?: Sleep;
  readonly random?: Random;
}

export type StrategyChoice = 'auto' | 'credential-report' | 'per-user';

export interface CollectParams {
  readonly accountId: string;
  readonly accountName: string;
  readonly thresholds: Thresholds;
  readonly configExemptions: readonly ConfigExemption[];
  /** @default 'auto' */
  readonly strategy?: StrategyChoice;
  /** GenerateCredentialReport polling. @default DEFAULT_REPORT_POLLING */
  readonly reportPolling?: BackoffOptions;
  /** Our retries on IAM throttling, after the SDK's. @default DEFAULT_THROTTLE_RETRY */
  readonly throttleRetry?: BackoffOptions;
  /** Users looked up at once (per-user strategy and follow-up calls). @default 4 */
  readonly concurrency?: number;
}

interface Collected {
  readonly strategy: Exclude<CollectionStrategy, 'none'>;
  /** Every principal, the flagged ones with live keys and tags (users deleted meanwhile left out). */
  readonly principals: readonly PrincipalCredentials[];
  readonly reportGeneratedAt: string | null;
}

interface FollowUp {
  readonly caller: ThrottledCaller;
  readonly warnings: string[];
  readonly isFlagged: (principal: PrincipalCredentials) => boolean;
  readonly concurrency: number;
}

export async function collectAccount(deps: CollectorDeps, params: CollectParams): Promise<AccountAudit> {
  const { iam, sleep, random } = deps;
  const { accountId } = params;
  const counter = new ApiCallCounter();
  const caller = new ThrottledCaller({
    accountId,
    counter,
    ...(sleep ? { sleep } : {}),
    ...(random ? { random } : {}),
    ...(params.throttleRetry ? { throttleRetry: params.throttleRetry } : {}),
  });
  const concurrency = params.concurrency ?? DEFAULT_PER_USER_CONCURRENCY;
  const warnings: string[] = [];
  const ctx = {
    accountId,
    now: deps.now(),
    thresholds: params.thresholds,
    configExemptions: params.configExemptions,
  };
  // Follow-up calls only for users a first pass flags: this keeps the cost per account at
  // 4 + 2 x (users with findings) calls instead of 2 per user.
  const isFlagged = (principal: PrincipalCredentials): boolean => {
    if (principal.isRoot) return false;
    const first = evaluateAccount([principal], ctx);
    return first.findings.length > 0 || first.exempted.length > 0;
  };

  // GetAccountSummary does not depend on the report, so it runs while the report is generated:
  // waiting leaves IAM's bucket full, and a call made then costs the follow-up calls nothing.
  // allSettled, so neither call is still running (or rejects unobserved) after we return.
  const [principalsResult, rootKeysResult] = await Promise.allSettled([
    collectPrincipals(deps, params, { caller, warnings, isFlagged, concurrency }),
    rootAccessKeysPresent(iam, caller),
  ]);
  if (principalsResult.status === 'rejected') throw principalsResult.reason;
  if (rootKeysResult.status === 'rejected') throw rootKeysResult.reason;
  const collected = principalsResult.value;
  const rootKeysPresent = rootKeysResult.value;

  const principals = collected.principals
    // GetAccountSummary is live; a report row can be four hours old.
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
    accountName: params.accountName,
    status: 'AUDITED',
    strategy: collected.strategy,
    reportGeneratedAt: collected.reportGeneratedAt,
    counts: {
      users: principals.filter((p) => !p.isRoot).length,
      activeKeys: keys.filter((k) => k.status === 'Active').length,
      inactiveKeys: keys.filter((k) => k.status === 'Inactive').length,
      findings: findings.length,
      exempted: outcome.exempted.length,
      apiCalls: counter.snapshot(),
    },
    findings,
    exempted: outcome.exempted,
    warnings,
  };
}

async function collectPrincipals(
  deps: CollectorDeps,
  params: CollectParams,
  followUp: FollowUp,
): Promise<Collected> {
  const { caller, warnings } = followUp;
  const strategy = params.strategy ?? 'auto';
  const perUser = async (): Promise<Collected> => {
    const listed = await collectPrincipalsPerUser({
      iam: deps.iam,
      caller,
      ...(params.concurrency ? { concurrency: params.concurrency } : {}),
    });
    return {
      strategy: 'per-user',
      principals: await withFollowUps(deps.iam, listed.values(), followUp, false),
      reportGeneratedAt: null,
    };
  };
  // Only reasons a retry cannot fix justify the slower path; transient ones surface as typed errors.
  const fallBack = (error: unknown): Promise<Collected> => {
    const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    warnings.push(
      `account ${params.accountId}: the credential report could not be used (${why}); audited user by user instead`,
    );
    return perUser();
  };
  if (strategy === 'per-user') return perUser();

  let report: FetchedReport;
  try {
    report = await fetchCredentialReport({
      iam: deps.iam,
      caller,
      accountId: params.accountId,
      ...(params.reportPolling ? { polling: params.reportPolling } : {}),
      ...(deps.sleep ? { sleep: deps.sleep } : {}),
      ...(deps.random ? { random: deps.random } : {}),
    });
  } catch (error) {
    if (strategy !== 'auto' || !isAccessDenied(error)) throw error;
    return fallBack(error);
  }
  try {
    // Report rows carry no key ids and may be hours old: flagged users are reconciled with
    // ListAccessKeys, starting while later slices of the report are still being parsed.
    const rows = (function* () {
      for (const slice of parseCredentialReportInSlices(report.content)) yield* slice;
    })();
    return {
      strategy: 'credential-report',
      principals: await withFollowUps(deps.iam, rows, followUp, true),
      reportGeneratedAt: report.generatedAt?.toISOString() ?? null,
    };
  } catch (error) {
    // Follow-up calls never raise this: it is the report itself that cannot be read.
    if (strategy !== 'auto' || !(error instanceof CredentialReportParseError)) throw error;
    return fallBack(error);
  }
}

/**
 * Every principal of `source` in order, each flagged one replaced by its live keys and tags (or
 * left out if the user was deleted meanwhile). Principals are pulled from `source` only as
 * follow-up slots free up, so a lazily parsed report is read while the first calls are out.
 */
async function withFollowUps(
  iam: IAMClient,
  source: Iterator<PrincipalCredentials>,
  followUp: FollowUp,
  needsReconcile: boolean,
): Promise<PrincipalCredentials[]> {
  const principals: (PrincipalCredentials | null)[] = [];
  const flagged = (function* () {
    for (let next = source.next(); next.done !== true; next = source.next()) {
      const index = principals.push(next.value) - 1;
      if (followUp.isFlagged(next.value)) yield index;
    }
  })();
  await boundedPull(flagged, followUp.concurrency, async (index) => {
    principals[index] = await refreshPrincipal(
      iam,
      followUp.caller,
      principals[index] as PrincipalCredentials,
      needsReconcile,
    );
  });
  return principals.filter((p): p is PrincipalCredentials => p !== null);
}

/** Live keys (ids, status, deletions since the report) and tags, for one flagged user. */
async function refreshPrincipal(
  iam: IAMClient,
  caller: ThrottledCaller,
  principal: PrincipalCredentials,
  needsReconcile: boolean,
): Promise<PrincipalCredentials | null> {
  let keys = principal.keys;
  if (needsReconcile) {
    const listed = await listUserAccessKeys({ iam, caller }, principal.userName);
    if (listed === null) return null;
    keys = reconcileKeys(
      principal.keys,
      listed
        .filter((k) => k.AccessKeyId && k.CreateDate)
        .map((k) => ({
          accessKeyId: k.AccessKeyId as string,
          status: k.Status === 'Active' ? ('Active' as const) : ('Inactive' as const),
          createDate: k.CreateDate as Date,
        })),
    );
  }
  const tags = await listUserTags(iam, caller, principal.userName);
  if (tags === null) return null;
  return { ...principal, keys, tags };
}

async function listUserTags(
  iam: IAMClient,
  caller: ThrottledCaller,
  userName: string,
): Promise<Record<string, string> | null> {
  const tags: Record<string, string> = {};
  let marker: string | undefined;
  try {
    do {
      const page = await caller.send('iam:ListUserTags', () =>
        iam.send(new ListUserTagsCommand({ UserName: userName, Marker: marker })),
      );
      for (const tag of page.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker !== undefined);
  } catch (error) {
    if (hasErrorName(error, ['NoSuchEntity', 'NoSuchEntityException'])) return null;
    throw error;
  }
  return tags;
}

/** true / false from GetAccountSummary; null when the summary does not say (trust the report). */
async function rootAccessKeysPresent(iam: IAMClient, caller: ThrottledCaller): Promise<boolean | null> {
  const summary = await caller.send('iam:GetAccountSummary', () =>
    iam.send(new GetAccountSummaryCommand({})),
  );
  const present = summary.SummaryMap?.['AccountAccessKeysPresent'];
  return present === undefined ? null : present > 0;
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
