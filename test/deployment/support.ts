/**
 * Cloud assemblies for the permission tests: the app synthesized by CDK into a real `cdk.out`
 * directory (Lambda bundling skipped: it changes no policy), then read back from disk like any
 * other cloud assembly, so the tests check the files a deployment would use.
 */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../../infra/lib/app';
import { type ConfigInput, parseConfig } from '../../infra/lib/config';
import { AUDIT_ROLE_ACTIONS } from '../../infra/lib/member-role-stack';
import { DeployedSystem, type LoadOptions } from '../../infra/permissions/deployed-system';
import { buildEdgeCatalogue, type Edge } from '../../infra/permissions/edges';
import { buildDenyCases, type DenyCase, isRefused } from '../../infra/permissions/must-deny';
import { type Evaluation, evaluateRequest } from '../../infra/permissions/simulate';

export const ORG_ID = 'o-deploy00001';

/** The audit account is a delegated administrator: ListAccounts goes through the org-reader role. */
export const DELEGATED: ConfigInput = {
  managementAccountId: '111111111111',
  auditAccountId: '222222222222',
  organizationId: ORG_ID,
  region: 'eu-west-1',
  rollout: { targetOrganizationalUnitIds: ['r-ab12'], callAs: 'DELEGATED_ADMIN' },
  schedule: { expression: 'cron(0 6 * * ? *)', timeZone: 'UTC' },
  digestEmails: ['secops@example.com'],
  alarmEmails: ['oncall@example.com'],
};

/** Deployed in the management account itself: ListAccounts is called directly. */
export const IN_MANAGEMENT: ConfigInput = {
  ...DELEGATED,
  auditAccountId: '111111111111',
  region: 'us-east-2',
  rollout: { targetOrganizationalUnitIds: ['r-ab12'], callAs: 'SELF' },
};

/**
 * Owners that use every Organizations read: an account tag key, a mapped OU, and one routed
 * owner with an endpoint (the security team keeps digestEmails).
 */
export const OWNERS: NonNullable<ConfigInput['owners']> = {
  accountTagKey: 'cost-center',
  organizationalUnits: { 'ou-ab12-paym0001': 'payments' },
  endpoints: { payments: ['payments-oncall@example.com'] },
};

export const DELEGATED_WITH_OWNERS: ConfigInput = { ...DELEGATED, owners: OWNERS };
export const IN_MANAGEMENT_WITH_OWNERS: ConfigInput = { ...IN_MANAGEMENT, owners: OWNERS };

/**
 * The integrations (README.md, "Integrations") on: Security Hub in the stack's region for the
 * delegated administrator, in another region for the management account, and the chat topic.
 */
export const DELEGATED_WITH_INTEGRATIONS: ConfigInput = {
  ...DELEGATED,
  securityHub: { enabled: true },
  chat: { enabled: true },
};
export const IN_MANAGEMENT_WITH_INTEGRATIONS: ConfigInput = {
  ...IN_MANAGEMENT,
  securityHub: { enabled: true, region: 'eu-central-1' },
  chat: { enabled: true },
};

/** Synthesizes the whole app into a fresh cdk.out directory and returns its path. */
export function synthesizeToDirectory(config: ConfigInput): string {
  const outdir = mkdtempSync(join(tmpdir(), 'org-key-audit-cdk-out-'));
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  buildApp(app, parseConfig(config), { nag: false });
  app.synth();
  return outdir;
}

export interface EdgeResult {
  readonly edge: Edge;
  readonly evaluation: Evaluation;
}

export async function evaluateEdges(system: DeployedSystem, edges: readonly Edge[]): Promise<EdgeResult[]> {
  const results: EdgeResult[] = [];
  for (const edge of edges) results.push({ edge, evaluation: await evaluateRequest(system, edge) });
  return results;
}

/** One line per edge that is not allowed, naming it: what a failing test prints. */
export function redEdges(results: readonly EdgeResult[]): string[] {
  return results
    .filter((r) => r.evaluation.decision !== 'Allowed')
    .map(
      ({ edge, evaluation }) =>
        `edge "${edge.id}" is ${evaluation.decision}: ${edge.principal} → ${edge.action} on ${edge.resource} (${edge.why})`,
    );
}

export async function leakingDenyCases(
  system: DeployedSystem,
  cases: readonly DenyCase[],
): Promise<string[]> {
  const leaks: string[] = [];
  for (const c of cases) {
    const { decision, decisive } = await evaluateRequest(system, c.request);
    if (!isRefused(decision, c.expected)) {
      leaks.push(
        `must-deny "${c.id}" is ${decision} (expected ${c.expected}) by ${decisive.join(', ') || 'no statement'}`,
      );
    }
  }
  return leaks;
}

export function loadSystem(dir: string, options?: LoadOptions): DeployedSystem {
  return DeployedSystem.fromCloudAssembly(dir, options);
}

export function catalogueOf(system: DeployedSystem): Edge[] {
  return buildEdgeCatalogue(system, { organizationId: ORG_ID });
}

export function denyCasesOf(system: DeployedSystem): Promise<DenyCase[]> {
  return buildDenyCases(system, { organizationId: ORG_ID, memberRoleActions: AUDIT_ROLE_ACTIONS });
}

type Json = Record<string, unknown>;

/**
 * A copy of the assembly with one statement removed, named as the simulator names decisive
 * statements: `<stack>/<logical id>[/<inline policy>]#<index>`, or for a StackSet instance
 * `<stack>/<StackSet id>@<account>/<logical id>[/<inline policy>]#<index>` (the StackSet's body).
 */
export function withoutStatement(dir: string, source: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'org-key-audit-cdk-out-mutated-'));
  cpSync(dir, copy, { recursive: true });
  const match = /^([^/]+)\/([^/#@]+)(?:@\d{12})?\/?([^#]*)#(\d+)$/.exec(source);
  if (match === null) throw new Error(`cannot read the statement source ${source}`);
  const [, stackId, first, rest, index] = match as unknown as [string, string, string, string, string];
  const templatePath = join(copy, `${stackId}.template.json`);
  const template = JSON.parse(readFileSync(templatePath, 'utf8')) as { Resources: Record<string, Json> };
  const isStackSet = source.includes('@');
  const [logicalId, inlineName] = isStackSet
    ? (rest.split('/') as [string, string?])
    : [first, rest || undefined];
  const stackSetProperties = template.Resources[first]?.['Properties'] as Json | undefined;
  const body = isStackSet
    ? (JSON.parse(String(stackSetProperties?.['TemplateBody'])) as { Resources: Record<string, Json> })
    : template;
  const properties = body.Resources[logicalId]?.['Properties'] as Json | undefined;
  if (properties === undefined) throw new Error(`${source}: no resource ${logicalId}`);
  const document = (
    inlineName
      ? (properties['Policies'] as { PolicyName: string; PolicyDocument: Json }[]).find(
          (p) => p.PolicyName === inlineName,
        )?.PolicyDocument
      : (properties['PolicyDocument'] ?? properties['KeyPolicy'] ?? properties['AssumeRolePolicyDocument'])
  ) as { Statement: unknown[] } | undefined;
  if (document === undefined) throw new Error(`${source}: no policy document`);
  if (document.Statement[Number(index)] === undefined) throw new Error(`${source}: no statement ${index}`);
  document.Statement.splice(Number(index), 1);
  if (isStackSet) {
    if (stackSetProperties === undefined) throw new Error(`${source}: no StackSet ${first}`);
    stackSetProperties['TemplateBody'] = JSON.stringify(body);
  }
  writeFileSync(templatePath, JSON.stringify(template));
  return copy;
}
