/**
 * The README's Layout table is how a newcomer finds their way: every folder it names must exist,
 * and every source folder of every package must be named (a new layer or a moved module shows
 * up here before it misleads anyone).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');
const README = readFileSync(join(REPO, 'README.md'), 'utf8');

function layoutFolders(): string[] {
  const section = README.split('\n## Layout')[1]?.split('\n## ')[0] ?? '';
  return [...section.matchAll(/^\| `([^`]+)`/gm)].map((m) => m[1] as string);
}

const subfolders = (dir: string) =>
  readdirSync(join(REPO, dir)).filter((name) => statSync(join(REPO, dir, name)).isDirectory());

describe('README Layout table', () => {
  const listed = layoutFolders();

  it('names only paths that exist', () => {
    expect(listed.length).toBeGreaterThan(15);
    expect(listed.filter((path) => !existsSync(join(REPO, path)))).toEqual([]);
  });

  it('names every layer of the Lambdas and every workspace package', () => {
    const required = [
      ...subfolders('functions/src').map((name) => `functions/src/${name}/`),
      ...['functions', 'statemachine', 'emulator', 'infra', 'cli', 'bench'].map((p) => `${p}/`),
      ...subfolders('test')
        .filter((name) => name !== 'node_modules')
        .map((name) => `test/${name}/`),
    ];
    const named = (path: string) => listed.some((entry) => entry === path || entry.startsWith(path));
    expect(required.filter((path) => !named(path))).toEqual([]);
  });
});
