/**
 * Property: whatever IAM answers, the collector ends in a typed error or a sound AccountAudit,
 * never in an unhandled exception and never in a result that hides a key; and it must reach
 * its success path. Each property classifies every generated answer set, from the documents
 * alone (docs/design.md and docs/architecture.md, "Collecting one account"; docs/aws-behaviour.md),
 * as one that must end in an audit (and with which strategy), one that must end in a named typed
 * error, or one for which the documents settle neither; it counts the outcomes and requires
 * the share of audits the generator's construction guarantees. A collector that always threw a
 * typed error used to pass all of this; now it fails every property here.
 *
 * The IAM client is a stand-in answering what fast-check generates.
 */
import {
  GenerateCredentialReportCommand,
  GetAccessKeyLastUsedCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  type IAMClient,
  LimitExceededException,
  ListAccessKeysCommand,
  ListUsersCommand,
  ListUserTagsCommand,
  NoSuchEntityException,
} from '@aws-sdk/client-iam';
import { DEFAULT_THRESHOLDS, FINDING_TYPES, SEVERITIES } from '@org-key-audit/functions/core';
import { collectAccount, type StrategyChoice } from '@org-key-audit/functions/runtime';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import {
  absurdDate,
  awsDate,
  COLUMNS,
  type ReportRow,
  ROOT_USER,
  reportBytes,
  rowFields,
  saneKey,
  userName,
  writeReport,
} from '../support/credential-report-csv';
import {
  type CellKind,
  calendarAge,
  dateCellKind,
  type ExpectedFinding,
  expectFindings,
  type OracleKey,
  rootFinding,
  userFindings,
} from '../support/property-oracle';
import { OutcomeTally } from '../support/property-outcomes';
import { PROPERTY_RUNS } from '../support/property-runs';
import { expectTypedError, expectTypedErrorNamed } from '../support/typed-errors';

const ACCOUNT = '123456789012';
const NOW = new Date('2025-06-15T12:00:00.000Z');
const NOW_MS = NOW.getTime();
const DAY = 86_400_000;
const HOUR = 3_600_000;
const RUNS = PROPERTY_RUNS;
/** The polling budget given to the collector below: four GenerateCredentialReport calls. */
const POLLS = 4;
/**
 * A stand-in IAM client: the collector only ever calls `send`, so each command class gets a
 * handler and an unhandled one answers undefined, as an unconfigured mock would. (Cheaper per run
 * than a sinon-backed mock, which keeps the suite's run time where it was.)
 */
class FakeIam {
  readonly #handlers = new Map<unknown, (input: never) => unknown>();
  readonly client = {
    send: async (command: { readonly input: unknown }) => {
      const handler = this.#handlers.get(command.constructor);
      return handler === undefined ? undefined : handler(command.input as never);
    },
  } as unknown as IAMClient;

  on(command: abstract new (...args: never[]) => unknown, handler: (input: never) => unknown): void {
    this.#handlers.set(command, handler);
  }

  answer(command: abstract new (...args: never[]) => unknown, value: unknown): void {
    this.on(command, () => value);
  }

  reset(): void {
    this.#handlers.clear();
  }
}
const iamFake = new FakeIam();
const iam = iamFake.client;
afterEach(() => {
  iamFake.reset();
});

type Audit = Awaited<ReturnType<typeof collect>>;

async function collect(strategy?: StrategyChoice) {
  return collectAccount(
    { iam, now: () => NOW, sleep: async () => {}, random: () => 0.5 },
    {
      accountId: ACCOUNT,
      accountName: 'prop',
      thresholds: DEFAULT_THRESHOLDS,
      configExemptions: [],
      reportPolling: { maxAttempts: POLLS, baseDelayMs: 0, maxDelayMs: 0 },
      throttleRetry: { maxAttempts: 2, baseDelayMs: 0, maxDelayMs: 0 },
      ...(strategy === undefined ? {} : { strategy }),
    },
  );
}

/** Runs the collector and hands back what it ended in: an audit, or the error it threw. */
async function outcome(strategy?: StrategyChoice): Promise<{ audit: Audit } | { error: unknown }> {
  try {
    return { audit: await collect(strategy) };
  } catch (error) {
    return { error };
  }
}

/** What any AccountAudit the collector returns must satisfy, whatever it was fed. */
function expectSoundAudit(audit: Audit): void {
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

/** A sound audit, by the strategy the documents say must have run. */
function expectAuditBy(
  result: { audit: Audit } | { error: unknown },
  strategy: 'credential-report' | 'per-user',
  where: string,
): Audit {
  if ('error' in result) {
    const e = result.error as Error;
    throw new Error(
      `${where}: expected an audit by ${strategy}, the collector threw ${e?.name}: ${e?.message}`,
    );
  }
  expectSoundAudit(result.audit);
  expect(result.audit.strategy, where).toBe(strategy);
  if (strategy === 'per-user') {
    // docs/architecture.md, "Collecting one account", step 5: a warning records the fallback.
    expect(
      result.audit.warnings.some((w) => /credential report/i.test(w)),
      `${where}: a warning records the fallback (${result.audit.warnings.join(' | ')})`,
    ).toBe(true);
  }
  return result.audit;
}

// ---------------------------------------------------------------- errors IAM answers with

const denied = () =>
  Object.assign(new Error('User is not authorized to perform: iam:GenerateCredentialReport'), {
    name: 'AccessDenied',
    $metadata: {},
  });
const limitExceeded = () =>
  new LimitExceededException({ message: 'Report generation is limited', $metadata: {} });
const noSuchEntity = (user: string) =>
  new NoSuchEntityException({ message: `The user with name ${user} cannot be found.`, $metadata: {} });

type Poll = 'STARTED' | 'INPROGRESS' | 'LimitExceeded';
/** Answers before COMPLETE that docs/aws-behaviour.md names: still running, or limited. */
const poll = fc.constantFrom<Poll>('STARTED', 'INPROGRESS', 'LimitExceeded');

/** The SDK adds no unmodeled fields, but a newer API might: junk of any type in extra fields only. */
const junk = fc.oneof(
  fc.constant(null),
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.boolean(),
  fc.object({ maxDepth: 1 }),
);
const extras = fc.dictionary(fc.stringMatching(/^[A-Z][a-zA-Z]{0,8}$/), junk, { maxKeys: 2 });

/** Cells the reader is documented to need and that hold junk AWS never writes there. */
const DAMAGEABLE = [
  {
    column: 'user_creation_time',
    values: ['yesterday', '2024-02-30T00:00:00+00:00', '2024-13-01T00:00:00+00:00'],
  },
  { column: 'password_enabled', values: ['yes', 'maybe', '2'] },
  { column: 'mfa_active', values: ['yes', 'maybe', '2'] },
  { column: 'access_key_1_active', values: ['yes', 'maybe', '2'] },
  { column: 'access_key_2_active', values: ['yes', 'maybe', '2'] },
] as const;
const cellDamage = fc
  .tuple(fc.nat(), fc.constantFrom(...DAMAGEABLE), fc.nat())
  .map(([row, target, pick]) => ({
    row,
    column: target.column,
    value: target.values[pick % target.values.length] as string,
  }));
type CellDamage = typeof cellDamage extends fc.Arbitrary<infer T> ? T : never;

function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The report with one cell of one row (index taken modulo the rows) replaced by junk. */
function damagedReport(rows: readonly ReportRow[], damage: CellDamage): { bytes: Uint8Array; row: number } {
  const row = damage.row % rows.length;
  const lines = rows.map((r, i) => {
    const fields = rowFields(r, ACCOUNT);
    if (i === row) fields[COLUMNS.indexOf(damage.column)] = damage.value;
    return fields.map(csvCell).join(',');
  });
  return { bytes: new TextEncoder().encode(writeReport(lines, ACCOUNT)), row: row + 1 };
}

// ---------------------------------------------------------------- an account as AWS can show it

/**
 * An account's users and keys as they are, and the credential report as it was up to four hours
 * earlier (docs/aws-behaviour.md): a user or key may since be deleted, deactivated or created.
 */
type Drift = 'none' | 'user-deleted' | 'key-deleted' | 'key-deactivated' | 'key-created';
type TagKind = 'none' | 'other' | 'exempt' | 'expired';
interface WorldKey extends OracleKey {
  readonly accessKeyId: string;
}
interface WorldUser {
  readonly name: string;
  readonly reportKeys: readonly WorldKey[];
  /** Null: deleted since the report. */
  readonly live: readonly WorldKey[] | null;
  readonly tag: TagKind;
  /** The exemption tag's value, for `exempt` and `expired`. */
  readonly tagValue: string | null;
}

/** Ages around every threshold of the findings table, and anything up to three years. */
const age = fc.oneof(
  fc.constantFrom(0, 7, 8, 30, 31, 44, 45, 46, 79, 80, 89, 90, 91, 364, 365, 366),
  fc.integer({ min: 0, max: 1_100 }),
);
const plantedKey = fc.record({
  active: fc.boolean(),
  age,
  usedAgo: fc.option(age, { nil: null }),
});
const drift = fc.oneof(
  { weight: 4, arbitrary: fc.constant<Drift>('none') },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Drift>('user-deleted', 'key-deleted', 'key-deactivated', 'key-created'),
  },
);
const tagKind = fc.oneof(
  { weight: 4, arbitrary: fc.constant<TagKind>('none') },
  { weight: 1, arbitrary: fc.constantFrom<TagKind>('other', 'exempt', 'expired') },
);
/** docs/design.md, "Findings": `<reason> until=YYYY-MM-DD`, inclusive in UTC; today is 2025-06-15. */
const TAG_VALUES: Record<Exclude<TagKind, 'none' | 'other'>, readonly string[]> = {
  exempt: ['approved by SEC-42 until=2099-12-31', 'approved by SEC-42 until=2025-06-15'],
  expired: ['approved by SEC-42 until=2025-06-14', 'approved by SEC-42 until=2020-01-01'],
};

const keyId = (user: number, slot: string) =>
  `AKIAPROP${String(user).padStart(2, '0')}${slot}`.padEnd(20, 'X');

const world = fc
  .record({
    users: fc.uniqueArray(
      fc.record({
        name: userName(),
        keys: fc.array(plantedKey, { maxLength: 2 }),
        drift,
        tag: tagKind,
        tagPick: fc.nat(),
      }),
      // Three users keep every answer within the caller's burst (docs/architecture.md: 19 calls).
      { maxLength: 3, selector: (u) => u.name },
    ),
    rootKeys: fc.array(fc.record({ active: fc.boolean(), age }), { maxLength: 2 }),
    rootDrift: fc.oneof(
      { weight: 4, arbitrary: fc.constant('none' as const) },
      { weight: 1, arbitrary: fc.constantFrom('deleted-since' as const, 'created-since' as const) },
    ),
    polls: fc.array(poll, { maxLength: POLLS - 1 }),
    // 6 of 9: a report as AWS writes it; 3 of 9: a report the collector cannot use.
    report: fc.oneof(
      { weight: 6, arbitrary: fc.constant({ kind: 'report' as const }) },
      { weight: 1, arbitrary: cellDamage.map((damage) => ({ kind: 'damaged' as const, damage })) },
      // 40 bytes cannot hold the header's required column names, so these never read as a report.
      {
        weight: 1,
        arbitrary: fc.uint8Array({ maxLength: 40 }).map((bytes) => ({ kind: 'garbage' as const, bytes })),
      },
      { weight: 1, arbitrary: fc.constant({ kind: 'denied' as const }) },
    ),
    generatedTime: fc.option(fc.constant(new Date(NOW_MS - 2 * HOUR)), { nil: undefined }),
    extra: extras,
  })
  .map((w) => {
    const users: WorldUser[] = w.users.map((u, i) => {
      // Slot 2 an hour earlier in its day: no two keys share a creation instant, and ages stay whole days.
      const reportKeys: WorldKey[] = u.keys.map((k, slot) => ({
        accessKeyId: keyId(i, String(slot + 1)),
        active: k.active,
        createdMs: NOW_MS - k.age * DAY - slot * HOUR,
        lastUsedMs: k.usedAgo === null ? null : NOW_MS - Math.min(k.age, k.usedAgo) * DAY,
      }));
      let live: WorldKey[] | null = [...reportKeys];
      if (u.drift === 'user-deleted') live = null;
      else if (u.drift === 'key-deleted') live = reportKeys.slice(0, -1);
      else if (u.drift === 'key-deactivated') {
        const at = reportKeys.findIndex((k) => k.active);
        if (at >= 0) live = reportKeys.map((k, j) => (j === at ? { ...k, active: false } : k));
      } else if (u.drift === 'key-created' && reportKeys.length < 2) {
        live = [
          ...reportKeys,
          { accessKeyId: keyId(i, 'N'), active: true, createdMs: NOW_MS - 2 * HOUR, lastUsedMs: null },
        ];
      }
      return { name: u.name, reportKeys, live, tag: u.tag, tagValue: tagValue(u.tag, u.tagPick) };
    });
    const rootReport = w.rootKeys.map((k) => ({ active: k.active, createdMs: NOW_MS - k.age * DAY }));
    const rootLive =
      w.rootDrift === 'deleted-since'
        ? 0
        : w.rootDrift === 'created-since' && rootReport.length === 0
          ? 1
          : rootReport.length;
    return { ...w, users, rootReport, rootLive };
  });
type World = typeof world extends fc.Arbitrary<infer T> ? T : never;

function tagValue(kind: TagKind, pick: number): string | null {
  if (kind === 'none' || kind === 'other') return null;
  const values = TAG_VALUES[kind];
  return values[pick % values.length] as string;
}

function reportRowsOf(w: World): ReportRow[] {
  const key = (k: { active: boolean; createdMs: number; lastUsedMs?: number | null }) => ({
    active: k.active,
    lastRotated: new Date(k.createdMs),
    lastUsed: k.lastUsedMs === null || k.lastUsedMs === undefined ? 'N/A' : new Date(k.lastUsedMs),
  });
  return [
    { user: ROOT_USER, keys: w.rootReport.map(key) },
    ...w.users.map((u) => ({ user: u.name, keys: u.reportKeys.map(key) })),
  ];
}

function armWorld(w: World, rows: readonly ReportRow[]): void {
  let polls = 0;
  iamFake.on(GenerateCredentialReportCommand, async () => {
    const at = polls;
    polls += 1;
    if (w.report.kind === 'denied') throw denied();
    const answer = w.polls[at];
    if (answer === 'LimitExceeded') throw limitExceeded();
    return { ...w.extra, State: answer ?? 'COMPLETE' };
  });
  const content =
    w.report.kind === 'report'
      ? reportBytes(rows, ACCOUNT)
      : w.report.kind === 'damaged'
        ? damagedReport(rows, w.report.damage).bytes
        : w.report.kind === 'garbage'
          ? w.report.bytes
          : new Uint8Array();
  iamFake.on(GetCredentialReportCommand, async () => ({
    ...w.extra,
    Content: content,
    ...(w.generatedTime === undefined ? {} : { GeneratedTime: w.generatedTime }),
    ReportFormat: 'text/csv',
  }));
  // docs/aws-behaviour.md: AccountAccessKeysPresent is 1 when the root user has an access key.
  iamFake.on(GetAccountSummaryCommand, async () => ({
    ...w.extra,
    SummaryMap: { Users: w.users.length, AccountAccessKeysPresent: w.rootLive > 0 ? 1 : 0 },
  }));
  const byName = new Map(w.users.map((u) => [u.name, u]));
  const liveUser = (name: unknown) => {
    const u = byName.get(String(name));
    if (u === undefined || u.live === null) throw noSuchEntity(String(name));
    return { ...u, live: u.live };
  };
  iamFake.on(ListUsersCommand, async () => ({
    ...w.extra,
    Users: w.users
      .filter((u) => u.live !== null)
      .map((u) => ({
        UserName: u.name,
        UserId: `AIDA${u.name.length}`,
        Arn: `arn:aws:iam::${ACCOUNT}:user/${u.name}`,
        Path: '/',
        CreateDate: new Date('2020-01-01T00:00:00Z'),
      })),
    IsTruncated: false,
  }));
  iamFake.on(ListAccessKeysCommand, async (input: { UserName?: string }) => {
    const u = liveUser(input.UserName);
    return {
      ...w.extra,
      AccessKeyMetadata: u.live.map((k) => ({
        UserName: u.name,
        AccessKeyId: k.accessKeyId,
        Status: k.active ? 'Active' : 'Inactive',
        CreateDate: new Date(k.createdMs),
      })),
      IsTruncated: false,
    };
  });
  iamFake.on(GetAccessKeyLastUsedCommand, async (input: { AccessKeyId?: string }) => {
    for (const u of w.users) {
      const k = u.live?.find((key) => key.accessKeyId === input.AccessKeyId);
      if (k === undefined) continue;
      // docs/aws-behaviour.md: no LastUsedDate for a key never used, ServiceName and Region N/A.
      return {
        ...w.extra,
        UserName: u.name,
        AccessKeyLastUsed:
          k.lastUsedMs === null
            ? { ServiceName: 'N/A', Region: 'N/A' }
            : { LastUsedDate: new Date(k.lastUsedMs), ServiceName: 's3', Region: 'us-east-1' },
      };
    }
    throw noSuchEntity(String(input.AccessKeyId));
  });
  iamFake.on(ListUserTagsCommand, async (input: { UserName?: string }) => {
    const u = liveUser(input.UserName);
    const tags =
      u.tag === 'other'
        ? [{ Key: 'team', Value: 'payments' }]
        : u.tagValue === null
          ? []
          : [{ Key: 'org-key-audit:exempt', Value: u.tagValue }];
    return { ...w.extra, Tags: tags, IsTruncated: false };
  });
}

/**
 * What the audit must find (docs/architecture.md, "Collecting one account"). From the report, a
 * user with a finding is flagged and only then read live: ListAccessKeys (deleted keys dropped,
 * new ones added, live status) and the tags; a user deleted since is left out; the others keep
 * their report keys, which by definition have no finding. The per-user path reads every live
 * user. Root keys: the report's row corrected by the live account summary (0 removes them, above
 * 0 with none in the report adds one of unknown age); the per-user path sees only the summary.
 */
function expectedOf(w: World, strategy: 'credential-report' | 'per-user') {
  const findings: ExpectedFinding[] = [];
  const exempted: ExpectedFinding[] = [];
  let expiredShown = 0;
  for (const u of w.users) {
    const flaggedByReport = userFindings(u.name, u.reportKeys, NOW_MS).length > 0;
    if (u.live === null || (strategy === 'credential-report' && !flaggedByReport)) continue;
    const found = userFindings(u.name, u.live, NOW_MS);
    if (u.tag === 'exempt') exempted.push(...found);
    else findings.push(...found);
    if (u.tag === 'expired' && found.length > 0) expiredShown += 1;
  }
  const present = w.rootLive > 0;
  if (present && strategy === 'credential-report' && w.rootReport.length > 0) {
    for (const k of w.rootReport) findings.push(rootFinding(calendarAge(k.createdMs, NOW_MS)));
  } else if (present) {
    findings.push(rootFinding(null));
  }
  return { findings, exempted, expiredShown };
}

describe('collector against the answers AWS can give', () => {
  it(`every valid or mildly odd account ends in an audit with the findings the rules give (${RUNS} runs)`, async () => {
    // Valid or mildly odd, all of it documented: polls before COMPLETE (LimitExceeded among
    // them), a report up to four hours stale, exemption tags (current, expiring today, expired),
    // unmodeled extra fields; and a report refused or unreadable, which must fall back.
    const tally = new OutcomeTally<'credential-report' | 'per-user'>();
    const withFindings = new OutcomeTally<'some' | 'none'>();
    await fc.assert(
      fc.asyncProperty(world, async (w) => {
        iamFake.reset();
        const rows = reportRowsOf(w);
        armWorld(w, rows);
        const strategy = w.report.kind === 'report' ? 'credential-report' : 'per-user';
        const audit = expectAuditBy(await outcome(), strategy, `report ${w.report.kind}`);
        tally.record(strategy);
        const expected = expectedOf(w, strategy);
        expectFindings(audit, expected, `${strategy} audit`);
        // docs/design.md, "Findings": an expired exemption's findings are reported with a warning.
        expect(audit.warnings.length).toBeGreaterThanOrEqual(expected.expiredShown);
        withFindings.record(expected.findings.length + expected.exempted.length > 0 ? 'some' : 'none');
      }),
      { numRuns: RUNS },
    );
    // Every run audits (checked above). The report kinds are drawn 6 : 1 : 1 : 1, so about 2/3 of
    // runs read the report and 1/3 fall back; the floors sit over 5 standard deviations below.
    tally.expectShareAtLeast('credential-report', 0.55, '6 of 9 generated reports are readable');
    tally.expectShareAtLeast('per-user', 0.25, '3 of 9 generated reports are refused or unreadable');
    // And the comparison with the rules is not vacuous: most accounts must have findings (about
    // 83 % measured: ages are drawn around the thresholds, and a root key anywhere is one).
    withFindings.expectShareAtLeast('some', 0.5, 'most generated accounts hold a key some rule flags');
  });
});

// ---------------------------------------------------------------- arbitrary answers, mostly odd

/**
 * The SDK deserializes every answer into its modeled shape: a field is present with its type or
 * missing, unknown enum strings pass through, and the response is always an object. So that is
 * what is generated here (junk of any type only in extra, unmodeled fields).
 */
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

const listedKeys = fc.oneof(
  // 3 of 4: what ListAccessKeys really returns, at most two keys, each with id and date.
  {
    weight: 3,
    arbitrary: fc.option(
      fc.array(
        fc.record({
          AccessKeyId: keyIdArb,
          Status: fc.constantFrom('Active', 'Inactive'),
          CreateDate: validDate,
          UserName: userName(),
        }),
        { maxLength: 2 },
      ),
      { nil: undefined },
    ),
  },
  // 1 of 4: anything the model allows, three keys and missing fields included.
  {
    weight: 1,
    arbitrary: fc.array(
      partial({
        AccessKeyId: keyIdArb,
        Status: fc.constantFrom('Active', 'Inactive', 'Expired'),
        CreateDate: validDate,
        UserName: userName(),
      }),
      { maxLength: 3 },
    ),
  },
);

const responses = fc.record({
  rows: rowsArb,
  generate: fc.oneof(
    // 3 of 4: polls as docs/aws-behaviour.md describes them, COMPLETE within the budget.
    {
      weight: 3,
      arbitrary: fc
        .array(fc.constantFrom('STARTED', 'INPROGRESS'), { maxLength: POLLS - 1 })
        .map((states) => [...states, 'COMPLETE'].map((State) => ({ State }) as Record<string, unknown>)),
    },
    // 1 of 4: anything, unknown states and missing ones included.
    {
      weight: 1,
      arbitrary: fc.array(partial({ State: fc.constantFrom('STARTED', 'INPROGRESS', 'COMPLETE', 'WEIRD') }), {
        minLength: 1,
        maxLength: 4,
      }),
    },
  ),
  content: fc.oneof(
    { weight: 5, arbitrary: fc.constant<'report' | 'missing'>('report') },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 40 }) },
    { weight: 1, arbitrary: fc.constant<'report' | 'missing'>('missing') },
  ),
  generatedTime: fc.option(validDate, { nil: undefined }),
  accessKeys: listedKeys,
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

/** The exact objects the mocked IAM answers with, so that the classification reads what the collector reads. */
function answersOf(r: Responses) {
  const content =
    r.content === 'report' ? reportBytes(r.rows, ACCOUNT) : r.content === 'missing' ? undefined : r.content;
  return {
    generate: Array.from({ length: POLLS }, (_, i) => ({
      ...r.extra,
      ...r.generate[Math.min(i, r.generate.length - 1)],
    })) as Record<string, unknown>[],
    report: {
      ...r.extra,
      ...(content === undefined ? {} : { Content: content }),
      ...(r.generatedTime === undefined ? {} : { GeneratedTime: r.generatedTime }),
      ReportFormat: 'text/csv',
    } as Record<string, unknown>,
    accessKeys: {
      ...(r.accessKeys === undefined ? {} : { AccessKeyMetadata: r.accessKeys }),
      IsTruncated: false,
    },
  };
}

function arm(r: Responses, listKeys?: (userName: string | undefined) => unknown): void {
  const answers = answersOf(r);
  let polls = 0;
  iamFake.on(GenerateCredentialReportCommand, () => {
    const answer = answers.generate[Math.min(polls, POLLS - 1)];
    polls += 1;
    return answer;
  });
  iamFake.answer(GetCredentialReportCommand, answers.report);
  iamFake.on(
    ListAccessKeysCommand,
    async (input: { UserName?: string }) => listKeys?.(input.UserName) ?? answers.accessKeys,
  );
  iamFake.answer(GetAccountSummaryCommand, r.summary);
  iamFake.answer(ListUserTagsCommand, r.tags);
  iamFake.answer(ListUsersCommand, r.users);
  iamFake.answer(GetAccessKeyLastUsedCommand, r.lastUsed);
}

/** ListAccessKeys as IAM really answers: at most two keys (docs/aws-behaviour.md), each with its id and date. */
function realKeyListing(r: Responses): boolean {
  const keys = r.accessKeys;
  return (
    keys === undefined ||
    (keys.length <= 2 && keys.every((k) => typeof k.AccessKeyId === 'string' && k.CreateDate instanceof Date))
  );
}

type Expected = 'credential-report' | 'per-user' | 'CredentialReportTimeoutError' | 'unsettled';

/**
 * What the documents settle for one answer set (docs/architecture.md, "Collecting one account"):
 * no COMPLETE within the polling budget is CredentialReportTimeoutError; a readable report with
 * real key listings is an audit from the report; an unreadable one (the random bytes are at most
 * 40, too few for the header's required column names) with real user and key listings is an
 * audit user by user. Anything else may end either way.
 */
function classify(r: Responses): Expected {
  const a = answersOf(r);
  if (!a.generate.some((g) => g['State'] === 'COMPLETE')) return 'CredentialReportTimeoutError';
  if (!realKeyListing(r)) return 'unsettled';
  if (r.content === 'report') return 'credential-report';
  const content = a.report['Content'];
  if (content !== undefined && !(content instanceof Uint8Array)) return 'unsettled';
  const users = r.users.Users;
  const named =
    users === undefined || users.every((u) => typeof u.UserName === 'string' && u.UserName !== '');
  return named ? 'per-user' : 'unsettled';
}

describe('collector against arbitrary IAM responses', () => {
  it(`ends in an audit wherever the documents require one, else a typed error or a sound audit (${RUNS} runs)`, async () => {
    const tally = new OutcomeTally<`${Expected}: ${'audit' | 'error'}`>();
    await fc.assert(
      fc.asyncProperty(responses, async (r) => {
        iamFake.reset();
        arm(r);
        const expected = classify(r);
        const result = await outcome();
        tally.record(`${expected}: ${'audit' in result ? 'audit' : 'error'}`);
        if (expected === 'credential-report' || expected === 'per-user') {
          expectAuditBy(result, expected, expected);
        } else if (expected === 'CredentialReportTimeoutError') {
          // docs/failure-modes.md: "the credential report … was not ready", never "no findings".
          expect('error' in result, 'no COMPLETE within the budget must not read as an audit').toBe(true);
          if ('error' in result) expectTypedErrorNamed(result.error, expected, ACCOUNT, 'not ready');
        } else if ('error' in result) {
          expectTypedError(result.error);
        } else {
          expectSoundAudit(result.audit);
        }
      }),
      { numRuns: RUNS },
    );
    // 3/4 of the poll sequences reach COMPLETE, 3/4 of the key listings are real, 5/7 of the
    // contents are a readable report: at least 3/4 x 3/4 x 5/7 = 40 % of runs must audit from the
    // report (more come from the other branches); the floor sits over 4 standard deviations lower.
    tally.expectShareAtLeast(
      ['credential-report: audit', 'per-user: audit'],
      0.33,
      'at least 40 % of the generated answer sets are ones the documents say must be audited',
    );
  });

  it(`an active key the report shows over 90 days old is never reported clean (${RUNS} runs)`, async () => {
    // The other answers stay arbitrary; the report and ListAccessKeys agree that the key is old.
    const tally = new OutcomeTally<'audit' | 'error'>();
    await fc.assert(
      fc.asyncProperty(responses, fc.integer({ min: 90, max: 3_000 }), userName(), async (r, days, user) => {
        iamFake.reset();
        const created = NOW_MS - days * DAY;
        const old: Responses['rows'][number] = {
          user,
          keys: [{ active: true, lastRotated: awsDate(created), lastUsed: 'N/A' }, null],
        };
        const rows = [...r.rows.filter((row) => row.user !== user), old];
        const fixed: Responses = { ...r, rows, content: 'report', generate: [{ State: 'COMPLETE' }] };
        const oldKey = {
          UserName: user,
          AccessKeyId: 'AKIAOLDKEYOLDKEY0001',
          Status: 'Active',
          CreateDate: new Date(created),
        };
        arm(fixed, (name) =>
          name === user ? { AccessKeyMetadata: [oldKey], IsTruncated: false } : undefined,
        );
        const result = await outcome();
        tally.record('audit' in result ? 'audit' : 'error');
        if (realKeyListing(fixed)) {
          // A readable report, COMPLETE at once, real listings: the documents leave no way to fail.
          expectAuditBy(result, 'credential-report', 'report with an old key');
        } else if ('error' in result) {
          expectTypedError(result.error);
          return;
        }
        if (!('audit' in result)) return;
        expectSoundAudit(result.audit);
        const mine = [...result.audit.findings, ...result.audit.exempted].filter((f) => f.userName === user);
        // docs/design.md, "Findings": overdue at 90 days, critical from 365.
        expect(mine.map((f) => [f.type, f.severity, f.ageDays])).toContainEqual([
          'ROTATION_OVERDUE',
          days >= 365 ? 'critical' : 'high',
          days,
        ]);
      }),
      { numRuns: RUNS },
    );
    // 3 of 4 key listings are drawn real, and every such run must audit (checked above).
    tally.expectShareAtLeast(
      'audit',
      0.65,
      '3 of 4 generated key listings are real, so those runs must audit',
    );
  });
});

// ---------------------------------------------------------------- absurd dates

/**
 * Which strategy the documents require for one key row: a date cell that is a real date or a
 * documented "nothing here" value reads; junk makes the report unreadable, and `auto` then
 * falls back to the per-user path (docs/architecture.md, step 5); an active key with no date
 * and cells the documents do not settle may go either way. Either way the account is audited.
 */
function strategyForCells(
  created: CellKind,
  used: CellKind,
  active: boolean,
): 'credential-report' | 'per-user' | 'unsettled' {
  if (created === 'junk') return 'per-user';
  if (created === 'absent') return active ? 'unsettled' : 'credential-report';
  if (created === 'date')
    return used === 'junk' ? 'per-user' : used === 'unclear' ? 'unsettled' : 'credential-report';
  return 'unsettled';
}

describe('key dates in the future or absurd', () => {
  it(`every date cell ends in an audit whose findings follow the key's planted dates (${RUNS} runs)`, async () => {
    const tally = new OutcomeTally<'credential-report' | 'per-user'>();
    await fc.assert(
      fc.asyncProperty(
        userName(),
        absurdDate(NOW_MS),
        fc.oneof(absurdDate(NOW_MS), fc.constant('N/A')),
        fc.boolean(),
        async (user, created, used, active) => {
          iamFake.reset();
          const rows: ReportRow[] = [
            { user, keys: [{ active, lastRotated: created, lastUsed: used }, null] },
          ];
          iamFake.answer(GenerateCredentialReportCommand, { State: 'COMPLETE' });
          iamFake.answer(GetCredentialReportCommand, { Content: reportBytes(rows, ACCOUNT) });
          // IAM's own view of the key: a real date (the SDK never yields an invalid one) when there is one.
          const createdMs = Date.parse(created);
          const key = {
            UserName: user,
            AccessKeyId: 'AKIAEXAMPLEEXAMPLE01',
            Status: active ? ('Active' as const) : ('Inactive' as const),
            ...(Number.isNaN(createdMs) ? {} : { CreateDate: new Date(createdMs) }),
          };
          iamFake.answer(ListAccessKeysCommand, { AccessKeyMetadata: [key] });
          iamFake.answer(ListUsersCommand, {
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
          iamFake.answer(GetAccessKeyLastUsedCommand, {
            UserName: user,
            AccessKeyLastUsed: Number.isNaN(usedMs)
              ? { ServiceName: 'N/A', Region: 'N/A' }
              : { LastUsedDate: new Date(usedMs), ServiceName: 's3', Region: 'us-east-1' },
          });
          iamFake.answer(GetAccountSummaryCommand, { SummaryMap: { AccountAccessKeysPresent: 0 } });
          iamFake.answer(ListUserTagsCommand, { Tags: [] });

          const createdKind = dateCellKind(created);
          const usedKind = used === 'N/A' ? 'absent' : dateCellKind(used);
          const required = strategyForCells(createdKind, usedKind, active);
          const result = await outcome();
          if ('error' in result) {
            const e = result.error as Error;
            throw new Error(
              `created ${JSON.stringify(created)}, used ${JSON.stringify(used)}: threw ${e?.name}: ${e?.message}`,
            );
          }
          const audit = result.audit;
          expectSoundAudit(audit);
          const strategy = audit.strategy as 'credential-report' | 'per-user';
          if (required !== 'unsettled') expectAuditBy(result, required, `created ${created}, used ${used}`);
          tally.record(strategy);

          // The key each strategy sees: the report's cells, or IAM's own answers.
          let keys: OracleKey[] | null = null;
          if (strategy === 'credential-report' && createdKind === 'date' && usedKind !== 'unclear') {
            keys = [
              {
                accessKeyId: 'AKIAEXAMPLEEXAMPLE01',
                active,
                createdMs: Date.parse(created),
                lastUsedMs: usedKind === 'date' ? Date.parse(used) : null,
              },
            ];
          } else if (strategy === 'credential-report' && createdKind === 'absent' && !active) {
            keys = [];
          } else if (strategy === 'per-user') {
            keys = Number.isNaN(createdMs)
              ? []
              : [
                  {
                    accessKeyId: 'AKIAEXAMPLEEXAMPLE01',
                    active,
                    createdMs,
                    lastUsedMs: Number.isNaN(usedMs) ? null : usedMs,
                  },
                ];
          }
          if (keys !== null) {
            expectFindings(
              audit,
              { findings: userFindings(user, keys, NOW_MS), exempted: [] },
              `${strategy} audit`,
            );
          }
          if (createdMs > NOW_MS) {
            // A future creation date (clock skew) is age 0: never due, never overdue.
            const rotation = audit.findings.filter(
              (f) => f.type === 'ROTATION_OVERDUE' || f.type === 'ROTATION_DUE_SOON',
            );
            expect(rotation).toEqual([]);
          }
        },
      ),
      { numRuns: RUNS },
    );
    // Every run audits (checked above). absurdDate draws future days, far years, edge constants
    // and random text a quarter each: over half the created cells are real dates and about half
    // the runs read the report (measured 50 %, the rest fall back, mostly on random text). Both
    // floors are lower bounds from the construction: real dates in the first two quarters with a
    // used cell of N/A (half the used cells) are 1/4 of runs; the four junk constants of 13 in
    // the third quarter alone are 1/13 of runs, and random text without digits adds more.
    tally.expectShareAtLeast(
      'credential-report',
      0.2,
      'at least a quarter of the runs hold a readable key row',
    );
    tally.expectShareAtLeast('per-user', 0.05, 'at least 1/13 of the runs hold a junk creation date');
  });
});

// ---------------------------------------------------------------- answers that can only be bad

type BadCase =
  | { readonly kind: 'never-complete'; readonly polls: readonly (Poll | 'WEIRD' | 'no state')[] }
  | { readonly kind: 'damaged-cell'; readonly damage: CellDamage; readonly users: readonly string[] }
  | { readonly kind: 'three-keys' }
  | { readonly kind: 'nameless-user' }
  | { readonly kind: 'truncated-without-marker' };

const badCase: fc.Arbitrary<BadCase> = fc.oneof(
  fc
    .array(
      fc.constantFrom<Poll | 'WEIRD' | 'no state'>(
        'STARTED',
        'INPROGRESS',
        'LimitExceeded',
        'WEIRD',
        'no state',
      ),
      {
        minLength: POLLS,
        maxLength: POLLS,
      },
    )
    .map((polls) => ({ kind: 'never-complete' as const, polls })),
  fc
    .tuple(cellDamage, fc.uniqueArray(userName(), { maxLength: 3 }))
    .map(([damage, users]) => ({ kind: 'damaged-cell' as const, damage, users })),
  fc.constant({ kind: 'three-keys' as const }),
  fc.constant({ kind: 'nameless-user' as const }),
  fc.constant({ kind: 'truncated-without-marker' as const }),
);

/** A well-formed account around the one bad answer: one user with an overdue key. */
function armAround(bad: BadCase): { strategy?: StrategyChoice; name: string; mentions: string[] } {
  const user = 'alice';
  const created = new Date(NOW_MS - 400 * DAY);
  const rows: ReportRow[] = [
    { user: ROOT_USER },
    { user, keys: [{ active: true, lastRotated: created, lastUsed: 'N/A' }] },
  ];
  let polls = 0;
  iamFake.on(GenerateCredentialReportCommand, async () => {
    const at = polls;
    polls += 1;
    if (bad.kind === 'nameless-user' || bad.kind === 'truncated-without-marker') throw denied();
    if (bad.kind !== 'never-complete') return { State: 'COMPLETE' };
    const answer = bad.polls[at];
    if (answer === 'LimitExceeded') throw limitExceeded();
    return answer === 'no state' ? {} : { State: answer };
  });
  let damagedRow = 0;
  let content = reportBytes(rows, ACCOUNT);
  if (bad.kind === 'damaged-cell') {
    const damaged = damagedReport([...rows, ...bad.users.map((u) => ({ user: `x${u}` }))], bad.damage);
    content = damaged.bytes;
    damagedRow = damaged.row;
  }
  iamFake.answer(GetCredentialReportCommand, { Content: content, GeneratedTime: new Date(NOW_MS - HOUR) });
  iamFake.answer(GetAccountSummaryCommand, { SummaryMap: { AccountAccessKeysPresent: 0 } });
  const listed = (n: number) =>
    Array.from({ length: n }, (_, i) => ({
      UserName: user,
      AccessKeyId: `AKIATHREEKEYS0000${i}`.padEnd(20, 'X'),
      Status: 'Active' as const,
      CreateDate: i === 0 ? created : new Date(NOW_MS - i * DAY),
    }));
  iamFake.answer(ListAccessKeysCommand, {
    AccessKeyMetadata: listed(bad.kind === 'three-keys' ? 3 : 1),
    IsTruncated: false,
  });
  iamFake.answer(ListUserTagsCommand, { Tags: [], IsTruncated: false });
  iamFake.answer(GetAccessKeyLastUsedCommand, { AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' } });
  const named = {
    UserName: user,
    UserId: 'AIDAALICE',
    Arn: `arn:aws:iam::${ACCOUNT}:user/${user}`,
    Path: '/',
  };
  iamFake.answer(
    ListUsersCommand,
    bad.kind === 'nameless-user'
      ? { Users: [named, { UserId: 'AIDANONAME', Arn: 'arn:aws:iam::123456789012:user/x', Path: '/' }] }
      : bad.kind === 'truncated-without-marker'
        ? { Users: [named], IsTruncated: true }
        : { Users: [named], IsTruncated: false },
  );
  switch (bad.kind) {
    case 'never-complete':
      // docs/failure-modes.md: "the credential report … was not ready".
      return { name: 'CredentialReportTimeoutError', mentions: [ACCOUNT, 'not ready'] };
    case 'damaged-cell':
      // docs/design.md: anything the parser cannot read is an error naming the row and column;
      // only strategy `auto` falls back, so a pinned strategy surfaces it.
      return {
        strategy: 'credential-report',
        name: 'CredentialReportParseError',
        mentions: [bad.damage.column, `Row ${damagedRow}`],
      };
    case 'three-keys':
      // docs/aws-behaviour.md: a user has at most two access keys.
      return { name: 'MalformedDataError', mentions: ['ListAccessKeys'] };
    case 'nameless-user':
      return { name: 'MalformedDataError', mentions: ['UserName'] };
    case 'truncated-without-marker':
      // docs/aws-behaviour.md: paginate with IsTruncated and Marker.
      return { name: 'MalformedDataError', mentions: ['Marker'] };
  }
}

describe('answers that can only be bad', () => {
  it(`end in the typed error that names what was wrong, never in an audit (${RUNS} runs)`, async () => {
    const tally = new OutcomeTally<BadCase['kind']>();
    await fc.assert(
      fc.asyncProperty(badCase, async (bad) => {
        iamFake.reset();
        const { strategy, name, mentions } = armAround(bad);
        const result = await outcome(strategy);
        tally.record(bad.kind);
        if ('audit' in result) {
          throw new Error(`${bad.kind}: expected ${name}, got an audit by ${result.audit.strategy}`);
        }
        expectTypedErrorNamed(result.error, name, ...mentions);
      }),
      { numRuns: RUNS },
    );
    // fc.oneof draws the five kinds evenly: each must have been tried.
    for (const kind of [
      'never-complete',
      'damaged-cell',
      'three-keys',
      'nameless-user',
      'truncated-without-marker',
    ] as const) {
      tally.expectShareAtLeast(kind, 0.1, 'each of the five bad kinds is drawn a fifth of the time');
    }
  });
});
