/**
 * The ports the use cases are written against: small, in the use cases' own terms. The S3 run
 * store and the SNS publisher implement them in aws/; the use-case tests implement them in
 * memory, so they need no SDK mock.
 */
import type { AccountAudit } from '../core/model';
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
}

/** Sends the digest email (SNS in the deployment). */
export interface DigestPublisher {
  publish(message: {
    readonly subject: string;
    readonly body: string;
  }): Promise<{ readonly messageId: string | null }>;
}
