/**
 * The run summary: BuildDigest's `summary`, which the state machine returns as the execution
 * output (docs/contracts.md, "Execution output"). BuildDigest writes every field; the fields
 * marked optional or nullable here are the ones an execution of an older workflow version may
 * lack, because `keyaudit rerun` and `keyaudit status` read back executions of any age.
 */
import * as z from 'zod/mini';
import { ACCOUNT_ID_PATTERN } from './account-id';
import './zod-messages';

const count = z.int().check(z.minimum(0));

export const RunSummarySchema = z.object({
  executionName: z.string(),
  reason: z.nullish(z.string()),
  dryRun: z.optional(z.boolean()),
  totals: z.object({
    accounts: count,
    audited: count,
    failed: count,
    skipped: count,
    findings: count,
    exempted: count,
    bySeverity: z.optional(z.record(z.string(), count)),
  }),
  failedAccounts: z.array(
    z.object({
      accountId: z.string().check(z.regex(ACCOUNT_ID_PATTERN)),
      errorName: z.nullish(z.string()),
      reason: z.nullish(z.string()),
    }),
  ),
  failedAccountsTruncated: z.boolean(),
  reportKey: z.nullish(z.string()),
  subject: z.optional(z.string()),
  /** Counts of what changed since the last full run (core/history.ts); absent before history. */
  changes: z.optional(
    z.union([
      z.object({
        comparable: z.literal(true),
        previousExecution: z.string(),
        new: count,
        resolved: count,
        stillOpen: count,
        notRechecked: count,
      }),
      z.object({ comparable: z.literal(false), reason: z.string() }),
    ]),
  ),
});

/** A summary as a reader gets it back: what BuildDigest writes now, or wrote in older versions. */
export type ParsedRunSummary = z.output<typeof RunSummarySchema>;
