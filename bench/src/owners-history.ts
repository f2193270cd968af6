/**
 * Part 6: what run history and account owners cost per run, as counts of AWS requests taken
 * from the emulator's recorded calls (never the product's own counters):
 * - history: two full runs of the real workflow a day apart, at two organization sizes, and the
 *   S3 requests to `history/` keys in each;
 * - OU owners: the ListAccounts function (planRun over the real Organizations adapter and run
 *   store) on 1,000 and 10,000 accounts in the same 40-OU tree with 3 mapped OUs;
 * - account tags: consecutive daily ListAccounts runs at 10,000 accounts with `accountTagKey`,
 *   ListTagsForResource calls and the cache's S3 requests per run.
 * Each scenario gets a fresh in-process emulator: these are counts, not timings.
 */
import { type RunningEmulator, startEmulator } from '@org-key-audit/emulator';
import { ACCOUNT_TAG_CACHE_KEY, DEFAULT_OWNER_RULES, type OwnerRules } from '@org-key-audit/functions/core';
import { buildClients, buildTasks, type LocalAuditOptions, runLocalAudit } from '@org-key-audit/statemachine';

const DAY_MS = 86_400_000;
/** Where every scenario's emulator clock starts (key ages, and so findings, never drift). */
const START = new Date('2026-01-05T06:00:00.000Z');
/** The largest page ListAccountsForParent answers (and the product asks for). */
export const OU_PAGE = 20;
/** The emulator answers one empty page (with a NextToken) every this many accounts of a listing. */
export const EMULATOR_EMPTY_PAGE_EVERY = 100;

// ---------------------------------------------------------------------------------------------
// Shared plumbing

function localOptions(emulator: RunningEmulator, owners: OwnerRules): LocalAuditOptions {
  return {
    input: { reason: 'benchmark' },
    aws: {
      region: emulator.region,
      endpoint: emulator.url,
      credentials: {
        accessKeyId: emulator.auditor.accessKeyId,
        secretAccessKey: emulator.auditor.secretAccessKey,
      },
    },
    reportBucket: emulator.resources.reportBucket,
    queues: emulator.resources.queues,
    digestTopicArn: emulator.resources.digestTopicArn,
    roleName: emulator.roleName,
    owners,
    now: () => emulator.clock.now(),
  };
}

type Calls = ReturnType<RunningEmulator['calls']>;

/** `organizations:ListRoots` → `ListRoots`; answered calls only (injected faults left out). */
function organizationsCalls(calls: Calls): Record<string, number> {
  const out: Record<string, number> = {};
  for (const call of calls) {
    if (call.service !== 'organizations' || call.outcome === 'fault') continue;
    const action = call.action.replace('organizations:', '');
    out[action] = (out[action] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

/** S3 GetObject / PutObject requests (any outcome: a 404 is a billed request) on keys `match` accepts. */
function s3Requests(
  calls: Calls,
  bucket: string,
  match: (key: string) => boolean,
): { gets: number; puts: number; keys: string[] } {
  const prefix = `arn:aws:s3:::${bucket}/`;
  let gets = 0;
  let puts = 0;
  const keys = new Set<string>();
  for (const call of calls) {
    if (call.service !== 's3' || !call.resource.startsWith(prefix)) continue;
    const key = call.resource.slice(prefix.length);
    if (!match(key)) continue;
    if (call.action === 's3:GetObject') gets += 1;
    else if (call.action === 's3:PutObject') puts += 1;
    else continue;
    keys.add(key);
  }
  return { gets, puts, keys: [...keys].sort() };
}

const ACCOUNT_ID = /\d{12}/;

// ---------------------------------------------------------------------------------------------
// 1. History cost per run

export interface HistoryRun {
  readonly run: number;
  readonly status: string;
  /** S3 GetObject / PutObject requests to `history/` keys in this run, from the emulator. */
  readonly gets: number;
  readonly puts: number;
  readonly keys: readonly string[];
  /** `history/` keys that contain an account id (there must be none). */
  readonly perAccountKeys: number;
  /** Every S3 request of the run, for scale. */
  readonly s3Requests: number;
}

export interface HistoryRow {
  readonly accounts: number;
  readonly usersPerAccount: number;
  readonly runs: readonly HistoryRun[];
}

/** Two full runs of the real workflow, a day apart on the emulator clock. */
export async function measureHistory(accounts: number, usersPerAccount: number): Promise<HistoryRow> {
  const emulator = await startEmulator({ accounts, users: usersPerAccount, seed: 3, now: START });
  try {
    const clients = buildClients(localOptions(emulator, DEFAULT_OWNER_RULES).aws);
    const runs: HistoryRun[] = [];
    for (let run = 1; run <= 2; run++) {
      if (run > 1) emulator.clock.advance(DAY_MS);
      emulator.clearCalls();
      const result = await runLocalAudit(
        {
          ...localOptions(emulator, DEFAULT_OWNER_RULES),
          executionName: `bench-history-${accounts}-${run}`,
        },
        clients,
      );
      const calls = emulator.calls();
      const history = s3Requests(calls, emulator.resources.reportBucket, (key) => key.startsWith('history/'));
      runs.push({
        run,
        status: result.status,
        ...history,
        perAccountKeys: history.keys.filter((key) => ACCOUNT_ID.test(key)).length,
        s3Requests: calls.filter((c) => c.service === 's3').length,
      });
    }
    return { accounts: emulator.organization.spec.length, usersPerAccount, runs };
  } finally {
    await emulator.stop();
  }
}

// ---------------------------------------------------------------------------------------------
// Organizations built for the owner scenarios: accounts without users (only the listing counts)

interface OuNode {
  readonly name: string;
  readonly children?: OuNode[];
}

/**
 * 40 OUs, 3 levels: 4 top OUs (T0..T3), each with 3 children (T0-C0..), each with 2 (T0-C0-L0..).
 * Paths are `T0/T0-C0/T0-C0-L0`.
 */
export function ouTree(): OuNode[] {
  return Array.from({ length: 4 }, (_, t) => ({
    name: `T${t}`,
    children: Array.from({ length: 3 }, (_, c) => ({
      name: `T${t}-C${c}`,
      children: Array.from({ length: 2 }, (_, l) => ({ name: `T${t}-C${c}-L${l}` })),
    })),
  }));
}

export function ouPathsOf(nodes: readonly OuNode[], parent = ''): string[] {
  return nodes.flatMap((node) => {
    const path = parent === '' ? node.name : `${parent}/${node.name}`;
    return [path, ...ouPathsOf(node.children ?? [], path)];
  });
}

/**
 * The mapped OUs: two mid-level OUs (each with its 2 leaves) and one leaf, so 7 of the 40 OUs
 * sit inside a mapped subtree.
 */
export const MAPPED_OU_PATHS = ['T0/T0-C0', 'T1/T1-C2', 'T2/T2-C1/T2-C1-L0'] as const;

export function inMappedSubtree(path: string): boolean {
  return MAPPED_OU_PATHS.some((mapped) => path === mapped || path.startsWith(`${mapped}/`));
}

const accountId = (i: number) => String(100_000_000_000 + i);

/**
 * An org spec: management and audit accounts under the root, then `accounts - 2` member accounts
 * placed by `place` (index → OU path). `tagged` gives some accounts an `owner` tag.
 */
function orgSpec(
  accounts: number,
  place: (member: number) => string,
  tagged: (member: number) => boolean = () => false,
): unknown {
  const members = Array.from({ length: accounts - 2 }, (_, m) => ({
    id: accountId(m + 2),
    name: `member-${m}`,
    ou: place(m),
    ...(tagged(m) ? { tags: { owner: `team-${m % 25}@example.com` } } : {}),
  }));
  return {
    now: START.toISOString(),
    organizationalUnits: ouTree(),
    accounts: [{ id: accountId(0), name: 'management' }, { id: accountId(1), name: 'audit' }, ...members],
  };
}

/** OU path → id, from the emulator's own records. */
function ouIds(emulator: RunningEmulator): Map<string, string> {
  const ous = emulator.state.organizationalUnits;
  const pathOf = (id: string): string => {
    const ou = ous.get(id);
    if (ou === undefined) return '';
    const parent = pathOf(ou.parentId);
    return parent === '' ? ou.name : `${parent}/${ou.name}`;
  };
  return new Map([...ous.keys()].map((id) => [pathOf(id), id]));
}

interface ListAccountsOutcome {
  readonly organizationKey: string;
  readonly ownerWarnings: readonly string[];
}

/** One ListAccounts invocation (ValidateInput first, as the workflow has it). */
async function listAccountsOnce(
  emulator: RunningEmulator,
  owners: OwnerRules,
  executionName: string,
): Promise<{ outcome: ListAccountsOutcome; calls: Calls; ownerSources: Record<string, number> }> {
  const options = localOptions(emulator, owners);
  const clients = buildClients(options.aws);
  const tasks = buildTasks(options, clients);
  // The tasks take `never` (each its own event type); these are the events the ASL passes.
  const invoke = (task: unknown, event: unknown) => (task as (e: unknown) => Promise<unknown>)(event);
  const validated = (await invoke(tasks.validateInput, { input: options.input })) as {
    ok: boolean;
    input: unknown;
  };
  if (!validated.ok) throw new Error('the benchmark input was refused');
  emulator.clearCalls();
  const outcome = (await invoke(tasks.listAccounts, {
    executionName,
    executionArn: `arn:aws:states:us-east-1:000000000000:execution:bench:${executionName}`,
    input: validated.input,
  })) as ListAccountsOutcome;
  const calls = emulator.calls();
  // The planned owners, straight from the emulator's copy of organization.json (no request).
  const body = emulator.messaging.objects(emulator.resources.reportBucket).get(outcome.organizationKey);
  if (body === undefined) throw new Error(`ListAccounts wrote no ${outcome.organizationKey}`);
  const entries = JSON.parse(body.toString('utf8')) as { ownerSource?: string }[];
  const ownerSources: Record<string, number> = {};
  for (const entry of entries) {
    const source = entry.ownerSource ?? 'none';
    ownerSources[source] = (ownerSources[source] ?? 0) + 1;
  }
  return { outcome, calls, ownerSources };
}

// ---------------------------------------------------------------------------------------------
// 2. OU owners cost

export interface OuOwnersRow {
  readonly label: string;
  readonly accounts: number;
  readonly ous: number;
  readonly mappedOus: number;
  /** OUs inside a mapped subtree (the mapped ones included): the ones whose accounts are listed. */
  readonly listedOus: number;
  /** Accounts directly in those OUs. */
  readonly accountsUnderMapped: number;
  /** Organizations calls of the owner lookup, by action (ListAccounts, the run's listing, apart). */
  readonly calls: Readonly<Record<string, number>>;
  readonly ownerCalls: number;
  /** What the walk should cost: 1 + (OUs + 1) + per listed OU its pages of 20 (and empty pages). */
  readonly expectedOwnerCalls: number;
  readonly listAccountsCalls: number;
  /** Accounts whose owner came from the OU map (must equal accountsUnderMapped). */
  readonly ownedByOu: number;
  readonly warnings: readonly string[];
}

/** Pages one listing of `n` accounts takes on the emulator: 20 a page, one empty page per 100. */
export function emulatorPages(n: number): number {
  if (n === 0) return 1;
  const full = Math.ceil(n / OU_PAGE);
  // An empty page is inserted at offsets 100, 200, ... that are still inside the list.
  const empty = Math.ceil(n / EMULATOR_EMPTY_PAGE_EVERY) - 1;
  return full + empty;
}

const OWNER_ACTIONS = ['ListRoots', 'ListOrganizationalUnitsForParent', 'ListAccountsForParent'] as const;

export async function measureOuOwners(
  label: string,
  accounts: number,
  place: (member: number, paths: readonly string[]) => string,
): Promise<OuOwnersRow> {
  const paths = ouPathsOf(ouTree());
  const spec = orgSpec(accounts, (m) => place(m, paths));
  const emulator = await startEmulator({ orgSpec: spec, users: 0 });
  try {
    const ids = ouIds(emulator);
    const organizationalUnits = Object.fromEntries(
      MAPPED_OU_PATHS.map((path, i) => {
        const id = ids.get(path);
        if (id === undefined) throw new Error(`no OU ${path} in the emulator`);
        return [id, `owner-${i}`];
      }),
    );
    const owners: OwnerRules = { ...DEFAULT_OWNER_RULES, organizationalUnits };
    const {
      outcome,
      calls: recorded,
      ownerSources,
    } = await listAccountsOnce(emulator, owners, `bench-ou-${label}`);
    const all = organizationsCalls(recorded);
    const calls = Object.fromEntries(OWNER_ACTIONS.map((action) => [action, all[action] ?? 0]));
    const perOu = new Map<string, number>();
    for (let m = 0; m < accounts - 2; m++) {
      const path = place(m, paths);
      perOu.set(path, (perOu.get(path) ?? 0) + 1);
    }
    const listed = paths.filter(inMappedSubtree);
    const accountsUnderMapped = listed.reduce((sum, path) => sum + (perOu.get(path) ?? 0), 0);
    const expectedOwnerCalls =
      1 + (paths.length + 1) + listed.reduce((sum, path) => sum + emulatorPages(perOu.get(path) ?? 0), 0);
    return {
      label,
      accounts,
      ous: paths.length,
      mappedOus: MAPPED_OU_PATHS.length,
      listedOus: listed.length,
      accountsUnderMapped,
      calls,
      ownerCalls: Object.values(calls).reduce((a, b) => a + b, 0),
      expectedOwnerCalls,
      listAccountsCalls: all['ListAccounts'] ?? 0,
      ownedByOu: ownerSources['ou'] ?? 0,
      warnings: outcome.ownerWarnings,
    };
  } finally {
    await emulator.stop();
  }
}

/** Members spread round-robin over all 40 OUs: 7/40 of them land in a mapped subtree. */
export const spreadEvenly = (member: number, paths: readonly string[]): string =>
  paths[member % paths.length] as string;

/** 5 members in each mapped-subtree OU, the rest round-robin over the other 33 OUs. */
export function fewUnderMapped(member: number, paths: readonly string[]): string {
  const listed = paths.filter(inMappedSubtree);
  const others = paths.filter((p) => !inMappedSubtree(p));
  const few = 5 * listed.length;
  return member < few
    ? (listed[member % listed.length] as string)
    : (others[(member - few) % others.length] as string);
}

// ---------------------------------------------------------------------------------------------
// 3. Account-tag cost

export interface TagRun {
  readonly run: number;
  /** Days since run 1 on the emulator clock. */
  readonly day: number;
  readonly label: string;
  readonly listTagsCalls: number;
  readonly listAccountsCalls: number;
  readonly cacheGets: number;
  readonly cachePuts: number;
  /** Accounts with an owner from their account tag after this run (tags read so far). */
  readonly ownedByTag: number;
  readonly wallMs: number;
  readonly warnings: readonly string[];
}

export interface AccountTagsResult {
  readonly accounts: number;
  readonly taggedAccounts: number;
  readonly ttlHours: number;
  readonly maxPerRun: number;
  /** The bench's pace; the product's default is `defaultRequestsPerSecond`. */
  readonly requestsPerSecond: number;
  readonly defaultRequestsPerSecond: number;
  readonly days: number;
  readonly runs: readonly TagRun[];
  /** A second run a few hours after the run that completed the cache. */
  readonly warmRun: TagRun | null;
  /** The daily run after which every account's tag had been read once. */
  readonly runsUntilAllRead: number | null;
  readonly maxCallsPerDay: number;
  readonly meanCallsPerDay: number;
  /** Mean over one full TTL period after the first fill (days 15..28): the steady state. */
  readonly steadyMeanCallsPerDay: number | null;
  readonly maxCacheGetsPerRun: number;
  readonly maxCachePutsPerRun: number;
}

export async function measureAccountTags(
  accounts: number,
  days: number,
  requestsPerSecond: number,
): Promise<AccountTagsResult> {
  const limits = DEFAULT_OWNER_RULES.accountTags;
  // Every account but one in seven carries an owner tag (the rest answer "no such tag").
  const tagged = (m: number) => m % 7 !== 0;
  const paths = ouPathsOf(ouTree());
  const spec = orgSpec(accounts, (m) => spreadEvenly(m, paths), tagged);
  const taggedAccounts = Array.from({ length: accounts - 2 }, (_, m) => m).filter(tagged).length;
  const emulator = await startEmulator({ orgSpec: spec, users: 0 });
  const owners: OwnerRules = {
    ...DEFAULT_OWNER_RULES,
    accountTagKey: 'owner',
    accountTags: { ...limits, requestsPerSecond },
  };
  const runOnce = async (run: number, day: number, label: string): Promise<TagRun> => {
    const started = performance.now();
    const {
      outcome,
      calls: recorded,
      ownerSources,
    } = await listAccountsOnce(emulator, owners, `bench-tags-${label}`);
    const wallMs = performance.now() - started;
    const calls = organizationsCalls(recorded);
    const cache = s3Requests(
      recorded,
      emulator.resources.reportBucket,
      (key) => key === ACCOUNT_TAG_CACHE_KEY,
    );
    return {
      run,
      day,
      label,
      listTagsCalls: calls['ListTagsForResource'] ?? 0,
      listAccountsCalls: calls['ListAccounts'] ?? 0,
      cacheGets: cache.gets,
      cachePuts: cache.puts,
      ownedByTag: ownerSources['account-tag'] ?? 0,
      wallMs,
      warnings: outcome.ownerWarnings,
    };
  };
  try {
    const runs: TagRun[] = [];
    let warmRun: TagRun | null = null;
    let runsUntilAllRead: number | null = null;
    for (let day = 0; day < days; day++) {
      if (day > 0) emulator.clock.advance(DAY_MS);
      const row = await runOnce(day + 1, day, `day-${day + 1}`);
      runs.push(row);
      const unread = row.warnings.some((w) => w.includes('are not read yet'));
      if (runsUntilAllRead === null && !unread) {
        runsUntilAllRead = row.run;
        // The cache is complete: a second run the same day, within the TTL, reads nothing.
        emulator.clock.advance(3 * 3_600_000);
        warmRun = await runOnce(row.run, day, `day-${day + 1}-warm`);
        emulator.clock.advance(-3 * 3_600_000);
      }
    }
    const perDay = runs.map((r) => r.listTagsCalls);
    const steady = runs.filter((r) => r.day >= 14 && r.day < 28).map((r) => r.listTagsCalls);
    const all = warmRun === null ? runs : [...runs, warmRun];
    return {
      accounts,
      taggedAccounts,
      ttlHours: limits.ttlHours,
      maxPerRun: limits.maxPerRun,
      requestsPerSecond,
      defaultRequestsPerSecond: limits.requestsPerSecond,
      days,
      runs,
      warmRun,
      runsUntilAllRead,
      maxCallsPerDay: Math.max(...perDay),
      meanCallsPerDay: perDay.reduce((a, b) => a + b, 0) / perDay.length,
      steadyMeanCallsPerDay: steady.length === 14 ? steady.reduce((a, b) => a + b, 0) / steady.length : null,
      maxCacheGetsPerRun: Math.max(...all.map((r) => r.cacheGets)),
      maxCachePutsPerRun: Math.max(...all.map((r) => r.cachePuts)),
    };
  } finally {
    await emulator.stop();
  }
}

// ---------------------------------------------------------------------------------------------

export interface OwnersHistoryResults {
  readonly history: readonly HistoryRow[];
  readonly ouOwners: readonly OuOwnersRow[];
  readonly accountTags: AccountTagsResult | null;
}

export interface OwnersHistoryPlan {
  /** Organization sizes for the history runs (few users each). */
  readonly historyAccounts: readonly number[];
  readonly historyUsers: number;
  readonly tagAccounts: number;
  /** Consecutive daily runs simulated for the account-tag cache. */
  readonly tagDays: number;
  /** The bench's ListTagsForResource pace (the product's default is 5 per second). */
  readonly tagRequestsPerSecond: number;
}

export async function runOwnersHistory(
  plan: OwnersHistoryPlan,
  log: (message: string) => void,
): Promise<OwnersHistoryResults> {
  const history: HistoryRow[] = [];
  for (const accounts of plan.historyAccounts) {
    log(`history: ${accounts} accounts x ${plan.historyUsers} users, 2 full runs a day apart`);
    history.push(await measureHistory(accounts, plan.historyUsers));
  }
  const ouOwners: OuOwnersRow[] = [];
  for (const [label, accounts, place] of [
    ['even-1000', 1_000, spreadEvenly],
    ['even-10000', 10_000, spreadEvenly],
    ['few-under-mapped-10000', 10_000, fewUnderMapped],
  ] as const) {
    log(`owners by OU: ${label} (${accounts} accounts, 40 OUs, 3 mapped)`);
    ouOwners.push(await measureOuOwners(label, accounts, place));
  }
  log(
    `owners by account tag: ${plan.tagAccounts} accounts, ${plan.tagDays} daily runs at ${plan.tagRequestsPerSecond} ListTagsForResource/s`,
  );
  const accountTags = await measureAccountTags(plan.tagAccounts, plan.tagDays, plan.tagRequestsPerSecond);
  return { history, ouOwners, accountTags };
}
