/**
 * The use cases on in-memory ports (docs/architecture.md: app/ holds the use cases, written
 * against small ports; telemetry is a port too, so what they log and count can be asserted on).
 * These cases close gaps mutation testing found (docs/mutation-testing.md): the console link in
 * the digest, which records BuildDigest reads, what AuditAccount passes on and returns, and the
 * log lines and metrics each use case emits.
 */
import { describe, expect, it } from 'vitest';
import { reportBytes } from '../../../test/support/credential-report-csv';
import { auditAccount } from '../../src/app/audit-account';
import { buildDigest } from '../../src/app/build-digest';
import { planRun } from '../../src/app/plan-run';
import { publishDigest } from '../../src/app/publish-digest';
import { REDACTED, recordingTelemetry, redact, withLogKeys } from '../../src/app/telemetry';
import {
  type AccountAudit,
  type Finding,
  type PrincipalCredentials,
  SCHEMA_VERSION,
} from '../../src/core/model';
import type { OrganizationEntry } from '../../src/core/run-layout';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';
import { memoryIam, memoryMembers } from './memory-iam';
import { memoryRecords } from './memory-records';

const EXECUTION = 'run-2026-12-01';
const ORG_KEY = `runs/${EXECUTION}/organization.json`;
const ARN = `arn:aws:states:eu-west-1:999999999999:execution:AuditOrganization:${EXECUTION}`;
const NOW = new Date('2026-12-01T07:00:00Z');
const DAY = 86_400_000;
const INPUT = { accountIds: null, dryRun: false, thresholds: {}, reason: 'daily' } as const;

const entry = (accountId: string, decision: 'AUDIT' | 'SKIP'): OrganizationEntry => ({
  accountId,
  accountName: `acct-${accountId.slice(-2)}`,
  state: decision === 'AUDIT' ? 'ACTIVE' : 'SUSPENDED',
  decision,
  ...(decision === 'SKIP' ? { reason: 'the account is suspended' } : {}),
});

const finding = (accountId: string): Finding => ({
  accountId,
  userName: 'deploy-bot',
  userArn: `arn:aws:iam::${accountId}:user/deploy-bot`,
  accessKeyId: 'AKIAEXAMPLEKEY000001',
  keySlot: 1,
  status: 'Active',
  createdAt: '2026-06-01T10:00:00.000Z',
  ageDays: 183,
  lastUsedAt: '2026-11-30T08:00:00.000Z',
  lastUsedService: 's3',
  type: 'ROTATION_OVERDUE',
  severity: 'high',
});

const audited = (accountId: string, over: Partial<AccountAudit> = {}): AccountAudit => ({
  schemaVersion: SCHEMA_VERSION,
  accountId,
  accountName: accountId,
  status: 'AUDITED',
  strategy: 'credential-report',
  reportGeneratedAt: null,
  counts: { users: 1, activeKeys: 1, inactiveKeys: 0, findings: 0, exempted: 0, apiCalls: {} },
  findings: [],
  exempted: [],
  warnings: [],
  ...over,
});

describe('buildDigest', () => {
  const organization = { [ORG_KEY]: [entry('111111111111', 'AUDIT'), entry('222222222222', 'SKIP')] };

  async function run(
    options: { consoleRegion?: string | null; executionArn?: string; map?: readonly unknown[] } = {},
  ) {
    const records = memoryRecords({
      organization,
      audits: [
        audited('111111111111', {
          findings: [finding('111111111111')],
          exempted: [finding('111111111111')],
          warnings: ['note'],
        }),
        // A stored result for a skipped account is not the run's: it is never read.
        audited('222222222222'),
      ],
    });
    const asked: string[][] = [];
    const read = records.readAccountResults;
    records.readAccountResults = (name, ids) => {
      asked.push([...ids]);
      return read(name, ids);
    };
    const telemetry = recordingTelemetry();
    const result = await buildDigest(
      {
        records,
        thresholds: DEFAULT_THRESHOLDS,
        telemetry,
        now: () => NOW,
        ...(options.consoleRegion === undefined ? {} : { consoleRegion: options.consoleRegion }),
      },
      {
        executionName: EXECUTION,
        executionArn: options.executionArn ?? ARN,
        input: { ...INPUT, thresholds: { unusedDays: 10 } },
        organizationKey: ORG_KEY,
        map: options.map ?? [],
      },
    );
    const digest = records.written.get(result.digestKey) ?? '';
    return { result, records, asked, telemetry, digest };
  }

  it('links the execution in the console of the region given, only for a Step Functions ARN', async () => {
    const url = `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${encodeURIComponent(ARN)}`;
    expect((await run({ consoleRegion: 'eu-west-1' })).digest).toContain(`  Execution:   ${url}`);
    for (const options of [
      {},
      { consoleRegion: null },
      { consoleRegion: '' },
      { consoleRegion: 'eu-west-1', executionArn: `arn:local:states:${EXECUTION}` },
    ]) {
      expect((await run(options)).digest, JSON.stringify(options)).toContain(
        '  Execution:   (not available)',
      );
    }
  });

  it('reads the stored results of the audited accounts only', async () => {
    expect((await run()).asked).toEqual([['111111111111']]);
  });

  it('shows the deployed thresholds merged with the execution override in the report', async () => {
    const { records } = await run();
    expect(records.reports.get(EXECUTION)?.thresholds).toEqual({ ...DEFAULT_THRESHOLDS, unusedDays: 10 });
  });

  it('counts accounts by status, findings by type and exempted findings, and logs the run', async () => {
    const { telemetry } = await run({ map: [{ accountId: null }] });
    const metric = (name: string, dims: Record<string, string> = {}) =>
      telemetry.metricsSeen.find(
        (m) => m.name === name && JSON.stringify(m.dimensions) === JSON.stringify(dims),
      )?.value;
    expect(metric('Accounts', { Status: 'AUDITED' })).toBe(1);
    expect(metric('Accounts', { Status: 'SKIPPED' })).toBe(1);
    expect(metric('Findings', { FindingType: 'ROTATION_OVERDUE' })).toBe(1);
    expect(metric('ExemptedFindings')).toBe(1);
    const warn = telemetry.lines.find((l) => l.level === 'warn');
    expect(warn?.message).toBe('map results with warnings');
    expect(warn?.attributes).toEqual({
      warnings: ['a Map iteration (unknown execution) named no account; it was ignored'],
    });
    const info = telemetry.lines.find((l) => l.message === 'digest built');
    expect(info).toMatchObject({
      level: 'info',
      attributes: { accounts: 2, audited: 1, failed: 0, skipped: 1, findings: 1, accountsWithWarnings: 1 },
      keys: { executionName: EXECUTION },
    });
  });

  it('logs no warning line when the Map records are all usable', async () => {
    const { telemetry } = await run();
    expect(telemetry.lines.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('keeps at most 20 Map warnings in the log line', async () => {
    const { telemetry } = await run({ map: Array.from({ length: 25 }, () => ({})) });
    const warn = telemetry.lines.find((l) => l.level === 'warn');
    expect(warn?.attributes).toEqual({ warnings: Array.from({ length: 20 }, () => expect.any(String)) });
  });
});

describe('auditAccount', () => {
  const ACCOUNT = '111111111111';
  const key = (id: string, ageDays: number) => ({
    slot: 1 as const,
    accessKeyId: id,
    status: 'Active' as const,
    createdAt: new Date(NOW.getTime() - ageDays * DAY),
    lastUsedAt: new Date(NOW.getTime() - DAY),
    lastUsedService: 's3',
    lastUsedRegion: 'eu-west-1',
  });
  const user = (userName: string): PrincipalCredentials => ({
    userName,
    userArn: `arn:aws:iam::${ACCOUNT}:user/${userName}`,
    isRoot: false,
    keys: [key(`AKIA${userName.toUpperCase().padEnd(16, 'X')}`, 200)],
  });

  function deps(iam: ReturnType<typeof memoryIam>, over: Record<string, unknown> = {}) {
    const records = memoryRecords({ organization: {} });
    const telemetry = recordingTelemetry();
    return {
      records,
      telemetry,
      deps: {
        members: memoryMembers({ [ACCOUNT]: iam }),
        records,
        exemptions: [],
        telemetry,
        now: () => NOW,
        ...over,
      },
    };
  }
  const request = { accountId: ACCOUNT, executionName: EXECUTION, thresholds: DEFAULT_THRESHOLDS };

  it('passes the strategy on: per-user never asks for the credential report', async () => {
    const iam = memoryIam({ principals: [user('ann')], rootKeysPresent: false });
    const { deps: d, records } = deps(iam, { strategy: 'per-user' });
    await auditAccount(d, request);
    expect(iam.calls).not.toContain('credentialReport');
    expect(
      JSON.parse(records.written.get(`runs/${EXECUTION}/accounts/${ACCOUNT}.json`) ?? '{}').strategy,
    ).toBe('per-user');
  });

  it('passes the concurrency on: with 1, each flagged user is followed up before the next starts', async () => {
    const created = new Date(NOW.getTime() - 200 * DAY);
    const names = ['ann', 'bob', 'cid'];
    const seed = {
      report: {
        content: reportBytes(
          names.map((u) => ({ user: u, keys: [{ active: true, lastRotated: created, lastUsed: NOW }] })),
          ACCOUNT,
        ),
        generatedAt: NOW,
      },
      liveKeys: Object.fromEntries(
        names.map((u) => [
          u,
          [{ accessKeyId: `AKIA${u.toUpperCase()}`, status: 'Active' as const, createDate: created }],
        ]),
      ),
      rootKeysPresent: false,
    };
    const followUps = (calls: readonly string[]) => calls.filter((c) => c.includes(' '));
    const one = memoryIam(seed);
    await auditAccount(deps(one, { concurrency: 1 }).deps, request);
    expect(followUps(one.calls)).toEqual([
      'liveAccessKeys ann',
      'userTags ann',
      'liveAccessKeys bob',
      'userTags bob',
      'liveAccessKeys cid',
      'userTags cid',
    ]);
    // Without it, the default lets several users be followed up at once.
    const many = memoryIam(seed);
    await auditAccount(deps(many).deps, request);
    expect(followUps(many.calls).slice(0, 2)).toEqual(['liveAccessKeys ann', 'liveAccessKeys bob']);
  });

  it('an audited account returns no errorName or reason fields at all', async () => {
    const { deps: d } = deps(memoryIam({ principals: [user('ann')], rootKeysPresent: false }), {
      strategy: 'per-user',
    });
    const result = await auditAccount(d, request);
    expect(Object.keys(result).sort()).toEqual(['accountId', 'findings', 'resultKey', 'status']);
  });

  it('logs the audit with its counts, and a missing role as a warning', async () => {
    const iam = memoryIam({ principals: [user('ann')], rootKeysPresent: false });
    const { deps: d, telemetry } = deps(iam, { strategy: 'per-user' });
    await auditAccount(d, request);
    expect(telemetry.lines.find((l) => l.message === 'account audited')).toMatchObject({
      level: 'info',
      attributes: {
        status: 'AUDITED',
        strategy: 'per-user',
        findings: 1,
        exempted: 0,
        apiCalls: { 'memory:calls': 3 },
      },
      keys: { executionName: EXECUTION, accountId: ACCOUNT },
    });

    const missing = deps(iam, { members: memoryMembers({}) });
    const result = await auditAccount(missing.deps, request);
    expect(result).toMatchObject({ status: 'FAILED', errorName: 'AuditRoleMissingError' });
    expect(missing.telemetry.lines.find((l) => l.level === 'warn')).toMatchObject({
      message: 'audit role missing',
      attributes: { errorName: 'AuditRoleMissingError' },
    });
  });
});

describe('planRun and publishDigest log what they did', () => {
  it('planRun logs the listing under the execution name', async () => {
    const telemetry = recordingTelemetry();
    const records = memoryRecords({ organization: {} });
    await planRun(
      {
        organization: {
          viaOrgReaderRole: true,
          listAccounts: async () => [
            { accountId: '111111111111', accountName: 'a', email: 'a@example.com', state: 'ACTIVE' },
            { accountId: '222222222222', accountName: 'b', email: 'b@example.com', state: 'SUSPENDED' },
          ],
        },
        records,
        maxConcurrency: 5,
        telemetry,
      },
      { executionName: EXECUTION, input: INPUT },
    );
    expect(telemetry.lines).toEqual([
      {
        level: 'info',
        message: 'organization listed',
        attributes: { organizationAccounts: 2, toAudit: 1, skipped: 1, viaOrgReaderRole: true },
        keys: { executionName: EXECUTION },
      },
    ]);
  });

  it('publishDigest logs a dry run with the digest key, and a publish with the id and size', async () => {
    const records = memoryRecords({ organization: {}, texts: { 'reports/r/digest.txt': 'héllo' } });
    const dry = recordingTelemetry();
    await publishDigest(
      { records, publisher: () => ({ publish: async () => ({ messageId: 'm-1' }) }), telemetry: dry },
      { dryRun: true, subject: 's', digestKey: 'reports/r/digest.txt' },
    );
    expect(dry.lines.map((l) => [l.message, l.attributes])).toEqual([
      ['dry run: digest not published', { digestKey: 'reports/r/digest.txt' }],
    ]);
    const sent = recordingTelemetry();
    await publishDigest(
      { records, publisher: () => ({ publish: async () => ({ messageId: 'm-1' }) }), telemetry: sent },
      { dryRun: false, subject: 's', digestKey: 'reports/r/digest.txt' },
    );
    // 'héllo' is 6 bytes in UTF-8 (é takes two).
    expect(sent.lines.map((l) => [l.message, l.attributes])).toEqual([
      ['digest published', { messageId: 'm-1', bytes: 6 }],
    ]);
  });
});

describe('telemetry', () => {
  it('redacts secret-named attributes down to depth 8, and stops descending after that', () => {
    let nested: Record<string, unknown> = { token: 'deep-secret' };
    for (let i = 0; i < 8; i++) nested = { level: nested };
    // token sits at depth 8: still redacted.
    expect(JSON.stringify(redact(nested))).not.toContain('deep-secret');
    const deeper = { level: nested };
    // One level more: depth 9 is returned as it is.
    expect(JSON.stringify(redact(deeper))).toContain('deep-secret');
    expect(JSON.stringify(redact([[{ password: 'p' }]]))).toBe(`[[{"password":"${REDACTED}"}]]`);
  });

  it('terminates on cyclic attributes', () => {
    const cyclic: Record<string, unknown> = { name: 'x' };
    cyclic['self'] = cyclic;
    const list: unknown[] = [];
    list.push(list);
    expect(() => redact(cyclic)).not.toThrow();
    expect(() => redact(list)).not.toThrow();
  });

  it('withLogKeys removes its keys even when the work throws', async () => {
    const telemetry = recordingTelemetry();
    await expect(
      withLogKeys(telemetry.log, { executionName: 'r' }, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    telemetry.log.info('after');
    expect(telemetry.lines).toEqual([{ level: 'info', message: 'after', attributes: undefined, keys: {} }]);
  });

  it('the recorder keeps attributes (redacted), none when there are none, and resets its keys', () => {
    const telemetry = recordingTelemetry();
    telemetry.log.appendKeys({ executionName: 'r' });
    telemetry.log.warn('with', { secretValue: 's', n: 1 });
    telemetry.log.resetKeys();
    telemetry.log.error('without');
    expect(telemetry.lines).toEqual([
      {
        level: 'warn',
        message: 'with',
        attributes: { secretValue: REDACTED, n: 1 },
        keys: { executionName: 'r' },
      },
      { level: 'error', message: 'without', attributes: undefined, keys: {} },
    ]);
  });
});
