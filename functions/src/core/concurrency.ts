/**
 * The two ways this code runs work with a bound on how much is in flight, named for what they do:
 * - `boundedMap`: an array in, results in input order; the first rejection rejects at once and
 *   nothing new starts (a denied bucket must not cause thousands of further failing reads).
 * - `boundedPull`: items pulled from an iterator only when a slot is free (a report parsed
 *   slice by slice is read no faster than it is used); every started item settles before the
 *   first failure is rethrown, so nothing keeps running behind the caller's back.
 */

/**
 * Maps `items` with at most `limit` calls in flight; results keep the input order. The first
 * rejection rejects the whole call and nothing new starts after it (a denied bucket must not
 * cause thousands of further failing reads).
 */
export async function boundedMap<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${limit}`);
  }
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Runs `fn` on the items of `source` as they come, at most `limit` at once. Items are pulled
 * only when a slot is free, so a lazy source (a report parsed slice by slice) is read no faster
 * than it is used. After the first failure (of `fn` or of the source) nothing new starts; the
 * call settles once every started item has, then rejects with that first failure, so nothing
 * is left running behind the caller's back.
 */
export async function boundedPull<T>(
  source: Iterator<T>,
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`concurrency must be a positive integer, got ${limit}`);
  }
  let failure: { readonly error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined) {
      try {
        const next = source.next();
        if (next.done === true) return;
        await fn(next.value);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  if (failure !== undefined) throw failure.error;
}
