/**
 * ImportFindings: the run's findings into the audit account's Security Hub (app/import-findings.ts),
 * when SECURITY_HUB_JSON turns it on. The account is the caller's own (GetCallerIdentity, which
 * needs no permission): Security Hub lets an account import only into its own default product.
 * The region is the configured one, else the execution's.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { type ImportFindingsResult, importFindings } from '../app/import-findings';
import { s3Client } from '../aws/clients/s3';
import { securityHubClientFor } from '../aws/clients/securityhub';
import { stsClient } from '../aws/clients/sts';
import { RunStore } from '../aws/run-store';
import { type SecurityHubOptions, securityHub } from '../aws/security-hub';
import { parseImportFindingsEvent } from '../core/state-events';
import type { HandlerConfig } from '../runtime/config';
import { type LambdaContext, lazyHandler } from '../runtime/lazy-handler';
import type { Telemetry } from '../runtime/telemetry';

export type { ImportFindingsResult } from '../app/import-findings';

export interface ImportFindingsDeps {
  readonly s3: S3Client;
  readonly sts: STSClient;
  /** A client for the region Security Hub is used in. */
  readonly securityHubFor: (region: string) => SecurityHubClient;
  readonly config: Pick<HandlerConfig, 'securityHub'>;
  readonly telemetry: Telemetry;
  readonly now: () => Date;
  readonly hubOptions?: SecurityHubOptions;
}

const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;

export function makeImportFindingsHandler(deps: ImportFindingsDeps) {
  return async (raw: unknown, _context?: LambdaContext): Promise<ImportFindingsResult> => {
    const event = parseImportFindingsEvent(raw);
    // arn:<partition>:states:<region>:<account>:execution:<machine>:<name>
    const [, partition = 'aws', , arnRegion = ''] = event.executionArn.split(':');
    const { enabled, region: configured } = deps.config.securityHub;
    const region = configured ?? arnRegion;
    const accountId = enabled ? ((await deps.sts.send(new GetCallerIdentityCommand({}))).Account ?? '') : '';
    return importFindings(
      {
        records: new RunStore({ s3: deps.s3, bucket: event.bucket }),
        hub: enabled ? () => securityHub(deps.securityHubFor(region), deps.hubOptions) : null,
        auditAccountId: accountId,
        region,
        partition: PARTITIONS.find((p) => p === partition) ?? 'aws',
        now: deps.now,
        telemetry: deps.telemetry,
      },
      event,
    );
  };
}

export const handler = lazyHandler((runtime) =>
  makeImportFindingsHandler({
    s3: runtime.traced(s3Client.get()),
    sts: runtime.traced(stsClient.get()),
    securityHubFor: (region) => runtime.traced(securityHubClientFor(region)),
    config: runtime.config,
    telemetry: runtime.telemetry,
    now: runtime.now,
  }),
);
