/**
 * Parser for the IAM credential report (GetCredentialReport's CSV; see docs/aws-behaviour.md,
 * "IAM credential report").
 *
 * Header-driven rather than positional: AWS documents the 22 columns but has added columns to
 * this report before, and a parser that trusts positions would silently read the wrong column.
 * Anything it cannot read is an error naming the row and column, never an empty result: an
 * unreadable report must not turn into "no findings".
 */
import { CsvError, parse } from 'csv-parse/sync';
import { CredentialReportParseError } from './errors';
import type { AccessKeyState, KeyStatus, PrincipalCredentials } from './model';

export const CREDENTIAL_REPORT_COLUMNS = [
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
export type CredentialReportColumn = (typeof CREDENTIAL_REPORT_COLUMNS)[number];

/** The user name AWS writes in the root user's row. */
export const ROOT_ACCOUNT_USER = '<root_account>';

const KEY_SLOTS = [1, 2] as const;

function keyColumns(slot: 1 | 2) {
  return {
    active: `access_key_${slot}_active`,
    lastRotated: `access_key_${slot}_last_rotated`,
    lastUsedDate: `access_key_${slot}_last_used_date`,
    lastUsedRegion: `access_key_${slot}_last_used_region`,
    lastUsedService: `access_key_${slot}_last_used_service`,
  } as const satisfies Record<string, CredentialReportColumn>;
}

/** Without these the policy cannot be evaluated, so their absence is an error. */
export const REQUIRED_COLUMNS: readonly CredentialReportColumn[] = [
  'user',
  'arn',
  ...KEY_SLOTS.flatMap((slot) => Object.values(keyColumns(slot))),
];

export interface CredentialReportEntry extends PrincipalCredentials {
  /** Null when the column is absent or says N/A (the root row has no creation time in some reports). */
  readonly userCreationTime: Date | null;
  readonly passwordEnabled: boolean | null;
  readonly mfaActive: boolean | null;
}

/** Values AWS writes for "nothing here"; they all read as absent. */
const ABSENT_VALUES = new Set(['', 'n/a', 'no_information', 'not_supported']);

/** ISO-8601 with a zone (`Z` or `±hh:mm`): the report always carries one, and a zone-less date would be read as local time. */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,9})?(?:Z|[+-](\d{2}):?(\d{2}))$/;

/**
 * Parses a credential report (the CSV text, or the bytes GetCredentialReport's `Content` decodes to).
 * @throws CredentialReportParseError naming the row (1-based data row, and the user when known) and column.
 */
export function parseCredentialReport(content: string | Uint8Array): CredentialReportEntry[] {
  return [...parseCredentialReportInSlices(content)].flat();
}

/** Rows per slice: a few milliseconds of parsing, so a caller waits little for the first ones. */
export const REPORT_SLICE_ROWS = 250;

/**
 * The same parse, a slice of rows at a time, so that a caller can act on the first rows (the
 * collector starts its follow-up calls) while the rest of a 10,000-user report is still unread.
 * Slices end only at line breaks outside quotes, and a CSV error is reported as the whole-text
 * parse reports it, so slicing changes no result and no message.
 * @throws CredentialReportParseError as parseCredentialReport, when the slice holding the fault is reached.
 */
export function* parseCredentialReportInSlices(
  content: string | Uint8Array,
  rowsPerSlice = REPORT_SLICE_ROWS,
): Generator<CredentialReportEntry[], void, undefined> {
  const text = typeof content === 'string' ? content : decodeUtf8(content);
  if (text.replace(/^\uFEFF/, '').trim() === '') {
    throw new CredentialReportParseError(
      'The credential report is empty: expected at least the header row (user,arn,...). Generate the report again.',
    );
  }
  const readSlice = (start: number, end: number): string[][] => {
    try {
      return readCsv(text.slice(start, end));
    } catch (error) {
      // Line numbers in a slice's error are the slice's own: the whole text names the right line.
      readCsv(text);
      throw error;
    }
  };
  let start = 0;
  let end = 0;
  let header: string[] | undefined;
  // Blank lines before the header are skipped, as the whole-text parse skips them.
  while (header === undefined && end < text.length) {
    start = end;
    end = endOfRows(text, start, 1);
    header = readSlice(start, end)[0];
  }
  if (header === undefined) {
    throw new CredentialReportParseError('The credential report has no header row.');
  }
  const index = indexHeader(header);
  let rowNumber = 0;
  while (end < text.length) {
    start = end;
    end = endOfRows(text, start, rowsPerSlice);
    const slice = readSlice(start, end).map((fields) => parseRow(fields, ++rowNumber, header.length, index));
    if (slice.length > 0) yield slice;
  }
}

/** The index just past the `rows`-th line break after `from` that is not inside a quoted field. */
function endOfRows(text: string, from: number, rows: number): number {
  const QUOTE = 34;
  const NEWLINE = 10;
  let inQuotes = false;
  let seen = 0;
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    // An escaped quote ("") toggles twice, so only real field quotes change the state.
    if (code === QUOTE) inQuotes = !inQuotes;
    else if (code === NEWLINE && !inQuotes && ++seen === rows) return i + 1;
  }
  return text.length;
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    // TextDecoder drops a leading BOM by default.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new CredentialReportParseError('The credential report is not valid UTF-8 text.', { cause });
  }
}

function readCsv(text: string): string[][] {
  try {
    return parse(text, {
      bom: true,
      // Field counts are checked per row below, so that the error can name the row and the user.
      relax_column_count: true,
      skip_empty_lines: true,
    });
  } catch (cause) {
    const where =
      cause instanceof CsvError && typeof cause['lines'] === 'number' ? ` near line ${cause['lines']}` : '';
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new CredentialReportParseError(`The credential report is not valid CSV${where}: ${detail}`, {
      cause,
    });
  }
}

type ColumnIndex = ReadonlyMap<string, number>;

function indexHeader(header: readonly string[]): ColumnIndex {
  const index = new Map<string, number>();
  header.forEach((raw, position) => {
    const name = raw.trim().toLowerCase();
    if (index.has(name)) {
      throw new CredentialReportParseError(
        `Header row: column "${name}" appears twice (positions ${(index.get(name) ?? 0) + 1} and ${position + 1}).`,
      );
    }
    index.set(name, position);
  });
  const missing = REQUIRED_COLUMNS.filter((column) => !index.has(column));
  if (missing.length > 0) {
    throw new CredentialReportParseError(
      `Header row: missing required column${missing.length > 1 ? 's' : ''} ${missing.map((c) => `"${c}"`).join(', ')}; ` +
        `found ${header.length} columns (${header.join(',').slice(0, 300)}). Is this an IAM credential report?`,
    );
  }
  return index;
}

/** Reads the cells of one data row, with errors that say where. */
class RowReader {
  constructor(
    private readonly fields: readonly string[],
    private readonly rowNumber: number,
    private readonly index: ColumnIndex,
    private readonly user: string | null,
  ) {}

  fail(column: string, problem: string): never {
    const who = this.user === null ? '' : ` (user "${this.user}")`;
    throw new CredentialReportParseError(`Row ${this.rowNumber}${who}, column "${column}": ${problem}`);
  }

  /** The raw cell, or undefined when the column is not in this report. */
  raw(column: string): string | undefined {
    const position = this.index.get(column);
    return position === undefined ? undefined : (this.fields[position] ?? '').trim();
  }

  /** The cell, or null for N/A, no_information, not_supported, empty or an absent column. */
  value(column: string): string | null {
    const raw = this.raw(column);
    return raw === undefined || ABSENT_VALUES.has(raw.toLowerCase()) ? null : raw;
  }

  boolean(column: string): boolean | null {
    const value = this.value(column);
    if (value === null) return null;
    const lower = value.toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
    return this.fail(column, `expected true or false, found "${value.slice(0, 50)}"`);
  }

  date(column: string): Date | null {
    const value = this.value(column);
    if (value === null) return null;
    const date = parseIsoDate(value);
    if (date === null) {
      return this.fail(
        column,
        `expected an ISO-8601 date with a zone such as 2024-01-02T03:04:05+00:00, found "${value.slice(0, 50)}"`,
      );
    }
    return date;
  }
}

function parseRow(fields: readonly string[], rowNumber: number, width: number, index: ColumnIndex) {
  const userPosition = index.get('user') ?? 0;
  const user = (fields[userPosition] ?? '').trim();
  const reader: RowReader = new RowReader(fields, rowNumber, index, user === '' ? null : user);
  if (fields.length !== width) {
    reader.fail(
      fields.length < width ? (headerNameAt(index, fields.length) ?? 'user') : `#${width + 1}`,
      `expected ${width} fields like the header, found ${fields.length} (an unquoted comma or a truncated line?)`,
    );
  }
  if (user === '') reader.fail('user', 'the user name is empty');
  const userArn = reader.value('arn');
  if (userArn === null) reader.fail('arn', 'the ARN is empty');

  const isRoot = user === ROOT_ACCOUNT_USER;
  const keys: AccessKeyState[] = [];
  for (const slot of KEY_SLOTS) {
    const key = parseKey(reader, slot);
    if (key !== null) keys.push(key);
  }
  return {
    userName: user,
    userArn,
    isRoot,
    keys,
    userCreationTime: reader.date('user_creation_time'),
    passwordEnabled: reader.boolean('password_enabled'),
    mfaActive: reader.boolean('mfa_active'),
  } satisfies CredentialReportEntry;
}

function headerNameAt(index: ColumnIndex, position: number): string | undefined {
  for (const [name, at] of index) if (at === position) return name;
  return undefined;
}

function parseKey(reader: RowReader, slot: 1 | 2): AccessKeyState | null {
  const columns = keyColumns(slot);
  const createdAt = reader.date(columns.lastRotated);
  const active = reader.boolean(columns.active);
  if (createdAt === null) {
    // An active key without a creation date cannot be aged; dropping it would hide a finding.
    if (active === true)
      reader.fail(columns.lastRotated, `the key is active but has no date (${columns.active} is true)`);
    return null;
  }
  if (active === null)
    reader.fail(columns.active, 'the key has a date but no status: expected true or false');
  const status: KeyStatus = active ? 'Active' : 'Inactive';
  return {
    slot,
    accessKeyId: null,
    status,
    createdAt,
    lastUsedAt: reader.date(columns.lastUsedDate),
    lastUsedRegion: reader.value(columns.lastUsedRegion),
    lastUsedService: reader.value(columns.lastUsedService),
  };
}

/** A strict ISO-8601 reader: `Date.parse` alone accepts 2024-02-30 (as March 1st) and zone-less local times. */
export function parseIsoDate(value: string): Date | null {
  const match = ISO_DATE.exec(value);
  if (match === null) return null;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const zoneHour = match[7] === undefined ? 0 : Number(match[7]);
  const zoneMinute = match[8] === undefined ? 0 : Number(match[8]);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth) return null;
  if (hour > 23 || minute > 59 || second > 59 || zoneHour > 23 || zoneMinute > 59) return null;
  const date = new Date(value.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(date.getTime()) ? null : date;
}
