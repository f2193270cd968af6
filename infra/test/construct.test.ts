/**
 * OrgKeyAudit in a team's own CDK app: a "SecurityTooling" stack that already holds something
 * else gets the whole auditor from one construct, found by the permission catalogue wherever the
 * construct sits, with cdk-nag's acknowledgements travelling along; and the one-per-account rule
 * of its fixed names is enforced at synthesis, not discovered at deploy time.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, BootstraplessSynthesizer, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../lib/app';
import {
  AUDIT_ROLE_ACTIONS,
  accountListerRoleArn,
  addOperatorOutputs,
  auditorRoleArn,
  MemberRoleStack,
  OrgKeyAudit,
  type OrgKeyAuditConfig,
  parseConfig,
  RoleRolloutStack,
} from '../lib/index';
import { DeployedSystem } from '../permissions/deployed-system';
import { buildEdgeCatalogue } from '../permissions/edges';
import { buildDenyCases, isRefused } from '../permissions/must-deny';
import { evaluateRequest } from '../permissions/simulate';
import { AUDIT, DELEGATED_CONFIG, logicalId, MANAGEMENT, ORG_ID } from './support';

const config: OrgKeyAuditConfig = parseConfig(DELEGATED_CONFIG);
const env = { account: AUDIT, region: config.region };

/** The team's app: its stack, with a resource of its own, and the audit added as a construct. */
function teamApp(outdir?: string): { app: App; stack: Stack; audit: OrgKeyAudit } {
  const app = new App({ ...(outdir ? { outdir } : {}), context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'SecurityTooling', { env, description: 'the security team’s tooling' });
  new StringParameter(stack, 'FindingsBucketName', { stringValue: 'team-findings-archive' });
  const audit = new OrgKeyAudit(stack, 'KeyAudit', { config });
  return { app, stack, audit };
}

describe('OrgKeyAudit in a stack of another CDK app', () => {
  let stack: Stack;
  let audit: OrgKeyAudit;
  let template: Template;
  beforeAll(() => {
    ({ stack, audit } = teamApp());
    template = Template.fromStack(stack);
  }, 120_000);

  it('creates the workflow: the AuditOrganization state machine and its six functions', () => {
    template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'AuditOrganization',
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
    });
    const functions = template.findResources('AWS::Lambda::Function');
    expect(Object.values(functions).map((f) => f['Properties']['FunctionName'])).toEqual([
      'org-key-audit-validate-input',
      'org-key-audit-list-accounts',
      'org-key-audit-audit-account',
      'org-key-audit-build-digest',
      'org-key-audit-import-findings',
      'org-key-audit-publish-digest',
    ]);
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'org-key-audit-audit-account' });
  });

  it('creates the four KMS-encrypted DLQs, each with an alarm, and the failed-execution rule', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    expect(Object.keys(queues)).toHaveLength(4);
    const keyId = logicalId(audit.key);
    for (const queue of Object.values(queues)) {
      expect(queue['Properties']['KmsMasterKeyId']).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
    }
    // Four DLQ alarms and the one on failed executions.
    template.resourceCountIs('AWS::CloudWatch::Alarm', 5);
    template.hasResourceProperties('AWS::Events::Rule', {
      Name: 'org-key-audit-execution-failed',
      EventPattern: Match.objectLike({
        detail: Match.objectLike({ status: ['FAILED', 'TIMED_OUT', 'ABORTED'] }),
      }),
    });
  });

  it('creates the digest and alarm topics with their subscriptions, and the report bucket', () => {
    template.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'org-key-audit-digest' });
    template.hasResourceProperties('AWS::SNS::Topic', { TopicName: 'org-key-audit-alarms' });
    template.resourceCountIs('AWS::SNS::Subscription', 3);
    template.resourceCountIs('AWS::S3::Bucket', 2);
    template.resourceCountIs('AWS::KMS::Key', 1);
  });

  it('creates the daily schedule, which starts the state machine', () => {
    const stateMachineId = logicalId(audit.stateMachine);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 6 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      Target: Match.objectLike({ Arn: { Ref: stateMachineId }, Input: '{}' }),
    });
  });

  it('leaves the team’s own resources alone and adds no outputs of its own', () => {
    template.hasResourceProperties('AWS::SSM::Parameter', { Value: 'team-findings-archive' });
    expect(template.findOutputs('*')).toEqual({});
    // Every auditor resource sits under the construct: the stack's only other one is the team's.
    const resources = Object.keys(template.toJSON()['Resources'] as Record<string, unknown>);
    expect(resources.filter((id) => !id.startsWith('KeyAudit'))).toEqual([
      expect.stringMatching(/^FindingsBucketName[0-9A-F]{8}$/),
    ]);
    expect(resources.length).toBeGreaterThan(50);
  });
});

describe('the permission catalogue, on the team’s app', () => {
  let outdir: string;
  let system: DeployedSystem;
  /** Edges and must-deny cases of this app's own OrgKeyAuditAuditor, for the same config. */
  let standard: { edges: number; denyCases: number };
  beforeAll(async () => {
    const standardDir = mkdtempSync(join(tmpdir(), 'org-key-audit-standard-'));
    try {
      const standardApp = new App({ outdir: standardDir, context: { 'aws:cdk:bundling-stacks': [] } });
      buildApp(standardApp, config, { nag: false });
      standardApp.synth();
      const standardSystem = DeployedSystem.fromCloudAssembly(standardDir);
      standard = {
        edges: buildEdgeCatalogue(standardSystem, { organizationId: ORG_ID }).length,
        denyCases: (
          await buildDenyCases(standardSystem, {
            organizationId: ORG_ID,
            memberRoleActions: AUDIT_ROLE_ACTIONS,
          })
        ).length,
      };
    } finally {
      rmSync(standardDir, { recursive: true, force: true });
    }

    outdir = mkdtempSync(join(tmpdir(), 'org-key-audit-construct-'));
    const { app, stack, audit } = teamApp(outdir);
    addOperatorOutputs(stack, audit);
    // The member-role side, as a team would add it next to its stack.
    new MemberRoleStack(app, 'SecurityToolingAuditRole', {
      env: { account: MANAGEMENT, region: config.region },
      synthesizer: new BootstraplessSynthesizer(),
      auditRoleName: config.auditRoleName,
      trustedRoleArn: auditorRoleArn(config),
      organizationId: config.organizationId,
      orgReader: { roleName: config.orgReaderRoleName, trustedRoleArn: accountListerRoleArn(config) },
    });
    new RoleRolloutStack(app, 'SecurityToolingRollout', {
      env: { account: AUDIT, region: config.region },
      synthesizer: new BootstraplessSynthesizer(),
      config,
    });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    app.synth();
    system = DeployedSystem.fromCloudAssembly(outdir);
  }, 120_000);
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('finds every resource under the construct and allows every edge, refusing every must-deny case', async () => {
    const options = {
      organizationId: ORG_ID,
      auditorStackId: 'SecurityTooling',
      managementRoleStackId: 'SecurityToolingAuditRole',
    };
    const edges = buildEdgeCatalogue(system, options);
    // The same requests as this app's own auditor stack makes and receives.
    expect(edges.length).toBeGreaterThan(150);
    expect(edges).toHaveLength(standard.edges);
    const red: string[] = [];
    for (const edge of edges) {
      const { decision } = await evaluateRequest(system, edge);
      if (decision !== 'Allowed') red.push(`${edge.id}: ${decision}`);
    }
    expect(red).toEqual([]);
    const cases = await buildDenyCases(system, { ...options, memberRoleActions: AUDIT_ROLE_ACTIONS });
    expect(cases.length).toBeGreaterThan(200);
    expect(cases).toHaveLength(standard.denyCases);
    const leaks: string[] = [];
    for (const c of cases) {
      const { decision } = await evaluateRequest(system, c.request);
      if (!isRefused(decision, c.expected)) leaks.push(`${c.id}: ${decision}`);
    }
    expect(leaks).toEqual([]);
  }, 120_000);

  it('keeps cdk-nag clean: the acknowledgements travel with the construct', () => {
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: { pluginName: string; violations: unknown[] }[];
    };
    expect(
      report.pluginReports.filter((r) => r.pluginName.includes('AwsSolutions')).flatMap((r) => r.violations),
    ).toEqual([]);
  });

  it('gives the stack the outputs keyaudit reads, with the names it reads', () => {
    const outputs = JSON.parse(readFileSync(join(outdir, 'SecurityTooling.template.json'), 'utf8'))[
      'Outputs'
    ] as Record<string, unknown>;
    expect(Object.keys(outputs).sort()).toEqual(
      [
        'AccountFailuresQueueUrl',
        'DigestFailuresQueueUrl',
        'DigestTopicArn',
        'ExecutionFailuresQueueUrl',
        'ReportBucketName',
        'SchedulerDlqUrl',
        'StateMachineArn',
      ].sort(),
    );
  });

  it('names the construct it was asked for, and refuses a prefix several resources end with', () => {
    const bucket = system.logicalId('SecurityTooling', 'AWS::S3::Bucket', 'ReportBucket');
    expect(bucket).toMatch(/^KeyAuditStorageReportBucket[0-9A-F]{8}$/);
    expect(system.logicalId('SecurityTooling', 'AWS::Lambda::Function', 'Functionsauditaccount')).toMatch(
      /^KeyAuditWorkflowFunctionsauditaccount[0-9A-F]{8}$/,
    );
    expect(() => system.logicalId('SecurityTooling', 'AWS::S3::Bucket', 'ArchiveBucket')).toThrow(
      'SecurityTooling: expected one AWS::S3::Bucket named ArchiveBucket…, found 0 ()',
    );
    // Ids run together without a separator: a tail that two construct ids share is ambiguous.
    expect(() => system.logicalId('SecurityTooling', 'AWS::S3::Bucket', 'Bucket')).toThrow(
      /^SecurityTooling: expected one AWS::S3::Bucket named Bucket…, found 2 \(KeyAuditStorageAccessLogsBucket[0-9A-F]{8}, KeyAuditStorageReportBucket[0-9A-F]{8}\)$/,
    );
    // The hash must follow the id: the report bucket's policy is not the report bucket.
    expect(() => system.logicalId('SecurityTooling', 'AWS::S3::BucketPolicy', 'ReportBucket')).toThrow(
      /found 0/,
    );
    expect(system.logicalId('SecurityTooling', 'AWS::S3::BucketPolicy', 'ReportBucketPolicy')).toMatch(
      /^KeyAuditStorageReportBucketPolicy[0-9A-F]{8}$/,
    );
  });
});

describe('one OrgKeyAudit per account', () => {
  it('refuses a second instance for the same account, naming the fixed names they would share', () => {
    const { app } = teamApp();
    const other = new Stack(app, 'SecurityToolingCopy', { env: { account: AUDIT, region: 'us-west-2' } });
    expect(() => new OrgKeyAudit(other, 'KeyAudit', { config })).toThrow(
      /SecurityTooling\/KeyAudit already deploys org-key-audit to account 222222222222; one account holds one OrgKeyAudit, because its names are fixed \(state machine AuditOrganization/,
    );
  });

  it('refuses a stack in another account than config.auditAccountId', () => {
    const stack = new Stack(new App(), 'Elsewhere', {
      env: { account: '444444444444', region: 'eu-west-1' },
    });
    expect(() => new OrgKeyAudit(stack, 'KeyAudit', { config })).toThrow(
      /deploys to account 444444444444, but config.auditAccountId is 222222222222/,
    );
  });
});
