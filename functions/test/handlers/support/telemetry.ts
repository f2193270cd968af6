/** A Telemetry that records instead of printing, so tests can assert on log lines and metrics. */
import type { Attributes, Telemetry } from '../../../src/runtime/telemetry';
import { redact } from '../../../src/runtime/telemetry';

export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly message: string;
  readonly attributes: unknown;
  readonly keys: Readonly<Record<string, unknown>>;
}

export interface RecordedMetric {
  readonly name: string;
  readonly value: number;
  readonly dimensions: Readonly<Record<string, string>>;
}

export interface RecordingTelemetry extends Telemetry {
  readonly lines: LogLine[];
  readonly metricsSeen: RecordedMetric[];
  /** Everything logged, as one string: for "this secret never appears" assertions. */
  dump(): string;
}

export function recordingTelemetry(): RecordingTelemetry {
  const lines: LogLine[] = [];
  const metricsSeen: RecordedMetric[] = [];
  let keys: Record<string, unknown> = {};
  // Same redaction as the Powertools adapter, so the recorder sees what production would print.
  const line = (level: LogLine['level']) => (message: string, attributes?: Attributes) => {
    lines.push({
      level,
      message,
      attributes: attributes === undefined ? undefined : redact(attributes),
      keys,
    });
  };
  return {
    lines,
    metricsSeen,
    dump: () => JSON.stringify(lines),
    log: {
      debug: line('debug'),
      info: line('info'),
      warn: line('warn'),
      error: line('error'),
      appendKeys: (a) => {
        keys = { ...keys, ...(redact(a) as Record<string, unknown>) };
      },
      resetKeys: () => {
        keys = {};
      },
    },
    metrics: {
      count: (name, value, dimensions = {}) => {
        metricsSeen.push({ name, value, dimensions });
      },
    },
  };
}
