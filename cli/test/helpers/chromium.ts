/**
 * Headless Chromium for the HTML report tests: the Debian package's binary (installed with
 * `apt-get install -y --no-install-recommends chromium`), started with nothing that phones home,
 * and a page watcher that collects console errors and warnings, page errors and every request.
 */
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
/** The repository's out/ (gitignored): screenshots and rendered pages land here. */
export const OUT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../out');

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install it with apt-get install -y --no-install-recommends chromium`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/** Console errors and warnings, page errors and every request the page makes. */
export function watch(page: Page): { readonly problems: string[]; readonly requests: string[] } {
  const problems: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
  page.on('request', (r) => requests.push(r.url()));
  return { problems, requests };
}
