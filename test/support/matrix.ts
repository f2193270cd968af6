/** Shared set-up of the fault-matrix files: one fresh 200-account emulator per case. */
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

/** Accounts the organization expects to audit, spread out so they are not all in one Map batch. */
export function auditable(e: LocalEnv, count: number, offset = 0): string[] {
  const ids = e.emulator.expected.accounts
    .filter((a) => a.expectedStatus === 'AUDITED')
    .map((a) => a.accountId);
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
  filter: (c: { service: string; action: string; throttled: number; count: number }) => boolean,
): number {
  return e.emulator.stats
    .snapshot()
    .calls.filter(filter)
    .reduce((sum, c) => sum + c.count, 0);
}
