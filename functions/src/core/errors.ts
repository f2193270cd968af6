/**
 * Error classes. Their `name`s are the contract with the state machine: `Retry` and `Catch`
 * match them by name (errorType), so never rename one without changing the ASL file.
 *
 * Expected per-account outcomes (role missing, account suspended) are *values* in an
 * AccountAudit, not exceptions; these classes are for what should stop the current step.
 */

export interface ErrorContext {
  readonly accountId?: string;
  readonly api?: string;
  readonly cause?: unknown;
}

abstract class KeyAuditError extends Error {
  readonly accountId: string | undefined;
  readonly api: string | undefined;

  constructor(message: string, context: ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.accountId = context.accountId;
    this.api = context.api;
  }
}

/** Bad execution input, CLI arguments or configuration; the message names the field and the fix. */
export class InvalidInputError extends KeyAuditError {
  override readonly name = 'InvalidInput';
}

/** A malformed credential report; the message names the row and column. */
export class CredentialReportParseError extends KeyAuditError {
  override readonly name = 'CredentialReportParseError';
}

/** The credential report did not reach COMPLETE within the polling budget (transient). */
export class CredentialReportTimeoutError extends KeyAuditError {
  override readonly name = 'CredentialReportTimeoutError';
}

/** IAM kept throttling after our own retries (transient: the state machine retries it). */
export class IamThrottledError extends KeyAuditError {
  override readonly name = 'IamThrottledError';
}

/** AssumeRole was denied: the audit role is missing or does not trust the auditor. */
export class AuditRoleMissingError extends KeyAuditError {
  override readonly name = 'AuditRoleMissingError';
}

/** Organizations kept throttling ListAccounts after our own retries (transient). */
export class OrganizationsThrottledError extends KeyAuditError {
  override readonly name = 'OrganizationsThrottledError';
}

/** Organizations refused to list accounts (not the management account or delegated admin). */
export class OrganizationAccessError extends KeyAuditError {
  override readonly name = 'OrganizationAccessError';
}

/** Stored data (a per-account result, a run manifest) did not have the expected shape. */
export class MalformedDataError extends KeyAuditError {
  override readonly name = 'MalformedDataError';
}

/** Security Hub kept throttling after our own retries (transient: the state machine retries it). */
export class SecurityHubThrottledError extends KeyAuditError {
  override readonly name = 'SecurityHubThrottledError';
}

/** Security Hub refused the import: not enabled in the region, or the role may not import. */
export class SecurityHubAccessError extends KeyAuditError {
  override readonly name = 'SecurityHubAccessError';
}

/** Some findings were still refused after the one retry of the refused ones; the message counts them. */
export class FindingsImportError extends KeyAuditError {
  override readonly name = 'FindingsImportError';
}

/** Error names the state machine retries on AuditAccount (with backoff and jitter). */
export const TRANSIENT_ERROR_NAMES = ['CredentialReportTimeoutError', 'IamThrottledError'] as const;

/** The remediation role cannot be assumed in the member account (not deployed there, or not trusting us). */
export class RemediationRoleMissingError extends KeyAuditError {
  override readonly name = 'RemediationRoleMissingError';
}

/** UpdateAccessKey was accepted but the key did not read back with the status it was set to. */
export class RemediationNotConfirmedError extends KeyAuditError {
  override readonly name = 'RemediationNotConfirmedError';
}
