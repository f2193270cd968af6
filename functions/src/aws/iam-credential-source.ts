/**
 * A member account's IAM as a CredentialSource (app/ports.ts): every call paced, retried on
 * throttling and counted. What to call, and when to fall back, is decided in
 * app/collect-account.ts.
 */
import { GetAccountSummaryCommand, type IAMClient, ListUserTagsCommand } from '@aws-sdk/client-iam';
import type { CredentialSource } from '../app/ports';
import type { ListedAccessKey } from '../core/key-reconcile';
import { ApiCallCounter, hasErrorName, isAccessDenied, ThrottledCaller } from './api-calls';
import type { BackoffOptions, Random, Sleep } from './backoff';
import { collectPrincipalsPerUser, listUserAccessKeys } from './per-user-collector';
import { fetchCredentialReport } from './report-fetcher';

export interface IamCredentialSourceOptions {
  readonly iam: IAMClient;
  readonly accountId: string;
  readonly sleep?: Sleep;
  readonly random?: Random;
  /** GenerateCredentialReport polling. @default DEFAULT_REPORT_POLLING */
  readonly reportPolling?: BackoffOptions;
  /** Our retries on IAM throttling, after the SDK's. @default DEFAULT_THROTTLE_RETRY */
  readonly throttleRetry?: BackoffOptions;
  /** Users listed at once by the per-user strategy. @default DEFAULT_PER_USER_CONCURRENCY */
  readonly concurrency?: number;
}

export function iamCredentialSource(options: IamCredentialSourceOptions): CredentialSource {
  const { iam, accountId, sleep, random } = options;
  const counter = new ApiCallCounter();
  const caller = new ThrottledCaller({
    accountId,
    counter,
    ...(sleep ? { sleep } : {}),
    ...(random ? { random } : {}),
    ...(options.throttleRetry ? { throttleRetry: options.throttleRetry } : {}),
  });
  return {
    credentialReport: async () => {
      try {
        return await fetchCredentialReport({
          iam,
          caller,
          accountId,
          ...(options.reportPolling ? { polling: options.reportPolling } : {}),
          ...(sleep ? { sleep } : {}),
          ...(random ? { random } : {}),
        });
      } catch (error) {
        if (isAccessDenied(error)) return { denied: error as Error };
        throw error;
      }
    },
    listPrincipals: () =>
      collectPrincipalsPerUser({
        iam,
        caller,
        ...(options.concurrency ? { concurrency: options.concurrency } : {}),
      }),
    liveAccessKeys: async (userName) => {
      const listed = await listUserAccessKeys({ iam, caller }, userName);
      return listed === null
        ? null
        : listed
            .filter((k) => k.AccessKeyId && k.CreateDate)
            .map(
              (k): ListedAccessKey => ({
                accessKeyId: k.AccessKeyId as string,
                status: k.Status === 'Active' ? 'Active' : 'Inactive',
                createDate: k.CreateDate as Date,
              }),
            );
    },
    userTags: (userName) => listUserTags(iam, caller, userName),
    rootAccessKeysPresent: async () => {
      const summary = await caller.send('iam:GetAccountSummary', () =>
        iam.send(new GetAccountSummaryCommand({})),
      );
      const present = summary.SummaryMap?.['AccountAccessKeysPresent'];
      return present === undefined ? null : present > 0;
    },
    apiCalls: () => counter.snapshot(),
  };
}

async function listUserTags(
  iam: IAMClient,
  caller: ThrottledCaller,
  userName: string,
): Promise<Record<string, string> | null> {
  const tags: Record<string, string> = {};
  let marker: string | undefined;
  try {
    do {
      const page = await caller.send('iam:ListUserTags', () =>
        iam.send(new ListUserTagsCommand({ UserName: userName, Marker: marker })),
      );
      for (const tag of page.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker !== undefined);
  } catch (error) {
    if (hasErrorName(error, ['NoSuchEntity', 'NoSuchEntityException'])) return null;
    throw error;
  }
  return tags;
}
