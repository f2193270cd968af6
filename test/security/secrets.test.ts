/**
 * Security as tests, on a full run: no secret the emulator ever issued (user keys' secrets, the
 * auditor's secret, assumed-role secrets and session tokens) appears in a log line, on stdout or
 * stderr, in the digest, the report, a DLQ message or the execution result; full key ids appear
 * in the report only, masked in the email. Faults are on, so the error paths log too.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type LocalEnv,
  readOutcome,
  recordingTelemetry,
  runLocal,
  startLocalEnv,
} from '../support/local-env';

const NAME = 'security-full-run';

let env: LocalEnv;
const logs = recordingTelemetry();
const printed: string[] = [];
let resultText = '';

/** Every secret the emulator knows, read from its credential database after the run. */
function issuedSecrets(e: LocalEnv): string[] {
  const secrets = new Set<string>([e.emulator.auditor.secretAccessKey]);
  for (const credential of e.emulator.state.credentials.values()) {
    secrets.add(credential.secretAccessKey);
    if (credential.principal.kind === 'role' && credential.principal.sessionToken !== null) {
      secrets.add(credential.principal.sessionToken);
    }
  }
  return [...secrets];
}

/** Every user access key id in the organization (the ids findings may name). */
function userKeyIds(e: LocalEnv): string[] {
  return [...e.emulator.state.accounts.values()].flatMap((a) =>
    a.users.flatMap((u) => u.keys.map((k) => k.accessKeyId)),
  );
}

beforeAll(async () => {
  env = await startLocalEnv({ preset: 'faults', accounts: 40, users: 4, seed: 'security' });
  const victims = env.emulator.expected.accounts
    .filter((a) => a.expectedStatus === 'AUDITED')
    .map((a) => a.accountId);
  // Error paths are where credentials leak (SDK errors carry the signed request): exercise them.
  env.emulator.faults.merge({
    errorRate: { rate: 0.5, kind: '5xx', services: ['iam'], accounts: victims.slice(0, 3) },
  });
  env.emulator.faults.merge({ reportStuck: { accounts: victims.slice(3, 4) } });
  const capture = (chunk: unknown) => {
    printed.push(String(chunk));
    return true;
  };
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  const consoleSpies = (['log', 'info', 'warn', 'error', 'debug'] as const).map((level) =>
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      printed.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
    }),
  );
  try {
    const result = await runLocal(env, {
      executionName: NAME,
      telemetry: logs,
      wrapTasks: (tasks) => ({
        ...tasks,
        auditAccount: async (event: never) => {
          // An unexpected crash goes through the Catch path, which logs and forwards the error.
          if ((event as { accountId?: string }).accountId === victims[4])
            throw new Error('boom: unexpected crash');
          return tasks.auditAccount(event);
        },
      }),
    });
    resultText = JSON.stringify(result);
  } finally {
    out.mockRestore();
    err.mockRestore();
    for (const spy of consoleSpies) spy.mockRestore();
  }
}, 180_000);

afterAll(async () => {
  await env?.stop();
});

describe('secrets never leave the credential chain', () => {
  it('the run logged, and assumed roles, so there was something to leak', () => {
    expect(logs.lines.length).toBeGreaterThan(40);
    const sessions = [...env.emulator.state.credentials.values()].filter((c) => c.principal.kind === 'role');
    expect(sessions.length).toBeGreaterThan(30);
  });

  it('no secret access key or session token in any log line, stdout or stderr', () => {
    const text = [logs.dump(), ...printed].join('\n');
    for (const secret of issuedSecrets(env)) expect(text.includes(secret), 'a secret was logged').toBe(false);
  });

  it('no secret in any stored object (report, CSV, digest, per-account results), DLQ message or published email', () => {
    const { messaging, resources } = env.emulator;
    const objects = messaging.objects(resources.reportBucket);
    for (const file of ['report.json', 'report.csv', 'digest.txt'])
      expect(objects.has(`reports/${NAME}/${file}`)).toBe(true);
    const audited = env.emulator.expected.accounts.filter((a) => a.expectedStatus === 'AUDITED').length;
    expect([...objects.keys()].filter((k) => k.startsWith(`runs/${NAME}/accounts/`)).length).toBeGreaterThan(
      audited - 6,
    );
    const stored = [...objects.values()].map((b) => b.toString('utf8'));
    const queued = Object.values(resources.queues).flatMap((url) =>
      messaging.queueMessages(url).map((m) => m.body),
    );
    const emails = messaging.published().map((m) => `${m.subject ?? ''}\n${m.message}`);
    const secrets = issuedSecrets(env);
    for (const [label, texts] of [
      ['S3', stored],
      ['SQS', queued],
      ['SNS', emails],
      ['execution result', [resultText]],
    ] as const) {
      const all = texts.join('\n');
      for (const secret of secrets) expect(all.includes(secret), `a secret reached ${label}`).toBe(false);
    }
  });

  it('the error paths really ran: failures were caught and forwarded', () => {
    const outcome = readOutcome(env.emulator, NAME);
    expect(outcome.accountFailures.some((m) => (m.cause ?? '').includes('boom'))).toBe(true);
    expect(outcome.accountFailures.length).toBeGreaterThanOrEqual(3);
  });
});

describe('key ids: in full in the report, masked in the email', () => {
  it('the report names flagged keys in full; the email shows only their masked form', () => {
    const outcome = readOutcome(env.emulator, NAME);
    const report = outcome.report;
    expect(report).not.toBeNull();
    const reportedIds = (report?.accounts ?? [])
      .flatMap((a) => [...a.findings, ...a.exempted])
      .map((f) => f.accessKeyId)
      .filter((id): id is string => id !== null && !id.startsWith('(') && id.length >= 16);
    expect(reportedIds.length).toBeGreaterThan(10);
    const known = new Set(userKeyIds(env));
    for (const id of reportedIds) expect(known.has(id), `${id} is a real key of the organization`).toBe(true);

    const csv = env.emulator.messaging
      .objects(env.emulator.resources.reportBucket)
      .get(`reports/${NAME}/report.csv`);
    expect(csv?.toString('utf8')).toContain(reportedIds[0]);

    const emails = env.emulator.messaging.published();
    expect(emails).toHaveLength(1);
    const email = `${emails[0]?.subject ?? ''}\n${emails[0]?.message ?? ''}`;
    for (const id of known) expect(email.includes(id), `full key id ${id} in the email`).toBe(false);
    // AKIA…WXYZ: first four and last four characters around an ellipsis.
    for (const id of reportedIds.slice(0, 20)) expect(email).toContain(`${id.slice(0, 4)}…${id.slice(-4)}`);
  });

  it('no log line, DLQ message or execution result carries a full user key id either', () => {
    const { messaging, resources } = env.emulator;
    const queued = Object.values(resources.queues).flatMap((url) =>
      messaging.queueMessages(url).map((m) => m.body),
    );
    const text = [logs.dump(), ...printed, ...queued, resultText].join('\n');
    for (const id of userKeyIds(env))
      expect(text.includes(id), `full key id ${id} outside the report`).toBe(false);
  });
});
