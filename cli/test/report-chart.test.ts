/**
 * The trend chart's geometry, with every expected number worked out by hand from TREND_LAYOUT:
 * the plot is 640 − 44 − 12 = 584 px wide and 256 − 16 − 40 = 200 px tall, the baseline at
 * y = 16 + 200 = 216.
 */
import type { TrendPoint } from '@org-key-audit/functions/core';
import { describe, expect, it } from 'vitest';
import { niceCeiling, TREND_LAYOUT, trendGeometry, trendSvg } from '../src/ops/report-chart';
import { TREND } from './helpers/trend-fixture';

const point = (n: number, bySeverity: Partial<TrendPoint['bySeverity']> = {}): TrendPoint => ({
  executionName: `run-${n}`,
  at: new Date(Date.UTC(2025, 0, 1 + n, 5, 30)).toISOString(),
  bySeverity: { critical: 0, high: 0, medium: 0, low: 0, info: 0, ...bySeverity },
});

describe('trend chart geometry', () => {
  it('rounds the scale up to 1, 2 or 5 × 10^k', () => {
    expect([0, 1, 2, 3, 8, 10, 12, 20, 21, 51, 300, 1001].map(niceCeiling)).toEqual([
      1, 1, 2, 5, 10, 10, 20, 20, 50, 100, 500, 2000,
    ]);
  });

  it('scales to the largest total: 8 open → a scale of 10, so one finding is 200 / 10 = 20 px', () => {
    const g = trendGeometry(TREND);
    expect(g.layout).toBe(TREND_LAYOUT);
    expect(g.scaleMax).toBe(10);
    expect(g.baseline).toBe(216);
    // 0 at the baseline, 5 half-way (216 − 100), 10 at the top of the plot.
    expect(g.ticks).toEqual([
      { value: 0, y: 216 },
      { value: 5, y: 116 },
      { value: 10, y: 16 },
    ]);
    expect(g.bars.map((b) => b.total)).toEqual([6, 7, 8, 8, 6]);
  });

  it('places five bars in five 116.8 px slots, each 70 px wide (⌊0.6 × 116.8⌋) and centred', () => {
    const g = trendGeometry(TREND);
    // x = 44 + i × 116.8 + (116.8 − 70) / 2
    expect(g.bars.map((b) => b.x)).toEqual([67.4, 184.2, 301, 417.8, 534.6]);
    expect(g.bars.map((b) => b.width)).toEqual([70, 70, 70, 70, 70]);
    expect(g.bars.map((b) => b.label)).toEqual(['02-28', '03-01', '03-02', '03-03', '03-04']);
  });

  it('stacks critical at the bottom, then high, medium, low, info, with no gap between segments', () => {
    const [first, , third] = trendGeometry(TREND).bars;
    // 2025-02-28: critical 2, high 3, medium 1 → 40, 60 and 20 px from the baseline up.
    expect(first?.segments).toEqual([
      { severity: 'critical', count: 2, y: 176, height: 40 },
      { severity: 'high', count: 3, y: 116, height: 60 },
      { severity: 'medium', count: 1, y: 96, height: 20 },
    ]);
    // 2025-03-02: all five severities, 1 + 2 + 2 + 2 + 1 = 8 → the top at 216 − 160 = 56.
    expect(third?.segments).toEqual([
      { severity: 'critical', count: 1, y: 196, height: 20 },
      { severity: 'high', count: 2, y: 156, height: 40 },
      { severity: 'medium', count: 2, y: 116, height: 40 },
      { severity: 'low', count: 2, y: 76, height: 40 },
      { severity: 'info', count: 1, y: 56, height: 20 },
    ]);
  });

  it('keeps segments touching when the heights are not whole pixels', () => {
    // A 55 px plot (height 111): baseline 16 + 55 = 71. Total 7 → a scale of 10, 5.5 px per finding.
    const layout = { ...TREND_LAYOUT, height: 111 };
    const [bar] = trendGeometry([point(0, { critical: 1, high: 3, low: 3 })], layout).bars;
    // 71 − 5.5 = 65.5; 71 − 4 × 5.5 = 49; 71 − 7 × 5.5 = 32.5.
    expect(bar?.segments).toEqual([
      { severity: 'critical', count: 1, y: 65.5, height: 5.5 },
      { severity: 'high', count: 3, y: 49, height: 16.5 },
      { severity: 'low', count: 3, y: 32.5, height: 16.5 },
    ]);
    // Each segment ends where the one below it starts.
    const segments = bar?.segments ?? [];
    for (let i = 1; i < segments.length; i++) {
      expect((segments[i]?.y ?? 0) + (segments[i]?.height ?? 0)).toBe(segments[i - 1]?.y);
    }
  });

  it('shows the last 30 runs only, labelling every third (⌈30 / 10⌉) and the last', () => {
    const points = Array.from({ length: 35 }, (_, i) => point(i, { high: i }));
    const g = trendGeometry(points);
    expect(g.bars).toHaveLength(30);
    expect(g.bars[0]?.point.executionName).toBe('run-5');
    expect(g.bars.at(-1)?.point.executionName).toBe('run-34');
    // The largest total is 34 → a scale of 50, with a tick at 25.
    expect(g.scaleMax).toBe(50);
    expect(g.ticks.map((t) => t.value)).toEqual([0, 25, 50]);
    const labelled = g.bars.flatMap((b, i) => (b.label === null ? [] : [i]));
    expect(labelled).toEqual([0, 3, 6, 9, 12, 15, 18, 21, 24, 27, 29]);
    // 584 / 30 = 19.47 px slots, ⌊11.68⌋ = 11 px bars.
    expect(g.bars[0]?.width).toBe(11);
  });

  it('draws zero-finding runs as empty bars on a scale of 1, with no half tick', () => {
    const g = trendGeometry([point(0), point(1)]);
    expect(g.scaleMax).toBe(1);
    expect(g.ticks.map((t) => t.value)).toEqual([0, 1]);
    expect(g.bars.map((b) => [b.total, b.segments.length])).toEqual([
      [0, 0],
      [0, 0],
    ]);
  });

  it('renders one <g> per run with a <title>, and an accessible name and description', () => {
    const svg = trendSvg(TREND);
    expect(svg.match(/<g class="trend-bar"/g)).toHaveLength(5);
    expect(svg.match(/<rect /g)).toHaveLength(3 + 4 + 5 + 4 + 4);
    expect(svg).toContain('aria-labelledby="trend-chart-title trend-chart-desc"');
    expect(svg).toContain(
      '<title id="trend-chart-title">Open findings by severity over the last 5 full runs</title>',
    );
    expect(svg).toContain('From 6 open on 2025-02-28 to 6 open on 2025-03-04; the scale runs from 0 to 10.');
    expect(svg).toContain('<title>daily-20250228, 2025-02-28: 6 open (critical 2, high 3, medium 1)</title>');
    // Nothing that could load: no href, no src, no <image>, no <use>.
    expect(svg).not.toMatch(/\s(src|href|xlink:href)=|<image|<use/i);
  });

  it('escapes run names', () => {
    const svg = trendSvg([{ ...point(0), executionName: '"><script>x</script>' }, point(1)]);
    expect(svg).not.toContain('<script>');
    expect(svg).toContain('data-execution="&quot;&gt;&lt;script&gt;x&lt;/script&gt;"');
  });
});
