/**
 * Startup benchmark: `pnpm exec tsx emulator/bench/startup.ts [accounts] [users]`.
 * The emulator must start 10,000 accounts × 20 users in under 10 s and 1 GiB on 2 cores;
 * this prints the time to "listening" and the heap and RSS after a forced GC when available.
 */
import { startEmulator } from '../src/index';

const accounts = Number(process.argv[2] ?? 10_000);
const users = Number(process.argv[3] ?? 20);
const started = performance.now();
const emu = await startEmulator({ accounts, users, seed: 1 });
const elapsedMs = performance.now() - started;
(globalThis as { gc?: () => void }).gc?.();
const memory = process.memoryUsage();
const result = {
  accounts,
  users,
  startMs: Math.round(elapsedMs),
  heapUsedMiB: Math.round(memory.heapUsed / 2 ** 20),
  rssMiB: Math.round(memory.rss / 2 ** 20),
  expectedFindings: emu.expected.findings.length,
  withinBudget: elapsedMs < 10_000 && memory.rss < 2 ** 30,
};
console.log(JSON.stringify(result));
await emu.stop();
process.exit(result.withinBudget ? 0 : 1);
