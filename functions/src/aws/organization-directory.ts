/**
 * The organization's OU tree and account tags, for owners (app/account-owners.ts decides what to
 * read). Every page is read; tokens that repeat are a MalformedDataError rather than a loop; all
 * calls are counted, and ListTagsForResource is paced, because Organizations' rate limit is low
 * and shared with everything else the management account runs.
 */
import {
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import type { OrganizationDirectory } from '../app/ports';
import { MalformedDataError, OrganizationAccessError, OrganizationsThrottledError } from '../core/errors';
import { ApiCallCounter, hasErrorName, isAccessDenied, isThrottling, TokenBucket } from './api-calls';
import { type BackoffOptions, type Random, type Sleep, withRetry } from './backoff';
import { DEFAULT_ORG_THROTTLE_RETRY } from './organization';

/** The largest page these four actions accept. */
const PAGE_SIZE = 20;

export interface OrganizationDirectoryOptions {
  readonly org: OrganizationsClient;
  /** ListTagsForResource calls per second. */
  readonly tagRequestsPerSecond: number;
  readonly sleep?: Sleep;
  readonly random?: Random;
  readonly throttleRetry?: BackoffOptions;
  /** For the pacer; tests pass a fake one. @default performance.now */
  readonly clock?: () => number;
}

const FIX =
  'grant the ListAccounts function (or the org-reader role) organizations:ListRoots, ' +
  'ListOrganizationalUnitsForParent, ListAccountsForParent and ListTagsForResource, or remove ' +
  'owners.accountTagKey and owners.organizationalUnits from the configuration';

export function organizationDirectory(options: OrganizationDirectoryOptions): OrganizationDirectory {
  const counter = new ApiCallCounter();
  const pacer = new TokenBucket(
    {
      burst: 1,
      ratePerSecond: options.tagRequestsPerSecond,
      minRatePerSecond: Math.min(0.2, options.tagRequestsPerSecond),
    },
    options.clock,
    options.sleep,
  );

  async function call<T>(action: string, send: () => Promise<T>, paced = false): Promise<T> {
    try {
      return await withRetry(
        async () => {
          if (paced) await pacer.take();
          try {
            const output = await counter.call(action, send);
            if (paced) pacer.onSuccess();
            return output;
          } catch (error) {
            if (paced && isThrottling(error)) pacer.onThrottled();
            throw error;
          }
        },
        {
          ...(options.throttleRetry ?? DEFAULT_ORG_THROTTLE_RETRY),
          isRetryable: isThrottling,
          ...(options.sleep ? { sleep: options.sleep } : {}),
          ...(options.random ? { random: options.random } : {}),
        },
      );
    } catch (error) {
      if (isAccessDenied(error)) {
        throw new OrganizationAccessError(`${action} was denied; ${FIX}`, { api: action, cause: error });
      }
      if (isThrottling(error)) {
        throw new OrganizationsThrottledError(
          `${action} kept answering TooManyRequestsException after our retries; the run retries it later`,
          { api: action, cause: error },
        );
      }
      throw error;
    }
  }

  async function allPages<P extends { NextToken?: string | undefined }>(
    action: string,
    fetch: (token: string | undefined) => Promise<P>,
    take: (page: P) => void,
  ): Promise<void> {
    const seen = new Set<string>();
    let token: string | undefined;
    do {
      const page = await call(action, () => fetch(token));
      take(page);
      token = page.NextToken || undefined;
      if (token !== undefined) {
        if (seen.has(token)) {
          throw new MalformedDataError(`${action} returned the token "${token}" twice`, { api: action });
        }
        seen.add(token);
      }
    } while (token !== undefined);
  }

  const ids = (action: string, items: readonly { Id?: string | undefined }[] | undefined): string[] =>
    (items ?? []).map((item) => {
      if (!item.Id) throw new MalformedDataError(`${action} returned an entry without Id`, { api: action });
      return item.Id;
    });

  return {
    async roots() {
      const roots: string[] = [];
      await allPages(
        'organizations:ListRoots',
        (NextToken) => options.org.send(new ListRootsCommand({ MaxResults: PAGE_SIZE, NextToken })),
        (page) => roots.push(...ids('organizations:ListRoots', page.Roots)),
      );
      return roots;
    },
    async childOrganizationalUnits(parentId) {
      const children: string[] = [];
      const action = 'organizations:ListOrganizationalUnitsForParent';
      await allPages(
        action,
        (NextToken) =>
          options.org.send(
            new ListOrganizationalUnitsForParentCommand({
              ParentId: parentId,
              MaxResults: PAGE_SIZE,
              NextToken,
            }),
          ),
        (page) => children.push(...ids(action, page.OrganizationalUnits)),
      );
      return children;
    },
    async accountsIn(parentId) {
      const accounts: string[] = [];
      const action = 'organizations:ListAccountsForParent';
      await allPages(
        action,
        (NextToken) =>
          options.org.send(
            new ListAccountsForParentCommand({ ParentId: parentId, MaxResults: PAGE_SIZE, NextToken }),
          ),
        (page) => accounts.push(...ids(action, page.Accounts)),
      );
      return accounts;
    },
    async accountTag(accountId, tagKey) {
      const action = 'organizations:ListTagsForResource';
      let value: string | null = null;
      try {
        // Paced per page: a heavily tagged account costs more than one call.
        const seen = new Set<string>();
        let token: string | undefined;
        do {
          const page = await call(
            action,
            () =>
              options.org.send(new ListTagsForResourceCommand({ ResourceId: accountId, NextToken: token })),
            true,
          );
          for (const tag of page.Tags ?? []) if (tag.Key === tagKey) value = tag.Value ?? '';
          token = page.NextToken || undefined;
          if (token !== undefined) {
            if (seen.has(token)) {
              throw new MalformedDataError(`${action} returned the token "${token}" twice`, { api: action });
            }
            seen.add(token);
          }
        } while (token !== undefined);
      } catch (error) {
        // The account left the organization between the listing and this call: it has no owner tag.
        if (hasErrorName(error, ['TargetNotFoundException'])) return null;
        throw error;
      }
      return value;
    },
    apiCalls: () => counter.snapshot(),
  };
}
