/**
 * Plan the run: list the organization, decide which accounts this run audits and why the others
 * are skipped, and keep both lists. Only counts and keys go back into the state: 10,000 account
 * objects would not fit Step Functions' 256 KiB payload.
 */
import { planAudit } from '../core/audit-plan';
import { DEFAULT_MAX_AUDIT_ITERATIONS } from '../core/continuation';
import type { NormalizedInput } from '../core/execution-input';
import type { OwnerRules } from '../core/owners';
import type { OrganizationEntry } from '../core/run-layout';
import { resolveAccountOwners } from './account-owners';
import type { OrganizationSource, RunRecords } from './ports';
import { type Telemetry, withLogKeys } from './telemetry';

export interface PlanRunRequest {
  readonly executionName: string;
  readonly input: NormalizedInput;
}

export interface PlanRunResult {
  readonly bucket: string;
  readonly itemsKey: string;
  readonly organizationKey: string;
  /** Entries in organization.json: the organization, plus requested ids it does not contain. */
  readonly total: number;
  readonly toAudit: number;
  readonly skipped: number;
  /** The Map's MaxConcurrencyPath reads this. */
  readonly maxConcurrency: number;
  /** Invocations of AuditAccount an account may take; the child workflow's loop reads this. */
  readonly maxAuditIterations: number;
  /**
   * Why some account owners could not be read (app/account-owners.ts): BuildDigest shows them as
   * run warnings. At most a few short lines, so the state stays small.
   */
  readonly ownerWarnings: readonly string[];
}

export interface PlanRunDependencies {
  readonly organization: OrganizationSource;
  readonly records: Pick<RunRecords, 'bucket' | 'putItems' | 'putOrganization'> &
    Partial<Pick<RunRecords, 'readAccountTagCache' | 'putAccountTagCache'>>;
  readonly maxConcurrency: number;
  /** @default DEFAULT_MAX_AUDIT_ITERATIONS */
  readonly maxAuditIterations?: number;
  readonly telemetry: Telemetry;
  /** Account owners by tag and OU (core/owners.ts); unset or without those rules, none are read. */
  readonly owners?: OwnerRules;
  /** For the account-tag cache's ages. @default the real clock */
  readonly now?: () => Date;
}

/** Owner warnings kept in the state: a few, each cut short (the rest is in the logs). */
const MAX_OWNER_WARNINGS = 5;
const MAX_OWNER_WARNING_CHARS = 300;

async function accountOwners(deps: PlanRunDependencies, accountIds: readonly string[]) {
  const rules = deps.owners;
  const { directory } = deps.organization;
  const { records } = deps;
  if (rules === undefined) return { owners: new Map(), warnings: [], apiCalls: {} };
  if (
    directory === undefined ||
    records.readAccountTagCache === undefined ||
    records.putAccountTagCache === undefined
  ) {
    const needsDirectory = rules.accountTagKey !== null || Object.keys(rules.organizationalUnits).length > 0;
    return {
      owners: new Map(),
      warnings: needsDirectory ? ['account owners are configured but this deployment cannot read them'] : [],
      apiCalls: {},
    };
  }
  return resolveAccountOwners(
    {
      directory: () =>
        directory.call(deps.organization, { tagRequestsPerSecond: rules.accountTags.requestsPerSecond }),
      // Called on the records object: the run store's methods need their receiver.
      records: {
        readAccountTagCache: (tagKey) =>
          records.readAccountTagCache?.(tagKey) ?? Promise.resolve({ cache: null, problem: null }),
        putAccountTagCache: (cache) => records.putAccountTagCache?.(cache) ?? Promise.resolve(),
      },
    },
    { accountIds, rules, now: (deps.now ?? (() => new Date()))() },
  );
}

export async function planRun(deps: PlanRunDependencies, request: PlanRunRequest): Promise<PlanRunResult> {
  const { log } = deps.telemetry;
  return withLogKeys(log, { executionName: request.executionName }, async () => {
    const accounts = await deps.organization.listAccounts();
    const plan = planAudit(accounts, request.input.accountIds);
    const owned = await accountOwners(
      deps,
      accounts.map((a) => a.accountId),
    );
    const ownerOf = (accountId: string) => {
      const owner = owned.owners.get(accountId);
      return owner === undefined ? {} : { owner: owner.owner, ownerSource: owner.source };
    };
    const entries: OrganizationEntry[] = [
      ...plan.toAudit.map((a) => ({
        accountId: a.accountId,
        accountName: a.accountName,
        state: a.state,
        decision: 'AUDIT' as const,
        ...ownerOf(a.accountId),
      })),
      ...plan.skipped.map((s) => ({
        accountId: s.account.accountId,
        accountName: s.account.accountName,
        state: s.account.state,
        decision: 'SKIP' as const,
        reason: s.reason,
        fix: s.fix,
        // A skipped account's owner hears about it in its own digest too.
        ...ownerOf(s.account.accountId),
      })),
    ];
    const itemsKey = await deps.records.putItems(
      request.executionName,
      plan.toAudit.map((a) => a.accountId),
    );
    const organizationKey = await deps.records.putOrganization(request.executionName, entries);
    const result: PlanRunResult = {
      bucket: deps.records.bucket,
      itemsKey,
      organizationKey,
      total: entries.length,
      toAudit: plan.toAudit.length,
      skipped: plan.skipped.length,
      maxConcurrency: deps.maxConcurrency,
      maxAuditIterations: deps.maxAuditIterations ?? DEFAULT_MAX_AUDIT_ITERATIONS,
      ownerWarnings: owned.warnings
        .slice(0, MAX_OWNER_WARNINGS)
        .map((w) => (w.length > MAX_OWNER_WARNING_CHARS ? `${w.slice(0, MAX_OWNER_WARNING_CHARS - 1)}…` : w)),
    };
    if (owned.warnings.length > 0) log.warn('account owners incomplete', { warnings: owned.warnings });
    log.info('organization listed', {
      organizationAccounts: accounts.length,
      toAudit: result.toAudit,
      skipped: result.skipped,
      viaOrgReaderRole: deps.organization.viaOrgReaderRole,
      ...(deps.owners === undefined || Object.keys(owned.apiCalls).length === 0
        ? {}
        : { accountsWithOwner: owned.owners.size, ownerApiCalls: owned.apiCalls }),
    });
    return result;
  });
}
