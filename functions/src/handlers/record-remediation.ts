/**
 * RecordRemediation: the steps of a deactivation request that read or write its records in the
 * report bucket and send its notices to the digest topic (app/record-remediation.ts). Invoked by
 * RemediateKeys for every step but the per-key ones; the `await` step is the one invoked with
 * `.waitForTaskToken`.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import { type RecordRemediationEvent, recordRemediation } from '../app/record-remediation';
import { s3Client } from '../aws/clients/s3';
import { snsClient } from '../aws/clients/sns';
import { RemediationStore } from '../aws/remediation-store';
import { snsDigestPublisher } from '../aws/sns-digest-publisher';
import { InvalidInputError } from '../core/errors';
import { ApprovalDecisionSchema } from '../core/remediation';
import { parseRemediationEvent, RecordRemediationEventSchema } from '../core/remediation-events';
import { type HandlerConfig, requireDigestTopicArn, requireReportBucket } from '../runtime/config';
import { type LambdaContext, lazyHandler } from '../runtime/lazy-handler';
import type { Telemetry } from '../runtime/telemetry';

export interface RecordRemediationDeps {
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly config: Pick<HandlerConfig, 'reportBucket' | 'digestTopicArn'>;
  readonly telemetry: Telemetry;
  readonly now: () => Date;
}

export function makeRecordRemediationHandler(deps: RecordRemediationDeps) {
  return async (raw: unknown, _context?: LambdaContext) => {
    const parsed = parseRemediationEvent(RecordRemediationEventSchema, raw, 'RecordRemediation');
    let event: RecordRemediationEvent;
    if (parsed.step === 'complete') {
      // The approval was checked by the plan step; here it is only carried into the record.
      const approval =
        parsed.plan.approval === null ? null : ApprovalDecisionSchema.safeParse(parsed.plan.approval);
      if (approval !== null && !approval.success) {
        throw new InvalidInputError(
          'RecordRemediation: event field plan.approval is not an approval decision',
        );
      }
      event = { ...parsed, plan: { approval: approval === null ? null : approval.data } };
    } else {
      event = parsed as RecordRemediationEvent;
    }
    return recordRemediation(
      {
        records: new RemediationStore({ s3: deps.s3, bucket: requireReportBucket(deps.config) }),
        notices: snsDigestPublisher(deps.sns, requireDigestTopicArn(deps.config)),
        telemetry: deps.telemetry,
        now: deps.now,
      },
      event,
    );
  };
}

export const handler = lazyHandler((runtime) =>
  makeRecordRemediationHandler({
    s3: runtime.traced(s3Client.get()),
    sns: runtime.traced(snsClient.get()),
    config: runtime.config,
    telemetry: runtime.telemetry,
    now: runtime.now,
  }),
);
