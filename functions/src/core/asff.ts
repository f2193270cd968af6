/**
 * Findings in the AWS Security Finding Format (README.md, "Integrations", "Security Hub"), and the CIS
 * AWS Foundations Benchmark v3.0.0 controls they belong to. Pure: the importer
 * (app/import-findings.ts) sends them with BatchImportFindings.
 *
 * Security Hub accepts findings for the default product only from the account the product ARN
 * names, and requires `AwsAccountId` to be that account: so every finding lives in the audit
 * account, and names the member account and user in `Resources` and `ProductFields`.
 */
import type { Finding, FindingType, Severity } from './model';

/**
 * The ASFF fields this product writes: a structural subset of the SDK's `AsffFinding`
 * (core takes no SDK import; aws/security-hub.ts checks the two agree at compile time).
 */
export interface AsffFinding {
  readonly SchemaVersion: string;
  readonly Id: string;
  readonly ProductArn: string;
  readonly GeneratorId: string;
  readonly AwsAccountId: string;
  readonly Types: string[];
  readonly FirstObservedAt?: string;
  readonly LastObservedAt?: string;
  readonly CreatedAt: string;
  readonly UpdatedAt: string;
  readonly Severity: { Label: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL'; Original: string };
  readonly FindingProviderFields: {
    Severity: { Label: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL'; Original: string };
    Types: string[];
  };
  readonly Title: string;
  readonly Description: string;
  readonly Remediation: { Recommendation: { Text: string; Url: string } };
  readonly ProductFields: Record<string, string>;
  readonly Resources: {
    Type: string;
    Id: string;
    Partition: 'aws' | 'aws-cn' | 'aws-us-gov';
    Region: string;
    Details?: {
      AwsIamAccessKey: {
        PrincipalName: string;
        PrincipalType: string;
        Status?: 'Active' | 'Inactive';
        CreatedAt?: string;
        AccessKeyId?: string;
        AccountId: string;
      };
    };
  }[];
  readonly Compliance: {
    Status: 'PASSED' | 'FAILED' | 'WARNING' | 'NOT_AVAILABLE';
    RelatedRequirements?: string[];
  };
  readonly RecordState: 'ACTIVE' | 'ARCHIVED';
  readonly Workflow: { Status: 'NEW' | 'NOTIFIED' | 'RESOLVED' | 'SUPPRESSED' };
}

export const ASFF_SCHEMA_VERSION = '2018-10-08';
/** BatchImportFindings takes at most 100 findings per call. */
export const ASFF_BATCH_SIZE = 100;
/** Each finding must be under 240 KB in the request. */
export const ASFF_MAX_FINDING_BYTES = 240 * 1024;
export const CIS_STANDARD = 'CIS AWS Foundations Benchmark v3.0.0';

/** A CIS control a finding type fails (v3.0.0 numbering). */
export interface CisControl {
  readonly id: '1.4' | '1.12' | '1.13' | '1.14';
  readonly title: string;
}

export const CIS_CONTROLS: readonly CisControl[] = [
  { id: '1.4', title: "Ensure no 'root' user account access key exists" },
  { id: '1.12', title: 'Ensure credentials unused for 45 days or more are disabled' },
  { id: '1.13', title: 'Ensure there is only one active access key available for any single IAM user' },
  { id: '1.14', title: 'Ensure access keys are rotated every 90 days or less' },
];

/**
 * Which control each finding type fails. Due-soon and reminder findings are warnings ahead of
 * 1.14, not failures of it; an inactive key lingering fails no CIS control.
 */
export const CIS_CONTROL_OF: Readonly<Record<FindingType, CisControl['id'] | null>> = {
  ROOT_ACCESS_KEY: '1.4',
  ROTATION_OVERDUE: '1.14',
  ROTATION_DUE_SOON: null,
  REMINDER_DAY: null,
  UNUSED: '1.12',
  NEVER_USED: '1.12',
  TWO_ACTIVE_KEYS: '1.13',
  INACTIVE_KEY_LINGERING: null,
};

const SEVERITY_LABEL: Readonly<Record<Severity, 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL'>> = {
  critical: 'CRITICAL',
  high: 'HIGH',
  medium: 'MEDIUM',
  low: 'LOW',
  info: 'INFORMATIONAL',
};

const TYPES = {
  cis: 'Software and Configuration Checks/Industry and Regulatory Standards/CIS AWS Foundations Benchmark',
  bestPractice: 'Software and Configuration Checks/AWS Security Best Practices',
} as const;

const TITLE: Readonly<Record<FindingType, string>> = {
  ROOT_ACCESS_KEY: 'The root user has an access key',
  ROTATION_OVERDUE: 'IAM access key not rotated for 90 days or more',
  ROTATION_DUE_SOON: 'IAM access key due for rotation soon',
  REMINDER_DAY: 'IAM access key reaches its rotation reminder day',
  UNUSED: 'IAM access key unused for 45 days or more',
  NEVER_USED: 'IAM access key never used',
  TWO_ACTIVE_KEYS: 'IAM user has two active access keys',
  INACTIVE_KEY_LINGERING: 'Inactive IAM access key not deleted',
};

const RECOMMENDATION: Readonly<Record<FindingType, string>> = {
  ROOT_ACCESS_KEY: 'Delete the root user access key; use IAM roles or IAM Identity Center instead.',
  ROTATION_OVERDUE:
    'Create a new access key, move every client to it, then deactivate and delete the old key.',
  ROTATION_DUE_SOON: 'Plan the rotation: create a new key, move clients to it, retire the old one.',
  REMINDER_DAY: 'Rotate the key now: create a new key, move clients to it, retire the old one.',
  UNUSED: 'Deactivate the key; delete it once nothing fails without it.',
  NEVER_USED: 'Delete the key: it has never been used.',
  TWO_ACTIVE_KEYS: 'Finish the rotation: deactivate and delete the older active key.',
  INACTIVE_KEY_LINGERING: 'Delete the inactive access key.',
};

const REMEDIATION_URL =
  'https://docs.aws.amazon.com/IAM/latest/UserGuide/id-credentials-access-keys-update.html';

export interface AsffContext {
  /** The account that imports (the audit account): the product ARN's and AwsAccountId. */
  readonly auditAccountId: string;
  readonly region: string;
  /** @default aws */
  readonly partition?: 'aws' | 'aws-cn' | 'aws-us-gov';
  /** ISO-8601: UpdatedAt and LastObservedAt. */
  readonly now: string;
}

/** The default product of the importing account: the only one it may import into. */
export function defaultProductArn(ctx: Pick<AsffContext, 'auditAccountId' | 'region' | 'partition'>): string {
  const partition = ctx.partition ?? 'aws';
  return `arn:${partition}:securityhub:${ctx.region}:${ctx.auditAccountId}:product/${ctx.auditAccountId}/default`;
}

/**
 * The finding's Id: the same for the same (account, user, access key id, finding type) on every
 * run, so a daily import updates it instead of adding another. Root keys have no id anywhere AWS
 * reports them: their slot stands in.
 */
export function asffFindingId(
  f: Pick<Finding, 'accountId' | 'userName' | 'accessKeyId' | 'keySlot' | 'type'>,
): string {
  const key = f.accessKeyId ?? (f.keySlot === null ? 'root' : `slot-${f.keySlot}`);
  return `org-key-audit/${f.accountId}/${encodeURIComponent(f.userName)}/${key}/${f.type}`;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function describe(f: Finding): string {
  const age = f.ageDays === null ? 'of unknown age' : `${f.ageDays} days old`;
  const used = f.lastUsedAt === null ? 'never used' : `last used ${f.lastUsedAt.slice(0, 10)}`;
  const key = f.accessKeyId ?? (f.keySlot === null ? 'root key' : `key ${f.keySlot}`);
  return cut(
    `${TITLE[f.type]}: ${key} of ${f.userName} in account ${f.accountId}, ${age}, ${used}` +
      (f.owner ? `; owner ${f.owner}` : '') +
      '. Reported by org-key-audit (ages are whole UTC calendar days).',
    1024,
  );
}

export interface AsffFindingInput {
  readonly finding: Finding;
  /** ISO-8601: when the finding was first reported (history's firstSeenAt), else now. */
  readonly firstSeenAt?: string | undefined;
  readonly accountName?: string | undefined;
}

/** One open finding, ACTIVE and FAILED, with its CIS requirement when it fails one. */
export function toAsff(input: AsffFindingInput, ctx: AsffContext): AsffFinding {
  const { finding: f } = input;
  const partition = ctx.partition ?? 'aws';
  const control = CIS_CONTROL_OF[f.type];
  const types = control === null ? [TYPES.bestPractice] : [TYPES.cis];
  const severity = { Label: SEVERITY_LABEL[f.severity], Original: f.severity };
  const keyResourceId =
    f.accessKeyId === null
      ? `arn:${partition}:iam::${f.accountId}:root`
      : `arn:${partition}:iam::${f.accountId}:user/${f.userName}/accesskey/${f.accessKeyId}`;
  const productFields: Record<string, string> = {
    'org-key-audit/MemberAccountId': f.accountId,
    'org-key-audit/UserName': cut(f.userName, 2048),
    'org-key-audit/FindingType': f.type,
    ...(f.accessKeyId === null ? {} : { 'org-key-audit/AccessKeyId': f.accessKeyId }),
    ...(f.ageDays === null ? {} : { 'org-key-audit/AgeDays': String(f.ageDays) }),
    ...(f.owner === undefined ? {} : { 'org-key-audit/Owner': cut(f.owner, 2048) }),
    ...(input.accountName ? { 'org-key-audit/MemberAccountName': cut(input.accountName, 2048) } : {}),
  };
  const firstSeen = input.firstSeenAt ?? ctx.now;
  return {
    SchemaVersion: ASFF_SCHEMA_VERSION,
    Id: asffFindingId(f),
    ProductArn: defaultProductArn(ctx),
    GeneratorId: `org-key-audit/${f.type}`,
    AwsAccountId: ctx.auditAccountId,
    Types: types,
    FirstObservedAt: firstSeen,
    LastObservedAt: ctx.now,
    CreatedAt: firstSeen,
    UpdatedAt: ctx.now,
    Severity: severity,
    FindingProviderFields: { Severity: severity, Types: types },
    Title: cut(`${TITLE[f.type]} (${f.userName} in ${f.accountId})`, 256),
    Description: describe(f),
    Remediation: { Recommendation: { Text: RECOMMENDATION[f.type], Url: REMEDIATION_URL } },
    ProductFields: productFields,
    Resources: [
      {
        Type: 'AwsIamAccessKey',
        Id: keyResourceId,
        Partition: partition,
        Region: ctx.region,
        Details: {
          AwsIamAccessKey: {
            PrincipalName: f.userName,
            PrincipalType: f.accessKeyId === null && f.keySlot === null ? 'Root' : 'IAMUser',
            ...(f.status === null ? {} : { Status: f.status }),
            ...(f.createdAt === null ? {} : { CreatedAt: f.createdAt }),
            ...(f.accessKeyId === null ? {} : { AccessKeyId: f.accessKeyId }),
            AccountId: f.accountId,
          },
        },
      },
      {
        Type: 'AwsIamUser',
        Id: f.userArn,
        Partition: partition,
        Region: ctx.region,
      },
    ],
    Compliance: {
      Status: 'FAILED',
      ...(control === null ? {} : { RelatedRequirements: [`${CIS_STANDARD}/${control}`] }),
    },
    RecordState: 'ACTIVE',
    Workflow: { Status: 'NEW' },
  };
}

/**
 * A finding this product imported earlier that is gone now: the same Id, ARCHIVED and PASSED, so
 * Security Hub stops listing it as active (a finding provider archives its own findings).
 */
export function archivedAsff<F extends { readonly Compliance?: object | undefined }>(
  previous: F,
  now: string,
): F & { UpdatedAt: string; RecordState: 'ARCHIVED'; Compliance: { Status: 'PASSED' } } {
  return {
    ...previous,
    UpdatedAt: now,
    RecordState: 'ARCHIVED',
    Compliance: { ...(previous.Compliance ?? {}), Status: 'PASSED' },
  };
}

/** The member account a finding of ours names (ProductFields), or null for a finding not ours. */
export function memberAccountOf(finding: {
  readonly ProductFields?: Record<string, string> | undefined;
}): string | null {
  return finding.ProductFields?.['org-key-audit/MemberAccountId'] ?? null;
}

/** UTF-8 size of a finding in the request body. */
export function asffBytes(finding: object): number {
  return new TextEncoder().encode(JSON.stringify(finding)).length;
}

/** Batches of at most ASFF_BATCH_SIZE, in order. */
export function asffBatches<T>(items: readonly T[], size: number = ASFF_BATCH_SIZE): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}
