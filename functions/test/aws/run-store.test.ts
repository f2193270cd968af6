import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunStore, runKeys } from '../../src/aws/run-store';
import { boundedMap } from '../../src/core/concurrency';
import { InvalidInputError, MalformedDataError } from '../../src/core/errors';
import { auditedAccount, finding } from '../handlers/support/fixtures';
import { type MemoryS3, memoryS3 } from '../handlers/support/memory-s3';

const BUCKET = 'report-bucket';
const RUN = 'daily-2024-05-01';

describe('RunStore', () => {
  let s3: MemoryS3;
  let store: RunStore;

  beforeEach(() => {
    s3 = memoryS3();
    store = new RunStore({ s3: s3.client, bucket: BUCKET, concurrency: 4 });
  });
  afterEach(() => {
    s3.mock.reset();
    s3.mock.restore();
  });

  describe('layout', () => {
    it('puts every object under the prefixes docs/contracts.md names', () => {
      const keys = runKeys(RUN);
      expect(keys.items).toBe('runs/daily-2024-05-01/items.json');
      expect(keys.organization).toBe('runs/daily-2024-05-01/organization.json');
      expect(keys.account('111111111111')).toBe('runs/daily-2024-05-01/accounts/111111111111.json');
      expect(keys.report).toBe('reports/daily-2024-05-01/report.json');
      expect(keys.csv).toBe('reports/daily-2024-05-01/report.csv');
      expect(keys.digest).toBe('reports/daily-2024-05-01/digest.txt');
    });

    it('refuses execution names that would escape their prefix', () => {
      expect(() => runKeys('../other')).toThrow(InvalidInputError);
      expect(() => runKeys('a/b')).toThrow(/executionName/);
      expect(() => runKeys('')).toThrow(/executionName/);
      expect(() => runKeys('two words')).toThrow(/executionName/);
    });

    it('accepts the names Step Functions allows, Unicode included', () => {
      expect(runKeys('rerun-2024-06-01_failed.v2').items).toBe('runs/rerun-2024-06-01_failed.v2/items.json');
      expect(runKeys('prüfung-1').items).toBe('runs/prüfung-1/items.json');
    });

    it('refuses an account id that is not 12 digits', () => {
      expect(() => runKeys(RUN).account('12345')).toThrow(/accountId "12345" must be 12 digits/);
    });
  });

  describe('items and organization', () => {
    it('round-trips items.json as a plain JSON array (the ItemReader format)', async () => {
      const key = await store.putItems(RUN, ['111111111111', '222222222222']);
      expect(s3.json(BUCKET, key)).toEqual(['111111111111', '222222222222']);
      expect(await store.getItems(RUN)).toEqual(['111111111111', '222222222222']);
    });

    it('names the bad index when an item is not an account id', async () => {
      await expect(store.putItems(RUN, ['111111111111', 'abc'])).rejects.toThrow(/accountIds\[1\] "abc"/);
    });

    it('reads organization.json by execution name or by its key', async () => {
      const entries = [
        { accountId: '111111111111', accountName: 'prod', state: 'ACTIVE', decision: 'AUDIT' as const },
        {
          accountId: '222222222222',
          accountName: 'old',
          state: 'SUSPENDED',
          decision: 'SKIP' as const,
          reason: 'suspended',
        },
      ];
      const key = await store.putOrganization(RUN, entries);
      expect(await store.getOrganization(RUN)).toEqual(entries);
      expect(await store.getOrganization(key)).toEqual(entries);
    });

    it('fails with the key when organization.json is missing', async () => {
      await expect(store.getOrganization(RUN)).rejects.toThrow(
        's3://report-bucket/runs/daily-2024-05-01/organization.json does not exist',
      );
    });
  });

  describe('per-account results', () => {
    it('round-trips an AccountAudit with its findings', async () => {
      const audit = auditedAccount('111111111111', [finding('111111111111')]);
      const key = await store.putAccountAudit(RUN, audit);
      expect(key).toBe('runs/daily-2024-05-01/accounts/111111111111.json');
      expect(await store.getAccountAudit(RUN, '111111111111')).toEqual(audit);
    });

    it('returns null for an account without a stored result', async () => {
      expect(await store.getAccountAudit(RUN, '333333333333')).toBeNull();
    });

    it('rejects a malformed result with a MalformedDataError naming the key and field', async () => {
      const bad = { ...auditedAccount('111111111111'), status: 'DONE' };
      s3.put(BUCKET, 'runs/daily-2024-05-01/accounts/111111111111.json', bad);
      const failure = store.getAccountAudit(RUN, '111111111111');
      await expect(failure).rejects.toBeInstanceOf(MalformedDataError);
      await expect(store.getAccountAudit(RUN, '111111111111')).rejects.toThrow(
        /runs\/daily-2024-05-01\/accounts\/111111111111\.json is not an AccountAudit: status/,
      );
    });

    it('names a field of the wrong type with the types involved', async () => {
      const base = auditedAccount('111111111111');
      const bad = { ...base, counts: { ...base.counts, users: '3' } };
      s3.put(BUCKET, 'runs/daily-2024-05-01/accounts/111111111111.json', bad);
      await expect(store.getAccountAudit(RUN, '111111111111')).rejects.toThrow(
        'is not an AccountAudit: counts.users: Invalid input: expected number, received string.',
      );
    });

    it('rejects an object that is not JSON', async () => {
      s3.put(BUCKET, 'runs/daily-2024-05-01/accounts/111111111111.json', '{"schemaVersion": 1,');
      await expect(store.getAccountAudit(RUN, '111111111111')).rejects.toThrow(/is not JSON/);
    });

    it('rejects a result stored under another account id', async () => {
      s3.put(BUCKET, 'runs/daily-2024-05-01/accounts/111111111111.json', auditedAccount('222222222222'));
      await expect(store.getAccountAudit(RUN, '111111111111')).rejects.toThrow(/holds account 222222222222/);
    });

    it('reads many results and leaves out the ones never written', async () => {
      const ids = Array.from({ length: 30 }, (_, i) => String(100000000000 + i));
      for (const id of ids.filter((_, i) => i % 3 !== 0))
        await store.putAccountAudit(RUN, auditedAccount(id));
      const found = await store.getAccountAudits(RUN, ids);
      // 30 ids, every third (0, 3, ..., 27) not written: 10 absent, 20 present.
      expect(found.size).toBe(20);
      expect(found.has('100000000000')).toBe(false);
      expect(found.get('100000000001')?.accountName).toBe('account-100000000001');
    });
  });

  describe('readAccountResults', () => {
    it('returns unreadable results apart, each with its key, instead of failing them all', async () => {
      await store.putAccountAudit(RUN, auditedAccount('111111111111'));
      s3.put(BUCKET, 'runs/daily-2024-05-01/accounts/222222222222.json', '{"status":');
      const { audits, malformed } = await store.readAccountResults(RUN, [
        '111111111111',
        '222222222222',
        '333333333333',
      ]);
      expect([...audits.keys()]).toEqual(['111111111111']);
      expect([...malformed.keys()]).toEqual(['222222222222']);
      expect(malformed.get('222222222222')).toContain(
        'runs/daily-2024-05-01/accounts/222222222222.json is not JSON',
      );
    });
  });

  describe('report files', () => {
    it('writes report.json, report.csv and digest.txt under reports/<executionName>/', async () => {
      const keys = await store.putReportFiles(RUN, {
        report: { schemaVersion: 1 },
        csv: 'a,b\n',
        digest: 'hello',
      });
      expect(keys).toEqual({
        reportKey: 'reports/daily-2024-05-01/report.json',
        csvKey: 'reports/daily-2024-05-01/report.csv',
        digestKey: 'reports/daily-2024-05-01/digest.txt',
      });
      expect(s3.json(BUCKET, keys.reportKey)).toEqual({ schemaVersion: 1 });
      expect(await store.getText(keys.csvKey)).toBe('a,b\n');
      expect(await store.getText(keys.digestKey)).toBe('hello');
    });
  });

  describe('ResultWriter output', () => {
    const prefix = 'runs/daily-2024-05-01/map/3f2a';
    const mapRunArn = 'arn:aws:states:us-east-1:999999999999:mapRun:AuditOrganization/AuditAccounts:3f2a';

    function plantManifest(resultFiles: Record<string, { Key: string; Size: number }[]>): void {
      s3.put(BUCKET, `${prefix}/manifest.json`, {
        DestinationBucket: BUCKET,
        MapRunArn: mapRunArn,
        ResultFiles: { FAILED: [], PENDING: [], SUCCEEDED: [], ...resultFiles },
      });
    }

    it('reads every listed file and parses the embedded Input and Output strings', async () => {
      plantManifest({
        SUCCEEDED: [{ Key: `${prefix}/SUCCEEDED_0.json`, Size: 10 }],
        FAILED: [{ Key: `${prefix}/FAILED_0.json`, Size: 10 }],
      });
      s3.put(BUCKET, `${prefix}/SUCCEEDED_0.json`, [
        {
          ExecutionArn: 'arn:child:1',
          Input: '{"accountId":"111111111111"}',
          Output: '{"accountId":"111111111111","status":"AUDITED","findings":2}',
          Status: 'SUCCEEDED',
          Name: 'child-1',
          RedriveCount: 0,
        },
      ]);
      s3.put(BUCKET, `${prefix}/FAILED_0.json`, [
        {
          ExecutionArn: 'arn:child:2',
          Input: '{"accountId":"222222222222"}',
          Status: 'FAILED',
          Error: 'States.Timeout',
          Cause: 'The task timed out.',
        },
      ]);

      const results = await store.readMapResults({
        MapRunArn: mapRunArn,
        ResultWriterDetails: { Bucket: BUCKET, Key: `${prefix}/manifest.json` },
      });

      expect(results.mapRunArn).toBe(mapRunArn);
      // The manifest lists files per status; their order carries no meaning, so compare sorted.
      const children = [...results.children].sort((a, b) =>
        String(a.executionArn).localeCompare(String(b.executionArn)),
      );
      expect(children).toEqual([
        {
          status: 'SUCCEEDED',
          executionArn: 'arn:child:1',
          input: { accountId: '111111111111' },
          output: { accountId: '111111111111', status: 'AUDITED', findings: 2 },
          error: null,
          cause: null,
        },
        {
          status: 'FAILED',
          executionArn: 'arn:child:2',
          input: { accountId: '222222222222' },
          output: null,
          error: 'States.Timeout',
          cause: 'The task timed out.',
        },
      ]);
    });

    it('reads JSON Lines result files too', async () => {
      plantManifest({ SUCCEEDED: [{ Key: `${prefix}/SUCCEEDED_0.jsonl`, Size: 10 }] });
      s3.put(
        BUCKET,
        `${prefix}/SUCCEEDED_0.jsonl`,
        '{"Input":"{\\"accountId\\":\\"111111111111\\"}","Status":"SUCCEEDED"}\n' +
          '{"Input":"{\\"accountId\\":\\"222222222222\\"}","Status":"SUCCEEDED"}\n',
      );
      const results = await store.readMapResults({
        ResultWriterDetails: { Bucket: BUCKET, Key: `${prefix}/manifest.json` },
      });
      expect(results.children.map((c) => c.input)).toEqual([
        { accountId: '111111111111' },
        { accountId: '222222222222' },
      ]);
    });

    it('fails with the manifest key when the manifest is missing or malformed', async () => {
      const ref = { ResultWriterDetails: { Bucket: BUCKET, Key: `${prefix}/manifest.json` } };
      await expect(store.readMapResults(ref)).rejects.toThrow(`${prefix}/manifest.json does not exist`);
      s3.put(BUCKET, `${prefix}/manifest.json`, { MapRunArn: mapRunArn });
      await expect(store.readMapResults(ref)).rejects.toThrow(
        /manifest\.json is not a ResultWriter manifest: DestinationBucket/,
      );
    });

    it('names the entry whose Output is not JSON', async () => {
      plantManifest({ SUCCEEDED: [{ Key: `${prefix}/SUCCEEDED_0.json`, Size: 10 }] });
      s3.put(BUCKET, `${prefix}/SUCCEEDED_0.json`, [
        { Input: '{}', Output: '{not json', Status: 'SUCCEEDED' },
      ]);
      await expect(
        store.readMapResults({ ResultWriterDetails: { Bucket: BUCKET, Key: `${prefix}/manifest.json` } }),
      ).rejects.toThrow(/SUCCEEDED_0\.json: entry 0 has a Output that is not JSON/);
    });
  });
});

describe('boundedMap', () => {
  function deferred() {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    return { promise, resolve };
  }

  it('never has more than `limit` calls in flight and keeps the input order', async () => {
    const gates = Array.from({ length: 10 }, deferred);
    let inFlight = 0;
    let peak = 0;
    const run = boundedMap(gates, 3, async (gate, index) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await gate.promise;
      inFlight--;
      return index * 2;
    });
    // Release in reverse order so that completion order differs from input order.
    for (const gate of [...gates].reverse()) gate.resolve();
    expect(await run).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(peak).toBe(3);
  });

  it('rejects with the first error and starts no further calls', async () => {
    const started: number[] = [];
    const run = boundedMap([0, 1, 2, 3, 4], 1, async (n) => {
      started.push(n);
      if (n === 1) throw new Error('boom');
      return n;
    });
    await expect(run).rejects.toThrow('boom');
    expect(started).toEqual([0, 1]);
  });

  it('rejects a limit below one', async () => {
    await expect(boundedMap([1], 0, async (n) => n)).rejects.toThrow(/concurrency must be/);
  });
});
