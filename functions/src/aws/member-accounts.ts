/**
 * The member accounts as MemberAccounts (app/ports.ts): assume the account's read-only audit
 * role, then read its IAM with those credentials.
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import type { STSClient } from '@aws-sdk/client-sts';
import type { CredentialSource, MemberAccounts } from '../app/ports';
import { assumeAuditRole, type CredentialCache } from './assume-role';
import type { TemporaryCredentials } from './clients/common';
import { type IamCredentialSourceOptions, iamCredentialSource } from './iam-credential-source';

export interface MemberAccountsOptions {
  readonly sts: STSClient;
  readonly iamFor: (credentials: TemporaryCredentials) => IAMClient;
  readonly auditRoleName: string;
  /** @default the process-wide cache (credentials live for the Lambda's execution environment) */
  readonly credentialCache?: CredentialCache;
  /** Pacing, polling and retry tuning of each account's IAM calls. */
  readonly iamOptions?: Omit<IamCredentialSourceOptions, 'iam' | 'accountId'>;
}

export function memberAccounts(options: MemberAccountsOptions): MemberAccounts {
  return {
    open: async ({ accountId, executionName }): Promise<CredentialSource> => {
      const credentials = await assumeAuditRole(
        options.sts,
        { accountId, roleName: options.auditRoleName, executionName },
        options.credentialCache ? { cache: options.credentialCache } : {},
      );
      return iamCredentialSource({ iam: options.iamFor(credentials), accountId, ...options.iamOptions });
    },
  };
}
