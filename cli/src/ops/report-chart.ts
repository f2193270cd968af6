/**
 * The report's charts, as inline SVG so the page makes no request and needs no chart library
 * or script to draw them.
 *
 * The key-age histogram: each key counted once, at its most severe finding, in age bands that
 * follow the policy's defaults (due soon at 80, overdue at 90, critical at 365).
 */

import type { Report } from '@org-key-audit/functions/core';
import { SEVERITIES, type Severity, TREND_RUNS, type TrendPoint } from '@org-key-audit/functions/core';
import { escapeHtml } from './html';

export interface AgeBand {
  readonly label: string;
  /** Inclusive lower bound, in whole days. */
  readonly from: number;
  /** Exclusive upper bound; null for the last band. */
  readonly to: number | null;
}

export const AGE_BANDS: readonly AgeBand[] = [
  { label: '0–29 d', from: 0, to: 30 },
  { label: '30–79 d', from: 30, to: 80 },
  { label: '80–89 d', from: 80, to: 90 },
  { label: '90–179 d', from: 90, to: 180 },
  { label: '180–364 d', from: 180, to: 365 },
  { label: '≥ 365 d', from: 365, to: null },
];

export const SEVERITY_COLOURS: Readonly<Record<Severity, string>> = {
  critical: '#8e0b0b',
  high: '#d9480f',
  medium: '#e8a10c',
  low: '#4a7fb5',
  info: '#8c959f',
};

export type Histogram = { readonly band: AgeBand; readonly counts: Readonly<Record<Severity, number>> }[];

/** Keys (not findings) per age band and severity; findings without an age (no key) are left out. */
export function keyAgeHistogram(report: Report): Histogram {
  const worst = new Map<string, { age: number; severity: Severity }>();
  for (const account of report.accounts) {
    for (const f of account.findings) {
      if (f.ageDays === null) continue;
      const key = `${account.accountId}/${f.userArn}/${f.accessKeyId ?? `slot${f.keySlot ?? '?'}`}`;
      const seen = worst.get(key);
      if (seen === undefined || SEVERITIES.indexOf(f.severity) < SEVERITIES.indexOf(seen.severity)) {
        worst.set(key, { age: f.ageDays, severity: f.severity });
      }
    }
  }
  const rows = AGE_BANDS.map((band) => ({
    band,
    counts: Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>,
  }));
  for (const { age, severity } of worst.values()) {
    const row = rows.find((r) => age >= r.band.from && (r.band.to === null || age < r.band.to));
    if (row !== undefined) row.counts[severity]++;
  }
  return rows;
}

/** A stacked bar per band; every bar segment carries a <title> so hovering shows the count. */
export function histogramSvg(histogram: Histogram): string {
  const width = 640;
  const height = 260;
  const left = 40;
  const bottom = 40;
  const top = 16;
  const plotHeight = height - bottom - top;
  const max = Math.max(1, ...histogram.map((r) => SEVERITIES.reduce((n, s) => n + r.counts[s], 0)));
  const slot = (width - left - 10) / histogram.length;
  const barWidth = Math.floor(slot * 0.6);
  const parts: string[] = [];
  parts.push(
    `<line x1="${left}" y1="${top + plotHeight}" x2="${width - 10}" y2="${top + plotHeight}" stroke="#57606a"/>`,
    `<text x="${left - 6}" y="${top + 4}" text-anchor="end" class="axis">${max}</text>`,
    `<text x="${left - 6}" y="${top + plotHeight}" text-anchor="end" class="axis">0</text>`,
  );
  histogram.forEach((row, i) => {
    const x = Math.round(left + i * slot + (slot - barWidth) / 2);
    let y = top + plotHeight;
    for (const severity of [...SEVERITIES].reverse()) {
      const n = row.counts[severity];
      if (n === 0) continue;
      const h = Math.max(1, Math.round((n / max) * plotHeight));
      y -= h;
      parts.push(
        `<rect class="bar sev-${severity}" data-severity="${severity}" data-count="${n}" x="${x}" y="${y}" width="${barWidth}" height="${h}" fill="${SEVERITY_COLOURS[severity]}"><title>${escapeHtml(`${row.band.label}: ${n} ${severity}`)}</title></rect>`,
      );
    }
    parts.push(
      `<text x="${x + barWidth / 2}" y="${top + plotHeight + 18}" text-anchor="middle" class="axis">${escapeHtml(row.band.label)}</text>`,
    );
  });
  return `<svg id="age-histogram" role="img" aria-label="Access keys by age band and severity" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}

/**
 * The open-findings trend: one stacked bar per full run (report.trend, oldest first, at most
 * TREND_RUNS), critical at the bottom so the most urgent count always starts at the baseline and
 * reads exactly. The geometry is a pure function so its numbers can be checked by hand.
 */
export interface TrendLayout {
  readonly width: number;
  readonly height: number;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/** 584 × 200 px of plot: with a scale of 20, one finding is 10 px tall. */
export const TREND_LAYOUT: TrendLayout = {
  width: 640,
  height: 256,
  left: 44,
  right: 12,
  top: 16,
  bottom: 40,
};

/** Bottom to top. */
export const TREND_STACK_ORDER: readonly Severity[] = SEVERITIES;

export interface TrendSegment {
  readonly severity: Severity;
  readonly count: number;
  readonly y: number;
  readonly height: number;
}

export interface TrendBar {
  readonly point: TrendPoint;
  readonly total: number;
  readonly x: number;
  readonly width: number;
  /** In TREND_STACK_ORDER; severities with no finding have no segment. */
  readonly segments: readonly TrendSegment[];
  /** The x-axis label (MM-DD), or null where labels would crowd (more than ten bars). */
  readonly label: string | null;
}

export interface TrendGeometry {
  readonly layout: TrendLayout;
  /** The value at the top of the plot: the largest total rounded up to 1, 2 or 5 × 10^k. */
  readonly scaleMax: number;
  /** The y of the baseline (0 findings). */
  readonly baseline: number;
  readonly ticks: readonly { readonly value: number; readonly y: number }[];
  readonly bars: readonly TrendBar[];
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/** The smallest 1, 2 or 5 × 10^k that is ≥ n; 1 for n ≤ 1. */
export function niceCeiling(n: number): number {
  if (!(n > 1)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= n) return step * magnitude;
  return 10 * magnitude;
}

export const trendTotal = (p: TrendPoint): number =>
  SEVERITIES.reduce((n, s) => n + (p.bySeverity[s] ?? 0), 0);

export function trendGeometry(
  points: readonly TrendPoint[],
  layout: TrendLayout = TREND_LAYOUT,
): TrendGeometry {
  const shown = points.slice(-TREND_RUNS);
  const plotWidth = layout.width - layout.left - layout.right;
  const plotHeight = layout.height - layout.top - layout.bottom;
  const baseline = layout.top + plotHeight;
  const scaleMax = niceCeiling(Math.max(0, ...shown.map(trendTotal)));
  const yOf = (value: number) => round2(baseline - (value / scaleMax) * plotHeight);
  const slot = plotWidth / Math.max(1, shown.length);
  const width = Math.max(2, Math.floor(slot * 0.6));
  const labelEvery = Math.ceil(shown.length / 10);
  const bars = shown.map((point, i): TrendBar => {
    let below = 0;
    const segments: TrendSegment[] = [];
    for (const severity of TREND_STACK_ORDER) {
      const count = point.bySeverity[severity] ?? 0;
      if (count <= 0) continue;
      // From the running sums, not segment by segment, so rounding never opens a gap.
      const y = yOf(below + count);
      segments.push({ severity, count, y, height: round2(yOf(below) - y) });
      below += count;
    }
    const last = i === shown.length - 1;
    return {
      point,
      total: below,
      x: round2(layout.left + i * slot + (slot - width) / 2),
      width,
      segments,
      label: i % labelEvery === 0 || last ? point.at.slice(5, 10) : null,
    };
  });
  const half = scaleMax / 2;
  const ticks = [0, ...(Number.isInteger(half) ? [half] : []), scaleMax].map((value) => ({
    value,
    y: yOf(value),
  }));
  return { layout, scaleMax, baseline, ticks, bars };
}

function describePoint(p: TrendPoint, total: number): string {
  const parts = SEVERITIES.filter((s) => (p.bySeverity[s] ?? 0) > 0).map((s) => `${s} ${p.bySeverity[s]}`);
  return `${p.executionName}, ${p.at.slice(0, 10)}: ${total} open${parts.length > 0 ? ` (${parts.join(', ')})` : ''}`;
}

/** The trend as an inline SVG with a title and description; every bar has a <title> too. */
export function trendSvg(points: readonly TrendPoint[]): string {
  const g = trendGeometry(points);
  const { layout } = g;
  const first = g.bars[0];
  const last = g.bars.at(-1);
  const parts: string[] = [
    `<title id="trend-chart-title">Open findings by severity over the last ${g.bars.length} full runs</title>`,
    `<desc id="trend-chart-desc">${escapeHtml(
      first === undefined || last === undefined
        ? 'No runs.'
        : `One stacked bar per full run, critical at the bottom. From ${first.total} open on ${first.point.at.slice(0, 10)} to ${last.total} open on ${last.point.at.slice(0, 10)}; the scale runs from 0 to ${g.scaleMax}. The trend data table lists every run.`,
    )}</desc>`,
  ];
  for (const tick of g.ticks) {
    parts.push(
      `<line x1="${layout.left}" y1="${tick.y}" x2="${layout.width - layout.right}" y2="${tick.y}" stroke="${tick.value === 0 ? '#57606a' : '#eaeef2'}"/>`,
      `<text x="${layout.left - 6}" y="${tick.y + 4}" text-anchor="end" class="axis">${tick.value}</text>`,
    );
  }
  for (const bar of g.bars) {
    const rects = bar.segments.map(
      (s) =>
        `<rect class="seg sev-${s.severity}" data-severity="${s.severity}" data-count="${s.count}" x="${bar.x}" y="${s.y}" width="${bar.width}" height="${s.height}" fill="${SEVERITY_COLOURS[s.severity]}"/>`,
    );
    parts.push(
      `<g class="trend-bar" data-execution="${escapeHtml(bar.point.executionName)}" data-total="${bar.total}"><title>${escapeHtml(describePoint(bar.point, bar.total))}</title>${rects.join('')}</g>`,
    );
    if (bar.label !== null) {
      parts.push(
        `<text x="${round2(bar.x + bar.width / 2)}" y="${g.baseline + 18}" text-anchor="middle" class="axis">${escapeHtml(bar.label)}</text>`,
      );
    }
  }
  return `<svg id="trend-chart" role="img" aria-labelledby="trend-chart-title trend-chart-desc" viewBox="0 0 ${layout.width} ${layout.height}" width="${layout.width}" height="${layout.height}" xmlns="http://www.w3.org/2000/svg">${parts.join('')}</svg>`;
}
