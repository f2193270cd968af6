/**
 * The baseline the product is measured against: the seed article's approach. ListUsers, then
 * ListAccessKeys for each user, then GetAccessKeyLastUsed for each key, one call at a time, with
 * nothing but the SDK's own retries (plus a patient wait when those give up on throttling, so the
 * baseline finishes instead of failing, which flatters it rather than the product).
 */
import {
  GetAccessKeyLastUsedCommand,
  type IAMClient,
  ListAccessKeysCommand,
  ListUsersCommand,
} from '@aws-sdk/client-iam';

export interface NaiveKey {
  readonly userName: string;
  readonly accessKeyId: string;
  readonly status: string;
  readonly createdAt: Date | null;
  readonly lastUsedAt: Date | null;
}

export interface NaiveResult {
  readonly users: number;
  readonly keys: readonly NaiveKey[];
  /** SDK calls made by action (`iam:ListUsers` ...); each may hide SDK retries. */
  readonly calls: Readonly<Record<string, number>>;
}

export interface NaiveOptions {
  /** Waits after the SDK gave up on a throttled call. @default 1000 */
  readonly throttledWaitMs?: number;
  /** Gives up after this many SDK-level failures of one call. @default 20 */
  readonly maxWaits?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

function isThrottling(error: unknown): boolean {
  const { name, Code } = (error ?? {}) as { name?: unknown; Code?: unknown };
  return name === 'Throttling' || Code === 'Throttling' || name === 'ThrottlingException';
}

/** Collects every user's keys and their last use the naive way. */
export async function collectNaive(iam: IAMClient, options: NaiveOptions = {}): Promise<NaiveResult> {
  const wait = options.throttledWaitMs ?? 1000;
  const maxWaits = options.maxWaits ?? 20;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const calls: Record<string, number> = {};
  const send = async <T>(action: string, call: () => Promise<T>): Promise<T> => {
    for (let waits = 0; ; waits++) {
      calls[action] = (calls[action] ?? 0) + 1;
      try {
        return await call();
      } catch (error) {
        if (!isThrottling(error) || waits >= maxWaits) throw error;
        await sleep(wait);
      }
    }
  };

  const userNames: string[] = [];
  let marker: string | undefined;
  do {
    // The article's loop: the default page size (100), following Marker.
    const page = await send('iam:ListUsers', () => iam.send(new ListUsersCommand({ Marker: marker })));
    for (const user of page.Users ?? []) if (user.UserName) userNames.push(user.UserName);
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker !== undefined);

  const keys: NaiveKey[] = [];
  for (const userName of userNames) {
    const listed = await send('iam:ListAccessKeys', () =>
      iam.send(new ListAccessKeysCommand({ UserName: userName })),
    );
    for (const key of listed.AccessKeyMetadata ?? []) {
      if (!key.AccessKeyId) continue;
      const accessKeyId = key.AccessKeyId;
      const used = await send('iam:GetAccessKeyLastUsed', () =>
        iam.send(new GetAccessKeyLastUsedCommand({ AccessKeyId: accessKeyId })),
      );
      keys.push({
        userName,
        accessKeyId,
        status: key.Status ?? 'Unknown',
        createdAt: key.CreateDate ?? null,
        lastUsedAt: used.AccessKeyLastUsed?.LastUsedDate ?? null,
      });
    }
  }
  return { users: userNames.length, keys, calls };
}
