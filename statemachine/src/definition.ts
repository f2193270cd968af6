/**
 * The one loader of `audit-organization.asl.json`, shared by CDK (definitionSubstitutions) and the
 * local runner, so both read the very same file and agree on the placeholders.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DefinitionError } from './errors';

/** Every `${Name}` the definition uses; CDK must supply each one as a definitionSubstitution. */
export const PLACEHOLDERS = [
  'ValidateInputFunctionArn',
  'ListAccountsFunctionArn',
  'AuditAccountFunctionArn',
  'BuildDigestFunctionArn',
  'PublishDigestFunctionArn',
  'ImportFindingsFunctionArn',
  'AccountFailuresQueueUrl',
  'DigestFailuresQueueUrl',
  'ReportBucket',
  'ChildExecutionType',
  'RemediationStateMachineArn',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];
export type Substitutions = Readonly<Record<Placeholder, string>>;

/** The Lambda placeholders, with the task each one stands for (the runner binds them by this). */
export const FUNCTION_PLACEHOLDERS = {
  ValidateInputFunctionArn: 'validateInput',
  ListAccountsFunctionArn: 'listAccounts',
  AuditAccountFunctionArn: 'auditAccount',
  BuildDigestFunctionArn: 'buildDigest',
  PublishDigestFunctionArn: 'publishDigest',
  ImportFindingsFunctionArn: 'importFindings',
} as const satisfies Partial<Record<Placeholder, string>>;
export type TaskName = (typeof FUNCTION_PLACEHOLDERS)[keyof typeof FUNCTION_PLACEHOLDERS];

/**
 * The RemediateKeys state machine (`remediate-keys.asl.json`, docs/remediation.md): its own
 * placeholders, supplied by CDK when remediation is enabled and by the local remediation runner.
 */
export const REMEDIATION_PLACEHOLDERS = [
  'RecordRemediationFunctionArn',
  'CheckKeyFunctionArn',
  'RemediateKeyFunctionArn',
  'RemediationFailuresQueueUrl',
] as const;
export type RemediationPlaceholder = (typeof REMEDIATION_PLACEHOLDERS)[number];
export type RemediationSubstitutions = Readonly<Record<RemediationPlaceholder, string>>;

export const REMEDIATION_FUNCTION_PLACEHOLDERS = {
  RecordRemediationFunctionArn: 'recordRemediation',
  CheckKeyFunctionArn: 'checkKey',
  RemediateKeyFunctionArn: 'remediateKey',
} as const satisfies Partial<Record<RemediationPlaceholder, string>>;
export type RemediationTaskName =
  (typeof REMEDIATION_FUNCTION_PLACEHOLDERS)[keyof typeof REMEDIATION_FUNCTION_PLACEHOLDERS];

// The Lambdas' timeouts and memory, shared by CDK and the local runner.
export * from './sizing';
// The AuditorStack's name and output keys, shared by infra (writes them) and the CLI (reads them).
export * from './stack-outputs';

export const DEFINITION_PATH = fileURLToPath(new URL('../audit-organization.asl.json', import.meta.url));
export const REMEDIATION_DEFINITION_PATH = fileURLToPath(
  new URL('../remediate-keys.asl.json', import.meta.url),
);

const PLACEHOLDER_PATTERN = /\$\{([^}]*)\}/g;

/** The raw ASL text, placeholders unsubstituted (what CDK passes to `DefinitionBody.fromString`). */
export function loadDefinitionText(path: string = DEFINITION_PATH): string {
  return readFileSync(path, 'utf8');
}

/** The raw definition, parsed; placeholders are still in its strings. */
export function loadDefinition(path: string = DEFINITION_PATH): Record<string, unknown> {
  const text = loadDefinitionText(path);
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new DefinitionError(`${path} is not valid JSON: placeholders belong inside JSON strings`, {
      cause: error,
    });
  }
}

/** Placeholder names found in a definition (or any JSON value), in first-seen order, deduplicated. */
export function findPlaceholders(definition: unknown): string[] {
  const found = new Set<string>();
  visitStrings(definition, (text) => {
    for (const match of text.matchAll(PLACEHOLDER_PATTERN)) found.add(match[1] ?? '');
  });
  return [...found];
}

/**
 * Replaces every `${Name}` inside the definition's strings (keys and values), as CloudFormation's
 * definitionSubstitutions does. Every placeholder the definition uses must be supplied, and only
 * known placeholders may be: a typo in either place would otherwise deploy a literal `${...}`.
 */
export function substitute<T>(
  definition: T,
  values: Readonly<Record<string, string>>,
  placeholders: readonly string[] = PLACEHOLDERS,
): T {
  const used = findPlaceholders(definition);
  const unknown = used.filter((name) => !(placeholders as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new DefinitionError(
      `the definition uses unknown placeholder(s) ${unknown.map((n) => `\${${n}}`).join(', ')}: ` +
        `use one of ${placeholders.join(', ')} or add it to PLACEHOLDERS`,
    );
  }
  const missing = used.filter((name) => typeof values[name] !== 'string' || values[name] === '');
  if (missing.length > 0) {
    throw new DefinitionError(`no value given for placeholder(s) ${missing.join(', ')}: supply each one`);
  }
  const extra = Object.keys(values).filter((name) => !(placeholders as readonly string[]).includes(name));
  if (extra.length > 0) {
    throw new DefinitionError(
      `unknown substitution(s) ${extra.join(', ')}: the definition only knows ${placeholders.join(', ')}`,
    );
  }
  const result = mapStrings(definition, (text) =>
    text.replace(PLACEHOLDER_PATTERN, (_match, name: string) => values[name] ?? ''),
  ) as T;
  const leftover = findPlaceholders(result);
  if (leftover.length > 0) {
    throw new DefinitionError(
      `placeholder(s) ${leftover.join(', ')} remain after substitution: a value must not contain \${...}`,
    );
  }
  return result;
}

/** Loads the definition and substitutes it in one step (what the runner and tests need). */
export function loadSubstitutedDefinition(
  values: Readonly<Record<string, string>>,
  path: string = DEFINITION_PATH,
): Record<string, unknown> {
  return substitute(loadDefinition(path), values);
}

/** The RemediateKeys definition with its placeholders substituted. */
export function loadSubstitutedRemediationDefinition(
  values: RemediationSubstitutions,
  path: string = REMEDIATION_DEFINITION_PATH,
): Record<string, unknown> {
  return substitute(loadDefinition(path), values, REMEDIATION_PLACEHOLDERS);
}

function visitStrings(value: unknown, visit: (text: string) => void): void {
  if (typeof value === 'string') {
    visit(value);
  } else if (Array.isArray(value)) {
    for (const item of value) visitStrings(item, visit);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      visit(key);
      visitStrings(item, visit);
    }
  }
}

function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((item) => mapStrings(item, map));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [map(key), mapStrings(item, map)]));
  }
  return value;
}
