/**
 * `keyaudit run` is the workflow against "real AWS" from a laptop: here the AWS it reaches is the
 * emulator, through nothing but the standard environment (AWS_ENDPOINT_URL and credentials), as
 * any AWS-compatible endpoint would be reached.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type RunningEmulator, startEmulator } from '@org-key-audit/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');

interface ProcessResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runProcess(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<ProcessResult> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', fail);
    child.on('close', (status) => done({ status, stdout, stderr }));
  });
}

describe('keyaudit run against an AWS-compatible endpoint', { timeout: 120_000 }, () => {
  let emulator: RunningEmulator;
  let out: string;

  beforeAll(async () => {
    emulator = await startEmulator({ accounts: 12, users: 3, seed: 42 });
    out = mkdtempSync(join(tmpdir(), 'keyaudit-run-'));
  });
  afterAll(async () => {
    await emulator?.stop();
    rmSync(out, { recursive: true, force: true });
  });

  // Asynchronous on purpose: the emulator serves from this very process, so a blocking spawn
  // would leave the CLI waiting on a server that cannot answer.
  const keyaudit = (args: readonly string[]) =>
    runProcess('pnpm', ['--silent', 'keyaudit', ...args], {
      cwd: repo,
      env: {
        ...process.env,
        NO_COLOR: '1',
        AWS_ENDPOINT_URL: emulator.url,
        AWS_ACCESS_KEY_ID: emulator.auditor.accessKeyId,
        AWS_SECRET_ACCESS_KEY: emulator.auditor.secretAccessKey,
        AWS_REGION: emulator.region,
        AWS_PROFILE: '',
      },
    });

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
    expect(emulator.messaging.published()).toHaveLength(0);
  });

  it('audits only the requested accounts and skips the rest', async () => {
    const audited = emulator.expected.accounts.filter((a) => a.expectedStatus === 'AUDITED').slice(0, 2);
    const result = await keyaudit([
      'run',
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
});
