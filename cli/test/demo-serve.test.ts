/**
 * `keyaudit demo --serve`: after the demo, the emulator keeps serving the AuditOrganization state
 * machine (Step Functions over the local runner) and the auditor stack's outputs, so the
 * operations commands run against it as against AWS. The test runs the real `keyaudit status`
 * binary with the environment the demo prints, and checks it lists the demo's execution.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runDemo } from '../src/commands/demo';

const BIN = resolve(import.meta.dirname, '../bin/keyaudit.js');

function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('keyaudit demo --serve', () => {
  const out = mkdtempSync(join(tmpdir(), 'keyaudit-serve-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('prints the environment, and keyaudit status run with it lists the demo execution', async () => {
    const stderr: string[] = [];
    let stop: () => void = () => {};
    const until = new Promise<void>((done) => {
      stop = done;
    });
    let checks: Promise<{ code: number | null; stdout: string; stderr: string }> | undefined;
    const io = {
      out: () => {},
      color: false,
      err: (text: string) => {
        stderr.push(text);
        if (!text.includes('Ctrl-C stops it')) return;
        // The line the demo tells the reader to paste, turned into an environment.
        const line = text.split('\n').find((l) => l.trim().startsWith('export AWS_ENDPOINT_URL=')) ?? '';
        const env = Object.fromEntries(
          line
            .trim()
            .replace(/^export /, '')
            .split(' ')
            .map((pair) => pair.split('=', 2) as [string, string]),
        );
        checks = run(['status', '--json'], env).finally(() => stop());
      },
    };
    const result = await runDemo(
      { accounts: 8, users: 4, seed: 7, out, dryRun: false, json: false, serve: true, until },
      io,
      false,
    );
    expect(result.exitCode).toBe(0);
    const status = await checks;
    expect(status?.code, status?.stderr).toBe(0);
    const executions = JSON.parse(status?.stdout ?? '[]') as {
      name: string;
      status: string;
      audited: number;
    }[];
    // Today's run went through the emulator's Step Functions; yesterday's ran directly.
    expect(executions.map((e) => [e.name, e.status])).toEqual([[result.executionName, 'SUCCEEDED']]);
    expect(stderr.join('\n')).toContain('pnpm keyaudit rerun --failed-from arn:aws:states:');
  }, 180_000);
});
