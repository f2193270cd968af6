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
import { FAILURE_FIXES } from '../core/failures';
import { parseAuditAccountEvent } from '../core/state-events';
import { resolveThresholds } from '../core/thresholds';
import { type HandlerConfig, requireReportBucket } from '../runtime/config';
import { lazyHandler } from '../runtime/lazy-handler';
import type { Telemetry } from '../runtime/telemetry';

/** The catalogue's fix for a missing audit role (core/failures.ts). */
export const AUDIT_ROLE_MISSING_FIX = FAILURE_FIXES['AuditRoleMissingError'] as string;
export type { AuditAccountResult } from '../app/audit-account';
export { parseAuditAccountEvent } from '../core/state-events';

export interface AuditAccountDeps {
  readonly sts: STSClient;
  readonly s3: S3Client;
  readonly iamFor: (credentials: TemporaryCredentials) => IAMClient;
  readonly config: Pick<HandlerConfig, 'reportBucket' | 'auditRoleName' | 'thresholds' | 'exemptions'>;
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
    sts: deps.sts,
    iamFor: deps.iamFor,
    auditRoleName: deps.config.auditRoleName,
    ...(deps.credentialCache ? { credentialCache: deps.credentialCache } : {}),
    iamOptions: { ...deps.collector, ...iamOptions },
  });
  return async (raw: unknown): Promise<AuditAccountResult> => {
    const event = parseAuditAccountEvent(raw);
    const records = new RunStore({ s3: deps.s3, bucket: requireReportBucket(deps.config) });
    return auditAccount(
      {
        members,
        records,
        exemptions: deps.config.exemptions,
        telemetry: deps.telemetry,
        now: deps.now,
        ...(strategy === undefined ? {} : { strategy }),
        ...(iamOptions.concurrency === undefined ? {} : { concurrency: iamOptions.concurrency }),
      },
      {
        accountId: event.accountId,
        executionName: event.executionName,
        // ValidateInput rejected bad thresholds already; resolving again keeps a direct
        // invocation safe, and applies this function's deployed defaults.
        thresholds: resolveThresholds(deps.config.thresholds, event.thresholds),
      },
    );
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
