/**
 * What an audit of the emulated organization should find. Two derivations, neither of which
 * calls the product's policy (comparing the product with itself could never fail):
 * - planted: what the generator recorded on each key it planted (`expect`), and
 * - rules: the policy's defaults re-applied independently, for hand-written `--org-file` specs.
 */
import type { BuiltOrganization } from './state/build';
import type { AccountSpec, KeySpec, PlantedFindingType, UserSpec } from './state/spec';

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
}

export interface Expected {
  readonly seed: number | string | null;
  readonly now: string;
  readonly accounts: readonly ExpectedAccount[];
  readonly findings: readonly ExpectedFinding[];
  readonly exempted: readonly ExpectedFinding[];
}

export const EXEMPTION_TAG = 'org-key-audit:exempt';
export const ROOT_USER = '<root_account>';

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

type KeyFindings = (key: KeySpec, user: UserSpec) => readonly PlantedFindingType[];
type UserExempt = (user: UserSpec) => boolean;

function derive(
  built: BuiltOrganization,
  accounts: readonly AccountSpec[],
  meta: { seed: number | string | null; now: Date },
  keyFindings: KeyFindings,
  userExempt: UserExempt,
): Expected {
  const findings: ExpectedFinding[] = [];
  const exempted: ExpectedFinding[] = [];
  const expectedAccounts = accounts.map((spec) => expectedAccount(spec, built.roleName));
  accounts.forEach((spec, i) => {
    if (expectedAccounts[i]?.expectedStatus !== 'AUDITED') return;
    const record = built.org.accounts.get(spec.id);
    if (record === undefined) return;
    for (const _key of spec.rootKeys) {
      findings.push({ accountId: spec.id, userName: ROOT_USER, accessKeyId: null, type: 'ROOT_ACCESS_KEY' });
    }
    spec.users.forEach((user, j) => {
      const target = userExempt(user) ? exempted : findings;
      user.keys.forEach((key, k) => {
        const accessKeyId = record.users[j]?.keys[k]?.accessKeyId ?? null;
        for (const type of keyFindings(key, user)) {
          target.push({ accountId: spec.id, userName: user.name, accessKeyId, type });
        }
      });
    });
  });
  return { seed: meta.seed, now: meta.now.toISOString(), accounts: expectedAccounts, findings, exempted };
}

/** From the generator's records: each key's `expect`, each user's `plantedExempt`. */
export function plantedExpectations(
  built: BuiltOrganization,
  accounts: readonly AccountSpec[],
  meta: { seed: number | string | null; now: Date },
): Expected {
  return derive(
    built,
    accounts,
    meta,
    (key) => key.expect ?? [],
    (user) => user.plantedExempt === true,
  );
}

/** The default rotation policy, re-applied from the spec's ages (see docs/design.md, "Findings"). */
export function ruleExpectations(
  built: BuiltOrganization,
  accounts: readonly AccountSpec[],
  meta: { seed: number | string | null; now: Date },
): Expected {
  const today = meta.now.toISOString().slice(0, 10);
  return derive(
    built,
    accounts,
    meta,
    (key, user) => ruleFindings(key, user),
    (user) => tagExempts(user, today),
  );
}

export function ruleFindings(key: KeySpec, user: UserSpec): PlantedFindingType[] {
  const out: PlantedFindingType[] = [];
  if (key.status === 'Inactive') {
    if (key.ageDays > 30) out.push('INACTIVE_KEY_LINGERING');
    return out;
  }
  if (key.ageDays >= 90) out.push('ROTATION_OVERDUE');
  if (key.ageDays >= 80 && key.ageDays < 90) out.push('ROTATION_DUE_SOON');
  if (key.ageDays === 90) out.push('REMINDER_DAY');
  if (key.lastUsedDaysAgo !== null && key.lastUsedDaysAgo >= 45) out.push('UNUSED');
  if (key.lastUsedDaysAgo === null && key.ageDays > 7) out.push('NEVER_USED');
  const active = user.keys.filter((k) => k.status === 'Active');
  const older = active.reduce<KeySpec | undefined>(
    (a, k) => (a === undefined || k.ageDays > a.ageDays ? k : a),
    undefined,
  );
  if (active.length === 2 && older === key) out.push('TWO_ACTIVE_KEYS');
  return out;
}

/** `reason;until=YYYY-MM-DD` (or a space instead of `;`), valid while today <= until. */
export function tagExempts(user: UserSpec, today: string): boolean {
  const value = user.tags[EXEMPTION_TAG];
  if (value === undefined) return false;
  const match = /^(.*?)(?:;|\s)\s*until=(\d{4}-\d{2}-\d{2})$/.exec(value.trim());
  if (match === null || (match[1] ?? '').trim() === '') return false;
  const until = match[2] ?? '';
  const parsed = new Date(`${until}T00:00:00Z`);
  if (Number.isNaN(parsed.getTime()) || parsed.toISOString().slice(0, 10) !== until) return false;
  return today <= until;
}
