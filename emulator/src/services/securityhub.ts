/**
 * Security Hub over restJson1: BatchImportFindings (`POST /findings/import`) and GetFindings
 * (`POST /findings`), the two calls the product makes. Findings are kept per account and
 * region, keyed by (ProductArn, Id), as AWS keys them. Security Hub is enabled in the audit
 * account (every region) unless `StartEmulatorOptions.securityHub`, `setEnabled` or the
 * `securityHubDisabled` fault say otherwise. See docs/emulator.md, "Security Hub".
 */
import type { Clock } from '../clock';
import type { Faults } from '../faults';
import { injectedFault } from '../http/errors';
import type { Caller, EmulatorRequest, EmulatorResponse, ServiceHandler } from '../http/types';
import { JsonError, jsonResponse, parseJsonBody } from '../protocols/json';

/** BatchImportFindings takes 1 to 100 findings a call. */
export const MAX_IMPORT_BATCH = 100;
/** "The maximum allowed size for a finding is 240 Kb" (API reference, BatchImportFindings). */
export const MAX_FINDING_BYTES = 240 * 1024;
const MAX_PAGE = 100;
/** AwsSecurityFindingFilters: "up to 20 filter values" per attribute. */
const MAX_FILTER_VALUES = 20;
const SCHEMA_VERSION = '2018-10-08';
const CONTENT_TYPE = 'application/json';
/** What Security Hub shows for findings of an account's default product. */
const DEFAULT_PRODUCT_NAME = 'Default';
const DEFAULT_COMPANY_NAME = 'Personal';
/**
 * Fields a finding provider cannot change once the finding exists (API reference,
 * BatchImportFindings): they belong to the customer's investigation (BatchUpdateFindings).
 */
const CUSTOMER_FIELDS = [
  'Note',
  'UserDefinedFields',
  'VerificationState',
  'Workflow',
  'WorkflowState',
] as const;

export type SecurityHubOperation = 'BatchImportFindings' | 'GetFindings';

/** The restJson1 route's operation (the SDK's serializer: POST /findings/import, POST /findings). */
export function securityHubOperation(method: string, path: string): SecurityHubOperation | undefined {
  if (method.toUpperCase() !== 'POST') return undefined;
  const route = path.replace(/\/+$/, '');
  if (route === '/findings/import') return 'BatchImportFindings';
  if (route === '/findings') return 'GetFindings';
  return undefined;
}

export function defaultProductArn(accountId: string, region: string, partition = 'aws'): string {
  return `arn:${partition}:securityhub:${region}:${accountId}:product/${accountId}/default`;
}

export function hubArn(accountId: string, region: string, partition = 'aws'): string {
  return `arn:${partition}:securityhub:${region}:${accountId}:hub/default`;
}

/** A stored finding: the ASFF object as imported, with the fields Security Hub adds. */
export type StoredFinding = Readonly<Record<string, unknown>>;

export interface SecurityHubView {
  /**
   * The findings stored for the account (default: the audit account) in the region (default:
   * the emulator's), in order of first import; copies, safe to keep.
   */
  findings(accountId?: string, region?: string): StoredFinding[];
  /** Whether Security Hub answers this account and region (the `securityHubDisabled` fault aside). */
  isEnabled(accountId: string, region?: string): boolean;
  /** Enables or disables Security Hub for an account, in one region or (no region) all. */
  setEnabled(accountId: string, enabled: boolean, region?: string): void;
  /** Forgets the findings of one account and region, of one account, or all; returns how many. */
  clear(accountId?: string, region?: string): number;
}

export interface SecurityHubOptions {
  readonly clock: Clock;
  readonly faults: Faults;
  /** The emulator's region: the default of `findings()` and `isEnabled()`. */
  readonly region: string;
  /** The default account of `findings()` and of the admin routes. */
  readonly auditAccountId: string;
  /** Accounts with Security Hub enabled in every region, until `setEnabled` changes one. */
  readonly enabledAccounts: readonly string[];
  readonly nextRequestId: () => string;
}

export interface SecurityHub extends SecurityHubView {
  readonly handler: ServiceHandler;
  /** `GET|DELETE /_emulator/securityhub/findings`, `POST /_emulator/securityhub/hub`. */
  admin(path: string, method: string, body: unknown): EmulatorResponse | undefined;
}

interface Entry {
  finding: Record<string, unknown>;
}

const SEP = '\u0000';

function shError(type: string, message: string, status: number): JsonError {
  return new JsonError(type, message, status, { Code: type });
}

function invalidInput(message: string): JsonError {
  return shError('InvalidInputException', message, 400);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && /\S/.test(value);
}

/**
 * ASFF timestamps (API reference, "Timestamps"): RFC 3339 date-times ending in Z or an offset,
 * with up to 9 fractional digits.
 */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}(:?\d{2})?)$/;

function timestampMs(value: string): number {
  // Date keeps milliseconds only: enough to order UpdatedAt.
  return Date.parse(value.replace(/(\.\d{3})\d+/, '$1'));
}

const COMPLIANCE_STATUSES: readonly string[] = ['PASSED', 'WARNING', 'FAILED', 'NOT_AVAILABLE'];
const SEVERITY_LABELS = ['INFORMATIONAL', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
/** Label → Normalized as Security Hub fills it in (ASFF, "Severity"). */
const NORMALIZED_OF: Readonly<Record<string, number>> = {
  INFORMATIONAL: 0,
  LOW: 1,
  MEDIUM: 40,
  HIGH: 70,
  CRITICAL: 90,
};

function labelOf(normalized: number): string {
  if (normalized >= 90) return 'CRITICAL';
  if (normalized >= 70) return 'HIGH';
  if (normalized >= 40) return 'MEDIUM';
  if (normalized >= 1) return 'LOW';
  return 'INFORMATIONAL';
}

/** AWS's schema messages read like ajv's, prefixed (seen in FailedFindings of real answers). */
const NOT_ASFF = 'Finding does not adhere to Amazon Finding Format.';

/** The first thing wrong with a finding's required ASFF fields, in AWS's words, or null. */
export function asffProblem(finding: unknown): string | null {
  if (!isObject(finding)) return `${NOT_ASFF} data should be object.`;
  const required = (name: string) => `${NOT_ASFF} data should have required property '${name}'.`;
  for (const name of [
    'SchemaVersion',
    'Id',
    'ProductArn',
    'GeneratorId',
    'AwsAccountId',
    'CreatedAt',
    'UpdatedAt',
    'Title',
    'Description',
    'Resources',
  ]) {
    if (!(name in finding) || finding[name] === null) return required(name);
  }
  const strings: [string, number][] = [
    ['SchemaVersion', 128],
    ['Id', 512],
    ['ProductArn', 2048],
    ['GeneratorId', 512],
    ['AwsAccountId', 12],
    ['CreatedAt', 64],
    ['UpdatedAt', 64],
    ['Title', 256],
    ['Description', 1024],
  ];
  for (const [name, max] of strings) {
    const value = finding[name];
    if (typeof value !== 'string') return `${NOT_ASFF} data.${name} should be string.`;
    if (!/\S/.test(value)) return `${NOT_ASFF} data.${name} should NOT be shorter than 1 characters.`;
    if (value.length > max) return `${NOT_ASFF} data.${name} should NOT be longer than ${max} characters.`;
  }
  if (finding['SchemaVersion'] !== SCHEMA_VERSION) {
    return `${NOT_ASFF} data.SchemaVersion should be equal to one of the allowed values: ${SCHEMA_VERSION}.`;
  }
  if (!/^\d{12}$/.test(finding['AwsAccountId'] as string)) {
    return `${NOT_ASFF} data.AwsAccountId should match pattern "^[0-9]{12}$".`;
  }
  for (const name of ['CreatedAt', 'UpdatedAt', 'FirstObservedAt', 'LastObservedAt']) {
    const value = finding[name];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !TIMESTAMP.test(value) || Number.isNaN(timestampMs(value))) {
      return `${NOT_ASFF} data.${name} should match format "date-time".`;
    }
  }
  const resources = finding['Resources'];
  if (!Array.isArray(resources)) return `${NOT_ASFF} data.Resources should be array.`;
  if (resources.length < 1) return `${NOT_ASFF} data.Resources should NOT have fewer than 1 items.`;
  if (resources.length > 32) return `${NOT_ASFF} data.Resources should NOT have more than 32 items.`;
  for (const [index, resource] of resources.entries()) {
    if (!isObject(resource)) return `${NOT_ASFF} data.Resources[${index}] should be object.`;
    for (const name of ['Type', 'Id']) {
      if (!nonEmptyString(resource[name])) {
        return `${NOT_ASFF} data.Resources[${index}] should have required property '${name}'.`;
      }
    }
  }
  // Severity and Types: top level or in FindingProviderFields (either satisfies the schema).
  const provider = isObject(finding['FindingProviderFields']) ? finding['FindingProviderFields'] : undefined;
  const severityOk = severityProblem(finding['Severity'], 'Severity');
  const providerSeverityOk =
    provider === undefined
      ? 'missing'
      : severityProblem(provider['Severity'], 'FindingProviderFields.Severity');
  const typesOk = typesProblem(finding['Types'], 'Types');
  const providerTypesOk =
    provider === undefined ? 'missing' : typesProblem(provider['Types'], 'FindingProviderFields.Types');
  for (const problem of [severityOk, providerSeverityOk, typesOk, providerTypesOk]) {
    if (problem !== null && problem !== 'missing') return problem;
  }
  if (
    (severityOk !== null || typesOk !== null) &&
    (providerSeverityOk !== null || providerTypesOk !== null)
  ) {
    return `${NOT_ASFF} data should have required property 'FindingProviderFields', data should match some schema in anyOf.`;
  }
  const recordState = finding['RecordState'];
  if (recordState !== undefined && recordState !== 'ACTIVE' && recordState !== 'ARCHIVED') {
    return `${NOT_ASFF} data.RecordState should be equal to one of the allowed values: ACTIVE, ARCHIVED.`;
  }
  const compliance = finding['Compliance'];
  if (compliance !== undefined) {
    if (!isObject(compliance)) return `${NOT_ASFF} data.Compliance should be object.`;
    const status = compliance['Status'];
    if (status !== undefined && !COMPLIANCE_STATUSES.includes(status as string)) {
      return `${NOT_ASFF} data.Compliance.Status should be equal to one of the allowed values: ${COMPLIANCE_STATUSES.join(', ')}.`;
    }
  }
  return null;
}

/** null: a valid severity; 'missing': none given; else the message. */
function severityProblem(value: unknown, path: string): string | null {
  if (value === undefined || value === null) return 'missing';
  if (!isObject(value)) return `${NOT_ASFF} data.${path} should be object.`;
  const label = value['Label'];
  const normalized = value['Normalized'];
  if (label === undefined && normalized === undefined) return 'missing';
  if (label !== undefined && !(SEVERITY_LABELS as readonly unknown[]).includes(label)) {
    return `${NOT_ASFF} data.${path}.Label should be equal to one of the allowed values: ${SEVERITY_LABELS.join(', ')}.`;
  }
  if (
    normalized !== undefined &&
    (typeof normalized !== 'number' || !Number.isInteger(normalized) || normalized < 0 || normalized > 100)
  ) {
    return `${NOT_ASFF} data.${path}.Normalized should be integer between 0 and 100.`;
  }
  return null;
}

function typesProblem(value: unknown, path: string): string | null {
  if (value === undefined || value === null) return 'missing';
  if (!Array.isArray(value)) return `${NOT_ASFF} data.${path} should be array.`;
  if (value.length === 0) return 'missing';
  if (value.length > 50) return `${NOT_ASFF} data.${path} should NOT have more than 50 items.`;
  if (!value.every(nonEmptyString)) return `${NOT_ASFF} data.${path} should be array of non-empty strings.`;
  return null;
}

// --- GetFindings filters ----------------------------------------------------------------------

const COMPARISONS = [
  'EQUALS',
  'PREFIX',
  'NOT_EQUALS',
  'PREFIX_NOT_EQUALS',
  'CONTAINS',
  'NOT_CONTAINS',
] as const;
type Comparison = (typeof COMPARISONS)[number];
const POSITIVE: ReadonlySet<Comparison> = new Set(['EQUALS', 'PREFIX', 'CONTAINS']);

function strings(...values: unknown[]): string[] {
  return values.filter((v): v is string => typeof v === 'string');
}

function field(finding: Record<string, unknown>, ...path: string[]): unknown {
  let value: unknown = finding;
  for (const key of path) value = isObject(value) ? value[key] : undefined;
  return value;
}

function resources(finding: Record<string, unknown>): Record<string, unknown>[] {
  const list = finding['Resources'];
  return Array.isArray(list) ? list.filter(isObject) : [];
}

/** The StringFilter attributes the emulator evaluates, and a finding's values for each. */
const STRING_FIELDS: Readonly<Record<string, (f: Record<string, unknown>) => string[]>> = {
  ProductArn: (f) => strings(f['ProductArn']),
  AwsAccountId: (f) => strings(f['AwsAccountId']),
  Id: (f) => strings(f['Id']),
  GeneratorId: (f) => strings(f['GeneratorId']),
  RecordState: (f) => strings(f['RecordState']),
  ComplianceStatus: (f) => strings(field(f, 'Compliance', 'Status')),
  WorkflowStatus: (f) => strings(field(f, 'Workflow', 'Status')),
  SeverityLabel: (f) => strings(field(f, 'Severity', 'Label')),
  Title: (f) => strings(f['Title']),
  Description: (f) => strings(f['Description']),
  Type: (f) => (Array.isArray(f['Types']) ? strings(...(f['Types'] as unknown[])) : []),
  ProductName: (f) => strings(f['ProductName']),
  CompanyName: (f) => strings(f['CompanyName']),
  Region: (f) => strings(f['Region']),
  ResourceType: (f) => strings(...resources(f).map((r) => r['Type'])),
  ResourceId: (f) => strings(...resources(f).map((r) => r['Id'])),
};

/** Fields SortCriteria may name: the string fields, and the timestamps (ordered as times). */
const TIME_FIELDS = new Set(['CreatedAt', 'UpdatedAt', 'FirstObservedAt', 'LastObservedAt', 'ProcessedAt']);

interface StringFilter {
  readonly value: string;
  readonly comparison: Comparison;
}

type Predicate = (finding: Record<string, unknown>) => boolean;

/**
 * AwsSecurityFindingFilters as AWS combines them (API reference, StringFilter): attributes AND;
 * on one attribute, EQUALS, PREFIX and CONTAINS values OR, and NOT_EQUALS, PREFIX_NOT_EQUALS and
 * NOT_CONTAINS values AND (applied after the positive ones). EQUALS with NOT_EQUALS or
 * PREFIX_NOT_EQUALS on one attribute, and CONTAINS or NOT_CONTAINS mixed with any other
 * comparison, are refused. Attributes the emulator does not evaluate are refused too, so a
 * query never silently matches more than AWS would.
 */
export function compileFilters(filters: unknown): Predicate {
  if (filters === undefined || filters === null) return () => true;
  if (!isObject(filters)) throw invalidInput('Filters must be an object.');
  const predicates: Predicate[] = [];
  const used = Object.entries(filters).filter(([, list]) => !(Array.isArray(list) && list.length === 0));
  for (const [name, list] of used) {
    const values = STRING_FIELDS[name];
    if (values === undefined) {
      throw invalidInput(
        `Filter ${name} is not supported by this emulator; it evaluates ${Object.keys(STRING_FIELDS).join(', ')}.`,
      );
    }
    if (!Array.isArray(list)) throw invalidInput(`Filters.${name} must be a list of StringFilter.`);
    if (list.length > MAX_FILTER_VALUES) {
      throw invalidInput(
        `Filters.${name} has ${list.length} values; at most ${MAX_FILTER_VALUES} are allowed.`,
      );
    }
    const parsed: StringFilter[] = list.map((item, index) => {
      if (!isObject(item) || typeof item['Value'] !== 'string') {
        throw invalidInput(`Filters.${name}[${index}] must be {"Value": string, "Comparison": ...}.`);
      }
      const comparison = item['Comparison'] ?? 'EQUALS';
      if (!(COMPARISONS as readonly unknown[]).includes(comparison)) {
        throw invalidInput(
          `Filters.${name}[${index}].Comparison must be one of ${COMPARISONS.join(', ')}; got ${JSON.stringify(comparison)}.`,
        );
      }
      return { value: item['Value'], comparison: comparison as Comparison };
    });
    const kinds = new Set(parsed.map((p) => p.comparison));
    const mixesContains =
      (kinds.has('CONTAINS') && kinds.size > 1) || (kinds.has('NOT_CONTAINS') && kinds.size > 1);
    if (
      mixesContains ||
      (kinds.has('EQUALS') && (kinds.has('NOT_EQUALS') || kinds.has('PREFIX_NOT_EQUALS')))
    ) {
      throw invalidInput(
        `Filters.${name} combines comparisons Security Hub does not allow together: ${[...kinds].join(', ')}.`,
      );
    }
    const positive = parsed.filter((p) => POSITIVE.has(p.comparison));
    const negative = parsed.filter((p) => !POSITIVE.has(p.comparison));
    predicates.push((finding) => {
      const have = values(finding);
      if (positive.length > 0 && !positive.some((p) => have.some((v) => matches(v, p)))) return false;
      return negative.every((p) => have.every((v) => matches(v, p)));
    });
  }
  return (finding) => predicates.every((p) => p(finding));
}

function matches(value: string, filter: StringFilter): boolean {
  switch (filter.comparison) {
    case 'EQUALS':
      return value === filter.value;
    case 'PREFIX':
      return value.startsWith(filter.value);
    case 'CONTAINS':
      return value.includes(filter.value);
    case 'NOT_EQUALS':
      return value !== filter.value;
    case 'PREFIX_NOT_EQUALS':
      return !value.startsWith(filter.value);
    case 'NOT_CONTAINS':
      return !value.includes(filter.value);
  }
}

type Comparator = (a: Record<string, unknown>, b: Record<string, unknown>) => number;

function compileSort(criteria: unknown): Comparator | null {
  if (criteria === undefined || criteria === null) return null;
  if (!Array.isArray(criteria)) throw invalidInput('SortCriteria must be a list.');
  const parts = criteria.map((item, index): Comparator => {
    if (!isObject(item) || typeof item['Field'] !== 'string') {
      throw invalidInput(`SortCriteria[${index}] must be {"Field": string, "SortOrder": "asc" | "desc"}.`);
    }
    const name = item['Field'];
    const order = item['SortOrder'] ?? 'asc';
    if (order !== 'asc' && order !== 'desc') {
      throw invalidInput(
        `SortCriteria[${index}].SortOrder must be asc or desc; got ${JSON.stringify(order)}.`,
      );
    }
    const sign = order === 'asc' ? 1 : -1;
    if (TIME_FIELDS.has(name)) {
      const time = (f: Record<string, unknown>) =>
        typeof f[name] === 'string' ? timestampMs(f[name] as string) : Number.NEGATIVE_INFINITY;
      return (a, b) => sign * (time(a) - time(b));
    }
    const values = STRING_FIELDS[name];
    if (values === undefined)
      throw invalidInput(`SortCriteria field ${name} is not supported by this emulator.`);
    return (a, b) => sign * (values(a)[0] ?? '').localeCompare(values(b)[0] ?? '');
  });
  return (a, b) => {
    for (const part of parts) {
      const order = part(a, b);
      if (order !== 0) return order;
    }
    return 0;
  };
}

interface PageToken {
  readonly query: string;
  readonly offset: number;
}

function queryKey(input: Record<string, unknown>): string {
  return JSON.stringify([input['Filters'] ?? null, input['SortCriteria'] ?? null]);
}

function encodeToken(token: PageToken): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeToken(text: unknown, query: string): number {
  if (text === undefined || text === null || text === '') return 0;
  if (typeof text === 'string') {
    try {
      const token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as PageToken;
      if (token.query === query && Number.isInteger(token.offset) && token.offset >= 0) return token.offset;
    } catch {
      // Falls through to the error below.
    }
  }
  throw invalidInput(
    'The NextToken is not valid: pass the one the previous GetFindings call with the same Filters and SortCriteria answered.',
  );
}

// --- The service ------------------------------------------------------------------------------

export function createSecurityHub(options: SecurityHubOptions): SecurityHub {
  const { clock, faults } = options;
  /** `${account}\0${region}` → `${productArn}\0${id}` → entry, in order of first import. */
  const stores = new Map<string, Map<string, Entry>>();
  const enabledAll = new Set(options.enabledAccounts);
  /** `${account}\0${region}` → enabled, overriding `enabledAll` for that region. */
  const enabledIn = new Map<string, boolean>();

  const storeKey = (accountId: string, region: string) => `${accountId}${SEP}${region}`;
  const storeOf = (accountId: string, region: string) => {
    const key = storeKey(accountId, region);
    let store = stores.get(key);
    if (store === undefined) {
      store = new Map();
      stores.set(key, store);
    }
    return store;
  };

  const isEnabled = (accountId: string, region = options.region) =>
    enabledIn.get(storeKey(accountId, region)) ?? enabledAll.has(accountId);

  const setEnabled = (accountId: string, enabled: boolean, region?: string) => {
    if (region === undefined) {
      for (const key of [...enabledIn.keys()])
        if (key.startsWith(`${accountId}${SEP}`)) enabledIn.delete(key);
      if (enabled) enabledAll.add(accountId);
      else enabledAll.delete(accountId);
    } else {
      enabledIn.set(storeKey(accountId, region), enabled);
    }
  };

  const findings = (accountId?: string, region = options.region): StoredFinding[] => {
    const store = stores.get(storeKey(accountId ?? options.auditAccountId, region));
    return store === undefined ? [] : [...store.values()].map((e) => structuredClone(e.finding));
  };

  const clear = (accountId?: string, region?: string): number => {
    let count = 0;
    for (const [key, store] of stores) {
      const [account, storeRegion] = key.split(SEP);
      if (accountId !== undefined && account !== accountId) continue;
      if (region !== undefined && storeRegion !== region) continue;
      count += store.size;
      stores.delete(key);
    }
    return count;
  };

  /** InvalidAccessException unless Security Hub is enabled for the caller here. */
  const requireEnabled = (caller: Caller, region: string, action: SecurityHubOperation) => {
    const disabledByFault = faults.isSecurityHubDisabled(caller.accountId, region);
    if (disabledByFault)
      faults.record('securityHubDisabled', 'invalidAccess', caller.accountId, 'securityhub', action);
    if (disabledByFault || !isEnabled(caller.accountId, region)) {
      const error = shError(
        'InvalidAccessException',
        `Account ${caller.accountId} is not subscribed to AWS Security Hub`,
        401,
      );
      throw disabledByFault ? injectedFault(error) : error;
    }
  };

  /**
   * AWS refuses the whole call with AccessDeniedException, naming the product resource, when a
   * finding's product or AwsAccountId is not the caller's: "User: … is not authorized to perform:
   * securityhub:BatchImportFindings on resource: <product ARN>" (the wording AWS answers for an
   * AwsAccountId of another account, as AWS Support confirmed to Prowler's maintainers). Whether
   * AWS still imports the batch's other findings is not documented: the emulator imports none.
   * Only the caller's default product is emulated; a partner product ARN is refused the same way
   * (its integration is never enabled here).
   */
  const requireOwnProducts = (batch: readonly unknown[], caller: Caller, region: string) => {
    for (const finding of batch) {
      if (!isObject(finding)) continue;
      const productArn = finding['ProductArn'];
      const accountId = finding['AwsAccountId'];
      if (typeof productArn !== 'string' || typeof accountId !== 'string') continue;
      const match = /^arn:(aws|aws-cn|aws-us-gov):securityhub:([^:]*):(\d{12})?:product\/(.+)$/.exec(
        productArn,
      );
      if (match === null) continue; // A malformed ARN fails that finding alone (InvalidInput).
      const own = productArn === defaultProductArn(caller.accountId, region, match[1]);
      if (!own || accountId !== caller.accountId) {
        throw shError(
          'AccessDeniedException',
          `User: ${caller.arn} is not authorized to perform: securityhub:BatchImportFindings on resource: ${productArn}`,
          403,
        );
      }
    }
  };

  /** What Security Hub adds to an imported finding (GetFindings answers these). */
  const normalize = (
    input: Record<string, unknown>,
    region: string,
    now: string,
  ): Record<string, unknown> => {
    const finding: Record<string, unknown> = structuredClone(input);
    const provider: Record<string, unknown> = isObject(finding['FindingProviderFields'])
      ? finding['FindingProviderFields']
      : {};
    // Top-level Severity and Types come from FindingProviderFields when the provider gave only
    // those, and FindingProviderFields from the top level when it is empty.
    if (finding['Severity'] === undefined && provider['Severity'] !== undefined) {
      finding['Severity'] = structuredClone(provider['Severity']);
    }
    if (finding['Types'] === undefined && provider['Types'] !== undefined) {
      finding['Types'] = structuredClone(provider['Types']);
    }
    if (provider['Severity'] === undefined && finding['Severity'] !== undefined) {
      provider['Severity'] = { ...(finding['Severity'] as Record<string, unknown>) };
      delete (provider['Severity'] as Record<string, unknown>)['Normalized'];
    }
    if (provider['Types'] === undefined && finding['Types'] !== undefined) {
      provider['Types'] = structuredClone(finding['Types']);
    }
    finding['FindingProviderFields'] = provider;
    const severity = finding['Severity'];
    if (isObject(severity)) {
      if (severity['Label'] === undefined && typeof severity['Normalized'] === 'number') {
        severity['Label'] = labelOf(severity['Normalized']);
      }
      if (severity['Normalized'] === undefined && typeof severity['Label'] === 'string') {
        severity['Normalized'] = NORMALIZED_OF[severity['Label']] ?? 0;
      }
    }
    finding['ProductName'] ??= DEFAULT_PRODUCT_NAME;
    finding['CompanyName'] ??= DEFAULT_COMPANY_NAME;
    finding['Region'] = region;
    finding['RecordState'] ??= 'ACTIVE';
    finding['Workflow'] ??= { Status: 'NEW' };
    finding['WorkflowState'] ??= 'NEW';
    finding['ProcessedAt'] = now;
    return finding;
  };

  const batchImportFindings = (input: Record<string, unknown>, caller: Caller, region: string) => {
    const batch = input['Findings'];
    if (!Array.isArray(batch)) throw invalidInput('Findings is required: a list of 1 to 100 findings.');
    if (batch.length < 1 || batch.length > MAX_IMPORT_BATCH) {
      throw invalidInput(
        `Findings must hold between 1 and ${MAX_IMPORT_BATCH} findings per request; got ${batch.length}.`,
      );
    }
    requireOwnProducts(batch, caller, region);
    const store = storeOf(caller.accountId, region);
    const now = clock.now().toISOString();
    const failed: { Id: string; ErrorCode: string; ErrorMessage: string }[] = [];
    for (const [index, item] of batch.entries()) {
      const id = isObject(item) && nonEmptyString(item['Id']) ? item['Id'] : `(finding ${index})`;
      const bytes = Buffer.byteLength(JSON.stringify(item) ?? '', 'utf8');
      if (bytes >= MAX_FINDING_BYTES) {
        // The code AWS answers for an oversized finding is not documented: FindingSizeExceeded
        // is the emulator's, the message follows the API reference.
        failed.push({
          Id: id,
          ErrorCode: 'FindingSizeExceeded',
          ErrorMessage: `The finding is ${bytes} bytes; the maximum allowed size for a finding is 240 Kb.`,
        });
        continue;
      }
      const problem = asffProblem(item);
      if (problem !== null) {
        failed.push({ Id: id, ErrorCode: 'InvalidInput', ErrorMessage: problem });
        continue;
      }
      const finding = item as Record<string, unknown>;
      const injected = faults.takeSecurityHubFailedFinding(caller.accountId);
      if (injected !== null) {
        faults.record(
          'securityHubFailedFindings',
          'failedFinding',
          caller.accountId,
          'securityhub',
          'BatchImportFindings',
        );
        failed.push({ Id: id, ErrorCode: injected.errorCode, ErrorMessage: injected.errorMessage });
        continue;
      }
      const key = `${finding['ProductArn'] as string}${SEP}${id}`;
      const existing = store.get(key);
      if (existing === undefined) {
        store.set(key, { finding: normalize(finding, region, now) });
        continue;
      }
      // An update whose UpdatedAt is not after the stored one is ignored (user guide,
      // "BatchImportFindings for finding providers"); it still counts as a success.
      const before = timestampMs(existing.finding['UpdatedAt'] as string);
      if (timestampMs(finding['UpdatedAt'] as string) <= before) continue;
      const updated = normalize(finding, region, now);
      for (const name of CUSTOMER_FIELDS) {
        if (existing.finding[name] === undefined) delete updated[name];
        else updated[name] = existing.finding[name];
      }
      existing.finding = updated;
    }
    return { FailedCount: failed.length, SuccessCount: batch.length - failed.length, FailedFindings: failed };
  };

  const getFindings = (input: Record<string, unknown>, caller: Caller, region: string) => {
    const max = input['MaxResults'] ?? MAX_PAGE;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_PAGE) {
      throw invalidInput(
        `MaxResults must be an integer between 1 and ${MAX_PAGE}; got ${JSON.stringify(max)}.`,
      );
    }
    const predicate = compileFilters(input['Filters']);
    const sort = compileSort(input['SortCriteria']);
    const query = queryKey(input);
    const offset = decodeToken(input['NextToken'], query);
    const all = [...(stores.get(storeKey(caller.accountId, region))?.values() ?? [])]
      .map((e) => e.finding)
      .filter(predicate);
    if (sort !== null) all.sort(sort);
    const page = all.slice(offset, offset + max);
    const next = offset + page.length;
    return {
      Findings: page.map((f) => structuredClone(f)),
      ...(next < all.length ? { NextToken: encodeToken({ query, offset: next }) } : {}),
    };
  };

  const handler: ServiceHandler = (request: EmulatorRequest, caller: Caller): EmulatorResponse => {
    const operation = securityHubOperation(request.method, request.path);
    if (operation === undefined) {
      throw shError(
        'UnknownOperationException',
        `${request.method} ${request.path} is not a Security Hub operation this emulator supports (BatchImportFindings, GetFindings).`,
        404,
      );
    }
    if (faults.throttleSecurityHub(caller.accountId, operation)) {
      faults.record('securityHubThrottling', 'throttling', caller.accountId, 'securityhub', operation);
      throw injectedFault(shError('LimitExceededException', 'Rate exceeded', 429));
    }
    requireEnabled(caller, request.region, operation);
    const input = parseJsonBody(request);
    const body =
      operation === 'BatchImportFindings'
        ? batchImportFindings(input, caller, request.region)
        : getFindings(input, caller, request.region);
    return jsonResponse(body, options.nextRequestId(), CONTENT_TYPE);
  };

  const adminJson = (status: number, body: unknown): EmulatorResponse => ({
    status,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

  const admin = (pathWithQuery: string, method: string, body: unknown): EmulatorResponse | undefined => {
    const url = new URL(pathWithQuery, 'http://emulator.invalid');
    const route = `${method.toUpperCase()} ${url.pathname}`;
    const account = url.searchParams.get('account') ?? options.auditAccountId;
    const region = url.searchParams.get('region') ?? options.region;
    switch (route) {
      case 'GET /_emulator/securityhub/findings':
        return adminJson(200, {
          accountId: account,
          region,
          enabled: isEnabled(account, region),
          findings: findings(account, region),
        });
      case 'DELETE /_emulator/securityhub/findings':
        return adminJson(200, { cleared: clear(account, region) });
      case 'POST /_emulator/securityhub/hub': {
        const input = isObject(body) ? body : {};
        const { accountId, enabled } = input;
        const hubRegion = input['region'];
        if (
          typeof accountId !== 'string' ||
          !/^\d{12}$/.test(accountId) ||
          typeof enabled !== 'boolean' ||
          (hubRegion !== undefined && typeof hubRegion !== 'string')
        ) {
          return adminJson(400, {
            error: `${route}: give {"accountId": "123456789012", "enabled": false} and optionally "region": "us-east-1" (else every region)`,
          });
        }
        setEnabled(accountId, enabled, hubRegion as string | undefined);
        return adminJson(200, {
          accountId,
          region: hubRegion ?? options.region,
          enabled: isEnabled(accountId, (hubRegion as string | undefined) ?? options.region),
        });
      }
      default:
        return undefined;
    }
  };

  return { handler, admin, findings, isEnabled, setEnabled, clear };
}
