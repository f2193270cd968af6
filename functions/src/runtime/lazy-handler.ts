/**
 * The Lambda entry points, composed on the first invocation. The composition root is imported
 * dynamically: it loads Powertools' Tracer and with it the X-Ray SDK, whose async hooks slow
 * every await in the process. Code that only needs the handler factories (the local runner,
 * the tests, the benchmarks) never pays for them; esbuild still bundles it into each Lambda.
 */
import type { Context } from 'aws-lambda';
import type { Runtime } from './composition';

export function lazyHandler<E, R>(
  make: (runtime: Runtime) => (event: E) => Promise<R>,
): (event: E, context?: Context) => Promise<R> {
  let built: ((event: E) => Promise<R>) | undefined;
  // async: a composition error (a bad environment variable) rejects like any handler error.
  return async (event, context) => {
    const { getRuntime } = await import('./composition');
    const current = getRuntime();
    current.onInvoke(context);
    built ??= make(current);
    return built(event);
  };
}
