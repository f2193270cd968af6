/**
 * The use cases on in-memory ports: what BuildDigest and PublishDigest decide, with no S3, no SNS
 * and no SDK mock. Expected values follow from the planted records.
 */
import { describe, expect, it } from 'vitest';
import { type AuditAccountDone, auditAccount } from '../../src/app/audit-account';
import { buildDigest } from '../../src/app/build-digest';
import { planRun } from '../../src/app/plan-run';
import type { DigestPublisher, MemberAccounts } from '../../src/app/ports';
import { publishDigest } from '../../src/app/publish-digest';
import { silentTelemetry } from '../../src/app/telemetry';
import { IamThrottledError } from '../../src/core/errors';
import { parseConfigExemptions } from '../../src/core/exemptions';
import {
  type AccessKeyState,
  type AccountAudit,
  type Finding,
  type OrgAccount,
  type PrincipalCredentials,
  SCHEMA_VERSION,
} from '../../src/core/model';
import type { OrganizationEntry } from '../../src/core/run-layout';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';
import { memoryIam, memoryMembers } from './memory-iam';
import { memoryRecords } from './memory-records';

const EXECUTION = 'run-2026-12-01';
const ORG_KEY = `runs/${EXECUTION}/organization.json`;
const NOW = new Date('2026-12-01T07:00:00Z');

const entry = (accountId: string, decision: 'AUDIT' | 'SKIP', reason?: string): OrganizationEntry => ({
  accountId,
  accountName: `acct-${accountId.slice(-2)}`,
  state: decision === 'AUDIT' ? 'ACTIVE' : 'SUSPENDED',
  decision,
  ...(reason === undefined ? {} : { reason }),
});

const overdue: Finding = {
  accountId: '111111111111',
  userName: 'deploy-bot',
  userArn: 'arn:aws:iam::111111111111:user/deploy-bot',
  accessKeyId: 'AKIAEXAMPLEKEY000001',
  keySlot: 1,
  status: 'Active',
  createdAt: '2026-06-01T10:00:00.000Z',
  ageDays: 183,
  lastUsedAt: '2026-11-30T08:00:00.000Z',
  lastUsedService: 's3',
  type: 'ROTATION_OVERDUE',
  severity: 'high',
};

const audited = (accountId: string, findings: readonly Finding[] = []): AccountAudit => ({
  schemaVersion: SCHEMA_VERSION,
  accountId,
  accountName: `acct-${accountId.slice(-2)}`,
  status: 'AUDITED',
  strategy: 'credential-report',
  reportGeneratedAt: '2026-12-01T06:59:00.000Z',
  counts: { users: 3, activeKeys: 2, inactiveKeys: 0, findings: findings.length, exempted: 0, apiCalls: {} },
  findings,
  exempted: [],
  warnings: [],
});

const INPUT = { accountIds: null, dryRun: false, thresholds: {}, reason: 'daily' } as const;

describe('buildDigest', () => {
  it('accounts for every organization account once: audited, FAILED with no result, SKIPPED', async () => {
    const records = memoryRecords({
      organization: {
        [ORG_KEY]: [
          entry('111111111111', 'AUDIT'),
          entry('222222222222', 'AUDIT'),
          entry('333333333333', 'SKIP', 'account is SUSPENDED'),
        ],
      },
      // 222… was to be audited but left no result: it must be FAILED, never silently absent.
      audits: [audited('111111111111', [overdue])],
    });
    const result = await buildDigest(
      { records, thresholds: DEFAULT_THRESHOLDS, telemetry: silentTelemetry, now: () => NOW },
      {
        executionName: EXECUTION,
        executionArn: `arn:aws:states:eu-west-1:999999999999:execution:AuditOrganization:${EXECUTION}`,
        input: INPUT,
        organizationKey: ORG_KEY,
        map: [],
      },
    );

    expect(result.summary.totals).toMatchObject({
      accounts: 3,
      audited: 1,
      failed: 1,
      skipped: 1,
      findings: 1,
    });
    expect(result.summary.failedAccounts.map((a) => a.accountId)).toEqual(['222222222222']);
    const report = records.reports.get(EXECUTION);
    expect(report?.accounts.map((a) => [a.accountId, a.status])).toEqual([
      ['111111111111', 'AUDITED'],
      ['222222222222', 'FAILED'],
      ['333333333333', 'SKIPPED'],
    ]);
    expect(report?.accounts[1]?.reason).toBe('no result recorded');
    // The digest it kept is the one it links and the one PublishDigest will send.
    expect(result.digestKey).toBe(`reports/${EXECUTION}/digest.txt`);
    const digest = records.written.get(result.digestKey) ?? '';
    expect(digest).toContain('222222222222');
    expect(digest).toContain(`s3://memory-bucket/reports/${EXECUTION}/report.json`);
    expect(result.subject.length).toBeLessThanOrEqual(100);
  });

  it('reports an unreadable stored result as FAILED with why, and keeps going', async () => {
    const records = memoryRecords({
      organization: { [ORG_KEY]: [entry('111111111111', 'AUDIT'), entry('222222222222', 'AUDIT')] },
      audits: [audited('111111111111')],
      malformed: {
        '222222222222': 'runs/x/accounts/222222222222.json: status must be AUDITED, FAILED or SKIPPED',
      },
    });
    const result = await buildDigest(
      { records, thresholds: DEFAULT_THRESHOLDS, telemetry: silentTelemetry, now: () => NOW },
      { executionName: EXECUTION, executionArn: 'local', input: INPUT, organizationKey: ORG_KEY, map: null },
    );
    expect(result.summary.totals).toMatchObject({ audited: 1, failed: 1 });
    const failed = records.reports.get(EXECUTION)?.accounts.find((a) => a.accountId === '222222222222');
    expect(failed?.status).toBe('FAILED');
    expect(failed?.reason).toContain('status must be AUDITED, FAILED or SKIPPED');
  });
});

describe('auditAccount', () => {
  const request = { accountId: '111111111111', executionName: EXECUTION, thresholds: DEFAULT_THRESHOLDS };
  // 183 days before NOW (2026-12-01): over the 90-day rotation limit, used yesterday.
  const overdueKey: AccessKeyState = {
    slot: 1,
    accessKeyId: 'AKIAEXAMPLEKEY000001',
    status: 'Active',
    createdAt: new Date('2026-06-01T10:00:00Z'),
    lastUsedAt: new Date('2026-11-30T08:00:00Z'),
    lastUsedService: 's3',
    lastUsedRegion: 'us-east-1',
  };
  const deployBot: PrincipalCredentials = {
    userName: 'deploy-bot',
    userArn: 'arn:aws:iam::111111111111:user/deploy-bot',
    isRoot: false,
    keys: [overdueKey],
  };
  const baseDeps = {
    exemptions: [],
    telemetry: silentTelemetry,
    now: () => NOW,
    strategy: 'per-user' as const,
  };

  it('keeps the full result and returns the small one the Map carries', async () => {
    const records = memoryRecords({ organization: {} });
    const iam = memoryIam({ principals: [deployBot], rootKeysPresent: false });
    const result = await auditAccount(
      { ...baseDeps, members: memoryMembers({ '111111111111': iam }), records },
      request,
    );
    expect(result).toEqual({
      accountId: '111111111111',
      status: 'AUDITED',
      resultKey: `runs/${EXECUTION}/accounts/111111111111.json`,
      findings: 1,
    });
    const stored = JSON.parse(
      records.written.get((result as AuditAccountDone).resultKey) ?? '{}',
    ) as AccountAudit;
    expect(stored).toMatchObject({ status: 'AUDITED', strategy: 'per-user' });
    expect(stored.findings.map((f) => [f.userName, f.type, f.ageDays])).toEqual([
      ['deploy-bot', 'ROTATION_OVERDUE', 183],
    ]);
  });

  it("applies only this account's configured exemptions", async () => {
    const records = memoryRecords({ organization: {} });
    const exemptions = parseConfigExemptions([
      { accountId: '111111111111', userName: 'deploy-bot', reason: 'migration', until: '2027-01-01' },
      { accountId: '222222222222', userName: 'ci', reason: 'other account', until: '2027-01-01' },
    ]);
    const ci: PrincipalCredentials = {
      ...deployBot,
      userName: 'ci',
      userArn: 'arn:aws:iam::111111111111:user/ci',
    };
    const iam = memoryIam({ principals: [deployBot, ci], rootKeysPresent: false });
    const result = await auditAccount(
      { ...baseDeps, exemptions, members: memoryMembers({ '111111111111': iam }), records },
      request,
    );
    const stored = JSON.parse(
      records.written.get((result as AuditAccountDone).resultKey) ?? '{}',
    ) as AccountAudit;
    // deploy-bot is exempted here; the exemption of "ci" belongs to another account.
    expect(stored.exempted.map((f) => f.userName)).toEqual(['deploy-bot']);
    expect(stored.findings.map((f) => f.userName)).toEqual(['ci']);
  });

  it('keeps a missing audit role as FAILED with the catalogue fix, instead of failing the Map item', async () => {
    const records = memoryRecords({ organization: {} });
    const result = await auditAccount({ ...baseDeps, members: memoryMembers({}), records }, request);
    expect(result).toMatchObject({ status: 'FAILED', errorName: 'AuditRoleMissingError', findings: 0 });
    const stored = JSON.parse(
      records.written.get((result as AuditAccountDone).resultKey) ?? '{}',
    ) as AccountAudit;
    expect(stored.fix).toMatch(/^deploy the audit role: the StackSet has not reached this account/);
    expect(stored.strategy).toBe('none');
  });

  it('throws anything else with its name and keeps nothing, so the state machine retries it', async () => {
    const records = memoryRecords({ organization: {} });
    const throttled: MemberAccounts = {
      open: async () => {
        throw new IamThrottledError('IAM kept throttling', {
          accountId: '111111111111',
          api: 'iam:GetCredentialReport',
        });
      },
    };
    await expect(auditAccount({ ...baseDeps, members: throttled, records }, request)).rejects.toMatchObject({
      name: 'IamThrottledError',
    });
    expect([...records.written.keys()]).toEqual([]);
  });
});

describe('planRun', () => {
  const org: OrgAccount[] = [
    { accountId: '111111111111', accountName: 'prod', state: 'ACTIVE', email: 'a@example.com' },
    { accountId: '222222222222', accountName: 'old', state: 'SUSPENDED', email: 'b@example.com' },
    { accountId: '333333333333', accountName: 'dev', state: 'ACTIVE', email: 'c@example.com' },
  ];

  it('keeps the accounts to audit as the Map items and every account, with why it is skipped', async () => {
    const records = memoryRecords({ organization: {} });
    const result = await planRun(
      {
        organization: { viaOrgReaderRole: false, listAccounts: async () => org },
        records,
        maxConcurrency: 25,
        telemetry: silentTelemetry,
      },
      { executionName: EXECUTION, input: { ...INPUT, accountIds: ['333333333333', '444444444444'] } },
    );
    expect(result).toMatchObject({ bucket: 'memory-bucket', toAudit: 1, maxConcurrency: 25 });
    // Only the requested, ACTIVE member is audited; the unknown id is listed as skipped too.
    expect(JSON.parse(records.written.get(result.itemsKey) ?? 'null')).toEqual(['333333333333']);
    const entries = JSON.parse(records.written.get(result.organizationKey) ?? '[]') as OrganizationEntry[];
    expect(entries.map((e) => [e.accountId, e.decision])).toEqual(
      expect.arrayContaining([
        ['333333333333', 'AUDIT'],
        ['111111111111', 'SKIP'],
        ['222222222222', 'SKIP'],
        ['444444444444', 'SKIP'],
      ]),
    );
    expect(entries).toHaveLength(4);
    expect(result.total).toBe(4);
    expect(result.skipped).toBe(3);
    expect(entries.find((e) => e.accountId === '444444444444')?.reason).toMatch(
      /not a member of this organization/,
    );
  });
});

describe('publishDigest', () => {
  const sent: { subject: string; body: string }[] = [];
  const publisher: DigestPublisher = {
    publish: async (message) => {
      sent.push(message);
      return { messageId: `msg-${sent.length}` };
    },
  };

  it('sends the kept digest text with the subject, and says which message it was', async () => {
    const records = memoryRecords({ organization: {}, texts: { 'reports/r/digest.txt': 'the digest body' } });
    const result = await publishDigest(
      { records, publisher: () => publisher, telemetry: silentTelemetry },
      { dryRun: false, subject: '[org-key-audit] 1 key needs rotation', digestKey: 'reports/r/digest.txt' },
    );
    expect(result).toEqual({ published: true, messageId: 'msg-1', ownerDigests: 0 });
    expect(sent).toEqual([{ subject: '[org-key-audit] 1 key needs rotation', body: 'the digest body' }]);
  });

  it('on a dry run publishes nothing and needs no topic at all', async () => {
    const records = memoryRecords({ organization: {} });
    const result = await publishDigest(
      {
        records,
        publisher: () => {
          throw new Error('no topic configured');
        },
        telemetry: silentTelemetry,
      },
      { dryRun: true, subject: 's', digestKey: 'reports/r/digest.txt' },
    );
    expect(result).toEqual({ published: false, messageId: null, ownerDigests: 0 });
  });

  it('refuses before reading anything when a real publish has no topic', async () => {
    let read = false;
    const records = {
      ...memoryRecords({ organization: {} }),
      getText: async () => {
        read = true;
        return 'x';
      },
    };
    await expect(
      publishDigest(
        {
          records,
          publisher: () => {
            throw new Error('DIGEST_TOPIC_ARN is not set');
          },
          telemetry: silentTelemetry,
        },
        { dryRun: false, subject: 's', digestKey: 'k' },
      ),
    ).rejects.toThrow('DIGEST_TOPIC_ARN is not set');
    expect(read).toBe(false);
  });
});
