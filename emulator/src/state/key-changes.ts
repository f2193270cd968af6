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
