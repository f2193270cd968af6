/**
 * ListAccounts: lists the organization (optionally through the org-reader role), decides which
 * accounts this run audits, and stores both lists in S3. Only counts and keys go back into the
 * state: 10,000 account objects would not fit Step Functions' 256 KiB payload.
 */
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { S3Client } from '@aws-sdk/client-s3';
import type { STSClient } from '@aws-sdk/client-sts';
import type { TemporaryCredentials } from '../aws/clients/common';
import { organizationsClient, organizationsClientWith } from '../aws/clients/organizations';
import { s3Client } from '../aws/clients/s3';
import { stsClient } from '../aws/clients/sts';
import {
  type ListOrganizationOptions,
  listOrganizationAccounts,
  organizationsClientFor,
} from '../aws/organization';
import { type OrganizationEntry, RunStore } from '../aws/run-store';
import { planAudit } from '../core/audit-plan';
import { InvalidInputError } from '../core/errors';
import type { NormalizedInput } from '../core/execution-input';
import { type HandlerConfig, requireReportBucket } from '../runtime/config';
import { lazyHandler } from '../runtime/lazy-handler';
import { type Telemetry, withLogKeys } from '../runtime/telemetry';
import { requireObject, requireString } from './shared/event';

export interface ListAccountsEvent {
  readonly executionName: string;
  readonly executionArn: string;
  readonly input: NormalizedInput;
}

export interface ListAccountsResult {
  readonly bucket: string;
  readonly itemsKey: string;
  readonly organizationKey: string;
  /** Entries in organization.json: the organization, plus requested ids it does not contain. */
  readonly total: number;
  readonly toAudit: number;
  readonly skipped: number;
  /** The Map's MaxConcurrencyPath reads this. */
  readonly maxConcurrency: number;
}

export interface ListAccountsDeps {
  readonly organizations: OrganizationsClient;
  readonly sts: STSClient;
  readonly s3: S3Client;
  readonly config: Pick<HandlerConfig, 'reportBucket' | 'orgReaderRoleArn' | 'mapMaxConcurrency'>;
  readonly telemetry: Telemetry;
  /** Builds the client for the org-reader role. @default organizationsClientWith */
  readonly organizationsFor?: (credentials: TemporaryCredentials) => OrganizationsClient;
  readonly listOptions?: ListOrganizationOptions;
}

export function parseListAccountsEvent(raw: unknown): ListAccountsEvent {
  const event = requireObject(raw, 'ListAccounts event');
  const input = requireObject(event['input'], 'event field input (the normalized execution input)');
  const ids = input['accountIds'];
  if (ids !== null && !(Array.isArray(ids) && ids.every((id) => typeof id === 'string'))) {
    throw new InvalidInputError('event field input.accountIds must be null or a list of account ids');
  }
  return {
    executionName: requireString(event, 'executionName'),
    executionArn: requireString(event, 'executionArn'),
    input: input as unknown as NormalizedInput,
  };
}

export function makeListAccountsHandler(deps: ListAccountsDeps) {
  const { log } = deps.telemetry;
  return async (raw: unknown): Promise<ListAccountsResult> => {
    const event = parseListAccountsEvent(raw);
    return withLogKeys(log, { executionName: event.executionName }, async () => {
      const bucket = requireReportBucket(deps.config);
      const org = await organizationsClientFor({
        org: deps.organizations,
        sts: deps.sts,
        orgReaderRoleArn: deps.config.orgReaderRoleArn,
        sessionName: event.executionName,
        ...(deps.organizationsFor ? { createClient: deps.organizationsFor } : {}),
      });
      const accounts = await listOrganizationAccounts(org, deps.listOptions);
      const plan = planAudit(accounts, event.input.accountIds);

      const entries: OrganizationEntry[] = [
        ...plan.toAudit.map((a) => ({
          accountId: a.accountId,
          accountName: a.accountName,
          state: a.state,
          decision: 'AUDIT' as const,
        })),
        ...plan.skipped.map((s) => ({
          accountId: s.account.accountId,
          accountName: s.account.accountName,
          state: s.account.state,
          decision: 'SKIP' as const,
          reason: s.reason,
          fix: s.fix,
        })),
      ];
      const store = new RunStore({ s3: deps.s3, bucket });
      const itemsKey = await store.putItems(
        event.executionName,
        plan.toAudit.map((a) => a.accountId),
      );
      const organizationKey = await store.putOrganization(event.executionName, entries);
      const result: ListAccountsResult = {
        bucket,
        itemsKey,
        organizationKey,
        total: entries.length,
        toAudit: plan.toAudit.length,
        skipped: plan.skipped.length,
        maxConcurrency: deps.config.mapMaxConcurrency,
      };
      log.info('organization listed', {
        organizationAccounts: accounts.length,
        toAudit: result.toAudit,
        skipped: result.skipped,
        viaOrgReaderRole: deps.config.orgReaderRoleArn !== null,
      });
      return result;
    });
  };
}

export const handler = lazyHandler((runtime) =>
  makeListAccountsHandler({
    organizations: runtime.traced(organizationsClient.get()),
    sts: runtime.traced(stsClient.get()),
    s3: runtime.traced(s3Client.get()),
    config: runtime.config,
    telemetry: runtime.telemetry,
    organizationsFor: (credentials) => runtime.traced(organizationsClientWith(credentials)),
  }),
);
