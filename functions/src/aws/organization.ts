/**
 * Lists every account of the organization, from the management account or a delegated
 * administrator (or through an org-reader role in the management account).
 */
import {
  type Account,
  ListAccountsCommand,
  type ListAccountsCommandOutput,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import type { STSClient } from '@aws-sdk/client-sts';
import type { OrganizationSource } from '../app/ports';
import { MalformedDataError, OrganizationAccessError, OrganizationsThrottledError } from '../core/errors';
import type { OrgAccount } from '../core/model';
import { hasErrorName, isAccessDenied, isThrottling } from './api-calls';
import { assumeRoleArn, type CredentialCache } from './assume-role';
import { type BackoffOptions, type Random, type Sleep, withRetry } from './backoff';
import { organizationsClientWith } from './clients/organizations';
import { organizationDirectory } from './organization-directory';

/** ListAccounts' largest page. */
export const LIST_ACCOUNTS_PAGE_SIZE = 20;

const ORG_FIX = 'run in the management account or a delegated administrator, or set ORG_READER_ROLE_ARN';

/** Applies on top of the SDK's own retries, for sustained TooManyRequestsException. */
export const DEFAULT_ORG_THROTTLE_RETRY: BackoffOptions = {
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
};

export interface ListOrganizationOptions {
  readonly sleep?: Sleep;
  readonly random?: Random;
  readonly throttleRetry?: BackoffOptions;
}

export async function listOrganizationAccounts(
  org: OrganizationsClient,
  options: ListOrganizationOptions = {},
): Promise<OrgAccount[]> {
  const accounts: OrgAccount[] = [];
  const seenTokens = new Set<string>();
  let nextToken: string | undefined;
  do {
    const token = nextToken;
    const page = await fetchPage(org, token, options);
    for (const account of page.Accounts ?? []) accounts.push(toOrgAccount(account));
    // Loop on the token, not on the page size: a page may be empty and still carry a token.
    nextToken = page.NextToken || undefined;
    if (nextToken !== undefined) {
      if (seenTokens.has(nextToken)) {
        throw new MalformedDataError(`organizations:ListAccounts returned the token "${nextToken}" twice`, {
          api: 'organizations:ListAccounts',
        });
      }
      seenTokens.add(nextToken);
    }
  } while (nextToken !== undefined);
  return accounts;
}

async function fetchPage(
  org: OrganizationsClient,
  nextToken: string | undefined,
  options: ListOrganizationOptions,
): Promise<ListAccountsCommandOutput> {
  try {
    return await withRetry(
      () => org.send(new ListAccountsCommand({ MaxResults: LIST_ACCOUNTS_PAGE_SIZE, NextToken: nextToken })),
      {
        ...(options.throttleRetry ?? DEFAULT_ORG_THROTTLE_RETRY),
        isRetryable: isThrottling,
        ...(options.sleep ? { sleep: options.sleep } : {}),
        ...(options.random ? { random: options.random } : {}),
      },
    );
  } catch (error) {
    if (isAccessDenied(error) || hasErrorName(error, ['AWSOrganizationsNotInUseException'])) {
      const why = isAccessDenied(error)
        ? 'this account may not list the organization'
        : 'this account is not in an organization';
      throw new OrganizationAccessError(`organizations:ListAccounts failed: ${why}; ${ORG_FIX}`, {
        api: 'organizations:ListAccounts',
        cause: error,
      });
    }
    if (isThrottling(error)) {
      throw new OrganizationsThrottledError(
        'organizations:ListAccounts kept answering TooManyRequestsException after our retries; the run retries it later',
        { api: 'organizations:ListAccounts', cause: error },
      );
    }
    throw error;
  }
}

function toOrgAccount(account: Account): OrgAccount {
  if (!account.Id) {
    throw new MalformedDataError('organizations:ListAccounts returned an account without Id', {
      api: 'organizations:ListAccounts',
    });
  }
  return {
    accountId: account.Id,
    accountName: account.Name ?? '',
    email: account.Email ?? '',
    // `Status` is being retired in favour of `State`; older responses (and emulators) only have it.
    state: account.State ?? account.Status ?? 'UNKNOWN',
  };
}

export interface OrganizationsClientParams {
  readonly org: OrganizationsClient;
  readonly sts: STSClient;
  /** A role in the management account allowed to list accounts; null to use `org` as is. */
  readonly orgReaderRoleArn: string | null | undefined;
  readonly sessionName: string;
  readonly cache?: CredentialCache;
  /** Builds the client for the assumed role. @default organizationsClientWith */
  readonly createClient?: typeof organizationsClientWith;
}

/** The client to list accounts with: `org`, or one acting through the org-reader role. */
export async function organizationsClientFor(
  params: OrganizationsClientParams,
): Promise<OrganizationsClient> {
  const roleArn = params.orgReaderRoleArn?.trim();
  if (!roleArn) return params.org;
  try {
    const credentials = await assumeRoleArn(
      params.sts,
      roleArn,
      params.sessionName,
      params.cache ? { cache: params.cache } : {},
    );
    return (params.createClient ?? organizationsClientWith)(credentials);
  } catch (error) {
    if (isAccessDenied(error)) {
      throw new OrganizationAccessError(
        `sts:AssumeRole on ORG_READER_ROLE_ARN ${roleArn} was denied: the role must exist in the management account and trust this account`,
        { api: 'sts:AssumeRole', cause: error },
      );
    }
    throw error;
  }
}

/** The organization as an OrganizationSource (app/ports.ts), through the org-reader role if set. */
export function organizationSource(
  params: OrganizationsClientParams & { readonly listOptions?: ListOrganizationOptions },
): OrganizationSource {
  const { listOptions, ...clientParams } = params;
  // One role session for the listing and the owner lookups of the same run.
  let client: Promise<OrganizationsClient> | undefined;
  const clientOnce = () => {
    client ??= organizationsClientFor(clientParams);
    return client;
  };
  return {
    viaOrgReaderRole: Boolean(params.orgReaderRoleArn?.trim()),
    listAccounts: async () => listOrganizationAccounts(await clientOnce(), listOptions),
    directory: async ({ tagRequestsPerSecond }) =>
      organizationDirectory({
        org: await clientOnce(),
        tagRequestsPerSecond,
        ...(listOptions?.sleep ? { sleep: listOptions.sleep } : {}),
        ...(listOptions?.random ? { random: listOptions.random } : {}),
        ...(listOptions?.throttleRetry ? { throttleRetry: listOptions.throttleRetry } : {}),
      }),
  };
}
