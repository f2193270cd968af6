/**
 * ValidateInput: turns the raw execution input into the normalized form, or into a value that
 * the state machine's Choice sends to a Fail state with our message as the Cause. Bad input is
 * an expected outcome here, so it is returned, never thrown (a throw would read Lambda.Unknown).
 */

import { InvalidInputError } from '../core/errors';
import { type NormalizedInput, parseExecutionInput } from '../core/execution-input';
import type { Thresholds } from '../core/thresholds';
import { type LambdaContext, lazyHandler } from '../runtime/lazy-handler';
import { describeError, type Telemetry } from '../runtime/telemetry';

export type ValidateInputResult =
  | { readonly ok: true; readonly input: NormalizedInput }
  | { readonly ok: false; readonly error: 'InvalidInput'; readonly cause: string };

export interface ValidateInputDeps {
  /** The deployed defaults an override must stay consistent with. */
  readonly thresholds: Thresholds;
  readonly telemetry: Telemetry;
}

/**
 * The ASL passes `{ "input": <execution input> }` so that any JSON value, even a bare string,
 * reaches us; a direct caller (tests, the CLI) may pass the execution input itself.
 */
function unwrap(event: unknown): unknown {
  if (typeof event === 'object' && event !== null && !Array.isArray(event)) {
    const keys = Object.keys(event);
    if (keys.length === 1 && keys[0] === 'input') return (event as { input: unknown }).input;
  }
  return event;
}

export function makeValidateInputHandler(deps: ValidateInputDeps) {
  const { log } = deps.telemetry;
  return async (event: unknown, _context?: LambdaContext): Promise<ValidateInputResult> => {
    try {
      const input = parseExecutionInput(unwrap(event), deps.thresholds);
      log.info('execution input accepted', {
        accountIds: input.accountIds === null ? 'all' : input.accountIds.length,
        dryRun: input.dryRun,
      });
      return { ok: true, input };
    } catch (error) {
      if (error instanceof InvalidInputError) {
        log.warn('execution input rejected', describeError(error));
        return { ok: false, error: 'InvalidInput', cause: error.message };
      }
      throw error;
    }
  };
}

export const handler = lazyHandler((runtime) =>
  makeValidateInputHandler({ thresholds: runtime.config.thresholds, telemetry: runtime.telemetry }),
);
