/**
 * Turns a spec (ages in days) into the emulator's records, dated against "now": each date is on
 * the UTC day the spec's age names, at the spec's time of day or one drawn from the seed.
 */
import { awsId, createRandom, hashString, type Random, secretKey } from '../random';
import {
  type AccountRecord,
  addAccount,
  createOrganization,
  type KeyRecord,
  type OrganizationRecord,
  roleArn,
  type UserRecord,
} from './model';
import { type AccountSpec, type KeySpec, type OuSpec, type RemediationRoleSpec, secondsOfDay } from './spec';

const DAY_MS = 86_400_000;
export const DEFAULT_ROLE_NAME = 'OrgKeyAuditRole';
export const AUDITOR_ROLE_NAME = 'OrgKeyAuditAuditor';
/** IAM's role-name pattern. */
export const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
/** The role the remediation StackSet puts in each account (docs/remediation.md). */
export const REMEDIATION_ROLE_NAME = 'org-key-audit-remediation';
/** The audit-account role it trusts: the RemediateKey Lambda's (infra: org-key-audit-<handler file>). */
export const REMEDIATE_KEY_ROLE_NAME = 'org-key-audit-remediate-key';

export interface AuditorIdentity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly roleArn: string;
  readonly accountId: string;
}

export interface BuiltOrganization {
  readonly org: OrganizationRecord;
  readonly auditor: AuditorIdentity;
  readonly managementAccountId: string;
  readonly auditAccountId: string;
  readonly roleName: string;
  /** The audit-account role every audit role trusts; the auditor's long-lived keys are its. */
  readonly auditorRoleName: string;
  /** The remediation role's name where it is planted; null when the organization has none. */
  readonly remediationRoleName: string | null;
  /** The audit-account role the remediation roles trust; null without them. */
  readonly remediationTrustedRoleArn: string | null;
}

const LAST_SECOND_OF_DAY = 86_399;

/** Midnight UTC of the day `daysAgo` days before the UTC date of `nowMs`. */
export function dayStart(nowMs: number, daysAgo: number): number {
  return Math.floor(nowMs / DAY_MS) * DAY_MS - daysAgo * DAY_MS;
}

/** Whole seconds of `nowMs`'s UTC time of day. */
export function secondOfDay(nowMs: number): number {
  return Math.floor((nowMs - dayStart(nowMs, 0)) / 1000);
}

/** `HH:MM:SS` of a second of the day. */
export function clockTime(second: number): string {
  return new Date(second * 1000).toISOString().slice(11, 19);
}

/**
 * `second` seconds after midnight UTC of the day `daysAgo` days before now. Ages are whole UTC
 * calendar days (docs/architecture.md, "Findings"), so this is exactly `daysAgo` days old at any
 * hour of now's day, whatever its time of day; a late `second` makes it younger than `daysAgo`
 * elapsed 24-hour periods.
 */
export function plantedAt(nowMs: number, daysAgo: number, second: number): number {
  return dayStart(nowMs, daysAgo) + second * 1000;
}

/** The last second of the day `daysAgo` days ago that is not after now. */
function lastSecond(nowMs: number, daysAgo: number): number {
  return daysAgo === 0 ? secondOfDay(nowMs) : LAST_SECOND_OF_DAY;
}

/** A time on the day `daysAgo` days ago, drawn from `times`, never after now. */
function drawnAt(times: Random, nowMs: number, daysAgo: number): number {
  return plantedAt(nowMs, daysAgo, times.int(0, lastSecond(nowMs, daysAgo)));
}

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

function lowerId(random: Random, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += ID_CHARS[random.int(0, ID_CHARS.length - 1)];
  return out;
}

/**
 * Adds the spec's OUs (parents before children) with ids as AWS forms them: `ou-`, the root
 * id's part, `-` and 8 characters. Answers each OU's path → id.
 */
function addOrganizationalUnits(
  org: OrganizationRecord,
  ous: readonly OuSpec[],
  random: Random,
): Map<string, string> {
  const ids = new Map<string, string>();
  const rootPart = org.root.id.slice(2);
  const visit = (list: readonly OuSpec[], parentId: string, parentPath: string) => {
    for (const spec of list) {
      let id = `ou-${rootPart}-${lowerId(random, 8)}`;
      while (org.organizationalUnits.has(id)) id = `ou-${rootPart}-${lowerId(random, 8)}`;
      const path = parentPath === '' ? spec.name : `${parentPath}/${spec.name}`;
      org.organizationalUnits.set(id, {
        id,
        name: spec.name,
        parentId,
        tags: new Map(Object.entries(spec.tags ?? {})),
      });
      ids.set(path, id);
      visit(spec.children ?? [], id, path);
    }
  };
  visit(ous, org.root.id, '');
  return ids;
}

function keyRecord(
  random: Random,
  times: Random,
  nowMs: number,
  spec: KeySpec,
  prefix: string,
  path: string,
): KeyRecord {
  const today = clockTime(secondOfDay(nowMs));
  const created =
    spec.createdTime === undefined
      ? times.int(0, lastSecond(nowMs, spec.ageDays))
      : secondsOfDay(spec.createdTime);
  if (created > lastSecond(nowMs, spec.ageDays)) {
    throw new RangeError(
      `${path}.createdTime: ${spec.createdTime} is after now (${today} UTC) for a key created today`,
    );
  }
  const used = spec.lastUsedDaysAgo;
  let lastUsedAt: number | null = null;
  if (used !== null) {
    // A key is never used before it exists, nor after now.
    const first = used === spec.ageDays ? created : 0;
    const last = lastSecond(nowMs, used);
    const second = spec.lastUsedTime === undefined ? times.int(first, last) : secondsOfDay(spec.lastUsedTime);
    if (second < first || second > last) {
      throw new RangeError(
        `${path}.lastUsedTime: ${spec.lastUsedTime} is ${second < first ? `before the key's creation (${clockTime(created)})` : `after now (${today} UTC)`}`,
      );
    }
    lastUsedAt = plantedAt(nowMs, used, second);
  }
  return {
    accessKeyId: awsId(random, prefix),
    secretAccessKey: secretKey(random),
    status: spec.status,
    createdAt: plantedAt(nowMs, spec.ageDays, created),
    lastUsedAt,
    lastUsedService: used !== null ? spec.lastUsedService : null,
    lastUsedRegion: used !== null ? spec.lastUsedRegion : null,
  };
}

function resolveOu(ids: ReadonlyMap<string, string>, path: string, index: number): string {
  const id = ids.get(path);
  if (id === undefined) {
    throw new RangeError(`accounts.${index}.ou: no OU ${path} in organizationalUnits`);
  }
  return id;
}

export function buildOrganization(
  accounts: readonly AccountSpec[],
  options: {
    readonly now: Date;
    readonly seed: number | string;
    readonly roleName?: string;
    /** @default AUDITOR_ROLE_NAME */
    readonly auditorRoleName?: string;
    /** The OU tree; accounts name theirs by path in `ou`. @default none: every account under the root */
    readonly organizationalUnits?: readonly OuSpec[];
    /** The remediation role: where the audit role is, unless an account says otherwise. @default off */
    readonly remediationRole?: RemediationRoleSpec | undefined;
  },
): BuiltOrganization {
  const [management, audit] = accounts;
  if (management === undefined || audit === undefined) {
    throw new RangeError(
      'an organization needs at least 2 accounts: the management account, then the audit account',
    );
  }
  const nowMs = options.now.getTime();
  const roleName = options.roleName ?? DEFAULT_ROLE_NAME;
  const auditorRoleName = options.auditorRoleName ?? AUDITOR_ROLE_NAME;
  if (!ROLE_NAME.test(auditorRoleName) || auditorRoleName === roleName) {
    throw new RangeError(
      `auditorRoleName must be an IAM role name (1-64 of [A-Za-z0-9+=,.@_-]) other than the audit role ${roleName}; got "${auditorRoleName}"`,
    );
  }
  const random = createRandom(hashString(`ids:${options.seed}`));
  // Times of day come from a stream of their own, so ids stay what they were for a seed.
  const times = createRandom(hashString(`times:${options.seed}`));
  // The tree's ids come from a stream of their own, so the other ids stay what they were for a seed.
  const treeIds = createRandom(hashString(`org-tree:${options.seed}`));
  const remediation = remediationRoleOf(options.remediationRole, roleName, auditorRoleName);
  // Its own stream: the ids a seed plants stay the same with the role on or off.
  const remediationIds = createRandom(hashString(`remediation-role:${options.seed}`));
  let remediationPlanted = false;
  const org = createOrganization(
    `o-${awsId(random, '').slice(0, 10).toLowerCase()}`,
    management.id,
    `r-${lowerId(treeIds, 4)}`,
  );
  const ouIds = addOrganizationalUnits(org, options.organizationalUnits ?? [], treeIds);
  org.delegatedAdministrators.add(audit.id);
  const auditorArn = roleArn(audit.id, auditorRoleName);

  accounts.forEach((spec, i) => {
    const users: UserRecord[] = spec.users.map((u, j) => {
      const oldest = Math.max(0, ...u.keys.map((k) => k.ageDays));
      const password = u.passwordLastUsedDaysAgo;
      return {
        userName: u.name,
        userId: awsId(random, 'AIDA'),
        createdAt: drawnAt(times, nowMs, oldest + 3),
        passwordLastUsedAt:
          password === null ? null : password === 'never' ? 'never' : drawnAt(times, nowMs, password),
        keys: u.keys.map((k, n) =>
          keyRecord(random, times, nowMs, k, 'AKIA', `accounts.${i}.users.${j}.keys.${n}`),
        ),
        tags: Object.entries(u.tags).map(([Key, Value]) => ({ Key, Value })),
      };
    });
    const oldestKey = Math.max(
      0,
      ...spec.users.flatMap((u) => u.keys.map((k) => k.ageDays)),
      ...spec.rootKeys.map((k) => k.ageDays),
    );
    const account: AccountRecord = {
      id: spec.id,
      name: spec.name,
      email: spec.email ?? `aws+${spec.name.toLowerCase().replace(/[^a-z0-9-]/g, '-')}@example.com`,
      state: spec.state,
      joinedAt: drawnAt(times, nowMs, oldestKey + 30),
      joinedMethod: spec.id === management.id ? 'INVITED' : 'CREATED',
      users,
      roles: new Map(),
      rootKeys: spec.rootKeys.map((k, n) =>
        keyRecord(random, times, nowMs, k, 'AKIA', `accounts.${i}.rootKeys.${n}`),
      ),
      rootMfa: spec.rootKeys.length === 0,
      report: null,
      parentId: spec.ou === undefined ? org.root.id : resolveOu(ouIds, spec.ou, i),
      tags: new Map(Object.entries(spec.tags ?? {})),
    };
    if (spec.auditRole) {
      account.roles.set(roleName, {
        roleName,
        roleId: awsId(random, 'AROA'),
        trustedPrincipals: [auditorArn],
      });
    }
    if (spec.remediationRole ?? (remediation.enabled && spec.auditRole)) {
      remediationPlanted = true;
      account.roles.set(remediation.roleName, {
        roleName: remediation.roleName,
        roleId: awsId(remediationIds, 'AROA'),
        trustedPrincipals: [roleArn(audit.id, remediation.trustedRoleName)],
      });
    }
    addAccount(org, account);
  });

  // The auditor: a role in the audit account whose long-lived keys stand in for the Lambda's
  // execution-role credentials, so a shell can `eval` them.
  const auditAccount = org.accounts.get(audit.id) as AccountRecord;
  auditAccount.roles.set(auditorRoleName, {
    roleName: auditorRoleName,
    roleId: awsId(random, 'AROA'),
    trustedPrincipals: [],
  });
  const auditorKey = awsId(random, 'AKIA');
  const auditorSecret = secretKey(random);
  org.credentials.set(auditorKey, {
    accessKeyId: auditorKey,
    secretAccessKey: auditorSecret,
    principal: {
      kind: 'role',
      accountId: audit.id,
      roleName: auditorRoleName,
      sessionName: 'org-key-audit',
      expiresAt: null,
      sessionToken: null,
    },
  });
  return {
    org,
    auditor: {
      accessKeyId: auditorKey,
      secretAccessKey: auditorSecret,
      roleArn: auditorArn,
      accountId: audit.id,
    },
    managementAccountId: management.id,
    auditAccountId: audit.id,
    roleName,
    auditorRoleName,
    remediationRoleName: remediation.enabled || remediationPlanted ? remediation.roleName : null,
    remediationTrustedRoleArn:
      remediation.enabled || remediationPlanted ? roleArn(audit.id, remediation.trustedRoleName) : null,
  };
}

function remediationRoleOf(
  spec: RemediationRoleSpec | undefined,
  roleName: string,
  auditorRoleName: string,
): { readonly enabled: boolean; readonly roleName: string; readonly trustedRoleName: string } {
  const settings = typeof spec === 'object' ? spec : {};
  const resolved = {
    enabled: spec !== undefined && spec !== false,
    roleName: settings.roleName ?? REMEDIATION_ROLE_NAME,
    trustedRoleName: settings.trustedRoleName ?? REMEDIATE_KEY_ROLE_NAME,
  };
  for (const [field, value] of [
    ['roleName', resolved.roleName],
    ['trustedRoleName', resolved.trustedRoleName],
  ] as const) {
    if (!ROLE_NAME.test(value)) {
      throw new RangeError(
        `remediationRole.${field} must be an IAM role name (1-64 of [A-Za-z0-9+=,.@_-]); got "${value}"`,
      );
    }
  }
  if (resolved.roleName === roleName || resolved.roleName === auditorRoleName) {
    throw new RangeError(
      `remediationRole.roleName must be a role of its own, not the audit role ${roleName} or the auditor role ${auditorRoleName}`,
    );
  }
  return resolved;
}
