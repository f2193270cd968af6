import { describe, expect, it } from 'vitest';
import {
  CREDENTIAL_REPORT_COLUMNS,
  parseCredentialReport,
  parseCredentialReportInSlices,
} from '../../src/core/credential-report';
import { CredentialReportParseError } from '../../src/core/errors';

const HEADER = CREDENTIAL_REPORT_COLUMNS.join(',');

function row(user: string, cells: Partial<Record<(typeof CREDENTIAL_REPORT_COLUMNS)[number], string>> = {}) {
  return CREDENTIAL_REPORT_COLUMNS.map((column) => {
    if (column === 'user') return user;
    if (column === 'arn') return `arn:aws:iam::111122223333:user/${user.replace(/[^a-z0-9]/gi, '-')}`;
    return cells[column] ?? 'N/A';
  }).join(',');
}

function thrown(run: () => unknown): CredentialReportParseError {
  try {
    run();
  } catch (error) {
    if (error instanceof CredentialReportParseError) return error;
    throw error;
  }
  throw new Error('expected a CredentialReportParseError');
}

describe('parseCredentialReportInSlices', () => {
  it('yields the rows in slices of the asked size, the last one shorter', () => {
    const users = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7'];
    const text = `${[HEADER, ...users.map((u) => row(u))].join('\n')}\n`;

    const slices = [...parseCredentialReportInSlices(text, 3)];

    expect(slices.map((s) => s.map((e) => e.userName))).toEqual([
      ['u1', 'u2', 'u3'],
      ['u4', 'u5', 'u6'],
      ['u7'],
    ]);
  });

  it('never cuts inside a quoted field: a line break or a comma in quotes stays in its row', () => {
    // IAM user names may hold commas; the report quotes them. A quoted line break is not
    // something IAM produces, but a CSV reader must still keep it in its field.
    const text = [
      HEADER,
      row('"ops,deploy"'),
      row('plain'),
      row('"two\nlines"'),
      row('"say ""hi"""'),
      row('last'),
    ].join('\r\n');

    const slices = [...parseCredentialReportInSlices(text, 1)];

    expect(slices.map((s) => s.map((e) => e.userName))).toEqual([
      ['ops,deploy'],
      ['plain'],
      ['two\nlines'],
      ['say "hi"'],
      ['last'],
    ]);
  });

  it('skips blank lines before the header and between rows, as a whole-text read does', () => {
    const text = `\n\n${HEADER}\n${row('a')}\n\n${row('b')}\n`;

    expect(parseCredentialReport(text).map((e) => e.userName)).toEqual(['a', 'b']);
    expect([...parseCredentialReportInSlices(text, 1)].flat().map((e) => e.userName)).toEqual(['a', 'b']);
  });

  it('numbers rows across slices: a bad date in data row 5 is reported as row 5', () => {
    const rows = ['a', 'b', 'c', 'd'].map((u) => row(u));
    rows.push(row('eve', { access_key_1_active: 'true', access_key_1_last_rotated: 'last tuesday' }));
    const text = [HEADER, ...rows].join('\n');

    const error = thrown(() => [...parseCredentialReportInSlices(text, 2)]);

    expect(error.message).toContain('Row 5 (user "eve"), column "access_key_1_last_rotated"');
  });

  it('gives the first slices before it reaches a broken one, then the error with the whole-text line number', () => {
    // Line 1 is the header, lines 2-4 good rows, line 5 an unclosed quote.
    const text = [HEADER, row('a'), row('b'), row('c'), `"broken,${row('x').slice(2)}`].join('\n');
    const slices = parseCredentialReportInSlices(text, 2);

    expect(slices.next().value?.map((e) => e.userName)).toEqual(['a', 'b']);
    const error = thrown(() => slices.next());
    expect(error.message).toMatch(/not valid CSV near line 5/);
  });

  it('an empty report and a report of only a header', () => {
    expect(thrown(() => [...parseCredentialReportInSlices('\uFEFF \n')]).message).toMatch(/empty/);
    expect([...parseCredentialReportInSlices(`${HEADER}\n`)]).toEqual([]);
  });
});
