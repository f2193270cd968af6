import { describe, expect, it } from 'vitest';
import { findRegressions, type Metric } from '../src/check';

const lower = (key: string, value: number): Metric => ({ key, value, better: 'lower' });
const higher = (key: string, value: number): Metric => ({ key, value, better: 'higher' });

describe('findRegressions', () => {
  it('accepts changes up to 20% and flags more', () => {
    const baseline = [lower('calls', 100), higher('ratio', 100)];
    expect(findRegressions([lower('calls', 120), higher('ratio', 84)], baseline).regressions).toEqual([]);
    const { regressions, compared } = findRegressions([lower('calls', 121), higher('ratio', 80)], baseline);
    expect(compared).toBe(2);
    expect(regressions.map((r) => r.key)).toEqual(['calls', 'ratio']);
    expect(regressions[0]?.worseBy).toBeCloseTo(1.21, 9);
    expect(regressions[1]?.worseBy).toBeCloseTo(1.25, 9);
  });

  it('never flags an improvement', () => {
    const { regressions } = findRegressions(
      [lower('calls', 10), higher('ratio', 1000)],
      [lower('calls', 100), higher('ratio', 100)],
    );
    expect(regressions).toEqual([]);
  });

  it('compares only metrics present in both runs', () => {
    const { compared, regressions } = findRegressions(
      [lower('only-latest', 1e9)],
      [lower('only-baseline', 1)],
    );
    expect(compared).toBe(0);
    expect(regressions).toEqual([]);
  });

  it('treats growth from zero as a regression', () => {
    expect(findRegressions([lower('errors', 1)], [lower('errors', 0)]).regressions).toHaveLength(1);
  });
});
