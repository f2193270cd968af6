/**
 * Issue 3's emulator target: an organization of 10,000 accounts × 20 users starts in < 10 s and
 * < 1 GiB. Each measurement runs `emulator/bench/startup.ts` in a fresh node process, so the
 * time and the RSS are the emulator's alone.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface EmulatorStartupRow {
  readonly accounts: number;
  readonly users: number;
  readonly startMs: number;
  readonly rssMiB: number;
  readonly heapUsedMiB: number;
  readonly expectedFindings: number;
  readonly withinBudget: boolean;
}

const SCRIPT = fileURLToPath(new URL('../../emulator/bench/startup.ts', import.meta.url));

export function measureEmulatorStartup(accounts: number, users: number): EmulatorStartupRow {
  const run = spawnSync(process.execPath, ['--import', 'tsx', SCRIPT, String(accounts), String(users)], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(line) as EmulatorStartupRow;
  } catch {
    throw new Error(
      `emulator startup benchmark printed no result (exit ${run.status}): ${run.stderr.slice(-500)}`,
    );
  }
}
