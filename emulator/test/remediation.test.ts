/**
 * What approval-gated deactivation (docs/remediation.md) needs of the emulator, through the plain
 * SDK v3 clients: UpdateAccessKey and ListAccessKeys as IAM answers them, the remediation role in
 * the member accounts and its trust, the admin routes that change a key between proposal and
 * approval, and task tokens whose deadlines pass on the emulator clock.
 */
import {
  GetAccessKeyLastUsedCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListUserTagsCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ExecutionContext,
  type ExecutionOutcome,
  generateOrganization,
  type RunningEmulator,
  startEmulator,
  type TaskTokenOptions,
} from '../src/index';
import { adminFetch, assumeAuditRole, auditorCredentials, type Credentials, iam, sts } from './helpers';

const MANAGEMENT = '111111111111';
const AUDIT = '222222222222';
/** Has both roles. */
const TEAM = '333333333333';
/** The remediation StackSet never reached it (`remediationRole: false`). */
const UNREACHED = '444444444444';
/** Neither role: it inherits the audit role's absence. */
const NO_ROLES = '555555555555';
const REMEDIATION_ROLE = 'org-key-audit-remediation';
const REMEDIATE_KEY_ROLE = 'org-key-audit-remediate-key';
const NOW = '2025-06-15T12:00:00.000Z';

const SPEC = {
  now: NOW,
  remediationRole: true,
  accounts: [
    { id: MANAGEMENT, name: 'management' },
    { id: AUDIT, name: 'security' },
    {
      id: TEAM,
      name: 'team',
      users: [
        { name: 'alice', keys: [{ ageDays: 400, lastUsedDaysAgo: 200 }] },
        { name: 'bob', keys: [{ ageDays: 10, lastUsedDaysAgo: 1 }] },
      ],
    },
    {
      id: UNREACHED,
      name: 'unreached',
      remediationRole: false,
      users: [{ name: 'carol', keys: [{ ageDays: 500 }] }],
    },
    { id: NO_ROLES, name: 'no-roles', auditRole: false },
  ],
};

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({ orgSpec: SPEC, faults: { iamThrottling: { enabled: false } } });
});
afterAll(async () => {
  await emu.stop();
});

function keyOf(accountId: string, userName: string): { accessKeyId: string; secretAccessKey: string } {
  const key = emu.state.accounts.get(accountId)?.users.find((u) => u.userName === userName)?.keys[0];
  if (key === undefined) throw new Error(`no key of ${userName} in ${accountId}`);
  return key;
}

async function errorOf(promise: Promise<unknown>): Promise<{
  name: string;
  message: string;
  $metadata: { httpStatusCode?: number };
}> {
  try {
    await promise;
  } catch (error) {
    return error as { name: string; message: string; $metadata: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail');
}

/** A session of the RemediateKey Lambda's role, assuming `roleName` in `accountId`. */
async function assumeAs(caller: Credentials, accountId: string, roleName: string): Promise<Credentials> {
  const out = await sts(emu, caller).send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${accountId}:role/${roleName}`,
      RoleSessionName: 'remediate-key-test',
    }),
  );
  const c = out.Credentials;
  return {
    accessKeyId: c!.AccessKeyId!,
    secretAccessKey: c!.SecretAccessKey!,
    sessionToken: c!.SessionToken!,
  };
}

const remediateKeyLambda = (): Credentials => emu.roleCredentials(REMEDIATE_KEY_ROLE, REMEDIATE_KEY_ROLE);

describe('UpdateAccessKey and ListAccessKeys', () => {
  it("without UserName a user changes their own key; ListAccessKeys shows each key's Status and CreateDate", async () => {
    const bob = keyOf(TEAM, 'bob');
    const asBob: IAMClient = iam(emu, bob);
    await asBob.send(new UpdateAccessKeyCommand({ AccessKeyId: bob.accessKeyId, Status: 'Inactive' }));
    const listed = await asBob.send(new ListAccessKeysCommand({}));
    // Planted 10 days before NOW, on that UTC day.
    const created = listed.AccessKeyMetadata?.[0]?.CreateDate?.toISOString().slice(0, 10);
    expect(listed.AccessKeyMetadata).toMatchObject([
      { UserName: 'bob', AccessKeyId: bob.accessKeyId, Status: 'Inactive' },
    ]);
    expect(created).toBe('2025-06-05');
    await asBob.send(new UpdateAccessKeyCommand({ AccessKeyId: bob.accessKeyId, Status: 'Active' }));
  });

  it('refuses a role without UserName, a status other than Active or Inactive, and a key the user does not hold', async () => {
    const client = iam(emu, await assumeAuditRole(emu, TEAM));
    const alice = keyOf(TEAM, 'alice').accessKeyId;
    const bob = keyOf(TEAM, 'bob').accessKeyId;

    const noUser = await errorOf(
      client.send(new UpdateAccessKeyCommand({ AccessKeyId: alice, Status: 'Inactive' })),
    );
    expect(noUser).toMatchObject({
      name: 'ValidationError',
      message: 'Must specify userName when calling with non-User credentials',
      $metadata: { httpStatusCode: 400 },
    });

    const badStatus = await errorOf(
      client.send(
        new UpdateAccessKeyCommand({
          UserName: 'alice',
          AccessKeyId: alice,
          Status: 'Disabled' as unknown as 'Inactive',
        }),
      ),
    );
    expect(badStatus).toMatchObject({
      name: 'ValidationError',
      message:
        "1 validation error detected: Value 'Disabled' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive, Expired]",
      $metadata: { httpStatusCode: 400 },
    });
    // The request's shape is checked first: an unknown user with a bad status is still a ValidationError.
    const shapeFirst = await errorOf(
      client.send(
        new UpdateAccessKeyCommand({
          UserName: 'nobody',
          AccessKeyId: alice,
          Status: 'Off' as unknown as 'Active',
        }),
      ),
    );
    expect(shapeFirst.name).toBe('ValidationError');

    const otherUsersKey = await errorOf(
      client.send(new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: bob, Status: 'Inactive' })),
    );
    expect(otherUsersKey).toMatchObject({
      name: 'NoSuchEntityException',
      message: `The Access Key with id ${bob} cannot be found.`,
      $metadata: { httpStatusCode: 404 },
    });
    const unknown = await errorOf(
      client.send(
        new UpdateAccessKeyCommand({
          UserName: 'alice',
          AccessKeyId: 'AKIA0000000000000000',
          Status: 'Inactive',
        }),
      ),
    );
    expect(unknown).toMatchObject({
      name: 'NoSuchEntityException',
      message: 'The Access Key with id AKIA0000000000000000 cannot be found.',
    });
    const noSuchUser = await errorOf(
      client.send(new UpdateAccessKeyCommand({ UserName: 'nobody', AccessKeyId: alice, Status: 'Inactive' })),
    );
    expect(noSuchUser).toMatchObject({
      name: 'NoSuchEntityException',
      message: 'The user with name nobody cannot be found.',
    });
    // Nothing was changed by the refusals.
    expect(emu.state.accounts.get(TEAM)?.users[0]?.keys[0]?.status).toBe('Active');
  });
});

describe('the remediation role', () => {
  it('is planted where asked, trusting only the RemediateKey Lambda, and deactivates a key through it', async () => {
    expect(emu.remediationRoleName).toBe(REMEDIATION_ROLE);
    const roles = (id: string) => [...(emu.state.accounts.get(id)?.roles.keys() ?? [])].sort();
    expect(roles(TEAM)).toEqual(['OrgKeyAuditRole', REMEDIATION_ROLE]);
    expect(roles(MANAGEMENT)).toEqual(['OrgKeyAuditRole', REMEDIATION_ROLE]);
    expect(roles(UNREACHED)).toEqual(['OrgKeyAuditRole']);
    expect(roles(NO_ROLES)).toEqual([]);
    expect(emu.state.accounts.get(TEAM)?.roles.get(REMEDIATION_ROLE)?.trustedPrincipals).toEqual([
      `arn:aws:iam::${AUDIT}:role/${REMEDIATE_KEY_ROLE}`,
    ]);

    const remediation = iam(emu, await assumeAs(remediateKeyLambda(), TEAM, REMEDIATION_ROLE));
    const alice = keyOf(TEAM, 'alice').accessKeyId;
    await remediation.send(
      new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: alice, Status: 'Inactive' }),
    );
    const listed = await remediation.send(new ListAccessKeysCommand({ UserName: 'alice' }));
    expect(listed.AccessKeyMetadata?.map((k) => [k.AccessKeyId, k.Status])).toEqual([[alice, 'Inactive']]);
    await remediation.send(
      new UpdateAccessKeyCommand({ UserName: 'alice', AccessKeyId: alice, Status: 'Active' }),
    );
  });

  it('answers AccessDenied where it is missing, and to any caller it does not trust', async () => {
    const lambda = remediateKeyLambda();
    const deniedMessage = (accountId: string, role: string, session: string) =>
      `User: arn:aws:sts::${AUDIT}:assumed-role/${session} is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${accountId}:role/${role}`;

    const missing = await errorOf(assumeAs(lambda, UNREACHED, REMEDIATION_ROLE));
    expect(missing).toMatchObject({
      name: 'AccessDenied',
      message: deniedMessage(UNREACHED, REMEDIATION_ROLE, `${REMEDIATE_KEY_ROLE}/${REMEDIATE_KEY_ROLE}`),
      $metadata: { httpStatusCode: 403 },
    });
    // The audit Lambda may read, never deactivate; the RemediateKey Lambda may not use the audit role.
    const auditor = await errorOf(assumeAs(auditorCredentials(emu), TEAM, REMEDIATION_ROLE));
    expect(auditor).toMatchObject({
      name: 'AccessDenied',
      message: deniedMessage(TEAM, REMEDIATION_ROLE, 'OrgKeyAuditAuditor/org-key-audit'),
    });
    const auditRole = await errorOf(assumeAs(lambda, TEAM, 'OrgKeyAuditRole'));
    expect(auditRole.name).toBe('AccessDenied');
  });

  it('can be untrusted, removed and put back through the admin routes', async () => {
    const path = `/_emulator/accounts/${TEAM}/roles`;
    const listed = await adminFetch(emu, 'GET', path);
    expect(listed).toMatchObject({ status: 200, json: { accountId: TEAM } });
    const before = (listed.json as { roles: { roleName: string; roleId: string }[] }).roles.find(
      (r) => r.roleName === REMEDIATION_ROLE,
    );

    const other = `arn:aws:iam::${AUDIT}:role/someone-else`;
    expect(
      await adminFetch(emu, 'POST', `${path}/${REMEDIATION_ROLE}`, { trustedPrincipals: [other] }),
    ).toMatchObject({
      status: 200,
      json: { roleName: REMEDIATION_ROLE, roleId: before?.roleId, trustedPrincipals: [other] },
    });
    expect((await errorOf(assumeAs(remediateKeyLambda(), TEAM, REMEDIATION_ROLE))).name).toBe('AccessDenied');

    expect(await adminFetch(emu, 'DELETE', `${path}/${REMEDIATION_ROLE}`)).toMatchObject({
      status: 200,
      json: { roleName: REMEDIATION_ROLE, deleted: true },
    });
    expect((await errorOf(assumeAs(remediateKeyLambda(), TEAM, REMEDIATION_ROLE))).name).toBe('AccessDenied');
    expect((await adminFetch(emu, 'DELETE', `${path}/${REMEDIATION_ROLE}`)).status).toBe(404);
    expect(
      (await adminFetch(emu, 'POST', `${path}/${REMEDIATION_ROLE}`, { trustedPrincipals: ['nope'] })).status,
    ).toBe(409);

    const trusted = `arn:aws:iam::${AUDIT}:role/${REMEDIATE_KEY_ROLE}`;
    await adminFetch(emu, 'POST', `${path}/${REMEDIATION_ROLE}`, { trustedPrincipals: [trusted] });
    await expect(assumeAs(remediateKeyLambda(), TEAM, REMEDIATION_ROLE)).resolves.toBeDefined();
  });

  it('is off unless asked for, and a generated organization with it keeps every id it had', () => {
    const now = new Date(NOW);
    const without = generateOrganization({ accounts: 8, users: 2, seed: 3, now });
    const withRole = generateOrganization({ accounts: 8, users: 2, seed: 3, now, remediationRole: true });
    expect(without.remediationRoleName).toBeNull();
    const ids = (org: typeof without) =>
      [...org.org.accounts.values()].map((a) => [
        a.id,
        a.users.map((u) => [u.userId, ...u.keys.map((k) => k.accessKeyId)]),
        a.roles.get('OrgKeyAuditRole')?.roleId ?? null,
      ]);
    expect(ids(withRole)).toEqual(ids(without));
    expect(withRole.expected).toEqual(without.expected);
    for (const account of withRole.org.accounts.values()) {
      // The generator plants two rollouts that missed the same accounts.
      expect(account.roles.has(REMEDIATION_ROLE)).toBe(account.roles.has('OrgKeyAuditRole'));
      expect([...(without.org.accounts.get(account.id)?.roles.keys() ?? [])]).not.toContain(REMEDIATION_ROLE);
    }
    expect(() =>
      generateOrganization({
        accounts: 3,
        users: 0,
        seed: 3,
        remediationRole: { roleName: 'OrgKeyAuditRole' },
      }),
    ).toThrow(/remediationRole.roleName must be a role of its own/);
  });
});

describe('changing a key between proposal and approval (admin routes)', () => {
  const keys = `/_emulator/accounts/${UNREACHED}/access-keys`;

  it('reads a key, marks it used now, tags its user exempt and rotates it', async () => {
    const carol = keyOf(UNREACHED, 'carol').accessKeyId;
    const read = await adminFetch(emu, 'GET', `${keys}/${carol}`);
    expect(read).toMatchObject({
      status: 200,
      json: {
        accountId: UNREACHED,
        userName: 'carol',
        accessKeyId: carol,
        status: 'Active',
        lastUsedAt: null,
      },
    });

    emu.clock.set(new Date('2025-06-20T09:30:00.000Z'));
    const used = await adminFetch(emu, 'POST', `${keys}/${carol}/last-used`, { service: 'iam' });
    expect(used).toMatchObject({
      status: 200,
      json: {
        accessKeyId: carol,
        lastUsedAt: '2025-06-20T09:30:00.000Z',
        lastUsedService: 'iam',
        lastUsedRegion: 'us-east-1',
      },
    });
    const member = iam(emu, await assumeAuditRole(emu, UNREACHED));
    const lastUsed = await member.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: carol }));
    expect(lastUsed.AccessKeyLastUsed?.LastUsedDate?.toISOString()).toBe('2025-06-20T09:30:00.000Z');

    const exempt = 'CHG-4242 vendor migration until=2025-12-31';
    const tagged = await adminFetch(emu, 'POST', `/_emulator/accounts/${UNREACHED}/users/carol/tags`, {
      tags: { 'org-key-audit:exempt': exempt, team: 'web' },
    });
    expect(tagged).toMatchObject({
      status: 200,
      json: { userName: 'carol', tags: { 'org-key-audit:exempt': exempt, team: 'web' } },
    });
    await adminFetch(emu, 'POST', `/_emulator/accounts/${UNREACHED}/users/carol/tags`, {
      tags: { team: null },
    });
    const tags = await member.send(new ListUserTagsCommand({ UserName: 'carol' }));
    expect(tags.Tags).toEqual([{ Key: 'org-key-audit:exempt', Value: exempt }]);

    emu.clock.set(new Date('2025-06-20T09:30:00.000Z'));
    const rotated = await adminFetch(emu, 'POST', `${keys}/${carol}/rotate`);
    const fresh = rotated.json as {
      accessKeyId: string;
      replaced: string;
      status: string;
      createdAt: string;
    };
    expect(rotated.status).toBe(200);
    expect(fresh).toMatchObject({
      userName: 'carol',
      replaced: carol,
      status: 'Active',
      createdAt: '2025-06-20T09:30:00.000Z',
    });
    expect(fresh.accessKeyId).not.toBe(carol);
    expect((await adminFetch(emu, 'GET', `${keys}/${carol}`)).status).toBe(404);
    const listed = await member.send(new ListAccessKeysCommand({ UserName: 'carol' }));
    expect(listed.AccessKeyMetadata?.map((k) => k.AccessKeyId)).toEqual([fresh.accessKeyId]);
  });

  it('answers 404 for an unknown account, key or user, and 409 for a use before the key existed', async () => {
    expect(
      (
        await adminFetch(
          emu,
          'POST',
          '/_emulator/accounts/999999999999/access-keys/AKIA0000000000000000/rotate',
        )
      ).status,
    ).toBe(404);
    expect((await adminFetch(emu, 'POST', `${keys}/AKIA0000000000000000/last-used`, {})).status).toBe(404);
    expect(
      (await adminFetch(emu, 'POST', `/_emulator/accounts/${UNREACHED}/users/nobody/tags`, { tags: {} }))
        .status,
    ).toBe(404);
    const bob = keyOf(TEAM, 'bob').accessKeyId;
    const early = await adminFetch(emu, 'POST', `/_emulator/accounts/${TEAM}/access-keys/${bob}/last-used`, {
      at: '2020-01-01T00:00:00Z',
    });
    expect(early.status).toBe(409);
  });
});

describe('task tokens on the emulator clock', () => {
  /** How each hosted execution's wait ended, by execution name. */
  const waits = new Map<string, Promise<unknown>>();
  let tokenEmu: RunningEmulator;
  let sfn: SFNClient;

  const host = {
    name: 'callbacks',
    type: 'STANDARD' as const,
    async start(execution: ExecutionContext): Promise<ExecutionOutcome> {
      const { token, options, abortAfterMs } = JSON.parse(execution.input) as {
        token: string;
        options: TaskTokenOptions;
        abortAfterMs?: number;
      };
      const controller = new AbortController();
      if (abortAfterMs !== undefined)
        setTimeout(() => controller.abort(new Error('the task failed otherwise')), abortAfterMs);
      const waiting = execution.waitForTaskToken(token, { ...options, signal: controller.signal });
      waits.set(
        execution.name,
        waiting.catch((error: unknown) => ({ rejected: String(error) })),
      );
      const result = await waits.get(execution.name);
      if (result !== null && typeof result === 'object' && 'output' in result) {
        return { status: 'SUCCEEDED', output: (result as { output: string }).output };
      }
      const failure = result as { error?: string; cause?: string; rejected?: string };
      return {
        status: 'FAILED',
        error: failure.error ?? 'Aborted',
        cause: failure.cause ?? failure.rejected ?? '',
      };
    },
  };

  beforeAll(async () => {
    tokenEmu = await startEmulator({ orgSpec: SPEC, stepFunctions: { stateMachines: [host] } });
    sfn = new SFNClient({
      endpoint: tokenEmu.url,
      region: tokenEmu.region,
      credentials: auditorCredentials(tokenEmu),
      maxAttempts: 1,
    });
  });
  afterAll(async () => {
    sfn.destroy();
    await tokenEmu.stop();
  });
  afterEach(() => {
    tokenEmu.clock.set(new Date(NOW));
  });

  async function startWaiting(name: string, token: string, options: TaskTokenOptions, abortAfterMs?: number) {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: tokenEmu.stepFunctions.stateMachineArn('callbacks'),
        name,
        input: JSON.stringify({ token, options, ...(abortAfterMs === undefined ? {} : { abortAfterMs }) }),
      }),
    );
    await expect.poll(() => waits.has(name)).toBe(true);
    return executionArn!;
  }

  async function settled(executionArn: string): Promise<DescribeExecutionCommandOutput> {
    for (let i = 0; i < 400; i++) {
      const out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      if (out.status !== 'RUNNING') return out;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    throw new Error(`${executionArn} is still RUNNING`);
  }

  it('a clock moved past the timeout times the task out at once; SendTaskSuccess then answers TaskTimedOut', async () => {
    const arn = await startWaiting('expires', 'token-expires', { timeoutSeconds: 7 * 86_400 });
    // A week is longer than no timer; the emulator clock is what passes it here.
    await tokenEmu.admin('/_emulator/clock', 'POST', { advanceMs: 7 * 86_400_000 + 1000 });
    expect(await settled(arn)).toMatchObject({ status: 'FAILED', error: 'States.Timeout' });
    const late = await errorOf(
      sfn.send(new SendTaskSuccessCommand({ taskToken: 'token-expires', output: '{}' })),
    );
    expect(late.name).toBe('TaskTimedOut');
  });

  it('a timeout longer than a timer can wait (30 days) does not fire early; heartbeats keep a task alive until its heartbeat lapses', async () => {
    const arn = await startWaiting('long', 'token-long', {
      timeoutSeconds: 30 * 86_400,
      heartbeatSeconds: 3600,
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    tokenEmu.clock.advance(3000 * 1000);
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: 'token-long' }));
    tokenEmu.clock.advance(3000 * 1000);
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: 'token-long' }));
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn: arn }))).status).toBe('RUNNING');
    tokenEmu.clock.advance(3601 * 1000);
    expect(await settled(arn)).toMatchObject({ status: 'FAILED', error: 'States.HeartbeatTimeout' });
  });

  it('passes SendTaskFailure error and cause at their limits, and refuses longer ones and non-JSON output', async () => {
    const arn = await startWaiting('failure', 'token-failure', { timeoutSeconds: 600 });
    const tooLongError = await errorOf(
      sfn.send(new SendTaskFailureCommand({ taskToken: 'token-failure', error: 'E'.repeat(257) })),
    );
    expect(tooLongError.name).toBe('ValidationException');
    const tooLongCause = await errorOf(
      sfn.send(new SendTaskFailureCommand({ taskToken: 'token-failure', cause: 'c'.repeat(32_769) })),
    );
    expect(tooLongCause.name).toBe('ValidationException');
    const notJson = await errorOf(
      sfn.send(new SendTaskSuccessCommand({ taskToken: 'token-failure', output: 'approved' })),
    );
    expect(notJson.name).toBe('InvalidOutput');
    const error = 'R'.repeat(256);
    const cause = JSON.stringify({ reason: 'x'.repeat(32_740) }).slice(0, 32_768);
    await sfn.send(new SendTaskFailureCommand({ taskToken: 'token-failure', error, cause }));
    expect(await settled(arn)).toMatchObject({ status: 'FAILED', error, cause });
  });

  it('answers InvalidToken for a token over 2048 characters and TaskDoesNotExist for one never issued', async () => {
    const long = 'A'.repeat(2049);
    expect(
      (await errorOf(sfn.send(new SendTaskSuccessCommand({ taskToken: long, output: '{}' })))).name,
    ).toBe('InvalidToken');
    const unknown = 'A'.repeat(2048);
    expect(
      (await errorOf(sfn.send(new SendTaskSuccessCommand({ taskToken: unknown, output: '{}' })))).name,
    ).toBe('TaskDoesNotExist');
  });

  it('closes the token when the host stops waiting (its signal): the wait rejects, a late answer is TaskTimedOut', async () => {
    const arn = await startWaiting('abandoned', 'token-abandoned', {}, 20);
    expect(await settled(arn)).toMatchObject({ status: 'FAILED', error: 'Aborted' });
    expect((await settled(arn)).cause).toContain('the task failed otherwise');
    const late = await errorOf(
      sfn.send(new SendTaskSuccessCommand({ taskToken: 'token-abandoned', output: '{}' })),
    );
    expect(late.name).toBe('TaskTimedOut');
  });
});
