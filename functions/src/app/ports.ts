/**
 * The ports the use cases are written against: small, in the use cases' own terms. The S3 run
 * store and the SNS publisher implement them in aws/; the use-case tests implement them in
 * memory, so they need no SDK mock.
 */
import type { ConfigExemption } from '../core/exemptions';
import type { AccountAudit, OrgAccount } from '../core/model';
import type { Report } from '../core/report';
import type { MapRunRef, MapRunResults, OrganizationEntry, ReportKeys } from '../core/run-layout';
import type { Thresholds } from '../core/thresholds';

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
}

/**
 * One member account's keys, collected and evaluated: assume the audit role, read the
 * credential report (or fall back per user), apply the policy. Throws AuditRoleMissingError
 * when the role cannot be assumed, and its stable error names for everything else.
 */
export interface AccountCollector {
  collect(request: {
    readonly accountId: string;
    readonly executionName: string;
    readonly thresholds: Thresholds;
    readonly configExemptions: readonly ConfigExemption[];
  }): Promise<AccountAudit>;
}

/** The organization's accounts (Organizations ListAccounts, directly or through the org-reader role). */
export interface OrganizationSource {
  listAccounts(): Promise<OrgAccount[]>;
  /** For the logs: whether the listing goes through the org-reader role. */
  readonly viaOrgReaderRole: boolean;
}

/** Sends the digest email (SNS in the deployment). */
export interface DigestPublisher {
  publish(message: {
    readonly subject: string;
    readonly body: string;
  }): Promise<{ readonly messageId: string | null }>;
}
