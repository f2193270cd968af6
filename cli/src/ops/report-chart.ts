/**
 * The key-age histogram: each key counted once, at its most severe finding, in age bands that
 * follow the policy's defaults (due soon at 80, overdue at 90, critical at 365). Rendered as an
 * inline SVG so the page makes no request and needs no chart library.
 */

import type { Report } from '@org-key-audit/functions/core';
import { SEVERITIES, type Severity } from '@org-key-audit/functions/core';
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
