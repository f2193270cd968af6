/**
 * What every SDK client of the product shares: retry settings, the global region, the shape of
 * assumed-role credentials, and one client per service per cold start. Each service has its own
 * module next to this one, so a Lambda bundle holds only the SDK clients its handler uses.
 */

/**
 * What every client is built with. Standard mode retries throttling with backoff; 5 attempts
 * rides out IAM's per-account bursts before our own retries (backoff.ts) take over and finally
 * raise a typed error. `cacheMiddleware` resolves each command's middleware chain once per client
 * instead of on every call: we never add middleware after a client's first request, and at about
 * 30 calls per account the per-call rebuild was the largest single cost in the SDK's profile.
 */
export const RETRY_CONFIG = { retryMode: 'standard', maxAttempts: 5, cacheMiddleware: true } as const;

/** IAM and Organizations are global services whose endpoints live in us-east-1. */
export const GLOBAL_REGION = 'us-east-1';

/** Temporary credentials, in the shape the SDK accepts as `credentials`. */
export interface TemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export function regionFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? GLOBAL_REGION;
}

/** One client of a service for this execution environment, built on first use. */
export interface ClientSlot<C> {
  /** The client, built on the first call (so the environment is read then, not at import). */
  get(): C;
  /** Replaces the client, for a test or the local runner that injects its own. */
  set(client: C): void;
  /** Forgets the client (tests that change the environment between cases). */
  reset(): void;
}

export function clientSlot<C>(build: () => C): ClientSlot<C> {
  let client: C | undefined;
  return {
    get: () => {
      client ??= build();
      return client;
    },
    set: (replacement) => {
      client = replacement;
    },
    reset: () => {
      client = undefined;
    },
  };
}
