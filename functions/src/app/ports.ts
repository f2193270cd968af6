/**
 * The ports the use cases are written against: small, in the use cases' own terms. The S3 run
 * store and the SNS publisher implement them in aws/; the use-case tests implement them in
 * memory, so they need no SDK mock.
 */
import type { CollectionCheckpoint } from '../core/continuation';
import type { FindingsIndex, PreviousIndex } from '../core/history';
import type { ListedAccessKey } from '../core/key-reconcile';
import type { AccountAudit, OrgAccount, PrincipalCredentials } from '../core/model';
import type { AccountTagCache } from '../core/owners';
import type {
  ApprovalTask,
  DeactivationRequest,
  ReactivationRecord,
  RequestMarker,
  RequestOutcome,
} from '../core/remediation';
import type { ListedKey } from '../core/remediation-plan';
import type { Report } from '../core/report';
import type { MapRunRef, MapRunResults, OrganizationEntry, ReportKeys } from '../core/run-layout';

/** One run's records in the report bucket. */
export interface RunRecords {
  /** Where the records live, for links: the bucket name. */
  readonly bucket: string;
  getOrganization(organizationKey: string): Promise<OrganizationEntry[]>;
  readMapResults(ref: MapRunRef): Promise<MapRunResults>;
  readAccountResults(
    executionName: string,
    accountIds: readonly string[],
  ): Promise<{
    readonly audits: ReadonlyMap<string, AccountAudit>;
    /** Account id → why its stored result could not be read back. */
    readonly malformed: ReadonlyMap<string, string>;
  }>;
  putReportFiles(
    executionName: string,
    files: { readonly report: Report; readonly csv: string; readonly digest: string },
  ): Promise<ReportKeys>;
  getText(key: string): Promise<string>;
  /** The Map's items: the account ids to audit. Returns the key. */
  putItems(executionName: string, accountIds: readonly string[]): Promise<string>;
  /** Every account of the organization and what this run does with it. Returns the key. */
  putOrganization(executionName: string, entries: readonly OrganizationEntry[]): Promise<string>;
  /** One account's full result. Returns the key. */
  putAccountAudit(executionName: string, audit: AccountAudit): Promise<string>;
  /** Where an account's audit stopped (core/continuation.ts). Returns the key. */
  putCheckpoint(executionName: string, checkpoint: CollectionCheckpoint): Promise<string>;
  /** A checkpoint written by putCheckpoint; MalformedDataError naming the key when missing or damaged. */
  getCheckpoint(key: string): Promise<CollectionCheckpoint>;
  /**
   * The findings index of the last full run before `executionName` (a redriven run finds the
   * same one again), or why there is none; never throws for a missing or damaged object.
   */
  readPreviousIndex(executionName: string): Promise<PreviousIndex>;
  /** Keeps this run's index and makes it the latest. Returns the index's key. */
  putFindingsIndex(index: FindingsIndex): Promise<string>;
  /** The account-tag cache (core/owners.ts); null with a problem when damaged, never throws for that. */
  readAccountTagCache(tagKey: string): Promise<{
    readonly cache: AccountTagCache | null;
    readonly problem: string | null;
  }>;
  putAccountTagCache(cache: AccountTagCache): Promise<void>;
  /** Keeps an owner digest and the manifest PublishDigest reads. Returns the manifest's key. */
  putOwnerDigests(executionName: string, digests: readonly OwnerDigest[]): Promise<string>;
  readOwnerDigests(manifestKey: string): Promise<readonly OwnerDigestRef[]>;
}

/** One owner's digest, as BuildDigest renders it. */
export interface OwnerDigest {
  readonly owner: string;
  readonly subject: string;
  readonly body: string;
  readonly findings: number;
}

/** Where an owner's digest is kept: what PublishDigest needs to send it. */
export interface OwnerDigestRef {
  readonly owner: string;
  readonly subject: string;
  readonly key: string;
  readonly findings: number;
}

/**
 * The organization's structure and account tags, for owners (core/owners.ts): the calls, never
 * the decisions (app/account-owners.ts walks the tree and applies the rules).
 */
export interface OrganizationDirectory {
  /** The root ids (an organization has one). */
  roots(): Promise<string[]>;
  /** The OU ids directly under a root or OU, every page. */
  childOrganizationalUnits(parentId: string): Promise<string[]>;
  /** The account ids directly under a root or OU, every page. */
  accountsIn(parentId: string): Promise<string[]>;
  /** One account's tag value, or null when it has none; paced to the configured rate. */
  accountTag(accountId: string, tagKey: string): Promise<string | null>;
  /** Attempts per action so far (e.g. `organizations:ListTagsForResource`), keys sorted. */
  apiCalls(): Record<string, number>;
}

/**
 * One member account's IAM, as the collection reads it: the calls, never the decisions
 * (app/collect-account.ts makes those). Transient failures are thrown with their stable error
 * names, so the state machine retries them.
 */
export interface CredentialSource {
  /**
   * The account's complete credential report (CSV bytes), or `denied`: the report may not be
   * had for a reason a retry will not fix, which is when `auto` audits user by user instead.
   */
  credentialReport(): Promise<
    | { readonly content: Uint8Array; readonly generatedAt: Date | null; readonly denied?: undefined }
    | { readonly denied: Error }
  >;
  /** Every IAM user with all its keys (ids included) and their last use: the per-user strategy. */
  listPrincipals(): Promise<PrincipalCredentials[]>;
  /** The user's live access keys; null when the user no longer exists. */
  liveAccessKeys(userName: string): Promise<ListedAccessKey[] | null>;
  /** The user's tags; null when the user no longer exists. */
  userTags(userName: string): Promise<Record<string, string> | null>;
  /** Whether the root user has access keys now; null when the account summary does not say. */
  rootAccessKeysPresent(): Promise<boolean | null>;
  /** Attempts per action so far (e.g. `iam:ListAccessKeys`), keys sorted. */
  apiCalls(): Record<string, number>;
}

/** The member accounts' IAM, each behind its read-only audit role. */
export interface MemberAccounts {
  /** Throws AuditRoleMissingError when the account's audit role cannot be assumed. */
  open(request: { readonly accountId: string; readonly executionName: string }): Promise<CredentialSource>;
}

/** The organization's accounts (Organizations ListAccounts, directly or through the org-reader role). */
export interface OrganizationSource {
  listAccounts(): Promise<OrgAccount[]>;
  /** The OU tree and account tags, through the same role; absent where owners are not read. */
  directory?(options: { readonly tagRequestsPerSecond: number }): Promise<OrganizationDirectory>;
  /** For the logs: whether the listing goes through the org-reader role. */
  readonly viaOrgReaderRole: boolean;
}

/** Sends the digest email (SNS in the deployment). */
export interface DigestPublisher {
  /** With `owner`, the message carries it as the `owner` message attribute (core/owners.ts). */
  publish(message: {
    readonly subject: string;
    readonly body: string;
    readonly owner?: string;
  }): Promise<{ readonly messageId: string | null }>;
}

/** A finding as GetFindings returns it: only what the importer reads is typed. */
export interface StoredAsffFinding {
  readonly Id?: string | undefined;
  readonly ProductArn?: string | undefined;
  readonly ProductFields?: Record<string, string> | undefined;
  readonly Compliance?: object | undefined;
  readonly [field: string]: unknown;
}

/** Security Hub, as the importer uses it (aws/security-hub.ts). */
export interface FindingsHub {
  /** This product's ACTIVE findings, every page. */
  activeFindings(productArn: string): Promise<StoredAsffFinding[]>;
  /** One BatchImportFindings call (at most 100); the ids Security Hub refused, with why. */
  importBatch(findings: readonly object[]): Promise<{ readonly failed: readonly RefusedFinding[] }>;
}

export interface RefusedFinding {
  readonly id: string;
  readonly code: string;
  readonly message: string;
}

/** Sends the short chat notification (Amazon Q Developer in chat applications); null when off. */
export interface ChatNotifier {
  notify(request: { readonly subject: string; readonly summary: unknown }): Promise<void>;
}

/** One member account's key usage, read through the read-only audit role (CheckKey). */
export interface KeyUsageReader {
  /** GetAccessKeyLastUsed: `found` false when the key no longer exists; lastUsedAt null when never used. */
  lastUsed(accessKeyId: string): Promise<{ readonly found: boolean; readonly lastUsedAt: string | null }>;
  /** The user's tags; null when the user no longer exists. */
  userTags(userName: string): Promise<Record<string, string> | null>;
  /** ListAccessKeys for the user; null when the user no longer exists. */
  listKeys(userName: string): Promise<readonly ListedKey[] | null>;
}

export interface AuditedAccounts {
  /** Throws AuditRoleMissingError when the account's audit role cannot be assumed. */
  open(request: { readonly accountId: string; readonly sessionName: string }): Promise<KeyUsageReader>;
}

/** One member account's keys, through the remediation role (RemediateKey): the only writer. */
export interface KeyRemediator {
  /** ListAccessKeys for the user; null when the user no longer exists. */
  listKeys(userName: string): Promise<readonly ListedKey[] | null>;
  /** UpdateAccessKey. */
  setStatus(userName: string, accessKeyId: string, status: 'Active' | 'Inactive'): Promise<void>;
}

export interface RemediationAccounts {
  /** Throws RemediationRoleMissingError when the account's remediation role cannot be assumed. */
  open(request: { readonly accountId: string; readonly sessionName: string }): Promise<KeyRemediator>;
}

/** The deactivation requests in the report bucket (docs/remediation.md, "Stored objects"). */
export interface RemediationRecords {
  /** Stores a new request and its open marker; `exists` when the id was stored before (a redrive). */
  createRequest(request: DeactivationRequest, marker: RequestMarker): Promise<'created' | 'exists'>;
  /** Null when there is none; MalformedDataError naming the key when it cannot be read. */
  getRequest(requestId: string): Promise<DeactivationRequest | null>;
  putTask(task: ApprovalTask): Promise<void>;
  getOutcome(requestId: string): Promise<RequestOutcome | null>;
  putOutcome(outcome: RequestOutcome): Promise<void>;
  putMarker(marker: RequestMarker): Promise<void>;
  /** Every marker, open or closed; a damaged one is a problem (with its key), never a throw. */
  listMarkers(): Promise<{
    readonly markers: readonly RequestMarker[];
    readonly problems: readonly string[];
  }>;
  deleteMarker(requestId: string): Promise<void>;
  putReactivation(record: ReactivationRecord): Promise<void>;
  listReactivations(requestId: string): Promise<readonly ReactivationRecord[]>;
}
