/**
 * The installable `keyaudit`: build the bundle, pack it, install the tarball into an empty
 * directory with `npm install --offline` and an empty npm cache, then run it through `npx`.
 * An offline install that succeeds from an empty cache is the proof that the tarball needs
 * nothing from a registry: every dependency is in the bundle. Nothing points outside 127.0.0.1.
 */

import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProcessResult, runProcess } from '../../test/support/process';

const CLI = resolve(import.meta.dirname, '..');
const COMMANDS = [
  'demo',
  'run',
  'rerun',
  'redrive',
  'dlq',
  'status',
  'report',
  'rotate',
  'requests',
  'approve',
  'reject',
  'reactivate',
  'help',
];

function expectSuccess(result: ProcessResult, what: string): void {
  if (result.status !== 0) {
    throw new Error(
      `${what} exited ${result.status}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`,
    );
  }
}

/** The command names under `Commands:` in commander's help. */
function listedCommands(help: string): string[] {
  const lines = help.split('\n');
  const start = lines.indexOf('Commands:');
  if (start < 0) return [];
  return lines
    .slice(start + 1)
    .map((line) => /^ {2}(\S+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

describe('keyaudit installed from its packed tarball', () => {
  let work: string;
  let app: string;
  let tarball: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'keyaudit-install-'));
    app = join(work, 'app');
    const home = join(work, 'home');
    mkdirSync(app);
    mkdirSync(home);
    env = {
      // No node_modules/.bin of this repository: `keyaudit` must come from the installed tarball.
      PATH: (process.env['PATH'] ?? '')
        .split(delimiter)
        .filter((dir) => !dir.includes('node_modules'))
        .join(delimiter),
      HOME: home,
      ...(process.env['TMPDIR'] === undefined ? {} : { TMPDIR: process.env['TMPDIR'] }),
      // An empty cache and a registry nobody listens on: anything fetched would fail at once.
      npm_config_cache: join(work, 'npm-cache'),
      npm_config_registry: 'http://127.0.0.1:9/',
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
      // No AWS outside the demo's own emulator: no instance metadata, no profiles from this machine.
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: join(home, '.aws/config'),
      AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws/credentials'),
      NO_COLOR: '1',
    };

    const built = await runProcess(
      process.execPath,
      [join(CLI, 'scripts/build.mjs'), '--pack', '--dist', join(work, 'dist')],
      { cwd: CLI, env: { ...process.env, npm_config_update_notifier: 'false' } },
    );
    expectSuccess(built, 'node scripts/build.mjs --pack');
    tarball = built.stdout.trim().split('\n').at(-1) ?? '';
    expect(tarball).toMatch(/org-key-audit-cli-\d+\.\d+\.\d+\.tgz$/);

    writeFileSync(join(app, 'package.json'), '{ "name": "app", "private": true }\n');
    const installed = await runProcess('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], {
      cwd: app,
      env,
    });
    expectSuccess(installed, 'npm install --offline');
  }, 120_000);

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('packs the bundle, the ASL it reads, the README and a manifest without dependencies', async () => {
    const listing = await runProcess('tar', ['-tzf', tarball], { cwd: work, env });
    expectSuccess(listing, 'tar -tzf');
    expect(listing.stdout.trim().split('\n').sort()).toEqual([
      'package/README.md',
      'package/dist/audit-organization.asl.json',
      'package/dist/keyaudit.mjs',
      'package/package.json',
    ]);

    const manifest = JSON.parse(
      readFileSync(join(app, 'node_modules/@org-key-audit/cli/package.json'), 'utf8'),
    ) as Record<string, unknown>;
    expect(manifest['bin']).toEqual({ keyaudit: 'dist/keyaudit.mjs' });
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'scripts']) {
      expect(manifest[field], field).toBeUndefined();
    }
    // The install added exactly one package: the CLI itself.
    expect(readdirSync(join(app, 'node_modules')).filter((name) => !name.startsWith('.'))).toEqual([
      '@org-key-audit',
    ]);
    expect(readdirSync(join(app, 'node_modules/@org-key-audit'))).toEqual(['cli']);
  });

  it('`npx keyaudit --help` lists every command', async () => {
    const result = await runProcess('npx', ['keyaudit', '--help'], { cwd: app, env });
    expectSuccess(result, 'npx keyaudit --help');
    expect(result.stdout).toContain('Usage: keyaudit [options] [command]');
    expect(listedCommands(result.stdout)).toEqual(COMMANDS);
  });

  it('`npx keyaudit demo` runs the workflow on its own emulator and prints the digest summary', async () => {
    const out = join(work, 'out');
    const result = await runProcess(
      'npx',
      ['keyaudit', 'demo', '--accounts', '3', '--users', '2', '--json', '--out', out],
      { cwd: app, env },
    );
    expectSuccess(result, 'npx keyaudit demo');
    expect(result.stderr).toMatch(/emulator on http:\/\/127\.0\.0\.1:\d+: 3 accounts/);
    const summary = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(summary)).toEqual(
      expect.arrayContaining([
        'executionName',
        'dryRun',
        'totals',
        'failedAccounts',
        'failedAccountsTruncated',
        'reportKey',
        'subject',
      ]),
    );
    expect(summary['totals']).toMatchObject({ accounts: 3, audited: 3, failed: 0 });
    for (const file of ['report.json', 'report.csv', 'report.html', 'findings.asff.json', 'digest.txt']) {
      expect(existsSync(join(out, file)), file).toBe(true);
    }
  });
});
