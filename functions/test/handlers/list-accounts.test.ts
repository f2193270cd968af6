import { ListAccountsCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeListAccountsHandler } from '../../src/handlers/list-accounts';
import { configFromEnv } from '../../src/runtime/config';
import { type MemoryS3, memoryS3 } from './support/memory-s3';
import { recordingTelemetry } from './support/telemetry';

const BUCKET = 'report-bucket';
const RUN = 'daily-2024-06-01';
const input = { accountIds: null, dryRun: false, thresholds: {}, reason: null };
const event = {
  executionName: RUN,
  executionArn: `arn:aws:states:us-east-1:111111111111:execution:sm:${RUN}`,
  input,
};

describe('ListAccounts handler', () => {
  const org = mockClient(OrganizationsClient);
  const sts = mockClient(STSClient);
  let s3: MemoryS3;

  function plantOrganization(): void {
    // Three pages, the middle one empty but carrying a token (Organizations does that).
    org
      .on(ListAccountsCommand, { NextToken: undefined })
      .resolves({
        Accounts: [
          { Id: '333333333333', Name: 'prod', State: 'ACTIVE' },
          { Id: '111111111111', Name: 'management', State: 'ACTIVE' },
        ],
        NextToken: 'page-2',
      })
      .on(ListAccountsCommand, { NextToken: 'page-2' })
      .resolves({ Accounts: [], NextToken: 'page-3' })
      .on(ListAccountsCommand, { NextToken: 'page-3' })
      .resolves({ Accounts: [{ Id: '222222222222', Name: 'old', State: 'SUSPENDED' }] });
  }

  function handler(env: Record<string, string> = {}) {
    const created: string[] = [];
    const h = makeListAccountsHandler({
      organizations: new OrganizationsClient({ region: 'us-east-1' }),
      sts: new STSClient({ region: 'us-east-1' }),
      s3: s3.client,
      config: configFromEnv({ REPORT_BUCKET: BUCKET, ...env }),
      telemetry: recordingTelemetry(),
      organizationsFor: (credentials) => {
        created.push(credentials.accessKeyId);
        return new OrganizationsClient({ region: 'us-east-1' });
      },
      listOptions: { sleep: async () => {} },
    });
    return { h, created };
  }

  beforeEach(() => {
    s3 = memoryS3();
  });
  afterEach(() => {
    org.reset();
    sts.reset();
    s3.mock.restore();
  });

  it('writes the ids to audit and the whole organization, and returns only counts and keys', async () => {
    plantOrganization();
    const result = await handler().h(event);

    expect(result).toEqual({
      bucket: BUCKET,
      itemsKey: `runs/${RUN}/items.json`,
      organizationKey: `runs/${RUN}/organization.json`,
      total: 3,
      toAudit: 2,
      skipped: 1,
      maxConcurrency: 40,
      // The default cap on AuditAccount invocations per account (core/continuation.ts).
      maxAuditIterations: 24,
      ownerWarnings: [],
    });
    expect(s3.json(BUCKET, result.itemsKey)).toEqual(['111111111111', '333333333333']);
    const organization = s3.json(BUCKET, result.organizationKey) as { accountId: string; decision: string }[];
    expect(organization.map((e) => [e.accountId, e.decision])).toEqual([
      ['111111111111', 'AUDIT'],
      ['333333333333', 'AUDIT'],
      ['222222222222', 'SKIP'],
    ]);
    expect(organization[2]).toMatchObject({ state: 'SUSPENDED', reason: 'the account is suspended' });
    expect(org.commandCalls(ListAccountsCommand)).toHaveLength(3);
    expect(sts.calls()).toHaveLength(0);
  });

  it('audits only the requested accounts and records a requested id outside the organization as skipped', async () => {
    plantOrganization();
    const result = await handler().h({
      ...event,
      input: { ...input, accountIds: ['333333333333', '999999999999'] },
    });

    expect(result).toMatchObject({ total: 4, toAudit: 1, skipped: 3 });
    expect(s3.json(BUCKET, result.itemsKey)).toEqual(['333333333333']);
    const organization = s3.json(BUCKET, result.organizationKey) as { accountId: string; reason?: string }[];
    expect(organization.find((e) => e.accountId === '999999999999')?.reason).toBe(
      'not a member of this organization',
    );
    expect(organization.find((e) => e.accountId === '111111111111')?.reason).toBe(
      'not requested in this run',
    );
  });

  it('lists through ORG_READER_ROLE_ARN when set (delegated administrator -> management account)', async () => {
    plantOrganization();
    sts.on(AssumeRoleCommand).resolves({
      Credentials: {
        AccessKeyId: 'ASIAORGREADER',
        SecretAccessKey: 'secret',
        SessionToken: 'token',
        Expiration: new Date(Date.now() + 3_600_000),
      },
    });
    const roleArn = 'arn:aws:iam::111111111111:role/OrgKeyAuditOrgReader';
    const { h, created } = handler({ ORG_READER_ROLE_ARN: roleArn });

    await h({ ...event, executionName: 'rerun-with-reader' });

    expect(sts.commandCalls(AssumeRoleCommand)[0]?.args[0].input.RoleArn).toBe(roleArn);
    expect(created).toEqual(['ASIAORGREADER']);
  });

  it('passes MAP_MAX_CONCURRENCY through for the Map state', async () => {
    plantOrganization();
    const result = await handler({ MAP_MAX_CONCURRENCY: '250' }).h(event);
    expect(result.maxConcurrency).toBe(250);
  });

  it('fails with OrganizationAccessError when the account may not list the organization', async () => {
    org
      .on(ListAccountsCommand)
      .rejects(Object.assign(new Error('not allowed'), { name: 'AccessDeniedException', $metadata: {} }));
    await expect(handler().h(event)).rejects.toMatchObject({ name: 'OrganizationAccessError' });
  });

  it('rejects an event without the normalized input, naming the field', async () => {
    await expect(handler().h({ executionName: RUN, executionArn: 'arn' })).rejects.toThrow(/input/);
  });
});
