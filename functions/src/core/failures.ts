/**
 * The failure catalogue: for each stable error name an account can fail with, what an operator
 * should do about it. The audit-account handler stores the fix with the account; the digest
 * falls back to it for results stored without one. One text per failure, wherever it shows.
 */
export const FAILURE_FIXES: Readonly<Record<string, string>> = {
  AuditRoleMissingError:
    'deploy the audit role: the StackSet has not reached this account, the account is outside its target OUs, or the role does not trust the auditor',
  IamThrottledError: 'IAM kept throttling: rerun the audit for this account later',
  CredentialReportTimeoutError:
    'the credential report was not ready in time: rerun the audit for this account',
  CredentialReportParseError:
    'the credential report could not be read: rerun, and report a bug if it persists',
};
