/**
 * The digest email over SNS: one Publish to the digest topic (email subscribers get the text).
 * An owner's digest carries the `owner` message attribute, which the owners' subscription filter
 * policies match, and which the security team's policy (`owner` must not exist) keeps out.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { ChatNotifier, DigestPublisher } from '../app/ports';
import { renderChatNotification } from '../core/chat';
import { MalformedDataError } from '../core/errors';
import { OWNER_MESSAGE_ATTRIBUTE } from '../core/owners';
import { RunSummarySchema } from '../core/run-summary';

export function snsDigestPublisher(sns: SNSClient, topicArn: string): DigestPublisher {
  return {
    publish: async ({ subject, body, owner }) => {
      const output = await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: subject,
          Message: body,
          ...(owner === undefined
            ? {}
            : {
                MessageAttributes: {
                  [OWNER_MESSAGE_ATTRIBUTE]: { DataType: 'String', StringValue: owner },
                },
              }),
        }),
      );
      return { messageId: output.MessageId ?? null };
    },
  };
}

/**
 * The chat notification (core/chat.ts) on the chat topic, which Amazon Q Developer in chat
 * applications forwards to Slack or Teams: the custom-notification JSON as the message.
 */
export function snsChatNotifier(sns: SNSClient, topicArn: string, bucket: string): ChatNotifier {
  return {
    notify: async ({ subject, summary }) => {
      const summaryParsed = RunSummarySchema.safeParse(summary);
      if (!summaryParsed.success)
        throw new MalformedDataError('the run summary for the chat notification is not a run summary');
      const report = summaryParsed.data.reportKey;
      await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Message: renderChatNotification({
            summary: summaryParsed.data,
            subject,
            ...(report ? { reportUri: `s3://${bucket}/${report}` } : {}),
          }),
        }),
      );
    },
  };
}
