/**
 * The emulator hands out credentials and holds a whole organization's data: it, and every other
 * server the repository starts, must be reachable from this machine only (127.0.0.1).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '@org-key-audit/emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SOURCE_DIRS = ['emulator', 'cli', 'bench', 'statemachine', 'functions', 'infra', 'test'];

let emulator: Awaited<ReturnType<typeof startEmulator>>;
beforeAll(async () => {
  emulator = await startEmulator({ accounts: 3 });
});
afterAll(async () => {
  await emulator?.stop();
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    // Generated output (dependencies, synthesized templates, the CLI's bundle) is not our source.
    if (entry.isDirectory())
      return ['node_modules', 'cdk.out', 'dist'].includes(entry.name) ? [] : sourceFiles(path);
    return /\.(ts|js|mjs)$/.test(entry.name) ? [path] : [];
  });
}

/** Resolves true when a TCP connection to host:port is accepted. */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(2_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

describe('servers bind to 127.0.0.1 only', () => {
  it('the emulator advertises and accepts 127.0.0.1', async () => {
    expect(new URL(emulator.url).hostname).toBe('127.0.0.1');
    expect(await accepts('127.0.0.1', emulator.port)).toBe(true);
  });

  it("the emulator refuses connections on this machine's other addresses", async () => {
    const others = Object.values(networkInterfaces())
      .flatMap((list) => list ?? [])
      .filter((a) => !a.internal)
      .map((a) => a.address);
    // A sandbox may have no other interface at all: then nothing can reach the port from outside either.
    for (const address of others) expect(await accepts(address, emulator.port), address).toBe(false);
  });

  it('every listen() in the repository passes 127.0.0.1 as the host', () => {
    const calls: { file: string; line: string }[] = [];
    for (const dir of SOURCE_DIRS) {
      for (const file of sourceFiles(join(ROOT, dir))) {
        readFileSync(file, 'utf8')
          .split('\n')
          .filter((line) => /\.listen\(/.test(line))
          .forEach((line) => {
            calls.push({ file: relative(ROOT, file), line: line.trim() });
          });
      }
    }
    // The emulator's own server is among them, so this cannot pass by finding nothing.
    expect(calls.some((c) => c.file.startsWith('emulator/src/'))).toBe(true);
    for (const call of calls) {
      // This file's own pattern and comments are not calls.
      if (call.file === 'test/security/loopback.test.ts') continue;
      expect(call.line, call.file).toMatch(/\.listen\([^)]*'127\.0\.0\.1'/);
    }
  });
});
