/**
 * `pnpm bench [--quick] [--check]`: the benchmarks of issue 7, side by side in one run. Writes a
 * Markdown table to stdout and `bench/results/latest.json`; `--check` compares counts and
 * ratios with the committed `bench/baseline.json` and exits 1 on a regression over 20%.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadDefinition } from '@org-key-audit/statemachine';
import { measureBundles } from './bundle';
import { findRegressions } from './check';
import { compareChildTypes, estimateRunCost, PRICES, type RunCounts, scaleCounts } from './cost';
import {
  type AccountProfile,
  type DailyRunModel,
  type FixedRunPart,
  largeProfile,
  modelDailyRun,
} from './daily-model';
import { measureEmulatorStartup } from './emulator-startup';
import {
  FULL_LARGE_ACCOUNT,
  type LargeAccountPlan,
  type LargeAccountScenario,
  QUICK_LARGE_ACCOUNT,
  repeatedCalls,
  runLargeAccountScenario,
} from './large-account';
import { type OrgRunResult, runOrgScale } from './org-scale';
import { type OwnersHistoryPlan, type OwnersHistoryResults, runOwnersHistory } from './owners-history';
import {
  type Approach,
  extrapolateRow,
  measureApproach,
  type PerAccountRow,
  ratiosToReport,
} from './per-account';
import { type BenchResults, type CostRow, extractMetrics, renderMarkdown } from './report';

const BENCH_DIR = fileURLToPath(new URL('../', import.meta.url));
const USAGE = 'usage: pnpm bench [--quick] [--check] [--out FILE]';

interface Plan {
  readonly reportUsers: readonly number[];
  /** Sizes where the slow approaches are measured; larger ones are extrapolated. */
  readonly slowMeasuredUsers: readonly number[];
  readonly orgSizes: readonly { readonly accounts: number; readonly budgetMs: number }[];
  readonly costSizes: readonly number[];
  readonly importSamples: number;
  /** Member accounts audited one at a time to measure Lambda durations for the cost model. */
  readonly calibrationAccounts: number;
  /** The same sizes in both modes (their counts are compared with the baseline); quick simulates fewer days. */
  readonly ownersHistory: OwnersHistoryPlan;
  /** One account of any size through the continuation (large-account.ts). */
  readonly largeAccount: LargeAccountPlan;
}

/**
 * ListTagsForResource at 200/s, 40x the product's default of 5/s, so 1,000 reads take 5 s
 * instead of 200 s; the counts do not depend on the pace, the modeled AWS time uses 5/s.
 */
const OWNERS_HISTORY: OwnersHistoryPlan = {
  historyAccounts: [20, 500],
  historyUsers: 2,
  tagAccounts: 10_000,
  tagDays: 30,
  tagRequestsPerSecond: 200,
};

const FULL: Plan = {
  reportUsers: [100, 1_000, 10_000],
  slowMeasuredUsers: [100, 1_000],
  orgSizes: [
    { accounts: 100, budgetMs: 5 * 60_000 },
    { accounts: 1_000, budgetMs: 10 * 60_000 },
    { accounts: 10_000, budgetMs: 5 * 60_000 },
  ],
  costSizes: [100, 1_000, 10_000],
  importSamples: 7,
  calibrationAccounts: 6,
  ownersHistory: OWNERS_HISTORY,
  largeAccount: FULL_LARGE_ACCOUNT,
};

const QUICK: Plan = {
  reportUsers: [100, 1_000],
  slowMeasuredUsers: [100],
  // 1,000 accounts take minutes on this machine: the quick run measures 100 and scales the cost.
  orgSizes: [{ accounts: 100, budgetMs: 60_000 }],
  costSizes: [100, 1_000],
  importSamples: 3,
  calibrationAccounts: 4,
  // 16 days: the first fill (10 runs), a day nothing expires, and the first re-reads (after 10.5-14 days).
  ownersHistory: { ...OWNERS_HISTORY, tagDays: 16 },
  largeAccount: QUICK_LARGE_ACCOUNT,
};

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

async function perAccount(plan: Plan): Promise<PerAccountRow[]> {
  const rows: PerAccountRow[] = [];
  for (const users of plan.reportUsers) {
    log(`per-account: credential-report, ${users} users`);
    rows.push(await measureApproach('credential-report', users));
    for (const approach of ['per-user', 'naive'] as const satisfies readonly Approach[]) {
      if (plan.slowMeasuredUsers.includes(users)) {
        log(`per-account: ${approach}, ${users} users`);
        rows.push(await measureApproach(approach, users));
      } else {
        const basis = rows.filter((r) => r.approach === approach && r.measured).at(-1);
        if (basis !== undefined) rows.push(extrapolateRow(basis, users));
      }
    }
  }
  return rows;
}

/** States one Map child enters on its success path, read from the ASL file. */
function childStatesPerExecution(): number {
  const states = (loadDefinition() as { States: Record<string, Record<string, unknown>> }).States;
  const map = Object.values(states).find((state) => state['ItemProcessor'] !== undefined);
  const processor = map?.['ItemProcessor'] as {
    StartAt: string;
    States: Record<string, Record<string, unknown>>;
  };
  let count = 0;
  for (let name: string | undefined = processor.StartAt; name !== undefined && count < 50; count++) {
    const state: Record<string, unknown> | undefined = processor.States[name];
    name = (state?.['Next'] ?? state?.['Default']) as string | undefined;
  }
  return count;
}

function countsOf(run: OrgRunResult, childStates: number, calibration: OrgRunResult): RunCounts {
  const calls = run.calls ?? {};
  const lambda = run.lambda;
  const cal = calibration.lambda;
  if (lambda === undefined || cal === undefined) throw new Error('cost needs a completed run');
  // Durations: per invocation as measured one at a time (calibration), times this run's invocations.
  const mean = (name: keyof typeof cal) =>
    cal[name].invocations === 0 ? 0 : cal[name].totalMs / cal[name].invocations;
  const timed = (name: keyof typeof cal) => ({
    invocations: lambda[name].invocations,
    totalMs: mean(name) * lambda[name].invocations,
  });
  return {
    accounts: run.accounts,
    statesEntered: run.statesEntered ?? 0,
    childStatesPerExecution: childStates,
    childExecutions: run.childExecutions ?? 0,
    lambda: {
      validateInput: timed('validateInput'),
      listAccounts: timed('listAccounts'),
      auditAccount: timed('auditAccount'),
      buildDigest: timed('buildDigest'),
      publishDigest: timed('publishDigest'),
    },
    childMeanMs: mean('auditAccount') + 50,
    s3Puts: calls['s3:PutObject'] ?? 0,
    s3Gets: (calls['s3:GetObject'] ?? 0) + (calls['s3:ListObjectsV2'] ?? 0),
    sqsRequests: calls['sqs:SendMessage'] ?? 0,
    snsPublishes: calls['sns:Publish'] ?? 0,
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { quick: { type: 'boolean' }, check: { type: 'boolean' }, out: { type: 'string' } },
    strict: true,
  });
  const quick = values.quick === true;
  const plan = quick ? QUICK : FULL;
  const notes: string[] = [];
  const startedAt = new Date().toISOString();

  const rows = await perAccount(plan);
  if (rows.some((r) => !r.measured)) {
    notes.push(
      'Rows marked "extrapolated" were not run: their calls scale linearly from the measured run (every user and key costs the same calls) and their time is the calls beyond the 20-call burst at the measured paced rate.',
    );
  }
  const perAccountBad = rows.filter((r) => r.measured && r.overdueKeys !== r.flaggedUsers);
  for (const r of perAccountBad)
    notes.push(
      `WARNING: ${r.approach} at ${r.users} users found ${r.overdueKeys} overdue keys, planted ${r.flaggedUsers}`,
    );
  notes.push(
    'Per-account runs plant an overdue key on 1 user in 100; the report strategy then needs 4 + 2 x 1% of N calls.',
  );

  const org: OrgRunResult[] = [];
  for (const size of plan.orgSizes) {
    log(`org scale: ${size.accounts} accounts x 20 users (budget ${size.budgetMs / 1000} s)`);
    org.push(await runOrgScale({ accounts: size.accounts, usersPerAccount: 20, seed: 7 }, size.budgetMs));
  }
  if (org.some((r) => !r.completed)) {
    notes.push(
      'An org run that outlasted its time budget was stopped; its time is projected from the accounts finished at that point.',
    );
  }
  const floor = cpuFloor(org, 10_000);
  if (floor !== null) notes.push(floor);

  log(`cost calibration: ${plan.calibrationAccounts} accounts, one at a time, 20 ms per call`);
  const calibration = await runOrgScale(
    { accounts: plan.calibrationAccounts, usersPerAccount: 20, seed: 11, latencyMs: 20, concurrency: 1 },
    5 * 60_000,
  );
  const childStates = childStatesPerExecution();
  const cost: CostRow[] = [];
  const completed = org.filter((r) => r.completed);
  for (const accounts of plan.costSizes) {
    const exact = completed.find((r) => r.accounts === accounts);
    const basis = exact ?? completed.filter((r) => r.accounts < accounts).at(-1);
    if (basis === undefined || !calibration.completed) continue;
    const counts = countsOf(basis, childStates, calibration);
    const scaled = exact === undefined ? scaleCounts(counts, accounts) : counts;
    const childMax = calibration.lambda?.auditAccount.maxMs ?? Number.POSITIVE_INFINITY;
    cost.push({ accounts, basisAccounts: basis.accounts, comparison: compareChildTypes(scaled, childMax) });
  }
  notes.push(
    "Lambda durations in the cost model were measured one invocation at a time with 20 ms per AWS call (the calibration run), not under the org runs' contention.",
  );

  log('bundles');
  const bundles = await measureBundles(join(BENCH_DIR, 'results/bundles'), plan.importSamples);

  const startupAccounts = quick ? 1_000 : 10_000;
  log(`emulator startup: ${startupAccounts} accounts x 20 users`);
  const emulatorStartup = [measureEmulatorStartup(startupAccounts, 20)];

  const ownersHistory = await runOwnersHistory(plan.ownersHistory, log);
  notes.push(...ownersHistoryNotes(ownersHistory));

  const largeAccount = await runLargeAccountScenario(plan.largeAccount, log);
  notes.push(...largeAccountNotes(largeAccount));
  const typicalRow = rows.find((r) => r.approach === 'credential-report' && r.users === 1000 && r.measured);
  const orgBasis = completed.at(-1);
  const dailyModel =
    typicalRow === undefined || orgBasis === undefined || !calibration.completed
      ? []
      : modelDailyRuns(
          largeAccount,
          typicalRow,
          orgBasis,
          countsOf(orgBasis, childStates, calibration),
          childStates,
        );

  const results: BenchResults = {
    schemaVersion: 1,
    mode: quick ? 'quick' : 'full',
    startedAt,
    machine: { node: process.version, cpus: cpus().length, loadAverage: loadavg() },
    perAccount: rows,
    ratios: ratiosToReport(rows),
    org,
    cost,
    bundles,
    emulatorStartup,
    ownersHistory,
    largeAccounts: [largeAccount],
    dailyModel,
    notes,
  };
  const outFile = values.out ?? join(BENCH_DIR, 'results/latest.json');
  mkdirSync(join(outFile, '..'), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(renderMarkdown(results));

  if (values.check === true) {
    const baselineFile = join(BENCH_DIR, 'baseline.json');
    if (!existsSync(baselineFile)) {
      log(
        `--check: ${baselineFile} is missing; commit one from a full run (cp bench/results/latest.json bench/baseline.json)`,
      );
      return 1;
    }
    const baseline = JSON.parse(readFileSync(baselineFile, 'utf8')) as BenchResults;
    const { regressions, compared } = findRegressions(extractMetrics(results), extractMetrics(baseline));
    for (const r of regressions) {
      log(`REGRESSION ${r.key}: ${r.baseline} -> ${r.latest} (${((r.worseBy - 1) * 100).toFixed(0)}% worse)`);
    }
    log(`--check: ${compared} metrics compared with the baseline, ${regressions.length} regressed`);
    if (compared === 0 || regressions.length > 0) return 1;
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    log(USAGE);
    process.exit(1);
  },
);

/**
 * What the machine allows at `accounts`: the CPU one account costs the runner and the emulator
 * together (the largest completed run), times the accounts, spread perfectly over every core.
 */
function cpuFloor(org: readonly OrgRunResult[], accounts: number): string | null {
  const basis = org
    .filter((r) => r.completed && r.cpuMs !== undefined && r.emulatorCpuMs !== undefined && r.done > 0)
    .at(-1);
  if (basis === undefined) return null;
  const perAccountMs = ((basis.cpuMs ?? 0) + (basis.emulatorCpuMs ?? 0)) / basis.done;
  const cores = cpus().length;
  const floorS = (perAccountMs * accounts) / cores / 1000;
  return `CPU floor: ${perAccountMs.toFixed(1)} ms of CPU per account (runner + emulator, measured at ${basis.done} accounts), so ${accounts} accounts need at least ${floorS.toFixed(0)} s on ${cores} cores with perfect parallelism.`;
}

/** What the owners and history figures assume, and anything that makes them untrustworthy. */
function ownersHistoryNotes(results: OwnersHistoryResults): string[] {
  const notes = [
    "History and owner figures are requests counted by the emulator (recorded calls: service, action, key), not the product's counters; a GET answered 404 is counted (S3 bills it).",
    `OU owners: ListAccountsForParent pages hold 20 accounts and the emulator adds one empty page per 100 accounts of a listing (clients must follow it; AWS may do the same), so a listed OU of n accounts costs ceil(n/20) + ceil(n/100) - 1 calls.`,
  ];
  for (const run of results.history.flatMap((row) => row.runs.map((r) => ({ row, r })))) {
    if (run.r.status !== 'SUCCEEDED')
      notes.push(`WARNING: history run ${run.r.run} at ${run.row.accounts} accounts ended ${run.r.status}`);
  }
  for (const r of results.ouOwners) {
    if (
      r.ownerCalls !== r.expectedOwnerCalls ||
      r.ownedByOu !== r.accountsUnderMapped ||
      r.warnings.length > 0
    ) {
      notes.push(
        `WARNING: OU owners ${r.label}: ${r.ownerCalls} calls (expected ${r.expectedOwnerCalls}), ${r.ownedByOu} accounts owned by OU (expected ${r.accountsUnderMapped}); ${r.warnings.join(' | ')}`,
      );
    }
  }
  const tags = results.accountTags;
  if (tags !== null) {
    notes.push(
      `Account tags: ${tags.requestsPerSecond} ListTagsForResource/s in the bench (${tags.requestsPerSecond / tags.defaultRequestsPerSecond}x the default ${tags.defaultRequestsPerSecond}/s); the tag-read deadline scales with it (1.2 x maxPerRun / rate). Modeled AWS time is calls / ${tags.defaultRequestsPerSecond} s, assuming no throttling and no other Organizations traffic. One run per day, the emulator clock moved 24 h between runs; ${tags.taggedAccounts} of ${tags.accounts} accounts carry the tag.`,
    );
    const cut = [...tags.runs, ...(tags.warmRun === null ? [] : [tags.warmRun])].filter((r) =>
      r.warnings.some((w) => w.includes('ran out') || w.includes('read before')),
    );
    for (const r of cut) {
      notes.push(
        `WARNING: account-tag run ${r.label} stopped early (${r.warnings.join(' | ')}): the machine did not keep up with ${tags.requestsPerSecond}/s, so its counts are not comparable`,
      );
    }
  }
  return notes;
}

/** WARNINGs when the large account did not end as planted, or a call was made twice. */
function largeAccountNotes(sc: LargeAccountScenario): string[] {
  const notes = [
    `Large account: ${sc.users} users, 1 in ${sc.flagEvery} flagged; time compressed by F = ${sc.factor} (IAM rate x F in the emulator and in the collector's pacing, Lambda timeouts and the safety margin / F), so each AuditAccount invocation makes the calls a deployed one makes at 10/s. The collector's rate is raised by setting DEFAULT_IAM_PACING.ratePerSecond in the runner's own process (the product has no option for it); the run checks that a new caller picks it up.`,
  ];
  const c = sc.continued;
  if (c.accountStatus !== 'AUDITED' || c.findings !== sc.plantedFindings)
    notes.push(
      `WARNING: the large account ended ${c.accountStatus} with ${c.findings} findings, planted ${sc.plantedFindings}`,
    );
  if (repeatedCalls(sc) !== 0)
    notes.push(`WARNING: the continuation repeated ${repeatedCalls(sc)} IAM calls`);
  if (c.iterations !== sc.expectedIterations)
    notes.push(
      `WARNING: ${c.iterations} AuditAccount invocations, the rate and budget predict ${sc.expectedIterations}`,
    );
  return notes;
}

/** Assumptions of the modeled daily run; the numbers next to them are in the report. */
const DAILY_ACCOUNTS = 10_000;
const LARGE_SHARE = 0.01;
const REPORT_GENERATION_SECONDS = 5;
const SECONDS_PER_CHILD_STATE = 0.05;
const LAMBDA_QUOTA = 1_000;

/**
 * The model's inputs from this run: the typical account is the measured 1,000-user account (1 %
 * flagged, at the real 10/s), the large one the continued run (its bench time x F); S3 requests
 * per account are the slope between the org run and the large account's 3-account run.
 */
function modelDailyRuns(
  sc: LargeAccountScenario,
  typicalRow: PerAccountRow,
  org: OrgRunResult,
  orgCounts: RunCounts,
  childStates: number,
): DailyRunModel[] {
  const c = sc.continued;
  const oneGo = sc.unlimited;
  const s3 = (r: { calls?: Readonly<Record<string, number>> }, kind: 'put' | 'get') =>
    kind === 'put'
      ? (r.calls?.['s3:PutObject'] ?? 0)
      : (r.calls?.['s3:GetObject'] ?? 0) + (r.calls?.['s3:ListObjectsV2'] ?? 0);
  const reference = oneGo ?? c;
  const slope = (kind: 'put' | 'get') =>
    (s3(org, kind) - s3(reference, kind)) / Math.max(1, org.accounts - reference.childExecutions);
  const typical: AccountProfile = {
    label: `typical: ${typicalRow.users.toLocaleString('en-US')} users, 1 % flagged (measured at 10/s)`,
    iamCalls: typicalRow.totalCalls,
    invocations: 1,
    auditSeconds: typicalRow.wallMs / 1000,
    childStates,
    s3Puts: slope('put'),
    s3Gets: slope('get'),
  };
  const large = largeProfile(sc, childStates, typical.s3Puts, typical.s3Gets);
  const at10k = scaleCounts(orgCounts, DAILY_ACCOUNTS);
  const standard = estimateRunCost(at10k, 'STANDARD');
  const parentStates = at10k.statesEntered - at10k.childExecutions * at10k.childStatesPerExecution;
  const others = standard.lines.filter((l) =>
    [
      'Lambda validateInput',
      'Lambda listAccounts',
      'Lambda buildDigest',
      'Lambda publishDigest',
      'SNS digest',
      'Scheduler',
    ].includes(l.item),
  );
  const fixed: FixedRunPart = {
    usd:
      others.reduce((sum, l) => sum + l.usd, 0) + parentStates * PRICES.stepFunctions.standardPerTransition,
    seconds:
      (at10k.lambda.validateInput.totalMs +
        at10k.lambda.listAccounts.totalMs +
        at10k.lambda.buildDigest.totalMs +
        at10k.lambda.publishDigest.totalMs) /
      1000,
    what: `parent transitions and the other four functions, from the ${org.accounts}-account run scaled to ${DAILY_ACCOUNTS}`,
  };
  return [40, LAMBDA_QUOTA].map((mapMaxConcurrency) =>
    modelDailyRun(
      {
        accounts: DAILY_ACCOUNTS,
        largeShare: LARGE_SHARE,
        mapMaxConcurrency,
        lambdaConcurrencyQuota: LAMBDA_QUOTA,
        iamRatePerSecond: 10,
        reportGenerationSeconds: REPORT_GENERATION_SECONDS,
        auditMemoryMb: 512,
        secondsPerChildState: SECONDS_PER_CHILD_STATE,
      },
      typical,
      large,
      fixed,
    ),
  );
}
