/** Shared test fixtures for the infra tests: configs and a synthesizer that skips bundling. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnResource, Stack } from 'aws-cdk-lib';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import type { IConstruct } from 'constructs';
import { type BuildAppOptions, buildApp, type OrgKeyAuditStacks } from '../lib/app';
import { type ConfigInput, parseConfig } from '../lib/config';
import { FUNCTION_NAMES, REMEDIATION_FUNCTION_NAMES } from '../lib/names';

export const MANAGEMENT = '111111111111';
export const AUDIT = '222222222222';
export const ORG_ID = 'o-testorg0001';

/** A delegated-administrator deployment: audit account is not the management account. */
export const DELEGATED_CONFIG: ConfigInput = {
  managementAccountId: MANAGEMENT,
  auditAccountId: AUDIT,
  organizationId: ORG_ID,
  region: 'eu-west-1',
  rollout: { targetOrganizationalUnitIds: ['r-ab12', 'ou-ab12-cdef5678'], callAs: 'DELEGATED_ADMIN' },
  schedule: { expression: 'cron(30 6 ? * MON-FRI *)', timeZone: 'Europe/Berlin' },
  digestEmails: ['secops@example.com', 'ciso@example.com'],
  alarmEmails: ['oncall@example.com'],
  mapMaxConcurrency: 25,
  reportRetentionDays: 180,
};

export interface SynthesizedApp {
  readonly stacks: OrgKeyAuditStacks;
  readonly assembly: CloudAssembly;
  template(stack: Stack): Record<string, unknown>;
}

/** Builds and synthesizes the whole app (cdk-nag included) without bundling the Lambdas. */
export function synthesizeApp(raw: ConfigInput, options: BuildAppOptions = {}): SynthesizedApp {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stacks = buildApp(app, parseConfig(raw), options);
  const assembly = app.synth();
  return {
    stacks,
    assembly,
    template: (stack) => assembly.getStackArtifact(stack.artifactId).template as Record<string, unknown>,
  };
}

export function logicalId(construct: IConstruct): string {
  const resource = (construct.node.defaultChild ?? construct) as CfnResource;
  return Stack.of(construct).resolve(resource.logicalId) as string;
}

export type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

export function resourcesOfType(template: Record<string, unknown>, type: string): Resources {
  const all = template['Resources'] as Resources;
  return Object.fromEntries(Object.entries(all).filter(([, r]) => r.Type === type));
}

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
  readonly Principal?: unknown;
}

export function asArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/** Every statement of the IAM::Policy resources attached to the role with this logical id. */
export function roleStatements(template: Record<string, unknown>, roleLogicalId: string): Statement[] {
  return Object.values(resourcesOfType(template, 'AWS::IAM::Policy'))
    .filter((p) =>
      (p.Properties['Roles'] as unknown[]).some(
        (r) => JSON.stringify(r) === JSON.stringify({ Ref: roleLogicalId }),
      ),
    )
    .flatMap((p) => (p.Properties['PolicyDocument'] as { Statement: Statement[] }).Statement);
}

/** Resources of the statements that allow `action`, flattened. */
export function resourcesFor(statements: readonly Statement[], action: string): unknown[] {
  return statements
    .filter((s) => s.Effect === 'Allow' && asArray(s.Action).includes(action))
    .flatMap((s) => asArray(s.Resource));
}

/**
 * A folder under the system's temporary directory with a stand-in `<name>.ts` for every handler,
 * the remediation ones included: bundling is skipped, so only the files' existence matters, and
 * the tests do not depend on which handlers the functions package has yet. The caller removes it.
 */
export function stubHandlersDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'org-key-audit-handlers-'));
  for (const name of [...FUNCTION_NAMES, ...REMEDIATION_FUNCTION_NAMES]) {
    writeFileSync(join(dir, `${name}.ts`), 'export const handler = async () => ({});\n');
  }
  return dir;
}
