/**
 * The execution input (docs/contracts.md): typed by people in the Step Functions console, so
 * every error names the field and says what to write instead. ValidateInput fails fast on it.
 */
import * as z from 'zod/mini';
import { isAccountId } from './account-id';
import { InvalidInputError } from './errors';
import {
  DEFAULT_THRESHOLDS,
  describeValue,
  isPlainObject,
  resolveThresholds,
  type Thresholds,
  validateThresholdsOverride,
} from './thresholds';
import './zod-messages';

export const MAX_ACCOUNT_IDS = 10_000;
export const MAX_REASON_LENGTH = 500;
const INPUT_FIELDS = ['accountIds', 'dryRun', 'thresholds', 'reason'] as const;

export interface NormalizedInput {
  /** Null: audit every ACTIVE account of the organization. */
  readonly accountIds: string[] | null;
  readonly dryRun: boolean;
  /** Only the override: each Lambda merges it onto its own configured defaults. */
  readonly thresholds: Partial<Thresholds>;
  readonly reason: string | null;
}

const got = (issue: { readonly input?: unknown }) => `(got ${describeValue(issue.input)})`;

/**
 * One pass in list order, so the entry named is the first one a person has to fix, whether it
 * is malformed or a repeat.
 */
function checkEachAccountId(ids: readonly unknown[], ctx: z.core.$RefinementCtx<unknown[]>): void {
  const firstIndex = new Map<string, number>();
  for (const [i, id] of ids.entries()) {
    if (!isAccountId(id)) {
      ctx.addIssue({
        code: 'custom',
        path: [i],
        input: id,
        message: `accountIds[${i}] must be a 12-digit AWS account id string like "123456789012" (got ${describeValue(id)})`,
      });
      return;
    }
    const first = firstIndex.get(id);
    if (first !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [i],
        input: id,
        message: `accountIds[${i}] duplicates accountIds[${first}] ("${id}"); list each account once`,
      });
      return;
    }
    firstIndex.set(id, i);
  }
}

const accountIdsSchema = z.nullish(
  z.pipe(
    z
      .array(z.unknown(), {
        error: (issue) =>
          `accountIds must be a list of 12-digit account id strings like ["123456789012"] ${got(issue)}; omit it to audit every account`,
      })
      .check(
        z.minLength(1, 'accountIds must not be empty; omit it to audit every account'),
        z.maxLength(MAX_ACCOUNT_IDS, {
          error: (issue) =>
            `accountIds must have at most ${MAX_ACCOUNT_IDS} entries (got ${(issue.input as unknown[]).length}); omit it to audit every account`,
        }),
        z.superRefine(checkEachAccountId),
      ),
    // Types what checkEachAccountId has proved: every entry is an account id.
    z.transform((ids: unknown[]) => ids.filter(isAccountId)),
  ),
);

const dryRunSchema = z.nullish(
  z.boolean({ error: (issue) => `dryRun must be true or false, without quotes ${got(issue)}` }),
);

const reasonSchema = z.nullish(
  z
    .string({ error: (issue) => `reason must be a string like "rerun after fixing the role" ${got(issue)}` })
    .check(
      // Code points, not UTF-16 units, so an emoji counts as one character as a person would count it.
      z.refine((reason) => [...reason].length <= MAX_REASON_LENGTH, {
        error: (issue) =>
          `reason must be at most ${MAX_REASON_LENGTH} characters (got ${[...(issue.input as string)].length}); shorten it`,
      }),
    ),
);

/**
 * The override only, checked against the base too, so an override that breaks the ordering
 * (dueSoon 95 with the deployed overdue 90) fails here rather than in a later state. The
 * threshold rules live in thresholds.ts, shared with the config file and THRESHOLDS_JSON.
 */
function thresholdsSchema(base: Thresholds) {
  return z.transform((value: unknown, ctx): Partial<Thresholds> => {
    try {
      const override = validateThresholdsOverride(value, 'thresholds');
      resolveThresholds(base, override, 'thresholds');
      return override;
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      ctx.issues.push({ code: 'custom', message: error.message, input: value });
      return z.NEVER;
    }
  });
}

/**
 * The raw execution input, before normalization (absent and null fields stay as they came).
 * Built per base because the thresholds are checked against the Lambda's deployed defaults.
 */
export function executionInputSchema(baseThresholds: Thresholds = DEFAULT_THRESHOLDS) {
  return z.pipe(
    z.custom<Record<string, unknown>>(isPlainObject, {
      // A Date or a Map passes zod's own object check; no console input can hold one.
      abort: true,
      error: (issue) => `the execution input must be a JSON object like {"dryRun": true} or {} ${got(issue)}`,
    }),
    z.strictObject(
      {
        accountIds: accountIdsSchema,
        dryRun: dryRunSchema,
        thresholds: thresholdsSchema(baseThresholds),
        reason: reasonSchema,
      } satisfies Record<(typeof INPUT_FIELDS)[number], z.core.$ZodType>,
      {
        error: (issue) => {
          if (issue.code !== 'unrecognized_keys') return undefined;
          const one = issue.keys.length === 1;
          return `unknown field${one ? '' : 's'} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} in the execution input; remove ${one ? 'it' : 'them'} (allowed: ${INPUT_FIELDS.join(', ')})`;
        },
      },
    ),
  );
}

const defaultSchema = executionInputSchema();

/**
 * Validates and normalizes the raw execution input. `null` for an optional field means the same
 * as leaving it out, so a NormalizedInput (or a DLQ message's rerunInput) is itself valid input.
 */
export function parseExecutionInput(
  raw: unknown,
  baseThresholds: Thresholds = DEFAULT_THRESHOLDS,
): NormalizedInput {
  const schema = baseThresholds === DEFAULT_THRESHOLDS ? defaultSchema : executionInputSchema(baseThresholds);
  const result = schema.safeParse(raw);
  if (!result.success) {
    // zod reports unknown fields after the known ones; a misspelt field explains the rest.
    const { issues } = result.error;
    const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
    throw new InvalidInputError(issue?.message ?? 'the execution input is invalid');
  }
  const { accountIds, dryRun, thresholds, reason } = result.data;
  return { accountIds: accountIds ?? null, dryRun: dryRun ?? false, thresholds, reason: reason ?? null };
}
