/**
 * The CLI's own error: one sentence saying what went wrong plus one saying what to do, and the
 * process exit code. Argument mistakes use `InvalidInputError` from the shared core instead.
 */

export interface OperationErrorOptions {
  /** What the operator should do next, as a sentence. */
  readonly fix: string;
  /** @default 1 */
  readonly exitCode?: number;
  readonly cause?: unknown;
}

export class OperationError extends Error {
  override readonly name = 'OperationError';
  readonly fix: string;
  readonly exitCode: number;

  constructor(message: string, options: OperationErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.fix = options.fix;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** The error code an AWS SDK v3 exception carries (`name`), or undefined for anything else. */
export function awsErrorName(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const name = (error as { name?: unknown }).name;
  return typeof name === 'string' ? name : undefined;
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
