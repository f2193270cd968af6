/**
 * Part 2: the real workflow (ASL file, local runner, real handlers, real SDK) on an emulated
 * organization of N accounts x 20 users, with the emulator's default faults. Each size runs in a
 * fresh `node` process so that its peak RSS is its own; a run that outlasts its time budget is
 * stopped and reported with its progress and the time it would need at the rate it reached.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FunctionName } from './cost';

export interface OrgRunRequest {
  readonly accounts: number;
  readonly usersPerAccount: number;
  readonly seed: number;
  /** Emulator latency per call; the org runs use the default (0), the calibration 20 ms. */
  readonly latencyMs?: number;
  /** Map concurrency. @default 40 (the product's default) */
  readonly concurrency?: number;
}

export type LambdaStats = Record<FunctionName, { invocations: number; totalMs: number; maxMs: number }>;

export interface OrgRunResult {
  readonly accounts: number;
  readonly usersPerAccount: number;
  readonly completed: boolean;
  readonly status?: string;
  /** Map children finished when the run ended (or was stopped). */
  readonly done: number;
  readonly total: number;
  readonly wallMs: number;
  /** Whole-run time at the rate reached; equals wallMs when completed. */
  readonly projectedWallMs: number;
  readonly cpuMs?: number;
  /** Peak resident set of the runner's process (the emulator runs in its own), bytes. */
  readonly maxRssBytes?: number;
  /** Peak resident set of the emulator's process, bytes. */
  readonly emulatorMaxRssBytes?: number;
  /** CPU the emulator's process used over its whole life (organization generation included). */
  readonly emulatorCpuMs?: number;
  /** A stopped run's largest RSS reported with its progress, bytes. */
  readonly rssAtStopBytes?: number;
  readonly statesEntered?: number;
  readonly childExecutions?: number;
  readonly largestPayloadBytes?: number;
  readonly parentHistoryEvents?: number;
  readonly lambda?: LambdaStats;
  /** Emulator counters by `service:Action` (answered, throttled excluded). */
  readonly calls?: Record<string, number>;
  readonly throttled?: number;
}

const WORKER = fileURLToPath(new URL('./org-worker.ts', import.meta.url));

/** Runs one size in a child process, stopped after `budgetMs`. */
export function runOrgScale(request: OrgRunRequest, budgetMs: number): Promise<OrgRunResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, JSON.stringify(request)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    });
    let stdout = '';
    let stderrTail = '';
    let progress = { done: 0, total: 0, atMs: 0 };
    let rssMax = 0;
    let stopped = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      for (const match of text.matchAll(/^PROGRESS (\d+) (\d+) ([\d.]+) (\d+)$/gm)) {
        progress = { done: Number(match[1]), total: Number(match[2]), atMs: Number(match[3]) };
        rssMax = Math.max(rssMax, Number(match[4]));
      }
      stderrTail = (stderrTail + text).slice(-4000);
    });
    const timer = setTimeout(() => {
      stopped = true;
      child.kill('SIGKILL');
    }, budgetMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const wallMs = performance.now() - started;
      if (stopped) {
        // The run's own clock (atMs) excludes process start-up and emulator generation.
        const rate = progress.done > 0 && progress.atMs > 0 ? progress.done / progress.atMs : 0;
        resolve({
          accounts: request.accounts,
          usersPerAccount: request.usersPerAccount,
          completed: false,
          done: progress.done,
          total: progress.total,
          wallMs,
          projectedWallMs: rate > 0 ? progress.total / rate : Number.POSITIVE_INFINITY,
          ...(rssMax > 0 ? { rssAtStopBytes: rssMax } : {}),
        });
        return;
      }
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || line === undefined) {
        reject(new Error(`org-scale worker for ${request.accounts} accounts exited ${code}:\n${stderrTail}`));
        return;
      }
      resolve(JSON.parse(line.slice('RESULT '.length)) as OrgRunResult);
    });
  });
}
