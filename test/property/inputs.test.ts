/**
 * Property: bad input of every kind a person or AWS can produce (execution input, deployment
 * config, credential-report CSV) ends in a typed error that names the field, or in a correct
 * result; never in an unhandled exception. Expected values come from how the inputs were built.
 */
import { DEFAULT_THRESHOLDS, InvalidInputError, parseCredentialReport } from '@org-key-audit/functions/core';
import { makeValidateInputHandler } from '@org-key-audit/functions/handlers';
import { silentTelemetry } from '@org-key-audit/functions/runtime';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ConfigInput, parseConfig } from '../../infra/lib/config';
import { COLUMNS, saneKey, userName, writeReport } from '../support/credential-report-csv';
import { PROPERTY_RUNS } from '../support/property-runs';
import { expectTypedError } from '../support/typed-errors';

const RUNS = PROPERTY_RUNS;
const validate = makeValidateInputHandler({ thresholds: DEFAULT_THRESHOLDS, telemetry: silentTelemetry });

const accountId = fc.stringMatching(/^[1-9]\d{11}$/);
const validInput = fc.record(
  {
    accountIds: fc.uniqueArray(accountId, { minLength: 1, maxLength: 20 }),
    dryRun: fc.boolean(),
    reason: fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 .,:-]{0,98}[A-Za-z0-9]$/),
    thresholds: fc.constant({}),
  },
  { requiredKeys: [] },
);

type Defect = { readonly field: string; readonly apply: (input: Record<string, unknown>) => unknown };
/** One defect per case, each with the field its error message must name. */
const defect: fc.Arbitrary<Defect> = fc.oneof(
  fc
    .stringMatching(/^[a-z][A-Za-z]{2,12}$/)
    .filter((k) => !['accountIds', 'dryRun', 'reason', 'thresholds'].includes(k))
    .map((k) => ({ field: k, apply: (i: Record<string, unknown>) => ({ ...i, [k]: 1 }) })),
  fc.stringMatching(/^\d{1,11}$|^\d{13,14}$/).map((bad) => ({
    field: 'accountIds',
    apply: (i: Record<string, unknown>) => ({ ...i, accountIds: ['123456789012', bad] }),
  })),
  fc.constant<Defect>({
    field: 'accountIds',
    apply: (i: Record<string, unknown>) => ({ ...i, accountIds: ['123456789012', '123456789012'] }),
  }),
  fc.constant<Defect>({
    field: 'accountIds',
    apply: (i: Record<string, unknown>) => ({ ...i, accountIds: [] }),
  }),
  fc
    .oneof(fc.string(), fc.integer(), fc.object())
    .map((v) => ({ field: 'accountIds', apply: (i: Record<string, unknown>) => ({ ...i, accountIds: v }) })),
  fc
    .oneof(fc.string(), fc.integer(), fc.array(fc.boolean()))
    .map((v) => ({ field: 'dryRun', apply: (i: Record<string, unknown>) => ({ ...i, dryRun: v }) })),
  fc.integer({ min: 501, max: 2_000 }).map((n) => ({
    field: 'reason',
    apply: (i: Record<string, unknown>) => ({ ...i, reason: 'x'.repeat(n) }),
  })),
  fc
    .oneof(fc.integer(), fc.array(fc.string()))
    .map((v) => ({ field: 'reason', apply: (i: Record<string, unknown>) => ({ ...i, reason: v }) })),
  fc
    .stringMatching(/^[a-z][A-Za-z]{2,12}$/)
    .filter((k) => !(k in DEFAULT_THRESHOLDS))
    .map((k) => ({ field: k, apply: (i: Record<string, unknown>) => ({ ...i, thresholds: { [k]: 5 } }) })),
  fc.integer({ max: -1 }).map((n) => ({
    field: 'unusedDays',
    apply: (i: Record<string, unknown>) => ({ ...i, thresholds: { unusedDays: n } }),
  })),
  fc
    .oneof(fc.string(), fc.integer(), fc.array(fc.anything()), fc.constant(null))
    .map((v) => ({ field: 'object', apply: () => v })),
);

describe('execution input through ValidateInput', () => {
  it(`any JSON value gets a result, never an exception (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue(), async (raw) => {
        const result = await validate({ input: raw });
        if (result.ok) {
          // Accepted input is normalized: every field present, ids valid.
          const { input } = result;
          expect(typeof input.dryRun).toBe('boolean');
          expect(input.accountIds === null || input.accountIds.every((id) => /^\d{12}$/.test(id))).toBe(true);
        } else {
          expect(result.error).toBe('InvalidInput');
          expect(result.cause.length).toBeGreaterThan(10);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it(`valid input is accepted as given (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(validInput, async (raw) => {
        const result = await validate({ input: raw });
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.input.accountIds).toEqual(raw.accountIds ?? null);
        expect(result.input.dryRun).toBe(raw.dryRun ?? false);
        expect(result.input.reason).toBe(raw.reason ?? null);
      }),
      { numRuns: RUNS },
    );
  });

  it(`one defect is refused with a cause naming the field (${RUNS} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(validInput, defect, async (raw, d) => {
        const result = await validate({ input: d.apply(raw as Record<string, unknown>) });
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.error).toBe('InvalidInput');
        expect(result.cause).toContain(d.field);
      }),
      { numRuns: RUNS },
    );
  });
});

const VALID_CONFIG: ConfigInput = {
  managementAccountId: '111111111111',
  auditAccountId: '222222222222',
  organizationId: 'o-prop000001',
  region: 'eu-west-1',
  rollout: { targetOrganizationalUnitIds: ['r-ab12'], callAs: 'DELEGATED_ADMIN' },
  digestEmails: ['secops@example.com'],
};
const CONFIG_FIELDS = [
  'managementAccountId',
  'auditAccountId',
  'organizationId',
  'region',
  'auditRoleName',
  'rollout',
  'schedule',
  'thresholds',
  'digestEmails',
  'alarmEmails',
  'exemptions',
  'mapMaxConcurrency',
  'childExecutionType',
  'reportRetentionDays',
] as const;

describe('deployment config', () => {
  it(`any value in any field: a config or an InvalidInputError naming the field (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CONFIG_FIELDS),
        fc.oneof(fc.jsonValue(), fc.constant(undefined)),
        (field, value) => {
          const raw = { ...VALID_CONFIG, [field]: value };
          let parsed: ReturnType<typeof parseConfig>;
          try {
            parsed = parseConfig(raw);
          } catch (error) {
            expect(error).toBeInstanceOf(InvalidInputError);
            expect((error as Error).message).toContain(field);
            return;
          }
          // Accepted: the fields that were not touched come through unchanged.
          if (field !== 'managementAccountId') expect(parsed.managementAccountId).toBe('111111111111');
          if (field !== 'organizationId') expect(parsed.organizationId).toBe('o-prop000001');
        },
      ),
      { numRuns: RUNS },
    );
  });

  it(`a wrong account id, region or email always fails, naming the field (${RUNS} runs)`, () => {
    const bad = fc.oneof(
      fc.stringMatching(/^\d{0,11}$|^\d{13,15}$|^[a-z]{12}$/).map((v) => ['auditAccountId', v] as const),
      fc.stringMatching(/^[A-Z0-9_]{1,12}$/).map((v) => ['region', v] as const),
      fc.stringMatching(/^[a-z]{1,10}$/).map((v) => ['digestEmails', [v]] as const),
    );
    fc.assert(
      fc.property(bad, ([field, value]) => {
        expect(() => parseConfig({ ...VALID_CONFIG, [field]: value })).toThrow(InvalidInputError);
        expect(() => parseConfig({ ...VALID_CONFIG, [field]: value })).toThrow(field);
      }),
      { numRuns: RUNS },
    );
  });
});

const NOW_MS = Date.parse('2025-06-15T12:00:00Z');
const rows = fc.array(
  fc.record({ user: userName(), keys: fc.tuple(fc.option(saneKey(NOW_MS)), fc.option(saneKey(NOW_MS))) }),
  { maxLength: 6 },
);

type Mutation = (csv: string) => string;
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.nat().map((n) => (csv: string) => csv.slice(0, n % (csv.length + 1))),
  fc.tuple(fc.nat(), fc.string({ maxLength: 6 })).map(([n, s]) => (csv: string) => {
    const at = n % (csv.length + 1);
    return csv.slice(0, at) + s + csv.slice(at);
  }),
  fc.nat().map((n) => (csv: string) => {
    const lines = csv.split('\n');
    const header = (lines[0] ?? '').split(',');
    header.splice(n % header.length, 1);
    return [header.join(','), ...lines.slice(1)].join('\n');
  }),
  fc.tuple(fc.nat(), fc.nat(), fc.string({ maxLength: 12 })).map(([r, c, value]) => (csv: string) => {
    const lines = csv.split('\n');
    const row = 1 + (r % Math.max(1, lines.length - 1));
    const cells = (lines[row] ?? '').split(',');
    cells[c % Math.max(1, cells.length)] = value.replace(/[",\n\r]/g, '');
    lines[row] = cells.join(',');
    return lines.join('\n');
  }),
);

describe('credential-report CSV', () => {
  it(`a report as AWS writes it reads back exactly (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(rows, (cells) => {
        const entries = parseCredentialReport(writeReport(cells, '123456789012'));
        expect(entries.map((e) => e.userName)).toEqual(cells.map((c) => c.user));
        expect(entries.map((e) => e.keys.length)).toEqual(
          cells.map((c) => c.keys.filter((k) => k !== null).length),
        );
        entries.forEach((entry, i) => {
          const planted = cells[i]?.keys.filter((k) => k !== null) ?? [];
          expect(entry.keys.map((k) => k.status)).toEqual(
            planted.map((k) => (k?.active ? 'Active' : 'Inactive')),
          );
        });
      }),
      { numRuns: RUNS },
    );
  });

  it(`a damaged report ends in CredentialReportParseError or rows, never another exception (${RUNS} runs)`, () => {
    fc.assert(
      fc.property(rows, mutation, (cells, mutate) => {
        const text = mutate(writeReport(cells, '123456789012'));
        try {
          const entries = parseCredentialReport(text);
          expect(Array.isArray(entries)).toBe(true);
          for (const entry of entries) {
            for (const key of entry.keys) expect(Number.isNaN(key.createdAt.getTime())).toBe(false);
          }
        } catch (error) {
          expectTypedError(error);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it(`removing a required column is always refused, naming it (${RUNS} runs)`, () => {
    const required = ['user', 'arn', 'access_key_1_active', 'access_key_1_last_rotated'] as const;
    fc.assert(
      fc.property(rows, fc.constantFrom(...required), (cells, column) => {
        const columns = COLUMNS.filter((c) => c !== column);
        const csv = writeReport(cells, '123456789012', { columns });
        expect(() => parseCredentialReport(csv)).toThrow(column);
      }),
      { numRuns: RUNS },
    );
  });
});
