/**
 * Collecting one account (docs/design.md, "Collecting one account"): the credential report for
 * every user, then ListAccessKeys and ListUserTags only for users with a finding; the account
 * summary for root keys, live where the report can be four hours old; the per-user path only
 * when the report cannot be had for a reason retrying will not fix. Planted data; expected
 * findings follow from the default thresholds (90-day rotation, 365 critical). These cases close
 * gaps mutation testing found (docs/mutation-testing.md).
 */
import { describe, expect, it } from 'vitest';
import { type ReportRow, ROOT_USER, reportBytes } from '../../../test/support/credential-report-csv';
import { collectAccountAudit } from '../../src/app/collect-account';
import { CredentialReportParseError, IamThrottledError } from '../../src/core/errors';
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

// 2026-06-01 is 183 days before NOW (overdue, high); root's key of 2025-01-01 is 699 days old.
const OLD = day('2026-06-01');
const ROOT_KEY = day('2025-01-01');
const bytesOf = (rows: ReportRow[]) => ({ content: reportBytes(rows, ACCOUNT), generatedAt: NOW });
const oldBot: ReportRow = {
  user: 'old-bot',
  keys: [{ active: true, lastRotated: OLD, lastUsed: day('2026-11-30') }],
};
const oldBotLive = [{ accessKeyId: 'AKIAOLDBOT0000000001', status: 'Active' as const, createDate: OLD }];
const summary = (audit: {
  findings: readonly { userName: string; type: string; ageDays: number | null }[];
}) => audit.findings.map((f) => `${f.userName} ${f.type} ${f.ageDays}`);

describe('root keys', () => {
  const withRootKey = bytesOf([{ user: ROOT_USER, keys: [{ active: true, lastRotated: ROOT_KEY }] }, oldBot]);

  it('a root key in the report is never followed up, and with the summary agreeing it keeps its age', async () => {
    const iam = memoryIam({
      report: withRootKey,
      liveKeys: { 'old-bot': oldBotLive },
      rootKeysPresent: true,
    });
    const audit = await collectAccountAudit(iam, request);
    expect(summary(audit)).toEqual([`${ROOT_USER} ROOT_ACCESS_KEY 699`, 'old-bot ROTATION_OVERDUE 183']);
    expect(iam.calls.filter((c) => c.includes(ROOT_USER))).toEqual([]);
  });

  it('when the summary does not say, the report’s root key stands', async () => {
    const iam = memoryIam({
      report: withRootKey,
      liveKeys: { 'old-bot': oldBotLive },
      rootKeysPresent: null,
    });
    expect(summary(await collectAccountAudit(iam, request))).toEqual([
      `${ROOT_USER} ROOT_ACCESS_KEY 699`,
      'old-bot ROTATION_OVERDUE 183',
    ]);
  });

  it('a root key only the summary sees, with no root row at all: the root ARN is built from the account', async () => {
    const iam = memoryIam({
      report: bytesOf([oldBot]),
      liveKeys: { 'old-bot': oldBotLive },
      rootKeysPresent: true,
    });
    const audit = await collectAccountAudit(iam, request);
    expect(audit.findings[0]).toMatchObject({
      userName: ROOT_USER,
      userArn: `arn:aws:iam::${ACCOUNT}:root`,
      type: 'ROOT_ACCESS_KEY',
      ageDays: null,
    });
  });
});

describe('which users are followed up', () => {
  it('a user whose findings are all exempted is still followed up, so the exempted key has its id', async () => {
    const exemption = { accountId: ACCOUNT, userName: 'old-bot', reason: 'vendor', until: '2027-12-31' };
    const iam = memoryIam({
      report: bytesOf([oldBot]),
      liveKeys: { 'old-bot': oldBotLive },
      rootKeysPresent: false,
    });
    const audit = await collectAccountAudit(iam, { ...request, configExemptions: [exemption] });
    expect(audit.findings).toEqual([]);
    expect(audit.exempted.map((f) => f.accessKeyId)).toEqual(['AKIAOLDBOT0000000001']);
    expect(iam.calls).toContain('liveAccessKeys old-bot');
  });
});

describe('counts', () => {
  it('counts active and inactive keys apart', async () => {
    const rows: ReportRow[] = [
      {
        user: 'mixed',
        keys: [
          // Used yesterday and 11 days old: no finding, so no follow-up.
          { active: true, lastRotated: day('2026-11-20'), lastUsed: day('2026-11-30') },
          { active: false, lastRotated: day('2026-11-21') },
        ],
      },
      { user: 'idle', keys: [{ active: false, lastRotated: day('2026-11-22') }] },
    ];
    const audit = await collectAccountAudit(
      memoryIam({ report: bytesOf(rows), rootKeysPresent: false }),
      request,
    );
    expect(audit.counts).toMatchObject({ users: 2, activeKeys: 1, inactiveKeys: 2, findings: 0 });
  });
});

describe('when the report path fails', () => {
  const broken = { content: new TextEncoder().encode('not,a,credential,report\n'), generatedAt: null };

  it('a forced credential-report strategy reports an unreadable report instead of falling back', async () => {
    const iam = memoryIam({ report: broken, principals: [], rootKeysPresent: false });
    await expect(
      collectAccountAudit(iam, { ...request, strategy: 'credential-report' }),
    ).rejects.toBeInstanceOf(CredentialReportParseError);
    expect(iam.calls).not.toContain('listPrincipals');
  });

  it('auto does not fall back on a follow-up failure: throttling is thrown for the state machine to retry', async () => {
    const iam = memoryIam({
      report: bytesOf([oldBot]),
      liveKeys: { 'old-bot': oldBotLive },
      rootKeysPresent: false,
    });
    iam.liveAccessKeys = async () => {
      throw new IamThrottledError('IAM kept throttling ListAccessKeys', { api: 'iam:ListAccessKeys' });
    };
    await expect(collectAccountAudit(iam, request)).rejects.toBeInstanceOf(IamThrottledError);
    expect(iam.calls).not.toContain('listPrincipals');
  });
});
