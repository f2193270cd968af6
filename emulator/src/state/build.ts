/** Turns a spec (ages in days) into the emulator's records, dated against "now". */
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
import type { AccountSpec, KeySpec } from './spec';

const DAY_MS = 86_400_000;
export const DEFAULT_ROLE_NAME = 'OrgKeyAuditRole';
export const AUDITOR_ROLE_NAME = 'OrgKeyAuditAuditor';
/** IAM's role-name pattern. */
export const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

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
}

/**
 * 00:01 UTC of the day `daysAgo` days before now, so the age in whole UTC days is exactly
 * `daysAgo` for the rest of that day; never later than now (for age 0 just after midnight).
 */
export function plantedAt(nowMs: number, daysAgo: number): number {
  const startOfToday = Math.floor(nowMs / DAY_MS) * DAY_MS;
  return Math.min(startOfToday - daysAgo * DAY_MS + 60_000, nowMs);
}

function keyRecord(random: Random, nowMs: number, spec: KeySpec, prefix: string): KeyRecord {
  const used = spec.lastUsedDaysAgo !== null;
  return {
    accessKeyId: awsId(random, prefix),
    secretAccessKey: secretKey(random),
    status: spec.status,
    createdAt: plantedAt(nowMs, spec.ageDays),
    lastUsedAt: used ? plantedAt(nowMs, spec.lastUsedDaysAgo as number) : null,
    lastUsedService: used ? spec.lastUsedService : null,
    lastUsedRegion: used ? spec.lastUsedRegion : null,
  };
}

export function buildOrganization(
  accounts: readonly AccountSpec[],
  options: {
    readonly now: Date;
    readonly seed: number | string;
    readonly roleName?: string;
    /** @default AUDITOR_ROLE_NAME */
    readonly auditorRoleName?: string;
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
  const org = createOrganization(`o-${awsId(random, '').slice(0, 10).toLowerCase()}`, management.id);
  org.delegatedAdministrators.add(audit.id);
  const auditorArn = roleArn(audit.id, auditorRoleName);

  for (const spec of accounts) {
    const users: UserRecord[] = spec.users.map((u) => {
      const oldest = Math.max(0, ...u.keys.map((k) => k.ageDays));
      const password = u.passwordLastUsedDaysAgo;
      return {
        userName: u.name,
        userId: awsId(random, 'AIDA'),
        createdAt: plantedAt(nowMs, oldest + 3),
        passwordLastUsedAt:
          password === null ? null : password === 'never' ? 'never' : plantedAt(nowMs, password),
        keys: u.keys.map((k) => keyRecord(random, nowMs, k, 'AKIA')),
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
      joinedAt: plantedAt(nowMs, oldestKey + 30),
      joinedMethod: spec.id === management.id ? 'INVITED' : 'CREATED',
      users,
      roles: new Map(),
      rootKeys: spec.rootKeys.map((k) => keyRecord(random, nowMs, k, 'AKIA')),
      rootMfa: spec.rootKeys.length === 0,
      report: null,
    };
    if (spec.auditRole) {
      account.roles.set(roleName, {
        roleName,
        roleId: awsId(random, 'AROA'),
        trustedPrincipals: [auditorArn],
      });
    }
    addAccount(org, account);
  }

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
  };
}
