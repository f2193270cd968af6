/**
 * The Lambda entry points, composed on the first invocation. The composition root is imported
 * dynamically: it loads Powertools' Tracer and with it the X-Ray SDK, whose async hooks slow
 * every await in the process. Code that only needs the handler factories (the local runner,
 * the tests, the benchmarks) never pays for them; esbuild still bundles it into each Lambda.
 */
import type { Context } from 'aws-lambda';
import type { Runtime } from './composition';

/**
 * The part of Lambda's context object a handler may read: Lambda's own `Context` fits it, and so
 * does the one the local runner passes (statemachine/src/bindings.ts, TaskContext), whose
 * getRemainingTimeInMillis() counts down from the deployed timeout.
 */
export interface LambdaContext {
  readonly functionName: string;
  /** The function's memory in MB, as text ("512"), as Lambda's Node.js runtime gives it. */
  readonly memoryLimitInMB: string;
  readonly awsRequestId: string;
  readonly invokedFunctionArn: string;
  /** Milliseconds left before the invocation times out. */
  getRemainingTimeInMillis(): number;
}

export function lazyHandler<E, R>(
  make: (runtime: Runtime) => (event: E, context?: LambdaContext) => Promise<R>,
): (event: E, context?: Context) => Promise<R> {
  let built: ((event: E, context?: LambdaContext) => Promise<R>) | undefined;
  // async: a composition error (a bad environment variable) rejects like any handler error.
  return async (event, context) => {
    const { getRuntime } = await import('./composition');
    const current = getRuntime();
    current.onInvoke(context);
    built ??= make(current);
    return built(event, context);
  };
}
