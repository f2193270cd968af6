/**
 * Hand-built credential reports for the collector tests: the 22 columns in AWS's order
 * (docs/aws-behaviour.md, "IAM credential report"), dates computed from a fixed `now` so each
 * finding follows from the rule.
 */

export const NOW = new Date('2025-06-15T12:00:00Z');
export const ACCOUNT_ID = '111122223333';
const DAY_MS = 86_400_000;

export const HEADER = [
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
].join(',');

export function daysAgo(days: number): Date {
  return new Date(NOW.getTime() - days * DAY_MS);
}

/** The report's date format: `2025-03-17T12:00:00+00:00`. */
export function reportDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

export interface ReportKey {
  readonly active: boolean;
  readonly createdDaysAgo: number;
  /** Omitted: never used (N/A). */
  readonly usedDaysAgo?: number;
}

function keyCells(key: ReportKey | undefined): string[] {
  if (key === undefined) return ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
  const used = key.usedDaysAgo === undefined ? null : reportDate(daysAgo(key.usedDaysAgo));
  return [
    String(key.active),
    reportDate(daysAgo(key.createdDaysAgo)),
    used ?? 'N/A',
    used === null ? 'N/A' : 'us-east-1',
    used === null ? 'N/A' : 's3',
  ];
}

export function userRow(user: string, key1?: ReportKey, key2?: ReportKey): string {
  return [
    user,
    `arn:aws:iam::${ACCOUNT_ID}:user/${user}`,
    reportDate(daysAgo(400)),
    'false',
    'N/A',
    'N/A',
    'N/A',
    'false',
    ...keyCells(key1),
    ...keyCells(key2),
    'false',
    'N/A',
    'false',
    'N/A',
  ].join(',');
}

export function rootRow(key1?: ReportKey): string {
  return [
    '<root_account>',
    `arn:aws:iam::${ACCOUNT_ID}:root`,
    reportDate(daysAgo(1000)),
    'not_supported',
    reportDate(daysAgo(3)),
    'not_supported',
    'not_supported',
    'true',
    ...keyCells(key1),
    ...keyCells(undefined),
    'false',
    'N/A',
    'false',
    'N/A',
  ].join(',');
}

export function reportBytes(rows: readonly string[]): Uint8Array {
  return new TextEncoder().encode([HEADER, ...rows].join('\n') + '\n');
}
