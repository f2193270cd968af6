/**
 * The tests' one writer of IAM credential reports, and fast-check arbitraries for its rows. It
 * writes the report as AWS does (docs/aws-behaviour.md, "IAM credential report": the 22 columns
 * in their order, the `<root_account>` row, `N/A`, `no_information` and `not_supported`) and is
 * kept apart from the product's parser on purpose, so that a parser bug cannot hide behind a
 * writer built from the same reading of the format.
 *
 * Dates are taken as a Date, or as text written as given: that is how tests plant the values AWS
 * writes only sometimes, and junk for negative tests. A row given as text is written verbatim, to
 * put a damaged line among good ones.
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

/** The user name of the root user's row. */
export const ROOT_USER = '<root_account>';

export interface ReportKey {
  readonly active: boolean;
  /** `access_key_N_last_rotated`, which is when the key was created. */
  readonly lastRotated: Date | string;
  /** Absent or `N/A`: never used, and then region and service are `N/A` too. */
  readonly lastUsed?: Date | string;
}

export interface ReportRow {
  /** {@link ROOT_USER} makes the root row: the account's root ARN and `not_supported` password fields. */
  readonly user: string;
  /** The two key slots in order; null or absent: no key in that slot. */
  readonly keys?: readonly (ReportKey | null)[];
  /** `user_creation_time`; 2020-01-01 when absent. */
  readonly createdAt?: Date | string;
  /** A user with it has a password; absent: no password, or for the root user never used. */
  readonly passwordLastUsed?: Date | 'no_information';
  readonly mfaActive?: boolean;
}

const DEFAULT_CREATED = '2020-01-01T00:00:00+00:00';

/** `2024-01-02T03:04:05+00:00`, the report's own format. */
export function awsDate(at: Date | number): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

function cell(value: Date | string): string {
  return typeof value === 'string' ? value : awsDate(value);
}

// IAM user names may hold commas (userName() below generates them), so the parser must meet quoted cells.
function quote(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function keyFields(key: ReportKey | null | undefined): string[] {
  if (key === null || key === undefined) return ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
  const used = key.lastUsed === undefined || key.lastUsed === 'N/A' ? null : cell(key.lastUsed);
  return [
    String(key.active),
    cell(key.lastRotated),
    used ?? 'N/A',
    used === null ? 'N/A' : 'us-east-1',
    used === null ? 'N/A' : 's3',
  ];
}

function passwordFields(row: ReportRow): string[] {
  const lastUsed = row.passwordLastUsed === undefined ? 'N/A' : cell(row.passwordLastUsed);
  if (row.user === ROOT_USER) return ['not_supported', lastUsed, 'not_supported', 'not_supported'];
  if (row.passwordLastUsed === undefined) return ['false', 'N/A', 'N/A', 'N/A'];
  return ['true', lastUsed, cell(row.createdAt ?? DEFAULT_CREATED), 'N/A'];
}

/** The 22 cells of one row, unquoted. */
export function rowFields(row: ReportRow, accountId: string): string[] {
  const keys = row.keys ?? [];
  if (keys.length > 2) {
    // docs/aws-behaviour.md: a user, the root user included, has at most two access keys.
    throw new Error(`${row.user}: a credential report row has two key slots, not ${keys.length}`);
  }
  const arn =
    row.user === ROOT_USER ? `arn:aws:iam::${accountId}:root` : `arn:aws:iam::${accountId}:user/${row.user}`;
  return [
    row.user,
    arn,
    cell(row.createdAt ?? DEFAULT_CREATED),
    ...passwordFields(row),
    String(row.mfaActive ?? false),
    ...keyFields(keys[0]),
    ...keyFields(keys[1]),
    'false',
    'N/A',
    'false',
    'N/A',
  ];
}

export interface ReportOptions {
  /** The header row, for a report whose header does not match its rows. */
  readonly columns?: readonly string[];
}

export function writeReport(
  rows: readonly (ReportRow | string)[],
  accountId: string,
  options: ReportOptions = {},
): string {
  const lines = rows.map((row) =>
    typeof row === 'string' ? row : rowFields(row, accountId).map(quote).join(','),
  );
  return [(options.columns ?? COLUMNS).join(','), ...lines].join('\n') + '\n';
}

/** The report as GetCredentialReport's `Content` carries it, once the SDK has decoded the base64. */
export function reportBytes(
  rows: readonly (ReportRow | string)[],
  accountId: string,
  options: ReportOptions = {},
): Uint8Array {
  return new TextEncoder().encode(writeReport(rows, accountId, options));
}

const DAY = 86_400_000;

/** Sane key dates: up to 3 years back from `nowMs`, used after creation or never. */
export function saneKey(nowMs: number): fc.Arbitrary<ReportKey> {
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
