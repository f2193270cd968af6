/**
 * PublishDigest: sends the digest that BuildDigest stored to the digest topic. The text comes
 * from S3 rather than the state because it can approach SNS's 256 KiB limit, which is also the
 * state payload limit.
 */

import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import { type PublishDigestResult, publishDigest } from '../app/publish-digest';
import { s3Client } from '../aws/clients/s3';
import { snsClient } from '../aws/clients/sns';
import { RunStore } from '../aws/run-store';
import { snsChatNotifier, snsDigestPublisher } from '../aws/sns-digest-publisher';
import { parsePublishDigestEvent } from '../core/state-events';
import { requireDigestTopicArn } from '../runtime/config';
import { type LambdaContext, lazyHandler } from '../runtime/lazy-handler';
import type { Telemetry } from '../runtime/telemetry';

export type { PublishDigestResult } from '../app/publish-digest';

export interface PublishDigestDeps {
  readonly s3: S3Client;
  readonly sns: SNSClient;
  /** Null when the function was deployed without DIGEST_TOPIC_ARN; only a real publish needs it. */
  readonly digestTopicArn: string | null;
  /** The chat topic (CHAT_TOPIC_ARN); null or unset: no chat notification. */
  readonly chatTopicArn?: string | null;
  readonly telemetry: Telemetry;
}

export function makePublishDigestHandler(deps: PublishDigestDeps) {
  return async (raw: unknown, _context?: LambdaContext): Promise<PublishDigestResult> => {
    const event = parsePublishDigestEvent(raw);
    return publishDigest(
      {
        records: new RunStore({ s3: deps.s3, bucket: event.bucket }),
        publisher: () =>
          snsDigestPublisher(deps.sns, requireDigestTopicArn({ digestTopicArn: deps.digestTopicArn })),
        chat: deps.chatTopicArn ? snsChatNotifier(deps.sns, deps.chatTopicArn, event.bucket) : null,
        telemetry: deps.telemetry,
      },
      event,
    );
  };
}

export const handler = lazyHandler((runtime) =>
  makePublishDigestHandler({
    s3: runtime.traced(s3Client.get()),
    sns: runtime.traced(snsClient.get()),
    digestTopicArn: runtime.config.digestTopicArn,
    chatTopicArn: runtime.config.chatTopicArn,
    telemetry: runtime.telemetry,
  }),
);
