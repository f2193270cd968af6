/**
 * The integrations (README.md, "Integrations"): `securityHub` and `chat` in the config, with
 * their defaults and errors; SECURITY_HUB_JSON and CHAT_TOPIC_ARN on exactly the functions that
 * read them; ImportFindings' grants only when Security Hub is on; the chat topic, its output, its
 * key statement and PublishDigest's grant only when chat is on; cdk-nag clean either way.
 * Expected values are written out here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '@org-key-audit/functions/core';
import { STACK_OUTPUTS } from '@org-key-audit/statemachine/definition';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../lib/config';
import {
  AUDIT,
  DELEGATED_CONFIG,
  logicalId,
  resourcesFor,
  resourcesOfType,
  roleStatements,
  type Statement,
  type SynthesizedApp,
  synthesizeApp,
} from './support';

const PARTITION = { Ref: 'AWS::Partition' };
const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });

function errorOf(raw: unknown): string {
  try {
    parseConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('securityHub and chat in the config', () => {
  it('are off by default, Security Hub in the config’s region', () => {
    const config = parseConfig(DELEGATED_CONFIG);
    expect(config.securityHub).toEqual({ enabled: false, region: 'eu-west-1' });
    expect(config.chat).toEqual({ enabled: false });
  });

  it('take an explicit Security Hub region, and default it when only enabled is given', () => {
    expect(parseConfig({ ...DELEGATED_CONFIG, securityHub: { enabled: true } }).securityHub).toEqual({
      enabled: true,
      region: 'eu-west-1',
    });
    expect(
      parseConfig({ ...DELEGATED_CONFIG, securityHub: { enabled: true, region: 'us-west-2' } }).securityHub,
    ).toEqual({ enabled: true, region: 'us-west-2' });
  });

  it('refuse a bad value, naming the field and the fix', () => {
    expect(errorOf({ ...DELEGATED_CONFIG, securityHub: true })).toMatch(
      /securityHub must be a object .*write it as \{"enabled": true, "region": "eu-west-1"\}/,
    );
    expect(errorOf({ ...DELEGATED_CONFIG, securityHub: { enabled: true, region: 'Frankfurt' } })).toContain(
      'securityHub.region must be an AWS region code like "us-east-1"',
    );
    expect(errorOf({ ...DELEGATED_CONFIG, securityHub: { enabld: true } })).toContain(
      'securityHub has unknown field(s) enabld; remove them or fix the spelling',
    );
    expect(errorOf({ ...DELEGATED_CONFIG, chat: { enabled: 'yes' } })).toMatch(
      /chat\.enabled must be a boolean .*attach a Slack or Microsoft Teams channel configuration to the topic org-key-audit-chat/,
    );
    expect(errorOf({ ...DELEGATED_CONFIG, chat: { slackChannelId: 'C123' } })).toContain(
      'chat has unknown field(s) slackChannelId',
    );
  });
});

type Json = Record<string, unknown>;

function synthesized(raw: Parameters<typeof synthesizeApp>[0]) {
  const app: SynthesizedApp = synthesizeApp(raw);
  const stack = app.stacks.auditor;
  const template = app.template(stack);
  const fn = (name: string) =>
    Object.values(resourcesOfType(template, 'AWS::Lambda::Function')).find(
      (f) => f.Properties['FunctionName'] === `org-key-audit-${name}`,
    )?.Properties as Json;
  const env = (name: string) => (fn(name)['Environment'] as { Variables: Record<string, unknown> }).Variables;
  const statements = (name: 'import-findings' | 'publish-digest'): Statement[] =>
    roleStatements(template, logicalId(stack.functions.roles[name]));
  return { app, stack, template, env, statements };
}

const nagViolations = (app: SynthesizedApp) =>
  (
    JSON.parse(readFileSync(join(app.assembly.directory, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; violations: unknown[] }[];
    }
  ).pluginReports
    .filter((r) => r.pluginName.includes('AwsSolutions'))
    .flatMap((r) => r.violations);

describe('with both off (the default)', () => {
  let s: ReturnType<typeof synthesized>;
  beforeAll(() => {
    s = synthesized(DELEGATED_CONFIG);
  }, 120_000);

  it('still tells import-findings, and only it, that Security Hub is off', () => {
    expect(s.env('import-findings')['SECURITY_HUB_JSON']).toBe('{"enabled":false,"region":"eu-west-1"}');
    for (const name of [
      'validate-input',
      'list-accounts',
      'audit-account',
      'build-digest',
      'publish-digest',
    ]) {
      expect(s.env(name), name).not.toHaveProperty('SECURITY_HUB_JSON');
      expect(s.env(name), name).not.toHaveProperty('CHAT_TOPIC_ARN');
    }
  });

  it('gives import-findings no Security Hub, S3 or KMS grant, only its logs and traces', () => {
    const actions = s.statements('import-findings').flatMap((st) => [st.Action].flat());
    expect(actions.sort()).toEqual(
      [
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
  });

  it('creates no chat topic and no ChatTopicArn output, and publish-digest publishes to the digest topic only', () => {
    const names = Object.values(resourcesOfType(s.template, 'AWS::SNS::Topic')).map(
      (t) => t.Properties['TopicName'],
    );
    expect(names.sort()).toEqual(['org-key-audit-alarms', 'org-key-audit-digest']);
    expect(Object.keys(s.template['Outputs'] as Json)).not.toContain(STACK_OUTPUTS.chatTopic);
    expect(resourcesFor(s.statements('publish-digest'), 'sns:Publish')).toEqual([
      { Ref: logicalId(s.stack.digestTopic) },
    ]);
  });
});

describe('with Security Hub in another region and chat on', () => {
  let s: ReturnType<typeof synthesized>;
  beforeAll(() => {
    s = synthesized({
      ...DELEGATED_CONFIG,
      securityHub: { enabled: true, region: 'eu-central-1' },
      chat: { enabled: true },
    });
  }, 120_000);

  it('keeps cdk-nag clean', () => {
    expect(nagViolations(s.app)).toEqual([]);
  });

  it('sets SECURITY_HUB_JSON on import-findings and CHAT_TOPIC_ARN on publish-digest only', () => {
    expect(s.env('import-findings')['SECURITY_HUB_JSON']).toBe('{"enabled":true,"region":"eu-central-1"}');
    expect(s.env('publish-digest')['CHAT_TOPIC_ARN']).toEqual({ Ref: logicalId(s.stack.chatTopic!) });
    for (const name of [
      'validate-input',
      'list-accounts',
      'audit-account',
      'build-digest',
      'import-findings',
    ]) {
      expect(s.env(name), name).not.toHaveProperty('CHAT_TOPIC_ARN');
    }
  });

  it('lets import-findings import into its own default product and read its hub, in that region only', () => {
    const statements = s.statements('import-findings');
    expect(resourcesFor(statements, 'securityhub:BatchImportFindings')).toEqual([
      {
        'Fn::Join': ['', ['arn:', PARTITION, `:securityhub:eu-central-1:${AUDIT}:product/${AUDIT}/default`]],
      },
    ]);
    expect(resourcesFor(statements, 'securityhub:GetFindings')).toEqual([
      { 'Fn::Join': ['', ['arn:', PARTITION, `:securityhub:eu-central-1:${AUDIT}:hub/default`]] },
    ]);
    const bucket = getAtt(logicalId(s.stack.reportBucket));
    expect(resourcesFor(statements, 's3:GetObject')).toEqual([{ 'Fn::Join': ['', [bucket, '/reports/*']] }]);
    expect(resourcesFor(statements, 'kms:Decrypt')).toEqual([getAtt(logicalId(s.stack.key))]);
    const actions = statements.flatMap((st) => [st.Action].flat());
    for (const forbidden of [
      's3:PutObject',
      'kms:GenerateDataKey',
      'securityhub:BatchUpdateFindings',
      'sns:Publish',
    ]) {
      expect(actions).not.toContain(forbidden);
    }
  });

  it('creates the KMS-encrypted, TLS-only chat topic with an output of its ARN', () => {
    const topic = s.stack.chatTopic!;
    const [resource] = Object.entries(resourcesOfType(s.template, 'AWS::SNS::Topic')).filter(
      ([, t]) => t.Properties['TopicName'] === 'org-key-audit-chat',
    );
    expect(resource?.[0]).toBe(logicalId(topic));
    expect(resource?.[1].Properties['KmsMasterKeyId']).toEqual(getAtt(logicalId(s.stack.key)));
    const policies = Object.values(resourcesOfType(s.template, 'AWS::SNS::TopicPolicy')).filter((p) =>
      JSON.stringify(p.Properties['Topics']).includes(`"${logicalId(topic)}"`),
    );
    expect(
      policies.flatMap((p) => (p.Properties['PolicyDocument'] as { Statement: Json[] }).Statement),
    ).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    expect(
      (s.template['Outputs'] as Record<string, { Value: unknown }>)[STACK_OUTPUTS.chatTopic]?.Value,
    ).toEqual({
      Ref: logicalId(topic),
    });
  });

  it('lets publish-digest publish to the chat topic, and the chat service use the key for that topic only', () => {
    expect(resourcesFor(s.statements('publish-digest'), 'sns:Publish')).toEqual([
      { Ref: logicalId(s.stack.digestTopic) },
      { Ref: logicalId(s.stack.chatTopic!) },
    ]);
    const key = resourcesOfType(s.template, 'AWS::KMS::Key')[logicalId(s.stack.key)];
    const policy = key?.Properties['KeyPolicy'] as { Statement: Json[] } | undefined;
    const statement = (policy?.Statement ?? []).find((st) => st['Sid'] === 'ChatServiceReadsTheChatTopic');
    expect(statement).toEqual({
      Sid: 'ChatServiceReadsTheChatTopic',
      Effect: 'Allow',
      Principal: { Service: 'chatbot.amazonaws.com' },
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: '*',
      Condition: {
        StringEquals: {
          'kms:EncryptionContext:aws:sns:topicArn': {
            'Fn::Join': ['', ['arn:', PARTITION, `:sns:eu-west-1:${AUDIT}:org-key-audit-chat`]],
          },
        },
      },
    });
  });
});
