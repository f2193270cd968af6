/**
 * Faults and limits injected on request (admin API `POST /_emulator/faults`, or in-process).
 * IAM throttling is ON by default, like IAM's unpublished per-account limits, so that the
 * product's backoff is always exercised.
 */
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { createRandom, type Random } from './random';
import type { FaultKind, FaultLedger, FaultName } from './stats';

// zod/mini ships no messages of its own: without a locale every default one reads "Invalid input".
z.config(en());

const accountList = z.array(z.string().check(z.regex(/^\d{12}$/, 'account ids are 12 digits')));
const rate = z.number().check(z.minimum(0), z.maximum(1));

/**
 * "In each of these accounts, the first `count` requests to these services (and actions) fail":
 * a fault whose number of firings is known in advance, so a test can assert exactly how often a
 * client retried. `throttling` answers IAM's own Throttling (IAM only); `5xx` and `reset` work
 * for any service. Actions are named as in the stats ('GenerateCredentialReport', 'PutObject').
 */
const failFirstRule = z
  .strictObject({
    accounts: accountList,
    count: z.int().check(z.minimum(1)),
    kind: z._default(z.enum(['5xx', 'reset', 'throttling']), '5xx'),
    services: z.optional(z.array(z.string())),
    actions: z.optional(z.array(z.string())),
  })
  .check(
    z.refine((rule) => rule.kind !== 'throttling' || (rule.services ?? ['iam']).every((s) => s === 'iam'), {
      message: 'throttling answers IAM Throttling: give services ["iam"] or leave it out',
      path: ['services'],
    }),
  );

// Loose: other keys (sns, sqs, s3 faults) belong to the messaging module and are passed to it.
export const faultPatchSchema = z.looseObject({
  iamThrottling: z.optional(
    z.strictObject({
      enabled: z.optional(z.boolean()),
      ratePerSecond: z.optional(z.number().check(z.positive())),
      burst: z.optional(z.int().check(z.minimum(1))),
      // A throttling storm in chosen accounts: their own, tighter buckets, whatever `enabled` says.
      storm: z.nullish(
        z.strictObject({
          accounts: accountList,
          ratePerSecond: z.number().check(z.minimum(0)),
          burst: z.int().check(z.minimum(0)),
        }),
      ),
    }),
  ),
  latencyMs: z.optional(z.int().check(z.minimum(0), z.maximum(60_000))),
  errorRate: z.nullish(
    z.strictObject({
      rate,
      kind: z._default(z.enum(['5xx', 'reset']), '5xx'),
      services: z.optional(z.array(z.string())),
      accounts: z.optional(accountList),
    }),
  ),
  reportStuck: z.nullish(z.strictObject({ accounts: accountList })),
  reportGenerationMs: z.optional(z.int().check(z.minimum(0))),
  assumeRoleDenied: z.nullish(z.strictObject({ accounts: accountList })),
  failFirst: z.nullish(z.array(failFirstRule)),
  organizationsThrottling: z.nullish(
    z.strictObject({ rate: z.optional(rate), count: z.optional(z.int().check(z.minimum(0))) }),
  ),
  // Security Hub answers LimitExceededException 429 to the next `count` calls, then to `rate` of them.
  securityHubThrottling: z.nullish(
    z.strictObject({
      rate: z.optional(rate),
      count: z.optional(z.int().check(z.minimum(0))),
      actions: z.optional(z.array(z.enum(['BatchImportFindings', 'GetFindings']))),
      accounts: z.optional(accountList),
    }),
  ),
  // The next `count` findings BatchImportFindings would have stored come back in FailedFindings.
  securityHubFailedFindings: z.nullish(
    z.strictObject({
      count: z.int().check(z.minimum(1)),
      errorCode: z._default(
        z.string().check(z.regex(/\S/, 'errorCode must not be blank')),
        'InternalFailure',
      ),
      errorMessage: z._default(
        z.string().check(z.regex(/\S/, 'errorMessage must not be blank')),
        'Internal service failure. Please try again.',
      ),
      accounts: z.optional(accountList),
    }),
  ),
  // Security Hub is not enabled in these accounts (and regions): InvalidAccessException.
  securityHubDisabled: z.nullish(
    z.strictObject({ accounts: accountList, regions: z.optional(z.array(z.string())) }),
  ),
});

export type FaultPatch = z.input<typeof faultPatchSchema>;

export interface FaultConfig {
  readonly iamThrottling: {
    readonly enabled: boolean;
    readonly ratePerSecond: number;
    readonly burst: number;
    readonly storm?: {
      readonly accounts: readonly string[];
      readonly ratePerSecond: number;
      readonly burst: number;
    } | null;
  };
  readonly latencyMs: number;
  readonly errorRate: {
    readonly rate: number;
    readonly kind: '5xx' | 'reset';
    readonly services?: readonly string[] | undefined;
    readonly accounts?: readonly string[] | undefined;
  } | null;
  readonly reportStuck: { readonly accounts: readonly string[] } | null;
  readonly reportGenerationMs: number;
  readonly assumeRoleDenied: { readonly accounts: readonly string[] } | null;
  readonly failFirst: readonly FailFirstRule[] | null;
  readonly organizationsThrottling: {
    readonly rate?: number | undefined;
    readonly count?: number | undefined;
  } | null;
  readonly securityHubThrottling: {
    readonly rate?: number | undefined;
    readonly count?: number | undefined;
    readonly actions?: readonly ('BatchImportFindings' | 'GetFindings')[] | undefined;
    readonly accounts?: readonly string[] | undefined;
  } | null;
  readonly securityHubFailedFindings: {
    readonly count: number;
    readonly errorCode: string;
    readonly errorMessage: string;
    readonly accounts?: readonly string[] | undefined;
  } | null;
  readonly securityHubDisabled: {
    readonly accounts: readonly string[];
    readonly regions?: readonly string[] | undefined;
  } | null;
}

export interface FailFirstRule {
  readonly accounts: readonly string[];
  readonly count: number;
  readonly kind: '5xx' | 'reset' | 'throttling';
  readonly services?: readonly string[] | undefined;
  readonly actions?: readonly string[] | undefined;
}

export const DEFAULT_FAULTS: FaultConfig = {
  iamThrottling: { enabled: true, ratePerSecond: 10, burst: 20 },
  latencyMs: 0,
  errorRate: null,
  reportStuck: null,
  reportGenerationMs: 0,
  assumeRoleDenied: null,
  failFirst: null,
  organizationsThrottling: null,
  securityHubThrottling: null,
  securityHubFailedFindings: null,
  securityHubDisabled: null,
};

interface Bucket {
  tokens: number;
  last: number;
}

export class Faults {
  private current: FaultConfig;
  private readonly buckets = new Map<string, Bucket>();
  private random: Random;
  private organizationsThrottleLeft = 0;
  private securityHubThrottleLeft = 0;
  private securityHubFailuresLeft = 0;
  /** Requests each failFirst rule has failed so far, by `<rule index>:<account>`. */
  private readonly failFirstUsed = new Map<string, number>();
  private ledger: FaultLedger | undefined;
  /** The request whose fault checks are running (injectedError, then takeIamToken, same tick). */
  private checking: { readonly accountId: string; readonly service: string; readonly action: string } | null =
    null;

  constructor(
    initial: FaultPatch = {},
    private readonly realNow: () => number = () => performance.now(),
    private readonly seed = 1,
  ) {
    this.current = DEFAULT_FAULTS;
    this.random = createRandom(seed);
    this.merge(initial);
  }

  get config(): FaultConfig {
    return this.current;
  }

  /** Counts every injected fault into `ledger` (the emulator's Stats). */
  countInto(ledger: FaultLedger): void {
    this.ledger = ledger;
  }

  /** Records one injected fault; the service handlers call it where they inject one. */
  record(fault: FaultName, kind: FaultKind, accountId: string, service: string, action: string): void {
    this.ledger?.recordFault(fault, kind, accountId, service, action);
  }

  /**
   * Merges a patch (validated; a bad field throws an Error naming it). Returns the keys
   * that are not the emulator's own, for the messaging module.
   */
  merge(patch: unknown): Record<string, unknown> {
    const result = faultPatchSchema.safeParse(patch);
    if (!result.success) {
      const details = result.error.issues
        .map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`)
        .join('; ');
      throw new Error(`invalid faults: ${details}`);
    }
    const parsed = result.data;
    const { iamThrottling, organizationsThrottling, ...rest } = parsed;
    const own: Record<string, unknown> = {};
    const others: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(rest)) {
      if (key in DEFAULT_FAULTS) own[key] = value;
      else others[key] = value;
    }
    this.current = {
      ...this.current,
      ...(own as Partial<FaultConfig>),
      iamThrottling: { ...this.current.iamThrottling, ...stripUndefined(iamThrottling ?? {}) },
      organizationsThrottling:
        organizationsThrottling === undefined
          ? this.current.organizationsThrottling
          : organizationsThrottling,
    };
    if (iamThrottling !== undefined) this.buckets.clear();
    if ('failFirst' in own) this.failFirstUsed.clear();
    if (organizationsThrottling !== undefined)
      this.organizationsThrottleLeft = organizationsThrottling?.count ?? 0;
    if ('securityHubThrottling' in own)
      this.securityHubThrottleLeft = this.current.securityHubThrottling?.count ?? 0;
    if ('securityHubFailedFindings' in own)
      this.securityHubFailuresLeft = this.current.securityHubFailedFindings?.count ?? 0;
    return others;
  }

  clear(): void {
    this.current = DEFAULT_FAULTS;
    this.buckets.clear();
    this.failFirstUsed.clear();
    this.organizationsThrottleLeft = 0;
    this.securityHubThrottleLeft = 0;
    this.securityHubFailuresLeft = 0;
    this.random = createRandom(this.seed);
  }

  /**
   * Takes one token from the account's IAM bucket; false means answer `Throttling`. A failFirst
   * throttling rule for the account answers first, without spending a token.
   */
  takeIamToken(accountId: string): boolean {
    const action = this.checkedAction(accountId, 'iam');
    if (this.takeFailFirst('iam', accountId, action, ['throttling'])) {
      this.record('failFirst', 'throttling', accountId, 'iam', action);
      return false;
    }
    const { storm } = this.current.iamThrottling;
    const inStorm = storm?.accounts.includes(accountId) === true;
    const { enabled, ratePerSecond, burst } =
      inStorm && storm ? { ...storm, enabled: true } : this.current.iamThrottling;
    if (!enabled) return true;
    const now = this.realNow();
    const bucket = this.buckets.get(accountId) ?? { tokens: burst, last: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.last) / 1000) * ratePerSecond);
    bucket.last = now;
    this.buckets.set(accountId, bucket);
    if (bucket.tokens < 1) {
      this.record('iamThrottling', 'throttling', accountId, 'iam', action);
      return false;
    }
    bucket.tokens -= 1;
    return true;
  }

  /**
   * The injected failure for this request, if any: a failFirst rule first, then errorRate. The
   * server asks once per request, right after the request's latency, before anything else.
   */
  injectedError(service: string, accountId: string | undefined): '5xx' | 'reset' | null {
    const account = accountId ?? '';
    const action = this.ledger?.takeArrival(account, service) ?? 'unknown';
    this.checking = { accountId: account, service, action };
    const first = this.takeFailFirst(service, account, action, ['5xx', 'reset']);
    if (first !== null) {
      this.record('failFirst', first, account, service, action);
      return first;
    }
    const fault = this.current.errorRate;
    if (fault === null || fault.rate <= 0) return null;
    if (fault.services !== undefined && !fault.services.includes(service)) return null;
    if (fault.accounts !== undefined && (accountId === undefined || !fault.accounts.includes(accountId))) {
      return null;
    }
    if (this.random.next() >= fault.rate) return null;
    this.record('errorRate', fault.kind, account, service, action);
    return fault.kind;
  }

  throttleOrganizations(): boolean {
    const fault = this.current.organizationsThrottling;
    if (fault === null) return false;
    if (this.organizationsThrottleLeft > 0) {
      this.organizationsThrottleLeft -= 1;
      return true;
    }
    return fault.rate !== undefined && this.random.next() < fault.rate;
  }

  /** True: answer this Security Hub call LimitExceededException (the handler records the fault). */
  throttleSecurityHub(accountId: string, action: string): boolean {
    const fault = this.current.securityHubThrottling;
    if (fault === null) return false;
    if (fault.accounts !== undefined && !fault.accounts.includes(accountId)) return false;
    if (fault.actions !== undefined && !(fault.actions as readonly string[]).includes(action)) return false;
    if (this.securityHubThrottleLeft > 0) {
      this.securityHubThrottleLeft -= 1;
      return true;
    }
    return fault.rate !== undefined && fault.rate > 0 && this.random.next() < fault.rate;
  }

  /**
   * Spends one of `securityHubFailedFindings`' failures for a finding this account imports: the
   * FailedFindings entry to answer instead of storing it, or null to store it.
   */
  takeSecurityHubFailedFinding(accountId: string): { errorCode: string; errorMessage: string } | null {
    const fault = this.current.securityHubFailedFindings;
    if (fault === null || this.securityHubFailuresLeft <= 0) return null;
    if (fault.accounts !== undefined && !fault.accounts.includes(accountId)) return null;
    this.securityHubFailuresLeft -= 1;
    return { errorCode: fault.errorCode, errorMessage: fault.errorMessage };
  }

  /** `securityHubDisabled` names this account (and region, if it lists regions). */
  isSecurityHubDisabled(accountId: string, region: string): boolean {
    const fault = this.current.securityHubDisabled;
    if (fault === null || !fault.accounts.includes(accountId)) return false;
    return fault.regions === undefined || fault.regions.includes(region);
  }

  isReportStuck(accountId: string): boolean {
    return this.current.reportStuck?.accounts.includes(accountId) ?? false;
  }

  isAssumeRoleDenied(accountId: string): boolean {
    return this.current.assumeRoleDenied?.accounts.includes(accountId) ?? false;
  }

  /** Spends one failure of the first failFirst rule of these kinds that still has one for the account. */
  private takeFailFirst<K extends FailFirstRule['kind']>(
    service: string,
    accountId: string,
    action: string,
    kinds: readonly K[],
  ): K | null {
    const rules = this.current.failFirst ?? [];
    for (const [index, rule] of rules.entries()) {
      if (!(kinds as readonly string[]).includes(rule.kind)) continue;
      if (!rule.accounts.includes(accountId)) continue;
      if (!(rule.services ?? (rule.kind === 'throttling' ? ['iam'] : [service])).includes(service)) continue;
      if (rule.actions !== undefined && !rule.actions.includes(action)) continue;
      const key = `${index}:${accountId}`;
      const used = this.failFirstUsed.get(key) ?? 0;
      if (used >= rule.count) continue;
      this.failFirstUsed.set(key, used + 1);
      return rule.kind as K;
    }
    return null;
  }

  /** The action of the request injectedError is checking, if it is this account's and service's. */
  private checkedAction(accountId: string, service: string): string {
    const checking = this.checking;
    return checking !== null && checking.accountId === accountId && checking.service === service
      ? checking.action
      : 'unknown';
  }
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
