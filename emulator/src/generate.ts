/**
 * Seeded organizations: `generateOrganization({ accounts, users, seed, now })` builds the same
 * organization (ids, names, key ages, last use) for the same inputs, and the findings it
 * planted. Cheap per user, so 10,000 accounts × 20 users start in seconds.
 */
import { type Expected, plantedExpectations, ruleExpectations } from './expected';
import { createRandom, hashString, type Random } from './random';
import { atThresholdEdge, pickScenario, rootKey } from './scenarios';
import { type BuiltOrganization, buildOrganization, clockTime, secondOfDay } from './state/build';
import {
  type AccountSpec,
  type KeySpec,
  type OrgSpec,
  type OuSpec,
  orgSpecSchema,
  type RemediationRoleSpec,
  type UserSpec,
} from './state/spec';
import { resolveOracleThresholds, type ThresholdOverrides } from './state/thresholds';

export interface GenerateOptions {
  /** Total accounts, management and audit accounts included (at least 2). */
  readonly accounts: number;
  /** IAM users in every ACTIVE account. */
  readonly users: number;
  readonly seed: number | string;
  /** @default the real current time */
  readonly now?: Date;
  /** @default 'OrgKeyAuditRole' */
  readonly roleName?: string;
  /** The audit-account role the audit roles trust. @default 'OrgKeyAuditAuditor' */
  readonly auditorRoleName?: string;
  /**
   * Thresholds `expected` is judged by (merged onto the documented ones). Unset: the planted
   * intent, which the generator wrote for the documented thresholds.
   */
  readonly thresholds?: ThresholdOverrides;
  /**
   * Also plant an OU tree (Security, Workloads/Prod, Workloads/NonProd, Sandbox) and `owner`
   * tags on most accounts, for owner routing. Off by default so that a seed's organization (and
   * every output built on it) stays what it was. @default false
   */
  readonly owners?: boolean;
  /**
   * Also plant the remediation role (docs/remediation.md) in every account that has the audit
   * role, trusting the RemediateKey Lambda's role; ids and everything else stay the same.
   * @default false
   */
  readonly remediationRole?: RemediationRoleSpec;
}

export interface GeneratedOrganization extends BuiltOrganization {
  readonly spec: readonly AccountSpec[];
  /** The OU tree the accounts' `ou` paths name ([] when every account sits under the root). */
  readonly organizationalUnits: readonly OuSpec[];
  readonly expected: Expected;
  readonly now: Date;
  /**
   * The oracle again, for a run that overrides some thresholds (an execution input's
   * `thresholds`): the documented rules re-applied to the planted records.
   * @param now @default the organization's now
   * @throws RangeError naming a bad threshold field
   */
  expectedWith(thresholds: ThresholdOverrides, now?: Date): Expected;
}

const TEAMS = [
  'payments',
  'identity',
  'data-platform',
  'ml',
  'web',
  'mobile',
  'analytics',
  'billing',
  'search',
  'logging',
  'network',
  'sandbox',
];
const ENVS = ['prod', 'staging', 'dev', 'test'];
const FIRST = [
  'alice',
  'bob',
  'carol',
  'dave',
  'erin',
  'frank',
  'grace',
  'heidi',
  'ivan',
  'judy',
  'mallory',
  'niaj',
  'olivia',
  'peggy',
  'rupert',
  'sybil',
  'trent',
  'victor',
  'wendy',
  'yusuf',
];
const LAST = [
  'smith',
  'jones',
  'garcia',
  'chen',
  'patel',
  'kim',
  'nguyen',
  'müller',
  'rossi',
  'silva',
  'tanaka',
  'okafor',
];
const SERVICE_USERS = [
  'svc-ci-deploy',
  'svc-backup',
  'svc-terraform',
  'svc-monitoring',
  'svc-etl',
  'svc-legacy-ftp',
];

const DAY_MS = 86_400_000;

function dateOnly(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Distinct 12-digit ids; the first digit is never 0 so that no tool strips a leading zero. */
function accountIds(r: Random, count: number): string[] {
  const seen = new Set<string>();
  while (seen.size < count) seen.add(String(r.int(100_000_000_000, 999_999_999_999)));
  return [...seen];
}

function userName(r: Random, index: number, used: Set<string>): string {
  let base: string;
  if (r.chance(0.2)) base = r.pick(SERVICE_USERS);
  else base = `${r.pick(FIRST)}.${r.pick(LAST).replace('ü', 'u')}`;
  let name = base;
  if (used.has(name)) name = `${base}${index}`;
  used.add(name);
  return name;
}

/** Exemption tags: valid ones move the user's findings aside; expired and malformed ones do not. */
function exemptionTag(r: Random, nowMs: number): { value: string; valid: boolean } {
  const roll = r.next();
  if (roll < 0.5) {
    // IAM tag values cannot hold ';', so real tags use a space; both forms are accepted.
    const sep = r.chance(0.5) ? ';' : ' ';
    return {
      value: `CHG-${r.int(1000, 9999)} vendor migration${sep}until=${dateOnly(nowMs + r.int(0, 120) * DAY_MS)}`,
      valid: true,
    };
  }
  if (roll < 0.75) {
    return { value: `legacy integration;until=${dateOnly(nowMs - r.int(1, 200) * DAY_MS)}`, valid: false };
  }
  return {
    value: r.pick(['approved forever', 'until=2099-01-01', 'temporary;until=next-quarter']),
    valid: false,
  };
}

const LAST_SECOND = 86_399;
/** Late evening: from 18:00 UTC, and always after now's time of day when there is room left. */
const EVENING = 18 * 3600;

/**
 * Gives a planted key its UTC times of day, from a stream of its own (so the ages, names and
 * tags a seed plants stay the same): anywhere in the day, never after now for today's dates,
 * never used before it was created; and late in the evening, after now's time of day, for an
 * age or last use at a threshold's edge, where counting elapsed 24-hour periods instead of
 * calendar days (docs/architecture.md, "Findings") would give one day less.
 */
function plantTimes(times: Random, nowMs: number, key: KeySpec): KeySpec {
  const nowSecond = secondOfDay(nowMs);
  const last = (daysAgo: number) => (daysAgo === 0 ? nowSecond : LAST_SECOND);
  const late = (daysAgo: number, from: number) =>
    times.int(Math.min(Math.max(from, EVENING, nowSecond + 1), last(daysAgo)), last(daysAgo));
  const edge = atThresholdEdge(key);
  const created = edge.created ? late(key.ageDays, 0) : times.int(0, last(key.ageDays));
  const out: KeySpec = { ...key, createdTime: clockTime(created) };
  const used = key.lastUsedDaysAgo;
  if (used === null) return out;
  const first = used === key.ageDays ? created : 0;
  const usedAt = edge.lastUsed ? late(used, first) : times.int(first, last(used));
  return { ...out, lastUsedTime: clockTime(usedAt) };
}

function plantUsers(r: Random, count: number, nowMs: number, times: Random): UserSpec[] {
  const used = new Set<string>();
  const users: UserSpec[] = [];
  for (let i = 0; i < count; i++) {
    const keys = pickScenario(r)
      .plant(r)
      .map((k) => plantTimes(times, nowMs, k));
    const hasFindings = keys.some((k) => (k.expect ?? []).length > 0);
    const tags: Record<string, string> = {};
    let plantedExempt = false;
    if (r.chance(0.3)) tags['team'] = r.pick(TEAMS);
    if (hasFindings && r.chance(0.12)) {
      const tag = exemptionTag(r, nowMs);
      tags['org-key-audit:exempt'] = tag.value;
      plantedExempt = tag.valid;
    }
    const roll = r.next();
    users.push({
      name: userName(r, i, used),
      tags,
      passwordLastUsedDaysAgo: roll < 0.6 ? null : roll < 0.7 ? 'never' : r.int(0, 60),
      keys,
      plantedExempt,
    });
  }
  return users;
}

export function generateAccountSpecs(options: GenerateOptions, nowMs: number): AccountSpec[] {
  const { accounts, users, seed } = options;
  if (!Number.isInteger(accounts) || accounts < 2) {
    throw new RangeError(`accounts must be an integer >= 2 (management + audit account); got ${accounts}`);
  }
  if (!Number.isInteger(users) || users < 0)
    throw new RangeError(`users must be an integer >= 0; got ${users}`);
  const r = createRandom(hashString(`org:${seed}`));
  const times = createRandom(hashString(`times-of-day:${seed}`));
  const ids = accountIds(r, accounts);
  const specs: AccountSpec[] = [];
  for (let i = 0; i < accounts; i++) {
    // Guarantee every account kind once the organization is large enough to afford it.
    const fromEnd = accounts - 1 - i;
    let state: AccountSpec['state'] = 'ACTIVE';
    let auditRole = true;
    if (i >= 2 && accounts >= 6 && fromEnd === 0) state = 'SUSPENDED';
    else if (i >= 2 && accounts >= 6 && fromEnd === 1) state = 'PENDING_CLOSURE';
    else if (i >= 2 && accounts >= 6 && fromEnd === 2) auditRole = false;
    else if (i >= 2) {
      const roll = r.next();
      if (roll < 0.02) state = 'SUSPENDED';
      else if (roll < 0.03) state = 'PENDING_CLOSURE';
      else if (roll < 0.05) auditRole = false;
    }
    const name =
      i === 0
        ? 'management'
        : i === 1
          ? 'security-tooling'
          : `${r.pick(TEAMS)}-${r.pick(ENVS)}-${String(i).padStart(4, '0')}`;
    const active = state === 'ACTIVE';
    // Root keys: account 2 always (when it is audited), then about 4% of the others.
    const withRoot = active && i >= 2 && (i === 2 || r.chance(0.04));
    specs.push({
      id: ids[i] as string,
      name,
      state,
      auditRole,
      rootKeys: withRoot ? [plantTimes(times, nowMs, rootKey(r))] : [],
      users: active ? plantUsers(r, users, nowMs, times) : [],
    });
  }
  return specs;
}

/** The tree `owners` plants: names an auditor of a real organization would recognise. */
const OWNER_OUS: readonly OuSpec[] = [
  { name: 'Security' },
  { name: 'Workloads', children: [{ name: 'Prod' }, { name: 'NonProd' }] },
  { name: 'Sandbox' },
];
const GENERATED_NAME = /^(.+)-(prod|staging|dev|test)-\d{4}$/;

/**
 * Places the generated accounts in OWNER_OUS by their name's environment and tags about 85% of
 * them `owner: <team>@example.com`, from a stream of its own: nothing else a seed plants moves.
 * The management account stays under the root; the audit account sits in Security.
 */
export function plantOwners(specs: readonly AccountSpec[], seed: number | string): AccountSpec[] {
  const r = createRandom(hashString(`owners:${seed}`));
  return specs.map((spec, i) => {
    if (i === 0) return { ...spec, tags: { owner: 'cloud-platform@example.com' } };
    if (i === 1) return { ...spec, ou: 'Security', tags: { owner: 'security@example.com' } };
    const match = GENERATED_NAME.exec(spec.name);
    const team = match?.[1] ?? 'unknown';
    const ou =
      team === 'sandbox' ? 'Sandbox' : match?.[2] === 'prod' ? 'Workloads/Prod' : 'Workloads/NonProd';
    return r.chance(0.85) ? { ...spec, ou, tags: { owner: `${team}@example.com` } } : { ...spec, ou };
  });
}

export function generateOrganization(options: GenerateOptions): GeneratedOrganization {
  const now = options.now ?? new Date();
  const planted = generateAccountSpecs(options, now.getTime());
  const spec = options.owners === true ? plantOwners(planted, options.seed) : planted;
  const organizationalUnits = options.owners === true ? OWNER_OUS : [];
  const built = buildOrganization(spec, {
    now,
    seed: options.seed,
    organizationalUnits,
    ...(options.roleName === undefined ? {} : { roleName: options.roleName }),
    ...(options.auditorRoleName === undefined ? {} : { auditorRoleName: options.auditorRoleName }),
    ...(options.remediationRole === undefined ? {} : { remediationRole: options.remediationRole }),
  });
  const meta = { seed: options.seed, now };
  const expected =
    options.thresholds === undefined
      ? plantedExpectations(built, spec, meta)
      : ruleExpectations(built, spec, meta, resolveOracleThresholds(options.thresholds));
  return {
    ...built,
    spec,
    organizationalUnits,
    expected,
    now,
    expectedWith: (thresholds, at = now) =>
      ruleExpectations(built, spec, { ...meta, now: at }, resolveOracleThresholds(thresholds)),
  };
}

/**
 * An exact scenario from a JSON spec (`--org-file`). Its expectations come from the rules
 * re-applied to the planted records (with the spec's `thresholds`, if any), since nothing was
 * planted with an intent.
 * @throws Error naming the offending field, e.g. `accounts.2.users.0.keys.1.lastUsedDaysAgo`.
 */
export function organizationFromSpec(
  input: unknown,
  options: {
    readonly now?: Date;
    readonly roleName?: string;
    readonly auditorRoleName?: string;
    /** Replaces the spec's own `remediationRole`. */
    readonly remediationRole?: RemediationRoleSpec;
  } = {},
): GeneratedOrganization {
  const parsed = orgSpecSchema.safeParse(input);
  if (!parsed.success) {
    const details = parsed.error.issues
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new Error(`invalid organization spec: ${details}`);
  }
  const spec: OrgSpec = parsed.data;
  const now = options.now ?? (spec.now === undefined ? new Date() : new Date(spec.now));
  let built: BuiltOrganization;
  let thresholds: ReturnType<typeof resolveOracleThresholds>;
  try {
    thresholds = resolveOracleThresholds(spec.thresholds ?? {});
    built = buildOrganization(spec.accounts, {
      now,
      seed: 'org-file',
      organizationalUnits: spec.organizationalUnits ?? [],
      ...(options.roleName === undefined ? {} : { roleName: options.roleName }),
      ...(options.auditorRoleName === undefined ? {} : { auditorRoleName: options.auditorRoleName }),
      remediationRole: options.remediationRole ?? spec.remediationRole,
    });
  } catch (error) {
    // A time of day after now, or thresholds out of order: named like the schema's issues.
    if (error instanceof RangeError) throw new Error(`invalid organization spec: ${error.message}`);
    throw error;
  }
  const meta = { seed: null, now };
  const expected = ruleExpectations(built, spec.accounts, meta, thresholds);
  return {
    ...built,
    spec: spec.accounts,
    organizationalUnits: spec.organizationalUnits ?? [],
    expected,
    now,
    expectedWith: (overrides, at = now) =>
      ruleExpectations(
        built,
        spec.accounts,
        { ...meta, now: at },
        resolveOracleThresholds({ ...spec.thresholds, ...overrides }),
      ),
  };
}
