/** The digest email over SNS: one Publish to the digest topic (email subscribers get the text). */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { DigestPublisher } from '../app/ports';

export function snsDigestPublisher(sns: SNSClient, topicArn: string): DigestPublisher {
  return {
    publish: async ({ subject, body }) => {
      const output = await sns.send(
        new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: body }),
      );
      return { messageId: output.MessageId ?? null };
    },
  };
}
