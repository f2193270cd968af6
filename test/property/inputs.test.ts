/**
 * Property: bad input of every kind a person or AWS can produce (execution input, deployment
 * config, credential-report CSV) ends in a typed error that names the field, or in a correct
 * result; never in an unhandled exception. Expected values come from how the inputs were built.
 * Where a generator mixes valid and bad input, each input is classified from the documents
 * (docs/contracts.md; the config table of infra/README.md, README.md's "configuration";
 * docs/aws-behaviour.md),
 * outcomes are counted, and the share of accepted runs the construction guarantees is required:
 * a parser that refused everything with a typed error must fail here.
 */
import { DEFAULT_THRESHOLDS, InvalidInputError, parseCredentialReport } from '@org-key-audit/functions/core';
import { makeValidateInputHandler } from '@org-key-audit/functions/handlers';
import { silentTelemetry } from '@org-key-audit/functions/runtime';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type ConfigInput, parseConfig } from '../../infra/lib/config';
import {
  COLUMNS,
  type ReportRow,
  rowFields,
  saneKey,
  userName,
  writeReport,
} from '../support/credential-report-csv';
import { OutcomeTally } from '../support/property-outcomes';
import { PROPERTY_RUNS } from '../support/property-runs';
import { expectTypedError, expectTypedErrorNamed } from '../support/typed-errors';

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

/**
 * docs/contracts.md, "Execution input": an object with the optional fields accountIds (12 digits,
 * unique), dryRun (boolean), thresholds, reason (at most 500 characters); unknown fields are an
 * error. A value that is no object, or an object with an unknown field, is invalid; the empty
 * object is valid; anything else is left to the other properties.
 */
function verdictOf(raw: unknown): 'valid' | 'invalid' | 'unsettled' {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'invalid';
  const keys = Object.keys(raw);
  if (keys.some((k) => !['accountIds', 'dryRun', 'thresholds', 'reason'].includes(k))) return 'invalid';
  return keys.length === 0 ? 'valid' : 'unsettled';
}

describe('execution input through ValidateInput', () => {
  it(`any JSON value gets a result, never an exception; valid input is accepted (${RUNS} runs)`, async () => {
    // Half the runs are valid input by construction, half any JSON value, classified below.
    const anyInput = fc.oneof(
      validInput.map((raw) => ({ raw: raw as unknown, verdict: 'valid' as const })),
      fc.jsonValue().map((raw) => ({ raw: raw as unknown, verdict: verdictOf(raw) })),
    );
    const tally = new OutcomeTally<'accepted' | 'refused'>();
    await fc.assert(
      fc.asyncProperty(anyInput, async ({ raw, verdict }) => {
        const result = await validate({ input: raw });
        tally.record(result.ok ? 'accepted' : 'refused');
        if (verdict === 'valid') expect(result.ok, `valid input ${JSON.stringify(raw)} refused`).toBe(true);
        if (verdict === 'invalid')
          expect(result.ok, `invalid input ${JSON.stringify(raw)} accepted`).toBe(false);
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
    // fc.oneof draws its two arms evenly: at least half the runs are valid and must be accepted.
    tally.expectShareAtLeast('accepted', 0.4, 'half the generated inputs are valid by construction');
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

/**
 * The defaults of infra/README.md's config table ("Configure"); the four fields it marks
 * required are absent here.
 */
const DOCUMENTED_CONFIG_DEFAULTS: Partial<Record<(typeof CONFIG_FIELDS)[number], unknown>> = {
  region: 'us-east-1',
  auditRoleName: 'OrgKeyAuditRole',
  schedule: { expression: 'cron(0 8 * * ? *)', timeZone: 'UTC', enabled: true },
  thresholds: {
    rotationDueSoonDays: 80,
    rotationOverdueDays: 90,
    rotationCriticalDays: 365,
    reminderDays: [90],
    unusedDays: 45,
    neverUsedGraceDays: 7,
    inactiveLingeringDays: 30,
  },
  digestEmails: [],
  alarmEmails: [],
  exemptions: [],
  mapMaxConcurrency: 40,
  childExecutionType: 'STANDARD',
  reportRetentionDays: 400,
};
const KEEP = Symbol('the valid value');

describe('deployment config', () => {
  it(`any value in any field: a config or an InvalidInputError naming the field (${RUNS} runs)`, () => {
    // A third of the values keep the valid config as it is, a third leave the field out (its
    // documented default, or for a required field an error naming it), a third are any JSON.
    const tally = new OutcomeTally<'accepted' | 'refused'>();
    fc.assert(
      fc.property(
        fc.constantFrom(...CONFIG_FIELDS),
        fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.constant<typeof KEEP>(KEEP)),
        (field, value) => {
          const raw = value === KEEP ? { ...VALID_CONFIG } : { ...VALID_CONFIG, [field]: value };
          const fallback = DOCUMENTED_CONFIG_DEFAULTS[field];
          let parsed: ReturnType<typeof parseConfig>;
          try {
            parsed = parseConfig(raw);
          } catch (error) {
            tally.record('refused');
            expect(value, `the valid config was refused: ${(error as Error).message}`).not.toBe(KEEP);
            expect(
              value === undefined && fallback !== undefined,
              `leaving out ${field}, which has a documented default, was refused: ${(error as Error).message}`,
            ).toBe(false);
            expectTypedErrorNamed(error, 'InvalidInput', field);
            return;
          }
          tally.record('accepted');
          if (value === undefined) {
            expect(fallback, `leaving out the required ${field} was accepted`).not.toBeUndefined();
            const actual = parsed[field];
            if (typeof fallback === 'object' && fallback !== null && !Array.isArray(fallback)) {
              expect(actual, `${field} left out: its documented default`).toMatchObject(fallback);
            } else {
              expect(actual, `${field} left out: its documented default`).toEqual(fallback);
            }
          }
          // Accepted: the fields that were not touched come through unchanged.
          if (field !== 'managementAccountId') expect(parsed.managementAccountId).toBe('111111111111');
          if (field !== 'organizationId') expect(parsed.organizationId).toBe('o-prop000001');
          if (value === KEEP || field !== 'region') expect(parsed.region).toBe('eu-west-1');
        },
      ),
      { numRuns: RUNS },
    );
    // 1/3 kept + 1/3 x 10/14 fields with a default left out = 57 % of runs must be accepted.
    tally.expectShareAtLeast(
      'accepted',
      0.45,
      'at least 57 % of the generated configs are valid by construction',
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

const csvCell = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

/**
 * Reports AWS may write that are not the usual text but read the same (docs/aws-behaviour.md,
 * "IAM credential report"): the parser reads by header name because AWS has added columns before,
 * so columns in another order or an added column change nothing; booleans compare without case.
 */
type MildChange = 'as written' | 'columns in another order' | 'a column added' | 'booleans in upper case';
const mildChange = fc.record({
  change: fc.constantFrom<MildChange>(
    'as written',
    'columns in another order',
    'a column added',
    'booleans in upper case',
  ),
  seed: fc.nat(),
});
function mildReport(
  cells: readonly ReportRow[],
  { change, seed }: { change: MildChange; seed: number },
): string {
  const accountId = '123456789012';
  if (change === 'as written') return writeReport(cells, accountId);
  let order = COLUMNS.map((_, i) => i);
  if (change === 'columns in another order') {
    // A rotation by a seeded amount, then the first two swapped: never the original order.
    const by = 1 + (seed % (order.length - 1));
    order = [...order.slice(by), ...order.slice(0, by)];
    [order[0], order[1]] = [order[1] as number, order[0] as number];
  }
  const header: string[] = order.map((i) => COLUMNS[i] as string);
  const lines = cells.map((row) => {
    const fields = rowFields(row, accountId);
    return order.map((i) => {
      const value = fields[i] as string;
      return change === 'booleans in upper case' && (value === 'true' || value === 'false')
        ? value.toUpperCase()
        : value;
    });
  });
  if (change === 'a column added') {
    const at = seed % (header.length + 1);
    header.splice(at, 0, 'access_key_1_last_used_account');
    for (const line of lines) line.splice(at, 0, 'N/A');
  }
  return [header.join(','), ...lines.map((line) => line.map(csvCell).join(','))].join('\n') + '\n';
}

/** What a report read back must hold: the planted users, and each planted key's status and creation. */
function expectReadBack(
  entries: ReturnType<typeof parseCredentialReport>,
  cells: readonly ReportRow[],
): void {
  expect(entries.map((e) => e.userName)).toEqual(cells.map((c) => c.user));
  entries.forEach((entry, i) => {
    const planted = (cells[i]?.keys ?? []).filter((k) => k !== null);
    expect(entry.keys.map((k) => [k.status, k.createdAt.getTime()])).toEqual(
      planted.map((k) => [k?.active ? 'Active' : 'Inactive', Date.parse(String(k?.lastRotated))]),
    );
  });
}

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
    // 2 of 5 runs change the report only in ways it is documented to tolerate: those must read
    // back exactly. The other 3 of 5 damage it (or not: a cut at the very end, a harmless insert).
    const rewrite = fc.oneof(
      { weight: 2, arbitrary: mildChange.map((mild) => ({ mild })) },
      { weight: 3, arbitrary: mutation.map((mutate) => ({ mutate })) },
    );
    const tally = new OutcomeTally<'read back' | 'other'>();
    fc.assert(
      fc.property(rows, rewrite, (cells, how) => {
        if ('mild' in how) {
          expectReadBack(parseCredentialReport(mildReport(cells, how.mild)), cells);
          tally.record('read back');
          return;
        }
        tally.record('other');
        const text = how.mutate(writeReport(cells, '123456789012'));
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
    tally.expectShareAtLeast(
      'read back',
      0.3,
      '2 of 5 generated rewrites are ones the report is documented to tolerate',
    );
  });

  it(`removing a required column is always refused, naming it (${RUNS} runs)`, () => {
    const required = ['user', 'arn', 'access_key_1_active', 'access_key_1_last_rotated'] as const;
    fc.assert(
      fc.property(rows, fc.constantFrom(...required), (cells, column) => {
        const columns = COLUMNS.filter((c) => c !== column);
        const csv = writeReport(cells, '123456789012', { columns });
        let error: unknown;
        try {
          parseCredentialReport(csv);
        } catch (caught) {
          error = caught;
        }
        expect(error, `a report without ${column} was read`).toBeDefined();
        expectTypedErrorNamed(error, 'CredentialReportParseError', column);
      }),
      { numRuns: RUNS },
    );
  });
});
