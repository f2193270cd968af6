/**
 * The report bucket's layout (docs/contracts.md, "S3 layout"): what one run writes between its
 * steps, and the Distributed Map's ResultWriter output. Everything read back is validated,
 * because a half-written or hand-edited object must fail with its key, not deep in the digest.
 */
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { OwnerDigest, OwnerDigestRef } from '../app/ports';
import { boundedMap } from '../core/concurrency';
import { type CollectionCheckpoint, parseCheckpoint, serializeCheckpoint } from '../core/continuation';
import { InvalidInputError, MalformedDataError } from '../core/errors';
import { type FindingsIndex, type PreviousIndex, parseFindingsIndex } from '../core/history';
import type { AccountAudit } from '../core/model';
import { type AccountTagCache, parseAccountTagCache } from '../core/owners';
import {
  ACCOUNT_TAG_CACHE_KEY,
  HISTORY_LATEST_KEY,
  historyIndexKey,
  type MapChildResult,
  type MapRunRef,
  type MapRunResults,
  type OrganizationEntry,
  ownerDigestKey,
  ownerDigestsManifestKey,
  type ReportKeys,
  runKeys,
} from '../core/run-layout';
import {
  ACCOUNT_ID,
  accountAuditSchema,
  childrenSchema,
  describeIssues,
  itemsSchema,
  manifestSchema,
  organizationSchema,
  ownerDigestsManifestSchema,
  type Schema,
} from './run-store-schemas';

export {
  type MapChildResult,
  type MapRunRef,
  type MapRunResults,
  type OrganizationEntry,
  type ReportKeys,
  runKeys,
  runPrefix,
} from '../core/run-layout';
export { accountAuditSchema } from './run-store-schemas';

export interface RunStoreOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  /**
   * Parallel GetObject calls when reading many objects: enough to hide S3 latency for 10,000
   * accounts inside a Lambda, few enough not to exhaust its sockets (the SDK default is 50).
   * @default 32
   */
  readonly concurrency?: number;
}

export class RunStore {
  readonly bucket: string;
  readonly #s3: S3Client;
  readonly #concurrency: number;

  constructor(options: RunStoreOptions) {
    if (options.bucket.trim() === '') {
      throw new InvalidInputError('bucket is empty: set REPORT_BUCKET to the report bucket name.');
    }
    this.bucket = options.bucket;
    this.#s3 = options.s3;
    this.#concurrency = options.concurrency ?? 32;
  }

  async putItems(executionName: string, accountIds: readonly string[]): Promise<string> {
    const key = runKeys(executionName).items;
    const bad = accountIds.findIndex((id) => !ACCOUNT_ID.test(id));
    if (bad !== -1) {
      throw new InvalidInputError(`accountIds[${bad}] ${JSON.stringify(accountIds[bad])} must be 12 digits.`);
    }
    await this.#putJson(key, accountIds);
    return key;
  }

  async getItems(executionName: string): Promise<string[]> {
    const key = runKeys(executionName).items;
    return this.#parse(key, await this.#getRequired(key), itemsSchema, 'a JSON array of account ids');
  }

  async putOrganization(executionName: string, entries: readonly OrganizationEntry[]): Promise<string> {
    const key = runKeys(executionName).organization;
    await this.#putJson(key, entries);
    return key;
  }

  /** Reads organization.json by execution name, or by the exact key ListAccounts returned. */
  async getOrganization(executionNameOrKey: string): Promise<OrganizationEntry[]> {
    const key = executionNameOrKey.includes('/')
      ? executionNameOrKey
      : runKeys(executionNameOrKey).organization;
    return this.#parse(key, await this.#getRequired(key), organizationSchema, 'the organization list');
  }

  async putAccountAudit(executionName: string, audit: AccountAudit): Promise<string> {
    const key = runKeys(executionName).account(audit.accountId);
    await this.#putJson(key, audit);
    return key;
  }

  /** Null when the account has no stored result (it never finished, or was never started). */
  async getAccountAudit(executionName: string, accountId: string): Promise<AccountAudit | null> {
    const key = runKeys(executionName).account(accountId);
    const text = await this.#getOptional(key);
    if (text === null) return null;
    const audit = this.#parse(key, text, accountAuditSchema, 'an AccountAudit');
    if (audit.accountId !== accountId) {
      throw new MalformedDataError(
        `s3://${this.bucket}/${key} holds account ${audit.accountId}, not ${accountId}: ` +
          'delete the object and rerun the audit for that account.',
        { accountId },
      );
    }
    return audit;
  }

  /** Reads many accounts' results with bounded concurrency; absent ones are missing from the map. */
  async getAccountAudits(
    executionName: string,
    accountIds: readonly string[],
  ): Promise<Map<string, AccountAudit>> {
    const audits = await boundedMap(accountIds, this.#concurrency, (id) =>
      this.getAccountAudit(executionName, id),
    );
    const found = new Map<string, AccountAudit>();
    for (const audit of audits) if (audit !== null) found.set(audit.accountId, audit);
    return found;
  }

  /**
   * Like getAccountAudits, but one unreadable object does not fail the lot: its message is
   * returned under `malformed`, so the digest can report that account instead of dying on it.
   */
  async readAccountResults(
    executionName: string,
    accountIds: readonly string[],
  ): Promise<{ readonly audits: Map<string, AccountAudit>; readonly malformed: Map<string, string> }> {
    const audits = new Map<string, AccountAudit>();
    const malformed = new Map<string, string>();
    await boundedMap(accountIds, this.#concurrency, async (id) => {
      try {
        const audit = await this.getAccountAudit(executionName, id);
        if (audit !== null) audits.set(id, audit);
      } catch (error) {
        if (!(error instanceof MalformedDataError)) throw error;
        malformed.set(id, error.message);
      }
    });
    return { audits, malformed };
  }

  async putReportFiles(
    executionName: string,
    files: { readonly report: unknown; readonly csv: string; readonly digest: string },
  ): Promise<ReportKeys> {
    const keys = runKeys(executionName);
    await Promise.all([
      this.#putJson(keys.report, files.report),
      this.#put(keys.csv, files.csv, 'text/csv; charset=utf-8'),
      this.#put(keys.digest, files.digest, 'text/plain; charset=utf-8'),
    ]);
    return { reportKey: keys.report, csvKey: keys.csv, digestKey: keys.digest };
  }

  /** Any object as text; a missing one is a MalformedDataError naming the key. */
  async getText(key: string): Promise<string> {
    return this.#getRequired(key);
  }

  /**
   * Reads a Map Run's ResultWriter output: the manifest, then every result file it lists
   * (JSON array, or JSON Lines when the writer was configured so), with bounded concurrency.
   */
  async readMapResults(ref: MapRunRef): Promise<MapRunResults> {
    const { Bucket, Key } = ref.ResultWriterDetails;
    const store = Bucket === this.bucket ? this : new RunStore({ s3: this.#s3, bucket: Bucket });
    const manifest = store.#parse(
      Key,
      await store.#getRequired(Key),
      manifestSchema,
      'a ResultWriter manifest',
    );
    const files = Object.entries(manifest.ResultFiles).flatMap(([status, refs]) =>
      refs.map((file) => ({ status, key: file.Key })),
    );
    const resultStore =
      manifest.DestinationBucket === store.bucket
        ? store
        : new RunStore({ s3: this.#s3, bucket: manifest.DestinationBucket });
    const perFile = await boundedMap(files, this.#concurrency, async (file) =>
      resultStore.#readResultFile(file.key, file.status),
    );
    return { mapRunArn: manifest.MapRunArn, children: perFile.flat() };
  }

  async #readResultFile(key: string, fileStatus: string): Promise<MapChildResult[]> {
    const text = (await this.#getRequired(key)).trim();
    let rows: unknown;
    try {
      rows =
        text === ''
          ? []
          : text.startsWith('[')
            ? JSON.parse(text)
            : text.split('\n').map((l) => JSON.parse(l));
    } catch (error) {
      throw new MalformedDataError(`s3://${this.bucket}/${key} is not JSON or JSON Lines.`, { cause: error });
    }
    const parsed = this.#validate(key, rows, childrenSchema, 'a ResultWriter results file');
    return parsed.map((row, index) => ({
      status: row.Status ?? fileStatus,
      executionArn: row.ExecutionArn ?? null,
      input: this.#parseEmbedded(key, index, 'Input', row.Input),
      output: this.#parseEmbedded(key, index, 'Output', row.Output),
      error: row.Error ?? null,
      cause: row.Cause ?? null,
    }));
  }

  // ResultWriter stores each child's Input and Output as JSON *strings* inside the JSON file.
  #parseEmbedded(key: string, index: number, field: string, value: string | undefined): unknown {
    if (value === undefined) return null;
    try {
      return JSON.parse(value);
    } catch (error) {
      throw new MalformedDataError(
        `s3://${this.bucket}/${key}: entry ${index} has a ${field} that is not JSON.`,
        {
          cause: error,
        },
      );
    }
  }

  #parse<T>(key: string, text: string, schema: Schema<T>, what: string): T {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new MalformedDataError(`s3://${this.bucket}/${key} is not JSON (expected ${what}).`, {
        cause: error,
      });
    }
    return this.#validate(key, value, schema, what);
  }

  #validate<T>(key: string, value: unknown, schema: Schema<T>, what: string): T {
    const result = schema.safeParse(value);
    if (!result.success) {
      throw new MalformedDataError(
        `s3://${this.bucket}/${key} is not ${what}: ${describeIssues(result.error)}. ` +
          'It was written by another version or edited by hand: rerun the step that writes it.',
        { cause: result.error },
      );
    }
    return result.data;
  }

  async readPreviousIndex(executionName: string): Promise<PreviousIndex> {
    const pointer = await this.#readHistory(HISTORY_LATEST_KEY);
    if (pointer.text === null) return { found: false, reason: pointer.reason };
    let latest: unknown;
    try {
      latest = (JSON.parse(pointer.text) as { executionName?: unknown } | null)?.executionName;
    } catch {
      latest = undefined;
    }
    if (typeof latest !== 'string' || latest.trim() === '') {
      return { found: false, reason: `s3://${this.bucket}/${HISTORY_LATEST_KEY} does not name a run` };
    }
    const found = await this.#readIndex(latest);
    // This very run, redriven after it stored its index: compare with the run it compared with.
    if (found.found && found.index.executionName === executionName) {
      const before = found.index.previousExecution;
      return before === null
        ? { found: false, reason: 'no full run was recorded before this one' }
        : this.#readIndex(before);
    }
    return found;
  }

  async #readIndex(executionName: string): Promise<PreviousIndex> {
    let key: string;
    try {
      key = historyIndexKey(executionName);
    } catch {
      return { found: false, reason: `the history names an impossible run ${JSON.stringify(executionName)}` };
    }
    const index = await this.#readHistory(key);
    if (index.text === null) return { found: false, reason: index.reason };
    return parseFindingsIndex(index.text, `s3://${this.bucket}/${key}`);
  }

  async putFindingsIndex(index: FindingsIndex): Promise<string> {
    const key = historyIndexKey(index.executionName);
    // The index first: the pointer must never name an object that is not there yet.
    await this.#putJson(key, index);
    await this.#putJson(HISTORY_LATEST_KEY, {
      schemaVersion: index.schemaVersion,
      executionName: index.executionName,
      generatedAt: index.generatedAt,
      key,
    });
    return key;
  }

  async putCheckpoint(executionName: string, checkpoint: CollectionCheckpoint): Promise<string> {
    const key = runKeys(executionName).checkpoint(checkpoint.accountId);
    await this.#put(key, serializeCheckpoint(checkpoint), 'application/json');
    return key;
  }

  async getCheckpoint(key: string): Promise<CollectionCheckpoint> {
    const read = parseCheckpoint(await this.#getRequired(key), `s3://${this.bucket}/${key}`);
    if ('problem' in read)
      throw new MalformedDataError(`${read.problem}; the account is audited again by a rerun`);
    return read.checkpoint;
  }

  /** A missing cache is an empty one; a damaged or unreadable one is a problem to report, not an error. */
  async readAccountTagCache(
    tagKey: string,
  ): Promise<{ readonly cache: AccountTagCache | null; readonly problem: string | null }> {
    let text: string | null;
    try {
      text = await this.#getOptional(ACCOUNT_TAG_CACHE_KEY);
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      return {
        cache: null,
        problem: `s3://${this.bucket}/${ACCOUNT_TAG_CACHE_KEY} could not be read (${name}); every account tag is read again`,
      };
    }
    return text === null ? { cache: null, problem: null } : parseAccountTagCache(text, tagKey);
  }

  async putAccountTagCache(cache: AccountTagCache): Promise<void> {
    await this.#putJson(ACCOUNT_TAG_CACHE_KEY, cache);
  }

  /** The owner digests first, the manifest last: the manifest never names a digest not yet kept. */
  async putOwnerDigests(executionName: string, digests: readonly OwnerDigest[]): Promise<string> {
    const refs = await boundedMap(digests, this.#concurrency, async (digest): Promise<OwnerDigestRef> => {
      const key = ownerDigestKey(executionName, digest.owner);
      await this.#put(key, digest.body, 'text/plain; charset=utf-8');
      return { owner: digest.owner, subject: digest.subject, key, findings: digest.findings };
    });
    const manifestKey = ownerDigestsManifestKey(executionName);
    await this.#putJson(manifestKey, { schemaVersion: 1, digests: refs });
    return manifestKey;
  }

  async readOwnerDigests(manifestKey: string): Promise<readonly OwnerDigestRef[]> {
    const parsed = this.#parse(
      manifestKey,
      await this.#getRequired(manifestKey),
      ownerDigestsManifestSchema,
      'an owner-digests manifest ({schemaVersion: 1, digests: [{owner, subject, key, findings}]})',
    );
    return parsed.digests;
  }

  /** History is optional: a missing or unreadable object is a reason, never a failed run. */
  async #readHistory(
    key: string,
  ): Promise<{ text: string; reason?: undefined } | { text: null; reason: string }> {
    try {
      const text = await this.#getOptional(key);
      if (text !== null) return { text };
      return {
        text: null,
        reason:
          key === HISTORY_LATEST_KEY
            ? 'no full run has been recorded yet'
            : `s3://${this.bucket}/${key} is missing`,
      };
    } catch (error) {
      const name = error instanceof Error ? error.name : 'Error';
      return { text: null, reason: `s3://${this.bucket}/${key} could not be read (${name})` };
    }
  }

  async #putJson(key: string, value: unknown): Promise<void> {
    await this.#put(key, JSON.stringify(value), 'application/json');
  }

  async #put(key: string, body: string, contentType: string): Promise<void> {
    await this.#s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }),
    );
  }

  async #getRequired(key: string): Promise<string> {
    const text = await this.#getOptional(key);
    if (text === null) {
      throw new MalformedDataError(
        `s3://${this.bucket}/${key} does not exist: the step that writes it did not run or wrote elsewhere.`,
      );
    }
    return text;
  }

  async #getOptional(key: string): Promise<string | null> {
    try {
      const response = await this.#s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      return (await response.Body?.transformToString('utf-8')) ?? '';
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }
}

function isNotFound(error: unknown): boolean {
  if (error instanceof NoSuchKey) return true;
  // S3 models a missing key as NoSuchKey; a bare 404 (no error body) arrives unmodelled.
  const status = (error as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
  return status === 404;
}
