/**
 * The digest email over SNS: one Publish to the digest topic (email subscribers get the text).
 * An owner's digest carries the `owner` message attribute, which the owners' subscription filter
 * policies match, and which the security team's policy (`owner` must not exist) keeps out.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { DigestPublisher } from '../app/ports';
import { OWNER_MESSAGE_ATTRIBUTE } from '../core/owners';

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
