/**
 * The admin API (`/_emulator/*`, JSON): faults, clock, stats, account state, expectations,
 * changes to an account's keys and credential-report snapshot behind the audit's back, and to
 * the organization's tree (an account's tags and OU).
 * Paths it does not own go to Step Functions (`/_emulator/stepfunctions/…`), CloudFormation
 * (`/_emulator/cloudformation/stacks`), Security Hub
 * (`/_emulator/securityhub/…`) and the messaging module
 * (`/_emulator/{sns,sqs,s3,messaging}/…`).
 */
import type { CallLog, RecordedCall } from './calls';
import type { Clock } from './clock';
import type { Expected } from './expected';
import type { Faults } from './faults';
import type { EmulatorResponse } from './http/types';
import { createRandom, hashString } from './random';
import { adminJson } from './server';
import type { CloudFormation } from './services/cloudformation';
import { noFaults } from './services/messaging/faults';
import type { MessagingServices } from './services/messaging/index';
import type { SecurityHub } from './services/securityhub';
import type { StepFunctions } from './services/stepfunctions';
import {
  createAccessKey,
  createUser,
  deleteAccessKey,
  describeAccessKey,
  KeyChangeError,
  type KeyOwner,
  markAccessKeyUsed,
  type NewUserSpec,
  rotateAccessKey,
  setAccessKeyStatus,
  setUserTags,
  snapshotCredentialReport,
} from './state/key-changes';
import {
  ACCOUNT_STATES,
  type AccountRecord,
  type AccountState,
  type OrganizationRecord,
  parentPath,
} from './state/model';
import { moveAccount, OrgChangeError, placement, setAccountTags } from './state/org-changes';
import { deleteRole, listRoles, putRole } from './state/role-changes';
import type { Stats } from './stats';

export interface AdminDeps {
  readonly org: OrganizationRecord;
  readonly clock: Clock;
  readonly faults: Faults;
  readonly stats: Stats;
  readonly expected: Expected;
  readonly messaging: MessagingServices;
  readonly securityHub: SecurityHub;
  readonly stepFunctions: StepFunctions;
  readonly cloudFormation: CloudFormation;
  readonly calls: CallLog;
  /** A session of an audit-account role (made if missing), as `RunningEmulator.roleCredentials`. */
  readonly roleCredentials: (
    roleName: string,
    sessionName: string,
  ) => { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken: string };
}

const ACCOUNT_STATE_PATH = /^\/_emulator\/accounts\/(\d{12})\/state$/;
const ACCOUNT_TREE_PATH = /^\/_emulator\/accounts\/(\d{12})\/(tags|parent)$/;
const ACCOUNT_PATH =
  /^\/_emulator\/accounts\/(\d{12})\/(credential-report|access-keys|users)(?:\/([A-Z0-9]{16,128}))?$/;
const KEY_ACTION_PATH =
  /^\/_emulator\/accounts\/(\d{12})\/access-keys\/([A-Z0-9]{16,128})\/(rotate|last-used)$/;
const USER_TAGS_PATH = /^\/_emulator\/accounts\/(\d{12})\/users\/([\w+=,.@-]{1,64})\/tags$/;
const ROLES_PATH = /^\/_emulator\/accounts\/(\d{12})\/roles(?:\/([\w+=,.@-]{1,64}))?$/;

function objectBody(body: unknown, route: string): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new Error(`${route}: the body must be a JSON object`);
  }
  return body as Record<string, unknown>;
}

export function createAdminHandler(deps: AdminDeps) {
  const { org, clock, faults, stats, messaging } = deps;
  // Keys created through the admin API: their own seeded stream, so nothing else's ids move.
  const keyIds = createRandom(hashString(`admin-keys:${org.organizationId}`));
  const roleIds = createRandom(hashString(`admin-roles:${org.organizationId}`));

  const keyAnswer = (account: AccountRecord, owner: KeyOwner, extra: Record<string, unknown> = {}) =>
    adminJson(200, {
      accountId: account.id,
      userName: owner.userName,
      accessKeyId: owner.key.accessKeyId,
      status: owner.key.status,
      createdAt: new Date(owner.key.createdAt).toISOString(),
      ...extra,
    });

  /** `/_emulator/accounts/<id>/credential-report` and `/_emulator/accounts/<id>/access-keys[/<key id>]`. */
  const accountRoute = (
    match: RegExpExecArray,
    method: string,
    body: unknown,
  ): EmulatorResponse | undefined => {
    const [, accountId = '', what, keyId] = match;
    const route = `${method} /_emulator/accounts/${accountId}/${what}${keyId === undefined ? '' : '/<key id>'}`;
    const account = org.accounts.get(accountId);
    if (account === undefined) return adminJson(404, { error: `no account ${accountId}` });
    try {
      if (what === 'credential-report' && keyId === undefined && method === 'POST') {
        const report = snapshotCredentialReport(account, clock.nowMs());
        return adminJson(200, { accountId, generatedAt: new Date(report.generatedAt).toISOString() });
      }
      if (what === 'users' && keyId === undefined && method === 'POST') {
        const input = objectBody(body, route);
        const keys = createUser(org, account, input as unknown as NewUserSpec, clock.nowMs(), keyIds);
        return adminJson(200, {
          accountId,
          userName: input['userName'],
          accessKeyIds: keys.map((k) => k.accessKeyId),
        });
      }
      if (what !== 'access-keys') return undefined;
      if (keyId === undefined && method === 'POST') {
        const userName = objectBody(body, route)['userName'];
        if (typeof userName !== 'string') throw new Error(`${route}: give {"userName": "alice"}`);
        const key = createAccessKey(org, account, userName, clock.nowMs(), keyIds);
        return keyAnswer(account, { userName, key, keys: [] }, { secretAccessKey: key.secretAccessKey });
      }
      if (keyId !== undefined && method === 'POST') {
        const status = objectBody(body, route)['status'];
        if (status !== 'Active' && status !== 'Inactive') {
          throw new Error(`${route}: give {"status": "Inactive"} or {"status": "Active"}`);
        }
        return keyAnswer(account, setAccessKeyStatus(account, keyId, status));
      }
      if (keyId !== undefined && method === 'DELETE') {
        return keyAnswer(account, deleteAccessKey(org, account, keyId), { deleted: true });
      }
      if (keyId !== undefined && method === 'GET') {
        return adminJson(200, { accountId, ...describeAccessKey(account, keyId) });
      }
      return undefined;
    } catch (error) {
      if (error instanceof KeyChangeError) return adminJson(error.status, { error: error.message });
      throw error;
    }
  };

  /**
   * Between a deactivation request's proposal and its approval (docs/remediation.md):
   * `POST …/access-keys/<key id>/rotate`, `POST …/access-keys/<key id>/last-used` and
   * `POST …/users/<name>/tags`; and the roles: `GET …/roles`, `POST`/`DELETE …/roles/<name>`.
   */
  const changeRoute = (path: string, method: string, body: unknown): EmulatorResponse | undefined => {
    const keyAction = KEY_ACTION_PATH.exec(path);
    const userTags = USER_TAGS_PATH.exec(path);
    const roles = ROLES_PATH.exec(path);
    const accountId = (keyAction ?? userTags ?? roles)?.[1];
    if (accountId === undefined) return undefined;
    const account = org.accounts.get(accountId);
    if (account === undefined) return adminJson(404, { error: `no account ${accountId}` });
    const route = `${method} ${path}`;
    try {
      if (keyAction !== null && method === 'POST') {
        const keyId = keyAction[2] ?? '';
        if (keyAction[3] === 'rotate') {
          const rotated = rotateAccessKey(org, account, keyId, clock.nowMs(), keyIds);
          return keyAnswer(
            account,
            { userName: rotated.userName, key: rotated.key, keys: [] },
            { secretAccessKey: rotated.key.secretAccessKey, replaced: rotated.replaced },
          );
        }
        const input = body === undefined || body === null ? {} : objectBody(body, route);
        const at = input['at'] === undefined ? clock.nowMs() : Date.parse(String(input['at']));
        const service = input['service'] ?? 's3';
        const region = input['region'] ?? 'us-east-1';
        if (Number.isNaN(at) || typeof service !== 'string' || typeof region !== 'string') {
          throw new Error(
            `${route}: give {} (used now), or {"at": "<ISO-8601>", "service": "s3", "region": "us-east-1"}`,
          );
        }
        markAccessKeyUsed(account, keyId, at, service, region);
        return adminJson(200, { accountId, ...describeAccessKey(account, keyId) });
      }
      if (userTags !== null && method === 'POST') {
        const tags = objectBody(body, route)['tags'];
        const valid =
          tags !== null &&
          typeof tags === 'object' &&
          !Array.isArray(tags) &&
          Object.values(tags).every((v) => typeof v === 'string' || v === null);
        if (!valid) {
          throw new Error(
            `${route}: give {"tags": {"org-key-audit:exempt": "CHG-1234 vendor migration until=2027-01-31", "old": null}}`,
          );
        }
        const userName = userTags[2] ?? '';
        const after = setUserTags(account, userName, tags as Record<string, string | null>);
        return adminJson(200, { accountId, userName, tags: after });
      }
      if (roles !== null) {
        const roleName = roles[2];
        if (roleName === undefined && method === 'GET')
          return adminJson(200, { accountId, roles: listRoles(account) });
        if (roleName !== undefined && method === 'POST') {
          const trusted = objectBody(body, route)['trustedPrincipals'];
          if (!Array.isArray(trusted) || !trusted.every((p) => typeof p === 'string')) {
            throw new Error(`${route}: give {"trustedPrincipals": ["arn:aws:iam::<account>:role/<name>"]}`);
          }
          return adminJson(200, { accountId, ...putRole(account, roleName, trusted as string[], roleIds) });
        }
        if (roleName !== undefined && method === 'DELETE') {
          return adminJson(200, { accountId, ...deleteRole(account, roleName), deleted: true });
        }
      }
      return undefined;
    } catch (error) {
      if (error instanceof KeyChangeError) return adminJson(error.status, { error: error.message });
      throw error;
    }
  };

  /** `POST /_emulator/accounts/<id>/tags` and `POST /_emulator/accounts/<id>/parent`. */
  const treeRoute = (match: RegExpExecArray, body: unknown): EmulatorResponse => {
    const [, accountId = '', what] = match;
    const route = `POST /_emulator/accounts/${accountId}/${what}`;
    const account = org.accounts.get(accountId);
    if (account === undefined) return adminJson(404, { error: `no account ${accountId}` });
    const input = objectBody(body, route);
    try {
      if (what === 'tags') {
        const tags = input['tags'];
        const valid =
          tags !== null &&
          typeof tags === 'object' &&
          !Array.isArray(tags) &&
          Object.values(tags).every((v) => typeof v === 'string' || v === null);
        if (!valid || (input['replace'] !== undefined && typeof input['replace'] !== 'boolean')) {
          throw new OrgChangeError(
            `${route}: give {"tags": {"owner": "payments@example.com", "old-key": null}} and optionally "replace": true`,
            400,
          );
        }
        setAccountTags(account, tags as Record<string, string | null>, input['replace'] === true);
      } else {
        const { parentId, ou } = input;
        if ((typeof parentId !== 'string') === (typeof ou !== 'string')) {
          throw new OrgChangeError(
            `${route}: give {"parentId": "ou-ab12-cd34ef56"} (or the root's r-… id) or {"ou": "Workloads/Prod"} ("" is the root)`,
            400,
          );
        }
        moveAccount(org, account, typeof parentId === 'string' ? { parentId } : { path: ou as string });
      }
      return adminJson(200, placement(org, account));
    } catch (error) {
      if (error instanceof OrgChangeError) return adminJson(error.status, { error: error.message });
      throw error;
    }
  };

  const tree = () =>
    adminJson(200, {
      root: { id: org.root.id, name: org.root.name, tags: Object.fromEntries(org.root.tags) },
      organizationalUnits: [...org.organizationalUnits.values()].map((ou) => ({
        id: ou.id,
        name: ou.name,
        parentId: ou.parentId,
        path: parentPath(org, ou.id),
        tags: Object.fromEntries(ou.tags),
      })),
      accounts: [...org.accounts.values()].map((account) => ({
        name: account.name,
        ...placement(org, account),
      })),
    });

  const applyFaults = (body: unknown): EmulatorResponse => {
    const others = faults.merge(objectBody(body, 'POST /_emulator/faults'));
    if (Object.keys(others).length > 0) {
      const answer = messaging.admin('/_emulator/messaging/faults', 'POST', others);
      if (answer !== undefined && answer.status >= 400) return answer;
    }
    return adminJson(200, { ...faults.config, messaging: messaging.faults });
  };

  return (pathWithQuery: string, method: string, body: unknown): EmulatorResponse | undefined => {
    const url = new URL(pathWithQuery, 'http://emulator.invalid');
    const path = url.pathname;
    const route = `${method.toUpperCase()} ${path}`;
    switch (route) {
      case 'GET /_emulator/health':
        return adminJson(200, { ok: true, accounts: org.accounts.size });
      case 'GET /_emulator/faults':
        return adminJson(200, { ...faults.config, messaging: messaging.faults });
      case 'POST /_emulator/faults':
        return applyFaults(body);
      case 'DELETE /_emulator/faults':
        faults.clear();
        Object.assign(messaging.faults, noFaults());
        return adminJson(200, { ...faults.config, messaging: messaging.faults });
      case 'GET /_emulator/clock':
        return adminJson(200, { now: clock.now().toISOString() });
      case 'POST /_emulator/clock': {
        const input = objectBody(body, route);
        if (typeof input['now'] === 'string') {
          const date = new Date(input['now']);
          if (Number.isNaN(date.getTime()))
            throw new Error(`${route}: now must be an ISO-8601 date, got ${input['now']}`);
          clock.set(date);
        } else if (typeof input['advanceMs'] === 'number') {
          clock.advance(input['advanceMs']);
        } else {
          throw new Error(`${route}: give {"now": "2025-01-01T00:00:00Z"} or {"advanceMs": 3600000}`);
        }
        return adminJson(200, { now: clock.now().toISOString() });
      }
      case 'GET /_emulator/stats':
        return adminJson(200, stats.snapshot());
      case 'POST /_emulator/stats/reset':
        stats.reset();
        return adminJson(200, stats.snapshot());
      case 'GET /_emulator/organization':
        return tree();
      case 'GET /_emulator/expected':
        return adminJson(200, deps.expected);
      case 'GET /_emulator/calls':
        return adminJson(200, { recording: deps.calls.enabled, calls: filterCalls(deps.calls.all(), url) });
      case 'DELETE /_emulator/calls':
        return adminJson(200, { cleared: deps.calls.clear() });
      case 'POST /_emulator/role-credentials': {
        // Credentials of a role in the audit account, so a caller can act as one deployed role.
        const input = objectBody(body, route);
        const { roleName, sessionName } = input;
        if (typeof roleName !== 'string' || typeof sessionName !== 'string') {
          throw new Error(
            `${route}: give {"roleName": "org-key-audit-build-digest", "sessionName": "org-key-audit-build-digest"}`,
          );
        }
        return adminJson(200, deps.roleCredentials(roleName, sessionName));
      }
    }
    const stateMatch = ACCOUNT_STATE_PATH.exec(path);
    if (stateMatch !== null && method.toUpperCase() === 'POST') {
      const account = org.accounts.get(stateMatch[1] ?? '');
      if (account === undefined) return adminJson(404, { error: `no account ${stateMatch[1]}` });
      const state = objectBody(body, route)['state'];
      if (typeof state !== 'string' || !ACCOUNT_STATES.includes(state as AccountState)) {
        throw new Error(`${route}: state must be one of ${ACCOUNT_STATES.join(', ')}`);
      }
      account.state = state as AccountState;
      return adminJson(200, { accountId: account.id, state: account.state });
    }
    const treeMatch = ACCOUNT_TREE_PATH.exec(path);
    if (treeMatch !== null && method.toUpperCase() === 'POST') return treeRoute(treeMatch, body);
    const changed = changeRoute(path, method.toUpperCase(), body);
    if (changed !== undefined) return changed;
    const accountMatch = ACCOUNT_PATH.exec(path);
    if (accountMatch !== null) {
      const answer = accountRoute(accountMatch, method.toUpperCase(), body);
      if (answer !== undefined) return answer;
    }
    if (path.startsWith('/_emulator/stepfunctions/')) {
      const answer = deps.stepFunctions.admin(pathWithQuery, method, body);
      if (answer !== undefined) return answer;
    }
    if (path.startsWith('/_emulator/cloudformation/')) {
      const answer = deps.cloudFormation.admin(pathWithQuery, method, body);
      if (answer !== undefined) return answer;
    }
    if (path.startsWith('/_emulator/securityhub/')) {
      const answer = deps.securityHub.admin(pathWithQuery, method, body);
      if (answer !== undefined) return answer;
    }
    return messaging.admin(pathWithQuery, method, body);
  };
}

/** `?service=sqs&action=sqs:SendMessage&outcome=denied&caller=<arn>`: every given field must match. */
function filterCalls(calls: readonly RecordedCall[], url: URL): readonly RecordedCall[] {
  const filters: [keyof RecordedCall, string][] = [];
  for (const [param, field] of [
    ['service', 'service'],
    ['action', 'action'],
    ['outcome', 'outcome'],
    ['caller', 'callerArn'],
    ['account', 'callerAccountId'],
  ] as const) {
    const value = url.searchParams.get(param);
    if (value !== null) filters.push([field, value]);
  }
  if (filters.length === 0) return calls;
  return calls.filter((call) => filters.every(([field, value]) => call[field] === value));
}
