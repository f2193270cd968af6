/**
 * The two SNS topics: the digest the security team reads after every run, and the alarm topic
 * every DLQ and failed-execution alarm notifies (docs/design.md, "Infrastructure").
 */
import { Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { ALARM_TOPIC_NAME, DIGEST_TOPIC_NAME } from './names';

export interface AuditNotificationsProps {
  /** Encrypts both topics; its policy must let CloudWatch use it (AuditStorage's key does). */
  readonly key: IKey;
  /** Email addresses subscribed to the digest topic. @default none */
  readonly digestEmails?: readonly string[];
  /** Email addresses subscribed to the alarm topic. @default none */
  readonly alarmEmails?: readonly string[];
}

/** Both topics are KMS-encrypted, TLS-only, and have fixed names (one per account and region). */
export class AuditNotifications extends Construct {
  /** `org-key-audit-digest`: PublishDigest sends the run's digest here. */
  readonly digestTopic: Topic;
  /** `org-key-audit-alarms`: only this account's CloudWatch alarms may publish. */
  readonly alarmTopic: Topic;

  constructor(scope: Construct, id: string, props: AuditNotificationsProps) {
    super(scope, id);
    const { account, region, partition } = Stack.of(this);

    this.digestTopic = new Topic(this, 'DigestTopic', {
      topicName: DIGEST_TOPIC_NAME,
      displayName: 'org-key-audit',
      masterKey: props.key,
      enforceSSL: true,
    });
    for (const email of props.digestEmails ?? [])
      this.digestTopic.addSubscription(new EmailSubscription(email));
    this.alarmTopic = new Topic(this, 'AlarmTopic', {
      topicName: ALARM_TOPIC_NAME,
      masterKey: props.key,
      enforceSSL: true,
    });
    for (const email of props.alarmEmails ?? [])
      this.alarmTopic.addSubscription(new EmailSubscription(email));
    // The topic policy replaces SNS's default one, and a service principal has no identity policy:
    // without this statement every alarm would go to ALARM and notify nobody.
    this.alarmTopic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'OurAlarmsPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.alarmTopic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': account },
          ArnLike: {
            'aws:SourceArn': `arn:${partition}:cloudwatch:${region}:${account}:alarm:*`,
          },
        },
      }),
    );
  }
}
