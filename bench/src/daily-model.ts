/**
 * A modeled daily run of many accounts on AWS, from per-account figures the benchmark measured
 * and assumptions stated next to them. Pure: the benchmark passes measured profiles in, the tests
 * hand-computed ones, so the printed numbers can be reproduced from the results file.
 *
 * Wall time: the Distributed Map runs at most `concurrency` = min(mapMaxConcurrency, Lambda
 * concurrency quota) children at once, and IAM's limit is per account, so children do not slow
 * each other down. Whatever order the Map takes the accounts in, list scheduling finishes between
 * max(work / concurrency, longest child) and work / concurrency + longest child (Graham's bound);
 * both are printed, plus the run's fixed steps (ListAccounts, BuildDigest, PublishDigest).
 *
 * Cost: Standard child executions (the only type the config accepts) billed per state
 * transition, AuditAccount billed per request and GB-second at its memory, S3 per request, plus
 * the run's fixed part (the parent's transitions and the other four functions) passed in.
 */
import { PRICES, type PriceTable } from './cost';
import type { LargeAccountScenario } from './large-account';

/** One kind of account, as measured (per account). */
export interface AccountProfile {
  readonly label: string;
  /** IAM calls of its audit. */
  readonly iamCalls: number;
  /** AuditAccount invocations (1, or more when the account continues over several). */
  readonly invocations: number;
  /** AuditAccount seconds on AWS, all invocations together, without the report's generation wait. */
  readonly auditSeconds: number;
  /** States its Map child enters (Standard bills each transition). */
  readonly childStates: number;
  readonly s3Puts: number;
  readonly s3Gets: number;
}

export interface DailyRunAssumptions {
  readonly accounts: number;
  /** Share of the accounts that are like `large`; the rest are like `typical`. */
  readonly largeShare: number;
  /** The config's mapMaxConcurrency. @default 40 in the config */
  readonly mapMaxConcurrency: number;
  /** The AWS account's Lambda concurrent executions quota (1,000 by default). */
  readonly lambdaConcurrencyQuota: number;
  /** IAM requests per second per member account (the rate the profiles were measured or scaled at). */
  readonly iamRatePerSecond: number;
  /** Seconds AWS takes to generate an account's credential report (not measured: the emulator is instant). */
  readonly reportGenerationSeconds: number;
  /** AuditAccount's memory (sizing.ts). */
  readonly auditMemoryMb: number;
  /** Step Functions' own time per child state (scheduling, Lambda invoke), seconds. */
  readonly secondsPerChildState: number;
}

/** The run's parts that do not depend on how the accounts are spread (measured elsewhere). */
export interface FixedRunPart {
  readonly usd: number;
  readonly seconds: number;
  readonly what: string;
}

export interface DailyRunModel {
  readonly assumptions: DailyRunAssumptions;
  readonly typical: AccountProfile;
  readonly large: AccountProfile;
  readonly fixed: FixedRunPart;
  readonly largeAccounts: number;
  readonly typicalAccounts: number;
  readonly concurrency: number;
  /** Seconds one child of each kind runs (audit + report wait + Step Functions' own time). */
  readonly typicalChildSeconds: number;
  readonly largeChildSeconds: number;
  /** Child-seconds of the whole Map. */
  readonly workSeconds: number;
  /** The Map's wall time bounds, plus the fixed steps. */
  readonly wallSecondsLow: number;
  readonly wallSecondsHigh: number;
  readonly auditInvocations: number;
  readonly auditGbSeconds: number;
  readonly childTransitions: number;
  readonly s3Puts: number;
  readonly s3Gets: number;
  readonly lines: readonly { readonly item: string; readonly usd: number }[];
  readonly totalUsd: number;
  readonly priceDate: string;
}

export function childSeconds(profile: AccountProfile, assumptions: DailyRunAssumptions): number {
  return (
    profile.auditSeconds +
    assumptions.reportGenerationSeconds +
    profile.childStates * assumptions.secondsPerChildState
  );
}

export function modelDailyRun(
  assumptions: DailyRunAssumptions,
  typical: AccountProfile,
  large: AccountProfile,
  fixed: FixedRunPart,
  prices: PriceTable = PRICES,
): DailyRunModel {
  const { accounts, largeShare } = assumptions;
  if (!(largeShare >= 0 && largeShare <= 1))
    throw new RangeError(`largeShare must be in [0, 1], got ${largeShare}`);
  const largeAccounts = Math.round(accounts * largeShare);
  const typicalAccounts = accounts - largeAccounts;
  const concurrency = Math.max(
    1,
    Math.min(assumptions.mapMaxConcurrency, assumptions.lambdaConcurrencyQuota),
  );
  const typicalChildSeconds = childSeconds(typical, assumptions);
  const largeChildSeconds = childSeconds(large, assumptions);
  const workSeconds = typicalAccounts * typicalChildSeconds + largeAccounts * largeChildSeconds;
  const longest = Math.max(
    typicalAccounts > 0 ? typicalChildSeconds : 0,
    largeAccounts > 0 ? largeChildSeconds : 0,
  );
  const spread = workSeconds / concurrency;

  const both = (pick: (p: AccountProfile) => number) =>
    typicalAccounts * pick(typical) + largeAccounts * pick(large);
  const auditInvocations = both((p) => p.invocations);
  const gb = assumptions.auditMemoryMb / 1024;
  // Billed duration: the audit itself plus the credential-report wait, which runs inside AuditAccount.
  const auditGbSeconds = gb * both((p) => p.auditSeconds + assumptions.reportGenerationSeconds);
  const childTransitions = both((p) => p.childStates);
  const s3Puts = both((p) => p.s3Puts);
  const s3Gets = both((p) => p.s3Gets);
  const lines = [
    {
      item: `Step Functions Standard child transitions (${childTransitions.toLocaleString('en-US')} x $${prices.stepFunctions.standardPerTransition})`,
      usd: childTransitions * prices.stepFunctions.standardPerTransition,
    },
    {
      item: `Lambda AuditAccount (${auditInvocations.toLocaleString('en-US')} requests, ${Math.round(auditGbSeconds).toLocaleString('en-US')} GB-s at ${assumptions.auditMemoryMb} MB)`,
      usd: auditInvocations * prices.lambda.perRequest + auditGbSeconds * prices.lambda.armPerGbSecond,
    },
    {
      item: `S3 requests (${Math.round(s3Puts).toLocaleString('en-US')} PUT, ${Math.round(s3Gets).toLocaleString('en-US')} GET)`,
      usd: s3Puts * prices.s3.perPut + s3Gets * prices.s3.perGet,
    },
    { item: `the run's fixed part (${fixed.what})`, usd: fixed.usd },
  ];
  return {
    assumptions,
    typical,
    large,
    fixed,
    largeAccounts,
    typicalAccounts,
    concurrency,
    typicalChildSeconds,
    largeChildSeconds,
    workSeconds,
    wallSecondsLow: Math.max(spread, longest) + fixed.seconds,
    wallSecondsHigh: spread + longest + fixed.seconds,
    auditInvocations,
    auditGbSeconds,
    childTransitions,
    s3Puts,
    s3Gets,
    lines,
    totalUsd: lines.reduce((sum, line) => sum + line.usd, 0),
    priceDate: prices.date,
  };
}

/**
 * The large account's profile from its runs: IAM calls and invocations as measured, its bench
 * time x F (an upper bound: the CPU time in it is not compressed), the Map child's states and
 * the S3 requests of the run in one go plus what the continued run added (checkpoints).
 */
export function largeProfile(
  sc: LargeAccountScenario,
  childStates: number,
  s3PutsPerAccount: number,
  s3GetsPerAccount: number,
): AccountProfile {
  const c = sc.continued;
  const oneGo = sc.unlimited;
  const get = (r: { calls: Readonly<Record<string, number>> }) =>
    (r.calls['s3:GetObject'] ?? 0) + (r.calls['s3:ListObjectsV2'] ?? 0);
  const put = (r: { calls: Readonly<Record<string, number>> }) => r.calls['s3:PutObject'] ?? 0;
  const extraStates = oneGo === null ? 4 * (c.iterations - 1) : c.statesEntered - oneGo.statesEntered;
  return {
    label: `large: ${sc.users.toLocaleString('en-US')} users, ${sc.flaggedUsers.toLocaleString('en-US')} flagged (bench time x F = ${sc.factor})`,
    iamCalls: c.totalIamCalls,
    invocations: c.iterations,
    auditSeconds: (c.invocationMs.reduce((a, b) => a + b, 0) / 1000) * sc.factor,
    childStates: childStates + extraStates,
    s3Puts: s3PutsPerAccount + (oneGo === null ? c.iterations - 1 : put(c) - put(oneGo)),
    s3Gets: s3GetsPerAccount + (oneGo === null ? c.iterations - 1 : get(c) - get(oneGo)),
  };
}
