/**
 * A report's open findings in the AWS Security Finding Format (`findings.asff.json`), built with
 * the core's toAsff. Security Hub's BatchImportFindings accepts findings for an account's default
 * product only from that account, with `AwsAccountId` set to it: so every finding here belongs to
 * the default product of the audit account (the account in the report's executionArn), in the
 * executionArn's region, and names the member account and user in `Resources` and
 * `ProductFields`. Import the file from the audit account, in that region.
 */
import type { Report } from '@org-key-audit/functions/core';
import { type AsffFinding, defaultProductArn, toAsff } from '@org-key-audit/functions/core';
import { OperationError } from './errors';

export interface ReportAsff {
  /** The audit account: the product ARN's account and every finding's AwsAccountId. */
  readonly auditAccountId: string;
  readonly region: string;
  readonly partition: 'aws' | 'aws-cn' | 'aws-us-gov';
  /** `arn:<partition>:securityhub:<region>:<audit account>:product/<audit account>/default`. */
  readonly productArn: string;
  /** Every open finding (exempted ones are left out), in report order. */
  readonly findings: AsffFinding[];
}

const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov'] as const;

/** Partition, region and account of a Step Functions execution ARN, or null for anything else. */
export function parseExecutionArn(
  arn: string | null,
): { partition: ReportAsff['partition']; region: string; accountId: string } | null {
  if (arn === null) return null;
  const match = /^arn:([a-z-]+):states:([a-z0-9-]+):(\d{12}):execution:[^:]+:.+$/.exec(arn);
  if (match === null) return null;
  const [, partition = '', region = '', accountId = ''] = match;
  if (!(PARTITIONS as readonly string[]).includes(partition)) return null;
  return { partition: partition as ReportAsff['partition'], region, accountId };
}

/**
 * @throws OperationError when the report has no execution ARN to take the audit account and
 * region from (the findings could not name a product Security Hub would accept).
 */
export function reportToAsff(report: Report): ReportAsff {
  const arn = parseExecutionArn(report.executionArn);
  if (arn === null) {
    throw new OperationError(
      `The report ${report.executionName} has no Step Functions execution ARN (${report.executionArn ?? 'null'}) to take the audit account and region from, so its findings cannot name the default product Security Hub would accept.`,
      { fix: 'Export the report.json of a run of the deployed workflow, keyaudit run or keyaudit demo.' },
    );
  }
  const ctx = {
    auditAccountId: arn.accountId,
    region: arn.region,
    partition: arn.partition,
    now: report.generatedAt,
  };
  // When the finding was first reported: the changes list it as NEW (this run) or still open.
  const firstSeen = new Map<string, string>();
  if (report.changes?.comparable === true) {
    for (const f of [...report.changes.new, ...report.changes.stillOpen]) {
      firstSeen.set(JSON.stringify([f.accountId, f.userName, f.accessKeyId, f.type]), f.firstSeenAt);
    }
  }
  const findings = report.accounts.flatMap((account) =>
    account.findings.map((finding) =>
      toAsff(
        {
          finding,
          firstSeenAt: firstSeen.get(
            JSON.stringify([finding.accountId, finding.userName, finding.accessKeyId, finding.type]),
          ),
          accountName:
            account.accountName !== '' && account.accountName !== account.accountId
              ? account.accountName
              : undefined,
        },
        ctx,
      ),
    ),
  );
  return {
    auditAccountId: arn.accountId,
    region: arn.region,
    partition: arn.partition,
    productArn: defaultProductArn(ctx),
    findings,
  };
}

/** The file's text: the JSON array BatchImportFindings takes (in batches of 100). */
export function asffJson(asff: ReportAsff): string {
  return `${JSON.stringify(asff.findings, null, 2)}\n`;
}

/** One line for stderr: whose product the findings are for, and where to import them. */
export function asffNote(asff: ReportAsff): string {
  return `${asff.findings.length} open finding${asff.findings.length === 1 ? '' : 's'} for the default product of the audit account ${asff.auditAccountId} in ${asff.region} (${asff.productArn}): import them from that account and region, as BatchImportFindings requires; each names its member account in Resources and ProductFields.`;
}
