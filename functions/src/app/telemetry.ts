/**
 * What the use cases and handlers need from logging and metrics, as two small ports. The Lambda
 * runtime plugs in Powertools (runtime/telemetry.ts); tests plug in recorders, so nothing
 * prints and every log line and metric can be asserted on.
 *
 * Every attribute goes through `redact` first: a handler holds assumed-role credentials, and a
 * log line that once carried them would leak a session token into CloudWatch Logs.
 */

export type Attributes = Readonly<Record<string, unknown>>;

export interface LogPort {
  debug(message: string, attributes?: Attributes): void;
  info(message: string, attributes?: Attributes): void;
  warn(message: string, attributes?: Attributes): void;
  error(message: string, attributes?: Attributes): void;
  /** Keys on every line until `resetKeys` (execution name, account id). */
  appendKeys(attributes: Attributes): void;
  resetKeys(): void;
}

export interface MetricsPort {
  /** One count, emitted at once with its own dimensions. */
  count(name: string, value: number, dimensions?: Readonly<Record<string, string>>): void;
}

export interface Telemetry {
  readonly log: LogPort;
  readonly metrics: MetricsPort;
}

/** Attribute names whose values are never logged, at any depth. */
const SECRET_NAME = /secret|token|password|credential|authorization|signature/i;
export const REDACTED = '[redacted]';

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return describeError(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([key, v]) => [key, SECRET_NAME.test(key) ? REDACTED : redact(v, depth + 1)]),
  );
}

/**
 * An error as a log attribute: its stable name and message only. SDK errors carry the request
 * (`$response`, signed headers) in other fields, which must not reach the logs.
 */
export function describeError(error: unknown): { readonly errorName: string; readonly errorMessage: string } {
  if (error instanceof Error) return { errorName: error.name, errorMessage: error.message };
  return { errorName: 'Error', errorMessage: String(error) };
}

/** For code paths that run without telemetry (the local runner's quiet mode, unit tests). */
export const silentTelemetry: Telemetry = {
  log: {
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: () => {},
    appendKeys: () => {},
    resetKeys: () => {},
  },
  metrics: { count: () => {} },
};

/** Runs `fn` with invocation-scoped log keys, removed afterwards even when it throws. */
export async function withLogKeys<T>(log: LogPort, keys: Attributes, fn: () => Promise<T>): Promise<T> {
  log.appendKeys(keys);
  try {
    return await fn();
  } finally {
    log.resetKeys();
  }
}

// ---------------------------------------------------------------- an in-memory recorder

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
  // The same redaction as the Powertools adapter, so the recorder holds what production would print.
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
