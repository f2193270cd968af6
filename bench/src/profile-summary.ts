/**
 * `tsx bench/src/profile-summary.ts <file.cpuprofile> [top]`: where a `--cpu-prof` run spent
 * its time, by function (self time) and by package/file (self time), so a hot spot can be
 * reported to its owner with a share of the total instead of a guess.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface HotSpot {
  readonly name: string;
  readonly ms: number;
  readonly share: number;
}

export interface ProfileSummary {
  readonly totalMs: number;
  readonly byFunction: readonly HotSpot[];
  readonly byFile: readonly HotSpot[];
  readonly byArea: readonly HotSpot[];
}

/** The part of a script URL that says whose code it is (package or workspace folder). */
export function areaOf(url: string): string {
  if (url === '') return '(native/gc/idle)';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = url.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]?.startsWith('@') ? `${rest[0]}/${rest[1]}` : (rest[0] ?? url);
  }
  const workspace = /\/work\/[^/]+\/([^/]+)\//.exec(url);
  if (workspace?.[1] !== undefined) return workspace[1];
  if (url.startsWith('node:')) return 'node:internal';
  return url;
}

export function summarizeProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMs = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    const delta = (profile.timeDeltas[index] ?? 0) / 1000;
    selfMs.set(id, (selfMs.get(id) ?? 0) + delta);
  });
  const totalMs = [...selfMs.values()].reduce((a, b) => a + b, 0);
  const group = (key: (node: ProfileNode) => string): HotSpot[] => {
    const sums = new Map<string, number>();
    for (const [id, ms] of selfMs) {
      const node = byId.get(id);
      if (node === undefined) continue;
      const name = key(node);
      sums.set(name, (sums.get(name) ?? 0) + ms);
    }
    return [...sums.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), share: totalMs === 0 ? 0 : ms / totalMs }));
  };
  const short = (url: string) => url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '~/');
  return {
    totalMs: Math.round(totalMs),
    byFunction: group(
      (n) =>
        `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`,
    ),
    byFile: group((n) => short(n.callFrame.url) || n.callFrame.functionName),
    byArea: group((n) => areaOf(n.callFrame.url)),
  };
}

function print(title: string, spots: readonly HotSpot[]): void {
  console.log(`\n${title}`);
  for (const s of spots)
    console.log(`${(s.share * 100).toFixed(1).padStart(5)}%  ${String(s.ms).padStart(7)} ms  ${s.name}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, topText] = process.argv.slice(2);
  if (file === undefined) {
    console.error('usage: tsx bench/src/profile-summary.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  const summary = summarizeProfile(
    JSON.parse(readFileSync(file, 'utf8')) as CpuProfile,
    Number(topText ?? 15),
  );
  console.log(`total sampled: ${summary.totalMs} ms`);
  print('by area (self time)', summary.byArea);
  print('by file (self time)', summary.byFile);
  print('by function (self time)', summary.byFunction);
}
