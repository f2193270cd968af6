/**
 * Changes to an account's keys made from outside the audit, for the admin API: what a user does
 * in IAM's console between two runs (creates, deactivates, deletes a key), and IAM taking its
 * credential-report snapshot at a given moment, so a test can change keys after the snapshot
 * (the report is up to four hours old; README.md, "Collecting one account" in
 * docs/architecture.md).
 */
import { awsId, type Random, secretKey } from '../random';
import { renderCredentialReport } from './credential-report';
import {
  type AccountRecord,
  findUser,
  type KeyRecord,
  type OrganizationRecord,
  type ReportGeneration,
  registerUserKey,
} from './model';

/** How the credential report names the root user. */
const ROOT_USER_NAME = '<root_account>';

/** IAM allows two access keys per user (and per root user). */
export const MAX_KEYS_PER_USER = 2;

export class KeyChangeError extends Error {
  override readonly name = 'KeyChangeError';
  constructor(
    message: string,
    /** The HTTP status the admin API answers with. */
    readonly status: 404 | 409,
  ) {
    super(message);
  }
}

/**
 * The account's credential report as of `nowMs`, complete at once: the snapshot that
 * GenerateCredentialReport reuses, and GetCredentialReport serves, until it is four hours old.
 */
export function snapshotCredentialReport(account: AccountRecord, nowMs: number): ReportGeneration {
  const report: ReportGeneration = {
    generatedAt: nowMs,
    readyAtRealMs: 0,
    csv: renderCredentialReport(account),
  };
  account.report = report;
  return report;
}

/** Who holds a key: a user's name, or `<root_account>`. */
export interface KeyOwner {
  readonly userName: string;
  readonly key: KeyRecord;
  readonly keys: KeyRecord[];
}

export function findAccessKey(account: AccountRecord, accessKeyId: string): KeyOwner {
  const root = account.rootKeys.find((k) => k.accessKeyId === accessKeyId);
  if (root !== undefined) return { userName: ROOT_USER_NAME, key: root, keys: account.rootKeys };
  for (const user of account.users) {
    const key = user.keys.find((k) => k.accessKeyId === accessKeyId);
    if (key !== undefined) return { userName: user.userName, key, keys: user.keys };
  }
  throw new KeyChangeError(`account ${account.id} has no access key ${accessKeyId}`, 404);
}

/** A new, active, never-used key of `userName`, created at `nowMs` (to the second, as IAM dates it). */
export function createAccessKey(
  org: OrganizationRecord,
  account: AccountRecord,
  userName: string,
  nowMs: number,
  random: Random,
): KeyRecord {
  const user = findUser(account, userName);
  if (user === undefined) throw new KeyChangeError(`account ${account.id} has no user ${userName}`, 404);
  if (user.keys.length >= MAX_KEYS_PER_USER) {
    throw new KeyChangeError(
      `${userName} already has ${MAX_KEYS_PER_USER} access keys (IAM's quota): delete one first`,
      409,
    );
  }
  let accessKeyId = awsId(random, 'AKIA');
  while (org.credentials.has(accessKeyId)) accessKeyId = awsId(random, 'AKIA');
  const key: KeyRecord = {
    accessKeyId,
    secretAccessKey: secretKey(random),
    status: 'Active',
    createdAt: Math.floor(nowMs / 1000) * 1000,
    lastUsedAt: null,
    lastUsedService: null,
    lastUsedRegion: null,
  };
  user.keys.push(key);
  registerUserKey(org, account.id, user.userName, key);
  return key;
}

export function setAccessKeyStatus(
  account: AccountRecord,
  accessKeyId: string,
  status: KeyRecord['status'],
): KeyOwner {
  const owner = findAccessKey(account, accessKeyId);
  owner.key.status = status;
  return owner;
}

/** Deletes a user's or the root user's key; its credentials stop working. */
export function deleteAccessKey(
  org: OrganizationRecord,
  account: AccountRecord,
  accessKeyId: string,
): KeyOwner {
  const owner = findAccessKey(account, accessKeyId);
  owner.keys.splice(owner.keys.indexOf(owner.key), 1);
  org.credentials.delete(accessKeyId);
  return owner;
}

const DAY_MS = 86_400_000;

export interface NewUserSpec {
  readonly userName: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** Each key `ageDays` old at this moment; never used unless `lastUsedDaysAgo` says when. */
  readonly keys: readonly { readonly ageDays: number; readonly lastUsedDaysAgo?: number | null }[];
}

/**
 * A user that appears between two audits with keys already old: what an account that was
 * moved into the organization, or a user created from an old template, looks like to the audit.
 */
export function createUser(
  org: OrganizationRecord,
  account: AccountRecord,
  spec: NewUserSpec,
  nowMs: number,
  random: Random,
): KeyRecord[] {
  if (!/^[\w+=,.@-]{1,64}$/.test(spec.userName)) {
    throw new KeyChangeError(`${spec.userName} is not an IAM user name (1-64 of [A-Za-z0-9+=,.@_-])`, 409);
  }
  if (findUser(account, spec.userName) !== undefined) {
    throw new KeyChangeError(`account ${account.id} already has a user ${spec.userName}`, 409);
  }
  if (spec.keys.length > MAX_KEYS_PER_USER) {
    throw new KeyChangeError(`IAM allows at most ${MAX_KEYS_PER_USER} access keys per user`, 409);
  }
  const second = (ms: number) => Math.floor(ms / 1000) * 1000;
  const keys = spec.keys.map((k): KeyRecord => {
    if (!Number.isInteger(k.ageDays) || k.ageDays < 0) {
      throw new KeyChangeError(`keys[].ageDays must be a whole number of days, got ${k.ageDays}`, 409);
    }
    const used = k.lastUsedDaysAgo ?? null;
    if (used !== null && (!Number.isInteger(used) || used < 0 || used > k.ageDays)) {
      throw new KeyChangeError(`keys[].lastUsedDaysAgo must be 0..ageDays, got ${used}`, 409);
    }
    let accessKeyId = awsId(random, 'AKIA');
    while (org.credentials.has(accessKeyId)) accessKeyId = awsId(random, 'AKIA');
    return {
      accessKeyId,
      secretAccessKey: secretKey(random),
      status: 'Active',
      createdAt: second(nowMs - k.ageDays * DAY_MS),
      lastUsedAt: used === null ? null : second(nowMs - used * DAY_MS),
      lastUsedService: used === null ? null : 's3',
      lastUsedRegion: used === null ? null : 'us-east-1',
    };
  });
  const oldest = Math.max(0, ...spec.keys.map((k) => k.ageDays));
  account.users.push({
    userName: spec.userName,
    userId: awsId(random, 'AIDA'),
    createdAt: second(nowMs - oldest * DAY_MS),
    passwordLastUsedAt: null,
    keys,
    tags: Object.entries(spec.tags ?? {}).map(([Key, Value]) => ({ Key, Value })),
  });
  for (const key of keys) registerUserKey(org, account.id, spec.userName, key);
  return keys;
}

/** A key as IAM holds it now, with its last use (what GetAccessKeyLastUsed would answer). */
export interface KeyState {
  readonly userName: string;
  readonly accessKeyId: string;
  readonly status: KeyRecord['status'];
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly lastUsedService: string | null;
  readonly lastUsedRegion: string | null;
}

export function describeAccessKey(account: AccountRecord, accessKeyId: string): KeyState {
  const { userName, key } = findAccessKey(account, accessKeyId);
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    userName,
    accessKeyId: key.accessKeyId,
    status: key.status,
    createdAt: new Date(key.createdAt).toISOString(),
    lastUsedAt: iso(key.lastUsedAt),
    lastUsedService: key.lastUsedAt === null ? null : key.lastUsedService,
    lastUsedRegion: key.lastUsedAt === null ? null : key.lastUsedRegion,
  };
}

/**
 * What a user does to rotate a key: a new active key of the same user, created at `nowMs`, and
 * the old one deleted (its id is gone, as after DeleteAccessKey). The old one goes first, so a
 * user already at IAM's two keys can rotate too; a root key is not rotated here.
 */
export function rotateAccessKey(
  org: OrganizationRecord,
  account: AccountRecord,
  accessKeyId: string,
  nowMs: number,
  random: Random,
): { readonly userName: string; readonly key: KeyRecord; readonly replaced: string } {
  const owner = findAccessKey(account, accessKeyId);
  if (owner.userName === ROOT_USER_NAME) {
    throw new KeyChangeError(`${accessKeyId} is a root key: delete it and create a user's key instead`, 409);
  }
  deleteAccessKey(org, account, accessKeyId);
  const key = createAccessKey(org, account, owner.userName, nowMs, random);
  return { userName: owner.userName, key, replaced: accessKeyId };
}

/** A use of the key at `atMs` (by the service and region given): what its next API call records. */
export function markAccessKeyUsed(
  account: AccountRecord,
  accessKeyId: string,
  atMs: number,
  service: string,
  region: string,
): KeyOwner {
  const owner = findAccessKey(account, accessKeyId);
  if (atMs < owner.key.createdAt) {
    throw new KeyChangeError(`${accessKeyId} cannot be used before it was created`, 409);
  }
  owner.key.lastUsedAt = Math.floor(atMs / 1000) * 1000;
  owner.key.lastUsedService = service;
  owner.key.lastUsedRegion = region;
  return owner;
}

/** IAM's limits on a user's tags: keys of 1-128 characters, values of 0-256, at most 50. */
const MAX_USER_TAGS = 50;

/**
 * TagUser / UntagUser: a string sets a tag (e.g. the exemption tag `org-key-audit:exempt`), null
 * removes it. Answers the user's tags after the change.
 */
export function setUserTags(
  account: AccountRecord,
  userName: string,
  changes: Readonly<Record<string, string | null>>,
): Readonly<Record<string, string>> {
  const user = findUser(account, userName);
  if (user === undefined) throw new KeyChangeError(`account ${account.id} has no user ${userName}`, 404);
  const tags = new Map(user.tags.map((t) => [t.Key, t.Value]));
  for (const [key, value] of Object.entries(changes)) {
    if (key.length < 1 || key.length > 128 || key.toLowerCase().startsWith('aws:')) {
      throw new KeyChangeError(`tag key "${key}" is not one IAM accepts (1-128 characters, not aws:…)`, 409);
    }
    if (value === null) tags.delete(key);
    else if (value.length > 256)
      throw new KeyChangeError(`tag ${key}: values are at most 256 characters`, 409);
    else tags.set(key, value);
  }
  if (tags.size > MAX_USER_TAGS)
    throw new KeyChangeError(`IAM allows at most ${MAX_USER_TAGS} tags per user`, 409);
  user.tags.splice(0, user.tags.length, ...[...tags].map(([Key, Value]) => ({ Key, Value })));
  return Object.fromEntries(tags);
}
