/**
 * Renders an account's credential report the way IAM does. The emulator writes its own CSV on
 * purpose (not the product's parser in reverse), so the product's parser is tested against an
 * independent writer.
 */
import type { AccountRecord, KeyRecord } from './model';

export const REPORT_COLUMNS = [
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

/** The report's date format: ISO-8601 without milliseconds, offset written as +00:00. */
export function reportDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

function keyColumns(key: KeyRecord | undefined): string[] {
  if (key === undefined) return ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
  const used = key.lastUsedAt !== null;
  return [
    key.status === 'Active' ? 'true' : 'false',
    reportDate(key.createdAt),
    used ? reportDate(key.lastUsedAt as number) : 'N/A',
    used ? (key.lastUsedRegion ?? 'N/A') : 'N/A',
    used ? (key.lastUsedService ?? 'N/A') : 'N/A',
  ];
}

/** Slots are filled oldest key first, as a user who never deleted a key would see them. */
function slots(keys: readonly KeyRecord[]): [KeyRecord | undefined, KeyRecord | undefined] {
  const sorted = [...keys].sort((a, b) => a.createdAt - b.createdAt);
  return [sorted[0], sorted[1]];
}

const NO_CERTS = ['false', 'N/A', 'false', 'N/A'];

export function renderCredentialReport(account: AccountRecord): string {
  const lines: string[] = [REPORT_COLUMNS.join(',')];
  const [root1, root2] = slots(account.rootKeys);
  lines.push(
    [
      '<root_account>',
      `arn:aws:iam::${account.id}:root`,
      reportDate(account.joinedAt),
      'not_supported',
      'no_information',
      'not_supported',
      'not_supported',
      account.rootMfa ? 'true' : 'false',
      ...keyColumns(root1),
      ...keyColumns(root2),
      ...NO_CERTS,
    ].join(','),
  );
  for (const user of account.users) {
    const [k1, k2] = slots(user.keys);
    const password = user.passwordLastUsedAt;
    lines.push(
      [
        user.userName,
        `arn:aws:iam::${account.id}:user/${user.userName}`,
        reportDate(user.createdAt),
        password === null ? 'false' : 'true',
        // AWS writes no_information for a password never used since tracking began.
        password === null ? 'N/A' : password === 'never' ? 'no_information' : reportDate(password),
        password === null ? 'N/A' : reportDate(user.createdAt),
        'N/A',
        'false',
        ...keyColumns(k1),
        ...keyColumns(k2),
        ...NO_CERTS,
      ].join(','),
    );
  }
  return lines.join('\n') + '\n';
}
