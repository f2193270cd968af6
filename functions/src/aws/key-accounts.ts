/**
 * The member accounts' keys for approval-gated deactivation (docs/remediation.md): read through
 * the read-only audit role (AuditedAccounts, for CheckKey), and changed through the separate
 * remediation role (RemediationAccounts, for RemediateKey) — the only role that may write.
 */
import {
  GetAccessKeyLastUsedCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListUserTagsCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import type { STSClient } from '@aws-sdk/client-sts';
import type { AuditedAccounts, KeyRemediator, KeyUsageReader, RemediationAccounts } from '../app/ports';
import { isAccountId } from '../core/account-id';
import { InvalidInputError, RemediationRoleMissingError } from '../core/errors';
import type { ListedKey } from '../core/remediation-plan';
import { ApiCallCounter, hasErrorName, isAccessDenied, ThrottledCaller } from './api-calls';
import { assumeAuditRole, assumeRoleArn, auditRoleArn, type CredentialCache } from './assume-role';
import type { TemporaryCredentials } from './clients/common';

const NO_SUCH_ENTITY = ['NoSuchEntity', 'NoSuchEntityException'];

export interface KeyAccountsOptions {
  readonly sts: STSClient;
  readonly iamFor: (credentials: TemporaryCredentials) => IAMClient;
  /** @default the process-wide cache */
  readonly credentialCache?: CredentialCache;
}

function caller(accountId: string): ThrottledCaller {
  return new ThrottledCaller({ accountId, counter: new ApiCallCounter() });
}

export function auditedAccounts(
  options: KeyAccountsOptions & { readonly auditRoleName: string },
): AuditedAccounts {
  return {
    open: async ({ accountId, sessionName }): Promise<KeyUsageReader> => {
      const credentials = await assumeAuditRole(
        options.sts,
        { accountId, roleName: options.auditRoleName, executionName: sessionName },
        options.credentialCache ? { cache: options.credentialCache } : {},
      );
      const iam = options.iamFor(credentials);
      const calls = caller(accountId);
      return {
        lastUsed: async (accessKeyId) => {
          try {
            const out = await calls.send('iam:GetAccessKeyLastUsed', () =>
              iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId })),
            );
            const date = out.AccessKeyLastUsed?.LastUsedDate;
            return { found: true, lastUsedAt: date === undefined ? null : date.toISOString() };
          } catch (error) {
            if (hasErrorName(error, NO_SUCH_ENTITY)) return { found: false, lastUsedAt: null };
            throw error;
          }
        },
        listKeys: (userName) => listAccessKeys(iam, calls, userName),
        userTags: async (userName) => {
          const tags: Record<string, string> = {};
          let marker: string | undefined;
          try {
            do {
              const page = await calls.send('iam:ListUserTags', () =>
                iam.send(new ListUserTagsCommand({ UserName: userName, Marker: marker })),
              );
              for (const tag of page.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
              marker = page.IsTruncated ? page.Marker : undefined;
            } while (marker !== undefined);
          } catch (error) {
            if (hasErrorName(error, NO_SUCH_ENTITY)) return null;
            throw error;
          }
          return tags;
        },
      };
    },
  };
}

/** Every key of the user (ListAccessKeys, all pages); null when the user no longer exists. */
async function listAccessKeys(
  iam: IAMClient,
  calls: ThrottledCaller,
  userName: string,
): Promise<ListedKey[] | null> {
  const keys: ListedKey[] = [];
  let marker: string | undefined;
  try {
    do {
      const page = await calls.send('iam:ListAccessKeys', () =>
        iam.send(new ListAccessKeysCommand({ UserName: userName, Marker: marker })),
      );
      for (const k of page.AccessKeyMetadata ?? []) {
        if (k.AccessKeyId === undefined) continue;
        keys.push({
          accessKeyId: k.AccessKeyId,
          status: k.Status ?? 'unknown',
          createDate: k.CreateDate?.toISOString() ?? '',
        });
      }
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker !== undefined);
  } catch (error) {
    if (hasErrorName(error, NO_SUCH_ENTITY)) return null;
    throw error;
  }
  return keys;
}

const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

export function remediationAccounts(
  options: KeyAccountsOptions & { readonly roleName: string; readonly partition?: string },
): RemediationAccounts {
  if (!ROLE_NAME.test(options.roleName)) {
    throw new InvalidInputError(
      `REMEDIATION_ROLE_NAME "${options.roleName}" is not a valid IAM role name: set it to the remediation role's name (no path, no ARN)`,
    );
  }
  return {
    open: async ({ accountId, sessionName }): Promise<KeyRemediator> => {
      if (!isAccountId(accountId))
        throw new InvalidInputError(`accountId must be 12 digits, got "${accountId}"`);
      const roleArn = auditRoleArn(accountId, options.roleName, options.partition);
      let credentials: TemporaryCredentials;
      try {
        credentials = await assumeRoleArn(
          options.sts,
          roleArn,
          sessionName,
          options.credentialCache ? { cache: options.credentialCache } : {},
        );
      } catch (error) {
        if (isAccessDenied(error)) {
          throw new RemediationRoleMissingError(
            `the remediation role ${options.roleName} is missing or does not trust RemediateKey in account ${accountId}: nothing there can be deactivated until the remediation StackSet reaches it (docs/remediation.md, "Enable it")`,
            { accountId, api: 'sts:AssumeRole', cause: error },
          );
        }
        throw error;
      }
      const iam = options.iamFor(credentials);
      const calls = caller(accountId);
      return {
        listKeys: (userName) => listAccessKeys(iam, calls, userName),
        setStatus: async (userName, accessKeyId, status) => {
          await calls.send('iam:UpdateAccessKey', () =>
            iam.send(
              new UpdateAccessKeyCommand({ UserName: userName, AccessKeyId: accessKeyId, Status: status }),
            ),
          );
        },
      };
    },
  };
}
