/**
 * Property: a digest is never built from bad data, and always built around it. One real run on
 * the emulator stores every account's result in S3; each case rewrites one stored result and
 * calls the real BuildDigest with the event the run gave it. The rewrite is either harmless (the
 * same AccountAudit, serialized another way) or damage. docs/failure-modes.md ("a stored result
 * is damaged") and docs/architecture.md (BuildDigest makes every account exactly one AUDITED /
 * FAILED / SKIPPED) settle both: every case ends in a report; a harmlessly rewritten account is
 * AUDITED with its planted findings, a damaged one FAILED with the reason (naming the object and
 * the field) and the fix, and every other account exactly as the run left it.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { AccountAudit, Report } from '@org-key-audit/functions/core';
import type { WorkflowTasks } from '@org-key-audit/statemachine';
import { buildTasks } from '@org-key-audit/statemachine';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditedFindingKeys,
  type LocalEnv,
  localAuditOptions,
  plantedFindingKeys,
  reportOf,
  runLocal,
  startLocalEnv,
} from '../support/local-env';
import { OutcomeTally } from '../support/property-outcomes';
import { PROPERTY_RUNS } from '../support/property-runs';

const RUNS = PROPERTY_RUNS;
const NAME = 'bad-data-seed-run';
const REPORT_KEY = `reports/${NAME}/report.json`;

/** What BuildDigest returns (docs/contracts.md): the summary that becomes the execution output. */
interface DigestResult {
  readonly summary: {
    readonly totals: { readonly audited: number; readonly failed: number };
    readonly failedAccounts: readonly { readonly accountId: string; readonly errorName: string }[];
  };
}

let env: LocalEnv;
let buildDigest: (event: unknown) => Promise<unknown>;
let digestEvent: unknown;
/** The seed run's own report: every account once, as the run left it. */
let baseline: Report;
let audited: string[] = [];
const original = new Map<string, Record<string, unknown>>();

const objectKey = (accountId: string) => `runs/${NAME}/accounts/${accountId}.json`;

beforeAll(async () => {
  env = await startLocalEnv({ preset: 'faults', accounts: 6, users: 3, seed: 'bad-data' });
  const capture = (tasks: WorkflowTasks): WorkflowTasks => ({
    ...tasks,
    buildDigest: async (event: never) => {
      digestEvent = event;
      return tasks.buildDigest(event);
    },
  });
  const result = await runLocal(env, { executionName: NAME, input: { dryRun: true }, wrapTasks: capture });
  expect(result.status).toBe('SUCCEEDED');
  const tasks = buildTasks(localAuditOptions(env), env.clients);
  buildDigest = tasks.buildDigest as unknown as (event: unknown) => Promise<unknown>;
  baseline = reportOf(env.emulator, NAME);
  const { expected } = env.emulator;
  audited = expected.accounts.filter((a) => a.expectedStatus === 'AUDITED').map((a) => a.accountId);
  // The seed run itself is what the emulator planted: the baseline every case is held to.
  for (const account of expected.accounts) {
    const entry = baseline.accounts.find((a) => a.accountId === account.accountId);
    expect(entry?.status, `seed run: ${account.accountId}`).toBe(account.expectedStatus);
  }
  const objects = env.emulator.messaging.objects(env.emulator.resources.reportBucket);
  for (const id of audited) {
    const body = objects.get(objectKey(id));
    if (body === undefined) throw new Error(`no stored result for ${id}`);
    const audit = JSON.parse(body.toString('utf8')) as AccountAudit;
    expect(auditedFindingKeys(audit), `seed run: ${id} holds its planted findings`).toEqual(
      plantedFindingKeys(expected.findings, expected.exempted, id),
    );
    original.set(id, audit as unknown as Record<string, unknown>);
  }
}, 120_000);

afterAll(async () => {
  await env?.stop();
});

/**
 * One rewrite of a stored result. `damaged` ones must make the account FAILED with a reason that
 * names the object and each of `mentions` (the field at fault); the others leave it AUDITED.
 */
interface Change {
  readonly label: string;
  readonly damaged: boolean;
  readonly mentions: readonly (string | RegExp)[];
  readonly apply: (audit: Record<string, unknown>) => string;
}
const harmless = (label: string, apply: Change['apply']): Change => ({
  label,
  damaged: false,
  mentions: [],
  apply,
});
const damage = (label: string, mentions: Change['mentions'], apply: Change['apply']): Change => ({
  label,
  damaged: true,
  mentions,
  apply,
});

const REQUIRED = [
  'schemaVersion',
  'accountId',
  'status',
  'strategy',
  'counts',
  'findings',
  'exempted',
] as const;
const withFirstFinding = (a: Record<string, unknown>, patch: Record<string, unknown>) => {
  const findings = a['findings'] as Record<string, unknown>[];
  return JSON.stringify({ ...a, findings: [{ ...(findings[0] ?? {}), ...patch }, ...findings.slice(1)] });
};
const reversedKeys = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(reversedKeys)
    : typeof value === 'object' && value !== null
      ? Object.fromEntries(
          Object.entries(value)
            .reverse()
            .map(([k, v]) => [k, reversedKeys(v)]),
        )
      : value;

/** The same AccountAudit by value (docs/design.md, "Data shapes"), only serialized another way. */
const harmlessChange: fc.Arbitrary<Change> = fc.constantFrom(
  harmless('rewritten as it was', (a) => JSON.stringify(a)),
  harmless('pretty-printed', (a) => JSON.stringify(a, null, 2)),
  harmless('indented with tabs, trailing newline', (a) => `${JSON.stringify(a, null, '\t')}\n`),
  harmless('every object with its keys in reverse order', (a) => JSON.stringify(reversedKeys(a))),
);

const damagedChange: fc.Arbitrary<Change> = fc.oneof(
  // Cut short: a partial upload or a truncated object (no field to name: it is not JSON).
  fc
    .double({ min: 0, max: 0.98, noNaN: true })
    .map((f) =>
      damage(`truncated at ${f}`, [], (a) =>
        JSON.stringify(a).slice(0, Math.floor(JSON.stringify(a).length * f)),
      ),
    ),
  fc.constantFrom(...REQUIRED).map((k) =>
    damage(`without ${k}`, [k], (a) => {
      const { [k]: _gone, ...rest } = a;
      return JSON.stringify(rest);
    }),
  ),
  // Values no field of an AccountAudit accepts in these places (enums, literal, objects, arrays).
  fc
    .tuple(fc.constantFrom(...REQUIRED), fc.constantFrom(null, 42, 'oops'))
    .map(([k, v]) => damage(`${k} = ${JSON.stringify(v)}`, [k], (a) => JSON.stringify({ ...a, [k]: v }))),
  // docs/architecture.md: every stored object carries schemaVersion 1.
  fc
    .constantFrom(2, 0, '1')
    .map((v) =>
      damage(`schemaVersion ${JSON.stringify(v)}`, ['schemaVersion'], (a) =>
        JSON.stringify({ ...a, schemaVersion: v }),
      ),
    ),
  fc
    .constantFrom('123', '1234567890123', 'not-an-account')
    .map((v) => damage(`accountId ${v}`, ['accountId'], (a) => JSON.stringify({ ...a, accountId: v }))),
  // A well-formed result under the wrong account's key: the message names the account it holds.
  fc.constant(
    damage('the result of another account', ['999999999999'], (a) =>
      JSON.stringify({ ...a, accountId: '999999999999' }),
    ),
  ),
  fc
    .oneof(fc.integer({ max: -1 }), fc.constant(0.5), fc.constant('old'))
    .map((v) =>
      damage(`finding ageDays ${String(v)}`, [/findings\W+0\W+ageDays/], (a) =>
        withFirstFinding(a, { ageDays: v }),
      ),
    ),
  fc
    .constantFrom('ROTATION_MAYBE', '', 'critical')
    .map((v) =>
      damage(`finding type ${v}`, [/findings\W+0\W+type/], (a) => withFirstFinding(a, { type: v })),
    ),
  fc
    .constantFrom('urgent', '', 'HIGH')
    .map((v) =>
      damage(`finding severity ${v}`, [/findings\W+0\W+severity/], (a) =>
        withFirstFinding(a, { severity: v }),
      ),
    ),
);

/** 3 of 10 cases rewrite the result harmlessly, 7 of 10 damage it. */
const change: fc.Arbitrary<Change> = fc.oneof(
  { weight: 3, arbitrary: harmlessChange },
  { weight: 7, arbitrary: damagedChange },
);

async function put(key: string, body: string): Promise<void> {
  const bucket = env.emulator.resources.reportBucket;
  await env.operator.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(body) }));
}

function readReport(): Report | null {
  const bucket = env.emulator.resources.reportBucket;
  const text = env.emulator.messaging.objects(bucket).get(REPORT_KEY)?.toString('utf8');
  return text === undefined ? null : (JSON.parse(text) as Report);
}

describe('BuildDigest over rewritten stored results', () => {
  it(`always builds the digest: a damaged account FAILED with the reason, a harmless rewrite AUDITED (${RUNS} runs)`, async () => {
    const withFindings = audited.filter(
      (id) => ((original.get(id)?.['findings'] as unknown[]) ?? []).length > 0,
    );
    expect(withFindings.length).toBeGreaterThan(0);
    const { expected } = env.emulator;
    const tally = new OutcomeTally<'harmless: AUDITED' | 'damaged: FAILED'>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...withFindings), change, async (accountId, rewrite: Change) => {
        const key = objectKey(accountId);
        const audit = original.get(accountId) ?? {};
        const where = `${rewrite.label} (${accountId})`;
        await put(key, rewrite.apply(audit));
        try {
          let result: DigestResult;
          try {
            result = (await buildDigest(digestEvent)) as DigestResult;
          } catch (error) {
            const e = error as Error;
            throw new Error(
              `${where}: BuildDigest threw ${e?.name}: ${e?.message}; it must report the account instead`,
            );
          }
          const report = readReport();
          expect(report, `${where}: the call wrote the report`).not.toBeNull();
          if (report === null) return;
          // The execution output and the report tell the same story (one left over from an earlier
          // case of another account or kind would not: the failed account would differ).
          const { summary } = result;
          expect(summary.totals.audited, `${where}: summary and report`).toBe(report.totals.audited);
          expect(summary.totals.failed, `${where}: summary and report`).toBe(report.totals.failed);
          const listed = summary.failedAccounts.find((a) => a.accountId === accountId);
          expect(listed?.errorName, `${where}: the summary's failed accounts`).toBe(
            rewrite.damaged ? 'MalformedDataError' : undefined,
          );

          // Every account exactly once; every other account exactly as the run left it.
          expect(report.accounts.map((a) => a.accountId).sort(), where).toEqual(
            baseline.accounts.map((a) => a.accountId).sort(),
          );
          for (const before of baseline.accounts) {
            if (before.accountId === accountId) continue;
            const now = report.accounts.find((a) => a.accountId === before.accountId);
            expect(now?.status, `${where}: untouched account ${before.accountId}`).toBe(before.status);
            if (now !== undefined && before.status === 'AUDITED') {
              expect(auditedFindingKeys(now), `${where}: untouched ${before.accountId}`).toEqual(
                plantedFindingKeys(expected.findings, expected.exempted, before.accountId),
              );
            }
          }

          const entry = report.accounts.find((a) => a.accountId === accountId);
          if (entry === undefined) throw new Error(`${where}: the account is missing from the report`);
          if (!rewrite.damaged) {
            expect(entry.status, `${where}: ${entry.errorName ?? ''} ${entry.reason ?? ''}`).toBe('AUDITED');
            expect(auditedFindingKeys(entry), `${where}: planted findings`).toEqual(
              plantedFindingKeys(expected.findings, expected.exempted, accountId),
            );
            expect(report.totals.audited, where).toBe(baseline.totals.audited);
            tally.record('harmless: AUDITED');
            return;
          }
          // docs/failure-modes.md: a damaged per-account result makes that account FAILED, never AUDITED.
          expect(entry.status, `damaged ${accountId} shown as ${entry.status}`).toBe('FAILED');
          expect(entry.errorName, where).toBe('MalformedDataError');
          const reason = entry.reason ?? '';
          expect(reason, `${where}: the reason names the object`).toContain(key);
          for (const text of rewrite.mentions) {
            if (typeof text === 'string')
              expect(reason, `${where}: the reason names the field`).toContain(text);
            else expect(reason, `${where}: the reason names the field`).toMatch(text);
          }
          expect((entry.fix ?? '').length, `${where}: a FAILED account comes with the fix`).toBeGreaterThan(
            0,
          );
          expect(entry.findings, `${where}: nothing of the damaged result is shown`).toEqual([]);
          expect(report.totals.audited, where).toBe(baseline.totals.audited - 1);
          expect(report.totals.failed, where).toBe(baseline.totals.failed + 1);
          tally.record('damaged: FAILED');
        } finally {
          await put(key, JSON.stringify(audit));
        }
      }),
      { numRuns: RUNS },
    );
    // Every case ended in a report (checked above). fc.oneof draws harmless : damaged as 3 : 7,
    // so about 30 % of runs must show the account AUDITED and 70 % FAILED; each floor sits over
    // 6 standard deviations below at 1,000 runs.
    tally.expectShareAtLeast('harmless: AUDITED', 0.2, '3 of 10 generated rewrites are harmless');
    tally.expectShareAtLeast('damaged: FAILED', 0.6, '7 of 10 generated rewrites are damage');
  }, 300_000);
});
