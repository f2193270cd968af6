/**
 * CloudFormation through the plain SDK v3 client: DescribeStacks of one stack (by name and by
 * ARN), of every stack, of an unknown one (AWS's ValidationError), stacks injected at start,
 * by the admin route and in-process; authorization on the stack's ARN; stats.
 */
import {
  CloudFormationClient,
  CloudFormationServiceException,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthorizationRequest, type RunningEmulator, startEmulator } from '../src/index';
import { adminFetch, assumeAuditRole, auditorCredentials, type Credentials } from './helpers';

const NOW = new Date('2025-06-15T12:00:00Z');
const AUDIT = '222222222222';
const MEMBER = '333333333333';
const REGION = 'eu-west-1';
const SPEC = {
  accounts: [
    { id: '111111111111', name: 'management' },
    { id: AUDIT, name: 'security' },
    { id: MEMBER, name: 'member', users: [{ name: 'ann' }] },
  ],
};
const STACK_ARN = new RegExp(
  `^arn:aws:cloudformation:${REGION}:${AUDIT}:stack/Auditor/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$`,
);

let emu: RunningEmulator;
const asked: AuthorizationRequest[] = [];

function client(credentials: Credentials = auditorCredentials(emu)): CloudFormationClient {
  return new CloudFormationClient({ endpoint: emu.url, region: emu.region, credentials, maxAttempts: 1 });
}

async function failure(promise: Promise<unknown>): Promise<CloudFormationServiceException> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CloudFormationServiceException) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  emu = await startEmulator({
    orgSpec: SPEC,
    now: NOW,
    region: REGION,
    cloudFormation: {
      stacks: [
        {
          name: 'Auditor',
          outputs: {
            StateMachineArn: `arn:aws:states:${REGION}:${AUDIT}:stateMachine:AuditOrganization`,
            ReportBucketName: 'reports',
            ChatTopicArn: { value: `arn:aws:sns:${REGION}:${AUDIT}:chat`, description: 'for chat' },
          },
        },
        { name: 'Other', outputs: {} },
        { name: 'Member', accountId: MEMBER, outputs: { Key: 'member' } },
      ],
    },
    authorize: (call) => {
      asked.push(call);
      return call.resource.includes(':stack/Secret/')
        ? {
            allowed: false,
            message: `not authorized to perform: ${call.action} on resource: ${call.resource}`,
          }
        : { allowed: true };
    },
  });
});

afterAll(async () => {
  await emu?.stop();
});

describe('DescribeStacks', () => {
  it('describes one stack by name: id, status, creation time and outputs', async () => {
    const out = await client().send(new DescribeStacksCommand({ StackName: 'Auditor' }));
    expect(out.Stacks).toHaveLength(1);
    const stack = out.Stacks![0]!;
    expect(stack.StackName).toBe('Auditor');
    expect(stack.StackId).toMatch(STACK_ARN);
    expect(stack.StackStatus).toBe('CREATE_COMPLETE');
    expect(stack.CreationTime).toEqual(NOW);
    expect(stack.Outputs).toEqual([
      {
        OutputKey: 'StateMachineArn',
        OutputValue: `arn:aws:states:${REGION}:${AUDIT}:stateMachine:AuditOrganization`,
      },
      { OutputKey: 'ReportBucketName', OutputValue: 'reports' },
      {
        OutputKey: 'ChatTopicArn',
        OutputValue: `arn:aws:sns:${REGION}:${AUDIT}:chat`,
        Description: 'for chat',
      },
    ]);
    expect(emu.cloudFormation.stackArn('Auditor')).toBe(stack.StackId);
  });

  it('describes a stack by its ARN', async () => {
    const arn = emu.cloudFormation.stackArn('Auditor');
    const out = await client().send(new DescribeStacksCommand({ StackName: arn }));
    expect(out.Stacks?.map((s) => s.StackName)).toEqual(['Auditor']);
  });

  it("without a StackName lists every stack of the caller's account and region", async () => {
    const out = await client().send(new DescribeStacksCommand({}));
    expect(out.Stacks?.map((s) => s.StackName)).toEqual(['Auditor', 'Other']);
    expect(out.Stacks?.[1]?.Outputs ?? []).toEqual([]);
    const member = await client(await assumeAuditRole(emu, MEMBER)).send(new DescribeStacksCommand({}));
    expect(member.Stacks?.map((s) => s.StackName)).toEqual(['Member']);
  });

  it('answers ValidationError "Stack with id X does not exist" for an unknown stack', async () => {
    const error = await failure(client().send(new DescribeStacksCommand({ StackName: 'Nope' })));
    expect(error.name).toBe('ValidationError');
    expect(error.message).toBe('Stack with id Nope does not exist');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(error.$fault).toBe('client');
  });

  it("does not describe another account's stack, by name or ARN", async () => {
    const byName = await failure(client().send(new DescribeStacksCommand({ StackName: 'Member' })));
    expect(byName.name).toBe('ValidationError');
    const arn = emu.cloudFormation.stackArn('Member', MEMBER);
    const byArn = await failure(client().send(new DescribeStacksCommand({ StackName: arn })));
    expect(byArn.message).toBe(`Stack with id ${arn} does not exist`);
  });
});

describe('injecting stacks', () => {
  it('POST /_emulator/cloudformation/stacks adds a stack, and again replaces its outputs', async () => {
    const added = await adminFetch(emu, 'POST', '/_emulator/cloudformation/stacks', {
      name: 'Added',
      outputs: { One: '1' },
    });
    expect(added.status).toBe(200);
    const first = (await client().send(new DescribeStacksCommand({ StackName: 'Added' }))).Stacks![0]!;
    expect(first.Outputs).toEqual([{ OutputKey: 'One', OutputValue: '1' }]);

    emu.clock.advance(60_000);
    await adminFetch(emu, 'POST', '/_emulator/cloudformation/stacks', {
      name: 'Added',
      outputs: { Two: '2' },
    });
    const second = (await client().send(new DescribeStacksCommand({ StackName: 'Added' }))).Stacks![0]!;
    expect(second.StackId).toBe(first.StackId);
    expect(second.StackStatus).toBe('UPDATE_COMPLETE');
    expect(second.Outputs).toEqual([{ OutputKey: 'Two', OutputValue: '2' }]);

    const listed = await adminFetch(emu, 'GET', '/_emulator/cloudformation/stacks');
    expect((listed.json as { stacks: { stackName: string }[] }).stacks.map((s) => s.stackName)).toContain(
      'Added',
    );
  });

  it('refuses a stack name AWS would refuse', async () => {
    const answer = await adminFetch(emu, 'POST', '/_emulator/cloudformation/stacks', { name: '1-bad_name' });
    expect(answer.status).toBe(400);
    expect(() => emu.cloudFormation.putStack({ name: 'ok', outputs: { K: 3 as unknown as string } })).toThrow(
      /output K/,
    );
  });

  it('emu.cloudFormation.putStack adds a stack in-process', async () => {
    const view = emu.cloudFormation.putStack({ name: 'InProcess', outputs: { K: 'v' } });
    expect(view.stackStatus).toBe('CREATE_COMPLETE');
    const out = await client().send(new DescribeStacksCommand({ StackName: 'InProcess' }));
    expect(out.Stacks?.[0]?.Outputs).toEqual([{ OutputKey: 'K', OutputValue: 'v' }]);
  });
});

describe('authorization and stats', () => {
  it('authorizes cloudformation:DescribeStacks on the stack ARN, or * without a name', async () => {
    asked.length = 0;
    await client().send(new DescribeStacksCommand({ StackName: 'Auditor' }));
    await client().send(new DescribeStacksCommand({}));
    await failure(client().send(new DescribeStacksCommand({ StackName: 'Nope' })));
    expect(asked.map((c) => [c.action, c.resource])).toEqual([
      ['cloudformation:DescribeStacks', emu.cloudFormation.stackArn('Auditor')],
      ['cloudformation:DescribeStacks', '*'],
      ['cloudformation:DescribeStacks', `arn:aws:cloudformation:${REGION}:${AUDIT}:stack/Nope/*`],
    ]);
  });

  it('a denial answers AccessDenied and the call is recorded as denied', async () => {
    emu.cloudFormation.putStack({ name: 'Secret', outputs: {} });
    const error = await failure(client().send(new DescribeStacksCommand({ StackName: 'Secret' })));
    expect(error.name).toBe('AccessDenied');
    expect(error.$metadata.httpStatusCode).toBe(403);
    const last = emu.calls().at(-1);
    expect(last).toMatchObject({
      service: 'cloudformation',
      action: 'cloudformation:DescribeStacks',
      resource: emu.cloudFormation.stackArn('Secret'),
      outcome: 'denied',
    });
  });

  it('counts DescribeStacks in stats', () => {
    const stat = emu.stats
      .snapshot()
      .calls.find((c) => c.service === 'cloudformation' && c.action === 'DescribeStacks');
    expect(stat?.count).toBeGreaterThan(0);
  });
});
