/**
 * The composition root of every Lambda: reads the environment and builds Powertools once per
 * cold start. It imports no SDK client: each handler's entry takes the clients it uses from
 * `clients/<service>` and passes them through `traced`, so a bundle holds only its own clients.
 * Handlers never build clients themselves, so tests and the local runner inject theirs through
 * the handler factories.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import { configFromEnv, type HandlerConfig } from './config';
import { powertoolsLog, powertoolsMetrics, type Telemetry } from './telemetry';

export const SERVICE_NAME = 'org-key-audit';
export const METRICS_NAMESPACE = 'OrgKeyAudit';

/** Everything a handler factory may need; each factory picks its part. */
export interface Runtime {
  readonly config: HandlerConfig;
  readonly telemetry: Telemetry;
  readonly now: () => Date;
  /**
   * The same client, its calls traced in X-Ray (a no-op outside Lambda). Passing a client twice
   * is harmless: the X-Ray plugin replaces its own middleware rather than adding a second one.
   */
  readonly traced: <C extends object>(client: C) => C;
  /** Adds the Lambda context (request id, function name, cold start) to every log line. */
  readonly onInvoke: (context: Context | undefined) => void;
}

let runtime: Runtime | undefined;

export function buildRuntime(env: NodeJS.ProcessEnv = process.env): Runtime {
  const serviceName = env['POWERTOOLS_SERVICE_NAME'] ?? SERVICE_NAME;
  const logger = new Logger({ serviceName });
  const metrics = new Metrics({
    namespace: env['POWERTOOLS_METRICS_NAMESPACE'] ?? METRICS_NAMESPACE,
    serviceName,
  });
  // The Tracer switches itself off outside Lambda (local runner, tests): capturing is then a no-op.
  const tracer = new Tracer({ serviceName });
  return {
    config: configFromEnv(env),
    telemetry: { log: powertoolsLog(logger), metrics: powertoolsMetrics(metrics) },
    now: () => new Date(),
    traced: (client) => tracer.captureAWSv3Client(client),
    onInvoke: (context) => {
      if (context !== undefined) logger.addContext(context);
    },
  };
}

/** The runtime of this execution environment, built on first use. */
export function getRuntime(): Runtime {
  runtime ??= buildRuntime();
  return runtime;
}

/** Forgets the cached runtime (tests that change the environment between cases). */
export function resetRuntime(): void {
  runtime = undefined;
}
