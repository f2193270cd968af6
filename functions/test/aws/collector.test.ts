import {
  CredentialReportNotReadyException,
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  IAMClient,
  IAMServiceException,
  LimitExceededException,
  ListAccessKeysCommand,
  ListUsersCommand,
  ListUserTagsCommand,
} from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type ReportRow, ROOT_USER, reportBytes } from '../../../test/support/credential-report-csv';
import { renderDigest } from '../../src/core/digest';
import { CredentialReportTimeoutError, IamThrottledError } from '../../src/core/errors';
import type { Finding } from '../../src/core/model';
import { buildReport } from '../../src/core/report';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';
import { collectAccount } from '../../src/runtime/collect-account';
import { META } from '../fixtures/audits';

const NOW = new Date('2025-06-15T12:00:00Z');
const ACCOUNT_ID = '111122223333';
const daysAgo = (days: number) => new Date(NOW.getTime() - days * 86_400_000);
/** The root user as a real account shows it: MFA on, the console password used lately. */
const ROOT: ReportRow = {
  user: ROOT_USER,
  createdAt: daysAgo(1000),
  passwordLastUsed: daysAgo(3),
  mfaActive: true,
};

const iamMock = mockClient(IAMClient);
const iam = new IAMClient({ region: 'us-east-1' });

let sleeps: number[] = [];
const deps = {
  iam,
  now: () => NOW,
  sleep: async (ms: number) => {
    sleeps.push(ms);
  },
  random: () => 0.5,
};
const params = {
  accountId: ACCOUNT_ID,
  accountName: 'workloads-prod',
  thresholds: DEFAULT_THRESHOLDS,
  configExemptions: [],
  reportPolling: { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 400 },
  throttleRetry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 400 },
};

function throttling(): IAMServiceException {
  return new IAMServiceException({
    name: 'Throttling',
    $fault: 'client',
    $metadata: {},
    message: 'Rate exceeded',
  });
}

function accessDenied(): IAMServiceException {
  return new IAMServiceException({
    name: 'AccessDenied',
    $fault: 'client',
    $metadata: {},
    message: 'not authorized',
  });
}

/** Report generated 2 hours before NOW; the second GenerateCredentialReport says COMPLETE. */
function planReport(rows: readonly ReportRow[], rootKeys: number): void {
  iamMock
    .on(GenerateCredentialReportCommand)
    .resolvesOnce({ State: 'STARTED' })
    .resolves({ State: 'COMPLETE' });
  iamMock.on(GetCredentialReportCommand).resolves({
    Content: reportBytes(rows, ACCOUNT_ID),
    ReportFormat: 'text/csv',
    GeneratedTime: new Date(NOW.getTime() - 7_200_000),
  });
  iamMock
    .on(GetAccountSummaryCommand)
    .resolves({ SummaryMap: { AccountAccessKeysPresent: rootKeys, Users: 3 } });
  iamMock.on(ListUserTagsCommand).resolves({ Tags: [], IsTruncated: false });
}

function listedKey(
  userName: string,
  id: string,
  createdDaysAgo: number,
  status: 'Active' | 'Inactive' = 'Active',
) {
  return { UserName: userName, AccessKeyId: id, Status: status, CreateDate: daysAgo(createdDaysAgo) };
}

const brief = (f: Finding) => ({
  userName: f.userName,
  type: f.type,
  severity: f.severity,
  accessKeyId: f.accessKeyId,
  status: f.status,
  ageDays: f.ageDays,
});

beforeEach(() => {
  sleeps = [];
});
afterEach(() => {
  iamMock.reset();
});

describe('collectAccount, credential-report strategy', () => {
  it('calls IAM at most 4 + 2 x (users with findings) times and identifies the flagged keys', async () => {
    // alice: one active key, 100 days old, used yesterday -> ROTATION_OVERDUE (high, < 365).
    // bob: 10 days old, used yesterday -> nothing. carol: 200-day key used 2 days ago -> OVERDUE,
    // plus a second active key (5 days, used yesterday) -> TWO_ACTIVE_KEYS on the older key.
    planReport(
      [
        ROOT,
        { user: 'alice', keys: [{ active: true, lastRotated: daysAgo(100), lastUsed: daysAgo(1) }] },
        { user: 'bob', keys: [{ active: true, lastRotated: daysAgo(10), lastUsed: daysAgo(1) }] },
        {
          user: 'carol',
          keys: [
            { active: true, lastRotated: daysAgo(200), lastUsed: daysAgo(2) },
            { active: true, lastRotated: daysAgo(5), lastUsed: daysAgo(1) },
          ],
        },
        { user: 'dave' },
      ],
      0,
    );
    iamMock.on(ListAccessKeysCommand, { UserName: 'alice' }).resolves({
      AccessKeyMetadata: [listedKey('alice', 'AKIAALICE0000000001', 100)],
    });
    iamMock.on(ListAccessKeysCommand, { UserName: 'carol' }).resolves({
      AccessKeyMetadata: [
        listedKey('carol', 'AKIACAROL0000000002', 5),
        listedKey('carol', 'AKIACAROL0000000001', 200),
      ],
    });

    const audit = await collectAccount(deps, params);

    const total = Object.values(audit.counts.apiCalls).reduce((a, b) => a + b, 0);
    expect(total).toBeLessThanOrEqual(4 + 2 * 2);
    expect(audit.counts.apiCalls).toEqual({
      'iam:GenerateCredentialReport': 2,
      'iam:GetAccountSummary': 1,
      'iam:GetCredentialReport': 1,
      'iam:ListAccessKeys': 2,
      'iam:ListUserTags': 2,
    });
    expect(
      iamMock
        .commandCalls(ListAccessKeysCommand)
        .map((c) => c.args[0].input.UserName)
        .sort(),
    ).toEqual(['alice', 'carol']);
    expect(audit.findings.map(brief)).toEqual(
      expect.arrayContaining([
        {
          userName: 'alice',
          type: 'ROTATION_OVERDUE',
          severity: 'high',
          accessKeyId: 'AKIAALICE0000000001',
          status: 'Active',
          ageDays: 100,
        },
        {
          userName: 'carol',
          type: 'ROTATION_OVERDUE',
          severity: 'high',
          accessKeyId: 'AKIACAROL0000000001',
          status: 'Active',
          ageDays: 200,
        },
        {
          userName: 'carol',
          type: 'TWO_ACTIVE_KEYS',
          severity: 'low',
          accessKeyId: 'AKIACAROL0000000001',
          status: 'Active',
          ageDays: 200,
        },
      ]),
    );
    expect(audit.findings).toHaveLength(3);
    expect(audit).toMatchObject({
      status: 'AUDITED',
      strategy: 'credential-report',
      reportGeneratedAt: '2025-06-15T10:00:00.000Z',
      accountId: ACCOUNT_ID,
      accountName: 'workloads-prod',
      exempted: [],
    });
    expect(audit.counts).toMatchObject({
      users: 4,
      activeKeys: 4,
      inactiveKeys: 0,
      findings: 3,
      exempted: 0,
    });
    // One wait between the STARTED and the COMPLETE answer: full jitter of a 100 ms base at random 0.5.
    expect(sleeps).toEqual([50]);
  });

  it('does not report a key deleted after the report, and reports a since-deactivated key as inactive', async () => {
    // erin's 120-day key is gone; frank's 150-day key is now Inactive: not overdue, but an
    // inactive key older than 30 days lingers (info).
    planReport(
      [
        { user: 'erin', keys: [{ active: true, lastRotated: daysAgo(120), lastUsed: daysAgo(3) }] },
        { user: 'frank', keys: [{ active: true, lastRotated: daysAgo(150), lastUsed: daysAgo(3) }] },
      ],
      0,
    );
    iamMock.on(ListAccessKeysCommand, { UserName: 'erin' }).resolves({ AccessKeyMetadata: [] });
    iamMock.on(ListAccessKeysCommand, { UserName: 'frank' }).resolves({
      AccessKeyMetadata: [listedKey('frank', 'AKIAFRANK0000000001', 150, 'Inactive')],
    });

    const audit = await collectAccount(deps, params);

    expect(audit.findings.map(brief)).toEqual([
      {
        userName: 'frank',
        type: 'INACTIVE_KEY_LINGERING',
        severity: 'info',
        accessKeyId: 'AKIAFRANK0000000001',
        status: 'Inactive',
        ageDays: 150,
      },
    ]);
    expect(audit.counts).toMatchObject({ activeKeys: 0, inactiveKeys: 1 });
  });

  it('moves a finding to exempted when the user carries a valid exemption tag', async () => {
    planReport(
      [{ user: 'grace', keys: [{ active: true, lastRotated: daysAgo(95), lastUsed: daysAgo(1) }] }],
      0,
    );
    iamMock
      .on(ListAccessKeysCommand)
      .resolves({ AccessKeyMetadata: [listedKey('grace', 'AKIAGRACE0000000001', 95)] });
    iamMock.on(ListUserTagsCommand, { UserName: 'grace' }).resolves({
      Tags: [{ Key: 'org-key-audit:exempt', Value: 'vendor integration until=2025-12-31' }],
    });

    const audit = await collectAccount(deps, params);

    expect(audit.findings).toEqual([]);
    expect(audit.exempted.map((f) => ({ type: f.type, exemption: f.exemption }))).toEqual([
      {
        type: 'ROTATION_OVERDUE',
        exemption: { source: 'tag', reason: 'vendor integration', until: '2025-12-31' },
      },
    ]);
  });

  it('counts every attempt the SDK reports in $metadata.attempts', async () => {
    planReport(
      [{ user: 'bob', keys: [{ active: true, lastRotated: daysAgo(10), lastUsed: daysAgo(1) }] }],
      0,
    );
    iamMock
      .on(GetAccountSummaryCommand)
      .resolves({ SummaryMap: { AccountAccessKeysPresent: 0 }, $metadata: { attempts: 3 } });

    const audit = await collectAccount(deps, params);

    expect(audit.counts.apiCalls['iam:GetAccountSummary']).toBe(3);
  });
});

describe('collectAccount, root access keys', () => {
  it('reports no root finding when GetAccountSummary says no root key, even if the report shows one', async () => {
    planReport([{ ...ROOT, keys: [{ active: true, lastRotated: daysAgo(400), lastUsed: daysAgo(2) }] }], 0);

    const audit = await collectAccount(deps, params);

    expect(audit.findings).toEqual([]);
  });

  it('reports a root key created after the report, with unknown age', async () => {
    planReport(
      [ROOT, { user: 'bob', keys: [{ active: true, lastRotated: daysAgo(10), lastUsed: daysAgo(1) }] }],
      1,
    );

    const audit = await collectAccount(deps, params);

    expect(audit.findings.map(brief)).toEqual([
      {
        userName: '<root_account>',
        type: 'ROOT_ACCESS_KEY',
        severity: 'critical',
        accessKeyId: null,
        status: null,
        ageDays: null,
      },
    ]);
    expect(audit.findings[0]?.userArn).toBe(`arn:aws:iam::${ACCOUNT_ID}:root`);
  });

  it('reports a root key the report and the summary agree on, with its age', async () => {
    planReport([{ ...ROOT, keys: [{ active: true, lastRotated: daysAgo(50), lastUsed: daysAgo(2) }] }], 1);

    const audit = await collectAccount(deps, params);

    expect(audit.findings.map((f) => [f.type, f.severity, f.ageDays])).toEqual([
      ['ROOT_ACCESS_KEY', 'critical', 50],
    ]);
    // The root user's keys cannot be listed by name: no per-user follow-up for it.
    expect(iamMock.commandCalls(ListAccessKeysCommand)).toHaveLength(0);
  });
});

describe('collectAccount, report retries and typed errors', () => {
  it('retries ReportInProgress, LimitExceeded and Throttling, then succeeds', async () => {
    planReport(
      [{ user: 'bob', keys: [{ active: true, lastRotated: daysAgo(10), lastUsed: daysAgo(1) }] }],
      0,
    );
    iamMock
      .on(GenerateCredentialReportCommand)
      .rejectsOnce(new LimitExceededException({ $metadata: {}, message: 'limit' }))
      .rejectsOnce(throttling())
      .resolves({ State: 'COMPLETE' });
    iamMock
      .on(GetCredentialReportCommand)
      .rejectsOnce(new CredentialReportNotReadyException({ $metadata: {}, message: 'in progress' }))
      .resolves({ Content: reportBytes([{ user: 'bob' }], ACCOUNT_ID), GeneratedTime: NOW });

    const audit = await collectAccount(deps, params);

    expect(audit.findings).toEqual([]);
    expect(audit.counts.apiCalls['iam:GenerateCredentialReport']).toBe(4);
    expect(audit.counts.apiCalls['iam:GetCredentialReport']).toBe(2);
    // Ceilings 100, 200, 400 (base 100 doubling, capped at 400), times random 0.5.
    expect(sleeps).toEqual([50, 100, 200]);
  });

  it('throws CredentialReportTimeoutError when the report stays in progress for the whole budget', async () => {
    planReport([], 0);
    iamMock.on(GenerateCredentialReportCommand).resolves({ State: 'INPROGRESS' });

    const error = await collectAccount(deps, params).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(CredentialReportTimeoutError);
    expect((error as CredentialReportTimeoutError).name).toBe('CredentialReportTimeoutError');
    expect((error as CredentialReportTimeoutError).accountId).toBe(ACCOUNT_ID);
    expect(iamMock.commandCalls(GenerateCredentialReportCommand)).toHaveLength(5);
    expect(sleeps).toEqual([50, 100, 200, 200]);
  });

  it('throws CredentialReportTimeoutError when GetCredentialReport keeps answering ReportInProgress', async () => {
    planReport([], 0);
    iamMock.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
    iamMock
      .on(GetCredentialReportCommand)
      .rejects(new CredentialReportNotReadyException({ $metadata: {}, message: 'x' }));

    await expect(collectAccount(deps, params)).rejects.toBeInstanceOf(CredentialReportTimeoutError);
  });

  it('throws IamThrottledError when report generation is throttled beyond every retry', async () => {
    planReport([], 0);
    iamMock.on(GenerateCredentialReportCommand).rejects(throttling());

    const error = await collectAccount(deps, params).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(IamThrottledError);
    expect((error as IamThrottledError).accountId).toBe(ACCOUNT_ID);
    expect(iamMock.commandCalls(GenerateCredentialReportCommand)).toHaveLength(5);
  });

  it('throws IamThrottledError when a follow-up call stays throttled, and retries it first', async () => {
    planReport(
      [{ user: 'alice', keys: [{ active: true, lastRotated: daysAgo(100), lastUsed: daysAgo(1) }] }],
      0,
    );
    iamMock.on(ListAccessKeysCommand).rejects(throttling());

    const error = await collectAccount(deps, params).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(IamThrottledError);
    expect((error as IamThrottledError).api).toBe('iam:ListAccessKeys');
    expect(iamMock.commandCalls(ListAccessKeysCommand)).toHaveLength(3);
  });

  it('does not fall back when the strategy is pinned to the credential report', async () => {
    planReport([], 0);
    iamMock.on(GenerateCredentialReportCommand).rejects(accessDenied());

    await expect(collectAccount(deps, { ...params, strategy: 'credential-report' })).rejects.toMatchObject({
      name: 'AccessDenied',
    });
    expect(iamMock.commandCalls(ListUsersCommand)).toHaveLength(0);
  });
});

describe('collectAccount, auto fallback to per-user', () => {
  function planPerUser(): void {
    iamMock.on(ListUsersCommand).resolves({
      Users: [
        {
          UserName: 'henry',
          Arn: `arn:aws:iam::${ACCOUNT_ID}:user/henry`,
          UserId: 'AIDA1',
          Path: '/',
          CreateDate: daysAgo(500),
        },
      ],
      IsTruncated: false,
    });
    iamMock.on(ListAccessKeysCommand, { UserName: 'henry' }).resolves({
      AccessKeyMetadata: [listedKey('henry', 'AKIAHENRY0000000001', 91)],
    });
    iamMock.on(GetAccessKeyLastUsedCommand, { AccessKeyId: 'AKIAHENRY0000000001' }).resolves({
      UserName: 'henry',
      AccessKeyLastUsed: { LastUsedDate: daysAgo(60), ServiceName: 'ec2', Region: 'eu-west-1' },
    });
  }

  it('falls back when the report actions are denied, and says why in warnings', async () => {
    planReport([], 0);
    iamMock.on(GenerateCredentialReportCommand).rejects(accessDenied());
    planPerUser();

    const audit = await collectAccount(deps, params);

    expect(audit.strategy).toBe('per-user');
    expect(audit.reportGeneratedAt).toBeNull();
    expect(audit.warnings.some((w) => w.includes('AccessDenied') && w.includes(ACCOUNT_ID))).toBe(true);
    // 91 days old -> overdue (high); last used 60 days ago (>= 45) -> unused (medium).
    expect(audit.findings.map(brief)).toEqual(
      expect.arrayContaining([
        {
          userName: 'henry',
          type: 'ROTATION_OVERDUE',
          severity: 'high',
          accessKeyId: 'AKIAHENRY0000000001',
          status: 'Active',
          ageDays: 91,
        },
        {
          userName: 'henry',
          type: 'UNUSED',
          severity: 'medium',
          accessKeyId: 'AKIAHENRY0000000001',
          status: 'Active',
          ageDays: 91,
        },
      ]),
    );
    expect(audit.findings).toHaveLength(2);
    expect(audit.findings[0]?.lastUsedService).toBe('ec2');
  });

  it('falls back when the report cannot be parsed', async () => {
    planReport([], 0);
    iamMock
      .on(GetCredentialReportCommand)
      .resolves({ Content: new TextEncoder().encode('not,a,credential,report\n'), GeneratedTime: NOW });
    planPerUser();

    const audit = await collectAccount(deps, params);

    expect(audit.strategy).toBe('per-user');
    expect(audit.warnings.some((w) => w.includes('CredentialReportParseError'))).toBe(true);
  });

  it('shows a fallback after a parse error in the report top-level warnings and the digest', async () => {
    planReport([], 0);
    iamMock
      .on(GetCredentialReportCommand)
      .resolves({ Content: new TextEncoder().encode('not,a,credential,report\n'), GeneratedTime: NOW });
    planPerUser();

    const audit = await collectAccount(deps, params);
    const report = buildReport([audit], META);

    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]?.accountId).toBe(ACCOUNT_ID);
    expect(report.warnings[0]?.accountName).toBe('workloads-prod');
    expect(report.warnings[0]?.messages).toHaveLength(1);
    expect(report.warnings[0]?.messages[0]).toMatch(
      new RegExp(
        `^account ${ACCOUNT_ID}: the credential report could not be used \\(CredentialReportParseError: .*\\); audited user by user instead$`,
      ),
    );
    const { body } = renderDigest(report, {});
    expect(body).toContain(
      `WARNINGS (1)\n  ${ACCOUNT_ID}  workloads-prod\n    - account ${ACCOUNT_ID}: the credential report could not be used (CredentialReportParseError: `,
    );
  });

  it('reports a root key found only by GetAccountSummary on the per-user path', async () => {
    planReport([], 1);
    planPerUser();

    const audit = await collectAccount(deps, { ...params, strategy: 'per-user' });

    expect(iamMock.commandCalls(GenerateCredentialReportCommand)).toHaveLength(0);
    expect(audit.findings.filter((f) => f.type === 'ROOT_ACCESS_KEY').map(brief)).toEqual([
      {
        userName: '<root_account>',
        type: 'ROOT_ACCESS_KEY',
        severity: 'critical',
        accessKeyId: null,
        status: null,
        ageDays: null,
      },
    ]);
    // Live data needs no reconcile: one ListAccessKeys for henry, from the per-user listing.
    expect(audit.counts.apiCalls['iam:ListAccessKeys']).toBe(1);
  });
});
