/**
 * Property: whatever IAM answers (fields missing, fields extra, wrong types, absurd dates), the
 * collector ends in a typed error or a sound AccountAudit, never in an unhandled exception and
 * never in a result that hides a key. The IAM client is aws-sdk-client-mock, fed by fast-check.
 */
import {
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListUsersCommand,
  ListUserTagsCommand,
} from '@aws-sdk/client-iam';
import { DEFAULT_THRESHOLDS, FINDING_TYPES, SEVERITIES } from '@org-key-audit/functions/core';
import { collectAccount } from '@org-key-audit/functions/runtime';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  absurdDate,
  awsDate,
  type ReportRow,
  ROOT_USER,
  reportBytes,
  saneKey,
  userName,
} from '../support/credential-report-csv';
import { PROPERTY_RUNS } from '../support/property-runs';
import { expectTypedError } from '../support/typed-errors';

const ACCOUNT = '123456789012';
const NOW = new Date('2025-06-15T12:00:00.000Z');
const NOW_MS = NOW.getTime();
const RUNS = PROPERTY_RUNS;
const iam = new IAMClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' },
});
const iamMock = mockClient(iam);
afterEach(() => {
  iamMock.reset();
});

/**
 * The SDK deserializes every answer into its modeled shape: a field is present with its type or
 * missing, unknown enum strings pass through, and the response is always an object. So that is
 * what is generated here (junk of any type only in extra, unmodeled fields).
 */
const junk = fc.oneof(
  fc.constant(null),
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.boolean(),
  fc.object({ maxDepth: 1 }),
);
const extras = fc.dictionary(fc.stringMatching(/^[A-Z][a-zA-Z]{0,8}$/), junk, { maxKeys: 2 });
const partial = <T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }) =>
  fc.tuple(fc.record(model, { requiredKeys: [] }), extras).map(([known, extra]) => ({ ...extra, ...known }));
const validDate = fc.date({
  min: new Date('2000-01-01T00:00:00Z'),
  max: new Date('2030-01-01T00:00:00Z'),
  noInvalidDate: true,
});

const rowsArb = fc.array(
  fc.record({
    user: fc.oneof({ weight: 8, arbitrary: userName() }, { weight: 1, arbitrary: fc.constant(ROOT_USER) }),
    keys: fc.tuple(fc.option(saneKey(NOW_MS)), fc.option(saneKey(NOW_MS))),
  }),
  { maxLength: 5 },
);

const keyIdArb = fc.stringMatching(/^AKIA[A-Z0-9]{16}$/);

const responses = fc.record({
  rows: rowsArb,
  generate: fc.array(partial({ State: fc.constantFrom('STARTED', 'INPROGRESS', 'COMPLETE', 'WEIRD') }), {
    minLength: 1,
    maxLength: 4,
  }),
  content: fc.oneof(
    { weight: 5, arbitrary: fc.constant<'report' | 'missing'>('report') },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.constant<'report' | 'missing'>('missing') },
  ),
  generatedTime: fc.option(validDate, { nil: undefined }),
  accessKeys: fc.option(
    fc.array(
      partial({
        AccessKeyId: keyIdArb,
        Status: fc.constantFrom('Active', 'Inactive', 'Expired'),
        CreateDate: validDate,
        UserName: userName(),
      }),
      { maxLength: 3 },
    ),
    { nil: undefined },
  ),
  summary: partial({
    SummaryMap: fc.dictionary(
      fc.constantFrom('AccountAccessKeysPresent', 'Users', 'Other'),
      fc.integer({ min: 0, max: 3 }),
    ),
  }),
  tags: partial({ Tags: fc.array(partial({ Key: fc.string(), Value: fc.string() }), { maxLength: 2 }) }),
  users: partial({
    Users: fc.array(
      partial({ UserName: userName(), Arn: fc.string(), UserId: fc.string(), CreateDate: validDate }),
      { maxLength: 3 },
    ),
    IsTruncated: fc.constant(false),
  }),
  lastUsed: partial({
    AccessKeyLastUsed: partial({ LastUsedDate: validDate, ServiceName: fc.string(), Region: fc.string() }),
  }),
  extra: extras,
});

type Responses = typeof responses extends fc.Arbitrary<infer T> ? T : never;

function arm(r: Responses): void {
  let polls = 0;
  iamMock.on(GenerateCredentialReportCommand).callsFake(() => {
    const answer = r.generate[Math.min(polls, r.generate.length - 1)];
    polls += 1;
    return { ...r.extra, ...answer };
  });
  const content =
    r.content === 'report' ? reportBytes(r.rows, ACCOUNT) : r.content === 'missing' ? undefined : r.content;
  iamMock.on(GetCredentialReportCommand).resolves({
    ...r.extra,
    ...(content === undefined ? {} : { Content: content }),
    ...(r.generatedTime === undefined ? {} : { GeneratedTime: r.generatedTime }),
    ReportFormat: 'text/csv',
  } as never);
  iamMock.on(ListAccessKeysCommand).resolves({
    ...(r.accessKeys === undefined ? {} : { AccessKeyMetadata: r.accessKeys }),
    IsTruncated: false,
  } as never);
  iamMock.on(GetAccountSummaryCommand).resolves(r.summary as never);
  iamMock.on(ListUserTagsCommand).resolves(r.tags as never);
  iamMock.on(ListUsersCommand).resolves(r.users as never);
  iamMock.on(GetAccessKeyLastUsedCommand).resolves(r.lastUsed as never);
}

async function collect() {
  return collectAccount(
    { iam, now: () => NOW, sleep: async () => {}, random: () => 0.5 },
    {
      accountId: ACCOUNT,
      accountName: 'prop',
      thresholds: DEFAULT_THRESHOLDS,
      configExemptions: [],
      reportPolling: { maxAttempts: 4, baseDelayMs: 0, maxDelayMs: 0 },
      throttleRetry: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 },
    },
  );
}

/** What any AccountAudit the collector returns must satisfy, whatever it was fed. */
function expectSoundAudit(audit: Awaited<ReturnType<typeof collect>>): void {
  expect(audit.accountId).toBe(ACCOUNT);
  expect(audit.status).toBe('AUDITED');
  for (const f of [...audit.findings, ...audit.exempted]) {
    expect(f.accountId).toBe(ACCOUNT);
    expect(FINDING_TYPES).toContain(f.type);
    expect(SEVERITIES).toContain(f.severity);
    if (f.ageDays !== null) {
      expect(Number.isInteger(f.ageDays)).toBe(true);
      expect(f.ageDays).toBeGreaterThanOrEqual(0);
    }
    if (f.createdAt !== null) expect(Number.isNaN(Date.parse(f.createdAt))).toBe(false);
  }
}

describe('collector against arbitrary IAM responses', () => {
  it(`ends in a typed error or a sound audit (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(responses, async (r) => {
        iamMock.reset();
        arm(r);
        let audit: Awaited<ReturnType<typeof collect>> | undefined;
        try {
          audit = await collect();
        } catch (error) {
          expectTypedError(error);
          return;
        }
        expectSoundAudit(audit);
      }),
      { numRuns: RUNS },
    );
  });

  it(`an active key the report shows over 90 days old is never reported clean (${RUNS} runs)`, async () => {
    // The other answers stay arbitrary; the report and ListAccessKeys agree that the key is old.
    await fc.assert(
      fc.asyncProperty(responses, fc.integer({ min: 90, max: 3_000 }), userName(), async (r, age, user) => {
        iamMock.reset();
        const created = NOW_MS - age * 86_400_000;
        const old: Responses['rows'][number] = {
          user,
          keys: [{ active: true, lastRotated: awsDate(created), lastUsed: 'N/A' }, null],
        };
        const rows = [...r.rows.filter((row) => row.user !== user), old];
        arm({ ...r, rows, content: 'report', generate: [{ State: 'COMPLETE' }] });
        iamMock.on(ListAccessKeysCommand, { UserName: user }).resolves({
          AccessKeyMetadata: [
            {
              UserName: user,
              AccessKeyId: 'AKIAOLDKEYOLDKEY0001',
              Status: 'Active',
              CreateDate: new Date(created),
            },
          ],
        });
        let audit: Awaited<ReturnType<typeof collect>> | undefined;
        try {
          audit = await collect();
        } catch (error) {
          expectTypedError(error);
          return;
        }
        expectSoundAudit(audit);
        const types = [...audit.findings, ...audit.exempted]
          .filter((f) => f.userName === user)
          .map((f) => f.type);
        expect(types).toContain('ROTATION_OVERDUE');
      }),
      { numRuns: RUNS },
    );
  });
});

describe('key dates in the future or absurd', () => {
  it(`every date cell ends in a typed error or a non-negative age, and a future key is never overdue (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        userName(),
        absurdDate(NOW_MS),
        fc.oneof(absurdDate(NOW_MS), fc.constant('N/A')),
        fc.boolean(),
        async (user, created, used, active) => {
          iamMock.reset();
          const rows: ReportRow[] = [
            { user, keys: [{ active, lastRotated: created, lastUsed: used }, null] },
          ];
          iamMock.on(GenerateCredentialReportCommand).resolves({ State: 'COMPLETE' });
          iamMock.on(GetCredentialReportCommand).resolves({ Content: reportBytes(rows, ACCOUNT) });
          // IAM's own view of the key: a real date (the SDK never yields an invalid one) when there is one.
          const createdMs = Date.parse(created);
          const key = {
            UserName: user,
            AccessKeyId: 'AKIAEXAMPLEEXAMPLE01',
            Status: active ? ('Active' as const) : ('Inactive' as const),
            ...(Number.isNaN(createdMs) ? {} : { CreateDate: new Date(createdMs) }),
          };
          iamMock.on(ListAccessKeysCommand).resolves({ AccessKeyMetadata: [key] });
          iamMock.on(ListUsersCommand).resolves({
            Users: [
              {
                UserName: user,
                UserId: 'AIDAEXAMPLE',
                Arn: `arn:aws:iam::${ACCOUNT}:user/${user}`,
                Path: '/',
                CreateDate: new Date('2020-01-01T00:00:00Z'),
              },
            ],
            IsTruncated: false,
          });
          const usedMs = Date.parse(used);
          iamMock.on(GetAccessKeyLastUsedCommand).resolves({
            UserName: user,
            AccessKeyLastUsed: Number.isNaN(usedMs)
              ? { ServiceName: 'N/A', Region: 'N/A' }
              : { LastUsedDate: new Date(usedMs), ServiceName: 's3', Region: 'us-east-1' },
          });
          iamMock.on(GetAccountSummaryCommand).resolves({ SummaryMap: { AccountAccessKeysPresent: 0 } });
          iamMock.on(ListUserTagsCommand).resolves({ Tags: [] });
          let audit: Awaited<ReturnType<typeof collect>> | undefined;
          try {
            audit = await collect();
          } catch (error) {
            expectTypedError(error);
            return;
          }
          expectSoundAudit(audit);
          if (createdMs > NOW_MS) {
            const rotation = audit.findings.filter(
              (f) => f.type === 'ROTATION_OVERDUE' || f.type === 'ROTATION_DUE_SOON',
            );
            expect(rotation).toEqual([]);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});
