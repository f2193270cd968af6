/**
 * The execution input (docs/contracts.md): typed by people in the Step Functions console, so
 * every error names the field and says what to write instead. ValidateInput fails fast on it.
 */
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

function parseAccountIds(value: unknown): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) {
    throw new InvalidInputError(
      `accountIds must be a list of 12-digit account id strings like ["123456789012"] (got ${describeValue(value)}); omit it to audit every account`,
    );
  }
  if (value.length === 0) {
    throw new InvalidInputError('accountIds must not be empty; omit it to audit every account');
  }
  if (value.length > MAX_ACCOUNT_IDS) {
    throw new InvalidInputError(
      `accountIds must have at most ${MAX_ACCOUNT_IDS} entries (got ${value.length}); omit it to audit every account`,
    );
  }
  const firstIndex = new Map<string, number>();
  const ids: string[] = [];
  for (const [i, id] of value.entries()) {
    if (!isAccountId(id)) {
      throw new InvalidInputError(
        `accountIds[${i}] must be a 12-digit AWS account id string like "123456789012" (got ${describeValue(id)})`,
      );
    }
    const first = firstIndex.get(id);
    if (first !== undefined) {
      throw new InvalidInputError(
        `accountIds[${i}] duplicates accountIds[${first}] ("${id}"); list each account once`,
      );
    }
    firstIndex.set(id, i);
    ids.push(id);
  }
  return ids;
}

function parseDryRun(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') {
    throw new InvalidInputError(`dryRun must be true or false, without quotes (got ${describeValue(value)})`);
  }
  return value;
}

function parseReason(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') {
    throw new InvalidInputError(
      `reason must be a string like "rerun after fixing the role" (got ${describeValue(value)})`,
    );
  }
  // Code points, not UTF-16 units, so an emoji counts as one character as a person would count it.
  const length = [...value].length;
  if (length > MAX_REASON_LENGTH) {
    throw new InvalidInputError(
      `reason must be at most ${MAX_REASON_LENGTH} characters (got ${length}); shorten it`,
    );
  }
  return value;
}

/**
 * Validates and normalizes the raw execution input. `null` for an optional field means the same
 * as leaving it out, so a NormalizedInput (or a DLQ message's rerunInput) is itself valid input.
 */
export function parseExecutionInput(
  raw: unknown,
  baseThresholds: Thresholds = DEFAULT_THRESHOLDS,
): NormalizedInput {
  if (!isPlainObject(raw)) {
    throw new InvalidInputError(
      `the execution input must be a JSON object like {"dryRun": true} or {} (got ${describeValue(raw)})`,
    );
  }
  const unknown = Object.keys(raw).filter((k) => !(INPUT_FIELDS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new InvalidInputError(
      `unknown field${unknown.length === 1 ? '' : 's'} ${unknown.map((k) => JSON.stringify(k)).join(', ')} in the execution input; remove ${unknown.length === 1 ? 'it' : 'them'} (allowed: ${INPUT_FIELDS.join(', ')})`,
    );
  }
  const accountIds = parseAccountIds(raw['accountIds']);
  const dryRun = parseDryRun(raw['dryRun']);
  const thresholds = validateThresholdsOverride(raw['thresholds'], 'thresholds');
  // Checked against the base too, so an override that breaks the ordering fails here, not later.
  resolveThresholds(baseThresholds, thresholds, 'thresholds');
  const reason = parseReason(raw['reason']);
  return { accountIds, dryRun, thresholds, reason };
}
