/**
 * Errors of the statemachine package. Names are stable: callers (CDK, CLI, tests) may match them.
 */

/** The ASL file or the substitutions given for it are wrong; the message names what to fix. */
export class DefinitionError extends Error {
  override readonly name = 'DefinitionError';
}

/** The runner was called with options it cannot use; the message names the option and the fix. */
export class RunnerConfigError extends Error {
  override readonly name = 'RunnerConfigError';
}

/**
 * An error as Step Functions reports it (Error + Cause). aws-local-stepfunctions matches `Retry` and
 * `Catch` by `name` and passes `message` on as the Cause, so this is how a local task reports
 * `Lambda.Unknown`, `SQS.QueueDoesNotExist` or `States.ItemReaderFailed` exactly as AWS would.
 */
export class StatesTaskError extends Error {
  constructor(error: string, cause: string) {
    super(cause);
    this.name = error;
  }

  // aws-local-stepfunctions reads these: States.Runtime can be neither retried nor caught (AWS rule).
  get isRetryable(): boolean {
    return this.name !== 'States.Runtime';
  }

  get isCatchable(): boolean {
    return this.name !== 'States.Runtime';
  }
}
