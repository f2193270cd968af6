/**
 * The demo's two days (`keyaudit demo`, docs/owners.md): yesterday's audit, then what people do
 * overnight (rotate a key, deactivate one, an exemption runs out, a user appears with an old key),
 * then today's audit, whose digest opens with real NEW and RESOLVED sections. Owners come from
 * the generated organization's account tags and OUs; each routed owner has an email
 * subscription with the filter policy the deployment gives it, so what each would receive can
 * be written out. Targets are picked from the emulator's planted expectations, never from the
 * product's own output.
 */
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import type { ExpectedFinding, RunningEmulator } from '@org-key-audit/emulator';
import { type ConfigExemption, type OwnerRules, parseOwnerRules } from '@org-key-audit/functions/core';

const DAY_MS = 86_400_000;
/** The security team's mailbox in the demo. */
export const DEMO_SECURITY_EMAIL = 'security-team@example.com';
/** The user who appears overnight with a key created 400 days ago and never used. */
export const DEMO_NEW_USER = { userName: 'legacy-deploy', ageDays: 400 } as const;

/** What the demo changed between the two runs: the quick-start test reasons from this. */
export interface DemoChanges {
  readonly yesterday: string;
  readonly today: string;
  readonly rotated: {
    readonly accountId: string;
    readonly userName: string;
    readonly oldAccessKeyId: string;
    readonly newAccessKeyId: string;
  } | null;
  readonly deactivated: {
    readonly accountId: string;
    readonly userName: string;
    readonly accessKeyId: string;
  } | null;
  readonly exemptionExpired: {
    readonly accountId: string;
    readonly userName: string;
    readonly accessKeyId: string;
    readonly until: string;
  } | null;
  readonly newUser: {
    readonly accountId: string;
    readonly userName: string;
    readonly accessKeyId: string;
    readonly ageDays: number;
  } | null;
}

export interface DemoRouting {
  readonly owners: OwnerRules;
  /** Owner → the subscription that receives its digest (the owner's own address in the demo). */
  readonly subscriptions: ReadonlyMap<string, string>;
  readonly securitySubscription: string;
  /** Owners with findings the demo leaves without an address, to show "unrouted". */
  readonly unrouted: readonly string[];
}

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The owners the generated organization names (account tags), all routed but one, plus the
 * Sandbox OU mapped to an owner of its own; subscriptions made as CDK makes them.
 */
export async function subscribeDemoOwners(emulator: RunningEmulator): Promise<DemoRouting> {
  const tagged = new Set<string>();
  for (const account of emulator.state.accounts.values()) {
    const owner = account.tags.get('owner');
    if (owner !== undefined) tagged.add(owner);
  }
  const sandbox = [...emulator.state.organizationalUnits.values()].find((ou) => ou.name === 'Sandbox');
  const names = [...tagged].sort();
  const unrouted = names.slice(-1);
  const routed = [...names.slice(0, -1), ...(sandbox === undefined ? [] : ['sandbox-owners@example.com'])];
  const owners = parseOwnerRules(
    {
      accountTagKey: 'owner',
      organizationalUnits: sandbox === undefined ? {} : { [sandbox.id]: 'sandbox-owners@example.com' },
      routed,
    },
    'the demo owners',
  );

  const sns = new SNSClient({
    region: emulator.region,
    endpoint: emulator.url,
    credentials: emulator.auditor,
  });
  try {
    const subscribe = async (endpoint: string, filterPolicy: unknown): Promise<string> => {
      const answer = await sns.send(
        new SubscribeCommand({
          TopicArn: emulator.resources.digestTopicArn,
          Protocol: 'email',
          Endpoint: endpoint,
          Attributes: { FilterPolicy: JSON.stringify(filterPolicy) },
          ReturnSubscriptionArn: true,
        }),
      );
      return answer.SubscriptionArn ?? '';
    };
    const securitySubscription = await subscribe(DEMO_SECURITY_EMAIL, { owner: [{ exists: false }] });
    const subscriptions = new Map<string, string>();
    for (const owner of routed) subscriptions.set(owner, await subscribe(owner, { owner: [owner] }));
    return { owners, subscriptions, securitySubscription, unrouted };
  } finally {
    sns.destroy();
  }
}

/** A planted finding of an audited account's user with one key, overdue: a key someone would rotate. */
function overdueSingleKeys(emulator: RunningEmulator): ExpectedFinding[] {
  const audited = new Set(
    emulator.expected.accounts.filter((a) => a.expectedStatus === 'AUDITED').map((a) => a.accountId),
  );
  const exempted = new Set(emulator.expected.exempted.map((f) => `${f.accountId}/${f.userName}`));
  return emulator.expected.findings.filter((f) => {
    if (f.type !== 'ROTATION_OVERDUE' || f.accessKeyId === null || !audited.has(f.accountId)) return false;
    if (exempted.has(`${f.accountId}/${f.userName}`)) return false;
    const user = emulator.state.accounts.get(f.accountId)?.users.find((u) => u.userName === f.userName);
    return user?.keys.length === 1 && user.keys[0]?.status === 'Active';
  });
}

/**
 * Yesterday's configured exemption: one overdue key, exempt up to and including yesterday, so
 * today it has run out and the key is NEW again (with the expired exemption in the warnings).
 */
export function demoExemptions(emulator: RunningEmulator, yesterdayMs: number): ConfigExemption[] {
  const target = overdueSingleKeys(emulator)[2];
  if (target === undefined || target.accessKeyId === null) return [];
  return [
    {
      accountId: target.accountId,
      userName: target.userName,
      accessKeyId: target.accessKeyId,
      reason: 'vendor migration (the demo lets it run out)',
      until: day(yesterdayMs),
    },
  ];
}

/** Overnight: moves the clock a day on and changes keys the way people do. */
export function changeKeysOvernight(
  emulator: RunningEmulator,
  yesterdayMs: number,
  exemptions: readonly ConfigExemption[],
): DemoChanges {
  const admin = (path: string, method: string, body?: unknown): Record<string, unknown> => {
    const answer = emulator.admin(path, method, body);
    if (answer.status !== 200) throw new Error(`${method} ${path}: ${JSON.stringify(answer.body)}`);
    return answer.body as Record<string, unknown>;
  };
  emulator.clock.advance(DAY_MS);
  const [rotate, deactivate] = overdueSingleKeys(emulator);
  let rotated: DemoChanges['rotated'] = null;
  if (rotate?.accessKeyId) {
    const created = admin(`/_emulator/accounts/${rotate.accountId}/access-keys`, 'POST', {
      userName: rotate.userName,
    });
    admin(`/_emulator/accounts/${rotate.accountId}/access-keys/${rotate.accessKeyId}`, 'DELETE');
    rotated = {
      accountId: rotate.accountId,
      userName: rotate.userName,
      oldAccessKeyId: rotate.accessKeyId,
      newAccessKeyId: String(created['accessKeyId']),
    };
  }
  let deactivated: DemoChanges['deactivated'] = null;
  if (deactivate?.accessKeyId) {
    admin(`/_emulator/accounts/${deactivate.accountId}/access-keys/${deactivate.accessKeyId}`, 'POST', {
      status: 'Inactive',
    });
    deactivated = {
      accountId: deactivate.accountId,
      userName: deactivate.userName,
      accessKeyId: deactivate.accessKeyId,
    };
  }
  const home = (rotate ?? deactivate)?.accountId;
  let newUser: DemoChanges['newUser'] = null;
  if (home !== undefined) {
    const answer = admin(`/_emulator/accounts/${home}/users`, 'POST', {
      userName: DEMO_NEW_USER.userName,
      keys: [{ ageDays: DEMO_NEW_USER.ageDays }],
    });
    const [accessKeyId] = answer['accessKeyIds'] as string[];
    newUser = {
      accountId: home,
      userName: DEMO_NEW_USER.userName,
      accessKeyId: accessKeyId ?? '',
      ageDays: DEMO_NEW_USER.ageDays,
    };
  }
  const [expiring] = exemptions;
  return {
    yesterday: day(yesterdayMs),
    today: day(emulator.clock.nowMs()),
    rotated,
    deactivated,
    exemptionExpired:
      expiring?.accessKeyId === undefined
        ? null
        : {
            accountId: expiring.accountId,
            userName: expiring.userName,
            accessKeyId: expiring.accessKeyId,
            until: expiring.until,
          },
    newUser,
  };
}
