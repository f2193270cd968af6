/**
 * Routing to owners, end to end: the real ASL and handlers on the emulator, an organization with
 * nested OUs and tagged accounts, and SNS subscriptions made the way the deployment makes them
 * (docs/owners.md: one per owner endpoint with `{"owner": ["<owner>"]}`, the security team's with
 * `{"owner": [{"exists": false}]}`). Each subscription's deliveries are read from the emulator's
 * SNS, so what is checked is what each mailbox would receive. Expected owners follow from the
 * rules (user tag, then account tag, then the nearest mapped OU, then the security team).
 */
import { SubscribeCommand } from '@aws-sdk/client-sns';
import type { RunningEmulator } from '@org-key-audit/emulator';
import type { OwnerRules } from '@org-key-audit/functions/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConfigInput, ownerRulesOf, parseConfig } from '../../infra/lib/config';
import { DELEGATED } from '../deployment/support';
import { type LocalEnv, runLocal, startLocalEnv } from '../support/local-env';

const MANAGEMENT = '111111111111';
const AUDIT = '222222222222';
const PAYMENTS_PROD = '333333333333';
const DATA = '444444444444';
const SANDBOX = '555555555555';
const LEGACY = '666666666666';

const SPEC = {
  now: '2026-11-02T09:00:00Z',
  organizationalUnits: [{ name: 'Workloads', children: [{ name: 'Payments' }] }],
  accounts: [
    { id: MANAGEMENT, name: 'management' },
    { id: AUDIT, name: 'audit' },
    {
      id: PAYMENTS_PROD,
      name: 'payments-prod',
      ou: 'Workloads/Payments',
      users: [
        { name: 'alice', keys: [{ ageDays: 120, lastUsedDaysAgo: 1 }] },
        // Her own tag beats the OU: she works for the identity team.
        { name: 'mallory', tags: { owner: 'identity' }, keys: [{ ageDays: 150, lastUsedDaysAgo: 1 }] },
      ],
    },
    {
      id: DATA,
      name: 'data',
      ou: 'Workloads',
      // The account's tag beats the OU it sits in.
      tags: { owner: 'data' },
      users: [{ name: 'carol', keys: [{ ageDays: 200, lastUsedDaysAgo: null }] }],
    },
    {
      id: SANDBOX,
      name: 'sandbox',
      ou: 'Workloads',
      users: [{ name: 'erin', keys: [{ ageDays: 100, lastUsedDaysAgo: 2 }] }],
    },
    { id: LEGACY, name: 'legacy', users: [{ name: 'frank', keys: [{ ageDays: 130, lastUsedDaysAgo: 5 }] }] },
  ],
};

const ENDPOINTS = {
  payments: 'payments@example.com',
  data: 'data@example.com',
  identity: 'identity@example.com',
} as const;
const SECURITY = 'secops@example.com';

/** `user/TYPE` of every finding line under the digest's open list. */
function openFindings(body: string): string[] {
  const start = body.indexOf('FINDINGS NEEDING ATTENTION');
  if (start === -1) return [];
  const end = ['\nEXEMPTIONS EXPIRING', '\nROUTING', '\nEXEMPTED', '\nWARNINGS', '\nLINKS']
    .map((h) => body.indexOf(h, start))
    .filter((i) => i !== -1)
    .sort((a, b) => a - b)[0];
  return [...body.slice(start, end).matchAll(/^ {4}- (\S+) {2}AKIA\S+ .*? {2}([A-Z_]+) \(/gm)]
    .map((m) => `${m[1]}/${m[2]}`)
    .sort();
}

/** The deployment's `owners`, as a security team would write it for this organization. */
function ownersConfig(emulator: RunningEmulator): NonNullable<ConfigInput['owners']> {
  const ouId = (name: string) =>
    [...emulator.state.organizationalUnits.values()].find((ou) => ou.name === name)?.id ?? '';
  return {
    accountTagKey: 'owner',
    organizationalUnits: { [ouId('Payments')]: 'payments', [ouId('Workloads')]: 'platform' },
    endpoints: Object.fromEntries(Object.entries(ENDPOINTS).map(([owner, email]) => [owner, [email]])),
  };
}

describe('routing to owners through SNS filter policies (the deployed roles, their policies enforced)', () => {
  let env: LocalEnv;
  const subscriptions = new Map<string, string>();
  let status: string;

  beforeAll(async () => {
    env = await startLocalEnv({
      preset: 'cases',
      orgSpec: SPEC,
      enforcePolicies: true,
      config: (emulator) => ({ owners: ownersConfig(emulator) }),
    });
    const { emulator } = env;
    // CloudFormation makes the subscriptions in the deployment; here the operator does.
    const { sns } = env.operator;
    const subscribe = async (endpoint: string, filterPolicy: unknown) => {
      const answer = await sns.send(
        new SubscribeCommand({
          TopicArn: emulator.resources.digestTopicArn,
          Protocol: 'email',
          Endpoint: endpoint,
          Attributes: { FilterPolicy: JSON.stringify(filterPolicy) },
          ReturnSubscriptionArn: true,
        }),
      );
      subscriptions.set(endpoint, answer.SubscriptionArn ?? '');
    };
    await subscribe(SECURITY, { owner: [{ exists: false }] });
    for (const [owner, endpoint] of Object.entries(ENDPOINTS)) await subscribe(endpoint, { owner: [owner] });

    // What CDK writes into OWNERS_JSON for the same configuration.
    const owners: OwnerRules = ownerRulesOf(parseConfig({ ...DELEGATED, owners: ownersConfig(emulator) }));
    const result = await runLocal(env, { executionName: 'routing', owners });
    status = `${result.status} ${result.error ?? ''} ${result.cause ?? ''}`;
  }, 120_000);

  afterAll(() => env?.stop());

  const received = (endpoint: string) => env.emulator.messaging.deliveries(subscriptions.get(endpoint) ?? '');

  it('succeeds as the deployed roles, with no refused call and none outside the edge catalogue', () => {
    expect(status.trim()).toBe('SUCCEEDED');
    expect(env.enforcing).toBe(true);
    expect(env.denials).toEqual([]);
    expect(env.uncoveredCalls()).toEqual([]);
  });

  it('each owner receives one digest with exactly its own findings', () => {
    const expected: Record<keyof typeof ENDPOINTS, string[]> = {
      // The nearest mapped OU (Payments, inside Workloads) owns alice's key.
      payments: ['alice/ROTATION_OVERDUE'],
      // The account's tag: carol's key is overdue and never used.
      data: ['carol/NEVER_USED', 'carol/ROTATION_OVERDUE'],
      // mallory's own tag.
      identity: ['mallory/ROTATION_OVERDUE'],
    };
    for (const [owner, endpoint] of Object.entries(ENDPOINTS) as [keyof typeof ENDPOINTS, string][]) {
      const messages = received(endpoint);
      expect(messages, owner).toHaveLength(1);
      const [message] = messages;
      expect(message?.attributes?.['owner']).toEqual({ dataType: 'String', value: owner });
      expect(message?.subject?.startsWith(`[org-key-audit][${owner}] `), message?.subject).toBe(true);
      expect(message?.message).toContain(`org-key-audit digest for ${owner}`);
      expect(openFindings(message?.message ?? ''), owner).toEqual(expected[owner]);
    }
  });

  it("the security team receives the full digest once, and none of the owners' copies", () => {
    const messages = received(SECURITY);
    expect(messages).toHaveLength(1);
    const [message] = messages;
    expect(message?.attributes?.['owner']).toBeUndefined();
    expect(openFindings(message?.message ?? '')).toEqual(
      [
        'alice/ROTATION_OVERDUE',
        'carol/NEVER_USED',
        'carol/ROTATION_OVERDUE',
        'erin/ROTATION_OVERDUE',
        'frank/ROTATION_OVERDUE',
        'mallory/ROTATION_OVERDUE',
      ].sort(),
    );
    // Sandbox sits in Workloads, mapped to "platform", which has no subscription.
    expect(message?.message).toContain(
      'UNROUTED (1): owners with findings but no subscription; add them to owners.endpoints',
    );
    expect(message?.message).toContain('    - platform: 1 finding');
    expect(message?.message).toMatch(
      /Sent to 3 owners as their own digest: data \(2\), identity \(1\), payments \(1\)/,
    );
    // frank's account has no tag and no mapped OU: the security team's own.
    expect(message?.message).toContain('OWNER security-team (1)');
  });

  it('publishes the full digest and one message per routed owner, nothing for the unrouted', () => {
    const topic = env.emulator.resources.digestTopicArn;
    const published = env.emulator.messaging.published().filter((m) => m.topicArn === topic);
    expect(published.map((m) => m.attributes?.['owner']?.value ?? '(full)').sort()).toEqual(
      ['(full)', 'data', 'identity', 'payments'].sort(),
    );
  });
});
