/**
 * PublishDigest: sends the digest that BuildDigest stored to the digest topic. The text comes
 * from S3 rather than the state because it can approach SNS's 256 KiB limit, which is also the
 * state payload limit.
 */

import type { S3Client } from '@aws-sdk/client-s3';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { s3Client } from '../aws/clients/s3';
import { snsClient } from '../aws/clients/sns';
import { RunStore } from '../aws/run-store';
import { InvalidInputError } from '../core/errors';
import { requireDigestTopicArn } from '../runtime/config';
import { lazyHandler } from '../runtime/lazy-handler';
import type { Telemetry } from '../runtime/telemetry';
import { requireBoolean, requireObject, requireString } from './shared/event';

export interface PublishDigestEvent {
  readonly dryRun: boolean;
  readonly subject: string;
  readonly bucket: string;
  readonly digestKey: string;
}

export interface PublishDigestResult {
  readonly published: boolean;
  readonly messageId: string | null;
}

export interface PublishDigestDeps {
  readonly s3: S3Client;
  readonly sns: SNSClient;
  /** Null when the function was deployed without DIGEST_TOPIC_ARN; only a real publish needs it. */
  readonly digestTopicArn: string | null;
  readonly telemetry: Telemetry;
}

/** SNS rejects subjects with line breaks or control characters, and longer than 100 characters. */
function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

export function parsePublishDigestEvent(raw: unknown): PublishDigestEvent {
  const event = requireObject(raw, 'PublishDigest event');
  const subject = requireString(event, 'subject');
  if (subject.length > 100 || hasControlCharacter(subject)) {
    throw new InvalidInputError(
      'subject must be at most 100 characters without line breaks or control characters (an SNS email subject)',
    );
  }
  return {
    dryRun: requireBoolean(event, 'dryRun'),
    subject,
    bucket: requireString(event, 'bucket'),
    digestKey: requireString(event, 'digestKey'),
  };
}

export function makePublishDigestHandler(deps: PublishDigestDeps) {
  const { log } = deps.telemetry;
  return async (raw: unknown): Promise<PublishDigestResult> => {
    const event = parsePublishDigestEvent(raw);
    if (event.dryRun) {
      log.info('dry run: digest not published', { digestKey: event.digestKey });
      return { published: false, messageId: null };
    }
    const topicArn = requireDigestTopicArn({ digestTopicArn: deps.digestTopicArn });
    const body = await new RunStore({ s3: deps.s3, bucket: event.bucket }).getText(event.digestKey);
    const output = await deps.sns.send(
      new PublishCommand({ TopicArn: topicArn, Subject: event.subject, Message: body }),
    );
    log.info('digest published', { messageId: output.MessageId, bytes: Buffer.byteLength(body, 'utf-8') });
    return { published: true, messageId: output.MessageId ?? null };
  };
}

export const handler = lazyHandler((runtime) =>
  makePublishDigestHandler({
    s3: runtime.traced(s3Client.get()),
    sns: runtime.traced(snsClient.get()),
    digestTopicArn: runtime.config.digestTopicArn,
    telemetry: runtime.telemetry,
  }),
);
