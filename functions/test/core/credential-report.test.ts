import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CREDENTIAL_REPORT_COLUMNS,
  type CredentialReportEntry,
  parseCredentialReport,
  parseIsoDate,
} from '../../src/core/credential-report';
import { CredentialReportParseError } from '../../src/core/errors';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
const STANDARD = fixture('credential-report-standard.csv');
const REORDERED = fixture('credential-report-reordered.csv');
const HEADER = CREDENTIAL_REPORT_COLUMNS.join(',');

/** A data row in the documented column order, from the cells that matter to a test. */
function row(cells: Partial<Record<(typeof CREDENTIAL_REPORT_COLUMNS)[number], string>>): string {
  return CREDENTIAL_REPORT_COLUMNS.map((column) => cells[column] ?? 'N/A').join(',');
}

function byUser(entries: readonly CredentialReportEntry[], user: string): CredentialReportEntry {
  const entry = entries.find((e) => e.userName === user);
  if (entry === undefined) throw new Error(`no entry for ${user}`);
  return entry;
}

function parseError(content: string): CredentialReportParseError {
  try {
    parseCredentialReport(content);
  } catch (error) {
    if (error instanceof CredentialReportParseError) return error;
    throw error;
  }
  throw new Error('expected a CredentialReportParseError, but the report parsed');
}

describe('CREDENTIAL_REPORT_COLUMNS', () => {
  it('lists the 22 documented columns in order', () => {
    expect(CREDENTIAL_REPORT_COLUMNS).toHaveLength(22);
    expect(CREDENTIAL_REPORT_COLUMNS[0]).toBe('user');
    expect(CREDENTIAL_REPORT_COLUMNS[8]).toBe('access_key_1_active');
    expect(CREDENTIAL_REPORT_COLUMNS[21]).toBe('cert_2_last_rotated');
  });
});

describe('parseCredentialReport: a standard report', () => {
  // Parsed inside each test (not once for the describe), so that mutation testing attributes the
  // parser to the tests that read it (docs/mutation-testing.md).
  const entries = () => parseCredentialReport(STANDARD);

  it('returns one entry per data row, in order', () => {
    expect(entries().map((e) => e.userName)).toEqual(['<root_account>', 'alice', 'bob', 'carol']);
  });

  it('marks the root row as root, keeping its key', () => {
    const root = byUser(entries(), '<root_account>');
    expect(root.isRoot).toBe(true);
    expect(root.userArn).toBe('arn:aws:iam::111122223333:root');
    expect(root.keys).toEqual([
      {
        slot: 1,
        accessKeyId: null,
        status: 'Active',
        createdAt: new Date(Date.UTC(2020, 0, 15, 12, 0, 0)),
        lastUsedAt: new Date(Date.UTC(2024, 4, 30, 9, 15, 0)),
        lastUsedRegion: 'us-east-1',
        lastUsedService: 'iam',
      },
    ]);
    // not_supported is one of the "absent" values.
    expect(root.passwordEnabled).toBeNull();
    expect(root.mfaActive).toBe(true);
  });

  it('reads both key slots, active and inactive', () => {
    const alice = byUser(entries(), 'alice');
    expect(alice.isRoot).toBe(false);
    expect(alice.userCreationTime).toEqual(new Date(Date.UTC(2021, 5, 1)));
    expect(alice.passwordEnabled).toBe(true);
    expect(alice.keys).toEqual([
      {
        slot: 1,
        accessKeyId: null,
        status: 'Active',
        createdAt: new Date(Date.UTC(2023, 10, 20, 14, 22, 33)),
        lastUsedAt: new Date(Date.UTC(2024, 5, 2, 11, 0, 0)),
        lastUsedRegion: 'eu-west-1',
        lastUsedService: 's3',
      },
      {
        slot: 2,
        accessKeyId: null,
        status: 'Inactive',
        createdAt: new Date(Date.UTC(2022, 1, 2, 2, 2, 2)),
        lastUsedAt: new Date(Date.UTC(2022, 2, 3, 3, 3, 3)),
        lastUsedRegion: 'us-west-2',
        lastUsedService: 'ec2',
      },
    ]);
  });

  it('reads never-used keys (N/A and no_information) as lastUsedAt null, with uppercase booleans', () => {
    const bob = byUser(entries(), 'bob');
    expect(bob.passwordEnabled).toBe(false);
    expect(bob.mfaActive).toBe(false);
    expect(bob.keys).toEqual([
      {
        slot: 1,
        accessKeyId: null,
        status: 'Active',
        createdAt: new Date(Date.UTC(2024, 0, 5)),
        lastUsedAt: null,
        lastUsedRegion: null,
        lastUsedService: null,
      },
      {
        slot: 2,
        accessKeyId: null,
        status: 'Active',
        createdAt: new Date(Date.UTC(2024, 3, 1)),
        lastUsedAt: null,
        lastUsedRegion: null,
        lastUsedService: null,
      },
    ]);
  });

  it('gives a user without keys an empty key list', () => {
    const carol = byUser(entries(), 'carol');
    expect(carol.keys).toEqual([]);
    expect(carol.isRoot).toBe(false);
  });
});

describe('parseCredentialReport: tolerated variations', () => {
  const expectedStandard = () => parseCredentialReport(STANDARD);

  it('reads CRLF line endings the same as LF', () => {
    expect(parseCredentialReport(STANDARD.replaceAll('\n', '\r\n'))).toEqual(expectedStandard());
  });

  it('ignores a UTF-8 byte order mark, in text and in bytes', () => {
    expect(parseCredentialReport(`\uFEFF${STANDARD}`)).toEqual(expectedStandard());
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(STANDARD)]);
    expect(parseCredentialReport(bytes)).toEqual(expectedStandard());
  });

  it('reads the bytes GetCredentialReport returns', () => {
    expect(parseCredentialReport(new TextEncoder().encode(STANDARD))).toEqual(expectedStandard());
  });

  it('finds columns by name when they are reordered, with extra columns and quoted commas', () => {
    const entries = parseCredentialReport(REORDERED);
    expect(entries).toEqual([
      {
        userName: 'dave,ops',
        userArn: 'arn:aws:iam::444455556666:user/team,ops/dave',
        isRoot: false,
        userCreationTime: null,
        passwordEnabled: null,
        mfaActive: true,
        keys: [
          {
            slot: 1,
            accessKeyId: null,
            status: 'Active',
            createdAt: new Date(Date.UTC(2023, 1, 28)),
            lastUsedAt: new Date(Date.UTC(2024, 1, 29, 23, 59, 59)),
            lastUsedRegion: 'ap-southeast-2',
            lastUsedService: 'sts',
          },
        ],
      },
      {
        userName: 'erin',
        userArn: 'arn:aws:iam::444455556666:user/erin',
        isRoot: false,
        userCreationTime: null,
        passwordEnabled: null,
        mfaActive: false,
        keys: [
          {
            slot: 2,
            accessKeyId: null,
            status: 'Inactive',
            // -05:00: five hours later in UTC.
            createdAt: new Date(Date.UTC(2024, 2, 1, 5)),
            lastUsedAt: new Date(Date.UTC(2024, 5, 1)),
            lastUsedRegion: 'us-east-1',
            lastUsedService: 'lambda',
          },
        ],
      },
    ]);
  });

  it('returns [] for a report with only a header (with or without a trailing newline)', () => {
    expect(parseCredentialReport(HEADER)).toEqual([]);
    expect(parseCredentialReport(`${HEADER}\r\n`)).toEqual([]);
  });

  it('skips blank lines', () => {
    const content = `${HEADER}\n\n${row({ user: 'u', arn: 'arn:aws:iam::1:user/u' })}\n\n`;
    expect(parseCredentialReport(content).map((e) => e.userName)).toEqual(['u']);
  });
});

describe('parseCredentialReport: malformed reports', () => {
  it('rejects an empty report', () => {
    expect(() => parseCredentialReport('')).toThrow(CredentialReportParseError);
    expect(() => parseCredentialReport('\uFEFF\n')).toThrow(/empty/);
  });

  it('names a missing required column', () => {
    const header = CREDENTIAL_REPORT_COLUMNS.filter((c) => c !== 'access_key_2_last_rotated').join(',');
    const error = parseError(`${header}\n`);
    expect(error.name).toBe('CredentialReportParseError');
    expect(error.message).toContain('"access_key_2_last_rotated"');
    expect(error.message).toContain('Header row');
  });

  it('accepts a report without the optional columns', () => {
    const columns = ['user', 'arn', ...CREDENTIAL_REPORT_COLUMNS.filter((c) => c.startsWith('access_key_'))];
    const content = `${columns.join(',')}\nzed,arn:aws:iam::1:user/zed,${'N/A,'.repeat(9)}N/A\n`;
    expect(parseCredentialReport(content)).toEqual([
      {
        userName: 'zed',
        userArn: 'arn:aws:iam::1:user/zed',
        isRoot: false,
        keys: [],
        userCreationTime: null,
        passwordEnabled: null,
        mfaActive: null,
      },
    ]);
  });

  it('rejects a duplicated column', () => {
    expect(parseError(`${HEADER},user\n`).message).toMatch(/"user" appears twice/);
  });

  it('names the row, the user and the column of an unparsable date', () => {
    const content = [
      HEADER,
      row({ user: 'ok', arn: 'arn:aws:iam::1:user/ok' }),
      row({
        user: 'mallory',
        arn: 'arn:aws:iam::1:user/mallory',
        access_key_1_active: 'true',
        access_key_1_last_rotated: '2024-13-01T00:00:00+00:00',
      }),
    ].join('\n');
    const error = parseError(content);
    expect(error.message).toContain('Row 2');
    expect(error.message).toContain('"mallory"');
    expect(error.message).toContain('"access_key_1_last_rotated"');
  });

  it('rejects dates without a zone and impossible calendar days', () => {
    for (const bad of ['2024-01-02 03:04:05', '2024-01-02T03:04:05', '2023-02-29T00:00:00Z', 'yesterday']) {
      const content = `${HEADER}\n${row({ user: 'u', arn: 'a', access_key_2_active: 'false', access_key_2_last_rotated: bad })}`;
      expect(parseError(content).message).toContain('"access_key_2_last_rotated"');
    }
  });

  it('names the row and the user when a row has the wrong number of fields', () => {
    const content = `${HEADER}\n${row({ user: 'u1', arn: 'a1' })}\nu2,a2,oops\n`;
    const error = parseError(content);
    expect(error.message).toContain('Row 2');
    expect(error.message).toContain('"u2"');
    expect(error.message).toContain('expected 22 fields');
    expect(error.message).toContain('"password_enabled"');
  });

  it('rejects a row with too many fields', () => {
    const error = parseError(`${HEADER}\n${row({ user: 'u1', arn: 'a1' })},extra\n`);
    expect(error.message).toContain('Row 1');
    expect(error.message).toContain('found 23');
  });

  it('rejects a row without a user, naming the column', () => {
    const error = parseError(`${HEADER}\n${row({ user: '', arn: 'arn:aws:iam::1:user/x' })}\n`);
    expect(error.message).toContain('Row 1');
    expect(error.message).toContain('column "user"');
  });

  it('rejects a row without an ARN', () => {
    expect(parseError(`${HEADER}\n${row({ user: 'x', arn: '' })}\n`).message).toContain('column "arn"');
  });

  it('rejects a boolean that is neither true nor false', () => {
    const content = `${HEADER}\n${row({ user: 'x', arn: 'a', access_key_1_active: 'yes', access_key_1_last_rotated: '2024-01-01T00:00:00Z' })}`;
    expect(parseError(content).message).toContain('"access_key_1_active"');
  });

  it('rejects an active key without a date instead of dropping it', () => {
    const content = `${HEADER}\n${row({ user: 'x', arn: 'a', access_key_1_active: 'true' })}`;
    expect(parseError(content).message).toContain('"access_key_1_last_rotated"');
  });

  it('rejects a dated key without a status', () => {
    const content = `${HEADER}\n${row({ user: 'x', arn: 'a', access_key_1_last_rotated: '2024-01-01T00:00:00Z' })}`;
    expect(parseError(content).message).toContain('"access_key_1_active"');
  });

  it('rejects broken CSV quoting', () => {
    expect(parseError(`${HEADER}\n"unterminated,${'N/A,'.repeat(20)}N/A\n`).message).toMatch(/not valid CSV/);
  });

  it('rejects bytes that are not UTF-8', () => {
    expect(() => parseCredentialReport(new Uint8Array([0x75, 0x73, 0xff, 0xfe]))).toThrow(/UTF-8/);
  });
});

describe('parseIsoDate', () => {
  it('accepts Z, offsets with and without a colon, and fractions', () => {
    expect(parseIsoDate('2024-01-02T03:04:05Z')).toEqual(new Date(Date.UTC(2024, 0, 2, 3, 4, 5)));
    expect(parseIsoDate('2024-01-02T03:04:05+00:00')).toEqual(new Date(Date.UTC(2024, 0, 2, 3, 4, 5)));
    expect(parseIsoDate('2024-01-02T03:04:05+0200')).toEqual(new Date(Date.UTC(2024, 0, 2, 1, 4, 5)));
    expect(parseIsoDate('2024-01-02T03:04:05.250Z')).toEqual(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 250)));
  });

  it('accepts 29 February only in leap years', () => {
    expect(parseIsoDate('2024-02-29T00:00:00Z')).toEqual(new Date(Date.UTC(2024, 1, 29)));
    expect(parseIsoDate('2023-02-29T00:00:00Z')).toBeNull();
  });

  it('rejects out-of-range fields', () => {
    expect(parseIsoDate('2024-04-31T00:00:00Z')).toBeNull();
    expect(parseIsoDate('2024-01-01T24:00:00Z')).toBeNull();
    expect(parseIsoDate('2024-01-01T00:60:00Z')).toBeNull();
    expect(parseIsoDate('2024-01-01T00:00:00+25:00')).toBeNull();
  });
});

describe('parseCredentialReport properties', () => {
  /** A test-only writer, independent of the parser: quotes every field, as RFC 4180 allows. */
  const quote = (value: string) => `"${value.replaceAll('"', '""')}"`;
  const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, '+00:00');
  const ABSENT = ['N/A', 'n/a', 'no_information', 'not_supported', ''];
  const noAbsentValue = (s: string) =>
    !['n/a', 'no_information', 'not_supported', ''].includes(s.trim().toLowerCase());
  const text = fc
    .string({ unit: 'binary', minLength: 1, maxLength: 30 })
    .filter((s) => s.trim() === s && noAbsentValue(s));
  const date = fc
    .date({ min: new Date(Date.UTC(2006, 0, 1)), max: new Date(Date.UTC(2099, 11, 31)), noInvalidDate: true })
    .map((d) => new Date(Math.floor(d.getTime() / 1000) * 1000));
  const key = fc.option(
    fc.record({
      active: fc.boolean(),
      createdAt: date,
      used: fc.option(fc.record({ at: date, region: text, service: text }), { nil: null }),
    }),
    { nil: null },
  );
  const user = fc.record({
    name: text.filter((s) => s !== '<root_account>'),
    arn: text,
    keys: fc.tuple(key, key),
    mfa: fc.option(fc.boolean(), { nil: null }),
    absent: fc.constantFrom(...ABSENT),
    upper: fc.boolean(),
  });

  it('reads back what an independent writer wrote, in any column order, with extra columns', () => {
    fc.assert(
      fc.property(
        fc.array(user, { maxLength: 8 }),
        fc.shuffledSubarray([...CREDENTIAL_REPORT_COLUMNS, 'extra_a', 'extra_b'], {
          minLength: 24,
          maxLength: 24,
        }),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        (users, columns, eol, bom) => {
          const cells = (u: (typeof users)[number]): Record<string, string> => {
            const bool = (b: boolean) => (u.upper ? String(b).toUpperCase() : String(b));
            const out: Record<string, string> = {
              user: u.name,
              arn: u.arn,
              mfa_active: u.mfa === null ? u.absent : bool(u.mfa),
            };
            u.keys.forEach((k, i) => {
              const p = `access_key_${i + 1}_`;
              out[`${p}active`] = k === null ? bool(false) : bool(k.active);
              out[`${p}last_rotated`] = k === null ? u.absent : isoSeconds(k.createdAt);
              out[`${p}last_used_date`] = k?.used ? isoSeconds(k.used.at) : u.absent;
              out[`${p}last_used_region`] = k?.used ? k.used.region : u.absent;
              out[`${p}last_used_service`] = k?.used ? k.used.service : u.absent;
            });
            return out;
          };
          const lines = [
            columns.map(quote).join(','),
            ...users.map((u) => columns.map((c) => quote(cells(u)[c] ?? u.absent)).join(',')),
          ];
          const content = `${bom ? '\uFEFF' : ''}${lines.join(eol)}${eol}`;

          const parsed = parseCredentialReport(content);

          expect(parsed).toEqual(
            users.map((u) => ({
              userName: u.name,
              userArn: u.arn,
              isRoot: false,
              userCreationTime: null,
              passwordEnabled: null,
              mfaActive: u.mfa,
              keys: u.keys.flatMap((k, i) =>
                k === null
                  ? []
                  : [
                      {
                        slot: i + 1,
                        accessKeyId: null,
                        status: k.active ? 'Active' : 'Inactive',
                        createdAt: k.createdAt,
                        lastUsedAt: k.used?.at ?? null,
                        lastUsedRegion: k.used?.region ?? null,
                        lastUsedService: k.used?.service ?? null,
                      },
                    ],
              ),
            })),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
