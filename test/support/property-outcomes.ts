/**
 * Counts how the runs of a property ended, so that a property over valid and damaged inputs can
 * require that its success path was really taken: a collector (or a digest builder) that always
 * threw a typed error would otherwise satisfy "a typed error or a sound result" on every run.
 */
import { expect } from 'vitest';

export class OutcomeTally<K extends string> {
  readonly #counts = new Map<K, number>();
  #runs = 0;

  record(kind: K): void {
    this.#runs += 1;
    this.#counts.set(kind, (this.#counts.get(kind) ?? 0) + 1);
  }

  count(kind: K): number {
    return this.#counts.get(kind) ?? 0;
  }

  get runs(): number {
    return this.#runs;
  }

  /** For a failure message: every outcome with its count. */
  toString(): string {
    return [...this.#counts.entries()].map(([k, n]) => `${k}: ${n}`).join(', ') || 'no runs';
  }

  /**
   * At least `share` of the runs ended as one of `kinds`. `why` says where the share comes from
   * (the generator's construction), so a failure explains itself.
   */
  expectShareAtLeast(kinds: K | readonly K[], share: number, why: string): void {
    const list: readonly K[] = typeof kinds === 'string' ? [kinds as K] : (kinds as readonly K[]);
    const hits = list.reduce((sum, k) => sum + this.count(k), 0);
    expect(this.#runs, 'the property ran').toBeGreaterThan(0);
    expect(
      hits / this.#runs,
      `${list.join(' + ')} in ${hits} of ${this.#runs} runs (${this}); expected at least ${share * 100} %: ${why}`,
    ).toBeGreaterThanOrEqual(share);
  }
}
