/** Call counters by account, service and action: the benchmarks count API calls with them. */
export interface CallStat {
  readonly accountId: string;
  readonly service: string;
  readonly action: string;
  readonly count: number;
  readonly throttled: number;
}

export class Stats {
  private readonly calls = new Map<string, { count: number; throttled: number }>();

  record(accountId: string, service: string, action: string, throttled = false): void {
    const key = `${accountId}\u0000${service}\u0000${action}`;
    const entry = this.calls.get(key) ?? { count: 0, throttled: 0 };
    entry.count += 1;
    if (throttled) entry.throttled += 1;
    this.calls.set(key, entry);
  }

  /** Marks the last recorded call of this kind as throttled (it was counted on arrival). */
  markThrottled(accountId: string, service: string, action: string): void {
    const entry = this.calls.get(`${accountId}\u0000${service}\u0000${action}`);
    if (entry !== undefined) entry.throttled += 1;
  }

  snapshot(): { calls: CallStat[] } {
    const calls: CallStat[] = [];
    for (const [key, value] of this.calls) {
      const [accountId = '', service = '', action = ''] = key.split('\u0000');
      calls.push({ accountId, service, action, count: value.count, throttled: value.throttled });
    }
    return { calls };
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

  reset(): void {
    this.calls.clear();
  }
}
