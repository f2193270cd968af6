/**
 * Editing `~/.aws/credentials` without disturbing it: only the lines of the chosen profile's
 * keys change; comments, blank lines, other profiles, key order and line endings stay byte for
 * byte. Written atomically (temp file in the same folder, fsync, rename) with mode 0600, so a
 * crash leaves either the old file or the new one, never half of each.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { OperationError } from './errors';

export function credentialsPath(env: NodeJS.ProcessEnv): string {
  const fromEnv = env['AWS_SHARED_CREDENTIALS_FILE'];
  return fromEnv !== undefined && fromEnv !== ''
    ? fromEnv
    : join(env['HOME'] ?? homedir(), '.aws', 'credentials');
}

const SECTION = /^\s*\[\s*([^\]]+?)\s*\]\s*(?:[#;].*)?$/;
const ENTRY = /^(\s*)([^=\s#;][^=]*?)\s*=\s*(.*?)\s*$/;

interface Line {
  readonly text: string;
  /** The line ending that followed it ('' for the last line without one). */
  readonly eol: string;
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  const re = /([^\r\n]*)(\r\n|\n|\r|$)/g;
  for (let m = re.exec(text); m !== null && m.index < text.length; m = re.exec(text)) {
    lines.push({ text: m[1] ?? '', eol: m[2] ?? '' });
    if (m[0] === '') break;
  }
  return lines;
}

/** [start, end) line indexes of a profile's body (after its header), or null when absent. */
function sectionRange(lines: readonly Line[], profile: string): { header: number; end: number } | null {
  let header = -1;
  for (let i = 0; i < lines.length; i++) {
    const name = SECTION.exec(lines[i]?.text ?? '')?.[1];
    if (name === undefined) continue;
    if (header >= 0) return { header, end: i };
    if (name === profile) header = i;
  }
  return header >= 0 ? { header, end: lines.length } : null;
}

/** The profile's settings (later duplicates win, as in the SDK), or null when it has no section. */
export function readProfile(text: string, profile: string): Record<string, string> | null {
  const lines = splitLines(text);
  const range = sectionRange(lines, profile);
  if (range === null) return null;
  const values: Record<string, string> = {};
  for (let i = range.header + 1; i < range.end; i++) {
    const m = ENTRY.exec(lines[i]?.text ?? '');
    if (m !== null) values[(m[2] ?? '').toLowerCase()] = stripInlineComment(m[3] ?? '');
  }
  return values;
}

/** `value ; comment` → `value`: the CLI treats " ;" and " #" after a value as a comment. */
function stripInlineComment(value: string): string {
  return value.replace(/\s+[#;].*$/, '');
}

/**
 * Sets `values` in the profile: existing lines are rewritten in place (keeping their indent and
 * any trailing comment), missing keys go after the profile's last setting, and a missing
 * profile is appended at the end.
 */
export function setProfileValues(
  text: string,
  profile: string,
  values: Readonly<Record<string, string>>,
): string {
  const lines = splitLines(text);
  const eol = lines.find((l) => l.eol !== '')?.eol ?? '\n';
  const range = sectionRange(lines, profile);
  const pending = new Map(Object.entries(values));
  if (range === null) {
    const base = text === '' || /(\r\n|\n|\r)$/.test(text) ? text : text + eol;
    const body = [...pending].map(([k, v]) => `${k} = ${v}${eol}`).join('');
    return `${base}${base === '' ? '' : eol}[${profile}]${eol}${body}`;
  }
  const out = [...lines];
  let lastSetting = range.header;
  for (let i = range.header + 1; i < range.end; i++) {
    const line = out[i];
    const m = line === undefined ? null : ENTRY.exec(line.text);
    if (m === null || line === undefined) continue;
    lastSetting = i;
    const name = (m[2] ?? '').toLowerCase();
    const value = pending.get(name);
    if (value === undefined) continue;
    const comment = /(\s+[#;].*)$/.exec(m[3] ?? '')?.[1] ?? '';
    out[i] = { text: `${m[1] ?? ''}${m[2]} = ${value}${comment}`, eol: line.eol };
    pending.delete(name);
  }
  const added = [...pending].map(([k, v]) => ({ text: `${k} = ${v}`, eol }));
  if (added.length > 0) {
    const after = out[lastSetting];
    // The file's last line may lack a newline; it needs one before anything follows it.
    if (after !== undefined && after.eol === '') out[lastSetting] = { text: after.text, eol };
    out.splice(lastSetting + 1, 0, ...added);
  }
  return out.map((l) => l.text + l.eol).join('');
}

export async function readCredentialsFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new OperationError(`The credentials file ${path} does not exist.`, {
        fix: 'Run `aws configure --profile NAME` first, or point AWS_SHARED_CREDENTIALS_FILE at your file.',
        cause: error,
      });
    }
    throw error;
  }
}

/** Temp file in the same folder (so rename is atomic), fsync, mode 0600, rename over the target. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = join(dirname(path), `.${randomBytes(6).toString('hex')}.keyaudit.tmp`);
  const handle = await open(temp, 'wx', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    // The umask may have narrowed the mode further, never widened it; chmod makes it exact.
    await chmod(temp, 0o600);
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
