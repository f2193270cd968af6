/**
 * The telemetry ports (app/telemetry.ts) on Powertools: JSON logs with every attribute
 * redacted, and one flushed metric per count.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { type Attributes, type LogPort, type MetricsPort, redact } from '../app/telemetry';

export * from '../app/telemetry';

export function powertoolsLog(logger: Logger): LogPort {
  const attrs = (a: Attributes | undefined) =>
    a === undefined ? [] : [redact(a) as Record<string, unknown>];
  return {
    debug: (message, a) => logger.debug(message, ...attrs(a)),
    info: (message, a) => logger.info(message, ...attrs(a)),
    warn: (message, a) => logger.warn(message, ...attrs(a)),
    error: (message, a) => logger.error(message, ...attrs(a)),
    appendKeys: (a) => logger.appendKeys(redact(a) as Record<string, unknown>),
    resetKeys: () => logger.resetKeys(),
  };
}

export function powertoolsMetrics(metrics: Metrics): MetricsPort {
  return {
    count: (name, value, dimensions = {}) => {
      // A single metric is flushed at once with only its own dimensions, so per-type and
      // per-status counts do not share (and multiply) one dimension set.
      const single = metrics.singleMetric();
      for (const [key, dimension] of Object.entries(dimensions)) single.addDimension(key, dimension);
      single.addMetric(name, MetricUnit.Count, value);
    },
  };
}
