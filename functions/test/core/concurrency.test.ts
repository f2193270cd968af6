import { describe, expect, it } from 'vitest';
import { boundedMap, boundedPull } from '../../src/core/concurrency';

describe('boundedMap', () => {
  it('keeps input order whatever order the calls finish in', async () => {
    const delays = [3, 1, 2, 0];
    const out = await boundedMap(delays, 2, async (ticks, i) => {
      for (let t = 0; t < ticks; t++) await new Promise((resolve) => setImmediate(resolve));
      return i * 10;
    });
    expect(out).toEqual([0, 10, 20, 30]);
  });

  it('rejects a limit that is not a positive integer', async () => {
    await expect(boundedMap([1], 0, async (x) => x)).rejects.toThrow(RangeError);
  });
});

describe('boundedPull', () => {
  /** A source that records how far it has been read. */
  function counted(items: readonly number[], failAt?: number) {
    const state = { pulled: 0 };
    const source = (function* () {
      for (const item of items) {
        if (item === failAt) throw new Error(`source broke at ${item}`);
        state.pulled += 1;
        yield item;
      }
    })();
    return { source, state };
  }

  it('pulls an item only when a slot frees up, never more than the limit ahead', async () => {
    const { source, state } = counted([1, 2, 3, 4, 5, 6]);
    const release: (() => void)[] = [];
    const done: number[] = [];
    const run = boundedPull(source, 2, async (item) => {
      await new Promise<void>((resolve) => release.push(resolve));
      done.push(item);
    });
    await Promise.resolve();
    expect(state.pulled).toBe(2);
    release.shift()?.();
    await new Promise((r) => setTimeout(r, 0));
    expect(state.pulled).toBe(3);
    while (done.length < 6) {
      release.shift()?.();
      await new Promise((r) => setTimeout(r, 0));
    }
    await run;
    expect(done.sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('after a failure starts nothing new, waits for the items in flight, then rejects with that failure', async () => {
    const { source, state } = counted([1, 2, 3, 4, 5, 6, 7, 8]);
    const finished: number[] = [];
    const error = await boundedPull(source, 3, async (item) => {
      if (item === 2) throw new Error('item 2 failed');
      await new Promise((r) => setTimeout(r, 5));
      finished.push(item);
    }).catch((e: unknown) => e);
    expect((error as Error).message).toBe('item 2 failed');
    // Three slots take 1, 2 and 3; 2 fails at once, so nothing after 3 is pulled, and 1 and 3 finish.
    expect(finished.sort()).toEqual([1, 3]);
    expect(state.pulled).toBe(3);
  });

  it('a source that throws stops the run the same way', async () => {
    const { source } = counted([1, 2, 3], 3);
    const finished: number[] = [];
    await expect(
      boundedPull(source, 2, async (item) => {
        await new Promise((r) => setTimeout(r, 5));
        finished.push(item);
      }),
    ).rejects.toThrow('source broke at 3');
    expect(finished.sort()).toEqual([1, 2]);
  });

  it('rejects a limit that is not a positive integer', async () => {
    await expect(boundedPull([1].values(), 0, async () => {})).rejects.toThrow(/positive integer, got 0/);
  });
});
