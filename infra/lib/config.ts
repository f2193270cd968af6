/**
 * The deployment configuration: one file (`org-key-audit.config.json` at the repository root, or
 * the path in cdk context `configFile`), or an object in cdk context `config`. Validated here so
 * a wrong value fails `cdk synth` with the field's name and the fix, never a half-built template.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ConfigExemptionSchema,
  DEFAULT_REMEDIATION,
  DEFAULT_THRESHOLDS,
  InvalidInputError,
  MAX_APPROVAL_TIMEOUT_SECONDS,
  OWNER_NAME_PATTERN,
  type OwnerRules,
  OwnerRulesSchema,
  parseOwnerRules,
  type RemediationSettings,
  RemediationSettingsSchema,
  resolveThresholds,
  type Thresholds,
} from '@org-key-audit/functions/core';
import {
  ACCOUNT_TAG_HEADROOM,
  accountTagSeconds,
  LAMBDA_MAX_TIMEOUT_SECONDS,
  LAMBDA_SIZING,
  listAccountsTimeoutSeconds as sizingListAccountsTimeoutSeconds,
  publishDigestTimeoutSeconds as sizingPublishDigestTimeoutSeconds,
} from '@org-key-audit/statemachine/definition';
import * as z from 'zod/mini';
import { FUNCTION_NAMES, functionRoleName, REMEDIATION_FUNCTION_NAMES } from './names';
// The English messages this file's issues quote (zod/mini ships none of its own).
import '@org-key-audit/functions/core';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CONFIG_FILE_NAME = 'org-key-audit.config.json';
export const EXAMPLE_CONFIG_FILE_NAME = 'org-key-audit.config.example.json';

const accountId = z
  .string()
  .check(z.regex(/^\d{12}$/, 'must be a 12-digit AWS account id in quotes, like "123456789012"'));
const ouOrRootId = z
  .string()
  .check(
    z.regex(
      /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/,
      'must be an organization root id ("r-ab12") or OU id ("ou-ab12-cd34ef56"); see Organizations > AWS accounts',
    ),
  );
// IAM role names: 1-64 of [\w+=,.@-].
const roleName = z
  .string()
  .check(z.regex(/^[\w+=,.@-]{1,64}$/, 'must be an IAM role name: 1-64 letters, digits or +=,.@_-'));
const email = z
  .string()
  .check(z.regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, 'must be an email address like "secops@example.com"'));

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

// EventBridge Scheduler: cron has six fields (minutes hours day-of-month month day-of-week year).
const scheduleExpression = z
  .string()
  .check(
    z.regex(
      /^(cron\(\S+( \S+){5}\)|rate\(\d+ (minute|minutes|hour|hours|day|days)\))$/,
      'must be an EventBridge Scheduler expression with six cron fields, like "cron(0 8 * * ? *)", or "rate(1 day)"',
    ),
  );

/**
 * `owners` (infra/README.md, "Owners"): the rules of functions' OwnerRulesSchema, field for field
 * (one source of truth for names, defaults and limits), without `routed`, which the deployment
 * derives from `endpoints`: owner name → the email addresses subscribed to that owner's digest.
 */
export const OwnersConfigSchema = z.extend(z.omit(OwnerRulesSchema, { routed: true }), {
  endpoints: z._default(
    z.record(
      z
        .string()
        .check(
          z.regex(
            OWNER_NAME_PATTERN,
            'must be an owner name of 1-128 letters, digits, spaces or _.:/=+@- (it becomes an SNS message attribute)',
          ),
        ),
      z.array(email).check(z.minLength(1, 'must list at least one email address')),
    ),
    {},
  ),
});

const region = z
  .string()
  .check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'must be an AWS region code like "us-east-1"'));

/**
 * `securityHub` (README.md, "Integrations"): ImportFindings imports each run's findings into the
 * audit account's Security Hub, in `region` (the config's `region` when unset). Off by default:
 * then the function is deployed without any Security Hub or S3 grant and answers DISABLED.
 */
export const SecurityHubConfigSchema = z.strictObject({
  enabled: z._default(z.boolean(), false),
  region: z.optional(region),
});

/**
 * `chat` (README.md, "Integrations"): the topic `org-key-audit-chat`, which PublishDigest sends a
 * custom notification of Amazon Q Developer in chat applications to after every run. Off by default.
 */
export const ChatConfigSchema = z.strictObject({
  enabled: z._default(z.boolean(), false),
});

const SECONDS_PER_DAY = 86_400;
const MAX_APPROVAL_TIMEOUT_DAYS = MAX_APPROVAL_TIMEOUT_SECONDS / SECONDS_PER_DAY;

// Same bounds as the functions' RemediationSettingsSchema, so synthesis refuses what the Lambdas would.
const CRITERION_RANGE = 'must be a whole number of days from 1 to 100000, or null to turn this criterion off';
const remediationCriterion = (fallback: number | null) =>
  z._default(
    z.nullable(z.int().check(z.positive(CRITERION_RANGE), z.maximum(100_000, CRITERION_RANGE))),
    fallback,
  );
const NOTICE_RANGE = 'must be 0 to 365 days';
const TIMEOUT_RANGE = `must be 1 to ${MAX_APPROVAL_TIMEOUT_SECONDS / SECONDS_PER_DAY} days: a request waits this long for a decision, and a Step Functions execution runs at most a year`;
const KEYS_RANGE = 'must be 1 to 1000 keys';

/**
 * `remediation` (docs/remediation.md): approval-gated deactivation. Off by default: then nothing
 * of it is deployed, not a function, role, queue or grant. Defaults are the functions' own
 * (DEFAULT_REMEDIATION), except the approval timeout, which a person writes in days.
 */
export const RemediationConfigSchema = z.strictObject({
  enabled: z._default(z.boolean(), false),
  /** The role the StackSet puts in every member account: iam:UpdateAccessKey and iam:ListAccessKeys only. */
  roleName: z._default(roleName, 'org-key-audit-remediation'),
  criteria: z.prefault(
    z.strictObject({
      rotationOverdueDays: remediationCriterion(DEFAULT_REMEDIATION.criteria.rotationOverdueDays),
      unusedDays: remediationCriterion(DEFAULT_REMEDIATION.criteria.unusedDays),
      neverUsedDays: remediationCriterion(DEFAULT_REMEDIATION.criteria.neverUsedDays),
    }),
    {},
  ),
  noticeDays: z._default(
    z.int().check(z.nonnegative(NOTICE_RANGE), z.maximum(365, NOTICE_RANGE)),
    DEFAULT_REMEDIATION.noticeDays,
  ),
  approvalTimeoutDays: z._default(
    z.int().check(z.minimum(1, TIMEOUT_RANGE), z.maximum(MAX_APPROVAL_TIMEOUT_DAYS, TIMEOUT_RANGE)),
    DEFAULT_REMEDIATION.approvalTimeoutSeconds / SECONDS_PER_DAY,
  ),
  maxKeysPerRequest: z._default(
    z.int().check(z.positive(KEYS_RANGE), z.maximum(1000, KEYS_RANGE)),
    DEFAULT_REMEDIATION.maxKeysPerRequest,
  ),
});

const percentage = (min: number, fallback: number) =>
  z._default(z.int().check(z.minimum(min), z.maximum(100)), fallback);

export const ConfigSchema = z.strictObject({
  /** Marks the example file: synth works, deploy is refused by a CloudFormation rule. @default false */
  example: z._default(z.boolean(), false),
  /** The Organizations management account. */
  managementAccountId: accountId,
  /** Where the auditor stack runs: the management account or a delegated administrator. */
  auditAccountId: accountId,
  /** `o-...`, for the member role's `aws:PrincipalOrgID` trust condition. */
  organizationId: z
    .string()
    .check(z.regex(/^o-[a-z0-9]{10,32}$/, 'must be the organization id like "o-a1b2c3d4e5"')),
  /** The region of the auditor stack and of the StackSet instances (IAM is global). @default us-east-1 */
  region: z._default(region, 'us-east-1'),
  /** Name of the read-only role in every member account. @default OrgKeyAuditRole */
  auditRoleName: z._default(roleName, 'OrgKeyAuditRole'),
  /** Role in the management account that lets a delegated administrator list accounts. */
  orgReaderRoleName: z._default(roleName, 'OrgKeyAuditOrgReader'),
  /** @default true when the audit account is not the management account */
  useOrgReaderRole: z.optional(z.boolean()),
  rollout: z.strictObject({
    /** OUs (or the root) the StackSet targets; accounts joining them get the role. */
    targetOrganizationalUnitIds: z
      .array(ouOrRootId)
      .check(z.minLength(1, 'must list at least one OU or root id')),
    /** SELF from the management account, DELEGATED_ADMIN from a registered StackSets admin. */
    callAs: z._default(
      z.enum(['SELF', 'DELEGATED_ADMIN'], 'must be "SELF" (management account) or "DELEGATED_ADMIN"'),
      'SELF',
    ),
    maxConcurrentPercentage: percentage(1, 25),
    failureTolerancePercentage: percentage(0, 10),
  }),
  schedule: z.prefault(
    z.strictObject({
      expression: z._default(scheduleExpression, 'cron(0 8 * * ? *)'),
      timeZone: z._default(
        z.string().check(z.refine(isTimeZone, 'must be an IANA time zone like "UTC" or "Europe/Berlin"')),
        'UTC',
      ),
      enabled: z._default(z.boolean(), true),
    }),
    {},
  ),
  /** Policy thresholds over the built-in defaults; checked by the same rules the Lambdas use. */
  thresholds: z._default(z.record(z.string(), z.unknown()), {}),
  digestEmails: z._default(z.array(email), []),
  alarmEmails: z._default(z.array(email), []),
  exemptions: z._default(z.array(ConfigExemptionSchema), []),
  /** Parallel accounts in the Distributed Map. @default 40 */
  mapMaxConcurrency: z._default(z.int().check(z.minimum(1), z.maximum(10_000)), 40),
  /** STANDARD: exactly once, no 5-minute cap (credential reports can be slow). @default STANDARD */
  childExecutionType: z._default(
    z
      .enum(['STANDARD', 'EXPRESS'], 'must be "STANDARD" or "EXPRESS"')
      .check(
        z.refine(
          (type) => type === 'STANDARD',
          'must be "STANDARD": an account too large for one AuditAccount invocation is audited over several (maxAuditIterations), and an Express child stops at 5 minutes, which would end such an account unfinished; remove the field',
        ),
      ),
    'STANDARD',
  ),
  /** Invocations of AuditAccount one account may take before it is reported FAILED. @default 24 */
  maxAuditIterations: z._default(z.int().check(z.minimum(1), z.maximum(1000)), 24),
  /**
   * Seconds AuditAccount keeps at the end of each invocation to finish the calls in flight and
   * write its checkpoint. @default 30
   */
  auditSafetyMarginSeconds: z._default(z.int().check(z.minimum(5), z.maximum(300)), 30),
  /** Days reports and per-run files stay in the bucket. @default 400 */
  reportRetentionDays: z._default(z.int().check(z.minimum(1), z.maximum(3650)), 400),
  /** Who owns a finding, and which owners get their own digest by email. @default user tag "owner" only, no endpoints */
  owners: z.prefault(OwnersConfigSchema, {}),
  /** Import findings into Security Hub. @default {enabled: false} */
  securityHub: z.prefault(SecurityHubConfigSchema, {}),
  /** The chat topic for Amazon Q Developer in chat applications. @default {enabled: false} */
  chat: z.prefault(ChatConfigSchema, {}),
  /** Approval-gated deactivation of old keys (docs/remediation.md). @default {enabled: false} */
  remediation: z.prefault(RemediationConfigSchema, {}),
});

export type ConfigInput = z.input<typeof ConfigSchema>;

/** `securityHub` with its region resolved: what SECURITY_HUB_JSON carries. */
export interface SecurityHubSettings {
  readonly enabled: boolean;
  /** Where findings are imported: the config's `securityHub.region`, else its `region`. */
  readonly region: string;
}

export interface OrgKeyAuditConfig
  extends Omit<z.output<typeof ConfigSchema>, 'thresholds' | 'useOrgReaderRole' | 'securityHub'> {
  readonly thresholds: Thresholds;
  readonly useOrgReaderRole: boolean;
  readonly securityHub: SecurityHubSettings;
}

/** What to do about a bad value, by the first segment of its path. */
const FIXES: Readonly<Record<string, string>> = {
  managementAccountId: 'copy it from Organizations > AWS accounts (the one marked "management account")',
  auditAccountId: 'use the account you deploy the auditor stack to',
  organizationId: 'copy it from Organizations > Settings',
  rollout: 'set rollout.targetOrganizationalUnitIds to your root id (r-...) or OU ids',
  schedule: 'see https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html',
  exemptions: 'each entry is {accountId, userName, accessKeyId?, reason, until: "YYYY-MM-DD"}',
  owners:
    'see infra/README.md, "Owners": {userTagKey, accountTagKey, organizationalUnits: {"ou-...": "<owner>"}, securityTeam, accountTags: {ttlHours, maxPerRun, requestsPerSecond}, endpoints: {"<owner>": ["<email>"]}}',
  securityHub:
    'write it as {"enabled": true, "region": "eu-west-1"}; region is optional and defaults to the config\'s region; see README.md, "Integrations"',
  chat: 'write it as {"enabled": true}, then attach a Slack or Microsoft Teams channel configuration to the topic org-key-audit-chat; see README.md, "Integrations"',
  remediation:
    'write it as {"enabled": true, "roleName": "org-key-audit-remediation", "criteria": {"rotationOverdueDays": 365, "unusedDays": 180, "neverUsedDays": 30}, "noticeDays": 7, "approvalTimeoutDays": 7, "maxKeysPerRequest": 200}, every field but enabled optional; see docs/remediation.md',
};

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.map((p, i) =>
    typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`,
  );
  // A bad record key (an OU id, an owner name): the key is the last path segment, the reason inside.
  const badKey = issue.code === 'invalid_key' ? String(issue.path.at(-1)) : undefined;
  const where =
    badKey === undefined
      ? field.join('') || '(the config)'
      : `${field.slice(0, -1).join('')} key ${JSON.stringify(badKey)}`;
  const message =
    issue.code === 'invalid_key'
      ? (issue.issues[0]?.message ?? issue.message)
      : issue.code === 'unrecognized_keys'
        ? `has unknown field(s) ${issue.keys.join(', ')}; remove them or fix the spelling`
        : issue.code === 'invalid_type'
          ? // zod does not keep the input by default; its message says "received undefined" when missing.
            issue.message.endsWith('received undefined')
            ? 'is required'
            : `must be a ${issue.expected} (${issue.message})`
          : issue.message;
  const fix = FIXES[String(issue.path[0])];
  return `${where} ${message}${fix ? ` (${fix})` : ''}`;
}

/** Validates raw config; throws InvalidInputError naming every bad field. */
export function parseConfig(raw: unknown, source = 'config'): OrgKeyAuditConfig {
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map(describeIssue);
    throw new InvalidInputError(`Invalid org-key-audit ${source}:\n  - ${lines.join('\n  - ')}`);
  }
  const ownerProblems = [...checkOwners(parsed.data), ...checkRemediationRoleName(parsed.data)];
  if (ownerProblems.length > 0) {
    throw new InvalidInputError(`Invalid org-key-audit ${source}:\n  - ${ownerProblems.join('\n  - ')}`);
  }
  const { thresholds: thresholdOverrides, useOrgReaderRole, securityHub, ...rest } = parsed.data;
  let thresholds: Thresholds;
  try {
    thresholds = resolveThresholds(DEFAULT_THRESHOLDS, thresholdOverrides, 'thresholds');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new InvalidInputError(`Invalid org-key-audit ${source}:\n  - ${message}`, { cause: error });
  }
  const remediationProblems = checkRemediationCriteria(rest.remediation, thresholds);
  if (remediationProblems.length > 0) {
    throw new InvalidInputError(
      `Invalid org-key-audit ${source}:\n  - ${remediationProblems.join('\n  - ')}`,
    );
  }
  return {
    ...rest,
    thresholds,
    useOrgReaderRole: useOrgReaderRole ?? rest.auditAccountId !== rest.managementAccountId,
    securityHub: { enabled: securityHub.enabled, region: securityHub.region ?? rest.region },
  };
}

export type OwnersConfig = z.output<typeof OwnersConfigSchema>;

export type RemediationConfig = z.output<typeof RemediationConfigSchema>;

/**
 * REMEDIATION_JSON (on BuildDigest, RecordRemediation and CheckKey, only when enabled): the
 * functions' RemediationSettings, through their own schema, so a value they would refuse fails
 * synthesis instead of the first request.
 */
export function remediationSettingsOf(config: Pick<OrgKeyAuditConfig, 'remediation'>): RemediationSettings {
  const { enabled, criteria, noticeDays, approvalTimeoutDays, maxKeysPerRequest } = config.remediation;
  return RemediationSettingsSchema.parse({
    enabled,
    criteria,
    noticeDays,
    approvalTimeoutSeconds: approvalTimeoutDays * SECONDS_PER_DAY,
    maxKeysPerRequest,
  });
}

export function remediationEnvironment(config: Pick<OrgKeyAuditConfig, 'remediation'>): string {
  return JSON.stringify(remediationSettingsOf(config));
}

/** SECURITY_HUB_JSON, on the import-findings function only: `{"enabled":…,"region":…}`. */
export function securityHubEnvironment(config: Pick<OrgKeyAuditConfig, 'securityHub'>): string {
  const { enabled, region: hubRegion } = config.securityHub;
  return JSON.stringify({ enabled, region: hubRegion });
}

/**
 * ListAccounts' time budget (its Lambda timeout; the ASL's ListAccounts Task must allow at least
 * as much, which AuditWorkflow checks): LIST_ACCOUNTS_LISTING_SECONDS to page through the
 * organization and walk the OU tree, plus, when account tags are read, `maxPerRun` paced
 * ListTagsForResource calls at `requestsPerSecond` with ACCOUNT_TAG_HEADROOM for latency and
 * throttling retries, rounded up to whole minutes. A config whose budget exceeds Lambda's
 * 15 minutes is refused; the tags it cannot read in one run are read on later runs anyway.
 */
export const LIST_ACCOUNTS_LISTING_SECONDS: number = LAMBDA_SIZING.listAccounts.timeoutSeconds;
export { ACCOUNT_TAG_HEADROOM, LAMBDA_MAX_TIMEOUT_SECONDS };

/** Through the statemachine package's sizing table, which the local runner enforces too. */
export function listAccountsTimeoutSeconds(
  owners: Pick<OwnersConfig, 'accountTagKey' | 'accountTags'>,
): number {
  return sizingListAccountsTimeoutSeconds(owners);
}

/**
 * PublishDigest's Lambda timeout: the sizing table's 60 s for the full digest, plus one second
 * per routed owner (one S3 read and one SNS publish each, with the SDK's retries), rounded up to
 * whole minutes.
 */
export function publishDigestTimeoutSeconds(owners: Pick<OwnersConfig, 'endpoints'>): number {
  return sizingPublishDigestTimeoutSeconds(Object.keys(owners.endpoints).length);
}

/** The rules the Lambdas read (OWNERS_JSON): the config's `owners` with `routed` = the sorted endpoint names. */
export function ownerRulesOf(config: Pick<OrgKeyAuditConfig, 'owners'>): OwnerRules {
  const { endpoints, ...rules } = config.owners;
  // Through the functions' own parser: what the Lambdas would refuse, synthesis refuses first.
  return parseOwnerRules({ ...rules, routed: Object.keys(endpoints).sort() }, 'owners');
}

/** Rules zod cannot express field by field: each line names the field and the fix. */
function checkOwners(config: z.output<typeof ConfigSchema>): string[] {
  const { owners, digestEmails } = config;
  const problems: string[] = [];
  if (Object.hasOwn(owners.endpoints, owners.securityTeam)) {
    problems.push(
      `owners.endpoints.${owners.securityTeam} is the security team (owners.securityTeam), which gets the full digest at digestEmails: remove this endpoint and list its addresses in digestEmails`,
    );
  }
  // SNS keeps one subscription per address on a topic: an address of the security team already
  // gets every finding, and one address twice for an owner would be the same subscription.
  const security = new Set(digestEmails.map((e) => e.toLowerCase()));
  for (const [owner, addresses] of Object.entries(owners.endpoints)) {
    const seen = new Set<string>();
    addresses.forEach((address, i) => {
      const key = address.toLowerCase();
      if (security.has(key)) {
        problems.push(
          `owners.endpoints.${owner}[${i}] ${address} is also in digestEmails, so it already gets the full digest with every finding; SNS allows one subscription per address and topic: remove it from one of the two`,
        );
      } else if (seen.has(key)) {
        problems.push(`owners.endpoints.${owner}[${i}] lists ${address} twice; remove the second one`);
      }
      seen.add(key);
    });
  }
  const budget = LIST_ACCOUNTS_LISTING_SECONDS + accountTagSeconds(owners);
  if (budget > LAMBDA_MAX_TIMEOUT_SECONDS) {
    const { maxPerRun, requestsPerSecond } = owners.accountTags;
    const most = Math.floor(
      ((LAMBDA_MAX_TIMEOUT_SECONDS - LIST_ACCOUNTS_LISTING_SECONDS) / ACCOUNT_TAG_HEADROOM) *
        requestsPerSecond,
    );
    problems.push(
      `owners.accountTags: ${maxPerRun} ListTagsForResource calls per run at ${requestsPerSecond} per second need about ${budget - LIST_ACCOUNTS_LISTING_SECONDS} s (with ${Math.round((ACCOUNT_TAG_HEADROOM - 1) * 100)}% headroom), and ListAccounts also needs ${LIST_ACCOUNTS_LISTING_SECONDS} s to list the organization, over Lambda's ${LAMBDA_MAX_TIMEOUT_SECONDS} s limit: lower maxPerRun to at most ${most}, or raise requestsPerSecond (tags not read in one run are read on later runs)`,
    );
  }
  return problems;
}

/**
 * The remediation role is a second role in every member account, next to the audit role: a
 * shared name would make the two StackSets fight over one role, and a name of the auditor's own
 * roles would collide in the audit account when it is in a target OU.
 */
function checkRemediationRoleName(config: z.output<typeof ConfigSchema>): string[] {
  const { remediation, auditRoleName, orgReaderRoleName } = config;
  const taken: [string, string][] = [
    [auditRoleName, 'auditRoleName (the read-only audit role)'],
    [orgReaderRoleName, 'orgReaderRoleName'],
  ];
  const clash = taken.find(([name]) => name.toLowerCase() === remediation.roleName.toLowerCase());
  if (clash !== undefined) {
    return [
      `remediation.roleName ${remediation.roleName} is also ${clash[1]}; IAM role names are unique per account, and the remediation role must be a role of its own: use another name, like "org-key-audit-remediation"`,
    ];
  }
  const lambdaRoles = [...FUNCTION_NAMES, ...REMEDIATION_FUNCTION_NAMES].map(functionRoleName);
  if (lambdaRoles.some((name) => name.toLowerCase() === remediation.roleName.toLowerCase())) {
    return [
      `remediation.roleName ${remediation.roleName} is the name of one of the auditor's Lambda roles, which would collide in the audit account: use another name, like "org-key-audit-remediation"`,
    ];
  }
  return [];
}

/**
 * A key is proposed for a finding (docs/remediation.md, "What is proposed"), and the findings
 * start at the policy thresholds (functions/src/core/policy.ts): ROTATION_OVERDUE at an age of
 * `rotationOverdueDays`, UNUSED at `unusedDays` since the last use, NEVER_USED only once a
 * never-used key is older than `neverUsedGraceDays`. A criterion below its threshold would name
 * a day on which no finding exists yet, so the key could not be proposed then. Checked only when
 * enabled: a disabled section's defaults must not refuse a config with high thresholds.
 */
function checkRemediationCriteria(remediation: RemediationConfig, thresholds: Thresholds): string[] {
  if (!remediation.enabled) return [];
  const { rotationOverdueDays, unusedDays, neverUsedDays } = remediation.criteria;
  const problems: string[] = [];
  const off = 'or null to turn this criterion off';
  if (rotationOverdueDays !== null && rotationOverdueDays < thresholds.rotationOverdueDays) {
    problems.push(
      `remediation.criteria.rotationOverdueDays is ${rotationOverdueDays}, but a key is ROTATION_OVERDUE only from an age of thresholds.rotationOverdueDays (${thresholds.rotationOverdueDays} days), so no key could be proposed at ${rotationOverdueDays}: set it to at least ${thresholds.rotationOverdueDays}, ${off}`,
    );
  }
  if (unusedDays !== null && unusedDays < thresholds.unusedDays) {
    problems.push(
      `remediation.criteria.unusedDays is ${unusedDays}, but a key is UNUSED only once it has not been used for thresholds.unusedDays (${thresholds.unusedDays} days), so no key could be proposed at ${unusedDays}: set it to at least ${thresholds.unusedDays}, ${off}`,
    );
  }
  if (neverUsedDays !== null && neverUsedDays <= thresholds.neverUsedGraceDays) {
    problems.push(
      `remediation.criteria.neverUsedDays is ${neverUsedDays}, but a key never used is NEVER_USED only once it is older than thresholds.neverUsedGraceDays (${thresholds.neverUsedGraceDays} days), that is from an age of ${thresholds.neverUsedGraceDays + 1}, so no key could be proposed at ${neverUsedDays}: set it to at least ${thresholds.neverUsedGraceDays + 1}, ${off}`,
    );
  }
  return problems;
}

export interface LoadConfigOptions {
  /** Value of cdk context `config`: an object or its JSON text. */
  readonly contextConfig?: unknown;
  /** Value of cdk context `configFile`: a path, relative to the repository root. */
  readonly contextConfigFile?: unknown;
  /** @default the repository root */
  readonly rootDir?: string;
}

export interface LoadedConfig {
  readonly config: OrgKeyAuditConfig;
  /** Where it came from, for the synth log. */
  readonly source: string;
}

function readJsonFile(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new InvalidInputError(`Cannot read ${path} as JSON: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Finds and validates the config. Order: context `config`, context `configFile`,
 * `org-key-audit.config.json`, then the example file, so a fresh clone synthesizes offline; the
 * example sets `example: true`, which makes every stack refuse deployment.
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const rootDir = options.rootDir ?? REPO_ROOT;
  if (options.contextConfig !== undefined) {
    const raw =
      typeof options.contextConfig === 'string'
        ? parseContextJson(options.contextConfig)
        : options.contextConfig;
    return { config: parseConfig(raw, 'cdk context "config"'), source: 'cdk context "config"' };
  }
  if (options.contextConfigFile !== undefined) {
    if (typeof options.contextConfigFile !== 'string' || options.contextConfigFile === '') {
      throw new InvalidInputError(
        'cdk context "configFile" must be a file path, like -c configFile=prod.json',
      );
    }
    const path = resolve(rootDir, options.contextConfigFile);
    if (!existsSync(path)) {
      throw new InvalidInputError(`cdk context "configFile" points to ${path}, which does not exist`);
    }
    return { config: parseConfig(readJsonFile(path), path), source: path };
  }
  for (const name of [CONFIG_FILE_NAME, EXAMPLE_CONFIG_FILE_NAME]) {
    const path = resolve(rootDir, name);
    if (existsSync(path)) return { config: parseConfig(readJsonFile(path), name), source: path };
  }
  throw new InvalidInputError(
    `No ${CONFIG_FILE_NAME} in ${rootDir}: copy ${EXAMPLE_CONFIG_FILE_NAME} to ${CONFIG_FILE_NAME} and fill in your account ids`,
  );
}

function parseContextJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`cdk context "config" must be JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
