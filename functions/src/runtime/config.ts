/**
 * The Lambda environment (docs/contracts.md, "Lambda environment"), read once per cold start.
 * A wrong value is an InvalidInputError naming the variable, so a misdeployed function fails
 * on its first invocation with the fix in the message, not deep inside an audit.
 */
import { DEFAULT_AUDIT_SAFETY_MARGIN_MS, DEFAULT_MAX_AUDIT_ITERATIONS } from '../core/continuation';
import { InvalidInputError } from '../core/errors';
import { type ConfigExemption, parseConfigExemptions } from '../core/exemptions';
import { type OwnerRules, parseOwnerRules } from '../core/owners';
import {
  DEFAULT_REMEDIATION,
  type RemediationSettings,
  RemediationSettingsSchema,
} from '../core/remediation';
import { DEFAULT_THRESHOLDS, resolveThresholds, type Thresholds } from '../core/thresholds';

export const DEFAULT_AUDIT_ROLE_NAME = 'OrgKeyAuditRole';
/** The inline Map's ceiling; a Distributed Map allows more, set MAP_MAX_CONCURRENCY for that. */
export const DEFAULT_MAP_MAX_CONCURRENCY = 40;
export const MAX_MAP_CONCURRENCY = 10_000;

export interface HandlerConfig {
  /** Null until required: ValidateInput runs without a bucket. */
  readonly reportBucket: string | null;
  readonly auditRoleName: string;
  /** Null where no Lambda needs it (only PublishDigest does). */
  readonly digestTopicArn: string | null;
  readonly orgReaderRoleArn: string | null;
  /** The deployed defaults; an execution's override is merged onto these. */
  readonly thresholds: Thresholds;
  readonly exemptions: readonly ConfigExemption[];
  readonly mapMaxConcurrency: number;
  /** Who owns which finding and who gets their own digest (OWNERS_JSON; core/owners.ts). */
  readonly owners: OwnerRules;
  /** Invocations of AuditAccount an account may take (MAX_AUDIT_ITERATIONS; core/continuation.ts). */
  readonly maxAuditIterations: number;
  /** Time AuditAccount keeps for its checkpoint (AUDIT_SAFETY_MARGIN_MS). */
  readonly auditSafetyMarginMs: number;
  /** The Security Hub import (SECURITY_HUB_JSON): off unless enabled; region null = the function's. */
  readonly securityHub: { readonly enabled: boolean; readonly region: string | null };
  /** The chat topic (CHAT_TOPIC_ARN); null: no chat notification. */
  readonly chatTopicArn: string | null;
  /** Approval-gated deactivation (REMEDIATION_JSON; docs/remediation.md): off unless set. */
  readonly remediation: RemediationSettings;
  /** The member accounts' remediation role (REMEDIATION_ROLE_NAME); only RemediateKey assumes it. */
  readonly remediationRoleName: string;
}

type Env = Readonly<Record<string, string | undefined>>;

function optional(env: Env, name: string): string | null {
  const value = env[name]?.trim();
  return value ? value : null;
}

function parseJson(env: Env, name: string, example: string): unknown {
  const raw = optional(env, name);
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new InvalidInputError(
      `${name} is not valid JSON; set it to a JSON value like ${example}, or unset it`,
    );
  }
}

function parseWhole(env: Env, name: string, min: number, max: number, fallback: number): number {
  const raw = optional(env, name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InvalidInputError(
      `${name} must be a whole number from ${min} to ${max} (got "${raw}"); unset it for the default ${fallback}`,
    );
  }
  return value;
}

function parseConcurrency(env: Env): number {
  const raw = optional(env, 'MAP_MAX_CONCURRENCY');
  if (raw === null) return DEFAULT_MAP_MAX_CONCURRENCY;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > MAX_MAP_CONCURRENCY) {
    throw new InvalidInputError(
      `MAP_MAX_CONCURRENCY must be a whole number from 1 to ${MAX_MAP_CONCURRENCY} (got "${raw}"); ` +
        `unset it for the default ${DEFAULT_MAP_MAX_CONCURRENCY}`,
    );
  }
  return value;
}

function parseSecurityHub(env: Env): HandlerConfig['securityHub'] {
  const raw = parseJson(env, 'SECURITY_HUB_JSON', '{"enabled": true, "region": "us-east-1"}');
  if (raw === undefined) return { enabled: false, region: null };
  const value = raw as { enabled?: unknown; region?: unknown } | null;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof value.enabled !== 'boolean' ||
    (value.region !== undefined &&
      value.region !== null &&
      (typeof value.region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(value.region)))
  ) {
    throw new InvalidInputError(
      'SECURITY_HUB_JSON must be {"enabled": true|false, "region": "<region code>"} (region optional); unset it to turn the import off',
    );
  }
  return { enabled: value.enabled, region: typeof value.region === 'string' ? value.region : null };
}

export const DEFAULT_REMEDIATION_ROLE_NAME = 'org-key-audit-remediation';

function parseRemediation(env: Env): RemediationSettings {
  const raw = parseJson(
    env,
    'REMEDIATION_JSON',
    '{"enabled": true, "criteria": {"rotationOverdueDays": 365, "unusedDays": 180, "neverUsedDays": 30}, "noticeDays": 7, "approvalTimeoutSeconds": 604800, "maxKeysPerRequest": 200}',
  );
  if (raw === undefined) return DEFAULT_REMEDIATION;
  const parsed = RemediationSettingsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = ['REMEDIATION_JSON', ...(issue?.path ?? []).map(String)].join('.');
    throw new InvalidInputError(
      `${field}: ${issue?.message ?? 'is invalid'}; CDK writes it from the config's remediation section (docs/remediation.md), unset it to turn deactivation off`,
    );
  }
  return parsed.data;
}

export function configFromEnv(env: Env = process.env): HandlerConfig {
  return {
    reportBucket: optional(env, 'REPORT_BUCKET'),
    auditRoleName: optional(env, 'AUDIT_ROLE_NAME') ?? DEFAULT_AUDIT_ROLE_NAME,
    digestTopicArn: optional(env, 'DIGEST_TOPIC_ARN'),
    orgReaderRoleArn: optional(env, 'ORG_READER_ROLE_ARN'),
    thresholds: resolveThresholds(
      DEFAULT_THRESHOLDS,
      parseJson(env, 'THRESHOLDS_JSON', '{"rotationOverdueDays": 90}'),
      'THRESHOLDS_JSON',
    ),
    exemptions: parseConfigExemptions(
      parseJson(
        env,
        'EXEMPTIONS_JSON',
        '[{"accountId": "...", "userName": "...", "reason": "...", "until": "2030-01-31"}]',
      ),
      'EXEMPTIONS_JSON',
    ),
    mapMaxConcurrency: parseConcurrency(env),
    maxAuditIterations: parseWhole(env, 'MAX_AUDIT_ITERATIONS', 1, 1000, DEFAULT_MAX_AUDIT_ITERATIONS),
    auditSafetyMarginMs: parseWhole(
      env,
      'AUDIT_SAFETY_MARGIN_MS',
      0,
      600_000,
      DEFAULT_AUDIT_SAFETY_MARGIN_MS,
    ),
    securityHub: parseSecurityHub(env),
    chatTopicArn: optional(env, 'CHAT_TOPIC_ARN'),
    remediation: parseRemediation(env),
    remediationRoleName: optional(env, 'REMEDIATION_ROLE_NAME') ?? DEFAULT_REMEDIATION_ROLE_NAME,
    owners: parseOwnerRules(
      parseJson(env, 'OWNERS_JSON', '{"organizationalUnits": {"ou-ab12-cd34ef56": "payments"}}'),
      'OWNERS_JSON',
    ),
  };
}

export function requireReportBucket(config: Pick<HandlerConfig, 'reportBucket'>): string {
  if (config.reportBucket === null) {
    throw new InvalidInputError('REPORT_BUCKET is not set; set it to the name of the report bucket');
  }
  return config.reportBucket;
}

export function requireDigestTopicArn(config: Pick<HandlerConfig, 'digestTopicArn'>): string {
  if (config.digestTopicArn === null) {
    throw new InvalidInputError('DIGEST_TOPIC_ARN is not set; set it to the ARN of the digest SNS topic');
  }
  return config.digestTopicArn;
}
