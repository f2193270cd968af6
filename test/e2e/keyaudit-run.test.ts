/**
 * `keyaudit run` is the workflow against "real AWS" from a laptop: here the AWS it reaches is the
 * emulator, through nothing but the standard environment (AWS_ENDPOINT_URL and credentials), as
 * any AWS-compatible endpoint would be reached.
 */

import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type RunningEmulator, startEmulator } from '@org-key-audit/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProcess } from '../support/process';

const repo = resolve(import.meta.dirname, '../..');
const bin = join(repo, 'cli/bin/keyaudit.js');
const PROGRESS_LINE = /^accounts: (\d+) audited, (\d+) failed, (\d+) to go of (\d+)$/;

describe('keyaudit run against an AWS-compatible endpoint', { timeout: 120_000 }, () => {
  let emulator: RunningEmulator;
  let out: string;
  /** The working directory of the runs that keep the report in the default ./out/<execution>. */
  let cwd: string;

  beforeAll(async () => {
    emulator = await startEmulator({ accounts: 12, users: 3, seed: 42 });
    out = mkdtempSync(join(tmpdir(), 'keyaudit-run-'));
    cwd = mkdtempSync(join(tmpdir(), 'keyaudit-cwd-'));
  });
  afterAll(async () => {
    await emulator?.stop();
    rmSync(out, { recursive: true, force: true });
    rmSync(cwd, { recursive: true, force: true });
  });

  const emulatorEnv = (): NodeJS.ProcessEnv => ({
    ...process.env,
    NO_COLOR: '1',
    AWS_ENDPOINT_URL: emulator.url,
    AWS_ACCESS_KEY_ID: emulator.auditor.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emulator.auditor.secretAccessKey,
    AWS_REGION: emulator.region,
    AWS_PROFILE: '',
  });

  // Asynchronous on purpose: the emulator serves from this very process, so a blocking spawn
  // would leave the CLI waiting on a server that cannot answer.
  const keyaudit = (args: readonly string[]) =>
    runProcess('pnpm', ['--silent', 'keyaudit', ...args], { cwd: repo, env: emulatorEnv() });
  /** The same CLI through its bin (`node cli/bin/keyaudit.js`), from another directory. */
  const keyauditIn = (dir: string, args: readonly string[], env: NodeJS.ProcessEnv = emulatorEnv()) =>
    runProcess(process.execPath, [bin, ...args], { cwd: dir, env });

  const planted = (status: string) => emulator.expected.accounts.filter((a) => a.expectedStatus === status);
  const progressLines = (stderr: string) => stderr.split('\n').filter((line) => PROGRESS_LINE.test(line));

  it('audits the organization, writes --out, and exits 2 when some accounts could not be audited', async () => {
    const planted = emulator.expected;
    const failed = planted.accounts.filter((a) => a.expectedStatus === 'FAILED').length;
    const result = await keyaudit(['run', '--role-name', emulator.roleName, '--out', out, '--json']);
    expect(result.status, result.stderr).toBe(failed > 0 ? 2 : 0);

    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      accounts: { accountId: string; status: string }[];
      dryRun: boolean;
    };
    expect(JSON.parse(result.stdout)).toEqual(report);
    expect(report.dryRun).toBe(true);
    const statuses = Object.fromEntries(report.accounts.map((a) => [a.accountId, a.status]));
    expect(statuses).toEqual(
      Object.fromEntries(planted.accounts.map((a) => [a.accountId, a.expectedStatus])),
    );
    expect(readFileSync(join(out, 'digest.txt'), 'utf8')).toContain('ACCOUNTS NOT AUDITED');
    expect(readFileSync(join(out, 'digest.txt'), 'utf8')).toContain(
      `  Full report: ${join(out, 'report.json')}\n`,
    );
    expect(emulator.messaging.published()).toHaveLength(0);
    // --json is for scripts: no progress at all, only where the report went.
    expect(result.stderr).not.toMatch(/accounts: \d+ audited|\r|%/);
    expect(result.stderr).toContain(`wrote the report to ${out}`);
  });

  it('without --out keeps the report in ./out/<execution> and the digest links that file, not the scratch store', async () => {
    const result = await keyauditIn(cwd, ['run', '--role-name', emulator.roleName]);
    expect(result.status, result.stderr).toBe(planted('FAILED').length > 0 ? 2 : 0);

    expect(result.stdout).toContain('ACCOUNTS NOT AUDITED');
    expect(result.stdout).not.toContain('s3://');
    const runs = readdirSync(join(cwd, 'out'));
    expect(runs).toHaveLength(1);
    const kept = join(cwd, 'out', runs[0] ?? '');
    expect(runs[0]).toMatch(/^run-\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect(result.stdout).toContain(`Execution:  ${runs[0]}\n`);
    expect(result.stdout).toContain(`  Full report: ${join(kept, 'report.json')}\n`);
    for (const file of ['report.json', 'report.csv', 'report.html', 'digest.txt']) {
      expect(existsSync(join(kept, file)), file).toBe(true);
    }
    expect(readFileSync(join(kept, 'digest.txt'), 'utf8').trimEnd()).toBe(result.stdout.trimEnd());
    expect(result.stderr).toContain(`wrote the report to ${join('out', runs[0] ?? '')}`);
  });

  it('with --out names the files it wrote, relative paths resolved against the working directory', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyaudit-out-'));
    try {
      const result = await keyauditIn(dir, [
        'run',
        '--role-name',
        emulator.roleName,
        '--out',
        'reports/today',
      ]);
      expect(result.status, result.stderr).toBe(planted('FAILED').length > 0 ? 2 : 0);
      const kept = join(dir, 'reports/today');
      expect(result.stdout).not.toContain('s3://');
      expect(result.stdout).toContain(`  Full report: ${join(kept, 'report.json')}\n`);
      expect(existsSync(join(kept, 'report.json'))).toBe(true);
      expect(readFileSync(join(kept, 'digest.txt'), 'utf8').trimEnd()).toBe(result.stdout.trimEnd());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts audited and failed accounts apart in plain progress lines when stderr is not a terminal', async () => {
    const result = await keyaudit(['run', '--role-name', emulator.roleName, '--out', join(out, 'progress')]);
    const audited = planted('AUDITED').length;
    const failed = planted('FAILED').length;
    expect(failed).toBeGreaterThan(0);
    expect(result.stderr).not.toContain('\r');
    expect(result.stderr).not.toContain('[#');
    const lines = progressLines(result.stderr);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(11);
    expect(lines.at(-1)).toBe(
      `accounts: ${audited} audited, ${failed} failed, 0 to go of ${audited + failed}`,
    );
  });

  it('audits only the requested accounts and skips the rest', async () => {
    const audited = emulator.expected.accounts.filter((a) => a.expectedStatus === 'AUDITED').slice(0, 2);
    const result = await keyaudit([
      'run',
      '--out',
      join(out, 'requested'),
      '--role-name',
      emulator.roleName,
      '--json',
      '--accounts',
      audited.map((a) => a.accountId).join(','),
    ]);
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { accounts: { accountId: string; status: string }[] };
    const auditedIds = report.accounts
      .filter((a) => a.status === 'AUDITED')
      .map((a) => a.accountId)
      .sort();
    expect(auditedIds).toEqual(audited.map((a) => a.accountId).sort());
    expect(report.accounts).toHaveLength(emulator.expected.accounts.length);
  });

  it('rejects a malformed account id with the field and the fix, and exits 1', async () => {
    const result = await keyaudit(['run', '--accounts', '12345']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/accountIds\[0\].*12-digit/);
  });

  it('says in one line that no AWS credentials were found and how to provide them, and exits 1', async () => {
    const env: NodeJS.ProcessEnv = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_')),
    );
    Object.assign(env, {
      NO_COLOR: '1',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
      AWS_CONFIG_FILE: '/nonexistent',
      AWS_EC2_METADATA_DISABLED: 'true',
      // Should anything still try to call AWS, it reaches the emulator on 127.0.0.1.
      AWS_ENDPOINT_URL: emulator.url,
      AWS_REGION: emulator.region,
    });
    emulator.clearCalls();
    const result = await keyauditIn(cwd, ['run', '--out', join(out, 'no-credentials')], env);

    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: no AWS credentials were found\. /);
    for (const hint of [
      '--profile NAME',
      'AWS_PROFILE',
      'aws sso login --profile NAME',
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
    ]) {
      expect(lines[0]).toContain(hint);
    }
    expect(result.stderr).not.toMatch(/[{}]|CredentialsProviderError|errorType|\s+at\s/);
    expect(existsSync(join(out, 'no-credentials'))).toBe(false);
    expect(emulator.calls()).toEqual([]);
  });
});
