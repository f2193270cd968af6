/**
 * `--check`: compares a run with the committed baseline by counts and ratios only (absolute
 * times depend on the machine and its load), and names every metric that got more than the
 * tolerance worse.
 */

export interface Metric {
  readonly key: string;
  readonly value: number;
  /** Which direction is better. */
  readonly better: 'lower' | 'higher';
}

export interface Regression {
  readonly key: string;
  readonly baseline: number;
  readonly latest: number;
  /** latest / baseline for 'lower', baseline / latest for 'higher': > 1 means worse. */
  readonly worseBy: number;
}

export const DEFAULT_TOLERANCE = 0.2;

/** Metrics present in both runs that are worse than `1 + tolerance` times the baseline. */
export function findRegressions(
  latest: readonly Metric[],
  baseline: readonly Metric[],
  tolerance = DEFAULT_TOLERANCE,
): { regressions: Regression[]; compared: number } {
  const base = new Map(baseline.map((m) => [m.key, m]));
  const regressions: Regression[] = [];
  let compared = 0;
  for (const metric of latest) {
    const before = base.get(metric.key);
    if (before === undefined || !Number.isFinite(metric.value) || !Number.isFinite(before.value)) continue;
    compared += 1;
    let worseBy: number;
    if (metric.better === 'lower') {
      worseBy =
        before.value === 0
          ? metric.value === 0
            ? 1
            : Number.POSITIVE_INFINITY
          : metric.value / before.value;
    } else {
      worseBy =
        metric.value === 0
          ? before.value === 0
            ? 1
            : Number.POSITIVE_INFINITY
          : before.value / metric.value;
    }
    if (worseBy > 1 + tolerance) {
      regressions.push({ key: metric.key, baseline: before.value, latest: metric.value, worseBy });
    }
  }
  return { regressions, compared };
}
