/**
 * What one daily run costs, from counts a run measured and AWS's public list prices. Pure: the
 * benchmark passes measured counts in, the tests pass hand-computed ones.
 *
 * Free tiers are ignored on purpose: the audit shares the account's free tier with everything
 * else deployed there, so the figures are what the audit adds at worst.
 */

/**
 * US East (N. Virginia) on-demand list prices, in US dollars. Taken on 2026-11-25 from the
 * public pricing pages: aws.amazon.com/step-functions/pricing, /lambda/pricing, /s3/pricing,
 * /sqs/pricing, /sns/pricing, /eventbridge/pricing (Scheduler). Update the date with the numbers.
 */
export const PRICES = {
  date: '2026-11-25',
  region: 'us-east-1',
  source: 'aws.amazon.com/{step-functions,lambda,s3,sqs,sns,eventbridge}/pricing (list prices, no free tier)',
  stepFunctions: {
    /** Standard: $0.025 per 1,000 state transitions, retries included. */
    standardPerTransition: 0.000025,
    /** Express: $1.00 per million requests (executions started). */
    expressPerRequest: 0.000001,
    /** Express: $0.00001667 per GB-second (first 1,000 GB-hours), duration rounded up to 100 ms, memory in 64 MB chunks. */
    expressPerGbSecond: 0.00001667,
    expressDurationStepMs: 100,
    expressMemoryChunkMb: 64,
  },
  lambda: {
    /** $0.20 per million requests. */
    perRequest: 0.0000002,
    /** arm64, first 7.5 billion GB-seconds a month; billed per 1 ms. */
    armPerGbSecond: 0.0000133334,
  },
  s3: {
    /** S3 Standard PUT, COPY, POST, LIST: $0.005 per 1,000. */
    perPut: 0.000005,
    /** S3 Standard GET and all other requests: $0.0004 per 1,000. */
    perGet: 0.0000004,
  },
  /** SQS standard queue: $0.40 per million requests (64 KiB chunks; our messages are smaller). */
  sqsPerRequest: 0.0000004,
  /** SNS: $0.50 per million publishes, plus $2.00 per 100,000 email deliveries. */
  sns: { perPublish: 0.0000005, perEmail: 0.00002 },
  /** EventBridge Scheduler: $1.00 per million invocations. */
  schedulerPerInvocation: 0.000001,
} as const;

export type PriceTable = typeof PRICES;

/** Memory per function, as deployed (infra/lib/auditor-functions.ts, SIZING). */
export const FUNCTION_MEMORY_MB = {
  validateInput: 256,
  listAccounts: 512,
  auditAccount: 512,
  buildDigest: 2048,
  publishDigest: 256,
} as const;

export type FunctionName = keyof typeof FUNCTION_MEMORY_MB;

/** Counts of one measured (or extrapolated) daily run. */
export interface RunCounts {
  readonly accounts: number;
  /** Every state entered, parent and children (what Standard bills as transitions, before retries). */
  readonly statesEntered: number;
  /** States entered by one child execution (the Map's item processor). */
  readonly childStatesPerExecution: number;
  readonly childExecutions: number;
  /** Lambda invocations and their summed duration in ms, by function. */
  readonly lambda: Readonly<Record<FunctionName, { readonly invocations: number; readonly totalMs: number }>>;
  /** Mean duration of one child execution in ms (AuditAccount plus the states around it). */
  readonly childMeanMs: number;
  readonly s3Puts: number;
  readonly s3Gets: number;
  readonly sqsRequests: number;
  readonly snsPublishes: number;
  /** Email subscriptions the digest reaches. @default 1 */
  readonly emailRecipients?: number;
}

export interface CostLine {
  readonly item: string;
  readonly usd: number;
}

export interface RunCost {
  readonly childType: 'STANDARD' | 'EXPRESS';
  readonly totalUsd: number;
  readonly lines: readonly CostLine[];
}

export const EXPRESS_MAX_DURATION_MS = 5 * 60 * 1000;

function lambdaLines(counts: RunCounts, prices: PriceTable): CostLine[] {
  return (Object.keys(FUNCTION_MEMORY_MB) as FunctionName[]).map((name) => {
    const { invocations, totalMs } = counts.lambda[name];
    const gbSeconds = (FUNCTION_MEMORY_MB[name] / 1024) * (totalMs / 1000);
    return {
      item: `Lambda ${name}`,
      usd: invocations * prices.lambda.perRequest + gbSeconds * prices.lambda.armPerGbSecond,
    };
  });
}

/** The cost of one run with Standard or Express child executions. */
export function estimateRunCost(
  counts: RunCounts,
  childType: 'STANDARD' | 'EXPRESS',
  prices: PriceTable = PRICES,
): RunCost {
  const sfn = prices.stepFunctions;
  const childTransitions = counts.childExecutions * counts.childStatesPerExecution;
  const parentTransitions = Math.max(0, counts.statesEntered - childTransitions);
  const lines: CostLine[] = [];
  if (childType === 'STANDARD') {
    lines.push({ item: 'Step Functions transitions', usd: counts.statesEntered * sfn.standardPerTransition });
  } else {
    const billedMs = Math.ceil(counts.childMeanMs / sfn.expressDurationStepMs) * sfn.expressDurationStepMs;
    const gbSeconds = (sfn.expressMemoryChunkMb / 1024) * (billedMs / 1000) * counts.childExecutions;
    lines.push({
      item: 'Step Functions parent transitions',
      usd: parentTransitions * sfn.standardPerTransition,
    });
    lines.push({
      item: 'Step Functions Express children',
      usd: counts.childExecutions * sfn.expressPerRequest + gbSeconds * sfn.expressPerGbSecond,
    });
  }
  lines.push(...lambdaLines(counts, prices));
  lines.push({
    item: 'S3 requests',
    usd: counts.s3Puts * prices.s3.perPut + counts.s3Gets * prices.s3.perGet,
  });
  lines.push({ item: 'SQS requests', usd: counts.sqsRequests * prices.sqsPerRequest });
  lines.push({
    item: 'SNS digest',
    usd: counts.snsPublishes * (prices.sns.perPublish + (counts.emailRecipients ?? 1) * prices.sns.perEmail),
  });
  lines.push({ item: 'Scheduler', usd: prices.schedulerPerInvocation });
  return { childType, totalUsd: lines.reduce((sum, line) => sum + line.usd, 0), lines };
}

export interface CostComparison {
  readonly standard: RunCost;
  readonly express: RunCost;
  /** The cheaper type among those that fit; Standard when a child could outlast Express's 5 minutes. */
  readonly recommended: 'STANDARD' | 'EXPRESS';
  readonly why: string;
}

/**
 * Standard vs Express children. `childMaxMs` is the slowest child seen: Express stops a child at
 * 5 minutes, so it is only recommended with a wide margin (half the limit) for the slowest one.
 */
export function compareChildTypes(
  counts: RunCounts,
  childMaxMs: number,
  prices: PriceTable = PRICES,
): CostComparison {
  const standard = estimateRunCost(counts, 'STANDARD', prices);
  const express = estimateRunCost(counts, 'EXPRESS', prices);
  const fits = childMaxMs <= EXPRESS_MAX_DURATION_MS / 2;
  if (!fits) {
    return {
      standard,
      express,
      recommended: 'STANDARD',
      why: `the slowest child took ${Math.round(childMaxMs / 1000)} s, too close to Express's 5-minute limit`,
    };
  }
  const cheaper = express.totalUsd <= standard.totalUsd ? 'EXPRESS' : 'STANDARD';
  return {
    standard,
    express,
    recommended: cheaper,
    why:
      cheaper === 'EXPRESS'
        ? `Express is cheaper and the slowest child (${(childMaxMs / 1000).toFixed(1)} s) stays far inside 5 minutes`
        : 'Standard is cheaper at this size',
  };
}

/** Counts of a run of `accounts`, scaled linearly from a measured run (per-account work is constant). */
export function scaleCounts(measured: RunCounts, accounts: number): RunCounts {
  const f = accounts / measured.accounts;
  const perRun = (name: FunctionName) => measured.lambda[name];
  const scaled = (name: FunctionName) => ({
    invocations: Math.round(perRun(name).invocations * f),
    totalMs: perRun(name).totalMs * f,
  });
  return {
    ...measured,
    accounts,
    statesEntered: Math.round(
      measured.statesEntered -
        measured.childExecutions * measured.childStatesPerExecution +
        measured.childExecutions * measured.childStatesPerExecution * f,
    ),
    childExecutions: Math.round(measured.childExecutions * f),
    lambda: {
      validateInput: perRun('validateInput'),
      listAccounts: perRun('listAccounts'),
      auditAccount: scaled('auditAccount'),
      // One digest per run, whose work grows with the organization.
      buildDigest: {
        invocations: perRun('buildDigest').invocations,
        totalMs: perRun('buildDigest').totalMs * f,
      },
      publishDigest: perRun('publishDigest'),
    },
    s3Puts: Math.round(measured.s3Puts * f),
    s3Gets: Math.round(measured.s3Gets * f),
    sqsRequests: Math.round(measured.sqsRequests * f),
  };
}
