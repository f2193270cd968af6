/** AuditAccount: one Map item, the auditAccount use case over the member's IAM and the run store. */
import type { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import { type AuditAccountResult, auditAccount } from '../app/audit-account';
import type { StrategyChoice } from '../app/collect-account';
import type { CredentialCache } from '../aws/assume-role';
import type { TemporaryCredentials } from '../aws/clients/common';
import { iamClientFor } from '../aws/clients/iam';
import { s3Client } from '../aws/clients/s3';
import { stsClient } from '../aws/clients/sts';
import type { IamCredentialSourceOptions } from '../aws/iam-credential-source';
import { memberAccounts } from '../aws/member-accounts';
import { RunStore } from '../aws/run-store';
import { DEFAULT_AUDIT_SAFETY_MARGIN_MS } from '../core/continuation';
import { DEFAULT_OWNER_RULES } from '../core/owners';
import { parseAuditAccountEvent } from '../core/state-events';
import { resolveThresholds } from '../core/thresholds';
import { type HandlerConfig, requireReportBucket } from '../runtime/config';
import { type LambdaContext, lazyHandler } from '../runtime/lazy-handler';
import type { Telemetry } from '../runtime/telemetry';

export type { AuditAccountResult } from '../app/audit-account';

export interface AuditAccountDeps {
  readonly sts: STSClient;
  readonly s3: S3Client;
  readonly iamFor: (credentials: TemporaryCredentials) => IAMClient;
  readonly config: Pick<HandlerConfig, 'reportBucket' | 'auditRoleName' | 'thresholds' | 'exemptions'> &
    Partial<Pick<HandlerConfig, 'owners' | 'auditSafetyMarginMs'>>;
  readonly telemetry: Telemetry;
  readonly now: () => Date;
  /** Sleep/random for the IAM backoff (tests make them instant and deterministic). */
  readonly collector?: Pick<IamCredentialSourceOptions, 'sleep' | 'random'>;
  /** Strategy, polling, retry and concurrency tuning of the collection. */
  readonly collectOptions?: Pick<
    IamCredentialSourceOptions,
    'reportPolling' | 'throttleRetry' | 'concurrency'
  > & {
    readonly strategy?: StrategyChoice;
  };
  readonly credentialCache?: CredentialCache;
}

export function makeAuditAccountHandler(deps: AuditAccountDeps) {
  const { strategy, ...iamOptions } = deps.collectOptions ?? {};
  const members = memberAccounts({
    ...deps,
    auditRoleName: deps.config.auditRoleName,
    iamOptions: { ...deps.collector, ...iamOptions },
  });
  const { exemptions, thresholds } = deps.config;
  const ownerTagKey = (deps.config.owners ?? DEFAULT_OWNER_RULES).userTagKey;
  const safetyMarginMs = deps.config.auditSafetyMarginMs ?? DEFAULT_AUDIT_SAFETY_MARGIN_MS;
  return async (raw: unknown, context?: LambdaContext): Promise<AuditAccountResult> => {
    const { accountId, executionName, thresholds: override, continuation } = parseAuditAccountEvent(raw);
    const records = new RunStore({ s3: deps.s3, bucket: requireReportBucket(deps.config) });
    const useCase = {
      ...deps,
      members,
      records,
      exemptions,
      strategy,
      concurrency: iamOptions.concurrency,
      ownerTagKey,
    };
    // ValidateInput rejected bad thresholds already; resolving again keeps a direct invocation
    // safe, and applies this function's deployed defaults.
    return auditAccount(useCase, {
      accountId,
      executionName,
      thresholds: resolveThresholds(thresholds, override),
      continuation: continuation ?? null,
      // Invoked without a Lambda context (a direct call): no deadline, the account in one go.
      ...(context === undefined
        ? {}
        : { budget: { remainingMs: () => context.getRemainingTimeInMillis(), safetyMarginMs } }),
    });
  };
}

export const handler = lazyHandler((runtime) =>
  makeAuditAccountHandler({
    sts: runtime.traced(stsClient.get()),
    s3: runtime.traced(s3Client.get()),
    iamFor: (credentials) => runtime.traced(iamClientFor(credentials)),
    config: runtime.config,
    telemetry: runtime.telemetry,
    now: runtime.now,
  }),
);
