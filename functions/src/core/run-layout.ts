/**
 * The report bucket's layout and the records one run keeps there (docs/contracts.md, "S3
 * layout"): pure names and shapes, shared by the S3 adapter that reads and writes them and the
 * use cases that reason about them.
 */
import { isAccountId } from './account-id';
import { InvalidInputError } from './errors';

/** One line of organization.json: every account of the organization and what this run does with it. */
export interface OrganizationEntry {
  readonly accountId: string;
  readonly accountName: string;
  readonly state: string;
  readonly decision: 'AUDIT' | 'SKIP';
  readonly reason?: string;
  /** For skipped accounts: what an operator can do about it (an addition to the contract). */
  readonly fix?: string;
  /** The account's owner from its Organizations tag or its OU (core/owners.ts), when one applies. */
  readonly owner?: string;
  readonly ownerSource?: 'account-tag' | 'ou';
}

export interface ReportKeys {
  readonly reportKey: string;
  readonly csvKey: string;
  readonly digestKey: string;
}

/** Where the Distributed Map's ResultWriter put its manifest (the Map state's output). */
export interface MapRunRef {
  readonly MapRunArn?: string;
  readonly ResultWriterDetails: { readonly Bucket: string; readonly Key: string };
}

/** One child execution of the Map Run, with its Input and Output already parsed from JSON strings. */
export interface MapChildResult {
  /** The result file it came from: SUCCEEDED, FAILED, PENDING (or any status AWS adds). */
  readonly status: string;
  readonly executionArn: string | null;
  readonly input: unknown;
  readonly output: unknown;
  readonly error: string | null;
  readonly cause: string | null;
}

export interface MapRunResults {
  readonly mapRunArn: string;
  readonly children: readonly MapChildResult[];
}

/**
 * Step Functions execution names are 1-80 characters, Unicode allowed, with no whitespace,
 * slashes or control characters; anything else here would let a name escape its S3 prefix.
 */
function isSafeExecutionName(name: string): boolean {
  if (name.length < 1 || name.length > 80 || name === '.' || name === '..') return false;
  for (const char of name) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f || char === '/' || char === '\\' || /\s/u.test(char)) return false;
  }
  return true;
}

export function runPrefix(executionName: string): string {
  if (!isSafeExecutionName(executionName)) {
    throw new InvalidInputError(
      `executionName ${JSON.stringify(executionName)} cannot be used as an S3 key segment: ` +
        'use 1-80 characters without whitespace, "/" or "\\".',
    );
  }
  return `runs/${executionName}`;
}

export function runKeys(executionName: string) {
  const run = runPrefix(executionName);
  const reports = `reports/${executionName}`;
  return {
    items: `${run}/items.json`,
    organization: `${run}/organization.json`,
    account: (accountId: string) => {
      if (!isAccountId(accountId)) {
        throw new InvalidInputError(`accountId ${JSON.stringify(accountId)} must be 12 digits.`);
      }
      return `${run}/accounts/${accountId}.json`;
    },
    /** Where an account's audit stopped, for the next invocation (core/continuation.ts). */
    checkpoint: (accountId: string) => {
      if (!isAccountId(accountId)) {
        throw new InvalidInputError(`accountId ${JSON.stringify(accountId)} must be 12 digits.`);
      }
      return `${run}/checkpoints/${accountId}.json`;
    },
    report: `${reports}/report.json`,
    csv: `${reports}/report.csv`,
    digest: `${reports}/digest.txt`,
  } as const;
}

/**
 * Run history (core/history.ts): one findings index per full run, and a small pointer to the
 * latest, so a run finds the previous one in two reads whatever the organization's size.
 */
export const HISTORY_LATEST_KEY = 'history/latest.json';

/** The account-tag cache (core/owners.ts): one object, read and written once per run. */
export const ACCOUNT_TAG_CACHE_KEY = 'owners/account-tags.json';

/** An owner's digest, next to the full one; the owner is encoded so any name is one key segment. */
export function ownerDigestKey(executionName: string, owner: string): string {
  runPrefix(executionName);
  return `reports/${executionName}/owners/${encodeURIComponent(owner)}.txt`;
}

/** The list of owner digests PublishDigest sends (owner, subject, key), one object per run. */
export function ownerDigestsManifestKey(executionName: string): string {
  runPrefix(executionName);
  return `reports/${executionName}/owner-digests.json`;
}

export function historyIndexKey(executionName: string): string {
  runPrefix(executionName); // the same key-segment rules as the run's own records
  return `history/runs/${executionName}.json`;
}
