/**
 * The named workflow cases' wiring: the product assembled exactly as `keyaudit demo` assembles it
 * (runLocalAudit: the real ASL, the real handlers), pointed at one emulator, plus readers that
 * take a run's traces straight from the emulator's stores rather than through the product's own
 * readers, which are under test.
 */
import { runLocalAudit } from '@org-key-audit/cli/workflow/local-audit';
import type { FaultPatch, StartEmulatorOptions } from '@org-key-audit/emulator';
import type { AccountAudit } from '@org-key-audit/functions/core/model';
import type { Report } from '@org-key-audit/functions/core/report';
import type { WorkflowResult, WorkflowTasks } from '@org-key-audit/statemachine/runner';
import {
  type DeployedEmulator,
  type DeployedRoles,
  type DeploymentOptions,
  startDeployedEmulator,
} from './deployed-roles';

export type WorkflowEmulator = DeployedEmulator;

export interface WorkflowEnv extends DeployedRoles {
  /** Back to the faults the suite started with (the emulator's defaults plus `baseFaults`). */
  resetFaults(): void;
}

/**
 * Starts an emulator hosting the deployment (see ./deployed-roles) and builds the clients the
 * runs share. Member IAM clients make one attempt per call: the collector owns throttling
 * retries (shortened below), and the SDK's own throttling backoff (500 ms base, five attempts,
 * for each of the collector's attempts) would turn the throttled-account case into minutes
 * without testing anything more.
 */
export async function startWorkflowEnv(
  options: Pick<StartEmulatorOptions, 'orgSpec' | 'accounts' | 'users' | 'seed' | 'now'> &
    Pick<DeploymentOptions, 'enforcePolicies' | 'mutateAssembly'> & {
      readonly baseFaults?: FaultPatch;
    },
): Promise<WorkflowEnv> {
  const { baseFaults, enforcePolicies, mutateAssembly, ...emulatorOptions } = options;
  const roles = await startDeployedEmulator(
    { ...emulatorOptions, ...(baseFaults === undefined ? {} : { faults: baseFaults }) },
    {
      memberIamMaxAttempts: 1,
      ...(enforcePolicies === undefined ? {} : { enforcePolicies }),
      ...(mutateAssembly === undefined ? {} : { mutateAssembly }),
    },
  );
  const { emulator } = roles;
  const resetFaults = (): void => {
    expectAdminOk(emulator.admin('/_emulator/faults', 'DELETE'), 'DELETE /_emulator/faults');
    if (baseFaults !== undefined) setFaults(emulator, baseFaults);
  };
  return { ...roles, resetFaults };
}

export function setFaults(emulator: WorkflowEmulator, patch: FaultPatch): void {
  expectAdminOk(emulator.admin('/_emulator/faults', 'POST', patch), 'POST /_emulator/faults');
}

function expectAdminOk(answer: { status: number; body: unknown }, route: string): void {
  if (answer.status >= 400)
    throw new Error(`${route} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
}

export interface CaseRun {
  readonly input: unknown;
  readonly executionName: string;
  readonly wrapTasks?: (tasks: WorkflowTasks) => WorkflowTasks;
  /** @default 40 */
  readonly concurrency?: number;
  /** The collector's own throttling retries. @default THROTTLE_RETRY */
  readonly throttleRetry?: {
    readonly maxAttempts: number;
    readonly baseDelayMs: number;
    readonly maxDelayMs: number;
  };
}

/** Short waits: the cases check where each failure ends up, not how long backoff takes. */
const REPORT_POLLING = { maxAttempts: 6, baseDelayMs: 2, maxDelayMs: 10 } as const;
// Enough budget to outwait the emulator's default IAM bucket (10/s, burst 20) on a busy account,
// never enough to outwait a bucket that refills once in a thousand seconds.
const THROTTLE_RETRY = { maxAttempts: 14, baseDelayMs: 20, maxDelayMs: 400 } as const;

export function runCase(env: WorkflowEnv, run: CaseRun): Promise<WorkflowResult> {
  const { emulator } = env;
  const { resources } = emulator;
  return runLocalAudit(
    {
      input: run.input,
      executionName: run.executionName,
      aws: { region: emulator.region, endpoint: emulator.url },
      reportBucket: resources.reportBucket,
      queues: {
        accountFailures: resources.queues.accountFailures,
        digestFailures: resources.queues.digestFailures,
        executionFailures: resources.queues.executionFailures,
      },
      digestTopicArn: resources.digestTopicArn,
      roleName: emulator.roleName,
      concurrency: run.concurrency ?? 40,
      // Key ages are measured against the emulator's clock, the one the planted ages are relative to.
      now: () => emulator.clock.now(),
      retryDelayMs: 1,
      collectOptions: { reportPolling: REPORT_POLLING, throttleRetry: run.throttleRetry ?? THROTTLE_RETRY },
      ...(run.wrapTasks === undefined ? {} : { wrapTasks: run.wrapTasks }),
    },
    env.clients,
  );
}

// ---------------------------------------------------------------- what a run left behind

/** Every report-bucket key that belongs to this execution (runs/<name>/…, reports/<name>/…). */
export function objectKeysOf(emulator: WorkflowEmulator, executionName: string): string[] {
  return [...emulator.messaging.objects(emulator.resources.reportBucket).keys()].filter(
    (key) => key.startsWith(`runs/${executionName}/`) || key.startsWith(`reports/${executionName}/`),
  );
}

function objectText(emulator: WorkflowEmulator, key: string): string | null {
  return emulator.messaging.objects(emulator.resources.reportBucket).get(key)?.toString('utf8') ?? null;
}

export function reportOf(emulator: WorkflowEmulator, executionName: string): Report {
  const text = objectText(emulator, `reports/${executionName}/report.json`);
  if (text === null) throw new Error(`no reports/${executionName}/report.json in the report bucket`);
  return JSON.parse(text) as Report;
}

export function digestTextOf(emulator: WorkflowEmulator, executionName: string): string | null {
  return objectText(emulator, `reports/${executionName}/digest.txt`);
}

export function accountOf(report: Report, accountId: string): AccountAudit {
  const account = report.accounts.find((a) => a.accountId === accountId);
  if (account === undefined) throw new Error(`account ${accountId} is not in the report`);
  return account;
}

export interface AccountFailureBody {
  readonly kind: string;
  readonly executionArn: string;
  readonly executionName: string;
  readonly accountId: string;
  readonly error: string | null;
  readonly cause: string | null;
  readonly rerunInput: Readonly<Record<string, unknown>>;
}

export interface DigestFailureBody {
  readonly kind: string;
  readonly executionArn: string;
  readonly executionName: string;
  readonly error: string | null;
  readonly cause: string | null;
  readonly input: unknown;
}

function bodies(emulator: WorkflowEmulator, queueUrl: string): Record<string, unknown>[] {
  return emulator.messaging.queueMessages(queueUrl).map((m) => JSON.parse(m.body) as Record<string, unknown>);
}

export function accountFailuresOf(emulator: WorkflowEmulator, executionName: string): AccountFailureBody[] {
  return bodies(emulator, emulator.resources.queues.accountFailures)
    .filter((b) => b['executionName'] === executionName)
    .map((b) => b as unknown as AccountFailureBody);
}

export function digestFailuresOf(emulator: WorkflowEmulator, executionName: string): DigestFailureBody[] {
  return bodies(emulator, emulator.resources.queues.digestFailures)
    .filter((b) => b['executionName'] === executionName)
    .map((b) => b as unknown as DigestFailureBody);
}

/** The execution-failures DLQ carries only the ARN (as the EventBridge rule's message does). */
export function executionFailuresOf(
  emulator: WorkflowEmulator,
  executionArn: string,
): Record<string, unknown>[] {
  return bodies(emulator, emulator.resources.queues.executionFailures).filter(
    (b) => b['executionArn'] === executionArn,
  );
}

/** Digest emails the topic received for this execution (the body names its execution). */
export function publishedFor(
  emulator: WorkflowEmulator,
  executionName: string,
): { readonly subject: string | undefined; readonly message: string }[] {
  return emulator.messaging
    .published()
    .filter((m) => m.topicArn === emulator.resources.digestTopicArn)
    .filter((m) => m.message.split('\n').some((line) => line.trim() === `Execution:  ${executionName}`))
    .map((m) => ({ subject: m.subject, message: m.message }));
}

/** Every digest email the topic has received so far, for "nothing was published" checks. */
export function digestTopicCount(emulator: WorkflowEmulator): number {
  return emulator.messaging.published().filter((m) => m.topicArn === emulator.resources.digestTopicArn)
    .length;
}

/** A finding reduced to what both the report and the emulator's expectations name. */
export function findingKey(f: {
  readonly accountId: string;
  readonly userName: string;
  readonly accessKeyId: string | null;
  readonly type: string;
}): string {
  return JSON.stringify([f.accountId, f.userName, f.accessKeyId, f.type]);
}

export function reportFindingKeys(report: Report, list: 'findings' | 'exempted'): string[] {
  return report.accounts
    .flatMap((a) => a[list].map((f) => findingKey({ ...f, accountId: a.accountId })))
    .sort();
}
