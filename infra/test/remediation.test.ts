/**
 * Approval-gated deactivation's infrastructure (docs/remediation.md): the `remediation` config
 * section with its defaults and errors; with it off (the default) not one new resource, output,
 * StackSet or permission; with it on exactly the RemediateKeys state machine, its three Lambdas
 * (CheckKey as the audit-account role), RemediationFailuresDlq with its alarm, the two outputs,
 * BuildDigest's remediation/ grants, the audit's StartExecution, and the remediation role (two
 * actions, trusting only RemediateKey inside the organization) in a second StackSet and in the
 * management account's stack, while the read-only audit role stays exactly as it was. Expected
 * values are written out here, from the spec.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidInputError } from '@org-key-audit/functions/core';
import {
  ALWAYS_PRESENT_OUTPUTS,
  loadDefinition,
  REMEDIATION_DEFINITION_PATH,
  REMEDIATION_PLACEHOLDERS,
  substitute,
} from '@org-key-audit/statemachine/definition';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConfigInput, parseConfig, remediationEnvironment } from '../lib/config';
import {
  asArray,
  DELEGATED_CONFIG,
  logicalId,
  ORG_ID,
  type Resources,
  resourcesFor,
  resourcesOfType,
  roleStatements,
  type Statement,
  type SynthesizedApp,
  stubHandlersDir,
  synthesizeApp,
} from './support';

type Json = Record<string, unknown>;

const ENABLED: ConfigInput = { ...DELEGATED_CONFIG, remediation: { enabled: true } };
const PARTITION = { Ref: 'AWS::Partition' };
const ref = (id: string) => ({ Ref: id });
const getAtt = (id: string) => ({ 'Fn::GetAtt': [id, 'Arn'] });
const objects = (bucketId: string, suffix: string) => ({ 'Fn::Join': ['', [getAtt(bucketId), suffix]] });
const REMEDIATE_KEY_ROLE = 'arn:aws:iam::222222222222:role/org-key-audit-remediate-key';
const TRUSTS_ONLY_REMEDIATE_KEY = [
  {
    Effect: 'Allow',
    Action: 'sts:AssumeRole',
    Principal: { AWS: REMEDIATE_KEY_ROLE },
    Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG_ID } },
  },
];
const DEFAULT_REMEDIATION_JSON =
  '{"enabled":true,"criteria":{"rotationOverdueDays":365,"unusedDays":180,"neverUsedDays":30},"noticeDays":7,"approvalTimeoutSeconds":604800,"maxKeysPerRequest":200}';

function errorOf(raw: unknown): string {
  try {
    parseConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

const withRemediation = (remediation: Json, more: Json = {}) => ({
  ...DELEGATED_CONFIG,
  ...more,
  remediation,
});

describe('remediation in the config', () => {
  it('is off by default, with the documented defaults', () => {
    expect(parseConfig(DELEGATED_CONFIG).remediation).toEqual({
      enabled: false,
      roleName: 'org-key-audit-remediation',
      criteria: { rotationOverdueDays: 365, unusedDays: 180, neverUsedDays: 30 },
      noticeDays: 7,
      approvalTimeoutDays: 7,
      maxKeysPerRequest: 200,
    });
  });

  it('takes each criterion on its own, null turning one off, and the rest of the section', () => {
    const config = parseConfig(
      withRemediation({
        enabled: true,
        roleName: 'KeyDeactivator',
        criteria: { unusedDays: null, neverUsedDays: 60 },
        noticeDays: 0,
        approvalTimeoutDays: 365,
        maxKeysPerRequest: 1000,
      }),
    );
    expect(config.remediation).toEqual({
      enabled: true,
      roleName: 'KeyDeactivator',
      criteria: { rotationOverdueDays: 365, unusedDays: null, neverUsedDays: 60 },
      noticeDays: 0,
      approvalTimeoutDays: 365,
      maxKeysPerRequest: 1000,
    });
    expect(JSON.parse(remediationEnvironment(config))).toEqual({
      enabled: true,
      criteria: { rotationOverdueDays: 365, unusedDays: null, neverUsedDays: 60 },
      noticeDays: 0,
      approvalTimeoutSeconds: 31_536_000,
      maxKeysPerRequest: 1000,
    });
  });

  it('gives the Lambdas the functions’ settings, the approval timeout in seconds', () => {
    expect(remediationEnvironment(parseConfig(ENABLED))).toBe(DEFAULT_REMEDIATION_JSON);
  });

  it('refuses a criterion on a day no finding of its type exists yet, naming the threshold and the fix', () => {
    // Thresholds (functions/src/core/policy.ts): ROTATION_OVERDUE from an age of 90, UNUSED from
    // 45 days unused, NEVER_USED once older than the 7-day grace, i.e. from day 8.
    const message = errorOf(
      withRemediation({
        enabled: true,
        criteria: { rotationOverdueDays: 60, unusedDays: 30, neverUsedDays: 7 },
      }),
    );
    expect(message).toContain(
      'remediation.criteria.rotationOverdueDays is 60, but a key is ROTATION_OVERDUE only from an age of thresholds.rotationOverdueDays (90 days), so no key could be proposed at 60: set it to at least 90, or null to turn this criterion off',
    );
    expect(message).toContain(
      'remediation.criteria.unusedDays is 30, but a key is UNUSED only once it has not been used for thresholds.unusedDays (45 days), so no key could be proposed at 30: set it to at least 45, or null to turn this criterion off',
    );
    expect(message).toContain(
      'remediation.criteria.neverUsedDays is 7, but a key never used is NEVER_USED only once it is older than thresholds.neverUsedGraceDays (7 days), that is from an age of 8, so no key could be proposed at 7: set it to at least 8, or null to turn this criterion off',
    );
    expect(() =>
      parseConfig(
        withRemediation({
          enabled: true,
          criteria: { rotationOverdueDays: 90, unusedDays: 45, neverUsedDays: 8 },
        }),
      ),
    ).not.toThrow();
  });

  it('checks the criteria against the configured thresholds, and only when enabled', () => {
    const high = {
      thresholds: { rotationDueSoonDays: 390, rotationOverdueDays: 400, rotationCriticalDays: 500 },
    };
    expect(errorOf(withRemediation({ enabled: true }, high))).toContain(
      'set it to at least 400, or null to turn this criterion off',
    );
    expect(() =>
      parseConfig(withRemediation({ enabled: true, criteria: { rotationOverdueDays: null } }, high)),
    ).not.toThrow();
    expect(parseConfig(withRemediation({ enabled: false }, high)).remediation.enabled).toBe(false);
  });

  it('refuses bad values, naming the field and the fix', () => {
    expect(errorOf(withRemediation({ enabled: true, approvalTimeoutDays: 0 }))).toContain(
      'remediation.approvalTimeoutDays must be 1 to 365 days',
    );
    expect(errorOf(withRemediation({ enabled: true, approvalTimeoutDays: 366 }))).toContain(
      'remediation.approvalTimeoutDays must be 1 to 365 days',
    );
    expect(errorOf(withRemediation({ noticeDays: -1 }))).toContain(
      'remediation.noticeDays must be 0 to 365 days',
    );
    expect(errorOf(withRemediation({ maxKeysPerRequest: 1001 }))).toContain(
      'remediation.maxKeysPerRequest must be 1 to 1000 keys',
    );
    expect(errorOf(withRemediation({ criteria: { unusedDays: 0 } }))).toContain(
      'remediation.criteria.unusedDays must be a whole number of days from 1 to 100000, or null to turn this criterion off',
    );
    expect(errorOf(withRemediation({ enable: true }))).toMatch(
      /remediation has unknown field\(s\) enable; remove them or fix the spelling \(write it as \{"enabled": true, .*see docs\/remediation\.md\)/,
    );
    expect(errorOf(withRemediation({ roleName: 'has space' }))).toContain(
      'remediation.roleName must be an IAM role name',
    );
  });

  it('refuses a role name another role of the deployment has', () => {
    expect(errorOf(withRemediation({ enabled: true, roleName: 'OrgKeyAuditRole' }))).toContain(
      'remediation.roleName OrgKeyAuditRole is also auditRoleName (the read-only audit role)',
    );
    expect(errorOf(withRemediation({ enabled: true, roleName: 'org-key-audit-remediate-key' }))).toContain(
      "remediation.roleName org-key-audit-remediate-key is the name of one of the auditor's Lambda roles",
    );
  });
});

interface Synthesized {
  readonly app: SynthesizedApp;
  readonly auditor: Json;
  readonly management: Json;
  readonly rollout: Json;
}

function synthesize(raw: ConfigInput, handlersDir: string): Synthesized {
  const app = synthesizeApp(raw, { handlersDir });
  return {
    app,
    auditor: app.template(app.stacks.auditor),
    management: app.template(app.stacks.managementRole),
    rollout: app.template(app.stacks.rollout),
  };
}

const functionsOf = (template: Json) =>
  Object.entries(resourcesOfType(template, 'AWS::Lambda::Function')).map(([id, f]) => ({
    id,
    name: f.Properties['FunctionName'] as string,
    props: f.Properties,
  }));
const fnNamed = (template: Json, name: string) => {
  const found = functionsOf(template).find((f) => f.name === `org-key-audit-${name}`);
  if (found === undefined) throw new Error(`no function org-key-audit-${name}`);
  return found;
};
const envOf = (template: Json, name: string) =>
  (fnNamed(template, name).props['Environment'] as { Variables: Json }).Variables;
const roleIdNamed = (template: Json, name: string) => {
  const found = Object.entries(resourcesOfType(template, 'AWS::IAM::Role')).find(
    ([, r]) => r.Properties['RoleName'] === name,
  );
  if (found === undefined) throw new Error(`no role ${name}`);
  return found[0];
};
const roleNames = (template: Json) =>
  Object.values(resourcesOfType(template, 'AWS::IAM::Role')).map((r) => r.Properties['RoleName']);
const stateMachines = (template: Json) => resourcesOfType(template, 'AWS::StepFunctions::StateMachine');
const stackSets = (template: Json) =>
  Object.values(resourcesOfType(template, 'AWS::CloudFormation::StackSet'));
const actionsOf = (statements: readonly Statement[]) => statements.flatMap((s) => asArray(s.Action)).sort();
const nagViolations = (app: SynthesizedApp) =>
  (
    JSON.parse(readFileSync(join(app.assembly.directory, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; violations: unknown[] }[];
    }
  ).pluginReports
    .filter((r) => r.pluginName.includes('AwsSolutions'))
    .flatMap((r) => r.violations);

let handlersDir: string;
let off: Synthesized;
let on: Synthesized;

beforeAll(() => {
  handlersDir = stubHandlersDir();
  off = synthesize(DELEGATED_CONFIG, handlersDir);
  on = synthesize(ENABLED, handlersDir);
}, 240_000);

afterAll(() => {
  if (handlersDir !== undefined) rmSync(handlersDir, { recursive: true, force: true });
});

describe('with remediation off (the default)', () => {
  it('adds no function, role, queue, state machine, output or StackSet', () => {
    expect(functionsOf(off.auditor).map((f) => f.name)).toEqual([
      'org-key-audit-validate-input',
      'org-key-audit-list-accounts',
      'org-key-audit-audit-account',
      'org-key-audit-build-digest',
      'org-key-audit-import-findings',
      'org-key-audit-publish-digest',
    ]);
    expect(Object.keys(resourcesOfType(off.auditor, 'AWS::SQS::Queue'))).toHaveLength(4);
    expect(Object.values(stateMachines(off.auditor)).map((m) => m.Properties['StateMachineName'])).toEqual([
      'AuditOrganization',
    ]);
    expect(Object.keys(off.auditor['Outputs'] as Json).sort()).toEqual([...ALWAYS_PRESENT_OUTPUTS].sort());
    expect(stackSets(off.rollout).map((s) => s.Properties['StackSetName'])).toEqual([
      'org-key-audit-member-role',
    ]);
    expect(roleNames(off.management).sort()).toEqual(['OrgKeyAuditOrgReader', 'OrgKeyAuditRole']);
    for (const name of ['org-key-audit-record-remediation', 'org-key-audit-remediate-key']) {
      expect(roleNames(off.auditor)).not.toContain(name);
    }
    expect(Object.keys(resourcesOfType(off.auditor, 'AWS::CloudWatch::Alarm'))).toHaveLength(5);
  });

  it('grants nothing of it: no policy, environment or rule mentions remediation', () => {
    for (const template of [off.auditor, off.management, off.rollout]) {
      const resources = template['Resources'] as Resources;
      for (const [id, resource] of Object.entries(resources)) {
        // The audit's ASL holds the (unused) StartDeactivationRequest Task and its substitution.
        if (resource.Type === 'AWS::StepFunctions::StateMachine') continue;
        expect(JSON.stringify(resource), id).not.toMatch(/remediat/i);
      }
    }
  });

  it('still names RemediateKeys in the audit definition, by the ARN it would have', () => {
    const [machine] = Object.values(stateMachines(off.auditor));
    expect((machine!.Properties['DefinitionSubstitutions'] as Json)['RemediationStateMachineArn']).toEqual({
      'Fn::Join': [
        '',
        ['arn:', PARTITION, ':states:eu-west-1:222222222222:stateMachine:OrgKeyAuditRemediateKeys'],
      ],
    });
  });
});

describe('with remediation on', () => {
  it('keeps cdk-nag clean', () => {
    expect(nagViolations(on.app)).toEqual([]);
  });

  it('adds the three functions, Node.js 22 on arm64 with X-Ray, each with its own encrypted log group', () => {
    const names = functionsOf(on.auditor).map((f) => f.name);
    expect(names).toHaveLength(9);
    expect(names.slice(6)).toEqual([
      'org-key-audit-record-remediation',
      'org-key-audit-check-key',
      'org-key-audit-remediate-key',
    ]);
    const keyId = logicalId(on.app.stacks.auditor.key);
    const logGroups = Object.values(resourcesOfType(on.auditor, 'AWS::Logs::LogGroup'));
    for (const name of ['record-remediation', 'check-key', 'remediate-key']) {
      const { props } = fnNamed(on.auditor, name);
      expect(props, name).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Timeout: 60,
        MemorySize: 256,
      });
      const group = logGroups.find(
        (g) => g.Properties['LogGroupName'] === `/aws/lambda/org-key-audit-${name}`,
      );
      expect(group?.Properties['KmsKeyId'], name).toEqual(getAtt(keyId));
    }
  });

  it('runs CheckKey as the audit-account role, the one the member audit roles trust; the other two have their own', () => {
    const auditAccountRole = roleIdNamed(on.auditor, 'org-key-audit-audit-account');
    expect(fnNamed(on.auditor, 'check-key').props['Role']).toEqual(getAtt(auditAccountRole));
    expect(fnNamed(on.auditor, 'record-remediation').props['Role']).toEqual(
      getAtt(roleIdNamed(on.auditor, 'org-key-audit-record-remediation')),
    );
    expect(fnNamed(on.auditor, 'remediate-key').props['Role']).toEqual(
      getAtt(roleIdNamed(on.auditor, 'org-key-audit-remediate-key')),
    );
    expect(roleNames(on.auditor)).not.toContain('org-key-audit-check-key');
  });

  it('gives each function the environment it reads, and BuildDigest REMEDIATION_JSON', () => {
    const bucket = ref(logicalId(on.app.stacks.auditor.reportBucket));
    const topic = ref(logicalId(on.app.stacks.auditor.digestTopic));
    const common = { POWERTOOLS_SERVICE_NAME: 'org-key-audit', NODE_OPTIONS: '--enable-source-maps' };
    expect(envOf(on.auditor, 'record-remediation')).toEqual({
      REPORT_BUCKET: bucket,
      DIGEST_TOPIC_ARN: topic,
      REMEDIATION_JSON: DEFAULT_REMEDIATION_JSON,
      ...common,
    });
    expect(envOf(on.auditor, 'check-key')).toEqual({
      AUDIT_ROLE_NAME: 'OrgKeyAuditRole',
      THRESHOLDS_JSON: envOf(on.auditor, 'audit-account')['THRESHOLDS_JSON'],
      EXEMPTIONS_JSON: '[]',
      REMEDIATION_JSON: DEFAULT_REMEDIATION_JSON,
      ...common,
    });
    expect(envOf(on.auditor, 'remediate-key')).toEqual({
      REMEDIATION_ROLE_NAME: 'org-key-audit-remediation',
      ...common,
    });
    expect(envOf(on.auditor, 'build-digest')['REMEDIATION_JSON']).toBe(DEFAULT_REMEDIATION_JSON);
    for (const name of [
      'validate-input',
      'list-accounts',
      'audit-account',
      'import-findings',
      'publish-digest',
    ]) {
      expect(envOf(on.auditor, name), name).not.toHaveProperty('REMEDIATION_JSON');
    }
  });

  it('lets RecordRemediation keep remediation/ records, list the bucket and publish to the digest topic, nothing else', () => {
    const stack = on.app.stacks.auditor;
    const statements = roleStatements(
      on.auditor,
      roleIdNamed(on.auditor, 'org-key-audit-record-remediation'),
    );
    expect(actionsOf(statements)).toEqual(
      [
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
        's3:GetObject',
        's3:PutObject',
        's3:ListBucket',
        'sns:Publish',
        'kms:Decrypt',
        'kms:GenerateDataKey',
      ].sort(),
    );
    const bucketId = logicalId(stack.reportBucket);
    expect(resourcesFor(statements, 's3:GetObject')).toEqual([objects(bucketId, '/remediation/*')]);
    expect(resourcesFor(statements, 's3:PutObject')).toEqual([objects(bucketId, '/remediation/*')]);
    // Listing the reactivations, and 404 for an outcome not written yet (docs/aws-behaviour.md).
    expect(resourcesFor(statements, 's3:ListBucket')).toEqual([getAtt(bucketId)]);
    expect(statements.find((st) => asArray(st.Action).includes('s3:ListBucket'))?.Condition).toBeUndefined();
    expect(resourcesFor(statements, 'sns:Publish')).toEqual([ref(logicalId(stack.digestTopic))]);
    expect(resourcesFor(statements, 'kms:Decrypt')).toEqual([getAtt(logicalId(stack.key))]);
  });

  it('lets RemediateKey assume the remediation role and nothing else (besides its logs and traces)', () => {
    const statements = roleStatements(on.auditor, roleIdNamed(on.auditor, 'org-key-audit-remediate-key'));
    expect(actionsOf(statements)).toEqual(
      [
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'sts:AssumeRole',
        'xray:PutTraceSegments',
        'xray:PutTelemetryRecords',
      ].sort(),
    );
    expect(resourcesFor(statements, 'sts:AssumeRole')).toEqual([
      { 'Fn::Join': ['', ['arn:', PARTITION, ':iam::*:role/org-key-audit-remediation']] },
    ]);
  });

  it('adds to the audit-account role only CheckKey’s logs: CheckKey reads through the audit role it has', () => {
    const id = roleIdNamed(on.auditor, 'org-key-audit-audit-account');
    const before = roleStatements(off.auditor, id);
    const after = roleStatements(on.auditor, id);
    expect(after.slice(0, before.length)).toEqual(before);
    const added = after.slice(before.length);
    expect(actionsOf(added)).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    const checkKeyLogs = Object.entries(resourcesOfType(on.auditor, 'AWS::Logs::LogGroup')).find(
      ([, g]) => g.Properties['LogGroupName'] === '/aws/lambda/org-key-audit-check-key',
    )?.[0];
    expect(resourcesFor(added, 'logs:PutLogEvents')).toEqual([
      getAtt(checkKeyLogs ?? ''),
      { 'Fn::Join': ['', [getAtt(checkKeyLogs ?? ''), ':log-stream:*']] },
    ]);
  });

  it('adds to BuildDigest requests and markers under remediation/, and deleting markers only', () => {
    const id = roleIdNamed(on.auditor, 'org-key-audit-build-digest');
    const before = roleStatements(off.auditor, id);
    const after = roleStatements(on.auditor, id);
    expect(after.slice(0, before.length)).toEqual(before);
    const bucketId = logicalId(on.app.stacks.auditor.reportBucket);
    expect(after.slice(before.length).map(({ Action, Resource }) => ({ Action, Resource }))).toEqual([
      { Action: ['s3:GetObject', 's3:PutObject'], Resource: objects(bucketId, '/remediation/*') },
      { Action: 's3:DeleteObject', Resource: objects(bucketId, '/remediation/open/*') },
    ]);
  });

  it('lets the audit start RemediateKeys, only it besides its own children', () => {
    const statements = roleStatements(on.auditor, logicalId(on.app.stacks.auditor.stateMachineRole));
    expect(resourcesFor(statements, 'states:StartExecution')).toEqual([
      {
        'Fn::Join': [
          '',
          ['arn:', PARTITION, ':states:eu-west-1:222222222222:stateMachine:AuditOrganization'],
        ],
      },
      {
        'Fn::Join': [
          '',
          ['arn:', PARTITION, ':states:eu-west-1:222222222222:stateMachine:OrgKeyAuditRemediateKeys'],
        ],
      },
    ]);
  });

  it('deploys RemediateKeys: Standard, the ASL file with every placeholder bound, logged without execution data, traced', () => {
    const stack = on.app.stacks.auditor;
    const remediation = stack.remediation!;
    const machines = stateMachines(on.auditor);
    const props = machines[logicalId(remediation.stateMachine)]!.Properties;
    expect(props['StateMachineName']).toBe('OrgKeyAuditRemediateKeys');
    expect(props['StateMachineType']).toBe('STANDARD');
    expect(props['TracingConfiguration']).toEqual({ Enabled: true });
    // The task token is in AwaitApproval's input: not copied into CloudWatch Logs.
    expect(props['LoggingConfiguration']).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
    const f = remediation.functions.functions;
    const standIns: Record<(typeof REMEDIATION_PLACEHOLDERS)[number], unknown> = {
      RecordRemediationFunctionArn: getAtt(logicalId(f['record-remediation'])),
      CheckKeyFunctionArn: getAtt(logicalId(f['check-key'])),
      RemediateKeyFunctionArn: getAtt(logicalId(f['remediate-key'])),
      RemediationFailuresQueueUrl: ref(logicalId(stack.audit.remediationFailuresQueue!)),
    };
    expect(props['DefinitionSubstitutions']).toEqual(standIns);
    const asText = Object.fromEntries(Object.entries(standIns).map(([k, v]) => [k, JSON.stringify(v)]));
    expect(
      substitute(JSON.parse(props['DefinitionString'] as string), asText, REMEDIATION_PLACEHOLDERS),
    ).toEqual(substitute(loadDefinition(REMEDIATION_DEFINITION_PATH), asText, REMEDIATION_PLACEHOLDERS));
  });

  it('lets RemediateKeys invoke exactly its three functions and send to exactly its DLQ', () => {
    const stack = on.app.stacks.auditor;
    const remediation = stack.remediation!;
    const statements = roleStatements(on.auditor, logicalId(remediation.stateMachineRole));
    const f = remediation.functions.functions;
    expect(resourcesFor(statements, 'lambda:InvokeFunction')).toEqual([
      getAtt(logicalId(f['record-remediation'])),
      getAtt(logicalId(f['check-key'])),
      getAtt(logicalId(f['remediate-key'])),
    ]);
    expect(resourcesFor(statements, 'sqs:SendMessage')).toEqual([
      getAtt(logicalId(stack.audit.remediationFailuresQueue!)),
    ]);
    expect(resourcesFor(statements, 'kms:GenerateDataKey')).toEqual([getAtt(logicalId(stack.key))]);
    for (const s of statements) {
      for (const action of asArray(s.Action))
        expect(action, 'no service-wide wildcard').not.toMatch(/:\*$|^\*$/);
      expect(asArray(s.Action), 'nobody in the deployment answers a task token').not.toContain(
        'states:SendTaskSuccess',
      );
    }
  });

  it('adds RemediationFailuresDlq like the other DLQs, alarmed, and watches RemediateKeys’ executions', () => {
    const stack = on.app.stacks.auditor;
    const queueId = logicalId(stack.audit.remediationFailuresQueue!);
    const queues = resourcesOfType(on.auditor, 'AWS::SQS::Queue');
    expect(Object.keys(queues)).toHaveLength(5);
    expect(queues[queueId]!.Properties).toEqual({
      KmsMasterKeyId: getAtt(logicalId(stack.key)),
      MessageRetentionPeriod: 1_209_600,
    });
    const alarms = Object.values(resourcesOfType(on.auditor, 'AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties,
    );
    expect(alarms).toHaveLength(7);
    const alarmTopic = [ref(logicalId(stack.alarmTopic))];
    expect(
      alarms.find(
        (a) =>
          JSON.stringify(a['Dimensions']).includes(queueId) &&
          a['MetricName'] === 'ApproximateNumberOfMessagesVisible',
      )?.['AlarmActions'],
    ).toEqual(alarmTopic);
    const machineId = logicalId(stack.remediation!.stateMachine);
    expect(
      alarms.find(
        (a) => a['MetricName'] === 'ExecutionsFailed' && JSON.stringify(a['Dimensions']).includes(machineId),
      )?.['AlarmActions'],
    ).toEqual(alarmTopic);
    const [rule] = Object.values(resourcesOfType(on.auditor, 'AWS::Events::Rule'));
    expect((rule!.Properties['EventPattern'] as { detail: Json }).detail['stateMachineArn']).toEqual([
      ref(logicalId(stack.stateMachine)),
      ref(machineId),
    ]);
    expect((rule!.Properties['Targets'] as { Arn: unknown }[]).map((t) => t.Arn)).toEqual([
      getAtt(logicalId(stack.queues.ExecutionFailuresDlq)),
    ]);
  });

  it('adds the two outputs keyaudit finds the workflow and its DLQ by', () => {
    const stack = on.app.stacks.auditor;
    const outputs = on.auditor['Outputs'] as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual(
      [...ALWAYS_PRESENT_OUTPUTS, 'RemediationStateMachineArn', 'RemediationFailuresQueueUrl'].sort(),
    );
    expect(outputs['RemediationStateMachineArn']?.Value).toEqual(
      ref(logicalId(stack.remediation!.stateMachine)),
    );
    expect(outputs['RemediationFailuresQueueUrl']?.Value).toEqual(
      ref(logicalId(stack.audit.remediationFailuresQueue!)),
    );
  });
});

type RoleProps = {
  RoleName: string;
  AssumeRolePolicyDocument: { Statement: Statement[] };
  Policies?: { PolicyDocument: { Statement: Statement[] } }[];
  ManagedPolicyArns?: unknown;
  MaxSessionDuration?: number;
};

function rolesIn(template: Json): Record<string, RoleProps> {
  return Object.fromEntries(
    Object.values(resourcesOfType(template, 'AWS::IAM::Role')).map((r) => [
      r.Properties['RoleName'] as string,
      r.Properties as unknown as RoleProps,
    ]),
  );
}

describe('the remediation role', () => {
  it('rolls out through a second StackSet, org-key-audit-remediation-role, over the same accounts as the first', () => {
    const [first, second] = stackSets(on.rollout).map((s) => s.Properties);
    expect(stackSets(on.rollout)).toHaveLength(2);
    expect(second?.['StackSetName']).toBe('org-key-audit-remediation-role');
    const { StackSetName: _a, Description: _b, TemplateBody: _c, ...shared } = first!;
    const { StackSetName: _d, Description: _e, TemplateBody: _f, ...remediationShared } = second!;
    expect(remediationShared).toEqual(shared);
    expect(remediationShared).toMatchObject({
      PermissionModel: 'SERVICE_MANAGED',
      CallAs: 'DELEGATED_ADMIN',
      StackInstancesGroup: [
        {
          DeploymentTargets: { OrganizationalUnitIds: ['r-ab12', 'ou-ab12-cdef5678'] },
          Regions: ['eu-west-1'],
        },
      ],
    });
  });

  it('is in the StackSet body: two actions on the account’s users, trusting only RemediateKey inside the organization', () => {
    const body = JSON.parse(stackSets(on.rollout)[1]!.Properties['TemplateBody'] as string) as Json;
    const roles = rolesIn(body);
    expect(Object.keys(roles)).toEqual(['org-key-audit-remediation']);
    const role = roles['org-key-audit-remediation'];
    expect(role?.AssumeRolePolicyDocument.Statement).toEqual(TRUSTS_ONLY_REMEDIATE_KEY);
    expect(role?.Policies?.flatMap((p) => p.PolicyDocument.Statement)).toEqual([
      {
        Effect: 'Allow',
        Action: ['iam:UpdateAccessKey', 'iam:ListAccessKeys'],
        Resource: { 'Fn::Join': ['', ['arn:', PARTITION, ':iam::', { Ref: 'AWS::AccountId' }, ':user/*']] },
      },
    ]);
    expect(role?.ManagedPolicyArns).toBeUndefined();
    expect(role?.MaxSessionDuration).toBe(3600);
    expect(JSON.stringify(body)).not.toContain('BootstrapVersion');
    expect(body['Parameters']).toBeUndefined();
  });

  it('is in the management account’s stack too, naming that account’s users', () => {
    const role = rolesIn(on.management)['org-key-audit-remediation'];
    expect(role?.Policies?.flatMap((p) => p.PolicyDocument.Statement)).toEqual([
      {
        Effect: 'Allow',
        Action: ['iam:UpdateAccessKey', 'iam:ListAccessKeys'],
        Resource: { 'Fn::Join': ['', ['arn:', PARTITION, ':iam::111111111111:user/*']] },
      },
    ]);
    expect(role?.AssumeRolePolicyDocument.Statement).toEqual(TRUSTS_ONLY_REMEDIATE_KEY);
    expect(role?.MaxSessionDuration).toBe(3600);
  });

  it('leaves the read-only audit role exactly as it was, in the StackSet and the management account', () => {
    const resources = (t: Json) => t['Resources'] as Resources;
    const auditRoleId = (t: Json) =>
      Object.entries(resources(t)).find(([, r]) => r.Properties?.['RoleName'] === 'OrgKeyAuditRole')?.[0] ??
      '';
    expect(auditRoleId(on.management)).toBe(auditRoleId(off.management));
    expect(resources(on.management)[auditRoleId(on.management)]).toEqual(
      resources(off.management)[auditRoleId(off.management)],
    );
    expect(stackSets(on.rollout)[0]).toEqual(stackSets(off.rollout)[0]);
  });
});
