/**
 * SNS subscription filter policies, scope MessageAttributes: validated as AWS validates them
 * (docs/emulator.md, "SNS subscriptions"), then matched against a message's attributes.
 *
 * Supported match values: exact strings and numbers, `{"exists": true|false}`,
 * `{"anything-but": …}` (a value, a list of values, or `{"prefix": …}`) and `{"prefix": …}`.
 * Operators AWS has but the emulator does not match (numeric, suffix, equals-ignore-case, cidr,
 * wildcard, `$or`) are refused at Subscribe, so a policy never silently matches nothing.
 */
import { AwsServiceError } from './protocol';

/** One match value of a policy key: the values in a key's array are ORed. */
export type FilterRule =
  | { readonly kind: 'equals'; readonly value: string | number }
  | { readonly kind: 'exists'; readonly exists: boolean }
  | { readonly kind: 'prefix'; readonly prefix: string }
  | { readonly kind: 'anything-but'; readonly values: readonly (string | number)[] }
  | { readonly kind: 'anything-but-prefix'; readonly prefix: string };

/** Keys are ANDed; a key's rules are ORed. */
export type FilterPolicy = ReadonlyMap<string, readonly FilterRule[]>;

export interface MatchedAttribute {
  readonly dataType: string;
  readonly value: string;
}

/** AWS's limits (subscription-filter-policy-constraints): 5 keys, 150 value combinations. */
const MAX_KEYS = 5;
const MAX_COMBINATIONS = 150;
/** Match types AWS knows that the emulator does not evaluate. */
const UNSUPPORTED_OPERATORS = new Set(['numeric', 'suffix', 'equals-ignore-case', 'cidr', 'wildcard']);
const SUPPORTED = 'exact strings and numbers, exists, anything-but and prefix';

/**
 * Subscribe reports attribute problems as `Invalid parameter: Attributes Reason: …`,
 * SetSubscriptionAttributes as `Invalid parameter: …` (the same text after the prefix).
 */
export type FilterPolicyCaller = 'Subscribe' | 'SetSubscriptionAttributes';

export function attributeErrorPrefix(caller: FilterPolicyCaller): string {
  return caller === 'Subscribe' ? 'Invalid parameter: Attributes Reason: ' : 'Invalid parameter: ';
}

function invalid(caller: FilterPolicyCaller, detail: string): AwsServiceError {
  return new AwsServiceError('InvalidParameter', `${attributeErrorPrefix(caller)}${detail}`, 400);
}

/**
 * Parses and validates a FilterPolicy attribute value. An empty string or `{}` is no policy
 * (AWS clears the filter), answered as undefined.
 * @throws AwsServiceError InvalidParameter, in AWS's words for the caller.
 */
export function parseFilterPolicy(text: string, caller: FilterPolicyCaller): FilterPolicy | undefined {
  if (text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid(caller, 'FilterPolicy: failed to parse JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw invalid(caller, 'FilterPolicy: Filter policy must be a JSON object');
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.length === 0) return undefined;
  if (entries.length > MAX_KEYS) {
    throw invalid(caller, `FilterPolicy: Filter policy can not have more than ${MAX_KEYS} keys`);
  }
  const policy = new Map<string, FilterRule[]>();
  let combinations = 1;
  for (const [key, value] of entries) {
    if (key === '$or') {
      throw invalid(caller, `FilterPolicy: $or is not supported by the emulator (it supports ${SUPPORTED})`);
    }
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      // A nested object is a MessageBody-scope policy.
      throw invalid(caller, 'Filter policy scope MessageAttributes does not support nested filter policy');
    }
    if (!Array.isArray(value)) {
      throw invalid(caller, `FilterPolicy: "${key}" must be an object or an array`);
    }
    if (value.length === 0) throw invalid(caller, 'FilterPolicy: Empty arrays are not allowed');
    combinations *= value.length;
    policy.set(
      key,
      value.map((rule) => parseRule(rule, caller)),
    );
  }
  if (combinations > MAX_COMBINATIONS) throw invalid(caller, 'FilterPolicy: Filter policy is too complex');
  return policy;
}

function parseRule(rule: unknown, caller: FilterPolicyCaller): FilterRule {
  if (typeof rule === 'string' || typeof rule === 'number') return { kind: 'equals', value: rule };
  if (typeof rule === 'boolean' || rule === null) {
    // AWS accepts them, but a message attribute is a String, Number or Binary: nothing to match.
    throw invalid(
      caller,
      `FilterPolicy: match value ${String(rule)} is not supported by the emulator (it supports ${SUPPORTED})`,
    );
  }
  if (typeof rule !== 'object' || Array.isArray(rule)) {
    throw invalid(caller, 'FilterPolicy: Match value must be String, number, true, false, or null');
  }
  const fields = Object.entries(rule as Record<string, unknown>);
  if (fields.length !== 1) throw invalid(caller, 'FilterPolicy: Only one key allowed in match expression');
  const [operator, operand] = fields[0] as [string, unknown];
  switch (operator) {
    case 'exists':
      if (typeof operand !== 'boolean') {
        throw invalid(caller, 'FilterPolicy: exists match pattern must be either true or false.');
      }
      return { kind: 'exists', exists: operand };
    case 'prefix':
      if (typeof operand !== 'string')
        throw invalid(caller, 'FilterPolicy: prefix match pattern must be a string');
      return { kind: 'prefix', prefix: operand };
    case 'anything-but':
      return anythingBut(operand, caller);
    default:
      if (UNSUPPORTED_OPERATORS.has(operator)) {
        throw invalid(
          caller,
          `FilterPolicy: match type ${operator} is not supported by the emulator (it supports ${SUPPORTED})`,
        );
      }
      throw invalid(caller, `FilterPolicy: Unrecognized match type ${operator}`);
  }
}

function anythingBut(operand: unknown, caller: FilterPolicyCaller): FilterRule {
  if (typeof operand === 'string' || typeof operand === 'number') {
    return { kind: 'anything-but', values: [operand] };
  }
  if (Array.isArray(operand)) {
    const values = operand.map((value) => {
      if (typeof value === 'string' || typeof value === 'number') return value;
      throw invalid(caller, 'FilterPolicy: Match value must be String, number, true, false, or null');
    });
    return { kind: 'anything-but', values };
  }
  if (typeof operand === 'object' && operand !== null) {
    const fields = Object.entries(operand as Record<string, unknown>);
    for (const [inner] of fields) {
      if (inner !== 'prefix')
        throw invalid(caller, `FilterPolicy: Unsupported anything-but pattern: ${inner}`);
    }
    if (fields.length !== 1) throw invalid(caller, 'FilterPolicy: Only one key allowed in match expression');
    const prefix = fields[0]?.[1];
    if (typeof prefix !== 'string')
      throw invalid(caller, 'FilterPolicy: prefix match pattern must be a string');
    return { kind: 'anything-but-prefix', prefix };
  }
  throw invalid(caller, 'FilterPolicy: Match value must be String, number, true, false, or null');
}

/**
 * The values a filter compares: a String's text, each element of a String.Array, a Number's
 * value. Binary attributes are ignored by SNS filtering, so they count as absent.
 */
function comparable(attribute: MatchedAttribute): (string | number)[] | undefined {
  const type = attribute.dataType;
  if (type === 'Number' || type.startsWith('Number.')) {
    const value = Number(attribute.value);
    return Number.isFinite(value) ? [value] : [];
  }
  if (type === 'String.Array') {
    try {
      const parsed: unknown = JSON.parse(attribute.value);
      if (Array.isArray(parsed)) {
        return parsed.filter((v): v is string | number => typeof v === 'string' || typeof v === 'number');
      }
    } catch {
      // Not an array after all: compared as the plain string below.
    }
    return [attribute.value];
  }
  if (type === 'String' || type.startsWith('String.')) return [attribute.value];
  return undefined;
}

/** A number matches a Number attribute numerically; a string matches a String exactly. */
function sameValue(rule: string | number, value: string | number): boolean {
  return typeof rule === typeof value && rule === value;
}

function ruleMatches(rule: FilterRule, values: (string | number)[] | undefined): boolean {
  if (rule.kind === 'exists') return rule.exists === (values !== undefined);
  // Every other match type needs the attribute.
  if (values === undefined) return false;
  switch (rule.kind) {
    case 'equals':
      return values.some((value) => sameValue(rule.value, value));
    case 'prefix':
      return values.some((value) => typeof value === 'string' && value.startsWith(rule.prefix));
    case 'anything-but':
      return values.length > 0 && values.every((value) => !rule.values.some((r) => sameValue(r, value)));
    case 'anything-but-prefix':
      return (
        values.length > 0 &&
        values.every((value) => typeof value !== 'string' || !value.startsWith(rule.prefix))
      );
  }
}

/** Whether a message with these attributes reaches a subscription with this policy. */
export function matchesFilterPolicy(
  policy: FilterPolicy | undefined,
  attributes: Readonly<Record<string, MatchedAttribute>> | undefined,
): boolean {
  if (policy === undefined) return true;
  for (const [key, rules] of policy) {
    const attribute = attributes?.[key];
    const values = attribute === undefined ? undefined : comparable(attribute);
    if (!rules.some((rule) => ruleMatches(rule, values))) return false;
  }
  return true;
}
