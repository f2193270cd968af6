/**
 * Deployment truth: every request the deployed system makes or receives (the edge catalogue,
 * infra/permissions/edges.ts) is evaluated by a real IAM policy simulator against the policies
 * CDK wrote into cdk.out, for both ways to deploy (audit account = management account, or a
 * delegated administrator with the org-reader role). Every edge must be allowed, every must-deny
 * case refused, and removing any statement an edge relies on must turn that edge red.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeployedSystem } from '../../infra/permissions/deployed-system';
import type { Edge } from '../../infra/permissions/edges';
import type { DenyCase } from '../../infra/permissions/must-deny';
import { evaluateRequest } from '../../infra/permissions/simulate';
import {
  catalogueOf,
  DELEGATED,
  DELEGATED_WITH_INTEGRATIONS,
  DELEGATED_WITH_OWNERS,
  denyCasesOf,
  type EdgeResult,
  evaluateEdges,
  IN_MANAGEMENT,
  IN_MANAGEMENT_WITH_INTEGRATIONS,
  IN_MANAGEMENT_WITH_OWNERS,
  leakingDenyCases,
  loadSystem,
  ORG_ID,
  redEdges,
  synthesizeToDirectory,
  withoutStatement,
} from './support';

const DEPLOYMENTS = [
  {
    name: 'delegated administrator (org-reader role)',
    config: DELEGATED,
    owners: false,
    integrations: false,
  },
  { name: 'in the management account', config: IN_MANAGEMENT, owners: false, integrations: false },
  {
    name: 'delegated administrator (org-reader role), with owners',
    config: DELEGATED_WITH_OWNERS,
    owners: true,
    integrations: false,
  },
  {
    name: 'in the management account, with owners',
    config: IN_MANAGEMENT_WITH_OWNERS,
    owners: true,
    integrations: false,
  },
  {
    name: 'delegated administrator (org-reader role), with Security Hub and chat',
    config: DELEGATED_WITH_INTEGRATIONS,
    owners: false,
    integrations: true,
  },
  {
    name: 'in the management account, with Security Hub in another region and chat',
    config: IN_MANAGEMENT_WITH_INTEGRATIONS,
    owners: false,
    integrations: true,
  },
] as const;

/** The edges the integrations add (edges.ts, addIntegrationEdges), by id. */
const INTEGRATION_EDGES = [
  'import-findings role → s3:GetObject reports/*/report.json',
  'import-findings role → s3:GetObject reports/*/report.json (kms:Decrypt via s3)',
  'import-findings role → securityhub:GetFindings hub/default',
  'import-findings role → securityhub:BatchImportFindings product/<account>/default',
  'publish-digest role → sns:Publish chat topic',
  'publish-digest role → sns:Publish chat topic (kms:GenerateDataKey via sns)',
  'publish-digest role → sns:Publish chat topic (kms:Decrypt via sns)',
  'chatbot.amazonaws.com → kms:Decrypt for the chat topic',
  'chatbot.amazonaws.com → kms:GenerateDataKey for the chat topic',
];

/** The edges owner resolution adds (edges.ts, addOwnerEdges), for the org reader or the lister itself. */
const OWNER_ORGANIZATIONS_ACTIONS = [
  'organizations:ListAccountsForParent',
  'organizations:ListAccountsForParent',
  'organizations:ListOrganizationalUnitsForParent',
  'organizations:ListOrganizationalUnitsForParent',
  'organizations:ListRoots',
  'organizations:ListTagsForResource',
];

const cleanup: string[] = [];
afterAll(() => {
  for (const dir of cleanup) rmSync(dir, { recursive: true, force: true });
});

describe.each(DEPLOYMENTS)(
  'the synthesized templates, deployed $name',
  ({ config, owners, integrations }) => {
    let dir: string;
    let system: DeployedSystem;
    let edges: Edge[];
    let results: EdgeResult[];
    let denyCases: DenyCase[];

    beforeAll(async () => {
      dir = synthesizeToDirectory(config);
      cleanup.push(dir);
      system = loadSystem(dir);
      edges = catalogueOf(system);
      results = await evaluateEdges(system, edges);
      denyCases = await denyCasesOf(system);
    }, 120_000);

    it('allows every edge of the catalogue', async () => {
      const denied = await leakingDenyCases(system, denyCases);
      const allowed = results.filter((r) => r.evaluation.decision === 'Allowed').length;
      console.info(
        `[deployment truth] edges: ${edges.length}, allowed: ${allowed}; must-deny: ${denyCases.length}, denied: ${denyCases.length - denied.length}`,
      );
      expect(redEdges(results)).toEqual([]);
      expect(allowed).toBe(edges.length);
    });

    it('refuses every must-deny case', async () => {
      expect(await leakingDenyCases(system, denyCases)).toEqual([]);
      // The catalogue covers the member role's reads; the deny cases try the rest of IAM's actions.
      expect(denyCases.filter((c) => c.id.startsWith('OrgKeyAuditRole → iam:')).length).toBeGreaterThan(150);
    });

    it('covers what the workflow does: each ASL Task, the ResultWriter, and every alarm', () => {
      const ids = edges.map((e) => e.id);
      for (const task of [
        'ValidateInput',
        'ListAccounts',
        'AuditAccount',
        'BuildDigest',
        'ImportFindings',
        'PublishDigest',
      ]) {
        expect(ids).toContain(`state machine role → lambda:InvokeFunction (${task})`);
      }
      for (const task of [
        'SendFailedAccount',
        'SendAccountFailure',
        'SendAuditFailure',
        'SendDigestFailure',
        'SendImportFailure',
      ]) {
        expect(ids).toContain(`state machine role → sqs:SendMessage (${task})`);
      }
      expect(
        ids.filter((id) => id.startsWith('cloudwatch.amazonaws.com') && id.endsWith('org-key-audit-alarms')),
      ).toHaveLength(5);
    });

    it('has the owner edges exactly when the config uses them, made by the org reader when there is one', () => {
      // Both configs leave useOrgReaderRole unset: the org reader exactly when audit ≠ management.
      const caller =
        config.auditAccountId === config.managementAccountId ? 'list-accounts role' : 'org reader role';
      const organizations = edges.filter((e) => e.id.endsWith('(owners)'));
      expect(organizations.map((e) => e.action).sort()).toEqual(owners ? OWNER_ORGANIZATIONS_ACTIONS : []);
      for (const e of organizations) expect(e.id.startsWith(`${caller} → `), e.id).toBe(true);
      const ids = edges.map((e) => e.id);
      const cache = [
        'list-accounts role → s3:GetObject owners/account-tags.json',
        'list-accounts role → s3:PutObject owners/account-tags.json',
        'list-accounts role → s3:ListBucket report bucket',
      ];
      for (const id of cache) expect(ids.includes(id), id).toBe(owners);
      // The owner digests are under reports/, which BuildDigest writes and PublishDigest reads anyway.
      for (const id of [
        'build-digest role → s3:PutObject reports/*/owners/*.txt',
        'build-digest role → s3:PutObject reports/*/owner-digests.json',
        'publish-digest role → s3:GetObject reports/*/owner-digests.json',
        'publish-digest role → s3:GetObject reports/*/owners/*.txt',
      ]) {
        expect(ids).toContain(id);
      }
    });

    it('refuses the owner reads to every other role, outside the organization, and when not configured', () => {
      const ids = denyCases.map((c) => c.id);
      for (const id of [
        `audit-account role → organizations:ListTagsForResource ${ORG_ID}/123456789012`,
        `build-digest role → organizations:ListTagsForResource ${ORG_ID}/123456789012`,
        `publish-digest role → organizations:ListTagsForResource ${ORG_ID}/123456789012`,
        'list-accounts role → s3:PutObject owners/other.json',
        'list-accounts role → s3:PutObject history/latest.json',
        'list-accounts role → s3:DeleteObject owners/account-tags.json',
        `publish-digest role → sns:Publish ${config.auditAccountId}/org-key-audit-alarms`,
        'publish-digest role → s3:PutObject owners/payments.txt',
      ]) {
        expect(ids).toContain(id);
      }
      const unconfigured = ids.filter((id) => id.includes('with owners.accountTagKey unset'));
      expect(unconfigured.length > 0).toBe(!owners);
      expect(ids.some((id) => id.endsWith('with no OU mapped in owners'))).toBe(!owners);
    });

    it('has the Security Hub and chat edges exactly when the config enables them, in the configured region', () => {
      const ids = edges.map((e) => e.id);
      for (const id of INTEGRATION_EDGES) expect(ids.includes(id), id).toBe(integrations);
      const importer = edges.filter((e) => e.id.startsWith('import-findings role → '));
      // Disabled, ImportFindings only logs and traces.
      expect(
        importer.filter((e) => !e.action.startsWith('logs:') && !e.action.startsWith('xray:')).length,
      ).toBe(integrations ? 4 : 0);
      if (integrations) {
        const account = config.auditAccountId;
        const region = config.securityHub?.region ?? config.region;
        expect(importer.find((e) => e.action === 'securityhub:BatchImportFindings')?.resource).toBe(
          `arn:aws:securityhub:${region}:${account}:product/${account}/default`,
        );
        expect(importer.find((e) => e.action === 'securityhub:GetFindings')?.resource).toBe(
          `arn:aws:securityhub:${region}:${account}:hub/default`,
        );
        expect(edges.find((e) => e.id === 'publish-digest role → sns:Publish chat topic')?.resource).toBe(
          `arn:aws:sns:${config.region}:${account}:org-key-audit-chat`,
        );
      }
    });

    it('refuses Security Hub to every other role, and ImportFindings anything beyond its import', () => {
      const ids = denyCases.map((c) => c.id);
      for (const id of [
        'import-findings role → securityhub:BatchImportFindings on another account’s product',
        'import-findings role → securityhub:BatchImportFindings on its own product in another region',
        'import-findings role → securityhub:BatchUpdateFindings on the hub (workflow status is the analysts’)',
        'import-findings role → securityhub:DeleteInsight on the hub (insights, delete)',
        'import-findings role → s3:GetObject on runs/ (per-account results)',
        'import-findings role → s3:PutObject on reports/ (write)',
        'audit-account role → securityhub:BatchImportFindings on Security Hub',
        'audit-account role → securityhub:GetFindings on Security Hub',
        'build-digest role → securityhub:BatchImportFindings on Security Hub',
      ]) {
        expect(ids).toContain(id);
      }
      expect(ids.filter((id) => id.startsWith('audit-account role → securityhub:')).length).toBeGreaterThan(
        50,
      );
      expect(ids.some((id) => id.endsWith('with securityHub disabled'))).toBe(!integrations);
      expect(ids.includes('publish-digest role → sns:Publish chat topic over plain HTTP')).toBe(integrations);
      expect(ids.includes('build-digest role → sns:Publish on the chat topic')).toBe(integrations);
      expect(ids.includes('chatbot.amazonaws.com → kms:Decrypt for the digest topic')).toBe(integrations);
    });

    it('turns an edge red, naming it, when one statement it relies on is removed', async () => {
      // Every statement some edge names as decisive, removed one at a time from a copy of cdk.out.
      const bySource = new Map<string, EdgeResult[]>();
      for (const result of results) {
        for (const source of result.evaluation.decisive) {
          bySource.set(source, [...(bySource.get(source) ?? []), result]);
        }
      }
      expect(bySource.size).toBeGreaterThan(20);
      for (const [source, dependents] of bySource) {
        const mutated = withoutStatement(dir, source);
        cleanup.push(mutated);
        const after = await evaluateEdges(
          loadSystem(mutated),
          dependents.map((d) => d.edge),
        );
        const red = redEdges(after);
        // An edge allowed by this statement alone must now be refused, and the failure names it.
        for (const { edge, evaluation } of dependents) {
          if (evaluation.decisive.length === 1) {
            expect(
              red.some((line) => line.startsWith(`edge "${edge.id}" is`)),
              `${source} removed: ${edge.id}`,
            ).toBe(true);
          }
        }
        expect(red.length, `removing ${source} should turn at least one edge red`).toBeGreaterThan(0);
      }
    }, 120_000);
  },
);

describe('the three wiring defects found before the first deployment', () => {
  let system: DeployedSystem;
  let edges: Edge[];
  beforeAll(() => {
    const dir = synthesizeToDirectory(DELEGATED);
    cleanup.push(dir);
    system = loadSystem(dir);
    edges = catalogueOf(system);
  }, 120_000);

  const edge = (id: string): Edge => {
    const found = edges.find((e) => e.id === id);
    if (found === undefined) throw new Error(`no edge ${id}`);
    return found;
  };

  it('CloudWatch alarms may publish to the alarm topic (its topic policy replaces the default one)', async () => {
    const alarmEdges = edges.filter(
      (e) => e.principal === 'cloudwatch.amazonaws.com' && e.action === 'sns:Publish',
    );
    expect(alarmEdges).toHaveLength(5);
    for (const e of alarmEdges) expect((await evaluateRequest(system, e)).decision, e.id).toBe('Allowed');
  });

  it('the Distributed Map ResultWriter may read back what it writes under map/', async () => {
    const e = edge('state machine role → s3:GetObject map/* (AuditAccounts ResultWriter)');
    expect((await evaluateRequest(system, e)).decision).toBe('Allowed');
  });

  it('only our own EventBridge rule may send to the execution-failures DLQ and use its key', async () => {
    const ours = edges.filter((e) => e.principal === 'events.amazonaws.com');
    expect(ours.map((e) => e.action).sort()).toEqual([
      'kms:Decrypt',
      'kms:GenerateDataKey',
      'sqs:SendMessage',
    ]);
    for (const e of ours) {
      expect((await evaluateRequest(system, e)).decision, e.id).toBe('Allowed');
      for (const [label, context] of [
        [
          'another account',
          {
            'aws:SourceArn': 'arn:aws:events:eu-west-1:777788889999:rule/x',
            'aws:SourceAccount': '777788889999',
          },
        ],
        [
          'another rule',
          { ...e.context, 'aws:SourceArn': 'arn:aws:events:eu-west-1:222222222222:rule/other' },
        ],
        ['no source at all', {}],
      ] as const) {
        const decision = (
          await evaluateRequest(system, {
            ...e,
            context: { ...(label === 'no source at all' ? {} : e.context), ...context },
          })
        ).decision;
        expect(decision, `${e.id} from ${label}`).not.toBe('Allowed');
      }
    }
  });
});
