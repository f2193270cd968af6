import {
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  ListTagsForResourceCommand,
  type OrganizationsClient,
  paginateListAccountsForParent,
} from '@aws-sdk/client-organizations';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateOrganization, organizationFromSpec } from '../src/generate';
import { type RunningEmulator, startEmulator } from '../src/index';
import { adminFetch, assumeAuditRole, auditorCredentials, organizations } from './helpers';

const NOW = new Date('2025-06-15T12:00:00Z');
const ids = (n: number) => String(200_000_000_000 + n);

/** root → A → A1 → deep; A holds one account itself; B holds 25 (for paging); the rest sit at the root. */
const SPEC = {
  organizationalUnits: [
    { name: 'A', children: [{ name: 'A1', tags: { tier: 'gold' } }] },
    { name: 'B', children: [] },
  ],
  accounts: [
    { id: ids(0), name: 'management', tags: { owner: 'platform@example.com' } },
    { id: ids(1), name: 'security' },
    { id: ids(2), name: 'deep', ou: 'A/A1', tags: { owner: 'deep@example.com', cost: '42' } },
    { id: ids(3), name: 'shallow', ou: 'A' },
    {
      id: ids(4),
      name: 'many-tags',
      tags: Object.fromEntries(
        Array.from({ length: 25 }, (_, i) => [`k${String(i).padStart(2, '0')}`, `v${i}`]),
      ),
    },
    ...Array.from({ length: 25 }, (_, i) => ({ id: ids(100 + i), name: `b-${i}`, ou: 'B' })),
  ],
};

let emu: RunningEmulator;
let client: OrganizationsClient;
beforeAll(async () => {
  emu = await startEmulator({ orgSpec: SPEC, now: NOW });
  client = organizations(emu, auditorCredentials(emu));
});
afterAll(async () => {
  client.destroy();
  await emu.stop();
});

async function rootId(): Promise<string> {
  const roots = await client.send(new ListRootsCommand({}));
  return roots.Roots?.[0]?.Id ?? '';
}

async function childOus(parentId: string): Promise<{ Id?: string; Name?: string; Arn?: string }[]> {
  return (
    (await client.send(new ListOrganizationalUnitsForParentCommand({ ParentId: parentId })))
      .OrganizationalUnits ?? []
  );
}

async function accountIdsIn(parentId: string): Promise<string[]> {
  const out: string[] = [];
  for await (const page of paginateListAccountsForParent({ client }, { ParentId: parentId })) {
    out.push(...(page.Accounts ?? []).map((a) => a.Id ?? ''));
  }
  return out;
}

async function ouId(parentId: string, name: string): Promise<string> {
  const ou = (await childOus(parentId)).find((o) => o.Name === name);
  if (ou?.Id === undefined) throw new Error(`no OU ${name} under ${parentId}`);
  return ou.Id;
}

async function failure(promise: Promise<unknown>) {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught as { name: string; message: string; $metadata: { httpStatusCode?: number } },
  );
  if (error === undefined) throw new Error('expected the call to fail');
  return error;
}

describe('ListRoots', () => {
  it('answers the one root with its id, ARN, name and no enabled policy types', async () => {
    const out = await client.send(new ListRootsCommand({}));
    expect(out.Roots).toHaveLength(1);
    const [root] = out.Roots ?? [];
    expect(root?.Id).toMatch(/^r-[0-9a-z]{4,32}$/);
    expect(root?.Arn).toMatch(
      new RegExp(`^arn:aws:organizations::${ids(0)}:root/o-[a-z0-9]{10,32}/${root?.Id}$`),
    );
    expect(root?.Name).toBe('Root');
    expect(root?.PolicyTypes).toEqual([]);
    expect(out.NextToken).toBeUndefined();
  });
});

describe('the OU tree', () => {
  it('walks root → A → A1 → the account placed there', async () => {
    const root = await rootId();
    const top = await childOus(root);
    expect(top.map((o) => o.Name)).toEqual(['A', 'B']);
    const a = await ouId(root, 'A');
    const a1 = await ouId(a, 'A1');
    // OU ids carry the root id's part, as AWS forms them.
    expect(a1).toMatch(new RegExp(`^ou-${root.slice(2)}-[a-z0-9]{8,32}$`));
    const [a1Ou] = await childOus(a);
    expect(a1Ou?.Arn).toMatch(new RegExp(`^arn:aws:organizations::${ids(0)}:ou/o-[a-z0-9]{10,32}/${a1}$`));
    expect(await childOus(a1)).toEqual([]);
    expect(await accountIdsIn(a1)).toEqual([ids(2)]);
  });

  it('lists only the accounts directly in a parent, not those of its child OUs', async () => {
    const root = await rootId();
    const a = await ouId(root, 'A');
    expect(await accountIdsIn(a)).toEqual([ids(3)]);
    expect(await accountIdsIn(root)).toEqual([ids(0), ids(1), ids(4)]);
  });

  it('answers accounts in the ListAccounts shape', async () => {
    const a1 = await ouId(await ouId(await rootId(), 'A'), 'A1');
    const out = await client.send(new ListAccountsForParentCommand({ ParentId: a1 }));
    const all = await client.send(new ListAccountsCommand({}));
    const deep = all.Accounts?.find((account) => account.Id === ids(2));
    expect(out.Accounts).toEqual([deep]);
    expect(out.Accounts?.[0]).toMatchObject({
      Name: 'deep',
      State: 'ACTIVE',
      Status: 'ACTIVE',
      JoinedMethod: 'CREATED',
    });
  });

  it('pages ListAccountsForParent by MaxResults until NextToken is absent', async () => {
    const b = await ouId(await rootId(), 'B');
    const sizes: number[] = [];
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListAccountsForParentCommand({ ParentId: b, MaxResults: 7, NextToken: token }),
      );
      sizes.push(page.Accounts?.length ?? 0);
      seen.push(...(page.Accounts ?? []).map((x) => x.Id ?? ''));
      token = page.NextToken;
    } while (token !== undefined);
    expect(sizes).toEqual([7, 7, 7, 4]);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => ids(100 + i)));
  });

  it('pages ListOrganizationalUnitsForParent too', async () => {
    const root = await rootId();
    const first = await client.send(
      new ListOrganizationalUnitsForParentCommand({ ParentId: root, MaxResults: 1 }),
    );
    expect(first.OrganizationalUnits?.map((o) => o.Name)).toEqual(['A']);
    const second = await client.send(
      new ListOrganizationalUnitsForParentCommand({
        ParentId: root,
        MaxResults: 1,
        NextToken: first.NextToken,
      }),
    );
    expect(second.OrganizationalUnits?.map((o) => o.Name)).toEqual(['B']);
    expect(second.NextToken).toBeUndefined();
  });
});

describe('errors', () => {
  it('ParentNotFoundException for a well-formed id that is not in the organization', async () => {
    for (const ParentId of ['ou-zzzz-zzzzzzzz', 'r-zzzz']) {
      const error = await failure(client.send(new ListAccountsForParentCommand({ ParentId })));
      expect(error.name).toBe('ParentNotFoundException');
      expect(error.$metadata.httpStatusCode).toBe(400);
      expect(
        (await failure(client.send(new ListOrganizationalUnitsForParentCommand({ ParentId })))).name,
      ).toBe('ParentNotFoundException');
    }
  });

  it('InvalidInputException for a malformed ParentId, MaxResults out of 1-20, or a token of another parent', async () => {
    const root = await rootId();
    const b = await ouId(root, 'B');
    for (const ParentId of ['bogus', '123456789012', 'ou-ABCD-12345678']) {
      expect((await failure(client.send(new ListAccountsForParentCommand({ ParentId })))).name).toBe(
        'InvalidInputException',
      );
    }
    for (const MaxResults of [0, 21]) {
      expect(
        (await failure(client.send(new ListAccountsForParentCommand({ ParentId: b, MaxResults })))).name,
      ).toBe('InvalidInputException');
      expect((await failure(client.send(new ListRootsCommand({ MaxResults })))).name).toBe(
        'InvalidInputException',
      );
    }
    const page = await client.send(new ListAccountsForParentCommand({ ParentId: b, MaxResults: 2 }));
    expect(
      (
        await failure(
          client.send(new ListAccountsForParentCommand({ ParentId: root, NextToken: page.NextToken })),
        )
      ).name,
    ).toBe('InvalidInputException');
  });

  it('TargetNotFoundException for an unknown account, InvalidInputException for a malformed id', async () => {
    const missing = await failure(
      client.send(new ListTagsForResourceCommand({ ResourceId: '999999999999' })),
    );
    expect(missing.name).toBe('TargetNotFoundException');
    expect(missing.$metadata.httpStatusCode).toBe(400);
    expect((await failure(client.send(new ListTagsForResourceCommand({ ResourceId: 'acct-1' })))).name).toBe(
      'InvalidInputException',
    );
  });

  it('AccessDeniedException for a member account, as for ListAccounts', async () => {
    const root = await rootId();
    const member = organizations(emu, await assumeAuditRole(emu, ids(3)));
    const calls = [
      member.send(new ListRootsCommand({})),
      member.send(new ListOrganizationalUnitsForParentCommand({ ParentId: root })),
      member.send(new ListAccountsForParentCommand({ ParentId: root })),
      member.send(new ListTagsForResourceCommand({ ResourceId: ids(2) })),
    ];
    for (const call of calls) {
      const error = await failure(call);
      expect(error.name).toBe('AccessDeniedException');
      expect(error.$metadata.httpStatusCode).toBe(403);
    }
    // The management account may.
    const management = organizations(emu, await assumeAuditRole(emu, ids(0)));
    expect((await management.send(new ListRootsCommand({}))).Roots).toHaveLength(1);
  });
});

describe('ListTagsForResource', () => {
  it("answers an account's tags as Key/Value pairs, and [] for an untagged account", async () => {
    const out = await client.send(new ListTagsForResourceCommand({ ResourceId: ids(2) }));
    expect(out.Tags).toEqual([
      { Key: 'owner', Value: 'deep@example.com' },
      { Key: 'cost', Value: '42' },
    ]);
    expect((await client.send(new ListTagsForResourceCommand({ ResourceId: ids(3) }))).Tags).toEqual([]);
  });

  it("also answers an OU's and the root's tags", async () => {
    const a1 = await ouId(await ouId(await rootId(), 'A'), 'A1');
    expect((await client.send(new ListTagsForResourceCommand({ ResourceId: a1 }))).Tags).toEqual([
      { Key: 'tier', Value: 'gold' },
    ]);
    expect((await client.send(new ListTagsForResourceCommand({ ResourceId: await rootId() }))).Tags).toEqual(
      [],
    );
  });

  it('follows NextToken until every tag is read', async () => {
    const keys: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(
        new ListTagsForResourceCommand({ ResourceId: ids(4), NextToken: token }),
      );
      keys.push(...(page.Tags ?? []).map((t) => t.Key ?? ''));
      token = page.NextToken;
      pages += 1;
    } while (token !== undefined);
    expect(keys).toEqual(Array.from({ length: 25 }, (_, i) => `k${String(i).padStart(2, '0')}`));
    expect(pages).toBeGreaterThan(1);
  });
});

describe('stats and faults', () => {
  it('counts calls per action and throttles the new actions like ListAccounts', async () => {
    emu.stats.reset();
    const root = await rootId();
    await client.send(new ListTagsForResourceCommand({ ResourceId: ids(2) }));
    await client.send(new ListTagsForResourceCommand({ ResourceId: ids(3) }));
    await client.send(new ListAccountsForParentCommand({ ParentId: root }));
    expect(emu.stats.total({ service: 'organizations', action: 'ListTagsForResource' })).toBe(2);
    expect(emu.stats.total({ service: 'organizations', action: 'ListAccountsForParent' })).toBe(1);
    expect(emu.stats.total({ service: 'organizations', action: 'ListRoots' })).toBe(1);

    emu.faults.merge({ organizationsThrottling: { count: 4 } });
    try {
      const calls = [
        client.send(new ListRootsCommand({})),
        client.send(new ListOrganizationalUnitsForParentCommand({ ParentId: root })),
        client.send(new ListAccountsForParentCommand({ ParentId: root })),
        client.send(new ListTagsForResourceCommand({ ResourceId: ids(2) })),
      ];
      for (const call of calls) expect((await failure(call)).name).toBe('TooManyRequestsException');
    } finally {
      emu.faults.merge({ organizationsThrottling: null });
    }
    expect(emu.stats.faultCount({ fault: 'organizationsThrottling', action: 'ListTagsForResource' })).toBe(1);
    expect(emu.stats.faultCount({ fault: 'organizationsThrottling' })).toBe(4);
    expect((await client.send(new ListRootsCommand({}))).Roots).toHaveLength(1);
  });
});

describe('authorization hook', () => {
  it('asks for organizations:ListRoots, … and answers a denial as AccessDeniedException', async () => {
    const asked: string[] = [];
    const guarded = await startEmulator({
      orgSpec: SPEC,
      now: NOW,
      authorize: (call) => {
        asked.push(call.action);
        return call.action === 'organizations:ListTagsForResource'
          ? { allowed: false, message: 'denied by test policy' }
          : { allowed: true };
      },
    });
    const org = organizations(guarded, auditorCredentials(guarded));
    try {
      const root = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? '';
      await org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: root }));
      await org.send(new ListAccountsForParentCommand({ ParentId: root }));
      const denied = await failure(org.send(new ListTagsForResourceCommand({ ResourceId: ids(2) })));
      expect(denied.name).toBe('AccessDeniedException');
      expect(asked).toEqual([
        'organizations:ListRoots',
        'organizations:ListOrganizationalUnitsForParent',
        'organizations:ListAccountsForParent',
        'organizations:ListTagsForResource',
      ]);
      expect(guarded.calls().map((c) => c.outcome)).toEqual(['ok', 'ok', 'ok', 'denied']);
    } finally {
      org.destroy();
      await guarded.stop();
    }
  });
});

describe('admin: retag and move accounts between runs', () => {
  it('changes an owner tag and an OU, seen at once through the API', async () => {
    const root = await rootId();
    const b = await ouId(root, 'B');
    const tagged = await adminFetch(emu, 'POST', `/_emulator/accounts/${ids(3)}/tags`, {
      tags: { owner: 'new-owner@example.com' },
    });
    expect(tagged.status).toBe(200);
    expect(tagged.json).toMatchObject({ accountId: ids(3), tags: { owner: 'new-owner@example.com' } });
    expect((await client.send(new ListTagsForResourceCommand({ ResourceId: ids(3) }))).Tags).toEqual([
      { Key: 'owner', Value: 'new-owner@example.com' },
    ]);

    const moved = await adminFetch(emu, 'POST', `/_emulator/accounts/${ids(3)}/parent`, { ou: 'B' });
    expect(moved).toEqual({
      status: 200,
      json: { accountId: ids(3), parentId: b, path: 'B', tags: { owner: 'new-owner@example.com' } },
    });
    expect(await accountIdsIn(b)).toContain(ids(3));
    expect(await accountIdsIn(await ouId(root, 'A'))).toEqual([]);

    // Back under the root by id, and the tag removed with null.
    expect(
      (await adminFetch(emu, 'POST', `/_emulator/accounts/${ids(3)}/parent`, { parentId: root })).status,
    ).toBe(200);
    emu.admin(`/_emulator/accounts/${ids(3)}/tags`, 'POST', { tags: { owner: null } });
    expect((await client.send(new ListTagsForResourceCommand({ ResourceId: ids(3) }))).Tags).toEqual([]);
    expect(await accountIdsIn(root)).toContain(ids(3));
  });

  it('replaces every tag with replace: true, and refuses bad input', async () => {
    emu.admin(`/_emulator/accounts/${ids(2)}/tags`, 'POST', { tags: { team: 'x' }, replace: true });
    expect((await client.send(new ListTagsForResourceCommand({ ResourceId: ids(2) }))).Tags).toEqual([
      { Key: 'team', Value: 'x' },
    ]);
    expect(emu.admin(`/_emulator/accounts/${ids(2)}/parent`, 'POST', { ou: 'Nope' }).status).toBe(404);
    expect(
      emu.admin(`/_emulator/accounts/${ids(2)}/parent`, 'POST', { parentId: 'ou-zzzz-zzzzzzzz' }).status,
    ).toBe(404);
    expect(emu.admin(`/_emulator/accounts/${ids(2)}/tags`, 'POST', { tags: { 'aws:x': 'y' } }).status).toBe(
      400,
    );
    expect(emu.admin(`/_emulator/accounts/${ids(2)}/tags`, 'POST', { tags: 'owner' }).status).toBe(400);
    expect(emu.admin('/_emulator/accounts/999999999999/tags', 'POST', { tags: {} }).status).toBe(404);
  });

  it('GET /_emulator/organization shows the tree with paths', async () => {
    const tree = emu.admin('/_emulator/organization', 'GET').body as {
      root: { id: string };
      organizationalUnits: { name: string; path: string; parentId: string }[];
      accounts: { accountId: string; path: string }[];
    };
    expect(tree.organizationalUnits.map((o) => o.path)).toEqual(['A', 'A/A1', 'B']);
    expect(tree.organizationalUnits[0]?.parentId).toBe(tree.root.id);
    expect(tree.accounts.find((a) => a.accountId === ids(100))?.path).toBe('B');
  });
});

describe('spec and generator', () => {
  it('refuses an account placed in an OU the spec does not declare, and twin sibling OUs', () => {
    expect(() =>
      organizationFromSpec({
        organizationalUnits: [{ name: 'A' }],
        accounts: [
          { id: ids(0), name: 'm' },
          { id: ids(1), name: 's', ou: 'A/Missing' },
        ],
      }),
    ).toThrow(/accounts\.1\.ou: no OU A\/Missing/);
    expect(() =>
      organizationFromSpec({
        organizationalUnits: [{ name: 'A' }, { name: 'A' }],
        accounts: [
          { id: ids(0), name: 'm' },
          { id: ids(1), name: 's' },
        ],
      }),
    ).toThrow(/organizationalUnits\.1\.name: duplicate OU name A/);
  });

  it('puts every generated account under the root by default', () => {
    const org = generateOrganization({ accounts: 8, users: 1, seed: 3, now: NOW });
    expect(org.org.organizationalUnits.size).toBe(0);
    expect(
      [...org.org.accounts.values()].every((a) => a.parentId === org.org.root.id && a.tags.size === 0),
    ).toBe(true);
  });

  it('with owners, plants OUs and owner tags without changing ids or expectations', async () => {
    const plain = generateOrganization({ accounts: 30, users: 3, seed: 7, now: NOW });
    const owned = generateOrganization({ accounts: 30, users: 3, seed: 7, now: NOW, owners: true });
    expect(owned.expected).toEqual(plain.expected);
    expect([...owned.org.credentials.keys()]).toEqual([...plain.org.credentials.keys()]);
    const owners = [...owned.org.accounts.values()].map((a) => a.tags.get('owner'));
    expect(owners.filter((o) => o !== undefined).length).toBeGreaterThan(20);

    const demo = await startEmulator({ accounts: 30, users: 1, seed: 7, now: NOW, owners: true });
    const org = organizations(demo, auditorCredentials(demo));
    try {
      const root = (await org.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? '';
      // Every account is reachable by walking the tree.
      const reached: string[] = [];
      const walk = async (parentId: string) => {
        for await (const page of paginateListAccountsForParent({ client: org }, { ParentId: parentId })) {
          reached.push(...(page.Accounts ?? []).map((a) => a.Id ?? ''));
        }
        const ous = await org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: parentId }));
        for (const ou of ous.OrganizationalUnits ?? []) await walk(ou.Id ?? '');
      };
      await walk(root);
      expect(reached.sort()).toEqual([...demo.state.accounts.keys()].sort());
      const top = await org.send(new ListOrganizationalUnitsForParentCommand({ ParentId: root }));
      expect(top.OrganizationalUnits?.map((o) => o.Name)).toEqual(['Security', 'Workloads', 'Sandbox']);
      const auditTags = await org.send(new ListTagsForResourceCommand({ ResourceId: demo.auditAccountId }));
      expect(auditTags.Tags).toEqual([{ Key: 'owner', Value: 'security@example.com' }]);
    } finally {
      org.destroy();
      await demo.stop();
    }
  });
});
