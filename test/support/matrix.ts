/**
 * Shared set-up of the fault-matrix files: one fresh 200-account emulator per case, and what the
 * cases measure a fault by: the emulator's count of injected faults (stats.faults()), the Task
 * invocations a run made (as an execution history would show them), and the bounds a planned
 * rate or token bucket puts on how often a fault fires.
 */
import type { WorkflowTasks } from '@org-key-audit/statemachine';
import { afterAll } from 'vitest';
import type { FailureExpectation } from './invariants';
import { type LocalEnv, startLocalEnv } from './local-env';

export const ACCOUNTS = 200;
export const CASE_TIMEOUT_MS = 170_000;

type Faults = Parameters<typeof startLocalEnv>[0]['baseFaults'];

/**
 * Starts one emulator per case (cases run concurrently: one case's backoff waits are another's
 * CPU time) and stops them all after the file, whatever the cases did.
 */
export function useCaseEmulator(): (seed: number, faults?: Faults) => Promise<LocalEnv> {
  const envs = new Set<LocalEnv>();
  afterAll(async () => {
    await Promise.all([...envs].map((env) => env.stop()));
  });
  return async (seed, faults) => {
    const env = await startLocalEnv({
      preset: 'faults',
      accounts: ACCOUNTS,
      users: 2,
      seed,
      ...(faults === undefined ? {} : { baseFaults: faults }),
    });
    envs.add(env);
    return env;
  };
}

/**
 * Accounts the organization expects to audit, spread out so they are not all in one Map batch.
 * Never the audit or the management account: the audit account's stats also hold the run's own
 * STS, S3 and SQS calls, so a fault planned for a member is counted apart from them.
 */
export function auditable(e: LocalEnv, count: number, offset = 0): string[] {
  const { auditAccountId, managementAccountId } = e.emulator;
  const ids = e.emulator.expected.accounts
    .filter((a) => a.expectedStatus === 'AUDITED')
    .map((a) => a.accountId)
    .filter((id) => id !== auditAccountId && id !== managementAccountId);
  const step = Math.floor(ids.length / count);
  return Array.from({ length: count }, (_, i) => ids[(offset + i * step) % ids.length] as string);
}

export function failing(
  ids: readonly string[],
  expectation: FailureExpectation,
): Map<string, FailureExpectation> {
  return new Map(ids.map((id) => [id, expectation]));
}

export function callCount(
  e: LocalEnv,
  filter: (c: {
    accountId: string;
    service: string;
    action: string;
    throttled: number;
    count: number;
  }) => boolean,
): number {
  return e.emulator.stats
    .snapshot()
    .calls.filter(filter)
    .reduce((sum, c) => sum + c.count, 0);
}

/**
 * Requests of one account to one action that reached the service's handler: all of them but
 * those a fault answered instead (throttled, 5xx, connection reset).
 */
export function servedCalls(e: LocalEnv, accountId: string, service: string, action: string): number {
  const { stats } = e.emulator;
  const answeredByFault = (['throttling', '5xx', 'reset'] as const).reduce(
    (sum, kind) => sum + stats.faultCount({ accountId, service, action, kind }),
    0,
  );
  return stats.total({ accountId, service, action }) - answeredByFault;
}

/** The recorded sts:AssumeRole calls into the audit role of `accountId`, with their outcomes. */
export function assumeRoleOutcomes(e: LocalEnv, accountId: string): string[] {
  const role = `arn:aws:iam::${accountId}:role/${e.emulator.roleName}`;
  return e.emulator
    .calls()
    .filter((c) => c.action === 'sts:AssumeRole' && c.resource === role)
    .map((c) => c.outcome);
}

/**
 * Every Task invocation of a run and how it ended ('ok' or the name of the error it threw), as
 * the execution history would show it: per task, and for AuditAccount per account. Wrap it
 * outermost (`wrapTasks: (t) => log.wrap(mine(t))`), so it also sees what an inner wrapper throws.
 */
export interface TaskLog {
  readonly byTask: ReadonlyMap<string, readonly string[]>;
  readonly byAccount: ReadonlyMap<string, readonly string[]>;
  wrap(tasks: WorkflowTasks): WorkflowTasks;
  /** Resolves once the first AuditAccount invocation for `accountId` has ended (either way). */
  whenAccountDone(accountId: string): Promise<void>;
}

export function taskLog(): TaskLog {
  const byTask = new Map<string, string[]>();
  const byAccount = new Map<string, string[]>();
  const done = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  const doneOf = (id: string) => {
    let entry = done.get(id);
    if (entry === undefined) {
      let resolve: () => void = () => {};
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      entry = { promise, resolve };
      done.set(id, entry);
    }
    return entry;
  };
  const push = (map: Map<string, string[]>, key: string, outcome: string) => {
    const list = map.get(key) ?? [];
    list.push(outcome);
    map.set(key, list);
  };
  return {
    byTask,
    byAccount,
    whenAccountDone: (id) => doneOf(id).promise,
    wrap: (tasks) =>
      Object.fromEntries(
        Object.entries(tasks).map(([name, task]) => [
          name,
          async (event: never) => {
            const accountId =
              name === 'auditAccount' ? (event as { accountId?: string }).accountId : undefined;
            const record = (outcome: string) => {
              push(byTask, name, outcome);
              if (accountId !== undefined) push(byAccount, accountId, outcome);
            };
            try {
              const output = await task(event);
              record('ok');
              return output;
            } catch (error) {
              record(error instanceof Error ? error.name : 'Error');
              throw error;
            } finally {
              if (accountId !== undefined) doneOf(accountId).resolve();
            }
          },
        ]),
      ) as WorkflowTasks,
  };
}

/**
 * Where the number of firings of a fault injected at `rate` into `requests` checked requests
 * must lie. Each request draws once, so the count is binomial(requests, rate); it falls outside
 * five standard deviations of requests × rate with a probability below one in a million (normal
 * approximation, fine for the hundreds of requests here).
 */
export function binomialBounds(requests: number, rate: number): { low: number; high: number } {
  const mean = requests * rate;
  const spread = 5 * Math.sqrt(requests * rate * (1 - rate));
  return { low: Math.max(0, Math.floor(mean - spread)), high: Math.ceil(mean + spread) };
}

/**
 * The fewest of `requests` (arrived within `spanMs`) that a token bucket of `burst` tokens,
 * refilled at `ratePerSecond`, must have refused: it can serve at most burst + rate × span.
 */
export function bucketRefusedAtLeast(
  requests: number,
  spanMs: number,
  bucket: { readonly burst: number; readonly ratePerSecond: number },
): number {
  const servable = bucket.burst + (bucket.ratePerSecond * spanMs) / 1000;
  return Math.max(0, Math.ceil(requests - servable - 1e-9));
}
