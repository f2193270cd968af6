/**
 * The HTML report's trend, changes, owners and routing in a real headless Chromium (as
 * report-browser.test.ts): a hand-built report (helpers/trend-fixture.ts) with a 5-point trend,
 * NEW and RESOLVED findings and three owners. No console error, no request but the file; the
 * chart has one bar per run; the tables list exactly the planted findings; the owner filter
 * hides the other owners' rows and works with the text filter; and with JavaScript off every
 * row is shown. A screenshot goes to out/report-trend.png.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReportHtml } from '../src/ops/report-html';
import { launchChromium, OUT, watch } from './helpers/chromium';
import { trendReport } from './helpers/trend-fixture';

/** A column's text in the visible rows of a table, by header title. */
async function column(page: Page, tableId: string, title: string): Promise<string[]> {
  const headers = await page.locator(`#${tableId} thead th`).allTextContents();
  const index = headers.indexOf(title);
  if (index < 0) throw new Error(`#${tableId} has no column "${title}" (has ${headers.join(', ')})`);
  return page.locator(`#${tableId} tbody tr:visible td:nth-child(${index + 1})`).allTextContents();
}

describe('HTML report trend, changes and owners in headless Chromium', () => {
  let browser: Browser;
  const file = join(OUT, 'report-trend.html');
  const url = pathToFileURL(file).href;

  beforeAll(async () => {
    await mkdir(OUT, { recursive: true });
    await writeFile(file, renderReportHtml(trendReport()), 'utf8');
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('draws the trend, lists the changes and filters by owner, calling nothing', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const { problems, requests } = watch(page);
    await page.goto(url, { waitUntil: 'load' });
    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);

    // The chart: one bar per trend point, in order, and one segment per non-zero severity.
    const chart = page.locator('svg#trend-chart');
    expect(await chart.isVisible()).toBe(true);
    expect(await chart.getAttribute('role')).toBe('img');
    expect(await page.locator('#trend-chart-title').textContent()).toBe(
      'Open findings by severity over the last 5 full runs',
    );
    expect(await page.locator('#trend-chart-desc').textContent()).toContain('the scale runs from 0 to 10');
    const bars = chart.locator('g.trend-bar');
    expect(await bars.count()).toBe(5);
    expect(await bars.evaluateAll((els) => els.map((e) => e.getAttribute('data-total')))).toEqual([
      '6',
      '7',
      '8',
      '8',
      '6',
    ]);
    expect(await chart.locator('rect.seg').count()).toBe(3 + 4 + 5 + 4 + 4);
    // Scale 10 over 200 px: the first run's 2 critical are 40 px high, standing on the baseline;
    // the tallest bar (8) reaches 216 − 160 = 56 in the SVG's own units, drawn 1:1 here.
    const firstCritical = bars.first().locator('rect[data-severity="critical"]');
    expect(await firstCritical.getAttribute('height')).toBe('40');
    expect(await firstCritical.getAttribute('y')).toBe('176');
    const box = await bars.nth(2).boundingBox();
    const svgBox = await chart.boundingBox();
    expect(Math.round((box?.height ?? 0) * 10) / 10).toBe(160);
    expect(Math.round(((box?.y ?? 0) - (svgBox?.y ?? 0)) * 10) / 10).toBe(56);
    // The data-table fallback, one row per run.
    expect(await page.locator('#trend-table tbody tr').count()).toBe(5);
    expect(await page.locator('#trend-none').count()).toBe(0);

    // NEW and RESOLVED: exactly the planted findings, with the reasons.
    expect(await column(page, 'new-table', 'User')).toEqual(['dan', 'erin']);
    expect(await column(page, 'new-table', 'Finding')).toEqual(['UNUSED', 'ROTATION_OVERDUE']);
    expect(await column(page, 'resolved-table', 'User')).toEqual(['dave', 'erin', 'gina', 'ivan']);
    expect(await column(page, 'resolved-table', 'Why')).toEqual([
      'now exempted',
      'now reported as ROTATION_OVERDUE',
      'no longer reported (deleted, rotated, or its user deleted)',
      'account left the organization',
    ]);
    expect(await column(page, 'resolved-table', 'Owner')).toEqual([
      'payments',
      'security-team',
      'payments',
      '—',
    ]);
    expect(await page.locator('#changes-summary').textContent()).toBe(
      'Compared with daily-20250303 (2025-03-03T05:30:00.000Z): 2 new, 4 resolved, 3 still open (the longest for 40 days), 1 not re-checked.',
    );
    expect(await page.locator('#still-open-table tbody tr').count()).toBe(3);
    expect(await page.locator('#not-rechecked-table tbody tr').count()).toBe(1);

    // Routing: every owner, and the one without a digest of its own named.
    expect(await column(page, 'routing-table', 'Owner')).toEqual(['data', 'payments', 'security-team']);
    expect(await page.locator('#routing-unrouted').textContent()).toBe(
      'Not routed (1): payments; their findings reach only the security team’s full digest.',
    );

    // The owner column and filter: "all owners" first, then the findings' owners.
    const owner = page.locator('select[data-owner-filter="findings-table"]');
    expect(await owner.isVisible()).toBe(true);
    expect(await owner.locator('option').allTextContents()).toEqual([
      'all owners',
      'data',
      'payments',
      'security-team',
    ]);
    expect(await column(page, 'findings-table', 'Owner')).toEqual([
      'payments',
      'data',
      'security-team',
      'payments',
      'data',
    ]);
    const count = page.locator('#findings-table-count');

    await owner.selectOption('payments');
    expect(await column(page, 'findings-table', 'User')).toEqual(['alice', 'bob']);
    expect(await column(page, 'findings-table', 'Owner')).toEqual(['payments', 'payments']);
    expect(await count.textContent()).toBe('2');

    // With the text filter: both must match; clearing one leaves the other in force.
    const search = page.locator('input[data-filter="findings-table"]');
    await search.fill('bob');
    expect(await column(page, 'findings-table', 'User')).toEqual(['bob']);
    await owner.selectOption('data');
    expect(await column(page, 'findings-table', 'User')).toEqual([]);
    expect(await count.textContent()).toBe('0');
    await search.fill('');
    expect(await column(page, 'findings-table', 'User')).toEqual(['dan', 'carol']);
    // Sorting keeps the filter: the hidden rows stay hidden.
    await page.locator('#findings-table thead th', { hasText: 'User' }).click();
    expect(await column(page, 'findings-table', 'User')).toEqual(['carol', 'dan']);
    await owner.selectOption('');
    expect(await page.locator('#findings-table tbody tr:visible').count()).toBe(5);
    expect(await count.textContent()).toBe('5');

    await page.locator('#trend-data summary').click();
    await page.screenshot({ path: join(OUT, 'report-trend.png'), fullPage: true });
    expect(existsSync(join(OUT, 'report-trend.png'))).toBe(true);
    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });

  it('shows every row and still draws the chart with JavaScript off', async () => {
    const context = await browser.newContext({
      javaScriptEnabled: false,
      viewport: { width: 1280, height: 900 },
    });
    const page = await context.newPage();
    const { problems, requests } = watch(page);
    await page.goto(url, { waitUntil: 'load' });
    expect(await page.locator('#findings-table tbody tr:visible').count()).toBe(5);
    // The owner control does nothing without the script, so it is not shown.
    expect(await page.locator('select[data-owner-filter]').isVisible()).toBe(false);
    expect(await page.locator('svg#trend-chart g.trend-bar').count()).toBe(5);
    const box = await page.locator('svg#trend-chart g.trend-bar').first().boundingBox();
    expect(box?.height).toBeGreaterThan(0);
    expect(await page.locator('#new-table tbody tr:visible').count()).toBe(2);
    expect(await page.locator('#resolved-table tbody tr:visible').count()).toBe(4);
    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);
    await context.close();
  });
});
