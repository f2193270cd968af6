/**
 * The credential report parser (docs/design.md, "Collecting one account"; docs/aws-behaviour.md,
 * "IAM credential report"): columns are read by header name, and anything it cannot read is an
 * error naming the row and column, never an empty result. These cases pin the exact wording of
 * those errors and the edges of the strict ISO-8601 reader, gaps mutation testing found
 * (docs/mutation-testing.md).
 */
import { CsvError } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import {
  CREDENTIAL_REPORT_COLUMNS,
  parseCredentialReport,
  parseCredentialReportInSlices,
  parseIsoDate,
} from '../../src/core/credential-report';
import { CredentialReportParseError } from '../../src/core/errors';

type Column = (typeof CREDENTIAL_REPORT_COLUMNS)[number];
const HEADER = CREDENTIAL_REPORT_COLUMNS.join(',');
const WIDTH_HINT = '(an unquoted comma or a truncated line?)';

function row(cells: Partial<Record<Column, string>>): string {
  return CREDENTIAL_REPORT_COLUMNS.map((column) => cells[column] ?? 'N/A').join(',');
}

function parseError(content: string | Uint8Array): CredentialReportParseError {
  try {
    parseCredentialReport(content);
  } catch (error) {
    if (error instanceof CredentialReportParseError) return error;
    throw error;
  }
  throw new Error('expected a CredentialReportParseError, but the report parsed');
}

describe('header errors', () => {
  it('a duplicated column names both 1-based positions', () => {
    expect(parseError(`${HEADER},user\n`).message).toBe(
      'Header row: column "user" appears twice (positions 1 and 23).',
    );
    expect(parseError(`user,arn,ARN\n`).message).toBe(
      'Header row: column "arn" appears twice (positions 2 and 3).',
    );
  });

  it('one missing column is named in the singular, with the columns found', () => {
    const columns = CREDENTIAL_REPORT_COLUMNS.filter(
      (c) => c === 'user' || c === 'arn' || (c.startsWith('access_key_') && c !== 'access_key_2_active'),
    );
    const header = columns.join(',');
    expect(header.length).toBeLessThan(300);
    expect(parseError(`${header}\n`).message).toBe(
      `Header row: missing required column "access_key_2_active"; found 11 columns (${header}). Is this an IAM credential report?`,
    );
  });

  it('several missing columns are all named, in the plural', () => {
    expect(parseError('user,arn\n').message).toBe(
      'Header row: missing required columns "access_key_1_active", "access_key_1_last_rotated", ' +
        '"access_key_1_last_used_date", "access_key_1_last_used_region", "access_key_1_last_used_service", ' +
        '"access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date", ' +
        '"access_key_2_last_used_region", "access_key_2_last_used_service"; found 2 columns (user,arn). ' +
        'Is this an IAM credential report?',
    );
  });

  it('shows at most the first 300 characters of a long header', () => {
    const header = ['user', 'arn', ...Array.from({ length: 40 }, (_, i) => `extra_column_${i}`)].join(',');
    expect(header.length).toBeGreaterThan(300);
    const message = parseError(`${header}\n`).message;
    expect(message).toContain(`found 42 columns (${header.slice(0, 300)}). Is this`);
    expect(message).not.toContain(header.slice(0, 301));
  });

  it('reads header names whatever their case and surrounding spaces', () => {
    const header = CREDENTIAL_REPORT_COLUMNS.map((c) => (c === 'user' ? ' User ' : c.toUpperCase())).join(
      ',',
    );
    const entries = parseCredentialReport(
      `${header}\n${row({ user: 'alice', arn: 'arn:aws:iam::1:user/alice' })}\n`,
    );
    expect(entries.map((e) => [e.userName, e.userArn])).toEqual([['alice', 'arn:aws:iam::1:user/alice']]);
  });
});

describe('row errors name the row, the user when known, and the column', () => {
  it('an empty user name: no user to name', () => {
    expect(parseError(`${HEADER}\n${row({ user: '', arn: 'arn:aws:iam::1:user/x' })}\n`).message).toBe(
      'Row 1, column "user": the user name is empty',
    );
    expect(parseError(`${HEADER}\n${row({ user: '   ', arn: 'arn:aws:iam::1:user/x' })}\n`).message).toBe(
      'Row 1, column "user": the user name is empty',
    );
  });

  it('an empty ARN', () => {
    expect(parseError(`${HEADER}\n${row({ user: 'x', arn: '' })}\n`).message).toBe(
      'Row 1 (user "x"), column "arn": the ARN is empty',
    );
  });

  it('a boolean that is neither true nor false, showing at most 50 characters of it', () => {
    const value = `maybe-${'z'.repeat(60)}`;
    const content = `${HEADER}\n${row({ user: 'x', arn: 'a', access_key_1_active: value, access_key_1_last_rotated: '2024-01-01T00:00:00Z' })}`;
    expect(parseError(content).message).toBe(
      `Row 1 (user "x"), column "access_key_1_active": expected true or false, found "${value.slice(0, 50)}"`,
    );
  });

  it('a date without a zone, showing at most 50 characters of it', () => {
    const value = `2024-01-02T03:04:05${'9'.repeat(60)}`;
    const content = `${HEADER}\n${row({ user: 'u', arn: 'a', access_key_2_active: 'false', access_key_2_last_rotated: value })}`;
    expect(parseError(content).message).toBe(
      `Row 1 (user "u"), column "access_key_2_last_rotated": expected an ISO-8601 date with a zone such as 2024-01-02T03:04:05+00:00, found "${value.slice(0, 50)}"`,
    );
  });

  it('an active key without a date, and a dated key without a status', () => {
    expect(
      parseError(`${HEADER}\n${row({ user: 'x', arn: 'a', access_key_2_active: 'true' })}`).message,
    ).toBe(
      'Row 1 (user "x"), column "access_key_2_last_rotated": the key is active but has no date (access_key_2_active is true)',
    );
    expect(
      parseError(
        `${HEADER}\n${row({ user: 'x', arn: 'a', access_key_1_last_rotated: '2024-01-01T00:00:00Z' })}`,
      ).message,
    ).toBe(
      'Row 1 (user "x"), column "access_key_1_active": the key has a date but no status: expected true or false',
    );
  });

  it('too many fields: the column after the last one', () => {
    expect(parseError(`${HEADER}\n${row({ user: 'u1', arn: 'a1' })},extra\n`).message).toBe(
      `Row 1 (user "u1"), column "#23": expected 22 fields like the header, found 23 ${WIDTH_HINT}`,
    );
  });

  it('too few fields: the first column missing', () => {
    expect(parseError(`${HEADER}\n${row({ user: 'u1', arn: 'a1' })}\nu2,a2,oops\n`).message).toBe(
      `Row 2 (user "u2"), column "password_enabled": expected 22 fields like the header, found 3 ${WIDTH_HINT}`,
    );
  });

  it('too few fields to reach the user column: no user to name', () => {
    const columns = [...CREDENTIAL_REPORT_COLUMNS.filter((c) => c !== 'user'), 'user'];
    const content = `${columns.join(',')}\narn:aws:iam::1:user/x,N/A\n`;
    expect(parseError(content).message).toBe(
      `Row 1, column "${columns[2]}": expected 22 fields like the header, found 2 ${WIDTH_HINT}`,
    );
  });
});

describe('what the parser keeps as the cause', () => {
  it('bytes that are not UTF-8: the decoder error', () => {
    const error = parseError(new Uint8Array([0x75, 0x73, 0xff, 0xfe]));
    expect(error.message).toBe('The credential report is not valid UTF-8 text.');
    expect(error.cause).toBeInstanceOf(TypeError);
  });

  it('broken CSV: the CSV error, and the line it stopped at', () => {
    const error = parseError(`${HEADER}\n"unterminated,${'N/A,'.repeat(20)}N/A\n`);
    expect(error.message).toMatch(/^The credential report is not valid CSV near line \d+: /);
    expect(error.cause).toBeInstanceOf(CsvError);
  });
});

describe('cell values', () => {
  it('trims the user name and the cells it reads', () => {
    const content = `${HEADER}\n${row({
      user: ' alice ',
      arn: ' arn:aws:iam::1:user/alice ',
      access_key_1_active: ' true ',
      access_key_1_last_rotated: ' 2024-01-01T00:00:00+00:00 ',
      access_key_1_last_used_service: ' s3 ',
    })}\n`;
    const [entry] = parseCredentialReport(content);
    expect(entry?.userName).toBe('alice');
    expect(entry?.userArn).toBe('arn:aws:iam::1:user/alice');
    expect(entry?.keys).toEqual([
      {
        slot: 1,
        accessKeyId: null,
        status: 'Active',
        createdAt: new Date(Date.UTC(2024, 0, 1)),
        lastUsedAt: null,
        lastUsedRegion: null,
        lastUsedService: 's3',
      },
    ]);
  });

  it('reads N/A, no_information and not_supported, in any case, as absent', () => {
    const content = `${HEADER}\n${row({
      user: '<root_account>',
      arn: 'arn:aws:iam::1:root',
      user_creation_time: 'not_supported',
      password_enabled: 'NOT_SUPPORTED',
      mfa_active: 'no_information',
      access_key_1_active: 'true',
      access_key_1_last_rotated: '2024-01-01T00:00:00Z',
      access_key_1_last_used_date: 'no_information',
      access_key_1_last_used_region: 'No_Information',
      access_key_1_last_used_service: 'n/a',
    })}\n`;
    const [entry] = parseCredentialReport(content);
    expect(entry).toMatchObject({
      userCreationTime: null,
      passwordEnabled: null,
      mfaActive: null,
      isRoot: true,
    });
    expect(entry?.keys[0]).toMatchObject({ lastUsedAt: null, lastUsedRegion: null, lastUsedService: null });
  });
});

describe('parseCredentialReportInSlices', () => {
  it('blank lines never make an empty slice', () => {
    const a = row({ user: 'a', arn: 'arn:aws:iam::1:user/a' });
    const b = row({ user: 'b', arn: 'arn:aws:iam::1:user/b' });
    const slices = [...parseCredentialReportInSlices(`${HEADER}\n${a}\n\n\n${b}\n\n`, 1)];
    expect(slices.map((s) => s.map((e) => e.userName))).toEqual([['a'], ['b']]);
  });
});

describe('parseIsoDate: the strict ISO-8601 reader', () => {
  it('refuses anything before the year, even a form Date would read', () => {
    expect(parseIsoDate('+002024-01-02T03:04:05Z')).toBeNull();
    expect(parseIsoDate(' 2024-01-02T03:04:05Z')).toBeNull();
  });

  it('accepts the largest valid fields: 23:59:59 and offsets up to ±23:59', () => {
    expect(parseIsoDate('2024-01-01T23:59:59Z')).toEqual(new Date(Date.UTC(2024, 0, 1, 23, 59, 59)));
    expect(parseIsoDate('2024-01-01T00:00:00+23:00')).toEqual(new Date(Date.UTC(2023, 11, 31, 1, 0, 0)));
    expect(parseIsoDate('2024-01-01T00:00:00-23:59')).toEqual(new Date(Date.UTC(2024, 0, 1, 23, 59, 0)));
    expect(parseIsoDate('2024-01-01T00:00:00+00:59')).toEqual(new Date(Date.UTC(2023, 11, 31, 23, 1, 0)));
    expect(parseIsoDate('2024-12-31T00:00:00Z')).toEqual(new Date(Date.UTC(2024, 11, 31)));
  });

  it('refuses hour 24, which Date alone would read as the next midnight', () => {
    expect(parseIsoDate('2024-01-01T24:00:00+00:00')).toBeNull();
  });
});
