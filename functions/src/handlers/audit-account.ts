/**
 * AuditAccount: one Map item. Assumes the audit role, collects and evaluates the account's keys,
 * stores the full AccountAudit in S3 and returns only a small summary to the Map.
 *
 * A missing audit role is an expected outcome (the StackSet has not reached the account yet):
 * it is stored and returned as FAILED with the fix. Everything else is thrown with its stable
 * error name, so the state machine retries the transient ones and catches the rest.
 */

import type { IAMClient } from '@aws-sdk/client-iam';
import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import { assumeAuditRole, type CredentialCache } from '../aws/assume-role';
import type { TemporaryCredentials } from '../aws/clients/common';
import { iamClientFor } from '../aws/clients/iam';
import { s3Client } from '../aws/clients/s3';
import { stsClient } from '../aws/clients/sts';
import { type CollectorDeps, type CollectParams, collectAccount } from '../aws/collector';
import { RunStore } from '../aws/run-store';
import { AuditRoleMissingError } from '../core/errors';
import { FAILURE_FIXES } from '../core/failures';
import { type AccountAudit, type AccountStatus, SCHEMA_VERSION } from '../core/model';
import { resolveThresholds, type Thresholds } from '../core/thresholds';
import { type HandlerConfig, requireReportBucket } from '../runtime/config';
import { lazyHandler } from '../runtime/lazy-handler';
import { describeError, type Telemetry, withLogKeys } from '../runtime/telemetry';
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

export interface AuditAccountResult {
  readonly accountId: string;
  readonly status: AccountStatus;
  readonly errorName?: string;
  readonly reason?: string;
  readonly resultKey: string;
  readonly findings: number;
}

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

function roleMissingAudit(accountId: string, error: AuditRoleMissingError): AccountAudit {
  return {
    schemaVersion: SCHEMA_VERSION,
    accountId,
    accountName: accountId,
    status: 'FAILED',
    reason: error.message,
    fix: AUDIT_ROLE_MISSING_FIX,
    errorName: error.name,
    strategy: 'none',
    reportGeneratedAt: null,
    counts: {
      users: 0,
      activeKeys: 0,
      inactiveKeys: 0,
      findings: 0,
      exempted: 0,
      apiCalls: { 'sts:AssumeRole': 1 },
    },
    findings: [],
    exempted: [],
    warnings: [],
  };
}

export function makeAuditAccountHandler(deps: AuditAccountDeps) {
  const { log } = deps.telemetry;
  return async (raw: unknown): Promise<AuditAccountResult> => {
    const event = parseAuditAccountEvent(raw);
    const { accountId, executionName } = event;
    return withLogKeys(log, { executionName, accountId }, async () => {
      const store = new RunStore({ s3: deps.s3, bucket: requireReportBucket(deps.config) });
      // Bad thresholds were rejected by ValidateInput already; resolving again keeps this
      // Lambda safe when invoked directly, and applies this function's deployed defaults.
      const thresholds: Thresholds = resolveThresholds(deps.config.thresholds, event.thresholds);
      let audit: AccountAudit;
      try {
        const credentials = await assumeAuditRole(
          deps.sts,
          { accountId, roleName: deps.config.auditRoleName, executionName },
          deps.credentialCache ? { cache: deps.credentialCache } : {},
        );
        audit = await collectAccount(
          { iam: deps.iamFor(credentials), now: deps.now, ...deps.collector },
          {
            accountId,
            // The event carries only the id; BuildDigest fills in the name from organization.json.
            accountName: accountId,
            thresholds,
            configExemptions: deps.config.exemptions.filter((e) => e.accountId === accountId),
            ...deps.collectOptions,
          },
        );
      } catch (error) {
        if (!(error instanceof AuditRoleMissingError)) {
          log.error('account audit failed', describeError(error));
          throw error;
        }
        log.warn('audit role missing', describeError(error));
        audit = roleMissingAudit(accountId, error);
      }
      const resultKey = await store.putAccountAudit(executionName, audit);
      log.info('account audited', {
        status: audit.status,
        strategy: audit.strategy,
        findings: audit.findings.length,
        exempted: audit.exempted.length,
        apiCalls: audit.counts.apiCalls,
      });
      return {
        accountId,
        status: audit.status,
        ...(audit.errorName === undefined ? {} : { errorName: audit.errorName }),
        ...(audit.reason === undefined ? {} : { reason: audit.reason }),
        resultKey,
        findings: audit.findings.length,
      };
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
