import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ALWAYS_PRESENT_OUTPUTS,
  AUDITOR_STACK_NAME,
  loadDefinition,
  STACK_OUTPUTS,
  substitute,
} from '@org-key-audit/statemachine/definition';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AuditorStack } from '../lib/auditor-stack';
import {
  AUDIT,
  asArray,
  DELEGATED_CONFIG,
  logicalId,
  resourcesFor,
  resourcesOfType,
  roleStatements,
  type SynthesizedApp,
  synthesizeApp,
} from './support';

// One synthesis for the whole file: it is slow, and every assertion reads the same stack.
let synthesized: SynthesizedApp;
let stack: AuditorStack;
let template: Record<string, unknown>;
let assertions: Template;

beforeAll(() => {
  synthesized = synthesizeApp(DELEGATED_CONFIG);
  stack = synthesized.stacks.auditor;
  template = synthesized.template(stack);
  assertions = Template.fromJSON(template);
}, 120_000);

const getAtt = (id: string, attr = 'Arn') => ({ 'Fn::GetAtt': [id, attr] });
const ref = (id: string) => ({ Ref: id });
const TLS_ONLY = Match.objectLike({
  Effect: 'Deny',
  Condition: { Bool: { 'aws:SecureTransport': 'false' } },
});

describe('cdk-nag', () => {
  it('reports no unacknowledged AwsSolutions error on any stack', () => {
    // synth() would have thrown on an error; the report proves nothing was left as a warning either.
    const report = JSON.parse(
      readFileSync(join(synthesized.assembly.directory, 'validation-report.json'), 'utf8'),
    );
    const nagViolations = (report.pluginReports as { pluginName: string; violations: unknown[] }[])
      .filter((r) => r.pluginName.includes('AwsSolutions'))
      .flatMap((r) => r.violations);
    expect(nagViolations).toEqual([]);
  });
});

describe('schedule', () => {
  it('starts the state machine with {} in the configured time zone, with retries and a DLQ', () => {
    assertions.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 6 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      State: 'ENABLED',
      Target: {
        Arn: ref(logicalId(stack.stateMachine)),
        Input: '{}',
        DeadLetterConfig: { Arn: getAtt(logicalId(stack.queues.SchedulerDlq)) },
        RetryPolicy: { MaximumRetryAttempts: Match.anyValue(), MaximumEventAgeInSeconds: Match.anyValue() },
      },
    });
  });

  it('lets the scheduler role write to its encrypted DLQ', () => {
    const schedule = Object.values(resourcesOfType(template, 'AWS::Scheduler::Schedule'))[0];
    const roleArn = (schedule!.Properties['Target'] as { RoleArn: { 'Fn::GetAtt': [string, string] } })
      .RoleArn;
    const statements = roleStatements(template, roleArn['Fn::GetAtt'][0]);
    expect(resourcesFor(statements, 'sqs:SendMessage')).toEqual([
      getAtt(logicalId(stack.queues.SchedulerDlq)),
    ]);
    expect(resourcesFor(statements, 'kms:GenerateDataKey')).toEqual([getAtt(logicalId(stack.key))]);
  });
});

describe('encryption and TLS', () => {
  it('encrypts every queue with the stack key, keeps messages 14 days, and denies non-TLS access', () => {
    const queues = resourcesOfType(template, 'AWS::SQS::Queue');
    expect(Object.keys(queues)).toHaveLength(4);
    const policies = Object.values(resourcesOfType(template, 'AWS::SQS::QueuePolicy'));
    for (const [id, queue] of Object.entries(queues)) {
      expect(queue.Properties['KmsMasterKeyId']).toEqual(getAtt(logicalId(stack.key)));
      expect(queue.Properties['MessageRetentionPeriod']).toBe(14 * 24 * 3600);
      const own = policies.filter((p) => JSON.stringify(p.Properties['Queues']).includes(`"${id}"`));
      const statements = own.flatMap(
        (p) => (p.Properties['PolicyDocument'] as { Statement: unknown[] }).Statement,
      );
      expect(statements, id).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    }
  });

  it('encrypts both topics with the stack key and denies non-TLS publishing', () => {
    const topics = resourcesOfType(template, 'AWS::SNS::Topic');
    expect(Object.keys(topics)).toHaveLength(2);
    for (const [id, topic] of Object.entries(topics)) {
      expect(topic.Properties['KmsMasterKeyId']).toEqual(getAtt(logicalId(stack.key)));
      assertions.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [ref(id)],
        PolicyDocument: { Statement: Match.arrayWith([TLS_ONLY]) },
      });
    }
  });

  it('keeps the report bucket KMS-encrypted, TLS-only, private, versioned, logged and expiring', () => {
    const bucket = logicalId(stack.reportBucket);
    assertions.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: getAtt(logicalId(stack.key)),
            },
          },
        ],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: Match.objectLike({ DestinationBucketName: Match.anyValue() }),
      LifecycleConfiguration: { Rules: Match.arrayWith([Match.objectLike({ ExpirationInDays: 180 })]) },
    });
    assertions.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: ref(bucket),
      PolicyDocument: { Statement: Match.arrayWith([TLS_ONLY]) },
    });
  });

  it('subscribes the configured addresses by email', () => {
    const emails = Object.values(resourcesOfType(template, 'AWS::SNS::Subscription')).map((s) => [
      s.Properties['Endpoint'],
      s.Properties['TopicArn'],
    ]);
    expect(emails).toEqual(
      expect.arrayContaining([
        ['secops@example.com', ref(logicalId(stack.digestTopic))],
        ['ciso@example.com', ref(logicalId(stack.digestTopic))],
        ['oncall@example.com', ref(logicalId(stack.alarmTopic))],
      ]),
    );
    expect(emails).toHaveLength(3);
  });

  it('sends the security team the full digest only, never an owner’s copy (no `owner` attribute)', () => {
    const filters = Object.values(resourcesOfType(template, 'AWS::SNS::Subscription')).map((s) => [
      s.Properties['Endpoint'],
      s.Properties['FilterPolicy'] === undefined ? null : JSON.stringify(s.Properties['FilterPolicy']),
    ]);
    expect(Object.fromEntries(filters)).toEqual({
      'secops@example.com': '{"owner":[{"exists":false}]}',
      'ciso@example.com': '{"owner":[{"exists":false}]}',
      // The alarm topic is not filtered.
      'oncall@example.com': null,
    });
  });
});

describe('alarms and failed executions', () => {
  it('alarms on visible messages in every DLQ, to the alarm topic', () => {
    for (const queue of Object.values(stack.queues)) {
      assertions.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: getAtt(logicalId(queue), 'QueueName') }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [ref(logicalId(stack.alarmTopic))],
      });
    }
  });

  it('alarms on failed executions', () => {
    assertions.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Dimensions: [{ Name: 'StateMachineArn', Value: ref(logicalId(stack.stateMachine)) }],
      AlarmActions: [ref(logicalId(stack.alarmTopic))],
    });
  });

  it('sends FAILED, TIMED_OUT and ABORTED executions to the execution-failures DLQ', () => {
    assertions.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: {
          status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
          stateMachineArn: [ref(logicalId(stack.stateMachine))],
        },
      },
      Targets: [
        Match.objectLike({
          Arn: getAtt(logicalId(stack.queues.ExecutionFailuresDlq)),
          InputTransformer: Match.objectLike({
            InputTemplate: Match.stringLikeRegexp('"kind":"execution-failure"'),
          }),
        }),
      ],
    });
  });
});

/** Stand-in strings for CloudFormation expressions, so a substituted definition can be compared. */
function standIn(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string]; 'Fn::Join'?: [string, unknown[]] };
  if (v.Ref) return `ref:${v.Ref}`;
  if (v['Fn::GetAtt']) return `att:${v['Fn::GetAtt'].join('.')}`;
  if (v['Fn::Join']) return v['Fn::Join'][1].map(standIn).join(v['Fn::Join'][0]);
  throw new Error(`unexpected substitution ${JSON.stringify(value)}`);
}

type Json = Record<string, unknown>;

function allStates(states: Record<string, Json>): [string, Json][] {
  return Object.entries(states).flatMap(([name, state]) => {
    const processor = (state['ItemProcessor'] ?? state['Iterator']) as
      | { States: Record<string, Json> }
      | undefined;
    return [[name, state] as [string, Json], ...(processor ? allStates(processor.States) : [])];
  });
}

describe('state machine', () => {
  let deployedProps: Json;
  let deployed: { States: Record<string, Json> };

  beforeAll(() => {
    const [resource] = Object.values(resourcesOfType(template, 'AWS::StepFunctions::StateMachine'));
    deployedProps = resource!.Properties;
    const subs = deployedProps['DefinitionSubstitutions'] as Record<string, unknown>;
    const values = Object.fromEntries(Object.entries(subs).map(([k, v]) => [k, standIn(v)]));
    deployed = substitute(JSON.parse(deployedProps['DefinitionString'] as string), values);
  });

  it('deploys the ASL file with each placeholder bound to the right resource', () => {
    const f = stack.functions.functions;
    // Built from the stack's own constructs, not from the template's substitution map.
    const expected = substitute(loadDefinition(), {
      ValidateInputFunctionArn: `att:${logicalId(f['validate-input'])}.Arn`,
      ListAccountsFunctionArn: `att:${logicalId(f['list-accounts'])}.Arn`,
      AuditAccountFunctionArn: `att:${logicalId(f['audit-account'])}.Arn`,
      BuildDigestFunctionArn: `att:${logicalId(f['build-digest'])}.Arn`,
      ImportFindingsFunctionArn: `att:${logicalId(f['import-findings'])}.Arn`,
      PublishDigestFunctionArn: `att:${logicalId(f['publish-digest'])}.Arn`,
      AccountFailuresQueueUrl: `ref:${logicalId(stack.queues.AccountFailuresDlq)}`,
      DigestFailuresQueueUrl: `ref:${logicalId(stack.queues.DigestFailuresDlq)}`,
      ReportBucket: `ref:${logicalId(stack.reportBucket)}`,
      ChildExecutionType: 'STANDARD',
      // The name RemediateKeys would have: remediation is off here, and nothing is granted on it.
      RemediationStateMachineArn:
        'arn:ref:AWS::Partition:states:eu-west-1:222222222222:stateMachine:OrgKeyAuditRemediateKeys',
    });
    expect(deployed).toEqual(expected);
  });

  it('logs everything and traces with X-Ray', () => {
    expect(deployedProps['TracingConfiguration']).toEqual({ Enabled: true });
    expect(deployedProps['LoggingConfiguration']).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
    expect(deployedProps['StateMachineType']).toBe('STANDARD');
  });

  it('routes every Catch to an SQS send into a queue of this stack, or to a Fail the EventBridge rule catches (a remediation start after the digest: to the end)', () => {
    const states = allStates(deployed.States);
    const byName = new Map(states);
    const queueRefs = Object.keys(resourcesOfType(template, 'AWS::SQS::Queue')).map((id) => `ref:${id}`);
    const catchers = states.flatMap(([, s]) =>
      ((s['Catch'] as { Next: string }[] | undefined) ?? []).map((c) => ({ ...c, from: s })),
    );
    expect(catchers.length).toBeGreaterThanOrEqual(4);
    // Once the digest is out, a deactivation request that cannot be started (or is started
    // already) must not fail the audit: those Catches end the run as it is.
    const afterTheDigest = new Set(['StartDeactivationRequest', 'SendRemediationStartFailure']);
    for (const { Next, from } of catchers) {
      const target = byName.get(Next);
      expect(target, Next).toBeDefined();
      if (target?.['Type'] === 'Fail') continue;
      const fromName = states.find(([, s]) => s === from)?.[0] ?? '';
      if (target?.['Type'] === 'Succeed' && afterTheDigest.has(fromName)) continue;
      // The import's DLQ send failing must not cost the digest: a Pass records it, and the run goes on.
      if (target?.['Type'] === 'Pass' && from['Resource'] === 'arn:aws:states:::sqs:sendMessage') continue;
      expect(target?.['Resource'], Next).toBe('arn:aws:states:::sqs:sendMessage');
      expect(queueRefs, Next).toContain((target!['Parameters'] as Json)['QueueUrl']);
    }
  });

  it('lets its role invoke exactly the six functions and send to exactly the Catch DLQs', () => {
    const statements = roleStatements(template, logicalId(stack.stateMachineRole));
    const functionArns = Object.keys(resourcesOfType(template, 'AWS::Lambda::Function')).map((id) =>
      getAtt(id),
    );
    expect(functionArns).toHaveLength(6);
    const invokable = resourcesFor(statements, 'lambda:InvokeFunction');
    expect(invokable).toHaveLength(6);
    expect(invokable).toEqual(expect.arrayContaining(functionArns));

    const sentTo = allStates(deployed.States)
      .filter(([, s]) => s['Resource'] === 'arn:aws:states:::sqs:sendMessage')
      .map(([, s]) => String((s['Parameters'] as Json)['QueueUrl']).replace('ref:', ''));
    const expectedQueues = [...new Set(sentTo)].map((id) => getAtt(id));
    expect(expectedQueues).toEqual(
      expect.arrayContaining([
        getAtt(logicalId(stack.queues.AccountFailuresDlq)),
        getAtt(logicalId(stack.queues.DigestFailuresDlq)),
      ]),
    );
    const sendable = resourcesFor(statements, 'sqs:SendMessage');
    expect(sendable).toHaveLength(expectedQueues.length);
    expect(sendable).toEqual(expect.arrayContaining(expectedQueues));

    for (const s of statements) {
      for (const action of asArray(s.Action))
        expect(action, 'no service-wide wildcard').not.toMatch(/:\*$|^\*$/);
    }
  });

  it('lets its role run the Distributed Map: start its own children, read items, write results', () => {
    const statements = roleStatements(template, logicalId(stack.stateMachineRole));
    const region = 'eu-west-1';
    expect(resourcesFor(statements, 'states:StartExecution')).toEqual([
      {
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, `:states:${region}:${AUDIT}:stateMachine:AuditOrganization`],
        ],
      },
    ]);
    for (const action of ['states:DescribeExecution', 'states:StopExecution']) {
      expect(resourcesFor(statements, action)).toEqual([
        {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, `:states:${region}:${AUDIT}:execution:AuditOrganization/*`],
          ],
        },
      ]);
    }
    const bucketArn = getAtt(logicalId(stack.reportBucket));
    // The ItemReader reads runs/; the ResultWriter reads back what it wrote under map/.
    expect(resourcesFor(statements, 's3:GetObject')).toEqual([
      { 'Fn::Join': ['', [bucketArn, '/runs/*']] },
      { 'Fn::Join': ['', [bucketArn, '/map/*']] },
    ]);
    expect(resourcesFor(statements, 's3:PutObject')).toEqual([{ 'Fn::Join': ['', [bucketArn, '/map/*']] }]);
  });
});

describe('functions', () => {
  it('run Node.js 22 on arm64 with X-Ray and the contract environment', () => {
    const functions = resourcesOfType(template, 'AWS::Lambda::Function');
    for (const fn of Object.values(functions)) {
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Environment: {
          Variables: expect.objectContaining({
            REPORT_BUCKET: ref(logicalId(stack.reportBucket)),
            AUDIT_ROLE_NAME: 'OrgKeyAuditRole',
            DIGEST_TOPIC_ARN: ref(logicalId(stack.digestTopic)),
            ORG_READER_ROLE_ARN: `arn:aws:iam::111111111111:role/OrgKeyAuditOrgReader`,
            MAP_MAX_CONCURRENCY: '25',
            POWERTOOLS_SERVICE_NAME: 'org-key-audit',
          }),
        },
      });
      const env = (fn.Properties['Environment'] as { Variables: Record<string, string> }).Variables;
      expect(JSON.parse(env['THRESHOLDS_JSON'] ?? '')).toMatchObject({
        rotationOverdueDays: 90,
        unusedDays: 45,
      });
    }
  });

  it('lets only audit-account assume the member role, and list-accounts only the org reader', () => {
    const roles = stack.functions.roles;
    const assumable = (name: keyof typeof roles) =>
      resourcesFor(roleStatements(template, logicalId(roles[name])), 'sts:AssumeRole');
    expect(assumable('audit-account')).toEqual([
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/OrgKeyAuditRole']] },
    ]);
    expect(assumable('list-accounts')).toEqual(['arn:aws:iam::111111111111:role/OrgKeyAuditOrgReader']);
    for (const name of ['validate-input', 'build-digest', 'import-findings', 'publish-digest'] as const)
      expect(assumable(name)).toEqual([]);
    expect(
      resourcesFor(roleStatements(template, logicalId(roles['list-accounts'])), 'organizations:ListAccounts'),
    ).toEqual([]);
    expect(resourcesFor(roleStatements(template, logicalId(roles['publish-digest'])), 'sns:Publish')).toEqual(
      [ref(logicalId(stack.digestTopic))],
    );
  });

  it('are named so member accounts can trust the audit-account role before it is deployed', () => {
    assertions.hasResourceProperties('AWS::IAM::Role', { RoleName: 'org-key-audit-audit-account' });
    assertions.hasResourceProperties('AWS::IAM::Role', { RoleName: 'org-key-audit-list-accounts' });
  });
});

describe('member roles, as the app deploys them', () => {
  it('trust one audit-account role each, and only from inside the configured organization', () => {
    type Trust = { Statement: unknown[] };
    const trusts = (t: Record<string, unknown>) =>
      Object.fromEntries(
        Object.values(resourcesOfType(t, 'AWS::IAM::Role')).map((r) => [
          r.Properties['RoleName'],
          (r.Properties['AssumeRolePolicyDocument'] as Trust).Statement,
        ]),
      );
    // Exactly the configured organization id, not any aws:PrincipalOrgID value.
    const onlyFrom = (principal: string) => [
      {
        Effect: 'Allow',
        Action: 'sts:AssumeRole',
        Principal: { AWS: principal },
        Condition: { StringEquals: { 'aws:PrincipalOrgID': DELEGATED_CONFIG.organizationId } },
      },
    ];
    const auditor = `arn:aws:iam::${AUDIT}:role/org-key-audit-audit-account`;
    const lister = `arn:aws:iam::${AUDIT}:role/org-key-audit-list-accounts`;
    // The management account's own stack: StackSets never deploy there.
    expect(trusts(synthesized.template(synthesized.stacks.managementRole))).toEqual({
      OrgKeyAuditRole: onlyFrom(auditor),
      OrgKeyAuditOrgReader: onlyFrom(lister),
    });
    // And the template the StackSet deploys to every member account.
    const stackSets = Object.values(
      resourcesOfType(synthesized.template(synthesized.stacks.rollout), 'AWS::CloudFormation::StackSet'),
    );
    expect(stackSets).toHaveLength(1);
    const body = JSON.parse(String(stackSets[0]?.Properties['TemplateBody'])) as Record<string, unknown>;
    expect(trusts(body)).toEqual({ OrgKeyAuditRole: onlyFrom(auditor) });
  });
});

describe('stack outputs', () => {
  it('has exactly the shared output names (STACK_OUTPUTS, which keyaudit reads by), the opt-in ones aside', () => {
    const outputs = (template['Outputs'] ?? {}) as Record<string, unknown>;
    // DELEGATED_CONFIG has neither chat nor remediation (integrations.test.ts, remediation.test.ts).
    expect(Object.keys(outputs).sort()).toEqual([...ALWAYS_PRESENT_OUTPUTS].sort());
    const shared = new Set<string>(Object.values(STACK_OUTPUTS));
    expect(ALWAYS_PRESENT_OUTPUTS.every((name) => shared.has(name))).toBe(true);
    expect([...shared].filter((name) => !ALWAYS_PRESENT_OUTPUTS.includes(name as never)).sort()).toEqual(
      ['ChatTopicArn', 'RemediationFailuresQueueUrl', 'RemediationStateMachineArn'].sort(),
    );
  });

  it('is the stack keyaudit looks for by default (AUDITOR_STACK_NAME)', () => {
    expect(stack.stackName).toBe(AUDITOR_STACK_NAME);
  });

  it('points each output at its resource', () => {
    const outputs = (template['Outputs'] ?? {}) as Record<string, { Value: unknown }>;
    const queueOutputs = [
      STACK_OUTPUTS.accountFailuresQueue,
      STACK_OUTPUTS.digestFailuresQueue,
      STACK_OUTPUTS.executionFailuresQueue,
      STACK_OUTPUTS.schedulerDlq,
    ];
    for (const name of queueOutputs) {
      const value = outputs[name]?.Value as { Ref: string };
      expect(resourcesOfType(template, 'AWS::SQS::Queue')).toHaveProperty(value.Ref);
    }
    expect(outputs[STACK_OUTPUTS.stateMachineArn]?.Value).toEqual(ref(logicalId(stack.stateMachine)));
    expect(outputs[STACK_OUTPUTS.reportBucket]?.Value).toEqual(ref(logicalId(stack.reportBucket)));
    expect(outputs[STACK_OUTPUTS.digestTopic]?.Value).toEqual(ref(logicalId(stack.digestTopic)));
  });
});
