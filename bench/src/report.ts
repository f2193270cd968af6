/**
 * The benchmark's results file (`bench/results/latest.json`), its Markdown rendering, and the
 * count- and ratio-based metrics that `--check` compares.
 */
import type { BundleRow } from './bundle';
import type { Metric } from './check';
import type { CostComparison } from './cost';
import type { DailyRunModel } from './daily-model';
import type { EmulatorStartupRow } from './emulator-startup';
import {
  AUDIT_SAFETY_MARGIN_SECONDS,
  AUDIT_TIMEOUT_SECONDS,
  AWS_IAM_RATE_PER_SECOND,
  iamFloorSeconds,
  type LargeAccountRunResult,
  type LargeAccountScenario,
  repeatedCalls,
} from './large-account';
import type { OrgRunResult } from './org-scale';
import type { OwnersHistoryResults } from './owners-history';
import type { PerAccountRow, Ratio } from './per-account';

export interface CostRow {
  readonly accounts: number;
  /** Counts from the run of that size, or scaled from a smaller measured one. */
  readonly basisAccounts: number;
  readonly comparison: CostComparison;
}

export interface BenchResults {
  readonly schemaVersion: 1;
  readonly mode: 'quick' | 'full';
  readonly startedAt: string;
  readonly machine: { readonly node: string; readonly cpus: number; readonly loadAverage: readonly number[] };
  readonly perAccount: readonly PerAccountRow[];
  readonly ratios: readonly Ratio[];
  readonly org: readonly OrgRunResult[];
  readonly cost: readonly CostRow[];
  readonly bundles: readonly BundleRow[];
  /** Absent in results written before the emulator startup was measured. */
  readonly emulatorStartup?: readonly EmulatorStartupRow[];
  /** Absent in results written before owners and history were measured. */
  readonly ownersHistory?: OwnersHistoryResults;
  /** One account of any size through the continuation (absent in older results; the baseline keeps both sizes). */
  readonly largeAccounts?: readonly LargeAccountScenario[];
  /** The modeled daily run on AWS from the measured per-account figures. */
  readonly dailyModel?: readonly DailyRunModel[];
  readonly notes: readonly string[];
}

const n = (value: number) => Math.round(value).toLocaleString('en-US');
const s = (ms: number) => (Number.isFinite(ms) ? `${(ms / 1000).toFixed(1)} s` : 'n/a');
const usd = (value: number) => `$${value.toFixed(4)}`;

export function renderMarkdown(results: BenchResults): string {
  const out: string[] = [];
  out.push(`## org-key-audit benchmark (${results.mode}, ${results.startedAt})`);
  out.push(
    `node ${results.machine.node}, ${results.machine.cpus} CPUs, load average ${results.machine.loadAverage.map((l) => l.toFixed(1)).join(' / ')}`,
  );
  out.push('', '### Per-account collection (IAM throttled 10/s burst 20, 20 ms per call)', '');
  out.push('| users | approach | IAM calls | by kind | throttled | wall time | CPU | measured |');
  out.push('|---:|---|---:|---|---:|---:|---:|---|');
  for (const r of results.perAccount) {
    const kinds = Object.entries(r.calls)
      .map(([k, v]) => `${k.replace('iam:', '')} ${n(v)}`)
      .join(', ');
    out.push(
      `| ${n(r.users)} | ${r.approach} | ${n(r.totalCalls)} | ${kinds} | ${n(r.throttled)} | ${s(r.wallMs)} | ${s(r.cpuMs)} | ${r.measured ? 'yes' : `extrapolated from ${n(r.basisUsers)}`} |`,
    );
  }
  out.push('', '| users | vs credential-report | calls ratio | time ratio |', '|---:|---|---:|---:|');
  for (const r of results.ratios) {
    out.push(
      `| ${n(r.users)} | ${r.approach} | ${r.callsRatio.toFixed(1)}x | ${r.timeRatio.toFixed(1)}x${r.measured ? '' : ' (extrapolated)'} |`,
    );
  }
  out.push('', '### Organization scale (real workflow, local runner, 20 users per account)', '');
  out.push(
    '| accounts | completed | wall time | runner CPU | runner peak RSS | emulator peak RSS | largest payload | states entered | parent history events |',
  );
  out.push('|---:|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results.org) {
    const rss = r.maxRssBytes ?? r.rssAtStopBytes;
    const done = r.completed
      ? 'yes'
      : `no: ${n(r.done)}/${n(r.total)} in ${s(r.wallMs)}, projected ${s(r.projectedWallMs)}`;
    out.push(
      `| ${n(r.accounts)} | ${done} | ${s(r.completed ? r.wallMs : r.projectedWallMs)} | ${r.cpuMs === undefined ? 'n/a' : s(r.cpuMs)} | ${rss === undefined ? 'n/a' : `${n(rss / 2 ** 20)} MiB${r.completed ? '' : ' (when stopped)'}`} | ${r.emulatorMaxRssBytes === undefined ? 'n/a' : `${n(r.emulatorMaxRssBytes / 2 ** 20)} MiB`} | ${r.largestPayloadBytes === undefined ? 'n/a' : `${n(r.largestPayloadBytes)} B`} | ${r.statesEntered === undefined ? 'n/a' : n(r.statesEntered)} | ${r.parentHistoryEvents ?? 'n/a'} |`,
    );
  }
  out.push('', '### Cost of one daily run (us-east-1 list prices, no free tier)', '');
  out.push(
    '| accounts | Standard children | Express children | recommended | why |',
    '|---:|---:|---:|---|---|',
  );
  for (const c of results.cost) {
    const basis = c.basisAccounts === c.accounts ? '' : ` (scaled from ${n(c.basisAccounts)})`;
    out.push(
      `| ${n(c.accounts)}${basis} | ${usd(c.comparison.standard.totalUsd)} | ${usd(c.comparison.express.totalUsd)} | ${c.comparison.recommended} | ${c.comparison.why} |`,
    );
  }
  out.push('', '### Lambda bundles (esbuild, minified, ESM, node22)', '');
  out.push('| handler | size | import (median) | largest parts |', '|---|---:|---:|---|');
  for (const b of results.bundles) {
    const parts = b.topPackages
      .slice(0, 4)
      .map((p) => `${p.name} ${n(p.bytes / 1024)} KiB`)
      .join(', ');
    out.push(`| ${b.handler} | ${n(b.bytes / 1024)} KiB | ${b.importMsMedian.toFixed(0)} ms | ${parts} |`);
  }
  if (results.emulatorStartup && results.emulatorStartup.length > 0) {
    out.push('', '### Emulator startup (fresh process; target < 10 s and < 1 GiB at 10,000 x 20)', '');
    out.push('| accounts | users | start | RSS | planted findings |', '|---:|---:|---:|---:|---:|');
    for (const e of results.emulatorStartup) {
      out.push(
        `| ${n(e.accounts)} | ${n(e.users)} | ${s(e.startMs)} | ${n(e.rssMiB)} MiB | ${n(e.expectedFindings)} |`,
      );
    }
  }
  if (results.ownersHistory !== undefined) out.push(...renderOwnersHistory(results.ownersHistory));
  for (const scenario of results.largeAccounts ?? []) out.push(...renderLargeAccount(scenario));
  if (results.dailyModel !== undefined && results.dailyModel.length > 0)
    out.push(...renderDailyModel(results.dailyModel));
  if (results.notes.length > 0) out.push('', ...results.notes.map((note) => `- ${note}`));
  return `${out.join('\n')}\n`;
}

function renderOwnersHistory(results: OwnersHistoryResults): string[] {
  const out: string[] = [];
  out.push(
    '',
    '### History cost per run (real workflow, S3 requests to history/ keys, from the emulator)',
    '',
  );
  out.push('| accounts | users each | run | status | GET | PUT | history keys | all S3 requests |');
  out.push('|---:|---:|---:|---|---:|---:|---|---:|');
  for (const row of results.history) {
    for (const run of row.runs) {
      out.push(
        `| ${n(row.accounts)} | ${row.usersPerAccount} | ${run.run} | ${run.status} | ${run.gets} | ${run.puts} | ${run.keys.join(', ')} | ${n(run.s3Requests)} |`,
      );
    }
  }
  const [small, large] = [results.history[0], results.history.at(-1)];
  if (small !== undefined && large !== undefined && large.accounts > small.accounts) {
    const total = (row: typeof small) => row.runs.reduce((sum, r) => sum + r.gets + r.puts, 0);
    const slope = (total(large) - total(small)) / (large.accounts - small.accounts);
    out.push(
      '',
      `History requests per added account: ${slope.toFixed(3)} (${n(total(small))} over both runs at ${n(small.accounts)} accounts, ${n(total(large))} at ${n(large.accounts)}); history keys naming an account: ${results.history.reduce((sum, row) => sum + row.runs.reduce((s2, r) => s2 + r.perAccountKeys, 0), 0)}.`,
    );
  }
  out.push('', '### OU owners cost (ListAccounts function: planRun over the real Organizations adapter)', '');
  out.push(
    '| case | accounts | OUs (mapped / listed) | accounts under mapped OUs | ListRoots | ListOrganizationalUnitsForParent | ListAccountsForParent | owner calls (expected) | ListAccounts (the run listing) | owned by OU |',
  );
  out.push('|---|---:|---|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of results.ouOwners) {
    out.push(
      `| ${r.label} | ${n(r.accounts)} | ${r.ous} (${r.mappedOus} / ${r.listedOus}) | ${n(r.accountsUnderMapped)} | ${r.calls['ListRoots'] ?? 0} | ${r.calls['ListOrganizationalUnitsForParent'] ?? 0} | ${r.calls['ListAccountsForParent'] ?? 0} | ${r.ownerCalls} (${r.expectedOwnerCalls}) | ${n(r.listAccountsCalls)} | ${n(r.ownedByOu)} |`,
    );
  }
  const tags = results.accountTags;
  if (tags !== null) {
    const factor = tags.requestsPerSecond / tags.defaultRequestsPerSecond;
    out.push(
      '',
      `### Account-tag cost (${n(tags.accounts)} accounts, ttlHours ${tags.ttlHours}, maxPerRun ${n(tags.maxPerRun)}; paced at ${tags.requestsPerSecond}/s here, ${factor}x the default ${tags.defaultRequestsPerSecond}/s)`,
      '',
    );
    out.push(
      '| run | day | ListTagsForResource | cache GET | cache PUT | accounts owned by tag | modeled on AWS at 5/s | bench wall time |',
    );
    out.push('|---:|---:|---:|---:|---:|---:|---:|---:|');
    const rows = tags.warmRun === null ? tags.runs : [...tags.runs, tags.warmRun];
    const ordered = [...rows].sort((a, b) => a.day - b.day || a.label.localeCompare(b.label));
    for (const r of ordered) {
      const warm = r.label.endsWith('-warm') ? ' (warm, +3 h)' : '';
      out.push(
        `| ${r.run}${warm} | ${r.day + 1} | ${n(r.listTagsCalls)} | ${r.cacheGets} | ${r.cachePuts} | ${n(r.ownedByTag)} | ${(r.listTagsCalls / tags.defaultRequestsPerSecond).toFixed(0)} s | ${s(r.wallMs)} |`,
      );
    }
    out.push(
      '',
      `Every account read after run ${tags.runsUntilAllRead ?? 'n/a'}; ListTagsForResource per day over ${tags.days} days: max ${n(tags.maxCallsPerDay)}, mean ${tags.meanCallsPerDay.toFixed(0)}${tags.steadyMeanCallsPerDay === null ? '' : `; steady state (days 15-28, one TTL period) mean ${tags.steadyMeanCallsPerDay.toFixed(0)}`}; at most ${tags.maxCacheGetsPerRun} GET and ${tags.maxCachePutsPerRun} PUT of the cache per run. Modeled AWS time = calls / ${tags.defaultRequestsPerSecond} per s (the pacer's default), Organizations answering every call at once and without throttling.`,
    );
  }
  return out;
}

function renderLargeAccount(sc: LargeAccountScenario): string[] {
  const f = sc.factor;
  const out: string[] = [];
  out.push(
    '',
    `### One account of ${n(sc.users)} users, ${n(sc.flaggedUsers)} flagged (${((100 * sc.flaggedUsers) / sc.users).toFixed(0)} %), through the real workflow`,
    '',
    `Time compressed by F = ${f}: IAM at ${AWS_IAM_RATE_PER_SECOND * f} requests/s (emulator bucket burst 20, collector pacing burst 19), ${Math.round(20 / f)} ms per call, Lambda timeouts x 1/${f} (AuditAccount ${AUDIT_TIMEOUT_SECONDS / f} s, margin ${AUDIT_SAFETY_MARGIN_SECONDS / f} s). On AWS at ${AWS_IAM_RATE_PER_SECOND}/s the account needs ${n(sc.expectedCalls)} calls (4 + 2 x flagged) = ${(iamFloorSeconds(sc.expectedCalls, AWS_IAM_RATE_PER_SECOND) / 60).toFixed(1)} min of IAM, so ${sc.expectedIterations} invocation(s) of ${AUDIT_TIMEOUT_SECONDS} s less ${AUDIT_SAFETY_MARGIN_SECONDS} s (expected).`,
    '',
  );
  out.push(
    '| run | lambdaTimeScale | AuditAccount invocations | account | findings (planted) | IAM calls | throttled | repeated | account wall (bench) | IAM floor (bench) | x F = on AWS | invocations (bench s) | largest payload | states | workflow |',
    '|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---|',
  );
  const row = (r: LargeAccountRunResult, name: string, repeated: string) => {
    const floorMs = iamFloorSeconds(r.totalIamCalls, r.iamRatePerSecond) * 1000;
    out.push(
      `| ${name} | ${r.lambdaTimeScale === 1 ? '1' : `1/${Math.round(1 / r.lambdaTimeScale)}`} | ${r.iterations} | ${r.accountStatus} | ${n(r.findings)} (${n(sc.plantedFindings)}) | ${n(r.totalIamCalls)} | ${n(r.throttled)} | ${repeated} | ${s(r.accountWallMs)} | ${s(floorMs)} | ${((r.accountWallMs * r.factor) / 60_000).toFixed(1)} min | ${r.invocationMs.map((ms) => (ms / 1000).toFixed(1)).join(' + ')} | ${n(r.largestPayloadBytes)} B | ${n(r.statesEntered)} | ${r.workflowStatus} |`,
    );
  };
  row(sc.continued, 'continued (timeouts / F)', n(repeatedCalls(sc)));
  if (sc.unlimited !== null) row(sc.unlimited, 'in one go (deployed timeouts)', 'reference');
  const byKind = Object.entries(sc.continued.iamCalls)
    .map(([k, v]) => `${k.replace('iam:', '')} ${n(v)}`)
    .join(', ');
  out.push(
    '',
    `IAM calls of the continued run: ${byKind}. Repeated calls = continued - ${sc.unlimited === null ? 'the 4 + 2 x flagged budget' : 'the run in one go (measured)'}; the budget is ${n(sc.expectedCalls)}.`,
  );
  return out;
}

function renderDailyModel(models: readonly DailyRunModel[]): string[] {
  const out: string[] = [];
  const first = models[0] as DailyRunModel;
  const a = first.assumptions;
  out.push(
    '',
    `### Modeled daily run of ${n(a.accounts)} accounts on AWS (prices of ${first.priceDate}, us-east-1, no free tier)`,
    '',
    `Assumptions: ${(a.largeShare * 100).toFixed(1)} % of the accounts (${n(first.largeAccounts)}) like the measured large account, the rest like the typical one; IAM ${a.iamRatePerSecond} requests/s per account (accounts do not share it); the credential report takes ${a.reportGenerationSeconds} s to generate on AWS (not measured; inside AuditAccount, billed); ${a.secondsPerChildState} s of Step Functions time per child state; Lambda quota ${n(a.lambdaConcurrencyQuota)} concurrent executions; AuditAccount ${a.auditMemoryMb} MB arm64; Standard children (the only type the config accepts).`,
    '',
    '| profile | IAM calls | AuditAccount invocations | audit s on AWS | child states | S3 PUT / GET | child s |',
    '|---|---:|---:|---:|---:|---:|---:|',
  );
  for (const [p, secs] of [
    [first.typical, first.typicalChildSeconds],
    [first.large, first.largeChildSeconds],
  ] as const) {
    out.push(
      `| ${p.label} | ${n(p.iamCalls)} | ${p.invocations} | ${p.auditSeconds.toFixed(1)} | ${p.childStates} | ${p.s3Puts.toFixed(2)} / ${p.s3Gets.toFixed(2)} | ${secs.toFixed(1)} |`,
    );
  }
  out.push(
    '',
    '| Map concurrency | wall time (bounds) | AuditAccount GB-s | child transitions | cost | of which |',
    '|---:|---|---:|---:|---:|---|',
  );
  for (const m of models) {
    const lines = m.lines.map((l) => `${l.item}: $${l.usd.toFixed(4)}`).join('; ');
    out.push(
      `| ${n(m.concurrency)} (mapMaxConcurrency ${n(m.assumptions.mapMaxConcurrency)}) | ${(m.wallSecondsLow / 60).toFixed(0)}–${(m.wallSecondsHigh / 60).toFixed(0)} min | ${n(m.auditGbSeconds)} | ${n(m.childTransitions)} | ${usd(m.totalUsd)} | ${lines} |`,
    );
  }
  return out;
}

/** Counts and ratios only: what should not move between machines or loads. */
export function extractMetrics(results: BenchResults): Metric[] {
  const metrics: Metric[] = [];
  for (const r of results.perAccount.filter((row) => row.measured)) {
    metrics.push({
      key: `perAccount.${r.approach}.users=${r.users}.calls`,
      value: r.totalCalls,
      better: 'lower',
    });
  }
  for (const r of results.ratios.filter((ratio) => ratio.measured)) {
    metrics.push({
      key: `ratio.${r.approach}.users=${r.users}.calls`,
      value: r.callsRatio,
      better: 'higher',
    });
    // Below 1,000 users the report strategy's time is mostly its jittered polling wait: too noisy to gate on.
    if (r.users >= 1000) {
      metrics.push({
        key: `ratio.${r.approach}.users=${r.users}.time`,
        value: r.timeRatio,
        better: 'higher',
      });
    }
  }
  for (const r of results.org.filter((run) => run.completed)) {
    const per = (value: number | undefined) => (value ?? Number.NaN) / r.accounts;
    metrics.push({
      key: `org.accounts=${r.accounts}.statesPerAccount`,
      value: per(r.statesEntered),
      better: 'lower',
    });
    metrics.push({
      key: `org.accounts=${r.accounts}.parentHistoryEvents`,
      value: r.parentHistoryEvents ?? Number.NaN,
      better: 'lower',
    });
    metrics.push({
      key: `org.accounts=${r.accounts}.largestPayloadBytes`,
      value: r.largestPayloadBytes ?? Number.NaN,
      better: 'lower',
    });
    metrics.push({
      key: `org.accounts=${r.accounts}.maxRssMiB`,
      value: (r.maxRssBytes ?? Number.NaN) / 2 ** 20,
      better: 'lower',
    });
    const calls = Object.values(r.calls ?? {}).reduce((a, b) => a + b, 0);
    metrics.push({
      key: `org.accounts=${r.accounts}.callsPerAccount`,
      value: calls / r.accounts,
      better: 'lower',
    });
  }
  for (const b of results.bundles) {
    metrics.push({ key: `bundle.${b.handler}.bytes`, value: b.bytes, better: 'lower' });
  }
  if (results.ownersHistory !== undefined) metrics.push(...ownersHistoryMetrics(results.ownersHistory));
  for (const sc of results.largeAccounts ?? []) metrics.push(...largeAccountMetrics(sc));
  return metrics;
}

/**
 * The large account: counts only (iterations, IAM calls, calls repeated, findings off the plan,
 * AUDITED or not, the largest state); keyed by size, so the quick and the full account are
 * compared separately. Wall times are not compared.
 */
function largeAccountMetrics(sc: LargeAccountScenario): Metric[] {
  const at = `largeAccount.users=${sc.users}.flagged=${sc.flaggedUsers}.F=${sc.factor}`;
  const c = sc.continued;
  const metrics: Metric[] = [
    { key: `${at}.iterations`, value: c.iterations, better: 'lower' },
    { key: `${at}.iamCalls`, value: c.totalIamCalls, better: 'lower' },
    { key: `${at}.repeatedCalls`, value: Math.abs(repeatedCalls(sc)), better: 'lower' },
    { key: `${at}.findingsOffPlan`, value: Math.abs(c.findings - sc.plantedFindings), better: 'lower' },
    { key: `${at}.notAudited`, value: c.accountStatus === 'AUDITED' ? 0 : 1, better: 'lower' },
    { key: `${at}.largestPayloadBytes`, value: c.largestPayloadBytes, better: 'lower' },
  ];
  if (sc.unlimited !== null) {
    metrics.push({ key: `${at}.unlimited.iamCalls`, value: sc.unlimited.totalIamCalls, better: 'lower' });
    metrics.push({ key: `${at}.unlimited.iterations`, value: sc.unlimited.iterations, better: 'lower' });
  }
  return metrics;
}

/** Owners and history: every one a count of requests the emulator recorded, so exact between runs. */
function ownersHistoryMetrics(results: OwnersHistoryResults): Metric[] {
  const metrics: Metric[] = [];
  const lower = (key: string, value: number) => metrics.push({ key, value, better: 'lower' });
  for (const row of results.history) {
    for (const run of row.runs) {
      lower(`history.accounts=${row.accounts}.run=${run.run}.s3Gets`, run.gets);
      lower(`history.accounts=${row.accounts}.run=${run.run}.s3Puts`, run.puts);
      lower(`history.accounts=${row.accounts}.run=${run.run}.perAccountKeys`, run.perAccountKeys);
    }
  }
  for (const r of results.ouOwners) {
    for (const [action, count] of Object.entries(r.calls)) lower(`owners.ou.${r.label}.${action}`, count);
    lower(`owners.ou.${r.label}.ownerCalls`, r.ownerCalls);
  }
  const tags = results.accountTags;
  if (tags !== null) {
    const at = `owners.tags.accounts=${tags.accounts}`;
    lower(`${at}.run=1.listTagsForResource`, tags.runs[0]?.listTagsCalls ?? Number.NaN);
    lower(`${at}.maxListTagsForResourcePerDay`, tags.maxCallsPerDay);
    lower(`${at}.runsUntilAllRead`, tags.runsUntilAllRead ?? Number.NaN);
    lower(`${at}.warmRun.listTagsForResource`, tags.warmRun?.listTagsCalls ?? Number.NaN);
    lower(`${at}.maxCacheGetsPerRun`, tags.maxCacheGetsPerRun);
    lower(`${at}.maxCachePutsPerRun`, tags.maxCachePutsPerRun);
    lower(
      `${at}.days=${tags.days}.listTagsForResource`,
      tags.runs.reduce((sum, r) => sum + r.listTagsCalls, 0),
    );
  }
  return metrics;
}
