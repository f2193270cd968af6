/**
 * Security Hub through the plain SDK v3 client: BatchImportFindings (validation per finding,
 * updates by (ProductArn, Id), the batch limit, another account's findings refused) and
 * GetFindings (filters, pagination), with the throttling, failed-findings and disabled faults.
 */
import {
  BatchImportFindingsCommand,
  type BatchImportFindingsCommandOutput,
  GetFindingsCommand,
  type GetFindingsCommandInput,
  SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningEmulator, startEmulator } from '../src/index';
import { adminFetch, assumeAuditRole, auditorCredentials, type Credentials } from './helpers';

const NOW = new Date('2025-06-15T12:00:00Z');
const AUDIT = '222222222222';
const MEMBER = '333333333333';
const SPEC = {
  accounts: [
    { id: '111111111111', name: 'management' },
    { id: AUDIT, name: 'security' },
    { id: MEMBER, name: 'member', users: [{ name: 'ann' }] },
  ],
};

let emu: RunningEmulator;
let productArn: string;

function client(credentials: Credentials = auditorCredentials(emu), maxAttempts = 1): SecurityHubClient {
  return new SecurityHubClient({ endpoint: emu.url, region: emu.region, credentials, maxAttempts });
}

type Finding = Record<string, unknown>;

function finding(n: number, overrides: Finding = {}): Finding {
  return {
    SchemaVersion: '2018-10-08',
    Id: `org-key-audit/${AUDIT}/finding-${String(n).padStart(3, '0')}`,
    ProductArn: productArn,
    GeneratorId: n % 2 === 0 ? 'org-key-audit/ROTATION_OVERDUE' : 'org-key-audit/UNUSED',
    AwsAccountId: AUDIT,
    Types: ['Software and Configuration Checks/AWS Security Best Practices'],
    CreatedAt: '2025-06-15T12:00:00.000Z',
    UpdatedAt: '2025-06-15T12:00:00.000Z',
    Severity: { Label: 'HIGH', Original: 'high' },
    Title: `Finding ${n}`,
    Description: 'IAM access key not rotated for 90 days or more',
    Resources: [{ Type: 'AwsIamAccessKey', Id: `AKIA${String(n).padStart(16, '0')}`, Partition: 'aws' }],
    Compliance: { Status: n % 3 === 0 ? 'PASSED' : 'FAILED' },
    RecordState: 'ACTIVE',
    ...overrides,
  };
}

async function importFindings(findings: Finding[], sh = client()): Promise<BatchImportFindingsCommandOutput> {
  // The SDK's types are stricter than the wire: the tests send what they please.
  return sh.send(new BatchImportFindingsCommand({ Findings: findings as never }));
}

async function allFindings(input: GetFindingsCommandInput, sh = client()) {
  const out: Finding[] = [];
  let pages = 0;
  let token: string | undefined;
  do {
    const page = await sh.send(new GetFindingsCommand({ ...input, NextToken: token }));
    out.push(...((page.Findings ?? []) as unknown as Finding[]));
    token = page.NextToken;
    pages += 1;
  } while (token !== undefined);
  return { findings: out, pages };
}

async function setFaults(patch: unknown): Promise<void> {
  const answer = await adminFetch(emu, 'POST', '/_emulator/faults', patch);
  expect(answer.status, JSON.stringify(answer.json)).toBe(200);
}

beforeAll(async () => {
  emu = await startEmulator({ orgSpec: SPEC, now: NOW });
  productArn = `arn:aws:securityhub:${emu.region}:${AUDIT}:product/${AUDIT}/default`;
});
afterAll(async () => {
  await emu.stop();
});
beforeEach(async () => {
  await adminFetch(emu, 'DELETE', '/_emulator/faults');
  await adminFetch(emu, 'POST', '/_emulator/stats/reset');
  emu.securityHub.clear();
  emu.securityHub.setEnabled(AUDIT, true);
  emu.clearCalls();
});

describe('BatchImportFindings and GetFindings', () => {
  it('imports 150 findings in two batches and pages through them', async () => {
    const all = Array.from({ length: 150 }, (_, i) => finding(i));
    const first = await importFindings(all.slice(0, 100));
    expect(first).toMatchObject({ FailedCount: 0, SuccessCount: 100, FailedFindings: [] });
    const second = await importFindings(all.slice(100));
    expect(second).toMatchObject({ FailedCount: 0, SuccessCount: 50 });
    expect(emu.securityHub.findings(AUDIT)).toHaveLength(150);

    const byDefault = await allFindings({});
    expect(byDefault.pages).toBe(2);
    expect(byDefault.findings.map((f) => f['Id'])).toEqual(all.map((f) => f['Id']));
    const small = await allFindings({
      MaxResults: 40,
      Filters: { ProductArn: [{ Value: productArn, Comparison: 'EQUALS' }] },
    });
    expect(small.pages).toBe(4);
    expect(new Set(small.findings.map((f) => f['Id'])).size).toBe(150);

    // What Security Hub adds to a stored finding.
    expect(byDefault.findings[0]).toMatchObject({
      ProductName: 'Default',
      CompanyName: 'Personal',
      Region: emu.region,
      RecordState: 'ACTIVE',
      Workflow: { Status: 'NEW' },
      WorkflowState: 'NEW',
      Severity: { Label: 'HIGH', Normalized: 70 },
      FindingProviderFields: { Severity: { Label: 'HIGH' }, Types: all[0]!['Types'] },
      ProcessedAt: expect.stringMatching(/^2025-06-15T12:00:/),
    });

    expect(emu.stats.total({ accountId: AUDIT, service: 'securityhub', action: 'BatchImportFindings' })).toBe(
      2,
    );
    expect(emu.stats.total({ accountId: AUDIT, service: 'securityhub', action: 'GetFindings' })).toBe(6);
    const calls = emu.calls().filter((c) => c.service === 'securityhub');
    expect(calls[0]).toMatchObject({
      action: 'securityhub:BatchImportFindings',
      resource: productArn,
      outcome: 'ok',
    });
    expect(calls.at(-1)).toMatchObject({
      action: 'securityhub:GetFindings',
      resource: `arn:aws:securityhub:${emu.region}:${AUDIT}:hub/default`,
    });
  });

  it('updates a finding by (ProductArn, Id) when UpdatedAt is later, and ignores an older update', async () => {
    await importFindings([finding(1), finding(2)]);
    const later = await importFindings([finding(1, { Title: 'Renamed', UpdatedAt: '2025-06-16T12:00:00Z' })]);
    expect(later).toMatchObject({ SuccessCount: 1, FailedCount: 0 });
    const stale = await importFindings([finding(1, { Title: 'Stale', UpdatedAt: '2025-06-15T12:00:00Z' })]);
    expect(stale).toMatchObject({ SuccessCount: 1, FailedCount: 0 });
    const stored = emu.securityHub.findings(AUDIT);
    expect(stored).toHaveLength(2);
    expect(stored[0]).toMatchObject({
      Id: finding(1)['Id'],
      Title: 'Renamed',
      UpdatedAt: '2025-06-16T12:00:00Z',
    });
  });

  it('archives a finding: GetFindings RecordState=ACTIVE no longer returns it', async () => {
    await importFindings([finding(1), finding(2), finding(3)]);
    await importFindings([finding(2, { RecordState: 'ARCHIVED', UpdatedAt: '2025-06-16T00:00:00Z' })]);
    const active = await allFindings({
      Filters: { RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }] },
    });
    expect(active.findings.map((f) => f['Id'])).toEqual([finding(1)['Id'], finding(3)['Id']]);
    const archived = await allFindings({
      Filters: { RecordState: [{ Value: 'ARCHIVED', Comparison: 'EQUALS' }] },
    });
    expect(archived.findings.map((f) => f['Id'])).toEqual([finding(2)['Id']]);
  });

  it('filters as AWS combines them: values of one field OR, fields AND, NOT_EQUALS after PREFIX', async () => {
    await importFindings(Array.from({ length: 12 }, (_, i) => finding(i)));
    const ids = async (Filters: GetFindingsCommandInput['Filters']) =>
      (await allFindings({ Filters })).findings.map((f) => Number(String(f['Id']).slice(-3)));
    expect(await ids({ GeneratorId: [{ Value: 'org-key-audit/ROT', Comparison: 'PREFIX' }] })).toEqual([
      0, 2, 4, 6, 8, 10,
    ]);
    expect(
      await ids({
        GeneratorId: [{ Value: 'org-key-audit/ROT', Comparison: 'PREFIX' }],
        ComplianceStatus: [{ Value: 'FAILED', Comparison: 'EQUALS' }],
      }),
    ).toEqual([2, 4, 8, 10]);
    expect(
      await ids({
        Id: [
          { Value: String(finding(1)['Id']), Comparison: 'EQUALS' },
          { Value: String(finding(5)['Id']), Comparison: 'EQUALS' },
        ],
        AwsAccountId: [{ Value: AUDIT, Comparison: 'EQUALS' }],
      }),
    ).toEqual([1, 5]);
    expect(
      await ids({
        GeneratorId: [
          { Value: 'org-key-audit/', Comparison: 'PREFIX' },
          { Value: 'org-key-audit/UNUSED', Comparison: 'NOT_EQUALS' },
        ],
        ComplianceStatus: [{ Value: 'PASSED', Comparison: 'NOT_EQUALS' }],
      }),
    ).toEqual([2, 4, 8, 10]);
    await expect(
      client().send(
        new GetFindingsCommand({
          Filters: {
            RecordState: [
              { Value: 'ACTIVE', Comparison: 'EQUALS' },
              { Value: 'ARCHIVED', Comparison: 'NOT_EQUALS' },
            ],
          },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidInputException', $metadata: { httpStatusCode: 400 } });
  });

  it('refuses MaxResults outside 1-100 and a NextToken of another query', async () => {
    await importFindings([finding(1), finding(2)]);
    await expect(client().send(new GetFindingsCommand({ MaxResults: 101 }))).rejects.toMatchObject({
      name: 'InvalidInputException',
    });
    const page = await client().send(new GetFindingsCommand({ MaxResults: 1 }));
    expect(page.NextToken).toBeDefined();
    await expect(
      client().send(
        new GetFindingsCommand({
          NextToken: page.NextToken,
          Filters: { RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }] },
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidInputException' });
  });
});

describe('BatchImportFindings refusals', () => {
  it('refuses a batch of 101 findings as a whole', async () => {
    const batch = Array.from({ length: 101 }, (_, i) => finding(i));
    await expect(importFindings(batch)).rejects.toMatchObject({
      name: 'InvalidInputException',
      $metadata: { httpStatusCode: 400 },
    });
    await expect(importFindings([])).rejects.toMatchObject({ name: 'InvalidInputException' });
    expect(emu.securityHub.findings(AUDIT)).toEqual([]);
  });

  it('fails a finding without Title alone, in AWS words', async () => {
    const { Title: _, ...untitled } = finding(2);
    const out = await importFindings([finding(1), untitled, finding(3)]);
    expect(out).toMatchObject({
      FailedCount: 1,
      SuccessCount: 2,
      FailedFindings: [
        {
          Id: finding(2)['Id'],
          ErrorCode: 'InvalidInput',
          ErrorMessage:
            "Finding does not adhere to Amazon Finding Format. data should have required property 'Title'.",
        },
      ],
    });
    expect(emu.securityHub.findings(AUDIT).map((f) => f['Id'])).toEqual([finding(1)['Id'], finding(3)['Id']]);
  });

  it('fails findings without Severity, with no Resources, or over 240 KB, each alone', async () => {
    const { Severity: _, ...noSeverity } = finding(1);
    const out = await importFindings([
      noSeverity,
      finding(2, { Resources: [] }),
      finding(3, { Description: 'x'.repeat(1024), ProductFields: { big: 'y'.repeat(250 * 1024) } }),
      finding(4, {
        FindingProviderFields: { Severity: { Label: 'LOW' }, Types: ['A/B'] },
        Severity: undefined,
      }),
    ]);
    expect(out.SuccessCount).toBe(1);
    expect(out.FailedFindings?.map((f) => f.ErrorCode)).toEqual([
      'InvalidInput',
      'InvalidInput',
      'FindingSizeExceeded',
    ]);
    expect(out.FailedFindings?.[0]?.ErrorMessage).toContain("'FindingProviderFields'");
    // Only FindingProviderFields.Severity: the top-level Severity is filled from it.
    expect(emu.securityHub.findings(AUDIT)[0]).toMatchObject({ Severity: { Label: 'LOW', Normalized: 1 } });
  });

  it('refuses a finding of another account with AccessDeniedException, importing none of the batch', async () => {
    const other = finding(2, { AwsAccountId: MEMBER });
    await expect(importFindings([finding(1), other])).rejects.toMatchObject({
      name: 'AccessDeniedException',
      $metadata: { httpStatusCode: 403 },
      message: expect.stringContaining(`on resource: ${productArn}`),
    });
    const foreignProduct = finding(3, {
      ProductArn: `arn:aws:securityhub:${emu.region}:${MEMBER}:product/${MEMBER}/default`,
    });
    await expect(importFindings([foreignProduct])).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(emu.securityHub.findings(AUDIT)).toEqual([]);
  });

  it('answers InvalidAccessException where Security Hub is not enabled', async () => {
    const member = client(await assumeAuditRole(emu, MEMBER));
    await expect(member.send(new GetFindingsCommand({}))).rejects.toMatchObject({
      name: 'InvalidAccessException',
      $metadata: { httpStatusCode: 401 },
      message: `Account ${MEMBER} is not subscribed to AWS Security Hub`,
    });
    const answer = await adminFetch(emu, 'POST', '/_emulator/securityhub/hub', {
      accountId: AUDIT,
      enabled: false,
    });
    expect(answer).toEqual({ status: 200, json: { accountId: AUDIT, region: emu.region, enabled: false } });
    await expect(importFindings([finding(1)])).rejects.toMatchObject({ name: 'InvalidAccessException' });
  });
});

describe('Security Hub faults', () => {
  it('securityHubThrottling: LimitExceededException 429 for the next N calls, counted', async () => {
    await setFaults({ securityHubThrottling: { count: 2 } });
    await expect(importFindings([finding(1)])).rejects.toMatchObject({
      name: 'LimitExceededException',
      $metadata: { httpStatusCode: 429 },
    });
    // The SDK retries LimitExceededException: this call's first attempt spends the second throttle.
    const out = await importFindings([finding(1)], client(auditorCredentials(emu), 3));
    expect(out.$metadata.attempts).toBe(2);
    expect(out.SuccessCount).toBe(1);
    expect(emu.stats.faults({ fault: 'securityHubThrottling' })).toEqual([
      {
        fault: 'securityHubThrottling',
        kind: 'throttling',
        accountId: AUDIT,
        service: 'securityhub',
        action: 'BatchImportFindings',
        count: 2,
      },
    ]);
    const call = emu.calls().find((c) => c.service === 'securityhub');
    expect(call?.outcome).toBe('fault');
  });

  it('securityHubFailedFindings: the next N findings come back failed; a retry of them succeeds', async () => {
    await setFaults({ securityHubFailedFindings: { count: 2 } });
    const batch = [finding(1), finding(2), finding(3)];
    const out = await importFindings(batch);
    expect(out).toMatchObject({
      FailedCount: 2,
      SuccessCount: 1,
      FailedFindings: [
        { Id: finding(1)['Id'], ErrorCode: 'InternalFailure' },
        { Id: finding(2)['Id'], ErrorCode: 'InternalFailure' },
      ],
    });
    const failedIds = new Set(out.FailedFindings?.map((f) => f.Id));
    const retry = await importFindings(batch.filter((f) => failedIds.has(f['Id'] as string)));
    expect(retry).toMatchObject({ FailedCount: 0, SuccessCount: 2 });
    expect(emu.securityHub.findings(AUDIT)).toHaveLength(3);
    expect(emu.stats.faultCount({ fault: 'securityHubFailedFindings', kind: 'failedFinding' })).toBe(2);
  });

  it('securityHubDisabled: InvalidAccessException for the listed accounts, counted', async () => {
    await setFaults({ securityHubDisabled: { accounts: [AUDIT] } });
    await expect(client().send(new GetFindingsCommand({}))).rejects.toMatchObject({
      name: 'InvalidAccessException',
    });
    expect(
      emu.stats.faultCount({ fault: 'securityHubDisabled', kind: 'invalidAccess', action: 'GetFindings' }),
    ).toBe(1);
    await adminFetch(emu, 'DELETE', '/_emulator/faults');
    await expect(client().send(new GetFindingsCommand({}))).resolves.toMatchObject({ Findings: [] });
  });

  it('refuses a bad fault patch, naming the field', async () => {
    const answer = await adminFetch(emu, 'POST', '/_emulator/faults', {
      securityHubFailedFindings: { count: 0 },
    });
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.json)).toContain('securityHubFailedFindings.count');
  });
});

describe('Security Hub admin', () => {
  it('GET /_emulator/securityhub/findings lists an account and region’s findings', async () => {
    await importFindings([finding(7)]);
    const answer = await adminFetch(emu, 'GET', `/_emulator/securityhub/findings?account=${AUDIT}`);
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      accountId: AUDIT,
      region: emu.region,
      enabled: true,
      findings: [{ Id: finding(7)['Id'], Title: 'Finding 7' }],
    });
    expect(emu.admin('/_emulator/securityhub/findings', 'GET').body).toMatchObject({
      findings: [{ Title: 'Finding 7' }],
    });
    expect(emu.securityHub.findings(AUDIT, 'eu-west-1')).toEqual([]);
  });
});

describe('the authorize hook', () => {
  it('asks about BatchImportFindings on the product and answers AccessDeniedException 403', async () => {
    const asked: string[] = [];
    const guarded = await startEmulator({
      orgSpec: SPEC,
      now: NOW,
      authorize: (call) => {
        if (call.service !== 'securityhub') return { allowed: true };
        asked.push(`${call.action} ${call.resource}`);
        return {
          allowed: false,
          message: `not authorized to perform: ${call.action} on resource: ${call.resource}`,
        };
      },
    });
    try {
      const sh = new SecurityHubClient({
        endpoint: guarded.url,
        region: guarded.region,
        credentials: auditorCredentials(guarded),
        maxAttempts: 1,
      });
      await expect(
        sh.send(new BatchImportFindingsCommand({ Findings: [finding(1) as never] })),
      ).rejects.toMatchObject({
        name: 'AccessDeniedException',
        $metadata: { httpStatusCode: 403 },
      });
      expect(asked).toEqual([`securityhub:BatchImportFindings ${productArn}`]);
      expect(guarded.securityHub.findings()).toEqual([]);
    } finally {
      await guarded.stop();
    }
  });
});
