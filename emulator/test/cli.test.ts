import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ListAccountsCommand } from '@aws-sdk/client-organizations';
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../src/cli';
import { organizationFromSpec } from '../src/generate';
import { startEmulator } from '../src/index';
import { auditorCredentials, organizations } from './helpers';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const NOW = new Date('2025-06-15T12:00:00Z');

describe('command line', () => {
  it('parses the documented flags', () => {
    const { options, expectOut } = parseCommandLine([
      '--port',
      '4566',
      '--accounts',
      '12',
      '--users',
      '3',
      '--seed',
      '9',
      '--expect-out',
      'x.json',
    ]);
    expect(options).toMatchObject({ port: 4566, accounts: 12, users: 3, seed: 9 });
    expect(expectOut).toBe('x.json');
  });

  it('rejects bad flags with one clear error naming the flag', () => {
    expect(() => parseCommandLine(['--accounts', 'ten'])).toThrow(
      /--accounts must be an integer >= 2; got "ten"/,
    );
    expect(() => parseCommandLine(['--port', '70000'])).toThrow(/--port must be at most 65535/);
    expect(() => parseCommandLine(['--colour'])).toThrow(/Unknown option '--colour'/);
    expect(() => parseCommandLine(['--now', 'yesterday'])).toThrow(/--now must be an ISO-8601 date/);
    expect(() => parseCommandLine(['--org-file', '/nonexistent/org.json'])).toThrow(
      /--org-file \/nonexistent\/org.json/,
    );
  });

  it('prints the export lines, then exactly one listening line, writes --expect-out, and exits 0 on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emulator-cli-'));
    const expectOut = join(dir, 'expected.json');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', MAIN, '--accounts', '6', '--users', '2', '--seed', '4', '--expect-out', expectOut],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      },
    );
    let stdout = '';
    const listening = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (stdout.includes('emulator listening on ')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`exited early with ${code}`)));
    });
    await listening;
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('emulator listening on '))).toHaveLength(1);
    expect(lines.at(-1)).toMatch(/^emulator listening on http:\/\/127\.0\.0\.1:\d+$/);
    const exports = Object.fromEntries(
      lines.slice(0, -1).map((l) => {
        const m = /^export ([A-Z_]+)=(.*)$/.exec(l);
        return [m?.[1], m?.[2]];
      }),
    );
    expect(exports['AWS_ACCESS_KEY_ID']).toMatch(/^AKIA/);
    expect(exports['AWS_SECRET_ACCESS_KEY']).toHaveLength(40);
    expect(exports['AWS_REGION']).toBe('us-east-1');
    expect(exports['AWS_ENDPOINT_URL']).toBe(lines.at(-1)?.replace('emulator listening on ', ''));
    expect(exports['KEYAUDIT_ROLE_NAME']).toBe('OrgKeyAuditRole');
    const expected = JSON.parse(readFileSync(expectOut, 'utf8')) as {
      seed: number;
      accounts: unknown[];
      thresholds: Record<string, unknown>;
      findings: Record<string, unknown>[];
    };
    expect(expected.seed).toBe(4);
    expect(expected.accounts).toHaveLength(6);
    // Each finding with its severity and whole-day age, and the thresholds that judged them.
    expect(expected.thresholds).toMatchObject({ rotationOverdueDays: 90, reminderDays: [90] });
    expect(expected.findings.length).toBeGreaterThan(0);
    for (const f of expected.findings) {
      expect(Object.keys(f).sort()).toEqual(
        ['accessKeyId', 'accountId', 'ageDays', 'severity', 'type', 'userName'].sort(),
      );
      expect(['critical', 'high', 'medium', 'low', 'info']).toContain(f['severity']);
      expect(Number.isInteger(f['ageDays'])).toBe(true);
    }
  });
});

describe('--org-file specs', () => {
  const spec = {
    now: '2025-06-15T12:00:00Z',
    accounts: [
      { id: '111111111111', name: 'management' },
      { id: '222222222222', name: 'security' },
      {
        id: '333333333333',
        name: 'exact',
        rootKeys: [{ ageDays: 10 }],
        users: [
          {
            name: 'ops',
            tags: { 'org-key-audit:exempt': 'migration;until=2025-06-15' },
            keys: [{ ageDays: 90, lastUsedDaysAgo: 50 }],
          },
          {
            name: 'dev',
            tags: { 'org-key-audit:exempt': 'old;until=2025-06-14' },
            keys: [
              { ageDays: 85, lastUsedDaysAgo: 1 },
              { ageDays: 8, lastUsedDaysAgo: null },
            ],
          },
          { name: 'gone', keys: [{ ageDays: 31, status: 'Inactive' }] },
        ],
      },
      { id: '444444444444', name: 'no-role', auditRole: false },
      { id: '555555555555', name: 'closing', state: 'PENDING_CLOSURE' },
    ],
  };

  it('derives expectations from the rules written out by hand for each planted key', () => {
    const org = organizationFromSpec(spec);
    expect(org.now.toISOString()).toBe('2025-06-15T12:00:00.000Z');
    const ids =
      org.org.accounts.get('333333333333')?.users.map((u) => u.keys.map((k) => k.accessKeyId)) ?? [];
    const strip = (
      list: readonly {
        userName: string;
        accessKeyId: string | null;
        type: string;
        severity: string;
        ageDays: number;
      }[],
    ) => list.map((f) => `${f.userName} ${f.accessKeyId} ${f.type} ${f.severity} ${f.ageDays}`).sort();
    expect(strip(org.expected.findings)).toEqual(
      [
        `<root_account> null ROOT_ACCESS_KEY critical 10`,
        `dev ${ids[1]?.[0]} ROTATION_DUE_SOON low 85`,
        `dev ${ids[1]?.[0]} TWO_ACTIVE_KEYS low 85`,
        `dev ${ids[1]?.[1]} NEVER_USED medium 8`,
        `gone ${ids[2]?.[0]} INACTIVE_KEY_LINGERING info 31`,
      ].sort(),
    );
    // The exemption runs through its last day (inclusive).
    expect(strip(org.expected.exempted)).toEqual(
      [
        `ops ${ids[0]?.[0]} REMINDER_DAY info 90`,
        `ops ${ids[0]?.[0]} ROTATION_OVERDUE high 90`,
        `ops ${ids[0]?.[0]} UNUSED medium 90`,
      ].sort(),
    );
    expect(org.expected.accounts.map((a) => a.expectedStatus)).toEqual([
      'AUDITED',
      'AUDITED',
      'AUDITED',
      'FAILED',
      'SKIPPED',
    ]);
  });

  it('names the offending field in a bad spec', () => {
    const bad = structuredClone(spec) as {
      accounts: { users?: { keys: { lastUsedDaysAgo?: number }[] }[] }[];
    };
    const key = bad.accounts[2]?.users?.[0]?.keys[0];
    if (key !== undefined) key.lastUsedDaysAgo = 200;
    expect(() => organizationFromSpec(bad)).toThrow(
      /accounts\.2\.users\.0\.keys\.0\.lastUsedDaysAgo: lastUsedDaysAgo must be <= ageDays/,
    );
    expect(() => organizationFromSpec({ accounts: [{ id: '12', name: 'x' }] })).toThrow(
      /accounts\.0\.id: account ids are 12-digit/,
    );
    expect(() => organizationFromSpec({ accounts: [spec.accounts[0]] })).toThrow(
      /accounts: give at least 2 accounts/,
    );
  });

  it('is what --org-file starts, end to end', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'emulator-spec-'));
    const file = join(dir, 'org.json');
    writeFileSync(file, JSON.stringify(spec));
    const { options } = parseCommandLine(['--org-file', file]);
    const emu = await startEmulator({ ...options, now: NOW });
    try {
      const listed = await organizations(emu, auditorCredentials(emu)).send(new ListAccountsCommand({}));
      expect(listed.Accounts?.map((a) => [a.Name, a.State])).toEqual([
        ['management', 'ACTIVE'],
        ['security', 'ACTIVE'],
        ['exact', 'ACTIVE'],
        ['no-role', 'ACTIVE'],
        ['closing', 'PENDING_CLOSURE'],
      ]);
    } finally {
      await emu.stop();
    }
  });
});
