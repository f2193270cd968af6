/**
 * ListAccounts: the planRun use case (app/plan-run.ts) on Organizations (directly or through
 * the org-reader role) and the S3 run store.
 */
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import { type PlanRunResult, planRun } from '../app/plan-run';
import type { TemporaryCredentials } from '../aws/clients/common';
import { organizationsClient, organizationsClientWith } from '../aws/clients/organizations';
import { s3Client } from '../aws/clients/s3';
import { stsClient } from '../aws/clients/sts';
import { type ListOrganizationOptions, organizationSource } from '../aws/organization';
import { RunStore } from '../aws/run-store';
import { parseListAccountsEvent } from '../core/state-events';
import { type HandlerConfig, requireReportBucket } from '../runtime/config';
import { type LambdaContext, lazyHandler } from '../runtime/lazy-handler';
import type { Telemetry } from '../runtime/telemetry';

/** The Map reads `maxConcurrency` through MaxConcurrencyPath. */
export type ListAccountsResult = PlanRunResult;

export interface ListAccountsDeps {
  readonly organizations: OrganizationsClient;
  readonly sts: STSClient;
  readonly s3: S3Client;
  readonly config: Pick<HandlerConfig, 'reportBucket' | 'orgReaderRoleArn' | 'mapMaxConcurrency'> &
    Partial<Pick<HandlerConfig, 'owners' | 'maxAuditIterations'>>;
  readonly telemetry: Telemetry;
  /** For the account-tag cache's ages. @default the real clock */
  readonly now?: () => Date;
  /** Builds the client for the org-reader role. @default organizationsClientWith */
  readonly organizationsFor?: (credentials: TemporaryCredentials) => OrganizationsClient;
  readonly listOptions?: ListOrganizationOptions;
}

export function makeListAccountsHandler(deps: ListAccountsDeps) {
  return async (raw: unknown, _context?: LambdaContext): Promise<ListAccountsResult> => {
    const event = parseListAccountsEvent(raw);
    const bucket = requireReportBucket(deps.config);
    const organization = organizationSource({
      org: deps.organizations,
      sts: deps.sts,
      orgReaderRoleArn: deps.config.orgReaderRoleArn,
      sessionName: event.executionName,
      ...(deps.organizationsFor ? { createClient: deps.organizationsFor } : {}),
      ...(deps.listOptions ? { listOptions: deps.listOptions } : {}),
    });
    return planRun(
      {
        organization,
        records: new RunStore({ s3: deps.s3, bucket }),
        maxConcurrency: deps.config.mapMaxConcurrency,
        ...(deps.config.maxAuditIterations === undefined
          ? {}
          : { maxAuditIterations: deps.config.maxAuditIterations }),
        telemetry: deps.telemetry,
        ...(deps.config.owners === undefined ? {} : { owners: deps.config.owners }),
        ...(deps.now === undefined ? {} : { now: deps.now }),
      },
      event,
    );
  };
}

export const handler = lazyHandler((runtime) =>
  makeListAccountsHandler({
    organizations: runtime.traced(organizationsClient.get()),
    sts: runtime.traced(stsClient.get()),
    s3: runtime.traced(s3Client.get()),
    config: runtime.config,
    telemetry: runtime.telemetry,
    now: runtime.now,
    organizationsFor: (credentials) => runtime.traced(organizationsClientWith(credentials)),
  }),
);
