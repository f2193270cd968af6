/**
 * Output conventions shared by every operations command: results on stdout (a table, or JSON
 * with `--json`), progress and errors on stderr, colour only on a TTY without `NO_COLOR`.
 */
import { InvalidInputError } from '@org-key-audit/functions/core';
import { errorMessage, OperationError } from './errors';

/** Exit codes, the same for every command (listed in each command's `--help`). */
export const EXIT = {
  OK: 0,
  /** Failure: nothing happened, or the workflow failed. */
  ERROR: 1,
  /** Partly done: the run finished but some accounts failed (or some messages were not handled). */
  PARTIAL: 2,
} as const;

export const EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  error (the message says what to do), or the execution failed
  2  partial: the run finished but some accounts were not audited`;

export interface Io {
  /** One result line (or document) to stdout. */
  readonly out: (text: string) => void;
  /** Progress and errors to stderr. */
  readonly err: (text: string) => void;
  readonly color: boolean;
}

export function wantsColor(isTty: boolean | undefined, env: NodeJS.ProcessEnv): boolean {
  // https://no-color.org: any non-empty NO_COLOR disables colour.
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  if (env['TERM'] === 'dumb') return false;
  return isTty === true;
}

export function processIo(): Io {
  return {
    out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    color: wantsColor(process.stdout.isTTY, process.env),
  };
}

const CODES = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const;
export type Colour = keyof typeof CODES;

export function paint(io: Pick<Io, 'color'>, colour: Colour, text: string): string {
  return io.color ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text;
}

/** Visible width: escape sequences take no columns. */
function visibleLength(text: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping our own ANSI colour codes
  return [...text.replace(/\u001b\[[0-9;]*m/g, '')].length;
}

/** A plain-text table: columns padded to the widest cell, a dashed rule under the header. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) =>
    Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell + ' '.repeat(Math.max(0, (widths[i] ?? 0) - visibleLength(cell))))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function printJson(io: Io, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

/** Age in words for tables ("3d 4h", "12m"). */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ${minutes % 60}m`;
  return `${Math.floor(hours / 24)}d ${hours % 24}h`;
}

/**
 * Runs a command body and turns its outcome into an exit code: known errors print one
 * sentence plus the fix on stderr; anything else prints its message (never a stack trace).
 */
export async function runCommand(io: Io, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof OperationError) {
      io.err(`${paint(io, 'red', 'error:')} ${error.message} ${error.fix}`);
      return error.exitCode;
    }
    if (error instanceof InvalidInputError) {
      io.err(`${paint(io, 'red', 'error:')} ${error.message}`);
      return EXIT.ERROR;
    }
    io.err(
      `${paint(io, 'red', 'error:')} ${errorMessage(error)}. Check your AWS credentials and region (AWS_PROFILE, AWS_REGION), then retry.`,
    );
    return EXIT.ERROR;
  }
}
