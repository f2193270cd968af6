/**
 * The one local test environment: an emulator hosting the product as deployed (see
 * ./deployed-roles: templates synthesized for its organization, each caller signed as its
 * deployed role, every call recorded, policies enforced on request), the product assembled as
 * `keyaudit demo` assembles it (statemachine/src/local-audit.ts: the real ASL, the real
 * handlers), named presets for the waits, and readers that take a run's traces straight from
 * the emulator's stores rather than through the product's own readers, which are under test.
 */

import type { ExpectedFinding, FaultPatch, StartEmulatorOptions } from '@org-key-audit/emulator';
import type { AccountAudit, Report } from '@org-key-audit/functions/core';
import {
  type AccountFailureMessage,
  AccountFailureMessageSchema,
  type DigestFailureMessage,
  DigestFailureMessageSchema,
  type ExecutionFailureMessage,
  ExecutionFailureMessageSchema,
} from '@org-key-audit/functions/core';
import type { Telemetry } from '@org-key-audit/functions/runtime';
import type { WorkflowResult, WorkflowTasks } from '@org-key-audit/statemachine';
import {
  type LocalAuditOptions,
  REMEDIATION_STATE_MACHINE_NAME,
  runLocalAudit,
} from '@org-key-audit/statemachine';
import {
  type DeployedEmulator,
  type DeployedRoles,
  type DeploymentOptions,
  startDeployedEmulator,
} from './deployed-roles';

export type LocalEmulator = DeployedEmulator;

interface Backoff {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface Preset {
  /** Map concurrency. */
  readonly concurrency: number;
  /** The collector's credential-report polling. */
  readonly reportPolling: Backoff;
  /** The collector's own throttling retries. */
  readonly throttleRetry: Backoff;
  /** Attempts per member IAM call; unset: the product's own retry configuration. */
  readonly memberIamMaxAttempts?: number;
  /** The generated organization, where the suite does not say. */
  readonly organization?: { readonly users: number; readonly seed: number; readonly now: Date };
}

/** A fixed emulated "now", so key ages (and so planted findings) never drift with the wall clock. */
export const FIXED_NOW = new Date('2025-06-15T12:00:00.000Z');

/**
 * How long things may take: the tests check where each failure ends up, not how long backoff
 * takes. Named, so that two suites never differ silently.
 */
export const PRESETS = {
  /**
   * The named workflow cases. Member IAM clients make one attempt per call: the collector owns
   * throttling retries, with enough budget to outwait the emulator's default IAM bucket (10/s,
   * burst 20) on a busy account, never a bucket that refills once in a thousand seconds; the
   * SDK's own throttling backoff (500 ms base, five attempts, for each of the collector's
   * attempts) would turn the throttled-account case into minutes without testing anything more.
   */
  cases: {
    concurrency: 40,
    reportPolling: { maxAttempts: 6, baseDelayMs: 2, maxDelayMs: 10 },
    throttleRetry: { maxAttempts: 14, baseDelayMs: 20, maxDelayMs: 400 },
    memberIamMaxAttempts: 1,
  },
  /**
   * The fault matrix and the reliability suites: a 200-account fault case in seconds, with the
   * product's own SDK retries on (the faults there include 5xx answers and connection resets).
   */
  faults: {
    concurrency: 20,
    reportPolling: { maxAttempts: 4, baseDelayMs: 2, maxDelayMs: 10 },
    throttleRetry: { maxAttempts: 8, baseDelayMs: 2, maxDelayMs: 10 },
    organization: { users: 3, seed: 1, now: FIXED_NOW },
  },
} as const satisfies Record<string, Preset>;
export type PresetName = keyof typeof PRESETS;

export interface LocalEnv extends DeployedRoles {
  readonly preset: Preset;
  /** Back to the faults the suite started with (the emulator's defaults plus `baseFaults`). */
  resetFaults(): void;
}

export async function startLocalEnv(
  options: Pick<
    StartEmulatorOptions,
    'orgSpec' | 'accounts' | 'users' | 'seed' | 'now' | 'port' | 'stepFunctions'
  > &
    Pick<DeploymentOptions, 'enforcePolicies' | 'mutateAssembly' | 'config'> & {
      readonly preset: PresetName;
      /** Faults on from the start, and restored by resetFaults(). */
      readonly baseFaults?: FaultPatch;
    },
): Promise<LocalEnv> {
  const {
    preset: presetName,
    baseFaults,
    enforcePolicies,
    mutateAssembly,
    config,
    ...emulatorOptions
  } = options;
  const preset: Preset = PRESETS[presetName];
  const roles = await startDeployedEmulator(
    {
      ...(preset.organization === undefined || emulatorOptions.orgSpec !== undefined
        ? {}
        : preset.organization),
      ...emulatorOptions,
      ...(baseFaults === undefined ? {} : { faults: baseFaults }),
    },
    {
      ...(preset.memberIamMaxAttempts === undefined
        ? {}
        : { memberIamMaxAttempts: preset.memberIamMaxAttempts }),
      ...(enforcePolicies === undefined ? {} : { enforcePolicies }),
      ...(mutateAssembly === undefined ? {} : { mutateAssembly }),
      ...(config === undefined ? {} : { config }),
    },
  );
  const { emulator } = roles;
  const resetFaults = (): void => {
    expectAdminOk(emulator.admin('/_emulator/faults', 'DELETE'), 'DELETE /_emulator/faults');
    if (baseFaults !== undefined) setFaults(emulator, baseFaults);
  };
  return { ...roles, preset, resetFaults };
}

export function setFaults(emulator: LocalEmulator, patch: FaultPatch): void {
  expectAdminOk(emulator.admin('/_emulator/faults', 'POST', patch), 'POST /_emulator/faults');
}

function expectAdminOk(answer: { status: number; body: unknown }, route: string): void {
  if (answer.status >= 400)
    throw new Error(`${route} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
}

export interface LocalRun {
  /** @default {} */
  readonly input?: unknown;
  readonly executionName?: string;
  readonly telemetry?: Telemetry;
  readonly wrapTasks?: (tasks: WorkflowTasks) => WorkflowTasks;
  /** @default the preset's */
  readonly concurrency?: number;
  /** @default the preset's */
  readonly throttleRetry?: Backoff;
  /** Owners and routing, as OWNERS_JSON gives them to the deployed functions. */
  readonly owners?: LocalAuditOptions['owners'];
  /** The deployed Lambda timeouts, scaled (LocalAuditOptions.lambdaTimeScale). @default 1 */
  readonly lambdaTimeScale?: number;
  readonly maxAuditIterations?: number;
  /** Before the time scale applies, as the deployment's AUDIT_SAFETY_MARGIN_MS. @default 30 s */
  readonly auditSafetyMarginMs?: number;
  /** The Security Hub import (SECURITY_HUB_JSON). @default off */
  readonly securityHub?: LocalAuditOptions['securityHub'];
  /** The chat topic (CHAT_TOPIC_ARN). @default none */
  readonly chatTopicArn?: string;
  /** Approval-gated deactivation (REMEDIATION_JSON on BuildDigest). @default off */
  readonly remediation?: LocalAuditOptions['remediation'];
  /** The RemediateKeys machine StartDeactivationRequest starts. @default the emulator's OrgKeyAuditRemediateKeys */
  readonly remediationStateMachineArn?: string;
}

export function localAuditOptions(env: LocalEnv, run: LocalRun = {}): LocalAuditOptions {
  const { emulator, preset } = env;
  const { resources } = emulator;
  return {
    input: run.input ?? {},
    ...(run.executionName === undefined ? {} : { executionName: run.executionName }),
    aws: { region: emulator.region, endpoint: emulator.url },
    reportBucket: resources.reportBucket,
    queues: {
      accountFailures: resources.queues.accountFailures,
      digestFailures: resources.queues.digestFailures,
      executionFailures: resources.queues.executionFailures,
    },
    digestTopicArn: resources.digestTopicArn,
    roleName: emulator.roleName,
    concurrency: run.concurrency ?? preset.concurrency,
    // Key ages are measured against the emulator's clock, the one the planted ages are relative to.
    now: () => emulator.clock.now(),
    retryDelayMs: 1,
    collectOptions: {
      reportPolling: preset.reportPolling,
      throttleRetry: run.throttleRetry ?? preset.throttleRetry,
    },
    ...(run.telemetry === undefined ? {} : { telemetry: run.telemetry }),
    ...(run.wrapTasks === undefined ? {} : { wrapTasks: run.wrapTasks }),
    ...(run.owners === undefined ? {} : { owners: run.owners }),
    ...(run.lambdaTimeScale === undefined ? {} : { lambdaTimeScale: run.lambdaTimeScale }),
    ...(run.maxAuditIterations === undefined ? {} : { maxAuditIterations: run.maxAuditIterations }),
    ...(run.auditSafetyMarginMs === undefined ? {} : { auditSafetyMarginMs: run.auditSafetyMarginMs }),
    ...(run.securityHub === undefined ? {} : { securityHub: run.securityHub }),
    ...(run.chatTopicArn === undefined ? {} : { chatTopicArn: run.chatTopicArn }),
    ...(run.remediation === undefined ? {} : { remediation: run.remediation }),
    ...remediationMachine(emulator, run.remediationStateMachineArn),
  };
}

/** The RemediateKeys machine the audit starts: the given one, or the emulator's when it hosts one. */
function remediationMachine(
  emulator: LocalEmulator,
  given: string | undefined,
): { readonly remediationStateMachineArn?: string } {
  if (given !== undefined) return { remediationStateMachineArn: given };
  try {
    return {
      remediationStateMachineArn: emulator.stepFunctions.stateMachineArn(REMEDIATION_STATE_MACHINE_NAME),
    };
  } catch {
    return {};
  }
}

export function runLocal(env: LocalEnv, run: LocalRun = {}): Promise<WorkflowResult> {
  return runLocalAudit(localAuditOptions(env, run), env.clients);
}

// ---------------------------------------------------------------- what a run wrote to the logs

/** Records what a run logs, redacted as production would print it (see functions/src/app/telemetry.ts). */
export { type RecordingTelemetry, recordingTelemetry } from '@org-key-audit/functions/app';

// ---------------------------------------------------------------- what a run left behind

/** Every report-bucket key that belongs to this execution (runs/<name>/…, reports/<name>/…). */
export function objectKeysOf(emulator: LocalEmulator, executionName: string): string[] {
  return [...emulator.messaging.objects(emulator.resources.reportBucket).keys()].filter(
    (key) => key.startsWith(`runs/${executionName}/`) || key.startsWith(`reports/${executionName}/`),
  );
}

function objectText(emulator: LocalEmulator, key: string): string | null {
  return emulator.messaging.objects(emulator.resources.reportBucket).get(key)?.toString('utf8') ?? null;
}

export function reportOf(emulator: LocalEmulator, executionName: string): Report {
  const text = objectText(emulator, `reports/${executionName}/report.json`);
  if (text === null) throw new Error(`no reports/${executionName}/report.json in the report bucket`);
  return JSON.parse(text) as Report;
}

export function digestTextOf(emulator: LocalEmulator, executionName: string): string | null {
  return objectText(emulator, `reports/${executionName}/digest.txt`);
}

export function accountOf(report: Report, accountId: string): AccountAudit {
  const account = report.accounts.find((a) => a.accountId === accountId);
  if (account === undefined) throw new Error(`account ${accountId} is not in the report`);
  return account;
}

function bodies(emulator: LocalEmulator, queueUrl: string): Record<string, unknown>[] {
  return emulator.messaging.queueMessages(queueUrl).map((m) => JSON.parse(m.body) as Record<string, unknown>);
}

export function accountFailuresOf(emulator: LocalEmulator, executionName: string): AccountFailureMessage[] {
  return bodies(emulator, emulator.resources.queues.accountFailures)
    .filter((b) => b['executionName'] === executionName)
    .map((b) => AccountFailureMessageSchema.parse(b));
}

export function digestFailuresOf(emulator: LocalEmulator, executionName: string): DigestFailureMessage[] {
  return bodies(emulator, emulator.resources.queues.digestFailures)
    .filter((b) => b['executionName'] === executionName)
    .map((b) => DigestFailureMessageSchema.parse(b));
}

/** The execution-failures DLQ carries only the ARN (as the EventBridge rule's message does). */
export function executionFailuresOf(
  emulator: LocalEmulator,
  executionArn: string,
): ExecutionFailureMessage[] {
  return bodies(emulator, emulator.resources.queues.executionFailures)
    .filter((b) => b['executionArn'] === executionArn)
    .map((b) => ExecutionFailureMessageSchema.parse(b));
}

/** Digest emails the topic received for this execution (the body names its execution). */
export function publishedFor(
  emulator: LocalEmulator,
  executionName: string,
): { readonly subject: string | undefined; readonly message: string }[] {
  return emulator.messaging
    .published()
    .filter((m) => m.topicArn === emulator.resources.digestTopicArn)
    .filter((m) => m.message.split('\n').some((line) => line.trim() === `Execution:  ${executionName}`))
    .map((m) => ({ subject: m.subject, message: m.message }));
}

/** Every digest email the topic has received so far, for "nothing was published" checks. */
export function digestTopicCount(emulator: LocalEmulator): number {
  return emulator.messaging.published().filter((m) => m.topicArn === emulator.resources.digestTopicArn)
    .length;
}

/**
 * A finding reduced to what both the report and the emulator's expectations name: which key,
 * which rule, how severe, and its age in whole UTC calendar days (docs/architecture.md, "Findings").
 */
export function findingKey(f: {
  readonly accountId: string;
  readonly userName: string;
  readonly accessKeyId: string | null;
  readonly type: string;
  readonly severity: string;
  readonly ageDays: number | null;
}): string {
  return JSON.stringify([f.accountId, f.userName, f.accessKeyId, f.type, f.severity, f.ageDays]);
}

export function reportFindingKeys(report: Report, list: 'findings' | 'exempted'): string[] {
  return report.accounts
    .flatMap((a) => a[list].map((f) => findingKey({ ...f, accountId: a.accountId })))
    .sort();
}

export interface RunOutcome {
  readonly report: Report | null;
  readonly digest: string | null;
  readonly accountFailures: readonly AccountFailureMessage[];
  readonly digestFailures: readonly DigestFailureMessage[];
  readonly executionFailures: readonly ExecutionFailureMessage[];
}

export function readOutcome(emulator: LocalEmulator, executionName: string): RunOutcome {
  const reportText = objectText(emulator, `reports/${executionName}/report.json`);
  const { queues } = emulator.resources;
  const mine = (body: Record<string, unknown>) =>
    body['executionName'] === executionName ||
    (typeof body['executionArn'] === 'string' && body['executionArn'].endsWith(`:${executionName}`));
  return {
    report: reportText === null ? null : (JSON.parse(reportText) as Report),
    digest: objectText(emulator, `reports/${executionName}/digest.txt`),
    // Parsed, not cast: every body the e2e reads is also held to the DLQ contract.
    accountFailures: bodies(emulator, queues.accountFailures)
      .filter(mine)
      .map((b) => AccountFailureMessageSchema.parse(b)),
    digestFailures: bodies(emulator, queues.digestFailures)
      .filter(mine)
      .map((b) => DigestFailureMessageSchema.parse(b)),
    executionFailures: bodies(emulator, queues.executionFailures)
      .filter(mine)
      .map((b) => ExecutionFailureMessageSchema.parse(b)),
  };
}

/** Both the findings that need attention and the exempted ones, as planted-comparable keys. */
export function auditedFindingKeys(audit: AccountAudit): string[] {
  // Root keys carry no id in the planted data: the report may know it, the plant cannot.
  const norm = (f: AccountAudit['findings'][number]) =>
    findingKey({ ...f, accessKeyId: f.userName === '<root_account>' ? null : f.accessKeyId });
  return [...audit.findings, ...audit.exempted].map(norm).sort();
}

export function plantedFindingKeys(
  findings: readonly ExpectedFinding[],
  exempted: readonly ExpectedFinding[],
  accountId: string,
): string[] {
  return [...findings, ...exempted]
    .filter((f) => f.accountId === accountId)
    .map(findingKey)
    .sort();
}

export type { AccountFailureMessage, DigestFailureMessage, ExecutionFailureMessage };
