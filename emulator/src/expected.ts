/**
 * What an audit of the emulated organization should find: the oracle. Two derivations, neither
 * of which calls the product's policy (comparing the product with itself could never fail):
 * - planted: what the generator recorded on each key it planted (`expect`), and
 * - rules: the documented rules (docs/architecture.md, "Findings") re-applied independently to
 *   the planted records with the thresholds given, for hand-written `--org-file` specs and for
 *   runs that override thresholds.
 * Both give every finding its age in whole UTC calendar days, measured from the record's own
 * timestamp (a key created at 23:59 is as old as one created at 00:01 that day), and the
 * severity the thresholds give it.
 */
import type { BuiltOrganization } from './state/build';
import type { AccountRecord, KeyRecord, TagRecord, UserRecord } from './state/model';
import type { AccountSpec, PlantedFindingType } from './state/spec';
import { DOCUMENTED_THRESHOLDS, type OracleThresholds } from './state/thresholds';

export type ExpectedSeverity = 'critical' | 'high' | 'medium' | 'low' | 'info';

export interface ExpectedAccount {
  readonly accountId: string;
  readonly accountName: string;
  readonly expectedStatus: 'AUDITED' | 'FAILED' | 'SKIPPED';
  readonly reason: string | null;
}

export interface ExpectedFinding {
  readonly accountId: string;
  readonly userName: string;
  /** Null for the root user's keys: neither the credential report nor ListAccessKeys names them. */
  readonly accessKeyId: string | null;
  readonly type: PlantedFindingType;
  readonly severity: ExpectedSeverity;
  /** The key's age in whole UTC calendar days on the day of `now`. */
  readonly ageDays: number;
}

export interface Expected {
  readonly seed: number | string | null;
  readonly now: string;
  /** The thresholds the findings and severities were judged by. */
  readonly thresholds: OracleThresholds;
  readonly accounts: readonly ExpectedAccount[];
  readonly findings: readonly ExpectedFinding[];
  readonly exempted: readonly ExpectedFinding[];
}

export const EXEMPTION_TAG = 'org-key-audit:exempt';
export const ROOT_USER = '<root_account>';

const DAY_MS = 86_400_000;

/**
 * Whole UTC calendar days from the UTC date of `fromMs` to the UTC date of `nowMs`; a date after
 * now gives 0 (docs/architecture.md, "Findings").
 */
export function calendarDays(fromMs: number, nowMs: number): number {
  return Math.max(0, Math.floor(nowMs / DAY_MS) - Math.floor(fromMs / DAY_MS));
}

/** The severity table of docs/architecture.md, "Findings". */
export function severityOf(type: PlantedFindingType, ageDays: number, t: OracleThresholds): ExpectedSeverity {
  switch (type) {
    case 'ROOT_ACCESS_KEY':
      return 'critical';
    case 'ROTATION_OVERDUE':
      return ageDays >= t.rotationCriticalDays ? 'critical' : 'high';
    case 'UNUSED':
    case 'NEVER_USED':
      return 'medium';
    case 'ROTATION_DUE_SOON':
    case 'TWO_ACTIVE_KEYS':
      return 'low';
    case 'REMINDER_DAY':
    case 'INACTIVE_KEY_LINGERING':
      return 'info';
  }
}

export function expectedAccount(spec: AccountSpec, roleName: string): ExpectedAccount {
  const base = { accountId: spec.id, accountName: spec.name };
  if (spec.state !== 'ACTIVE') {
    return { ...base, expectedStatus: 'SKIPPED', reason: `account state is ${spec.state}` };
  }
  if (!spec.auditRole) {
    return { ...base, expectedStatus: 'FAILED', reason: `audit role ${roleName} is missing` };
  }
  return { ...base, expectedStatus: 'AUDITED', reason: null };
}

/** The findings of one of a user's keys, by position in the spec and in the records alike. */
type KeyFindings = (
  user: UserRecord,
  key: KeyRecord,
  userIndex: number,
  keyIndex: number,
) => readonly PlantedFindingType[];
type UserExempt = (user: UserRecord, userIndex: number) => boolean;

interface Meta {
  readonly seed: number | string | null;
  readonly now: Date;
}

function derive(
  built: BuiltOrganization,
  accounts: readonly AccountSpec[],
  meta: Meta,
  thresholds: OracleThresholds,
  keyFindings: (account: AccountSpec) => KeyFindings,
  userExempt: (account: AccountSpec) => UserExempt,
): Expected {
  const nowMs = meta.now.getTime();
  const findings: ExpectedFinding[] = [];
  const exempted: ExpectedFinding[] = [];
  const expectedAccounts = accounts.map((spec) => expectedAccount(spec, built.roleName));
  accounts.forEach((spec, i) => {
    if (expectedAccounts[i]?.expectedStatus !== 'AUDITED') return;
    const record: AccountRecord | undefined = built.org.accounts.get(spec.id);
    if (record === undefined) return;
    const finding = (
      userName: string,
      accessKeyId: string | null,
      key: KeyRecord,
      type: PlantedFindingType,
    ) => {
      const ageDays = calendarDays(key.createdAt, nowMs);
      return {
        accountId: spec.id,
        userName,
        accessKeyId,
        type,
        severity: severityOf(type, ageDays, thresholds),
        ageDays,
      };
    };
    // Any root key, whatever its age, use or status; no other rule applies to root.
    for (const key of record.rootKeys) findings.push(finding(ROOT_USER, null, key, 'ROOT_ACCESS_KEY'));
    const findingsOf = keyFindings(spec);
    const exempt = userExempt(spec);
    record.users.forEach((user, j) => {
      const target = exempt(user, j) ? exempted : findings;
      user.keys.forEach((key, k) => {
        for (const type of findingsOf(user, key, j, k))
          target.push(finding(user.userName, key.accessKeyId, key, type));
      });
    });
  });
  return {
    seed: meta.seed,
    now: meta.now.toISOString(),
    thresholds,
    accounts: expectedAccounts,
    findings,
    exempted,
  };
}

/**
 * From the generator's records: each key's `expect`, each user's `plantedExempt`. The generator
 * planted them for the documented thresholds, so those judge the severities.
 */
export function plantedExpectations(
  built: BuiltOrganization,
  accounts: readonly AccountSpec[],
  meta: Meta,
): Expected {
  return derive(
    built,
    accounts,
    meta,
    DOCUMENTED_THRESHOLDS,
    (account) => (_user, _key, j, k) => account.users[j]?.keys[k]?.expect ?? [],
    (account) => (_user, j) => account.users[j]?.plantedExempt === true,
  );
}

/** The documented rules re-applied to the planted records with `thresholds`. */
export function ruleExpectations(
  built: BuiltOrganization,
  accounts: readonly AccountSpec[],
  meta: Meta,
  thresholds: OracleThresholds = DOCUMENTED_THRESHOLDS,
): Expected {
  const nowMs = meta.now.getTime();
  const today = meta.now.toISOString().slice(0, 10);
  return derive(
    built,
    accounts,
    meta,
    thresholds,
    () => (user, key) => keyRuleFindings(user, key, thresholds, nowMs),
    () => (user) => tagExempts(user.tags, today),
  );
}

/** docs/architecture.md, "Findings", for one user's key on the day of `nowMs`. */
export function keyRuleFindings(
  user: Pick<UserRecord, 'keys'>,
  key: KeyRecord,
  t: OracleThresholds,
  nowMs: number,
): PlantedFindingType[] {
  const age = calendarDays(key.createdAt, nowMs);
  // Inactive keys never count for rotation, use or reminders.
  if (key.status === 'Inactive') return age > t.inactiveLingeringDays ? ['INACTIVE_KEY_LINGERING'] : [];
  const out: PlantedFindingType[] = [];
  if (age >= t.rotationOverdueDays) out.push('ROTATION_OVERDUE');
  else if (age >= t.rotationDueSoonDays) out.push('ROTATION_DUE_SOON');
  if (t.reminderDays.includes(age)) out.push('REMINDER_DAY');
  if (key.lastUsedAt === null) {
    if (age > t.neverUsedGraceDays) out.push('NEVER_USED');
  } else if (calendarDays(key.lastUsedAt, nowMs) >= t.unusedDays) {
    out.push('UNUSED');
  }
  // Two active keys: reported once, on the older.
  const active = user.keys.filter((k) => k.status === 'Active');
  const older = active.reduce<KeyRecord | undefined>(
    (a, k) => (a === undefined || k.createdAt < a.createdAt ? k : a),
    undefined,
  );
  if (active.length === 2 && older === key) out.push('TWO_ACTIVE_KEYS');
  return out;
}

/** `reason until=YYYY-MM-DD` (or `;` instead of the space), valid while today <= until (UTC). */
export function tagExempts(
  tags: readonly TagRecord[] | Readonly<Record<string, string>>,
  today: string,
): boolean {
  const value = Array.isArray(tags)
    ? (tags as readonly TagRecord[]).find((t) => t.Key === EXEMPTION_TAG)?.Value
    : (tags as Readonly<Record<string, string>>)[EXEMPTION_TAG];
  if (value === undefined) return false;
  const match = /^(.*?)(?:;|\s)\s*until=(\d{4}-\d{2}-\d{2})$/.exec(value.trim());
  if (match === null || (match[1] ?? '').trim() === '') return false;
  const until = match[2] ?? '';
  const parsed = new Date(`${until}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== until) return false;
  return today <= until;
}
