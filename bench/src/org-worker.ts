/**
 * One organization-scale run in its own process (see org-scale.ts): `node --import tsx
 * org-worker.ts '<OrgRunRequest JSON>'`. Progress goes to stderr, the result to stdout as one
 * `RESULT {json}` line. Reuses the product's local assembly (statemachine/src/local-audit.ts).
 * The emulator runs in a third process (emulator-host.ts), as AWS is not in the runner's either.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { WorkflowTasks } from '@org-key-audit/statemachine';
import { runLocalAudit } from '@org-key-audit/statemachine';
import type { FunctionName } from './cost';
import type { EmulatorReady, EmulatorStats, HostOptions, HostRequest } from './emulator-host';
import type { LambdaStats, OrgRunRequest, OrgRunResult } from './org-scale';

const HOST = fileURLToPath(new URL('./emulator-host.ts', import.meta.url));

export interface EmulatorProcess {
  readonly ready: EmulatorReady;
  stats(): Promise<EmulatorStats>;
  stop(): Promise<void>;
}

/** Forks emulator-host.ts and waits for its `ready` message. */
export function startEmulatorProcess(options: HostOptions): Promise<EmulatorProcess> {
  const child: ChildProcess = fork(HOST, [JSON.stringify(options)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const request = (message: HostRequest) => child.send(message);
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) =>
      reject(new Error(`the emulator process exited with ${code} before it was ready`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.once('message', (message: EmulatorReady) => {
      child.off('exit', onExit);
      resolve({
        ready: message,
        stats: () =>
          new Promise((resolveStats) => {
            child.once('message', (answer: EmulatorStats) => resolveStats(answer));
            request({ type: 'stats' });
          }),
        stop: () =>
          new Promise((resolveStop) => {
            if (child.exitCode !== null) return resolveStop();
            child.once('exit', () => resolveStop());
            request({ type: 'stop' });
          }),
      });
    });
  });
}

/** The functions the cost model prices; a task not listed here (a newer one) runs unwrapped. */
const TASK_TO_FUNCTION: Readonly<Partial<Record<keyof WorkflowTasks, FunctionName>>> = {
  validateInput: 'validateInput',
  listAccounts: 'listAccounts',
  auditAccount: 'auditAccount',
  buildDigest: 'buildDigest',
  publishDigest: 'publishDigest',
};

/** Wraps each handler to count its invocations and time them, as Lambda would bill them. */
function timeTasks(tasks: WorkflowTasks, stats: LambdaStats): WorkflowTasks {
  const wrapped: Partial<Record<keyof WorkflowTasks, WorkflowTasks[keyof WorkflowTasks]>> = {};
  for (const [name, task] of Object.entries(tasks) as [
    keyof WorkflowTasks,
    WorkflowTasks[keyof WorkflowTasks],
  ][]) {
    const fn = TASK_TO_FUNCTION[name];
    if (fn === undefined) {
      wrapped[name] = task;
      continue;
    }
    const entry = stats[fn];
    wrapped[name] = async (input) => {
      const start = performance.now();
      try {
        return await task(input);
      } finally {
        const ms = performance.now() - start;
        entry.invocations += 1;
        entry.totalMs += ms;
        entry.maxMs = Math.max(entry.maxMs, ms);
      }
    };
  }
  return wrapped as WorkflowTasks;
}

export async function runOrg(request: OrgRunRequest): Promise<OrgRunResult> {
  const host = await startEmulatorProcess({
    accounts: request.accounts,
    users: request.usersPerAccount,
    seed: request.seed,
    ...(request.latencyMs === undefined ? {} : { faults: { latencyMs: request.latencyMs } }),
  });
  const emulator = host.ready;
  const zero = () => ({ invocations: 0, totalMs: 0, maxMs: 0 });
  const lambda: LambdaStats = {
    validateInput: zero(),
    listAccounts: zero(),
    auditAccount: zero(),
    buildDigest: zero(),
    publishDigest: zero(),
  };
  try {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    let lastReported = -1;
    const result = await runLocalAudit({
      input: { reason: 'benchmark' },
      executionName: `bench-${request.accounts}`,
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
      now: () => new Date(Date.now() + emulator.clockOffsetMs),
      ...(request.concurrency === undefined ? {} : { concurrency: request.concurrency }),
      onProgress: (done, total) => {
        const step = Math.max(1, Math.floor(total / 100));
        if (done === total || done - lastReported >= step) {
          lastReported = done;
          const elapsed = (performance.now() - start).toFixed(0);
          process.stderr.write(`PROGRESS ${done} ${total} ${elapsed} ${process.memoryUsage.rss()}\n`);
        }
      },
      wrapTasks: (tasks) => timeTasks(tasks, lambda),
    });
    const wallMs = performance.now() - start;
    const cpu = process.cpuUsage(cpuStart);
    const calls: Record<string, number> = {};
    let throttled = 0;
    const emulatorStats = await host.stats();
    for (const stat of emulatorStats.calls) {
      const key = `${stat.service}:${stat.action}`;
      calls[key] = (calls[key] ?? 0) + stat.count - stat.throttled;
      throttled += stat.throttled;
    }
    return {
      accounts: request.accounts,
      usersPerAccount: request.usersPerAccount,
      completed: true,
      status: result.status,
      done: result.metrics.childExecutions,
      total: result.metrics.childExecutions,
      wallMs,
      projectedWallMs: wallMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
      // resourceUsage reports kilobytes.
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      emulatorMaxRssBytes: emulatorStats.maxRssBytes,
      emulatorCpuMs: emulatorStats.cpuMs,
      statesEntered: result.metrics.statesEntered,
      childExecutions: result.metrics.childExecutions,
      largestPayloadBytes: result.metrics.largestPayloadBytes,
      parentHistoryEvents: result.metrics.parentHistoryEvents,
      lambda,
      calls: Object.fromEntries(Object.entries(calls).sort(([a], [b]) => a.localeCompare(b))),
      throttled,
    };
  } finally {
    await host.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const request = JSON.parse(process.argv[2] ?? '{}') as OrgRunRequest;
  runOrg(request).then(
    (result) => {
      process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
