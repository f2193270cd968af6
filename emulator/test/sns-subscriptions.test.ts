import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  type MessageAttributeValue,
  PublishCommand,
  SetSubscriptionAttributesCommand,
  type SNSClient,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import { CreateQueueCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/index';
import { adminFetch, auditorCredentials, sns as snsClient, sqs as sqsClient } from './helpers';

const REGION = 'eu-west-1';
const START = new Date('2026-03-01T06:00:00.000Z');

let emu: RunningEmulator;
let sns: SNSClient;
let sqs: SQSClient;
let TOPIC: string;

beforeEach(async () => {
  emu = await startEmulator({ accounts: 2, users: 1, region: REGION, now: START });
  sns = snsClient(emu, auditorCredentials(emu));
  sqs = sqsClient(emu, auditorCredentials(emu));
  TOPIC = emu.messaging.resources.digestTopicArn;
});

afterEach(async () => {
  sns.destroy();
  sqs.destroy();
  await emu.stop();
});

async function subscribe(endpoint: string, attributes: Record<string, string> = {}, protocol = 'email') {
  const out = await sns.send(
    new SubscribeCommand({ TopicArn: TOPIC, Protocol: protocol, Endpoint: endpoint, Attributes: attributes }),
  );
  return out.SubscriptionArn ?? '';
}

async function publish(message: string, attributes: Record<string, MessageAttributeValue> = {}) {
  const out = await sns.send(
    new PublishCommand({ TopicArn: TOPIC, Message: message, MessageAttributes: attributes }),
  );
  return out.MessageId ?? '';
}

const owner = (value: string): Record<string, MessageAttributeValue> => ({
  owner: { DataType: 'String', StringValue: value },
});

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught as { name: string; message: string; $metadata: { httpStatusCode?: number } },
  );
  if (error === undefined) throw new Error('expected the call to fail');
  return error;
}

const received = (arn: string) => emu.messaging.deliveries(arn).map((d) => d.message);

describe('Subscribe, ListSubscriptionsByTopic, GetSubscriptionAttributes', () => {
  it('subscribes an email endpoint, confirmed at once, and lists it', async () => {
    const arn = await subscribe('alice@example.com', { FilterPolicy: '{"owner":["alice"]}' });
    expect(arn).toMatch(new RegExp(`^${TOPIC}:[0-9a-f-]{36}$`));

    const listed = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: TOPIC }));
    expect(listed.Subscriptions).toEqual([
      {
        SubscriptionArn: arn,
        Owner: emu.auditAccountId,
        Protocol: 'email',
        Endpoint: 'alice@example.com',
        TopicArn: TOPIC,
      },
    ]);
    expect(listed.NextToken).toBeUndefined();

    const attributes = (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: arn })))
      .Attributes;
    expect(attributes).toMatchObject({
      SubscriptionArn: arn,
      TopicArn: TOPIC,
      Protocol: 'email',
      Endpoint: 'alice@example.com',
      Owner: emu.auditAccountId,
      PendingConfirmation: 'false',
      RawMessageDelivery: 'false',
      FilterPolicy: '{"owner":["alice"]}',
      FilterPolicyScope: 'MessageAttributes',
    });
  });

  it('is idempotent for the same endpoint, and refuses it with different attributes', async () => {
    const first = await subscribe('a@example.com');
    expect(await subscribe('a@example.com')).toBe(first);
    const error = await failure(subscribe('a@example.com', { FilterPolicy: '{"owner":["a"]}' }));
    expect(error.name).toBe('InvalidParameterException');
  });

  it('pages ListSubscriptionsByTopic 100 at a time', async () => {
    for (let i = 0; i < 105; i++) await subscribe(`user${i}@example.com`);
    const first = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: TOPIC }));
    const second = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: TOPIC, NextToken: first.NextToken }),
    );
    expect(first.Subscriptions).toHaveLength(100);
    expect(second.Subscriptions).toHaveLength(5);
    expect(second.NextToken).toBeUndefined();
  });

  it("answers AWS's errors for a bad protocol, endpoint or topic", async () => {
    const ftp = await failure(
      sns.send(new SubscribeCommand({ TopicArn: TOPIC, Protocol: 'ftp', Endpoint: 'x' })),
    );
    expect(ftp.name).toBe('InvalidParameterException');
    expect(ftp.message).toBe('Invalid parameter: Amazon SNS does not support this protocol string: ftp');
    const http = await failure(
      sns.send(new SubscribeCommand({ TopicArn: TOPIC, Protocol: 'https', Endpoint: 'https://example.com' })),
    );
    expect(http.name).toBe('InvalidParameterException');
    const badQueue = await failure(
      sns.send(new SubscribeCommand({ TopicArn: TOPIC, Protocol: 'sqs', Endpoint: 'queue' })),
    );
    expect(badQueue.message).toBe('Invalid parameter: SQS endpoint ARN');
    const badMail = await failure(
      sns.send(new SubscribeCommand({ TopicArn: TOPIC, Protocol: 'email', Endpoint: 'nobody' })),
    );
    expect(badMail.message).toBe('Invalid parameter: Email address');
    const missing = await failure(
      sns.send(
        new SubscribeCommand({ TopicArn: `${TOPIC}-nope`, Protocol: 'email', Endpoint: 'a@example.com' }),
      ),
    );
    expect(missing.name).toBe('NotFoundException');
    const raw = await failure(subscribe('a@example.com', { RawMessageDelivery: 'true' }));
    expect(raw.message).toBe(
      'Invalid parameter: Attributes Reason: Delivery protocol [email] does not support raw message delivery.',
    );
  });
});

describe('filter policies', () => {
  it('routes each owner to exactly its subscription, and unowned messages to exists:false', async () => {
    const alice = await subscribe('alice@example.com', { FilterPolicy: '{"owner":["alice"]}' });
    const bob = await subscribe('bob@example.com', {
      FilterPolicy: '{"owner":["bob"]}',
      FilterPolicyScope: 'MessageAttributes',
    });
    const carol = await subscribe('carol@example.com', { FilterPolicy: '{"owner":["carol"]}' });
    const nobody = await subscribe('fallback@example.com', { FilterPolicy: '{"owner":[{"exists":false}]}' });
    const everyone = await subscribe('all@example.com');

    await publish('to alice', owner('alice'));
    await publish('to bob', owner('bob'));
    await publish('to carol', owner('carol'));
    await publish('to dave', owner('dave'));
    await publish('to no one in particular');
    await publish('alice again', owner('alice'));

    expect(received(alice)).toEqual(['to alice', 'alice again']);
    expect(received(bob)).toEqual(['to bob']);
    expect(received(carol)).toEqual(['to carol']);
    expect(received(nobody)).toEqual(['to no one in particular']);
    expect(received(everyone)).toHaveLength(6);
    // An email endpoint receives the message text; its delivery keeps the attributes.
    expect(emu.messaging.deliveries(alice)[0]).toMatchObject({
      protocol: 'email',
      endpoint: 'alice@example.com',
      body: 'to alice',
      attributes: { owner: { dataType: 'String', value: 'alice' } },
      delivered: true,
    });
  });

  it('ORs the values of a key and ANDs the keys', async () => {
    const either = await subscribe('either@example.com', { FilterPolicy: '{"owner":["alice","bob"]}' });
    const both = await subscribe('both@example.com', {
      FilterPolicy: '{"owner":["alice"],"severity":["high","critical"]}',
    });
    await publish('alice low', { ...owner('alice'), severity: { DataType: 'String', StringValue: 'low' } });
    await publish('alice high', { ...owner('alice'), severity: { DataType: 'String', StringValue: 'high' } });
    await publish('bob critical', {
      ...owner('bob'),
      severity: { DataType: 'String', StringValue: 'critical' },
    });
    await publish('alice alone', owner('alice'));

    expect(received(either)).toEqual(['alice low', 'alice high', 'bob critical', 'alice alone']);
    expect(received(both)).toEqual(['alice high']);
  });

  it('matches prefix, anything-but (value, list, prefix), exists:true and numbers', async () => {
    const prefix = await subscribe('p@example.com', { FilterPolicy: '{"owner":[{"prefix":"team-"}]}' });
    const notAlice = await subscribe('n@example.com', {
      FilterPolicy: '{"owner":[{"anything-but":"alice"}]}',
    });
    const notListed = await subscribe('l@example.com', {
      FilterPolicy: '{"owner":[{"anything-but":["alice","bob"]}]}',
    });
    const notTeam = await subscribe('t@example.com', {
      FilterPolicy: '{"owner":[{"anything-but":{"prefix":"team-"}}]}',
    });
    const hasOwner = await subscribe('e@example.com', { FilterPolicy: '{"owner":[{"exists":true}]}' });
    const ten = await subscribe('ten@example.com', { FilterPolicy: '{"count":[10]}' });

    await publish('alice', owner('alice'));
    await publish('bob', owner('bob'));
    await publish('team-a', owner('team-a'));
    await publish('none');
    await publish('number 10.0', { count: { DataType: 'Number', StringValue: '10.0' } });
    await publish('string 10', { count: { DataType: 'String', StringValue: '10' } });

    expect(received(prefix)).toEqual(['team-a']);
    // anything-but needs the attribute: a message without it does not match.
    expect(received(notAlice)).toEqual(['bob', 'team-a']);
    expect(received(notListed)).toEqual(['team-a']);
    expect(received(notTeam)).toEqual(['alice', 'bob']);
    expect(received(hasOwner)).toEqual(['alice', 'bob', 'team-a']);
    // A number matches a Number attribute by value, not a String one.
    expect(received(ten)).toEqual(['number 10.0']);
  });

  it('SetSubscriptionAttributes changes the routing for the next publish, and "" clears the filter', async () => {
    const arn = await subscribe('x@example.com', { FilterPolicy: '{"owner":["alice"]}' });
    await publish('1', owner('bob'));
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: arn,
        AttributeName: 'FilterPolicy',
        AttributeValue: '{"owner":["bob"]}',
      }),
    );
    await publish('2', owner('bob'));
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn: arn,
        AttributeName: 'FilterPolicy',
        AttributeValue: '',
      }),
    );
    await publish('3', owner('carol'));
    expect(received(arn)).toEqual(['2', '3']);
    const attributes = (await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: arn })))
      .Attributes;
    expect(attributes?.['FilterPolicy']).toBeUndefined();
  });

  it.each([
    ['malformed JSON', '{"owner":', 'FilterPolicy: failed to parse JSON.'],
    ['an unknown operator', '{"owner":[{"like":"a"}]}', 'FilterPolicy: Unrecognized match type like'],
    ['an empty array', '{"owner":[]}', 'FilterPolicy: Empty arrays are not allowed'],
    ['a bare string value', '{"owner":"alice"}', 'FilterPolicy: "owner" must be an object or an array'],
    [
      'a non-boolean exists',
      '{"owner":[{"exists":"yes"}]}',
      'FilterPolicy: exists match pattern must be either true or false.',
    ],
    [
      'a non-string prefix',
      '{"owner":[{"prefix":1}]}',
      'FilterPolicy: prefix match pattern must be a string',
    ],
    [
      'two operators in one match',
      '{"owner":[{"prefix":"a","exists":true}]}',
      'FilterPolicy: Only one key allowed in match expression',
    ],
    [
      'six keys',
      '{"a":["1"],"b":["1"],"c":["1"],"d":["1"],"e":["1"],"f":["1"]}',
      'FilterPolicy: Filter policy can not have more than 5 keys',
    ],
    [
      'a nested key',
      '{"owner":{"name":["a"]}}',
      'Filter policy scope MessageAttributes does not support nested filter policy',
    ],
  ])('refuses %s with InvalidParameter', async (_label, policy, detail) => {
    const viaSubscribe = await failure(subscribe('v@example.com', { FilterPolicy: policy }));
    expect(viaSubscribe.name).toBe('InvalidParameterException');
    expect(viaSubscribe.$metadata.httpStatusCode).toBe(400);
    expect(viaSubscribe.message).toBe(`Invalid parameter: Attributes Reason: ${detail}`);

    const arn = await subscribe('ok@example.com');
    const viaSet = await failure(
      sns.send(
        new SetSubscriptionAttributesCommand({
          SubscriptionArn: arn,
          AttributeName: 'FilterPolicy',
          AttributeValue: policy,
        }),
      ),
    );
    expect(viaSet.message).toBe(`Invalid parameter: ${detail}`);
  });

  it('refuses a match type the emulator does not evaluate rather than matching nothing', async () => {
    const error = await failure(
      subscribe('v@example.com', { FilterPolicy: '{"count":[{"numeric":[">",1]}]}' }),
    );
    expect(error.name).toBe('InvalidParameterException');
    expect(error.message).toMatch(/numeric is not supported by the emulator/);
  });

  it('refuses an invalid FilterPolicyScope and an unknown attribute name', async () => {
    const scope = await failure(
      subscribe('v@example.com', { FilterPolicy: '{"a":["b"]}', FilterPolicyScope: 'Body' }),
    );
    expect(scope.message).toBe(
      'Invalid parameter: Attributes Reason: FilterPolicyScope: Invalid value [Body]. Please use either MessageBody or MessageAttributes',
    );
    const arn = await subscribe('ok@example.com');
    const name = await failure(
      sns.send(
        new SetSubscriptionAttributesCommand({
          SubscriptionArn: arn,
          AttributeName: 'Colour',
          AttributeValue: 'x',
        }),
      ),
    );
    expect(name.message).toBe('Invalid parameter: AttributeName');
  });
});

describe('sqs subscriptions', () => {
  async function queue(name: string) {
    await sqs.send(new CreateQueueCommand({ QueueName: name }));
    return `arn:aws:sqs:${REGION}:${emu.auditAccountId}:${name}`;
  }

  it('delivers the SNS envelope JSON to the queue, only for matching messages', async () => {
    const queueArn = await queue('alice-inbox');
    const arn = await subscribe(queueArn, { FilterPolicy: '{"owner":["alice"]}' }, 'sqs');
    await publish('not for alice', owner('bob'));
    const messageId = (
      await sns.send(
        new PublishCommand({
          TopicArn: TOPIC,
          Subject: 'Keys to rotate',
          Message: 'for alice',
          MessageAttributes: owner('alice'),
        }),
      )
    ).MessageId;

    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: `${emu.url}/${emu.auditAccountId}/alice-inbox`,
        MaxNumberOfMessages: 10,
      }),
    );
    expect(out.Messages).toHaveLength(1);
    const body = JSON.parse(out.Messages?.[0]?.Body ?? '{}') as Record<string, unknown>;
    expect(body).toEqual({
      Type: 'Notification',
      MessageId: messageId,
      TopicArn: TOPIC,
      Subject: 'Keys to rotate',
      Message: 'for alice',
      // The publish's time on the emulator clock, ISO-8601 with milliseconds as AWS writes it.
      Timestamp: emu.messaging.published().at(-1)?.at,
      MessageAttributes: { owner: { Type: 'String', Value: 'alice' } },
    });
    expect(body['Timestamp']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(emu.messaging.deliveries(arn).map((d) => d.body)).toEqual([out.Messages?.[0]?.Body]);
    const admin = await adminFetch(
      emu,
      'GET',
      `/_emulator/sns/deliveries?subscriptionArn=${encodeURIComponent(arn)}`,
    );
    expect((admin.json as { deliveries: unknown[] }).deliveries).toHaveLength(1);
  });

  it('with RawMessageDelivery, delivers the bare message and its attributes as SQS attributes', async () => {
    const queueArn = await queue('raw-inbox');
    await subscribe(queueArn, { RawMessageDelivery: 'true' }, 'sqs');
    await publish('raw text', owner('alice'));
    const out = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: `${emu.url}/${emu.auditAccountId}/raw-inbox`,
        MessageAttributeNames: ['All'],
      }),
    );
    expect(out.Messages?.[0]?.Body).toBe('raw text');
    expect(out.Messages?.[0]?.MessageAttributes).toEqual({
      owner: { DataType: 'String', StringValue: 'alice' },
    });
  });

  it('records a delivery to a queue that does not exist as not delivered', async () => {
    const arn = await subscribe(`arn:aws:sqs:${REGION}:${emu.auditAccountId}:missing`, {}, 'sqs');
    await publish('lost');
    expect(emu.messaging.deliveries(arn)).toMatchObject([{ message: 'lost', delivered: false }]);
  });
});

describe('Unsubscribe', () => {
  it('stops the deliveries; the subscription is then NotFound', async () => {
    const arn = await subscribe('gone@example.com');
    await publish('before');
    await sns.send(new UnsubscribeCommand({ SubscriptionArn: arn }));
    await publish('after');
    expect(emu.messaging.deliveries(arn)).toEqual([]);
    expect(emu.messaging.subscriptions(TOPIC)).toEqual([]);
    const error = await failure(sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: arn })));
    expect(error.name).toBe('NotFoundException');
    expect(error.$metadata.httpStatusCode).toBe(404);
  });
});

describe('Publish message attributes', () => {
  const many = (n: number): Record<string, MessageAttributeValue> =>
    Object.fromEntries(
      Array.from({ length: n }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'v' }]),
    );

  it('accepts 10 attributes and refuses 11', async () => {
    await publish('ten', many(10));
    const error = await failure(publish('eleven', many(11)));
    expect(error.name).toBe('InvalidParameterValueException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.message).toBe('Number of message attributes [11] exceeds the allowed maximum [10].');
    expect(emu.messaging.published().map((m) => m.message)).toEqual(['ten']);
  });

  it('refuses an empty value and an invalid DataType', async () => {
    const empty = await failure(publish('m', { owner: { DataType: 'String', StringValue: '' } }));
    expect(empty.name).toBe('InvalidParameterValueException');
    expect(empty.message).toBe(
      "The message attribute 'owner' must contain non-empty message attribute value for message attribute type 'String'.",
    );
    const type = await failure(publish('m', { owner: { DataType: 'Text', StringValue: 'alice' } }));
    expect(type.name).toBe('InvalidParameterValueException');
    expect(type.message).toBe(
      "The message attribute 'owner' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.",
    );
    expect(emu.messaging.published()).toEqual([]);
  });
});
