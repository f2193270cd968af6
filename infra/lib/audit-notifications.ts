/**
 * The SNS topics: the digest the security team reads after every run, the alarm topic every DLQ
 * and failed-execution alarm notifies (docs/design.md, "Infrastructure"), and, when config
 * `chat.enabled`, the chat topic a channel of Amazon Q Developer in chat applications subscribes
 * to (README.md, "Integrations").
 *
 * Owner routing (infra/README.md, "Owners"): PublishDigest sends the full digest without message
 * attributes, then each routed owner's digest with the message attribute `owner`. The security
 * team's addresses filter on "no `owner` attribute", so they get the full digest once and no
 * owner's copy; each owner's addresses filter on their own name.
 */
import { ownerFilterPolicy, SECURITY_TEAM_FILTER_POLICY } from '@org-key-audit/functions/core';
import { Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SubscriptionFilter, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { ALARM_TOPIC_NAME, CHAT_TOPIC_NAME, DIGEST_TOPIC_NAME } from './names';

export interface AuditNotificationsProps {
  /** Encrypts both topics; its policy must let CloudWatch use it (AuditStorage's key does). */
  readonly key: IKey;
  /** Email addresses subscribed to the digest topic: the full digest, no owner's copy. @default none */
  readonly digestEmails?: readonly string[];
  /**
   * Owner name → email addresses that get that owner's digest (config `owners.endpoints`). An
   * address listed for several owners gets one subscription for all of them (SNS keeps one
   * subscription per address and topic). @default none
   */
  readonly ownerEndpoints?: Readonly<Record<string, readonly string[]>>;
  /** Email addresses subscribed to the alarm topic. @default none */
  readonly alarmEmails?: readonly string[];
  /** Creates the chat topic `org-key-audit-chat` (config `chat.enabled`). @default false */
  readonly chat?: boolean;
}

/** Every topic is KMS-encrypted, TLS-only, and has a fixed name (one per account and region). */
export class AuditNotifications extends Construct {
  /** `org-key-audit-digest`: PublishDigest sends the run's digest here. */
  readonly digestTopic: Topic;
  /** `org-key-audit-alarms`: only this account's CloudWatch alarms may publish. */
  readonly alarmTopic: Topic;
  /**
   * `org-key-audit-chat`, only with `chat`: PublishDigest sends the run's custom notification
   * here; attach a Slack or Microsoft Teams channel configuration to it.
   */
  readonly chatTopic?: Topic;

  constructor(scope: Construct, id: string, props: AuditNotificationsProps) {
    super(scope, id);
    const { account, region, partition } = Stack.of(this);

    this.digestTopic = new Topic(this, 'DigestTopic', {
      topicName: DIGEST_TOPIC_NAME,
      displayName: 'org-key-audit',
      masterKey: props.key,
      enforceSSL: true,
    });
    for (const email of props.digestEmails ?? []) {
      this.digestTopic.addSubscription(
        new EmailSubscription(email, { filterPolicy: subscriptionFilters(SECURITY_TEAM_FILTER_POLICY) }),
      );
    }
    for (const [email, owners] of ownersByAddress(props.ownerEndpoints ?? {})) {
      // ownerFilterPolicy per owner, their allowed values joined: SNS matches any value of the list.
      const policies = owners.map(ownerFilterPolicy);
      const merged: Record<string, unknown[]> = {};
      for (const policy of policies) {
        for (const [attribute, values] of Object.entries(policy)) {
          merged[attribute] = [...(merged[attribute] ?? []), ...(values as unknown[])];
        }
      }
      this.digestTopic.addSubscription(
        new EmailSubscription(email, { filterPolicy: subscriptionFilters(merged) }),
      );
    }
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
    if (props.chat === true) this.chatTopic = this.createChatTopic(props.key);
  }

  /**
   * The chat topic: nothing subscribes here at deployment (a channel configuration of Amazon Q
   * Developer in chat applications is attached to it afterwards, naming the topic's ARN in its
   * SnsTopicArns), and only PublishDigest's role may publish (its identity policy; the topic
   * policy holds the TLS-only Deny).
   *
   * The key: SNS encrypts each message with a data key of the stack key and decrypts it before it
   * delivers to the chat service's HTTPS endpoint, so a subscriber needs no key access of its own
   * ("Encryption at rest", Amazon SNS Developer Guide). Amazon Q Developer in chat applications is
   * nevertheless let use the key for this topic's messages, as channel setups with encrypted
   * topics commonly grant it, and for nothing else: the statement holds only for data keys whose
   * encryption context names this topic ("Key management", Amazon SNS Developer Guide). The
   * topic's ARN is built from its fixed name: a reference from the key to the topic would be a
   * circular dependency.
   */
  private createChatTopic(key: IKey): Topic {
    const stack = Stack.of(this);
    const topic = new Topic(this, 'ChatTopic', {
      topicName: CHAT_TOPIC_NAME,
      displayName: 'org-key-audit chat',
      masterKey: key,
      enforceSSL: true,
    });
    key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'ChatServiceReadsTheChatTopic',
        principals: [new ServicePrincipal('chatbot.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'],
        conditions: {
          StringEquals: {
            'kms:EncryptionContext:aws:sns:topicArn': stack.formatArn({
              service: 'sns',
              resource: CHAT_TOPIC_NAME,
            }),
          },
        },
      }),
    );
    return topic;
  }
}

/** A filter policy (attribute → its list of allowed values or conditions) in CDK's form. */
function subscriptionFilters(policy: Readonly<Record<string, unknown>>): Record<string, SubscriptionFilter> {
  return Object.fromEntries(
    Object.entries(policy).map(([attribute, conditions]) => [
      attribute,
      new SubscriptionFilter([...(conditions as unknown[])]),
    ]),
  );
}

/**
 * Address → the owners it receives, in the order the config names them; addresses that differ
 * only in case are one address (as the config's duplicate check treats them), spelt as first seen.
 */
function ownersByAddress(endpoints: Readonly<Record<string, readonly string[]>>): Map<string, string[]> {
  const spelling = new Map<string, string>();
  const byAddress = new Map<string, string[]>();
  for (const [owner, addresses] of Object.entries(endpoints)) {
    for (const address of addresses) {
      const key = address.toLowerCase();
      if (!spelling.has(key)) spelling.set(key, address);
      const email = spelling.get(key) as string;
      const owners = byAddress.get(email) ?? [];
      if (!owners.includes(owner)) owners.push(owner);
      byAddress.set(email, owners);
    }
  }
  return byAddress;
}
