/**
 * An independent credential-report writer (22 columns; docs/aws-behaviour.md, "IAM credential
 * report") and fast-check arbitraries for the rows, so property tests build reports the way AWS
 * does, not the way the parser reads them.
 */
import fc from 'fast-check';

export const COLUMNS = [
  'user',
  'arn',
  'user_creation_time',
  'password_enabled',
  'password_last_used',
  'password_last_changed',
  'password_next_rotation',
  'mfa_active',
  'access_key_1_active',
  'access_key_1_last_rotated',
  'access_key_1_last_used_date',
  'access_key_1_last_used_region',
  'access_key_1_last_used_service',
  'access_key_2_active',
  'access_key_2_last_rotated',
  'access_key_2_last_used_date',
  'access_key_2_last_used_region',
  'access_key_2_last_used_service',
  'cert_1_active',
  'cert_1_last_rotated',
  'cert_2_active',
  'cert_2_last_rotated',
] as const;

export interface KeyCells {
  readonly active: boolean;
  /** ISO text as AWS writes it, or any junk a property wants to try. */
  readonly lastRotated: string;
  readonly lastUsed: string;
}

export interface RowCells {
  readonly user: string;
  readonly keys: readonly [KeyCells | null, KeyCells | null];
}

/** `2024-01-02T03:04:05+00:00`, the report's own format. */
export function awsDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

function quote(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell;
}

export function rowFields(row: RowCells, accountId: string): string[] {
  const arn =
    row.user === '<root_account>'
      ? `arn:aws:iam::${accountId}:root`
      : `arn:aws:iam::${accountId}:user/${row.user}`;
  const key = (k: KeyCells | null) =>
    k === null
      ? ['false', 'N/A', 'N/A', 'N/A', 'N/A']
      : [
          String(k.active),
          k.lastRotated,
          k.lastUsed,
          k.lastUsed === 'N/A' ? 'N/A' : 'us-east-1',
          k.lastUsed === 'N/A' ? 'N/A' : 's3',
        ];
  return [
    row.user,
    arn,
    '2020-01-01T00:00:00+00:00',
    'false',
    'N/A',
    'N/A',
    'N/A',
    'false',
    ...key(row.keys[0]),
    ...key(row.keys[1]),
    'false',
    'N/A',
    'false',
    'N/A',
  ];
}

export function writeReport(
  rows: readonly RowCells[],
  accountId: string,
  columns: readonly string[] = COLUMNS,
): string {
  return [columns.join(','), ...rows.map((r) => rowFields(r, accountId).map(quote).join(','))].join('\n');
}

const DAY = 86_400_000;

/** Sane key dates: up to 3 years back from `nowMs`, used after creation or never. */
export function saneKey(nowMs: number): fc.Arbitrary<KeyCells> {
  return fc
    .record({
      active: fc.boolean(),
      age: fc.integer({ min: 0, max: 1_100 }),
      usedAgo: fc.option(fc.integer({ min: 0, max: 1_100 })),
    })
    .map(({ active, age, usedAgo }) => ({
      active,
      lastRotated: awsDate(nowMs - age * DAY),
      lastUsed: usedAgo === null ? 'N/A' : awsDate(nowMs - Math.min(age, usedAgo) * DAY),
    }));
}

/** Dates in the future, far in the past, at the edges of Date, and text that is no date at all. */
export function absurdDate(nowMs: number): fc.Arbitrary<string> {
  return fc.oneof(
    fc.integer({ min: 1, max: 50_000 }).map((d) => awsDate(nowMs + d * DAY)),
    fc.integer({ min: 1971, max: 9999 }).map((y) => `${y}-06-15T00:00:00+00:00`),
    fc.constantFrom(
      '0001-01-01T00:00:00+00:00',
      '1970-01-01T00:00:00+00:00',
      '9999-12-31T23:59:59+00:00',
      '2024-02-30T00:00:00+00:00',
      '2024-13-01T00:00:00+00:00',
      '2024-01-01T25:00:00+00:00',
      '2024-01-01',
      '2024-01-01T00:00:00',
      'no_information',
      'N/A',
      'yesterday',
      '',
      '-000001-01-01T00:00:00+00:00',
    ),
    fc.string({ maxLength: 30 }),
  );
}

export function userName(): fc.Arbitrary<string> {
  return fc.stringMatching(/^[A-Za-z0-9+=,.@_-]{1,20}$/);
}
