/**
 * Owner routing end to end on in-memory records: BuildDigest assigns owners, keeps the full
 * digest and one digest per routed owner (with its manifest), and PublishDigest sends the full
 * one first, then each owner's with its `owner`. Expectations follow from the planted
 * organization (owners by OU and account tag), the users' owner tags and the routed owners.
 */
import { describe, expect, it } from 'vitest';
import { buildDigest } from '../../src/app/build-digest';
import type { DigestPublisher, OwnerDigestRef } from '../../src/app/ports';
import { publishDigest } from '../../src/app/publish-digest';
import { silentTelemetry } from '../../src/app/telemetry';
import type { NormalizedInput } from '../../src/core/execution-input';
import type { FindingsIndex } from '../../src/core/history';
import { type AccountAudit, type Finding, SCHEMA_VERSION } from '../../src/core/model';
import { DEFAULT_OWNER_RULES, type OwnerRules } from '../../src/core/owners';
import type { Report } from '../../src/core/report';
import { HISTORY_LATEST_KEY, historyIndexKey, type OrganizationEntry } from '../../src/core/run-layout';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';
import { memoryRecords } from './memory-records';

const A = '111111111111'; // payments, by OU
const B = '222222222222'; // data, by account tag
const C = '333333333333'; // no account owner
const D = '444444444444'; // payments by OU, but left no result: FAILED
const E = '555555555555'; // SUSPENDED: SKIPPED

const ORG: OrganizationEntry[] = [
  {
    accountId: A,
    accountName: 'pay-prod',
    state: 'ACTIVE',
    decision: 'AUDIT',
    owner: 'payments',
    ownerSource: 'ou',
  },
  {
    accountId: B,
    accountName: 'lake',
    state: 'ACTIVE',
    decision: 'AUDIT',
    owner: 'data',
    ownerSource: 'account-tag',
  },
  { accountId: C, accountName: 'shared', state: 'ACTIVE', decision: 'AUDIT' },
  {
    accountId: D,
    accountName: 'pay-dev',
    state: 'ACTIVE',
    decision: 'AUDIT',
    owner: 'payments',
    ownerSource: 'ou',
  },
  { accountId: E, accountName: 'old', state: 'SUSPENDED', decision: 'SKIP', reason: 'account is SUSPENDED' },
];

const RULES: OwnerRules = { ...DEFAULT_OWNER_RULES, routed: ['payments', 'data', 'security-team'] };

function finding(accountId: string, userName: string, ownerTag?: string): Finding {
  return {
    accountId,
    userName,
    userArn: `arn:aws:iam::${accountId}:user/${userName}`,
    accessKeyId: `AKIA${userName.toUpperCase().padEnd(16, '0')}`,
    keySlot: 1,
    status: 'Active',
    createdAt: '2026-06-01T10:00:00.000Z',
    ageDays: 183,
    lastUsedAt: null,
    lastUsedService: null,
    type: 'ROTATION_OVERDUE',
    severity: 'high',
    ...(ownerTag === undefined ? {} : { ownerTag }),
  };
}

const audited = (accountId: string, findings: Finding[]): AccountAudit => ({
  schemaVersion: SCHEMA_VERSION,
  accountId,
  accountName: accountId,
  status: 'AUDITED',
  strategy: 'credential-report',
  reportGeneratedAt: null,
  counts: { users: 3, activeKeys: 3, inactiveKeys: 0, findings: findings.length, exempted: 0, apiCalls: {} },
  findings,
  exempted: [],
  warnings: [],
});

const alice = finding(A, 'alice'); // payments (OU)
const bob = finding(A, 'bob', 'ml-team'); // ml-team (user tag), unrouted
const carol = finding(B, 'carol'); // data (account tag)
const dave = finding(C, 'dave'); // security-team (default)
const erin = finding(C, 'erin', 'payments'); // payments (user tag)
const DAY1 = [audited(A, [alice, bob]), audited(B, [carol]), audited(C, [dave, erin])];

const full: NormalizedInput = { accountIds: null, dryRun: false, thresholds: {}, reason: null };

async function run(
  day: string,
  audits: AccountAudit[],
  options: {
    before?: ReadonlyMap<string, string>;
    input?: NormalizedInput;
    rules?: OwnerRules;
    ownerWarnings?: string[];
  } = {},
) {
  const executionName = `run-${day}`;
  const orgKey = `runs/${executionName}/organization.json`;
  const records = memoryRecords({
    organization: { [orgKey]: ORG },
    audits,
    texts: Object.fromEntries(options.before ?? new Map()),
  });
  const result = await buildDigest(
    {
      records,
      thresholds: DEFAULT_THRESHOLDS,
      telemetry: silentTelemetry,
      now: () => new Date(`${day}T08:00:00Z`),
      owners: options.rules ?? RULES,
    },
    {
      executionName,
      executionArn: `arn:aws:states:eu-west-1:999999999999:execution:x:${executionName}`,
      input: options.input ?? full,
      organizationKey: orgKey,
      map: [],
      ...(options.ownerWarnings === undefined ? {} : { ownerWarnings: options.ownerWarnings }),
    },
  );
  const report = records.reports.get(executionName) as Report;
  const manifest =
    result.ownerDigestsKey === null
      ? []
      : (JSON.parse(records.written.get(result.ownerDigestsKey) ?? '{}') as { digests: OwnerDigestRef[] })
          .digests;
  const ownerBody = (owner: string) => {
    const ref = manifest.find((m) => m.owner === owner);
    return ref === undefined ? undefined : records.written.get(ref.key);
  };
  return { records, result, report, manifest, ownerBody, executionName };
}

/** Whether a digest lists the user's finding (a plain substring could match a header word). */
const lists = (body: string, userName: string) => body.includes(`- ${userName}  `);

const users = (report: { accounts: readonly AccountAudit[] }) =>
  report.accounts.flatMap((a) => a.findings.map((f) => `${f.userName}:${f.owner}:${f.ownerSource}`));

describe('BuildDigest routes findings to owners', () => {
  it('assigns every finding its owner and records the routing in the report', async () => {
    const { report } = await run('2026-12-01', DAY1);
    expect(users(report)).toEqual([
      'alice:payments:ou',
      'bob:ml-team:user-tag',
      'carol:data:account-tag',
      'dave:security-team:default',
      'erin:payments:user-tag',
    ]);
    expect(report.owners).toEqual({
      securityTeam: 'security-team',
      owners: [
        { owner: 'data', findings: 1, routed: true },
        { owner: 'ml-team', findings: 1, routed: false },
        { owner: 'payments', findings: 2, routed: true },
        { owner: 'security-team', findings: 1, routed: false },
      ],
    });
  });

  it('keeps one digest per routed owner, with only its findings and its accounts not audited', async () => {
    const { result, manifest, ownerBody, executionName } = await run('2026-12-01', DAY1);
    expect(result.ownerDigestsKey).toBe(`reports/${executionName}/owner-digests.json`);
    expect(manifest.map((m) => [m.owner, m.findings, m.key])).toEqual([
      ['data', 1, `reports/${executionName}/owners/data.txt`],
      ['payments', 2, `reports/${executionName}/owners/payments.txt`],
    ]);
    for (const m of manifest) expect(m.subject.startsWith(`[org-key-audit][${m.owner}] `)).toBe(true);

    const payments = ownerBody('payments') ?? '';
    expect(payments.split('\n')[0]).toBe('org-key-audit digest for payments');
    expect(lists(payments, 'alice')).toBe(true);
    expect(lists(payments, 'erin')).toBe(true);
    for (const other of ['bob', 'carol', 'dave']) expect(lists(payments, other)).toBe(false);
    // D is payments' and was not audited; E (skipped) and nobody else's accounts are not listed.
    expect(payments).toContain('ACCOUNTS NOT AUDITED (1)');
    expect(payments).toContain(D);
    expect(payments).not.toContain(E);
    expect(payments).not.toContain('ROUTING');

    const data = ownerBody('data') ?? '';
    expect(lists(data, 'carol')).toBe(true);
    for (const other of ['alice', 'bob', 'dave', 'erin']) expect(lists(data, other)).toBe(false);
    expect(data).not.toContain(D);
    expect(ownerBody('ml-team')).toBeUndefined();
    expect(ownerBody('security-team')).toBeUndefined();
  });

  it('gives the security team every finding, and names the routed and UNROUTED owners', async () => {
    const { records, result } = await run('2026-12-01', DAY1, {
      ownerWarnings: ['owner tags: 3 of 10 read'],
    });
    const body = records.written.get(result.digestKey) ?? '';
    expect(body.split('\n')[0]).toBe('org-key-audit digest');
    for (const u of ['alice', 'bob', 'carol', 'dave', 'erin']) expect(lists(body, u)).toBe(true);
    expect(body).toContain('BY OWNER');
    expect(body).toContain('  Sent to 2 owners as their own digest: data (1), payments (2)');
    expect(body).toContain(
      '  UNROUTED (1): owners with findings but no subscription; add them to owners.endpoints',
    );
    expect(body).toContain('    - ml-team: 1 finding');
    expect(body).not.toContain('    - security-team');
    // PlanRun's owner warnings are the run's warnings.
    expect(body).toContain('    - owner tags: 3 of 10 read');
    expect(result.subject.startsWith('[org-key-audit] ')).toBe(true);
  });

  it('sends an owner the good news: its resolved findings earn it a digest with no open finding', async () => {
    const day1 = await run('2026-12-01', DAY1);
    // Day 2: carol's key (data's only finding) is rotated.
    const day2 = await run(
      '2026-12-02',
      [audited(A, [alice, bob]), audited(B, []), audited(C, [dave, erin])],
      {
        before: day1.records.written,
      },
    );
    expect(day2.manifest.map((m) => [m.owner, m.findings])).toEqual([
      ['data', 0],
      ['payments', 2],
    ]);
    const data = day2.ownerBody('data') ?? '';
    expect(data).toContain('RESOLVED (1)');
    expect(data).toMatch(/ {4}- 222222222222 {2}carol .*: no longer reported/);
    expect(data).not.toContain('alice');
    const payments = day2.ownerBody('payments') ?? '';
    expect(payments).toContain('RESOLVED (0)');
  });

  it('keeps no owner digest when no owner is routed', async () => {
    const { result, records } = await run('2026-12-01', DAY1, { rules: { ...RULES, routed: [] } });
    expect(result.ownerDigestsKey).toBeNull();
    expect([...records.written.keys()].some((k) => k.includes('/owners/'))).toBe(false);
  });

  it('adds a trend point for a full run, and none for a dry run', async () => {
    const day1 = await run('2026-12-01', DAY1);
    expect(day1.report.trend).toEqual([
      {
        executionName: 'run-2026-12-01',
        at: '2026-12-01T08:00:00.000Z',
        bySeverity: { critical: 0, high: 5, medium: 0, low: 0, info: 0 },
      },
    ]);
    const index = JSON.parse(
      day1.records.written.get(historyIndexKey('run-2026-12-01')) ?? '{}',
    ) as FindingsIndex;
    expect(index.trend).toEqual(day1.report.trend);
    // The index keeps each finding's owner, so a later RESOLVED reaches it.
    expect(index.findings.map((f) => `${f.userName}:${f.owner}`).sort()).toEqual([
      'alice:payments',
      'bob:ml-team',
      'carol:data',
      'dave:security-team',
      'erin:payments',
    ]);

    const dry = await run('2026-12-02', DAY1, {
      before: day1.records.written,
      input: { accountIds: null, dryRun: true, thresholds: {}, reason: null },
    });
    expect(dry.report.trend).toEqual(day1.report.trend);
    expect(dry.records.written.has(historyIndexKey('run-2026-12-02'))).toBe(false);
    expect(JSON.parse(dry.records.written.get(HISTORY_LATEST_KEY) ?? '{}').executionName).toBe(
      'run-2026-12-01',
    );
  });
});

interface Sent {
  readonly subject: string;
  readonly body: string;
  readonly owner?: string;
}

function recordingPublisher(): DigestPublisher & { readonly sent: Sent[] } {
  const sent: Sent[] = [];
  return {
    sent,
    publish: async (message) => {
      sent.push({ ...message });
      return { messageId: `msg-${sent.length}` };
    },
  };
}

describe('PublishDigest sends the full digest, then each owner’s', () => {
  it('publishes the full digest first without an owner, then one per manifest entry with its owner', async () => {
    const { records, result } = await run('2026-12-01', DAY1);
    const publisher = recordingPublisher();
    const published = await publishDigest(
      { records, publisher: () => publisher, telemetry: silentTelemetry },
      {
        dryRun: false,
        subject: result.subject,
        digestKey: result.digestKey,
        ownerDigestsKey: result.ownerDigestsKey,
      },
    );
    expect(published).toEqual({ published: true, messageId: 'msg-1', ownerDigests: 2 });
    expect(publisher.sent).toHaveLength(3);
    const [first, ...owners] = publisher.sent;
    expect(first).toEqual({ subject: result.subject, body: records.written.get(result.digestKey) });
    expect(first).not.toHaveProperty('owner');
    expect(owners.map((m) => m.owner).sort()).toEqual(['data', 'payments']);
    for (const m of owners) {
      expect(m.subject.startsWith(`[org-key-audit][${m.owner}] `)).toBe(true);
      expect(m.body).toBe(records.written.get(`reports/run-2026-12-01/owners/${m.owner}.txt`));
      expect(m.body.split('\n')[0]).toBe(`org-key-audit digest for ${m.owner}`);
    }
  });

  it('publishes nothing on a dry run, and never asks for the publisher', async () => {
    const { records, result } = await run('2026-12-01', DAY1);
    const published = await publishDigest(
      {
        records,
        publisher: () => {
          throw new Error('no topic configured');
        },
        telemetry: silentTelemetry,
      },
      {
        dryRun: true,
        subject: result.subject,
        digestKey: result.digestKey,
        ownerDigestsKey: result.ownerDigestsKey,
      },
    );
    expect(published).toEqual({ published: false, messageId: null, ownerDigests: 0 });
  });

  it('fails before any publish when an owner digest object is missing', async () => {
    const { records, result } = await run('2026-12-01', DAY1);
    records.written.delete('reports/run-2026-12-01/owners/payments.txt');
    const publisher = recordingPublisher();
    await expect(
      publishDigest(
        { records, publisher: () => publisher, telemetry: silentTelemetry },
        {
          dryRun: false,
          subject: result.subject,
          digestKey: result.digestKey,
          ownerDigestsKey: result.ownerDigestsKey,
        },
      ),
    ).rejects.toThrow('reports/run-2026-12-01/owners/payments.txt');
    expect(publisher.sent).toEqual([]);
  });

  it('publishes only the full digest without a manifest', async () => {
    const { records, result } = await run('2026-12-01', DAY1, { rules: { ...RULES, routed: [] } });
    const publisher = recordingPublisher();
    const published = await publishDigest(
      { records, publisher: () => publisher, telemetry: silentTelemetry },
      {
        dryRun: false,
        subject: result.subject,
        digestKey: result.digestKey,
        ownerDigestsKey: result.ownerDigestsKey,
      },
    );
    expect(published.ownerDigests).toBe(0);
    expect(publisher.sent).toHaveLength(1);
  });
});
