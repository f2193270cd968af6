/**
 * One emulated organization plus the product assembled exactly as `keyaudit demo` assembles it
 * (cli/src/workflow/local-audit.ts), with waits shortened so a 200-account fault case takes
 * seconds. Reliability, security and concurrency suites share it, so they all test the same wiring.
 */

import { type LocalAuditOptions, runLocalAudit } from '@org-key-audit/cli/workflow/local-audit';
import type { FaultPatch, StartEmulatorOptions } from '@org-key-audit/emulator';
import type { Attributes, LogPort, Telemetry } from '@org-key-audit/functions/runtime/telemetry';
import type { WorkflowResult, WorkflowTasks } from '@org-key-audit/statemachine/runner';
import {
  type DeployedEmulator,
  type DeployedRoles,
  type DeploymentOptions,
  startDeployedEmulator,
} from './deployed-roles';

export type Emulator = DeployedEmulator;

/** Every log line a run wrote, as the JSON a Lambda would print (message, level, keys, attributes). */
export class LogRecorder implements LogPort {
  readonly lines: string[] = [];
  private keys: Attributes = {};

  private write(level: string, message: string, attributes?: Attributes): void {
    this.lines.push(JSON.stringify({ level, message, ...this.keys, ...(attributes ?? {}) }));
  }
  debug(message: string, attributes?: Attributes): void {
    this.write('DEBUG', message, attributes);
  }
  info(message: string, attributes?: Attributes): void {
    this.write('INFO', message, attributes);
  }
  warn(message: string, attributes?: Attributes): void {
    this.write('WARN', message, attributes);
  }
  error(message: string, attributes?: Attributes): void {
    this.write('ERROR', message, attributes);
  }
  appendKeys(attributes: Attributes): void {
    this.keys = { ...this.keys, ...attributes };
  }
  resetKeys(): void {
    this.keys = {};
  }
}

export function recordingTelemetry(recorder: LogRecorder): Telemetry {
  return { log: recorder, metrics: { count: () => {} } };
}

/** The emulator hosting the deployment, each caller signed as its deployed role (./deployed-roles). */
export type AuditEnv = DeployedRoles;

/** A fixed emulated "now", so key ages (and so planted findings) never drift with the wall clock. */
export const FIXED_NOW = new Date('2025-06-15T12:00:00.000Z');

export async function startAuditEnv(
  options: {
    readonly accounts: number;
    readonly users?: number;
    readonly seed?: number | string;
    readonly faults?: FaultPatch;
  } & Pick<StartEmulatorOptions, 'port'> &
    Pick<DeploymentOptions, 'enforcePolicies'>,
): Promise<AuditEnv> {
  return startDeployedEmulator(
    {
      accounts: options.accounts,
      users: options.users ?? 3,
      seed: options.seed ?? 1,
      now: FIXED_NOW,
      ...(options.faults === undefined ? {} : { faults: options.faults }),
      ...(options.port === undefined ? {} : { port: options.port }),
    },
    options.enforcePolicies === undefined ? {} : { enforcePolicies: options.enforcePolicies },
  );
}

export interface RunOptions {
  readonly input?: unknown;
  readonly executionName?: string;
  readonly telemetry?: Telemetry;
  readonly wrapTasks?: (tasks: WorkflowTasks) => WorkflowTasks;
}

/** Short waits everywhere: the tests check where failures go, not how long backoff takes. */
const SHORT_BACKOFF = { maxAttempts: 4, baseDelayMs: 2, maxDelayMs: 10 } as const;

export function auditOptions(env: AuditEnv, run: RunOptions = {}): LocalAuditOptions {
  const { emulator } = env;
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
    concurrency: 20,
    now: () => emulator.clock.now(),
    retryDelayMs: 1,
    collectOptions: { reportPolling: SHORT_BACKOFF, throttleRetry: { ...SHORT_BACKOFF, maxAttempts: 8 } },
    ...(run.telemetry === undefined ? {} : { telemetry: run.telemetry }),
    ...(run.wrapTasks === undefined ? {} : { wrapTasks: run.wrapTasks }),
  };
}

export function runAudit(env: AuditEnv, run: RunOptions = {}): Promise<WorkflowResult> {
  return runLocalAudit(auditOptions(env, run), env.clients);
}
