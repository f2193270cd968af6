import { describe, expect, it } from 'vitest';
import { median, packageOf } from '../src/bundle';
import { areaOf, summarizeProfile } from '../src/profile-summary';

describe('bundle helpers', () => {
  it('names the package an esbuild input belongs to', () => {
    expect(
      packageOf('../node_modules/.pnpm/@smithy+core@3.1.0/node_modules/@smithy/core/dist-es/index.js'),
    ).toBe('@smithy/core');
    expect(packageOf('../node_modules/.pnpm/zod@3.25.0/node_modules/zod/lib/index.mjs')).toBe('zod');
    expect(packageOf('../functions/src/core/policy.ts')).toBe('functions');
  });

  it('takes the median of odd and even samples', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow(RangeError);
  });
});

describe('profile summary', () => {
  it('attributes self time to functions and packages', () => {
    const frame = (functionName: string, url: string) => ({ functionName, url, lineNumber: 0 });
    const summary = summarizeProfile({
      nodes: [
        { id: 1, callFrame: frame('(root)', '') },
        {
          id: 2,
          callFrame: frame(
            'sign',
            'file:///x/node_modules/.pnpm/a/node_modules/@smithy/signature-v4/index.js',
          ),
        },
        { id: 3, callFrame: frame('run', 'file:///work/main/statemachine/src/runner.ts') },
      ],
      samples: [2, 2, 2, 3],
      timeDeltas: [1000, 1000, 1000, 1000],
    });
    expect(summary.totalMs).toBe(4);
    expect(summary.byArea).toEqual([
      { name: '@smithy/signature-v4', ms: 3, share: 0.75 },
      { name: 'statemachine', ms: 1, share: 0.25 },
    ]);
    expect(areaOf('node:internal/streams/readable')).toBe('node:internal');
  });
});
