/**
 * What the run store accepts when it reads an object back (docs/contracts.md, "S3 layout"),
 * as zod/mini schemas: a half-written or hand-edited object must fail with its key and field.
 */

import * as z from 'zod/mini';
import { ACCOUNT_ID_PATTERN } from '../core/account-id';
import { type AccountAudit, FINDING_TYPES, SCHEMA_VERSION, SEVERITIES } from '../core/model';
import '../core/zod-messages';

export const ACCOUNT_ID = ACCOUNT_ID_PATTERN;

/** Any zod/mini schema that parses to T (the run store only ever reads through safeParse). */
export type Schema<T> = z.ZodMiniType<T>;

const count = z.int().check(z.nonnegative());
const findingSchema = z.object({
  accountId: z.string(),
  userName: z.string(),
  userArn: z.string(),
  accessKeyId: z.nullable(z.string()),
  keySlot: z.nullable(z.union([z.literal(1), z.literal(2)])),
  status: z.nullable(z.enum(['Active', 'Inactive'])),
  createdAt: z.nullable(z.string()),
  ageDays: z.nullable(z.int().check(z.minimum(0))),
  lastUsedAt: z.nullable(z.string()),
  lastUsedService: z.nullable(z.string()),
  type: z.enum(FINDING_TYPES),
  severity: z.enum(SEVERITIES),
  exemption: z.optional(
    z.object({ source: z.enum(['tag', 'config']), reason: z.string(), until: z.string() }),
  ),
  ownerTag: z.optional(z.string()),
  owner: z.optional(z.string()),
  ownerSource: z.optional(z.enum(['user-tag', 'account-tag', 'ou', 'default'])),
});

export const accountAuditSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  accountId: z.string().check(z.regex(ACCOUNT_ID)),
  accountName: z.string(),
  status: z.enum(['AUDITED', 'FAILED', 'SKIPPED']),
  reason: z.optional(z.string()),
  fix: z.optional(z.string()),
  errorName: z.optional(z.string()),
  strategy: z.enum(['credential-report', 'per-user', 'none']),
  reportGeneratedAt: z.nullable(z.string()),
  counts: z.object({
    users: count,
    activeKeys: count,
    inactiveKeys: count,
    findings: count,
    exempted: count,
    apiCalls: z.record(z.string(), count),
  }),
  findings: z.array(findingSchema),
  exempted: z.array(findingSchema),
  warnings: z.array(z.string()),
}) satisfies Schema<AccountAudit>;

export const organizationSchema = z.array(
  z.object({
    accountId: z.string().check(z.regex(ACCOUNT_ID)),
    accountName: z.string(),
    state: z.string(),
    decision: z.enum(['AUDIT', 'SKIP']),
    reason: z.optional(z.string()),
    fix: z.optional(z.string()),
    owner: z.optional(z.string()),
    ownerSource: z.optional(z.enum(['account-tag', 'ou'])),
  }),
);

export const ownerDigestsManifestSchema = z.object({
  schemaVersion: z.literal(1),
  digests: z.array(
    z.object({
      owner: z.string().check(z.minLength(1)),
      subject: z.string().check(z.minLength(1)),
      key: z.string().check(z.minLength(1)),
      findings: count,
    }),
  ),
});

export const itemsSchema = z.array(z.string().check(z.regex(ACCOUNT_ID)));

const resultFileRef = z.object({ Key: z.string().check(z.minLength(1)), Size: z.optional(z.number()) });
export const manifestSchema = z.object({
  DestinationBucket: z.string().check(z.minLength(1)),
  MapRunArn: z.string(),
  ResultFiles: z.record(z.string(), z.array(resultFileRef)),
});

const childSchema = z.object({
  ExecutionArn: z.optional(z.string()),
  Input: z.optional(z.string()),
  Output: z.optional(z.string()),
  Status: z.optional(z.string()),
  Error: z.optional(z.string()),
  Cause: z.optional(z.string()),
});
export const childrenSchema = z.array(childSchema);

export function describeIssues(error: z.core.$ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
