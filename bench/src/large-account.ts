/**
 * Part 8, "Accounts of any size": one member account of N IAM users, a share of them flagged,
 * through the real workflow (ASL file, local runner, real handlers, real SDK) on the throttled
 * emulator, so that AuditAccount has to stop, checkpoint and be invoked again by the child
 * workflow (CheckIterations / ContinueAudit).
 *
 * Time is compressed by a factor F: IAM answers F times faster (the emulator's bucket and the
 * collector's pacing both at F x 10 requests/s, the burst unchanged, the emulator's per-call
 * latency 20 / F ms) and every Lambda timeout, with the safety margin, is F times shorter
 * (`lambdaTimeScale` 1 / F). An invocation then makes the same number of IAM calls as the
 * deployed 600 s one makes at 10 requests/s, so the account needs the iterations it needs on AWS.
 * The same account also runs once with the deployed timeouts (`lambdaTimeScale` 1: one
 * invocation), and the two runs' IAM calls must be equal: a continuation repeats no call.
 * Each run gets a fresh runner process and a fresh emulator process (fresh buckets, fresh counts).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** IAM's per-account rate on AWS as the product assumes it (the emulator's default bucket). */
export const AWS_IAM_RATE_PER_SECOND = 10;
/** The collector's burst (DEFAULT_IAM_PACING.burst): the calls that go before pacing starts. */
export const COLLECTOR_BURST = 19;
/** The emulator's per-call latency the per-account runs use, divided by F in this one. */
export const AWS_LATENCY_MS = 20;

export interface LargeAccountRunRequest {
  readonly label: string;
  readonly users: number;
  /** One user in `flagEvery` has an overdue key: 4 = 25 %. */
  readonly flagEvery: number;
  /** The time compression: IAM rate x F, Lambda timeouts / F. */
  readonly factor: number;
  /** The runner's `lambdaTimeScale`: 1 / F for the continuation run, 1 for the run in one go. */
  readonly lambdaTimeScale: number;
}

export interface LargeAccountRunResult {
  readonly label: string;
  readonly users: number;
  readonly flaggedUsers: number;
  readonly factor: number;
  readonly lambdaTimeScale: number;
  /** The IAM rate of the emulator's bucket and of the collector's pacing in this run. */
  readonly iamRatePerSecond: number;
  /** What the collector's TokenBucket was built with in the runner process (a check of the override). */
  readonly collectorRatePerSecond: number;
  /** AuditAccount's timeout and safety margin as the run enforced them (scaled). */
  readonly auditTimeoutMs: number;
  readonly safetyMarginMs: number;
  readonly workflowStatus: string;
  /** The member account's final AuditAccount status (AUDITED, FAILED, ...), or the Map child's. */
  readonly accountStatus: string;
  readonly findings: number;
  /** AuditAccount invocations for the member account. */
  readonly iterations: number;
  /** Each of those invocations' duration, bench ms. */
  readonly invocationMs: readonly number[];
  /** Answered IAM calls of the member account by action (throttled refusals excluded). */
  readonly iamCalls: Readonly<Record<string, number>>;
  readonly totalIamCalls: number;
  /** IAM requests of the member account the emulator refused with Throttling. */
  readonly throttled: number;
  /** Every answered call of the run by `service:Action`. */
  readonly calls: Readonly<Record<string, number>>;
  /** Whole workflow, bench ms. */
  readonly wallMs: number;
  /** First AuditAccount start to the last one's end for the member account, bench ms. */
  readonly accountWallMs: number;
  readonly largestPayloadBytes: number;
  readonly statesEntered: number;
  readonly childExecutions: number;
  readonly cpuMs: number;
  readonly maxRssBytes: number;
  readonly emulatorMaxRssBytes: number;
}

export interface LargeAccountScenario {
  readonly users: number;
  readonly flagEvery: number;
  readonly factor: number;
  readonly flaggedUsers: number;
  /** 4 + 2 x flagged: the product's call budget, i.e. the count of a run without any timeout. */
  readonly expectedCalls: number;
  /** What the rate and the budget predict (expectedIterations). */
  readonly expectedIterations: number;
  /** lambdaTimeScale 1 / F: the account over several invocations. */
  readonly continued: LargeAccountRunResult;
  /** lambdaTimeScale 1: the same account in one invocation; null when not run. */
  readonly unlimited: LargeAccountRunResult | null;
  /** Findings planted: one ROTATION_OVERDUE per flagged user. */
  readonly plantedFindings: number;
}

/** The product's budget for the report strategy: 4 + 2 x (users with findings). */
export function noTimeoutCalls(flaggedUsers: number): number {
  return 4 + 2 * flaggedUsers;
}

export interface IterationModel {
  /** IAM calls the account needs (4 + 2 x flagged). */
  readonly calls: number;
  readonly ratePerSecond: number;
  /** Calls that go before pacing starts (only the first invocation finds a full bucket). */
  readonly burst: number;
  /** AuditAccount's deployed timeout and safety margin, seconds. */
  readonly timeoutSeconds: number;
  readonly safetyMarginSeconds: number;
}

/**
 * AuditAccount invocations an account needs: each may start calls for (timeout - margin) seconds
 * at the rate, the first one also spends the burst. A lower bound in practice: the report's own
 * calls and the checkpoint's read and write take a little of each invocation too.
 */
export function expectedIterations(model: IterationModel): number {
  const { calls, ratePerSecond, burst, timeoutSeconds, safetyMarginSeconds } = model;
  const perInvocation = ratePerSecond * (timeoutSeconds - safetyMarginSeconds);
  if (!(perInvocation > 0)) throw new RangeError('the timeout must be longer than the safety margin');
  return Math.max(1, Math.ceil(Math.max(0, calls - burst) / perInvocation));
}

/** Seconds IAM's bucket needs for `calls`: the first `burst` go at once, the rest at the rate. */
export function iamFloorSeconds(calls: number, ratePerSecond: number, burst = COLLECTOR_BURST): number {
  return Math.max(0, calls - burst) / ratePerSecond;
}

const WORKER = fileURLToPath(new URL('./large-account-worker.ts', import.meta.url));

/** Runs one request in a fresh runner process (which starts its own emulator process). */
export function runLargeAccount(
  request: LargeAccountRunRequest,
  budgetMs: number,
): Promise<LargeAccountRunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(request)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    let stdout = '';
    let stderrTail = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      for (const line of text.split('\n')) if (line.startsWith('[large]')) process.stderr.write(`${line}\n`);
      stderrTail = (stderrTail + text).slice(-4000);
    });
    let stopped = false;
    const timer = setTimeout(() => {
      stopped = true;
      child.kill('SIGKILL');
    }, budgetMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (stopped || code !== 0 || line === undefined) {
        const why = stopped ? `was stopped after its ${budgetMs / 1000} s budget` : `exited ${code}`;
        reject(new Error(`large-account run ${request.label} ${why}:\n${stderrTail}`));
        return;
      }
      resolve(JSON.parse(line.slice('RESULT '.length)) as LargeAccountRunResult);
    });
  });
}

export interface LargeAccountPlan {
  readonly users: number;
  readonly flagEvery: number;
  readonly factor: number;
  /** Also run the account with the deployed timeouts (in one invocation) and compare the calls. */
  readonly unlimitedRun: boolean;
  readonly budgetMs: number;
}

/**
 * F = 10: 100 IAM requests/s and AuditAccount's 600 s as 60 s (margin 3 s). The full account (20,000
 * users, 5,000 flagged, 10,004 calls) then takes about 100 s per run instead of 1,000 s.
 */
export const FULL_LARGE_ACCOUNT: LargeAccountPlan = {
  users: 20_000,
  flagEvery: 4,
  factor: 10,
  unlimitedRun: true,
  budgetMs: 8 * 60_000,
};

/** 4,000 users (1,000 flagged, 2,004 calls): one invocation at 10/s, about 20 s per run. */
export const QUICK_LARGE_ACCOUNT: LargeAccountPlan = {
  ...FULL_LARGE_ACCOUNT,
  users: 4_000,
  budgetMs: 3 * 60_000,
};

/** AuditAccount's deployed timeout and the default margin (statemachine sizing, core/continuation). */
export const AUDIT_TIMEOUT_SECONDS = 600;
export const AUDIT_SAFETY_MARGIN_SECONDS = 30;

export async function runLargeAccountScenario(
  plan: LargeAccountPlan,
  log: (message: string) => void,
): Promise<LargeAccountScenario> {
  const flaggedUsers = Math.ceil(plan.users / plan.flagEvery);
  const base = { users: plan.users, flagEvery: plan.flagEvery, factor: plan.factor };
  log(
    `large account: ${plan.users} users, ${flaggedUsers} flagged, F=${plan.factor} (IAM ${AWS_IAM_RATE_PER_SECOND * plan.factor}/s, lambdaTimeScale 1/${plan.factor})`,
  );
  const continued = await runLargeAccount(
    { ...base, label: `continued-${plan.users}`, lambdaTimeScale: 1 / plan.factor },
    plan.budgetMs,
  );
  let unlimited: LargeAccountRunResult | null = null;
  if (plan.unlimitedRun) {
    log(`large account: ${plan.users} users, deployed timeouts (lambdaTimeScale 1)`);
    unlimited = await runLargeAccount(
      { ...base, label: `unlimited-${plan.users}`, lambdaTimeScale: 1 },
      plan.budgetMs,
    );
  }
  const expectedCalls = noTimeoutCalls(flaggedUsers);
  return {
    ...base,
    flaggedUsers,
    expectedCalls,
    expectedIterations: expectedIterations({
      calls: expectedCalls,
      ratePerSecond: AWS_IAM_RATE_PER_SECOND,
      burst: COLLECTOR_BURST,
      timeoutSeconds: AUDIT_TIMEOUT_SECONDS,
      safetyMarginSeconds: AUDIT_SAFETY_MARGIN_SECONDS,
    }),
    continued,
    unlimited,
    plantedFindings: flaggedUsers,
  };
}

/** Calls the continuation run made beyond a run in one go (measured, else the 4 + 2 x flagged budget). */
export function repeatedCalls(scenario: LargeAccountScenario): number {
  const reference = scenario.unlimited?.totalIamCalls ?? scenario.expectedCalls;
  return scenario.continued.totalIamCalls - reference;
}

/** `tsx bench/src/large-account.ts [--quick]`: this scenario alone, its JSON on stdout. */
if (import.meta.url === `file://${process.argv[1]}`) {
  const quick = process.argv.includes('--quick');
  runLargeAccountScenario(quick ? QUICK_LARGE_ACCOUNT : FULL_LARGE_ACCOUNT, (m) =>
    process.stderr.write(`[bench] ${m}\n`),
  ).then(
    (scenario) => process.stdout.write(`${JSON.stringify(scenario, null, 2)}\n`),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
