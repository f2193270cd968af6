/**
 * The HTML report's compliance view in a real headless Chromium (as report-browser.test.ts):
 * the hand-built report of helpers/compliance-fixture.ts, whose counts are worked out in that
 * file's header. No console error, no request but the file, hostile exception reasons inert;
 * one table per CIS control with the counts read from the rendered page. A screenshot of the
 * compliance section goes to out/report-compliance.png.
 */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReportHtml } from '../src/ops/report-html';
import { launchChromium, OUT, watch } from './helpers/chromium';
import { complianceReport } from './helpers/compliance-fixture';

const ROWS = ['in-scope', 'passing', 'failing', 'not-assessed', 'exceptions'] as const;

/** The five counts of one control's table, as the page shows them. */
async function counts(page: Page, control: string): Promise<Record<(typeof ROWS)[number], string>> {
  const table = page.locator(`#cis-${control.replace('.', '-')}-table`);
  const entries = await Promise.all(
    ROWS.map(
      async (row) => [row, (await table.locator(`td[data-count="${row}"]`).textContent()) ?? ''] as const,
    ),
  );
  return Object.fromEntries(entries) as Record<(typeof ROWS)[number], string>;
}

/** The list items of one row of a control's table. */
const items = (page: Page, control: string, row: (typeof ROWS)[number]) =>
  page.locator(`#cis-${control.replace('.', '-')}-table tr[data-row="${row}"] li`).allTextContents();

describe('HTML report compliance view in headless Chromium', () => {
  let browser: Browser;
  const file = join(OUT, 'report-compliance.html');
  const url = pathToFileURL(file).href;

  beforeAll(async () => {
    await mkdir(OUT, { recursive: true });
    await writeFile(file, renderReportHtml(complianceReport()), 'utf8');
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
  });

  it('shows one table per CIS control with the counts worked out by hand, calling nothing', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const { problems, requests } = watch(page);
    await page.goto(url, { waitUntil: 'load' });
    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);
    expect(await page.evaluate(() => (globalThis as { __pwned?: number }).__pwned)).toBeUndefined();

    const section = page.locator('#compliance');
    expect(await section.locator('h2').textContent()).toBe(
      'Compliance: CIS AWS Foundations Benchmark v3.0.0',
    );
    expect(await section.locator('table.compliance').count()).toBe(4);
    expect(await section.locator('h3').allTextContents()).toEqual([
      "CIS 1.4: Ensure no 'root' user account access key exists",
      'CIS 1.12: Ensure credentials unused for 45 days or more are disabled',
      'CIS 1.13: Ensure there is only one active access key available for any single IAM user',
      'CIS 1.14: Ensure access keys are rotated every 90 days or less',
    ]);

    const n = (
      inScope: number,
      passing: number,
      failing: number,
      notAssessed: number,
      exceptions: number,
    ) => ({
      'in-scope': String(inScope),
      passing: String(passing),
      failing: String(failing),
      'not-assessed': String(notAssessed),
      exceptions: String(exceptions),
    });
    expect(await counts(page, '1.4')).toEqual(n(5, 4, 1, 2, 0));
    expect(await counts(page, '1.12')).toEqual(n(5, 3, 2, 2, 1));
    expect(await counts(page, '1.13')).toEqual(n(5, 4, 1, 2, 1));
    expect(await counts(page, '1.14')).toEqual(n(5, 3, 2, 2, 1));

    expect(await items(page, '1.12', 'failing')).toEqual([
      '111111111111 payments: 1 open finding',
      '222222222222 analytics: 2 open findings',
    ]);
    expect(await items(page, '1.14', 'failing')).toEqual([
      '111111111111 payments: 2 open findings',
      '777777777777: 1 open finding',
    ]);
    expect(await items(page, '1.4', 'not-assessed')).toEqual([
      '555555555555 broken: FAILED, audit role missing',
      '666666666666 old: SKIPPED, the account is SUSPENDED',
    ]);
    expect(await items(page, '1.13', 'exceptions')).toEqual([
      'TWO_ACTIVE_KEYS, ivan in 333333333333 sandbox: migration window (until 2025-04-01)',
    ]);
    // The hostile reason is shown as text, with its expiry.
    expect(await items(page, '1.12', 'exceptions')).toEqual([
      'UNUSED, hank AKIAHANKCCCCCCCCCCCC in 222222222222 analytics: <img src="https://attacker.example/c.png" onerror="window.__pwned=5"> (until 2025-12-31)',
    ]);
    expect(await section.locator('img').count()).toBe(0);
    expect(await page.locator('#cis-1-14-threshold').isVisible()).toBe(true);
    expect(await page.locator('#cis-1-12-threshold').count()).toBe(0);

    // Clicking a compliance header sorts nothing (the tables are not sortable) and breaks nothing.
    await page.locator('#cis-1-14-table thead th').first().click();
    expect(await counts(page, '1.14')).toEqual(n(5, 3, 2, 2, 1));

    await section.screenshot({ path: join(OUT, 'report-compliance.png') });
    expect(existsSync(join(OUT, 'report-compliance.png'))).toBe(true);
    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);
    await page.close();
  });

  it('shows the same tables with JavaScript off', async () => {
    const context = await browser.newContext({
      javaScriptEnabled: false,
      viewport: { width: 1280, height: 900 },
    });
    const page = await context.newPage();
    const { problems, requests } = watch(page);
    await page.goto(url, { waitUntil: 'load' });
    expect(await page.locator('#compliance table.compliance:visible').count()).toBe(4);
    expect(await counts(page, '1.12')).toMatchObject({ failing: '2', exceptions: '1' });
    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);
    await context.close();
  });
});
