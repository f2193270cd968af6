/**
 * Property: a digest is never built from bad data. One real run on the emulator stores every
 * account's result in S3; each case damages one stored result and calls the real BuildDigest
 * with the event the run gave it. BuildDigest must refuse with a typed error (the workflow then
 * sends the digest DLQ and publishes nothing) or report that account as not audited; it must
 * never present the damaged account as audited.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { Report } from '@org-key-audit/functions/core';
import type { WorkflowTasks } from '@org-key-audit/statemachine';
import { buildTasks } from '@org-key-audit/statemachine';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalEnv, localAuditOptions, runLocal, startLocalEnv } from '../support/local-env';
import { PROPERTY_RUNS } from '../support/property-runs';
import { expectTypedError } from '../support/typed-errors';

const RUNS = PROPERTY_RUNS;
const NAME = 'bad-data-seed-run';

let env: LocalEnv;
let buildDigest: (event: unknown) => Promise<unknown>;
let digestEvent: unknown;
let audited: string[] = [];
const original = new Map<string, Record<string, unknown>>();

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
  audited = env.emulator.expected.accounts
    .filter((a) => a.expectedStatus === 'AUDITED')
    .map((a) => a.accountId);
  const objects = env.emulator.messaging.objects(env.emulator.resources.reportBucket);
  for (const id of audited) {
    const body = objects.get(`runs/${NAME}/accounts/${id}.json`);
    if (body === undefined) throw new Error(`no stored result for ${id}`);
    original.set(id, JSON.parse(body.toString('utf8')) as Record<string, unknown>);
  }
}, 120_000);

afterAll(async () => {
  await env?.stop();
});

/** A named damage, so a counterexample says what was done to the object. */
interface Damage {
  readonly label: string;
  readonly apply: (audit: Record<string, unknown>) => string;
}
const named = (label: string, apply: Damage['apply']): Damage => ({ label, apply });
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
const damage: fc.Arbitrary<Damage> = fc.oneof(
  // Cut short: a partial upload or a truncated object.
  fc
    .double({ min: 0, max: 0.98, noNaN: true })
    .map((f) =>
      named(`truncated at ${f}`, (a) => JSON.stringify(a).slice(0, Math.floor(JSON.stringify(a).length * f))),
    ),
  fc.constantFrom(...REQUIRED).map((k) =>
    named(`without ${k}`, (a) => {
      const { [k]: _gone, ...rest } = a;
      return JSON.stringify(rest);
    }),
  ),
  // Values no field of an AccountAudit accepts in these places (enums, literal, objects, arrays).
  fc
    .tuple(fc.constantFrom(...REQUIRED), fc.constantFrom(null, 42, 'oops'))
    .map(([k, v]) => named(`${k} = ${JSON.stringify(v)}`, (a) => JSON.stringify({ ...a, [k]: v }))),
  fc
    .constantFrom(2, 0, '1')
    .map((v) => named(`schemaVersion ${v}`, (a) => JSON.stringify({ ...a, schemaVersion: v }))),
  fc
    .constantFrom('123', '1234567890123', 'not-an-account')
    .map((v) => named(`accountId ${v}`, (a) => JSON.stringify({ ...a, accountId: v }))),
  fc
    .oneof(fc.integer({ max: -1 }), fc.constant(0.5), fc.constant('old'))
    .map((v) => named(`finding ageDays ${String(v)}`, (a) => withFirstFinding(a, { ageDays: v }))),
  fc
    .constantFrom('ROTATION_MAYBE', '', 'critical')
    .map((v) => named(`finding type ${v}`, (a) => withFirstFinding(a, { type: v }))),
  fc
    .constantFrom('urgent', '', 'HIGH')
    .map((v) => named(`finding severity ${v}`, (a) => withFirstFinding(a, { severity: v }))),
);

describe('BuildDigest over damaged stored results', () => {
  it(`refuses with a typed error or reports the account as not audited (${RUNS} runs)`, async () => {
    const withFindings = audited.filter(
      (id) => ((original.get(id)?.['findings'] as unknown[]) ?? []).length > 0,
    );
    expect(withFindings.length).toBeGreaterThan(0);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...withFindings), damage, async (accountId, spoil: Damage) => {
        const key = `runs/${NAME}/accounts/${accountId}.json`;
        const audit = original.get(accountId) ?? {};
        const bucket = env.emulator.resources.reportBucket;
        await env.operator.s3.send(
          new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(spoil.apply(audit)) }),
        );
        try {
          let report: Report | undefined;
          try {
            await buildDigest(digestEvent);
            const stored = env.emulator.messaging.objects(bucket).get(`reports/${NAME}/report.json`);
            report = JSON.parse(stored?.toString('utf8') ?? 'null') as Report;
          } catch (error) {
            expectTypedError(error);
            return;
          }
          const entry = report.accounts.find((a) => a.accountId === accountId);
          expect(entry?.status, `damaged ${accountId} shown as ${entry?.status}`).not.toBe('AUDITED');
        } finally {
          await env.operator.s3.send(
            new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(JSON.stringify(audit)) }),
          );
        }
      }),
      { numRuns: RUNS },
    );
  }, 300_000);
});
