/**
 * The fallback strategy, for accounts whose credential report cannot be had: ListUsers, then
 * ListAccessKeys per user and GetAccessKeyLastUsed per key. About 1 + N/1000 + 2N calls for
 * N users, so it runs with a concurrency limit and throttling backoff (ThrottledCaller).
 */
import {
  type AccessKeyMetadata,
  GetAccessKeyLastUsedCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListUsersCommand,
  type User,
} from '@aws-sdk/client-iam';
import { boundedMap } from '../core/concurrency';
import { MalformedDataError } from '../core/errors';
import type { AccessKeyState, PrincipalCredentials } from '../core/model';
import { hasErrorName, type ThrottledCaller } from './api-calls';

export const LIST_USERS_PAGE_SIZE = 1000;
export const DEFAULT_PER_USER_CONCURRENCY = 4;

export interface PerUserOptions {
  readonly iam: IAMClient;
  readonly caller: ThrottledCaller;
  /** @default DEFAULT_PER_USER_CONCURRENCY */
  readonly concurrency?: number;
}

/** Every IAM user of the account with its keys (ids included) and their last use. */
export async function collectPrincipalsPerUser(options: PerUserOptions): Promise<PrincipalCredentials[]> {
  const users = await listAllUsers(options);
  const principals = await boundedMap(users, options.concurrency ?? DEFAULT_PER_USER_CONCURRENCY, (user) =>
    collectUser(options, user),
  );
  return principals.filter((p): p is PrincipalCredentials => p !== null);
}

export async function listAllUsers({ iam, caller }: PerUserOptions): Promise<User[]> {
  const users: User[] = [];
  let marker: string | undefined;
  do {
    const page = await caller.send('iam:ListUsers', () =>
      iam.send(new ListUsersCommand({ MaxItems: LIST_USERS_PAGE_SIZE, Marker: marker })),
    );
    users.push(...(page.Users ?? []));
    // Follow IsTruncated, not the page size: IAM may return fewer items than asked and more later.
    marker = page.IsTruncated ? page.Marker : undefined;
    if (page.IsTruncated && !page.Marker) {
      throw new MalformedDataError('iam:ListUsers said IsTruncated but gave no Marker', {
        api: 'iam:ListUsers',
      });
    }
  } while (marker !== undefined);
  return users;
}

/** The user's access keys (at most 2, but paginated as the API allows); null if the user is gone. */
export async function listUserAccessKeys(
  { iam, caller }: Pick<PerUserOptions, 'iam' | 'caller'>,
  userName: string,
): Promise<AccessKeyMetadata[] | null> {
  const keys: AccessKeyMetadata[] = [];
  let marker: string | undefined;
  try {
    do {
      const page = await caller.send('iam:ListAccessKeys', () =>
        iam.send(new ListAccessKeysCommand({ UserName: userName, Marker: marker })),
      );
      keys.push(...(page.AccessKeyMetadata ?? []));
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker !== undefined);
  } catch (error) {
    // Deleted since it was listed (or since the report): nothing of it is left to audit.
    if (hasErrorName(error, ['NoSuchEntity', 'NoSuchEntityException'])) return null;
    throw error;
  }
  return keys;
}

async function collectUser(options: PerUserOptions, user: User): Promise<PrincipalCredentials | null> {
  const userName = user.UserName;
  if (!userName)
    throw new MalformedDataError('iam:ListUsers returned a user without UserName', { api: 'iam:ListUsers' });
  const listed = await listUserAccessKeys(options, userName);
  if (listed === null) return null;
  // Slots follow creation order, as the credential report's access_key_1/2 columns do.
  const ordered = listed
    .filter((k) => k.AccessKeyId && k.CreateDate)
    .sort((a, b) => (a.CreateDate as Date).getTime() - (b.CreateDate as Date).getTime());
  const keys: AccessKeyState[] = [];
  for (const [i, key] of ordered.entries()) {
    const state = await keyState(options, key, i === 0 ? 1 : 2);
    if (state !== null) keys.push(state);
  }
  return { userName, userArn: user.Arn ?? '', isRoot: false, keys };
}

async function keyState(
  { iam, caller }: PerUserOptions,
  key: AccessKeyMetadata,
  slot: 1 | 2,
): Promise<AccessKeyState | null> {
  const accessKeyId = key.AccessKeyId as string;
  let lastUsed: { LastUsedDate?: Date; ServiceName?: string; Region?: string } | undefined;
  try {
    const out = await caller.send('iam:GetAccessKeyLastUsed', () =>
      iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId })),
    );
    lastUsed = out.AccessKeyLastUsed;
  } catch (error) {
    if (hasErrorName(error, ['NoSuchEntity', 'NoSuchEntityException'])) return null;
    throw error;
  }
  return {
    slot,
    accessKeyId,
    status: key.Status === 'Active' ? 'Active' : 'Inactive',
    createdAt: key.CreateDate as Date,
    lastUsedAt: lastUsed?.LastUsedDate ?? null,
    lastUsedService: meaningful(lastUsed?.ServiceName),
    lastUsedRegion: meaningful(lastUsed?.Region),
  };
}

/** IAM says "N/A" for a key never used; the model says null. */
function meaningful(value: string | undefined): string | null {
  return value === undefined || value === '' || value.toUpperCase() === 'N/A' ? null : value;
}
