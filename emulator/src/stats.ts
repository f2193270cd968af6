/**
 * Call counters by account, service and action: the benchmarks count API calls with them. Next
 * to them, a count of every fault the emulator injected, by fault, kind, account and action, so
 * a test can prove that the fault it planned really fired, and how often.
 */
export interface CallStat {
  readonly accountId: string;
  readonly service: string;
  readonly action: string;
  readonly count: number;
  readonly throttled: number;
}

/** Which configured fault answered (the `POST /_emulator/faults` key, or the messaging one). */
export type FaultName =
  | 'iamThrottling'
  | 'errorRate'
  | 'failFirst'
  | 'reportStuck'
  | 'assumeRoleDenied'
  | 'organizationsThrottling'
  | 'securityHubThrottling'
  | 'securityHubFailedFindings'
  | 'securityHubDisabled'
  | 's3WriteFailure'
  | 'snsPublishFailure';

/**
 * What the caller got instead of the real answer: a throttling error, a 5xx, a dropped
 * connection, a credential report still INPROGRESS, AccessDenied, one finding of a
 * BatchImportFindings answer in FailedFindings (counted per finding), or Security Hub's
 * InvalidAccessException (not enabled).
 */
export type FaultKind =
  | 'throttling'
  | '5xx'
  | 'reset'
  | 'reportInProgress'
  | 'accessDenied'
  | 'failedFinding'
  | 'invalidAccess';

export interface FaultStat {
  readonly fault: FaultName;
  readonly kind: FaultKind;
  /**
   * The account the fault was planned for: the caller's account, except for AssumeRole, where
   * it is the account of the role that was refused.
   */
  readonly accountId: string;
  readonly service: string;
  /** The operation, as in CallStat ('GenerateCredentialReport', 'PutObject', ...). */
  readonly action: string;
  readonly count: number;
}

export type FaultFilter = Partial<Omit<FaultStat, 'count'>>;

/** Where the faults record what they injected (implemented by Stats). */
export interface FaultLedger {
  /**
   * The action of the oldest request of this account and service that arrived (`record`) and
   * has not reached the fault checks yet. The server checks faults after an optional latency
   * that is the same for every request, so requests reach the checks in the order they arrived.
   */
  takeArrival(accountId: string, service: string): string | undefined;
  recordFault(fault: FaultName, kind: FaultKind, accountId: string, service: string, action: string): void;
}

const SEP = '\u0000';

export class Stats implements FaultLedger {
  private readonly calls = new Map<string, { count: number; throttled: number }>();
  private readonly injected = new Map<string, number>();
  /** Actions of requests between arrival and the fault checks, per account and service. */
  private readonly arrivals = new Map<string, string[]>();
  /** When each account's first and latest request to each service arrived (real clock, ms). */
  private readonly windows = new Map<string, { first: number; last: number }>();

  constructor(private readonly realNow: () => number = () => performance.now()) {}

  record(accountId: string, service: string, action: string, throttled = false): void {
    const key = `${accountId}${SEP}${service}${SEP}${action}`;
    const entry = this.calls.get(key) ?? { count: 0, throttled: 0 };
    entry.count += 1;
    if (throttled) entry.throttled += 1;
    this.calls.set(key, entry);
    const arrivalKey = `${accountId}${SEP}${service}`;
    const waiting = this.arrivals.get(arrivalKey);
    if (waiting === undefined) this.arrivals.set(arrivalKey, [action]);
    else waiting.push(action);
    const now = this.realNow();
    const window = this.windows.get(arrivalKey);
    if (window === undefined) this.windows.set(arrivalKey, { first: now, last: now });
    else window.last = now;
  }

  /**
   * Milliseconds between the first and the latest request of this account to this service
   * since the last reset (0 after one request), or undefined if there was none. With a token
   * bucket of `burst` refilled at `r` per second, such an account was served at most
   * `burst + r * span / 1000` of them.
   */
  arrivalSpanMs(accountId: string, service: string): number | undefined {
    const window = this.windows.get(`${accountId}${SEP}${service}`);
    return window === undefined ? undefined : window.last - window.first;
  }

  /** Marks the last recorded call of this kind as throttled (it was counted on arrival). */
  markThrottled(accountId: string, service: string, action: string): void {
    const entry = this.calls.get(`${accountId}${SEP}${service}${SEP}${action}`);
    if (entry !== undefined) entry.throttled += 1;
  }

  takeArrival(accountId: string, service: string): string | undefined {
    const key = `${accountId}${SEP}${service}`;
    const waiting = this.arrivals.get(key);
    const action = waiting?.shift();
    if (waiting !== undefined && waiting.length === 0) this.arrivals.delete(key);
    return action;
  }

  recordFault(fault: FaultName, kind: FaultKind, accountId: string, service: string, action: string): void {
    const key = [fault, kind, accountId, service, action].join(SEP);
    this.injected.set(key, (this.injected.get(key) ?? 0) + 1);
  }

  snapshot(): { calls: CallStat[] } {
    const calls: CallStat[] = [];
    for (const [key, value] of this.calls) {
      const [accountId = '', service = '', action = ''] = key.split(SEP);
      calls.push({ accountId, service, action, count: value.count, throttled: value.throttled });
    }
    return { calls };
  }

  /** Every injected fault so far, optionally filtered (every given field must match). */
  faults(filter: FaultFilter = {}): FaultStat[] {
    const out: FaultStat[] = [];
    for (const [key, count] of this.injected) {
      const [fault, kind, accountId = '', service = '', action = ''] = key.split(SEP) as [
        FaultName,
        FaultKind,
        string,
        string,
        string,
      ];
      const stat: FaultStat = { fault, kind, accountId, service, action, count };
      const matches = (Object.keys(filter) as (keyof FaultFilter)[]).every(
        (field) => filter[field] === undefined || filter[field] === stat[field],
      );
      if (matches) out.push(stat);
    }
    return out;
  }

  /** How many faults were injected, optionally filtered. */
  faultCount(filter: FaultFilter = {}): number {
    return this.faults(filter).reduce((sum, f) => sum + f.count, 0);
  }

  /** Total calls, optionally filtered. */
  total(filter: { accountId?: string; service?: string; action?: string } = {}): number {
    return this.snapshot()
      .calls.filter(
        (c) =>
          (filter.accountId === undefined || c.accountId === filter.accountId) &&
          (filter.service === undefined || c.service === filter.service) &&
          (filter.action === undefined || c.action === filter.action),
      )
      .reduce((sum, c) => sum + c.count, 0);
  }

  /** Zeroes the call and fault counters (requests in flight keep their place in the queue). */
  reset(): void {
    this.calls.clear();
    this.injected.clear();
    this.windows.clear();
  }
}
