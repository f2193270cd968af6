/**
 * The collection's decisions (app/collect-account.ts) on an in-memory account: which users are
 * followed up, when the per-user listing replaces the report, and how live data corrects a
 * report that is hours old. No SDK and no mock: the account is planted data, and each expected
 * finding follows from the thresholds (90-day rotation, 30-day due-soon, 180 days unused,
 * whole UTC calendar days).
 */
import { describe, expect, it } from 'vitest';
import { type ReportRow, ROOT_USER, reportBytes } from '../../../test/support/credential-report-csv';
import { collectAccountAudit } from '../../src/app/collect-account';
import type { PrincipalCredentials } from '../../src/core/model';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';
import { memoryIam } from './memory-iam';

const ACCOUNT = '111122223333';
const NOW = new Date('2026-12-01T07:00:00Z');
const day = (iso: string) => new Date(`${iso}T10:00:00Z`);

const request = {
  accountId: ACCOUNT,
  accountName: 'prod',
  thresholds: DEFAULT_THRESHOLDS,
  configExemptions: [],
  now: NOW,
};

// old-bot's key: created 2026-06-01, 183 days before NOW: ROTATION_OVERDUE. fresh-user: 2026-11-20, 11 days: clean.
const OLD_CREATED = day('2026-06-01');
const FRESH_CREATED = day('2026-11-20');
const rows: ReportRow[] = [
  { user: ROOT_USER },
  { user: 'old-bot', keys: [{ active: true, lastRotated: OLD_CREATED, lastUsed: day('2026-11-30') }] },
  { user: 'fresh-user', keys: [{ active: true, lastRotated: FRESH_CREATED, lastUsed: day('2026-11-30') }] },
];
const report = { content: reportBytes(rows, ACCOUNT), generatedAt: new Date('2026-12-01T06:00:00Z') };
const oldBotKey = { accessKeyId: 'AKIAOLDBOT0000000001', status: 'Active' as const, createDate: OLD_CREATED };

const byType = (audit: { findings: readonly { userName: string; type: string }[] }) =>
  audit.findings.map((f) => `${f.userName} ${f.type}`);

describe('collectAccountAudit', () => {
  it('follows up only the users the report flags, and takes their key ids from the live listing', async () => {
    const iam = memoryIam({
      report,
      liveKeys: { 'old-bot': [oldBotKey], 'fresh-user': [] },
      rootKeysPresent: false,
    });
    const audit = await collectAccountAudit(iam, request);
    expect(audit.strategy).toBe('credential-report');
    expect(audit.reportGeneratedAt).toBe('2026-12-01T06:00:00.000Z');
    expect(byType(audit)).toEqual(['old-bot ROTATION_OVERDUE']);
    expect(audit.findings[0]).toMatchObject({ accessKeyId: 'AKIAOLDBOT0000000001', ageDays: 183 });
    // fresh-user is clean in the report: no call is spent on it.
    expect(iam.calls.filter((c) => c.includes(' '))).toEqual(['liveAccessKeys old-bot', 'userTags old-bot']);
    expect(audit.warnings).toEqual([]);
    expect(audit.counts).toMatchObject({ users: 2, activeKeys: 2, findings: 1 });
  });

  it('drops a flagged key that the live listing no longer has (deleted after the report)', async () => {
    const iam = memoryIam({ report, liveKeys: { 'old-bot': [] }, rootKeysPresent: false });
    const audit = await collectAccountAudit(iam, request);
    expect(byType(audit)).toEqual([]);
  });

  it('leaves out a flagged user deleted after the report', async () => {
    const iam = memoryIam({ report, liveKeys: {}, rootKeysPresent: false });
    const audit = await collectAccountAudit(iam, request);
    expect(byType(audit)).toEqual([]);
    expect(audit.counts.users).toBe(1);
  });

  it('reports root keys the summary sees but the report predates, as critical with unknown age', async () => {
    const iam = memoryIam({ report, liveKeys: { 'old-bot': [oldBotKey] }, rootKeysPresent: true });
    const audit = await collectAccountAudit(iam, request);
    expect(audit.findings[0]).toMatchObject({
      userName: ROOT_USER,
      type: 'ROOT_ACCESS_KEY',
      severity: 'critical',
      ageDays: null,
      userArn: `arn:aws:iam::${ACCOUNT}:root`,
    });
  });

  it('trusts the live summary over a report row that still shows a deleted root key', async () => {
    const withRootKey: ReportRow[] = [
      { user: ROOT_USER, keys: [{ active: true, lastRotated: day('2025-01-01') }] },
      ...rows.slice(1),
    ];
    const stale = { content: reportBytes(withRootKey, ACCOUNT), generatedAt: report.generatedAt };
    const live = await collectAccountAudit(
      memoryIam({ report: stale, liveKeys: { 'old-bot': [oldBotKey] }, rootKeysPresent: false }),
      request,
    );
    expect(byType(live)).toEqual(['old-bot ROTATION_OVERDUE']);
    const present = await collectAccountAudit(
      memoryIam({ report: stale, liveKeys: { 'old-bot': [oldBotKey] }, rootKeysPresent: true }),
      request,
    );
    expect(byType(present)[0]).toBe(`${ROOT_USER} ROOT_ACCESS_KEY`);
  });

  const perUserPrincipals: PrincipalCredentials[] = [
    {
      userName: 'old-bot',
      userArn: `arn:aws:iam::${ACCOUNT}:user/old-bot`,
      isRoot: false,
      keys: [
        {
          slot: 1,
          accessKeyId: 'AKIAOLDBOT0000000001',
          status: 'Active',
          createdAt: OLD_CREATED,
          lastUsedAt: day('2026-11-30'),
          lastUsedService: 's3',
          lastUsedRegion: 'us-east-1',
        },
      ],
    },
  ];

  it('audits user by user, with a warning that says why, when the report is denied', async () => {
    const iam = memoryIam({ principals: perUserPrincipals, rootKeysPresent: false });
    const audit = await collectAccountAudit(iam, request);
    expect(audit.strategy).toBe('per-user');
    expect(audit.reportGeneratedAt).toBeNull();
    expect(byType(audit)).toEqual(['old-bot ROTATION_OVERDUE']);
    expect(audit.warnings).toEqual([
      `account ${ACCOUNT}: the credential report could not be used (AccessDenied: not authorized); audited user by user instead`,
    ]);
    // The per-user listing already has the key ids: only the tags are looked up.
    expect(iam.calls.filter((c) => c.includes(' '))).toEqual(['userTags old-bot']);
  });

  it('audits user by user when the report cannot be parsed', async () => {
    const broken = {
      content: new TextEncoder().encode('not,a,credential,report\n1,2,3,4\n'),
      generatedAt: null,
    };
    const iam = memoryIam({ report: broken, principals: perUserPrincipals, rootKeysPresent: false });
    const audit = await collectAccountAudit(iam, request);
    expect(audit.strategy).toBe('per-user');
    expect(audit.warnings[0]).toMatch(
      /^account 111122223333: the credential report could not be used \(CredentialReportParseError: /,
    );
  });

  it('does not fall back when the strategy is forced to the report', async () => {
    const iam = memoryIam({ principals: perUserPrincipals, rootKeysPresent: false });
    await expect(
      collectAccountAudit(iam, { ...request, strategy: 'credential-report' }),
    ).rejects.toMatchObject({
      name: 'AccessDenied',
    });
    expect(iam.calls).not.toContain('listPrincipals');
  });

  it('never reads the report when the strategy is per-user', async () => {
    const iam = memoryIam({ report, principals: perUserPrincipals, rootKeysPresent: false });
    const audit = await collectAccountAudit(iam, { ...request, strategy: 'per-user' });
    expect(audit.strategy).toBe('per-user');
    expect(iam.calls).not.toContain('credentialReport');
    expect(audit.warnings).toEqual([]);
  });
});
