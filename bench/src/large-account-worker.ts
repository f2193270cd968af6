/**
 * One large-account run in its own process (see large-account.ts): `node --import tsx
 * large-account-worker.ts '<LargeAccountRunRequest JSON>'`; the result goes to stdout as one
 * `RESULT {json}` line. The emulator runs in a process of its own (emulator-host.ts).
 *
 * The collector's pacing: the product has no option for it (IamCredentialSourceOptions and the
 * runner's `collectOptions` take polling, retries and concurrency only), and every member
 * account's ThrottledCaller builds its TokenBucket from the exported DEFAULT_IAM_PACING. This
 * process audits nothing else, so it raises that object's rate before any handler exists and
 * checks that a new caller picks it up; the run fails if it does not.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiCallCounter, DEFAULT_IAM_PACING, ThrottledCaller } from '@org-key-audit/functions/aws';
import { DEFAULT_AUDIT_SAFETY_MARGIN_MS } from '@org-key-audit/functions/core';
import { runLocalAudit, type WorkflowTasks } from '@org-key-audit/statemachine';
import { largeAccountSpec, MEMBER_ACCOUNT_ID } from './account-spec';
import {
  AUDIT_TIMEOUT_SECONDS,
  AWS_IAM_RATE_PER_SECOND,
  AWS_LATENCY_MS,
  type LargeAccountRunRequest,
  type LargeAccountRunResult,
} from './large-account';
import { startEmulatorProcess } from './org-worker';

/** The emulator's IAM burst (its default bucket); the collector keeps one token in hand (19). */
const EMULATOR_BURST = 20;

function raiseCollectorRate(ratePerSecond: number): number {
  (DEFAULT_IAM_PACING as { ratePerSecond: number }).ratePerSecond = ratePerSecond;
  const probe = new ThrottledCaller({ accountId: MEMBER_ACCOUNT_ID, counter: new ApiCallCounter() });
  if (probe.pacer.ratePerSecond !== ratePerSecond) {
    throw new Error(
      `the collector's pacing did not follow DEFAULT_IAM_PACING (${probe.pacer.ratePerSecond}/s, wanted ${ratePerSecond}/s)`,
    );
  }
  return probe.pacer.ratePerSecond;
}

interface Invocation {
  readonly startMs: number;
  readonly endMs: number;
  readonly status: string;
  readonly findings: number;
}

/** Records the member account's AuditAccount invocations; the Lambda context is passed on (the budget). */
function watchAuditAccount(tasks: WorkflowTasks, invocations: Invocation[]): WorkflowTasks {
  const audit = tasks.auditAccount as (event: unknown, context?: unknown) => Promise<unknown>;
  const wrapped = async (event: unknown, context?: unknown) => {
    const accountId = (event as { accountId?: string } | null)?.accountId;
    const startMs = performance.now();
    let status = 'ERROR';
    let findings = 0;
    try {
      const output = (await audit(event, context)) as { status?: string; findings?: number };
      status = output.status ?? 'UNKNOWN';
      findings = output.findings ?? 0;
      return output;
    } finally {
      if (accountId === MEMBER_ACCOUNT_ID) {
        invocations.push({ startMs, endMs: performance.now(), status, findings });
        process.stderr.write(
          `[large]   AuditAccount #${invocations.length}: ${status} after ${((performance.now() - startMs) / 1000).toFixed(1)} s\n`,
        );
      }
    }
  };
  return { ...tasks, auditAccount: wrapped as WorkflowTasks['auditAccount'] };
}

export async function runLarge(request: LargeAccountRunRequest): Promise<LargeAccountRunResult> {
  const rate = AWS_IAM_RATE_PER_SECOND * request.factor;
  const collectorRatePerSecond = raiseCollectorRate(rate);
  const planted = largeAccountSpec({
    users: request.users,
    flagEvery: request.flagEvery,
    now: new Date(Date.UTC(2026, 0, 15, 12)),
  });
  const dir = mkdtempSync(join(tmpdir(), 'bench-large-'));
  const specFile = join(dir, 'org.json');
  writeFileSync(specFile, JSON.stringify(planted.spec));
  const host = await startEmulatorProcess({
    orgSpecFile: specFile,
    faults: {
      iamThrottling: { enabled: true, ratePerSecond: rate, burst: EMULATOR_BURST },
      latencyMs: Math.round(AWS_LATENCY_MS / request.factor),
    },
  });
  const emulator = host.ready;
  const invocations: Invocation[] = [];
  try {
    const cpuStart = process.cpuUsage();
    const start = performance.now();
    let memberChild = '';
    const result = await runLocalAudit({
      input: { reason: 'benchmark' },
      executionName: `bench-${request.label}`,
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
      lambdaTimeScale: request.lambdaTimeScale,
      onProgress: (_done, _total, child) => {
        const output = child.output as { accountId?: string; status?: string } | null;
        if (output?.accountId === MEMBER_ACCOUNT_ID) memberChild = `${child.status}/${output.status ?? ''}`;
        else if (child.status === 'FAILED' && memberChild === '') memberChild = child.status;
      },
      wrapTasks: (tasks) => watchAuditAccount(tasks, invocations),
    });
    const wallMs = performance.now() - start;
    const cpu = process.cpuUsage(cpuStart);
    const stats = await host.stats();
    const calls: Record<string, number> = {};
    const iamCalls: Record<string, number> = {};
    let throttled = 0;
    for (const stat of stats.calls) {
      const key = `${stat.service}:${stat.action}`;
      calls[key] = (calls[key] ?? 0) + stat.count - stat.throttled;
      if (stat.accountId === MEMBER_ACCOUNT_ID && stat.service === 'iam') {
        iamCalls[key] = (iamCalls[key] ?? 0) + stat.count - stat.throttled;
        throttled += stat.throttled;
      }
    }
    const last = invocations.at(-1);
    const sorted = (record: Record<string, number>) =>
      Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
    return {
      label: request.label,
      users: request.users,
      flaggedUsers: planted.flaggedUsers,
      factor: request.factor,
      lambdaTimeScale: request.lambdaTimeScale,
      iamRatePerSecond: rate,
      collectorRatePerSecond,
      auditTimeoutMs: AUDIT_TIMEOUT_SECONDS * 1000 * request.lambdaTimeScale,
      safetyMarginMs: Math.round(DEFAULT_AUDIT_SAFETY_MARGIN_MS * request.lambdaTimeScale),
      workflowStatus: result.status,
      accountStatus: last?.status ?? (memberChild || 'NOT AUDITED'),
      findings: last?.findings ?? 0,
      iterations: invocations.length,
      invocationMs: invocations.map((i) => Math.round(i.endMs - i.startMs)),
      iamCalls: sorted(iamCalls),
      totalIamCalls: Object.values(iamCalls).reduce((a, b) => a + b, 0),
      throttled,
      calls: sorted(calls),
      wallMs,
      accountWallMs: last === undefined ? 0 : last.endMs - (invocations[0] as Invocation).startMs,
      largestPayloadBytes: result.metrics.largestPayloadBytes,
      statesEntered: result.metrics.statesEntered,
      childExecutions: result.metrics.childExecutions,
      cpuMs: (cpu.user + cpu.system) / 1000,
      // resourceUsage reports kilobytes.
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
      emulatorMaxRssBytes: stats.maxRssBytes,
    };
  } finally {
    await host.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const request = JSON.parse(process.argv[2] ?? '{}') as LargeAccountRunRequest;
  runLarge(request).then(
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
