/**
 * The composition root of every Lambda: reads the environment, builds the SDK clients (traced)
 * and Powertools once per cold start, and hands them to the handler factories. Handlers never
 * build their own clients, so tests and the local runner inject theirs through the factories.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { Context } from 'aws-lambda';
import { configFromEnv, type HandlerConfig } from '../handlers/shared/config';
import { powertoolsLog, powertoolsMetrics, type Telemetry } from '../handlers/shared/telemetry';
import {
  type AwsClients,
  getClients,
  iamClientFor,
  organizationsClientWith,
  type TemporaryCredentials,
} from './clients';

export const SERVICE_NAME = 'org-key-audit';
export const METRICS_NAMESPACE = 'OrgKeyAudit';

/** Everything a handler factory may need; each factory picks its part. */
export interface Runtime {
  readonly clients: AwsClients;
  readonly config: HandlerConfig;
  readonly telemetry: Telemetry;
  readonly now: () => Date;
  /** An IAM client acting in a member account, traced like the others. */
  readonly iamFor: (credentials: TemporaryCredentials) => IAMClient;
  readonly organizationsFor: (credentials: TemporaryCredentials) => OrganizationsClient;
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
  const base = getClients();
  const clients: AwsClients = {
    sts: tracer.captureAWSv3Client(base.sts),
    organizations: tracer.captureAWSv3Client(base.organizations),
    iam: tracer.captureAWSv3Client(base.iam),
    s3: tracer.captureAWSv3Client(base.s3),
    sns: tracer.captureAWSv3Client(base.sns),
    sqs: tracer.captureAWSv3Client(base.sqs),
  };
  return {
    clients,
    config: configFromEnv(env),
    telemetry: { log: powertoolsLog(logger), metrics: powertoolsMetrics(metrics) },
    now: () => new Date(),
    iamFor: (credentials) => tracer.captureAWSv3Client(iamClientFor(credentials)),
    organizationsFor: (credentials) => tracer.captureAWSv3Client(organizationsClientWith(credentials)),
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
