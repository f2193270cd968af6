/** The run store as a plain object in memory: the use cases' port, with no S3 and no SDK mock. */
import type { OwnerDigestRef, RunRecords } from '../../src/app/ports';
import { parseCheckpoint, serializeCheckpoint } from '../../src/core/continuation';
import { MalformedDataError } from '../../src/core/errors';
import { parseFindingsIndex } from '../../src/core/history';
import type { AccountAudit } from '../../src/core/model';
import { parseAccountTagCache } from '../../src/core/owners';
import type { Report } from '../../src/core/report';
import {
  ACCOUNT_TAG_CACHE_KEY,
  HISTORY_LATEST_KEY,
  historyIndexKey,
  type MapRunResults,
  type OrganizationEntry,
  ownerDigestKey,
  ownerDigestsManifestKey,
  runKeys,
} from '../../src/core/run-layout';

export interface MemoryRecords extends RunRecords {
  readonly written: Map<string, string>;
  readonly reports: Map<string, Report>;
}

export function memoryRecords(seed: {
  readonly organization: Readonly<Record<string, readonly OrganizationEntry[]>>;
  readonly audits?: readonly AccountAudit[];
  readonly malformed?: Readonly<Record<string, string>>;
  readonly mapResults?: MapRunResults;
  readonly texts?: Readonly<Record<string, string>>;
}): MemoryRecords {
  const written = new Map<string, string>(Object.entries(seed.texts ?? {}));
  const reports = new Map<string, Report>();
  return {
    bucket: 'memory-bucket',
    written,
    reports,
    getOrganization: async (key) => {
      const entries = seed.organization[key];
      if (entries === undefined) throw new Error(`no organization at ${key}`);
      return [...entries];
    },
    readMapResults: async (ref) => {
      if (seed.mapResults === undefined) throw new Error(`no map results at ${ref.ResultWriterDetails.Key}`);
      return seed.mapResults;
    },
    readAccountResults: async (_executionName, accountIds) => ({
      audits: new Map(
        (seed.audits ?? []).filter((a) => accountIds.includes(a.accountId)).map((a) => [a.accountId, a]),
      ),
      malformed: new Map(Object.entries(seed.malformed ?? {}).filter(([id]) => accountIds.includes(id))),
    }),
    putReportFiles: async (executionName, files) => {
      const keys = runKeys(executionName);
      reports.set(executionName, files.report);
      written.set(keys.report, JSON.stringify(files.report));
      written.set(keys.csv, files.csv);
      written.set(keys.digest, files.digest);
      return { reportKey: keys.report, csvKey: keys.csv, digestKey: keys.digest };
    },
    putItems: async (executionName, accountIds) => {
      const key = runKeys(executionName).items;
      written.set(key, JSON.stringify(accountIds));
      return key;
    },
    putOrganization: async (executionName, entries) => {
      const key = runKeys(executionName).organization;
      written.set(key, JSON.stringify(entries));
      return key;
    },
    putAccountAudit: async (executionName, audit) => {
      const key = runKeys(executionName).account(audit.accountId);
      written.set(key, JSON.stringify(audit));
      return key;
    },
    // The same layout as the run store: a pointer to the latest index, read in two steps.
    readPreviousIndex: async (executionName) => {
      const pointer = written.get(HISTORY_LATEST_KEY);
      if (pointer === undefined) return { found: false, reason: 'no full run has been recorded yet' };
      const read = (name: string) => {
        const key = historyIndexKey(name);
        const text = written.get(key);
        return text === undefined
          ? ({ found: false, reason: `${key} is missing` } as const)
          : parseFindingsIndex(text, key);
      };
      const latest = read((JSON.parse(pointer) as { executionName: string }).executionName);
      if (latest.found && latest.index.executionName === executionName) {
        const before = latest.index.previousExecution;
        return before === null
          ? { found: false, reason: 'no full run was recorded before this one' }
          : read(before);
      }
      return latest;
    },
    putFindingsIndex: async (index) => {
      const key = historyIndexKey(index.executionName);
      written.set(key, JSON.stringify(index));
      written.set(HISTORY_LATEST_KEY, JSON.stringify({ executionName: index.executionName, key }));
      return key;
    },
    putCheckpoint: async (executionName, checkpoint) => {
      const key = runKeys(executionName).checkpoint(checkpoint.accountId);
      written.set(key, serializeCheckpoint(checkpoint));
      return key;
    },
    // As the run store (and the port) says: MalformedDataError naming the key, missing or damaged.
    getCheckpoint: async (key) => {
      const text = written.get(key);
      if (text === undefined) throw new MalformedDataError(`the audit checkpoint ${key} does not exist`);
      const read = parseCheckpoint(text, key);
      if ('problem' in read) throw new MalformedDataError(read.problem);
      return read.checkpoint;
    },
    readAccountTagCache: async (tagKey) => {
      const text = written.get(ACCOUNT_TAG_CACHE_KEY);
      return text === undefined ? { cache: null, problem: null } : parseAccountTagCache(text, tagKey);
    },
    putAccountTagCache: async (cache) => {
      written.set(ACCOUNT_TAG_CACHE_KEY, JSON.stringify(cache));
    },
    putOwnerDigests: async (executionName, digests) => {
      const refs = digests.map((d) => {
        const key = ownerDigestKey(executionName, d.owner);
        written.set(key, d.body);
        return { owner: d.owner, subject: d.subject, key, findings: d.findings };
      });
      const key = ownerDigestsManifestKey(executionName);
      written.set(key, JSON.stringify({ schemaVersion: 1, digests: refs }));
      return key;
    },
    readOwnerDigests: async (key) => {
      const text = written.get(key);
      if (text === undefined) throw new Error(`no object ${key}`);
      return (JSON.parse(text) as { digests: OwnerDigestRef[] }).digests;
    },
    getText: async (key) => {
      const text = written.get(key);
      if (text === undefined) throw new Error(`no object ${key}`);
      return text;
    },
  };
}
