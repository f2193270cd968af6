/**
 * Part 1: one account of N users on the throttled emulator (IAM token bucket 10/s, burst 20, and
 * 20 ms per call), collected three ways through the real SDK: the product's credential-report
 * strategy, its per-user fallback, and the naive baseline. Every run gets a fresh emulator, so
 * no token bucket or cached report carries over from the run before.
 */

import { DEFAULT_FAULTS, startEmulator } from '@org-key-audit/emulator';
import { assumeAuditRole } from '@org-key-audit/functions/aws';
import { DEFAULT_THRESHOLDS } from '@org-key-audit/functions/core';
import { collectAccount } from '@org-key-audit/functions/runtime';
import { buildClients } from '@org-key-audit/statemachine';
import { largeAccountSpec, MEMBER_ACCOUNT_ID } from './account-spec';
import { collectNaive } from './naive';

export type Approach = 'credential-report' | 'per-user' | 'naive';

export interface PerAccountRow {
  readonly approach: Approach;
  readonly users: number;
  /** False: extrapolated linearly from the measured run at `basisUsers`. */
  readonly measured: boolean;
  readonly basisUsers: number;
  /** Answered IAM calls by action, from the emulator's counters. */
  readonly calls: Readonly<Record<string, number>>;
  readonly totalCalls: number;
  /** Requests the emulator refused with Throttling (retried by the SDK or the product). */
  readonly throttled: number;
  readonly wallMs: number;
  /** CPU of this process (client and in-process emulator together). */
  readonly cpuMs: number;
  /** Keys flagged ROTATION_OVERDUE (report, per-user) or older than 90 days (naive): a sanity check. */
  readonly overdueKeys: number;
  readonly flaggedUsers: number;
}

export const BENCH_LATENCY_MS = 20;
/** The burst of the emulator's default IAM bucket, which these runs use. */
export const BENCH_IAM_BURST = DEFAULT_FAULTS.iamThrottling.burst;
/** Calls made once per account whatever its size. */
const ONCE_PER_ACCOUNT = new Set([
  'iam:GenerateCredentialReport',
  'iam:GetCredentialReport',
  'iam:GetAccountSummary',
]);
/** ListUsers page size: the product asks for 1,000 (per-user-collector.ts), the article for the default 100. */
const LIST_USERS_PAGE: Readonly<Record<Approach, number>> = {
  'credential-report': 1000,
  'per-user': 1000,
  naive: 100,
};
const DAY_MS = 86_400_000;

/** Runs one approach once on a fresh emulator. */
export async function measureApproach(approach: Approach, users: number): Promise<PerAccountRow> {
  const now = new Date(Date.UTC(2026, 0, 15, 12));
  const planted = largeAccountSpec({ users, now });
  const emulator = await startEmulator({
    orgSpec: planted.spec,
    faults: { latencyMs: BENCH_LATENCY_MS },
    recordCalls: false,
  });
  try {
    const clients = buildClients({
      region: emulator.region,
      endpoint: emulator.url,
      credentials: {
        accessKeyId: emulator.auditor.accessKeyId,
        secretAccessKey: emulator.auditor.secretAccessKey,
      },
    });
    const credentials = await assumeAuditRole(clients.sts, {
      accountId: MEMBER_ACCOUNT_ID,
      roleName: emulator.roleName,
      executionName: `bench-${approach}-${users}`,
    });
    const iam = clients.iamFor(credentials);
    const clock = () => new Date(emulator.clock.nowMs());

    const cpuStart = process.cpuUsage();
    const start = performance.now();
    let overdueKeys: number;
    if (approach === 'naive') {
      const result = await collectNaive(iam);
      const today = clock().getTime();
      overdueKeys = result.keys.filter(
        (k) =>
          k.status === 'Active' && k.createdAt !== null && (today - k.createdAt.getTime()) / DAY_MS >= 90,
      ).length;
    } else {
      const audit = await collectAccount(
        { iam, now: clock },
        {
          accountId: MEMBER_ACCOUNT_ID,
          accountName: 'big-legacy-prod',
          thresholds: DEFAULT_THRESHOLDS,
          configExemptions: [],
          strategy: approach,
        },
      );
      overdueKeys = audit.findings.filter((f) => f.type === 'ROTATION_OVERDUE').length;
    }
    const wallMs = performance.now() - start;
    const cpu = process.cpuUsage(cpuStart);

    const calls: Record<string, number> = {};
    let throttled = 0;
    for (const stat of emulator.stats.snapshot().calls) {
      if (stat.accountId !== MEMBER_ACCOUNT_ID || stat.service !== 'iam') continue;
      calls[`iam:${stat.action}`] = (calls[`iam:${stat.action}`] ?? 0) + stat.count - stat.throttled;
      throttled += stat.throttled;
    }
    return {
      approach,
      users,
      measured: true,
      basisUsers: users,
      calls: Object.fromEntries(Object.entries(calls).sort(([a], [b]) => a.localeCompare(b))),
      totalCalls: Object.values(calls).reduce((a, b) => a + b, 0),
      throttled,
      wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      overdueKeys,
      flaggedUsers: planted.flaggedUsers,
    };
  } finally {
    await emulator.stop();
  }
}

/**
 * The row for `users`, scaled from a measured row: calls per user are constant for these
 * approaches (each user and key costs the same). Time scales with the calls beyond IAM's burst:
 * the first `burst` calls go at once, every later one waits for the bucket, so the measured run's
 * time per paced call carries over. (Scaling the whole time by the call ratio would also scale
 * the free burst, and understate the naive run at 10,000 users by about 17 s.)
 */
export function extrapolateRow(
  measured: PerAccountRow,
  users: number,
  burst = BENCH_IAM_BURST,
): PerAccountRow {
  const f = users / measured.users;
  const pageSize = LIST_USERS_PAGE[measured.approach];
  const scale = (action: string, value: number): number => {
    if (ONCE_PER_ACCOUNT.has(action)) return value;
    if (action === 'iam:ListUsers') return Math.ceil(users / pageSize);
    return Math.round(value * f);
  };
  const calls = Object.fromEntries(Object.entries(measured.calls).map(([k, v]) => [k, scale(k, v)]));
  const totalCalls = Object.values(calls).reduce((a, b) => a + b, 0);
  const pacedMeasured = measured.totalCalls - burst;
  const timeFactor = pacedMeasured <= 0 ? f : (totalCalls - burst) / pacedMeasured;
  const cpuFactor = measured.totalCalls === 0 ? f : totalCalls / measured.totalCalls;
  return {
    ...measured,
    users,
    measured: false,
    basisUsers: measured.users,
    calls,
    totalCalls,
    throttled: Math.round(measured.throttled * f),
    wallMs: measured.wallMs * timeFactor,
    cpuMs: measured.cpuMs * cpuFactor,
    overdueKeys: Math.round(measured.overdueKeys * f),
    flaggedUsers: Math.round(measured.flaggedUsers * f),
  };
}

export interface Ratio {
  readonly users: number;
  readonly approach: Exclude<Approach, 'credential-report'>;
  readonly callsRatio: number;
  readonly timeRatio: number;
  /** Whether both sides were measured (not extrapolated). */
  readonly measured: boolean;
}

export function ratiosToReport(rows: readonly PerAccountRow[]): Ratio[] {
  const ratios: Ratio[] = [];
  for (const base of rows.filter((r) => r.approach === 'credential-report')) {
    for (const other of rows.filter((r) => r.users === base.users && r.approach !== 'credential-report')) {
      ratios.push({
        users: base.users,
        approach: other.approach as Ratio['approach'],
        callsRatio: other.totalCalls / base.totalCalls,
        timeRatio: other.wallMs / base.wallMs,
        measured: other.measured && base.measured,
      });
    }
  }
  return ratios;
}

/** The product's budget for the report strategy: 4 + 2 x (users with findings). */
export function reportCallBudget(flaggedUsers: number): number {
  return 4 + 2 * flaggedUsers;
}
