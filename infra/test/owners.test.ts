/**
 * The deployment's `owners` config: validated with the field and the fix; passed to the Lambdas
 * as OWNERS_JSON; routed by SNS filter policies (the security team gets the full digest once,
 * each owner their own); and granted exactly the Organizations reads and the tag cache it uses.
 * Expected values are written out here, from the rules in infra/README.md, "Owners".
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_OWNER_RULES, InvalidInputError } from '@org-key-audit/functions/core';
import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../lib/app';
import { type ConfigInput, parseConfig } from '../lib/config';
import { ASL_PATH } from '../lib/definition';
import {
  DELEGATED_CONFIG,
  logicalId,
  MANAGEMENT,
  ORG_ID,
  resourcesFor,
  resourcesOfType,
  roleStatements,
  type Statement,
  type SynthesizedApp,
  synthesizeApp,
} from './support';

const MINIMAL = {
  managementAccountId: MANAGEMENT,
  auditAccountId: MANAGEMENT,
  organizationId: 'o-abcdefghij',
  rollout: { targetOrganizationalUnitIds: ['r-ab12'] },
};

function errorOf(raw: unknown): string {
  try {
    parseConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

/** Every Organizations read and one routed owner; limits chosen so the budget is easy to check. */
const OWNERS: NonNullable<ConfigInput['owners']> = {
  userTagKey: 'team',
  accountTagKey: 'cost-center',
  organizationalUnits: { 'ou-ab12-paym0001': 'payments', 'ou-ab12-webs0001': 'web' },
  accountTags: { ttlHours: 24, maxPerRun: 400, requestsPerSecond: 2 },
  endpoints: {
    payments: ['payments-oncall@example.com', 'pay-lead@example.com'],
    web: ['web@example.com', 'PAY-LEAD@example.com'],
  },
};

const PARTITION = { Ref: 'AWS::Partition' };
const orgArn = (resource: string) => ({
  'Fn::Join': ['', ['arn:', PARTITION, `:organizations::${MANAGEMENT}:${resource}`]],
});

describe('owners in the config', () => {
  it('defaults to the user tag "owner", no account tag, no OU map, the security team, and no endpoints', () => {
    const { owners } = parseConfig(MINIMAL);
    expect(owners).toEqual({
      userTagKey: 'owner',
      accountTagKey: null,
      organizationalUnits: {},
      securityTeam: 'security-team',
      // The limits are the functions' own defaults (core/owners.ts): one source of truth.
      accountTags: DEFAULT_OWNER_RULES.accountTags,
      endpoints: {},
    });
  });

  it('takes null for userTagKey to turn the user tag off', () => {
    expect(parseConfig({ ...MINIMAL, owners: { userTagKey: null } }).owners.userTagKey).toBeNull();
  });

  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      'a malformed OU id',
      { organizationalUnits: { 'ou-1': 'payments' } },
      /owners\.organizationalUnits key "ou-1" must be an OU id like "ou-ab12-cd34ef56" \(see infra\/README\.md, "Owners"/,
    ],
    [
      'a root id where an OU id belongs',
      { organizationalUnits: { 'r-ab12': 'payments' } },
      /owners\.organizationalUnits key "r-ab12" must be an OU id/,
    ],
    [
      'an owner name SNS cannot carry',
      { organizationalUnits: { 'ou-ab12-paym0001': 'pay$ments' } },
      /owners\.organizationalUnits\.ou-ab12-paym0001 must be 1-128 letters, digits, spaces or _\.:\/=\+@-/,
    ],
    [
      'an endpoint for the security team',
      { endpoints: { 'security-team': ['secops@example.com'] } },
      /owners\.endpoints\.security-team is the security team \(owners\.securityTeam\), which gets the full digest at digestEmails: remove this endpoint and list its addresses in digestEmails/,
    ],
    [
      'an endpoint for a renamed security team',
      { securityTeam: 'secops', endpoints: { secops: ['secops@example.com'] } },
      /owners\.endpoints\.secops is the security team/,
    ],
    [
      'a bad email address',
      { endpoints: { payments: ['payments'] } },
      /owners\.endpoints\.payments\[0\] must be an email address like "secops@example\.com"/,
    ],
    [
      'an endpoint without addresses',
      { endpoints: { payments: [] } },
      /owners\.endpoints\.payments must list at least one email address/,
    ],
    [
      'an owner name as endpoint key that SNS cannot carry',
      { endpoints: { pay$: ['pay@example.com'] } },
      /owners\.endpoints key "pay\$" must be an owner name of 1-128 letters/,
    ],
    [
      'an unknown field',
      { ownerTag: 'team' },
      /owners has unknown field\(s\) ownerTag; remove them or fix the spelling/,
    ],
    [
      'routed, which the deployment derives from endpoints',
      { routed: ['payments'] },
      /owners has unknown field\(s\) routed/,
    ],
    [
      'an unknown account-tag limit',
      { accountTags: { perRun: 10 } },
      /owners\.accountTags has unknown field\(s\) perRun/,
    ],
    ['a negative maxPerRun', { accountTags: { maxPerRun: -1 } }, /owners\.accountTags\.maxPerRun/],
    [
      'an address listed twice for one owner',
      { endpoints: { payments: ['pay@example.com', 'Pay@example.com'] } },
      /owners\.endpoints\.payments\[1\] lists Pay@example\.com twice; remove the second one/,
    ],
    [
      // 300 s listing + 1.2 × 1200 / 2 = 720 s of tags = 1020 s > 900; at most (600 / 1.2) × 2 = 1000.
      'more tag reads per run than fit into Lambda’s 15 minutes',
      { accountTagKey: 'cost-center', accountTags: { maxPerRun: 1200, requestsPerSecond: 2 } },
      /owners\.accountTags: 1200 ListTagsForResource calls per run at 2 per second need about 720 s \(with 20% headroom\), and ListAccounts also needs 300 s to list the organization, over Lambda's 900 s limit: lower maxPerRun to at most 1000, or raise requestsPerSecond/,
    ],
  ];
  for (const [what, owners, expected] of cases) {
    it(`rejects ${what}`, () => {
      expect(errorOf({ ...MINIMAL, owners })).toMatch(expected);
    });
  }

  it('rejects an owner endpoint that is also a digestEmails address (SNS: one subscription per address)', () => {
    expect(
      errorOf({
        ...MINIMAL,
        digestEmails: ['secops@example.com'],
        owners: { endpoints: { payments: ['SecOps@example.com'] } },
      }),
    ).toMatch(/owners\.endpoints\.payments\[0\] SecOps@example\.com is also in digestEmails/);
  });

  it('accepts the same tag pacing without an account tag key: no tag is read then', () => {
    expect(() =>
      parseConfig({ ...MINIMAL, owners: { accountTags: { maxPerRun: 1200, requestsPerSecond: 2 } } }),
    ).not.toThrow();
  });
});

type Variables = Record<string, string>;
function variablesOf(template: Record<string, unknown>, functionName: string): Variables {
  const fn = Object.values(resourcesOfType(template, 'AWS::Lambda::Function')).find(
    (f) => f.Properties['FunctionName'] === functionName,
  );
  if (fn === undefined) throw new Error(`no function ${functionName}`);
  return (fn.Properties['Environment'] as { Variables: Variables }).Variables;
}
function timeoutOf(template: Record<string, unknown>, functionName: string): unknown {
  return Object.values(resourcesOfType(template, 'AWS::Lambda::Function')).find(
    (f) => f.Properties['FunctionName'] === functionName,
  )?.Properties['Timeout'];
}

const FUNCTIONS = [
  'org-key-audit-validate-input',
  'org-key-audit-list-accounts',
  'org-key-audit-audit-account',
  'org-key-audit-build-digest',
  'org-key-audit-publish-digest',
];

function nagViolations(synthesized: SynthesizedApp): unknown[] {
  const report = JSON.parse(
    readFileSync(join(synthesized.assembly.directory, 'validation-report.json'), 'utf8'),
  ) as { pluginReports: { pluginName: string; violations: unknown[] }[] };
  return report.pluginReports
    .filter((r) => r.pluginName.includes('AwsSolutions'))
    .flatMap((r) => r.violations);
}

describe('a deployment with owners, listing accounts itself (no org-reader role)', () => {
  let synthesized: SynthesizedApp;
  let template: Record<string, unknown>;
  beforeAll(() => {
    synthesized = synthesizeApp({ ...DELEGATED_CONFIG, useOrgReaderRole: false, owners: OWNERS });
    template = synthesized.template(synthesized.stacks.auditor);
  }, 120_000);

  it('gives every function the same OWNERS_JSON: the rules, with routed = the sorted endpoint names', () => {
    const expected = {
      userTagKey: 'team',
      accountTagKey: 'cost-center',
      organizationalUnits: { 'ou-ab12-paym0001': 'payments', 'ou-ab12-webs0001': 'web' },
      securityTeam: 'security-team',
      routed: ['payments', 'web'],
      accountTags: { ttlHours: 24, maxPerRun: 400, requestsPerSecond: 2 },
    };
    for (const name of FUNCTIONS) {
      const raw = variablesOf(template, name)['OWNERS_JSON'];
      expect(raw, name).toBeDefined();
      expect(JSON.parse(raw ?? ''), name).toEqual(expected);
      expect(raw, 'no endpoint address reaches the Lambdas').not.toContain('@example.com');
    }
  });

  it('filters the security team to the full digest and each owner address to its owners', () => {
    const digestTopic = { Ref: logicalId(synthesized.stacks.auditor.digestTopic) };
    const alarmTopic = { Ref: logicalId(synthesized.stacks.auditor.alarmTopic) };
    const subscriptions = Object.values(resourcesOfType(template, 'AWS::SNS::Subscription')).map(
      (s) => s.Properties,
    );
    const on = (topic: unknown) =>
      Object.fromEntries(
        subscriptions
          .filter((s) => JSON.stringify(s['TopicArn']) === JSON.stringify(topic))
          .map((s) => [
            s['Endpoint'],
            s['FilterPolicy'] === undefined ? null : JSON.stringify(s['FilterPolicy']),
          ]),
      );
    expect(on(digestTopic)).toEqual({
      'secops@example.com': '{"owner":[{"exists":false}]}',
      'ciso@example.com': '{"owner":[{"exists":false}]}',
      'payments-oncall@example.com': '{"owner":["payments"]}',
      // Listed for both owners (in two spellings): one subscription, both owners.
      'pay-lead@example.com': '{"owner":["payments","web"]}',
      'web@example.com': '{"owner":["web"]}',
    });
    expect(on(alarmTopic)).toEqual({ 'oncall@example.com': null });
    for (const s of subscriptions) {
      expect(s['Protocol']).toBe('email');
      // Message attributes, SNS's default scope: PublishDigest sets `owner` as one.
      expect(s['FilterPolicyScope']).toBeUndefined();
    }
  });

  it('lets ListAccounts walk this organization’s OUs, read its accounts’ tags, and keep the tag cache', () => {
    const statements = roleStatements(
      template,
      logicalId(synthesized.stacks.auditor.functions.roles['list-accounts']),
    );
    expect(resourcesFor(statements, 'organizations:ListRoots')).toEqual(['*']);
    const walk = [orgArn(`root/${ORG_ID}/r-*`), orgArn(`ou/${ORG_ID}/ou-*`)];
    expect(resourcesFor(statements, 'organizations:ListOrganizationalUnitsForParent')).toEqual(walk);
    expect(resourcesFor(statements, 'organizations:ListAccountsForParent')).toEqual(walk);
    expect(resourcesFor(statements, 'organizations:ListTagsForResource')).toEqual([
      orgArn(`account/${ORG_ID}/*`),
    ]);
    const bucket = { 'Fn::GetAtt': [logicalId(synthesized.stacks.auditor.reportBucket), 'Arn'] };
    const cache = { 'Fn::Join': ['', [bucket, '/owners/account-tags.json']] };
    expect(resourcesFor(statements, 's3:GetObject')).toEqual([cache]);
    expect(resourcesFor(statements, 's3:PutObject')).toEqual([
      { 'Fn::Join': ['', [bucket, '/runs/*']] },
      cache,
    ]);
    expect(resourcesFor(statements, 's3:ListBucket')).toEqual([bucket]);
  });

  it('gives ListAccounts the time to pace its tag reads, and PublishDigest a minute more for owners', () => {
    // 300 s + 1.2 × 400 / 2 = 540 s; 60 s + 2 routed owners, rounded up to 120 s.
    expect(timeoutOf(template, 'org-key-audit-list-accounts')).toBe(540);
    expect(timeoutOf(template, 'org-key-audit-publish-digest')).toBe(120);
  });

  it('leaves no unacknowledged cdk-nag finding', () => {
    expect(nagViolations(synthesized)).toEqual([]);
  });
});

describe('a deployment with owners through the org-reader role', () => {
  let synthesized: SynthesizedApp;
  beforeAll(() => {
    synthesized = synthesizeApp({ ...DELEGATED_CONFIG, owners: OWNERS });
  }, 120_000);

  it('grants the Organizations reads to the org reader, and only the tag cache to ListAccounts', () => {
    const auditor = synthesized.template(synthesized.stacks.auditor);
    const lister = roleStatements(
      auditor,
      logicalId(synthesized.stacks.auditor.functions.roles['list-accounts']),
    );
    const organizations = lister
      .flatMap((s) => [s.Action].flat())
      .filter((a) => a.startsWith('organizations:'));
    expect(organizations).toEqual([]);
    expect(resourcesFor(lister, 's3:ListBucket')).toHaveLength(1);

    const management = synthesized.template(synthesized.stacks.managementRole);
    const reader = Object.values(resourcesOfType(management, 'AWS::IAM::Role')).find(
      (r) => r.Properties['RoleName'] === 'OrgKeyAuditOrgReader',
    );
    const policies = reader?.Properties['Policies'] as {
      PolicyName: string;
      PolicyDocument: { Statement: Statement[] };
    }[];
    expect(policies.map((p) => p.PolicyName)).toEqual(['ListAccounts', 'ReadOwners']);
    const statements = policies.flatMap((p) => p.PolicyDocument.Statement);
    expect(resourcesFor(statements, 'organizations:ListAccounts')).toEqual(['*']);
    expect(resourcesFor(statements, 'organizations:ListRoots')).toEqual(['*']);
    expect(resourcesFor(statements, 'organizations:ListAccountsForParent')).toEqual([
      orgArn(`root/${ORG_ID}/r-*`),
      orgArn(`ou/${ORG_ID}/ou-*`),
    ]);
    expect(resourcesFor(statements, 'organizations:ListTagsForResource')).toEqual([
      orgArn(`account/${ORG_ID}/*`),
    ]);
  });

  it('leaves no unacknowledged cdk-nag finding', () => {
    expect(nagViolations(synthesized)).toEqual([]);
  });
});

describe('a deployment without owners', () => {
  let synthesized: SynthesizedApp;
  beforeAll(() => {
    synthesized = synthesizeApp({ ...DELEGATED_CONFIG, useOrgReaderRole: false });
  }, 120_000);

  it('still sets OWNERS_JSON, to the defaults, so the deployed rules can be read', () => {
    const template = synthesized.template(synthesized.stacks.auditor);
    expect(JSON.parse(variablesOf(template, 'org-key-audit-list-accounts')['OWNERS_JSON'] ?? '')).toEqual({
      userTagKey: 'owner',
      accountTagKey: null,
      organizationalUnits: {},
      securityTeam: 'security-team',
      routed: [],
      accountTags: DEFAULT_OWNER_RULES.accountTags,
    });
  });

  it('grants no owner reads and keeps the built-in timeouts', () => {
    const template = synthesized.template(synthesized.stacks.auditor);
    const lister = roleStatements(
      template,
      logicalId(synthesized.stacks.auditor.functions.roles['list-accounts']),
    );
    expect(lister.flatMap((s) => [s.Action].flat()).sort()).toEqual(
      [
        'kms:Decrypt',
        'kms:GenerateDataKey',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'organizations:ListAccounts',
        's3:PutObject',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ].sort(),
    );
    expect(timeoutOf(template, 'org-key-audit-list-accounts')).toBe(300);
    expect(timeoutOf(template, 'org-key-audit-publish-digest')).toBe(60);
  });
});

describe('owners that the deployment cannot carry', () => {
  it('refuses at synthesis an OWNERS_JSON that would push the environment over Lambda’s 4 KB', () => {
    // 120 mappings of ~50 bytes each: about 6 KB of OWNERS_JSON alone.
    const organizationalUnits = Object.fromEntries(
      Array.from({ length: 120 }, (_, i) => [`ou-ab12-${String(i).padStart(8, '0')}`, `team-${i}-platform`]),
    );
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const config = parseConfig({ ...DELEGATED_CONFIG, owners: { organizationalUnits } });
    expect(() => buildApp(app, config, { nag: false })).toThrow(
      /org-key-audit-validate-input: its environment would be about \d+ bytes, over Lambda's 4096-byte limit for all variables together; the largest: OWNERS_JSON \d+ bytes \(from config owners/,
    );
  });

  it('refuses a ListAccounts timeout longer than its Task’s TimeoutSeconds in the ASL', () => {
    const asl = JSON.parse(readFileSync(ASL_PATH, 'utf8')) as {
      States: Record<string, Record<string, unknown>>;
    };
    asl.States['ListAccounts'] = { ...asl.States['ListAccounts'], TimeoutSeconds: 300 };
    const definitionPath = join(mkdtempSync(join(tmpdir(), 'oka-asl-')), 'short.asl.json');
    writeFileSync(definitionPath, JSON.stringify(asl));
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const config = parseConfig({ ...DELEGATED_CONFIG, owners: OWNERS });
    // 540 s (see above) against the 300 s the Task allows.
    expect(() => buildApp(app, config, { nag: false, definitionPath })).toThrow(
      /org-key-audit-list-accounts may run 540 s, but the ListAccounts Task of .*short\.asl\.json times out after 300 s: raise the Task's TimeoutSeconds to at least 540, or lower owners\.accountTags\.maxPerRun/,
    );
  });
});
