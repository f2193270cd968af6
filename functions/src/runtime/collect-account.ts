/**
 * One account's collection from an IAM client already holding the member's credentials: the
 * collectAccountAudit use case over the IAM CredentialSource. For callers that audit one account
 * without the Map around it (the benchmarks, the collector's tests).
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import { type CollectAccountRequest, collectAccountAudit } from '../app/collect-account';
import { type IamCredentialSourceOptions, iamCredentialSource } from '../aws/iam-credential-source';
import type { AccountAudit } from '../core/model';

export type { StrategyChoice } from '../app/collect-account';

export interface CollectorDeps extends Pick<IamCredentialSourceOptions, 'sleep' | 'random'> {
  readonly iam: IAMClient;
  readonly now: () => Date;
}

export type CollectParams = Omit<CollectAccountRequest, 'now'> &
  Pick<IamCredentialSourceOptions, 'reportPolling' | 'throttleRetry'>;

export function collectAccount(deps: CollectorDeps, params: CollectParams): Promise<AccountAudit> {
  const { reportPolling, throttleRetry, ...request } = params;
  const source = iamCredentialSource({
    iam: deps.iam,
    accountId: params.accountId,
    ...(deps.sleep ? { sleep: deps.sleep } : {}),
    ...(deps.random ? { random: deps.random } : {}),
    ...(reportPolling ? { reportPolling } : {}),
    ...(throttleRetry ? { throttleRetry } : {}),
    ...(params.concurrency ? { concurrency: params.concurrency } : {}),
  });
  return collectAccountAudit(source, { ...request, now: deps.now() });
}
