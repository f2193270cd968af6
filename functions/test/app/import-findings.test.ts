/**
 * The Security Hub import as a use case, over an in-memory hub: what is sent as ACTIVE and as
 * ARCHIVED, in batches of at most 100, refused findings sent once more, and the step failing
 * (never dropping findings silently) when some are still refused.
 */
import { describe, expect, it } from 'vitest';
import { type ImportFindingsDependencies, importFindings } from '../../src/app/import-findings';
import type { FindingsHub, RefusedFinding, StoredAsffFinding } from '../../src/app/ports';
import { silentTelemetry } from '../../src/app/telemetry';
import { FindingsImportError } from '../../src/core/errors';
import { type AccountAudit, type Finding, SCHEMA_VERSION } from '../../src/core/model';

const A = '333333333333';
const B = '444444444444';

function finding(accountId: string, userName: string): Finding {
  return {
    accountId,
    userName,
    userArn: `arn:aws:iam::${accountId}:user/${userName}`,
    accessKeyId: `AKIA${userName.toUpperCase().padEnd(16, 'X')}`,
    keySlot: 1,
    status: 'Active',
    createdAt: '2026-06-01T10:00:00.000Z',
    ageDays: 184,
    lastUsedAt: null,
    lastUsedService: null,
    type: 'ROTATION_OVERDUE',
    severity: 'high',
  };
}

function audit(accountId: string, status: AccountAudit['status'], findings: Finding[]): AccountAudit {
  return {
    schemaVersion: SCHEMA_VERSION,
    accountId,
    accountName: accountId,
    status,
    strategy: status === 'AUDITED' ? 'credential-report' : 'none',
    reportGeneratedAt: null,
    counts: {
      users: 0,
      activeKeys: 0,
      inactiveKeys: 0,
      findings: findings.length,
      exempted: 0,
      apiCalls: {},
    },
    findings,
    exempted: [],
    warnings: [],
  };
}

/** An in-memory hub: stores by Id, refuses the first `refuse` findings it is sent. */
function memoryHub(stored: StoredAsffFinding[], refuse = 0) {
  const byId = new Map(stored.map((f) => [f.Id as string, f]));
  const batches: number[] = [];
  let toRefuse = refuse;
  const hub: FindingsHub = {
    activeFindings: async () => [...byId.values()].filter((f) => f['RecordState'] !== 'ARCHIVED'),
    importBatch: async (findings) => {
      batches.push(findings.length);
      const failed: RefusedFinding[] = [];
      for (const f of findings as StoredAsffFinding[]) {
        if (toRefuse > 0) {
          toRefuse--;
          failed.push({ id: f.Id as string, code: 'InternalFailure', message: 'try again' });
        } else byId.set(f.Id as string, f);
      }
      return { failed };
    },
  };
  return { hub, byId, batches };
}

function deps(hub: FindingsHub, audits: AccountAudit[]): ImportFindingsDependencies {
  const report = { accounts: audits };
  return {
    records: { getText: async () => JSON.stringify(report) },
    hub: () => hub,
    auditAccountId: '222222222222',
    region: 'us-east-1',
    now: () => new Date('2026-12-02T08:00:00.000Z'),
    telemetry: silentTelemetry,
  };
}

const request = {
  executionName: 'run',
  executionArn: 'arn:aws:states:us-east-1:222222222222:execution:m:run',
  reportKey: 'r',
};
const idOf = (f: Finding) => `org-key-audit/${f.accountId}/${f.userName}/${f.accessKeyId}/${f.type}`;
const stale = (accountId: string, userName: string): StoredAsffFinding => ({
  Id: idOf(finding(accountId, userName)),
  RecordState: 'ACTIVE',
  ProductFields: { 'org-key-audit/MemberAccountId': accountId },
});

describe('importFindings', () => {
  it('does nothing when Security Hub is off', async () => {
    const off = { ...deps(memoryHub([]).hub, []), hub: null };
    expect(await importFindings(off, request)).toEqual({ status: 'DISABLED', imported: 0, archived: 0 });
  });

  it('sends 250 findings in batches of 100, 100 and 50', async () => {
    const users = Array.from({ length: 250 }, (_, i) => finding(A, `u${i}`));
    const memory = memoryHub([]);
    const result = await importFindings(deps(memory.hub, [audit(A, 'AUDITED', users)]), request);
    expect(result).toEqual({ status: 'IMPORTED', imported: 250, archived: 0 });
    expect(memory.batches).toEqual([100, 100, 50]);
  });

  it('archives what an audited account no longer reports, and nothing of an account not audited', async () => {
    const memory = memoryHub([stale(A, 'gone'), stale(A, 'kept'), stale(B, 'unchecked')]);
    const result = await importFindings(
      deps(memory.hub, [audit(A, 'AUDITED', [finding(A, 'kept')]), audit(B, 'FAILED', [])]),
      request,
    );
    expect(result).toEqual({ status: 'IMPORTED', imported: 1, archived: 1 });
    expect(memory.byId.get(idOf(finding(A, 'gone')))?.['RecordState']).toBe('ARCHIVED');
    expect(memory.byId.get(idOf(finding(A, 'kept')))?.['RecordState']).toBe('ACTIVE');
    expect(memory.byId.get(idOf(finding(B, 'unchecked')))?.['RecordState']).toBe('ACTIVE');
  });

  it('archives the findings of an account that left the organization', async () => {
    const memory = memoryHub([stale(B, 'left')]);
    const result = await importFindings(deps(memory.hub, [audit(A, 'AUDITED', [])]), request);
    expect(result.archived).toBe(1);
  });

  it('sends refused findings once more, and they land', async () => {
    const memory = memoryHub([], 3);
    const users = Array.from({ length: 5 }, (_, i) => finding(A, `u${i}`));
    const result = await importFindings(deps(memory.hub, [audit(A, 'AUDITED', users)]), request);
    expect(result.imported).toBe(5);
    expect(memory.batches).toEqual([5, 3]);
    expect(memory.byId.size).toBe(5);
  });

  it('fails the step, naming the count, when findings are still refused after the retry', async () => {
    const memory = memoryHub([], 7);
    const users = Array.from({ length: 5 }, (_, i) => finding(A, `u${i}`));
    const run = importFindings(deps(memory.hub, [audit(A, 'AUDITED', users)]), request);
    await expect(run).rejects.toBeInstanceOf(FindingsImportError);
    await expect(
      importFindings(deps(memoryHub([], 7).hub, [audit(A, 'AUDITED', users)]), request),
    ).rejects.toThrow(/Security Hub refused 2 of 5 findings after one retry \(InternalFailure/);
  });
});
