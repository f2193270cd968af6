/**
 * Security as tests, on the synthesized templates: the member role reads seven things and
 * nothing else, nobody is let in through a `*` principal, every store is encrypted and refuses
 * plain HTTP. Checked on every resource of every stack (and the StackSet's own template body),
 * so a resource added later is held to the same rules without a new test.
 */
import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/lib/app';
import { type ConfigInput, parseConfig } from '../../infra/lib/config';

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
interface Statement {
  readonly Effect: string;
  readonly Action?: string | string[];
  readonly Principal?: unknown;
  readonly Condition?: Record<string, unknown>;
}

const SEVEN_READ_ACTIONS = [
  'iam:GenerateCredentialReport',
  'iam:GetAccessKeyLastUsed',
  'iam:GetAccountSummary',
  'iam:GetCredentialReport',
  'iam:ListAccessKeys',
  'iam:ListUserTags',
  'iam:ListUsers',
];

const BASE: ConfigInput = {
  managementAccountId: '111111111111',
  auditAccountId: '222222222222',
  organizationId: 'o-secure00001',
  region: 'eu-west-1',
  rollout: { targetOrganizationalUnitIds: ['r-ab12'], callAs: 'DELEGATED_ADMIN' },
  schedule: { expression: 'cron(0 6 * * ? *)', timeZone: 'UTC' },
  digestEmails: ['secops@example.com'],
  alarmEmails: ['oncall@example.com'],
};

const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

/** Every template of the app, plus the member-role template the StackSet deploys everywhere. */
function synthesize(config: ConfigInput): Map<string, Template> {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stacks = buildApp(app, parseConfig(config));
  const assembly = app.synth();
  const templates = new Map<string, Template>();
  for (const [name, stack] of Object.entries(stacks)) {
    templates.set(name, assembly.getStackArtifact(stack.artifactId).template as Template);
  }
  for (const [id, resource] of Object.entries(templates.get('rollout')?.Resources ?? {})) {
    if (resource.Type === 'AWS::CloudFormation::StackSet') {
      templates.set(`stackset:${id}`, JSON.parse(String(resource.Properties?.['TemplateBody'])) as Template);
    }
  }
  return templates;
}

function resources(templates: Map<string, Template>, type: string) {
  return [...templates.entries()].flatMap(([stack, t]) =>
    Object.entries(t.Resources)
      .filter(([, r]) => r.Type === type)
      .map(([id, r]) => ({ where: `${stack}/${id}`, properties: r.Properties ?? {} })),
  );
}

/** A principal anyone could be: "*" or { AWS: "*" } (alone or in a list). */
function isWildcardPrincipal(principal: unknown): boolean {
  if (principal === '*') return true;
  if (principal === null || typeof principal !== 'object') return false;
  return Object.values(principal).some((v) => asArray(v as unknown).some((p) => p === '*'));
}

/** Statements of every resource policy (bucket, queue, topic, key) in the templates. */
function resourcePolicyStatements(templates: Map<string, Template>) {
  const policyTypes: Record<string, string> = {
    'AWS::S3::BucketPolicy': 'PolicyDocument',
    'AWS::SQS::QueuePolicy': 'PolicyDocument',
    'AWS::SNS::TopicPolicy': 'PolicyDocument',
    'AWS::KMS::Key': 'KeyPolicy',
  };
  return Object.entries(policyTypes).flatMap(([type, field]) =>
    resources(templates, type).flatMap(({ where, properties }) =>
      asArray((properties[field] as { Statement?: Statement[] } | undefined)?.Statement).map((statement) => ({
        where,
        statement,
      })),
    ),
  );
}

const isTlsDeny = (s: Statement) =>
  s.Effect === 'Deny' &&
  JSON.stringify(s.Condition ?? {}) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } });

/** The logical id a resource policy protects: `{ Ref: id }` or `{ Fn::GetAtt: [id, ...] }`. */
function referencedIds(value: unknown): string[] {
  return asArray(value as unknown[]).flatMap((v) => {
    const ref = (v as { Ref?: string })?.Ref;
    const att = (v as { 'Fn::GetAtt'?: string[] })?.['Fn::GetAtt']?.[0];
    return [ref, att].filter((x): x is string => typeof x === 'string');
  });
}

describe('infrastructure security (delegated administrator deployment)', () => {
  let templates: Map<string, Template>;
  beforeAll(() => {
    templates = synthesize(BASE);
  }, 180_000);

  it('the member audit role grants the seven read actions and nothing else, trusted only by the auditor in the organization', () => {
    const roles = resources(templates, 'AWS::IAM::Role').filter(
      ({ properties }) => properties['RoleName'] === parseConfig(BASE).auditRoleName,
    );
    // The management account's plain stack and the StackSet body both deploy it.
    expect(roles.map((r) => r.where.split('/')[0]).sort()).toEqual(
      expect.arrayContaining(['managementRole', expect.stringMatching(/^stackset:/)]),
    );
    for (const { where, properties } of roles) {
      expect(properties['ManagedPolicyArns'], where).toBeUndefined();
      const statements = asArray(
        properties['Policies'] as { PolicyDocument: { Statement: Statement[] } }[],
      ).flatMap((p) => p.PolicyDocument.Statement);
      const allowed = statements.filter((s) => s.Effect === 'Allow').flatMap((s) => asArray(s.Action));
      expect([...new Set(allowed)].sort(), where).toEqual(SEVEN_READ_ACTIONS);
      const trust = (properties['AssumeRolePolicyDocument'] as { Statement: Statement[] }).Statement;
      for (const statement of trust) {
        expect(isWildcardPrincipal(statement.Principal), where).toBe(false);
        // Exactly the configured organization: a wrong or widened id must turn this red.
        expect(statement.Condition, where).toEqual({
          StringEquals: { 'aws:PrincipalOrgID': parseConfig(BASE).organizationId },
        });
      }
      // No IAM::Policy elsewhere may widen it either.
      const attached = resources(templates, 'AWS::IAM::Policy').filter(
        ({ where: w, properties: p }) =>
          w.startsWith(where.split('/')[0] ?? '') &&
          JSON.stringify(p['Roles'] ?? []).includes(where.split('/')[1] ?? '\u0000'),
      );
      expect(attached, where).toEqual([]);
    }
  });

  it('no resource policy lets a "*" principal in without a condition', () => {
    const statements = resourcePolicyStatements(templates);
    expect(statements.length).toBeGreaterThan(0);
    for (const { where, statement } of statements) {
      if (statement.Effect !== 'Allow' || !isWildcardPrincipal(statement.Principal)) continue;
      expect(Object.keys(statement.Condition ?? {}), `${where}: ${JSON.stringify(statement)}`).not.toEqual(
        [],
      );
    }
  });

  it('every queue, topic and bucket is encrypted', () => {
    const queues = resources(templates, 'AWS::SQS::Queue');
    const topics = resources(templates, 'AWS::SNS::Topic');
    const buckets = resources(templates, 'AWS::S3::Bucket');
    expect(queues.length).toBeGreaterThanOrEqual(4);
    expect(topics.length).toBeGreaterThanOrEqual(2);
    expect(buckets.length).toBeGreaterThanOrEqual(1);
    for (const { where, properties } of queues) {
      expect(properties['KmsMasterKeyId'] ?? properties['SqsManagedSseEnabled'], where).toBeTruthy();
      expect(properties['SqsManagedSseEnabled'], where).not.toBe(false);
    }
    for (const { where, properties } of topics) expect(properties['KmsMasterKeyId'], where).toBeTruthy();
    for (const { where, properties } of buckets) {
      const rules = (
        properties['BucketEncryption'] as { ServerSideEncryptionConfiguration?: unknown[] } | undefined
      )?.ServerSideEncryptionConfiguration;
      expect(rules?.length ?? 0, where).toBeGreaterThan(0);
      expect(properties['PublicAccessBlockConfiguration'], where).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
    }
  });

  it('every queue, topic and bucket refuses requests without TLS', () => {
    const stores = [
      ['AWS::SQS::Queue', 'AWS::SQS::QueuePolicy', 'Queues'],
      ['AWS::SNS::Topic', 'AWS::SNS::TopicPolicy', 'Topics'],
      ['AWS::S3::Bucket', 'AWS::S3::BucketPolicy', 'Bucket'],
    ] as const;
    for (const [storeType, policyType, targetField] of stores) {
      const policies = resources(templates, policyType);
      for (const { where } of resources(templates, storeType)) {
        const [stack, id] = where.split('/') as [string, string];
        const protecting = policies.filter(
          (p) => p.where.startsWith(`${stack}/`) && referencedIds(p.properties[targetField]).includes(id),
        );
        const statements = protecting.flatMap((p) =>
          asArray((p.properties['PolicyDocument'] as { Statement: Statement[] }).Statement),
        );
        expect(statements.some(isTlsDeny), `${where} has a TLS-only policy`).toBe(true);
      }
    }
  });
});

describe('the checks themselves catch what they look for', () => {
  const template = (resources: Template['Resources']) => new Map([['fake', { Resources: resources }]]);

  it('an Allow to "*" without a condition is found, with a condition it is not', () => {
    const open = { Effect: 'Allow', Principal: { AWS: '*' }, Action: 'sqs:SendMessage' };
    const found = resourcePolicyStatements(
      template({
        P: { Type: 'AWS::SQS::QueuePolicy', Properties: { PolicyDocument: { Statement: [open] } } },
      }),
    ).filter(
      ({ statement }) => isWildcardPrincipal(statement.Principal) && statement.Condition === undefined,
    );
    expect(found).toHaveLength(1);
    expect(isWildcardPrincipal({ AWS: ['arn:aws:iam::111111111111:root'] })).toBe(false);
    expect(isWildcardPrincipal('*')).toBe(true);
  });

  it('a TLS deny is recognised only with aws:SecureTransport false', () => {
    expect(isTlsDeny({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })).toBe(true);
    expect(isTlsDeny({ Effect: 'Allow', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })).toBe(
      false,
    );
    expect(isTlsDeny({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'true' } } })).toBe(false);
  });

  it('a policy protects the resources it references by Ref or GetAtt', () => {
    expect(referencedIds([{ Ref: 'Q1' }, { 'Fn::GetAtt': ['Q2', 'Arn'] }, 'literal'])).toEqual(['Q1', 'Q2']);
  });
});
