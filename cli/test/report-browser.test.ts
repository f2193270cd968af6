/**
 * The HTML report in a real headless Chromium (Debian's package, driven by playwright-core):
 * no console errors, no request but the file itself, the chart and tables present and working,
 * hostile names inert; a screenshot goes to out/report.png for people to look at.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReportHtml } from '../src/ops/report-html';
import { launchChromium, OUT } from './helpers/chromium';
import { plantedReport } from './helpers/report-fixture';

describe('HTML report in headless Chromium', () => {
  let browser: Browser;
  const file = join(OUT, 'report.html');

  beforeAll(async () => {
    await mkdir(OUT, { recursive: true });
    await writeFile(file, renderReportHtml(plantedReport()), 'utf8');
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('renders with no console error and no request but the file, and the tables work', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(file).href;

    await page.goto(url, { waitUntil: 'load' });

    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);
    // Hostile account names and exemption reasons stayed text.
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();
    expect(await page.locator('#accounts-table tbody td:nth-child(2)').first().textContent()).toBe(
      'prod <script>window.__pwned=1</script>',
    );

    // Chart: four keys with an age, one bar segment each (planted: critical, high, low, medium).
    const bars = page.locator('#age-histogram rect.bar');
    expect(await bars.count()).toBe(4);
    expect((await bars.evaluateAll((els) => els.map((e) => e.getAttribute('data-severity')))).sort()).toEqual(
      ['critical', 'high', 'low', 'medium'],
    );

    // No trend in this report (it predates history): a note instead of a chart, and no owners,
    // so no owner filter and "—" in the owner column.
    expect(await page.locator('#trend-none').textContent()).toBe(
      'The trend needs two full runs; this report has 0.',
    );
    expect(await page.locator('#trend-chart').count()).toBe(0);
    expect(await page.locator('select[data-owner-filter]').count()).toBe(0);
    expect(await page.locator('#routing').count()).toBe(0);
    expect(new Set(await page.locator('#findings-table tbody td:nth-child(5)').allTextContents())).toEqual(
      new Set(['—']),
    );

    expect(await page.locator('#summary-cards .card').count()).toBe(8);
    expect(await page.locator('#accounts-table tbody tr').count()).toBe(4);
    expect(await page.locator('#findings-table tbody tr').count()).toBe(6);
    expect(await page.locator('#exempted-table tbody tr').count()).toBe(1);
    expect(await page.locator('#not-audited-table tbody tr').count()).toBe(2);
    expect(await page.locator('#not-audited-table').textContent()).toContain(
      'the StackSet has not reached this account: add its OU to the rollout',
    );

    // Sorting: "Age (days)" ascending puts the key without an age ("-") first, then 50 (eve).
    const ageHeader = page.locator('#findings-table thead th', { hasText: 'Age (days)' });
    await ageHeader.click();
    const ages = () => page.locator('#findings-table tbody td:nth-child(7)').allTextContents();
    expect(await ages()).toEqual(['-', '50', '85', '95', '400', '400']);
    await ageHeader.click();
    expect(await ages()).toEqual(['400', '400', '95', '85', '50', '-']);

    // Filtering: only the account row that matches stays visible.
    await page.locator('input[data-filter="accounts-table"]').fill('sandbox');
    expect(await page.locator('#accounts-table tbody tr:visible').count()).toBe(1);
    expect(await page.locator('#accounts-table-count').textContent()).toBe('1');

    await page.locator('input[data-filter="accounts-table"]').fill('');
    await page.screenshot({ path: join(OUT, 'report.png'), fullPage: true });
    expect(existsSync(join(OUT, 'report.png'))).toBe(true);
    expect(problems).toEqual([]);
    await page.close();
  });
});
