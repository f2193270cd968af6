/**
 * AuditAccount: the auditAccount use case (app/audit-account.ts) with its collector (assume the
 * member role, then the credential-report collector in aws/collector.ts) and the S3 run store.
 */

import type { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import { type AuditAccountResult, auditAccount } from '../app/audit-account';
import type { AccountCollector } from '../app/ports';
import { assumeAuditRole, type CredentialCache } from '../aws/assume-role';
import type { TemporaryCredentials } from '../aws/clients/common';
import { iamClientFor } from '../aws/clients/iam';
import { s3Client } from '../aws/clients/s3';
import { stsClient } from '../aws/clients/sts';
import { type CollectorDeps, type CollectParams, collectAccount } from '../aws/collector';
import { RunStore } from '../aws/run-store';
import { FAILURE_FIXES } from '../core/failures';
import { resolveThresholds } from '../core/thresholds';
import { type HandlerConfig, requireReportBucket } from '../runtime/config';
import { lazyHandler } from '../runtime/lazy-handler';
import type { Telemetry } from '../runtime/telemetry';
import { requireAccountId, requireObject, requireString } from './shared/event';

/** The catalogue's fix for a missing audit role (core/failures.ts). */
export const AUDIT_ROLE_MISSING_FIX = FAILURE_FIXES['AuditRoleMissingError'] as string;

export interface AuditAccountEvent {
  readonly accountId: string;
  readonly executionName: string;
  readonly executionArn: string;
  /** The execution's override, merged onto the deployed defaults here. */
  readonly thresholds: unknown;
}

export type { AuditAccountResult } from '../app/audit-account';

export interface AuditAccountDeps {
  readonly sts: STSClient;
  readonly s3: S3Client;
  readonly iamFor: (credentials: TemporaryCredentials) => IAMClient;
  readonly config: Pick<HandlerConfig, 'reportBucket' | 'auditRoleName' | 'thresholds' | 'exemptions'>;
  readonly telemetry: Telemetry;
  readonly now: () => Date;
  /** Sleep/random for the collector's backoff (tests make them instant and deterministic). */
  readonly collector?: Pick<CollectorDeps, 'sleep' | 'random'>;
  /** Strategy, polling and retry tuning passed through to collectAccount. */
  readonly collectOptions?: Pick<
    CollectParams,
    'strategy' | 'reportPolling' | 'throttleRetry' | 'concurrency'
  >;
  readonly credentialCache?: CredentialCache;
}

export function parseAuditAccountEvent(raw: unknown): AuditAccountEvent {
  const event = requireObject(raw, 'AuditAccount event');
  return {
    accountId: requireAccountId(event),
    executionName: requireString(event, 'executionName'),
    executionArn: requireString(event, 'executionArn'),
    thresholds: event['thresholds'],
  };
}

export function makeAuditAccountHandler(deps: AuditAccountDeps) {
  return async (raw: unknown): Promise<AuditAccountResult> => {
    const event = parseAuditAccountEvent(raw);
    const records = new RunStore({ s3: deps.s3, bucket: requireReportBucket(deps.config) });
    const collector: AccountCollector = {
      collect: async ({ accountId, executionName, thresholds, configExemptions }) => {
        const credentials = await assumeAuditRole(
          deps.sts,
          { accountId, roleName: deps.config.auditRoleName, executionName },
          deps.credentialCache ? { cache: deps.credentialCache } : {},
        );
        return collectAccount(
          { iam: deps.iamFor(credentials), now: deps.now, ...deps.collector },
          // The event carries only the id; BuildDigest fills in the name from organization.json.
          { accountId, accountName: accountId, thresholds, configExemptions, ...deps.collectOptions },
        );
      },
    };
    return auditAccount(
      { collector, records, exemptions: deps.config.exemptions, telemetry: deps.telemetry },
      {
        accountId: event.accountId,
        executionName: event.executionName,
        // Bad thresholds were rejected by ValidateInput already; resolving again keeps this
        // Lambda safe when invoked directly, and applies this function's deployed defaults.
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
