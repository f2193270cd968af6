/**
 * `keyaudit rotate`: the seed article's rotation script, done safely for the caller's own IAM
 * user. The order guarantees the credentials file always holds a key that works:
 *   1. refuse at two keys (IAM's limit), naming the one to delete;
 *   2. create the new key (failure: nothing changed);
 *   3. write it to the profile atomically;
 *   4. prove it works (GetCallerIdentity with backoff; IAM keys take seconds to propagate);
 *      if it never does, put the old key back and delete the new one;
 *   5. deactivate, then delete, the old key using the new one (`--keep-old` stops after deactivating).
 * Each failure says exactly what state each key is in and what to run next.
 */
import {
  CreateAccessKeyCommand,
  DeleteAccessKeyCommand,
  type IAMClient,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { withRetry } from '@org-key-audit/functions/aws';
import type { Sleep } from './context';
import { readCredentialsFile, readProfile, setProfileValues, writeFileAtomic } from './credentials-file';
import { errorMessage, OperationError } from './errors';

export interface StaticCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface RotateDeps {
  /** IAM and STS clients that sign with exactly these credentials. */
  readonly clientsFor: (credentials: StaticCredentials) => {
    readonly iam: IAMClient;
    readonly sts: STSClient;
  };
  readonly sleep: Sleep;
  readonly onProgress?: (text: string) => void;
}

export interface RotateOptions {
  readonly credentialsPath: string;
  readonly profile: string;
  readonly keepOld: boolean;
  /** Verification budget. @default 8 attempts, 1 s base, 10 s cap (about 40 s at most). */
  readonly verify?: {
    readonly maxAttempts: number;
    readonly baseDelayMs: number;
    readonly maxDelayMs: number;
  };
}

export type OldKeyState = 'deleted' | 'inactive' | 'active';

export interface RotateResult {
  readonly userArn: string;
  readonly userName: string;
  readonly profile: string;
  readonly credentialsPath: string;
  readonly oldAccessKeyId: string;
  readonly oldKeyState: OldKeyState;
  readonly newAccessKeyId: string;
  /** Shown only with --show-secret. */
  readonly newSecretAccessKey: string;
  readonly verifyAttempts: number;
}

const DEFAULT_VERIFY = { maxAttempts: 8, baseDelayMs: 1000, maxDelayMs: 10_000 } as const;

function deleteCommand(id: string, userName: string): string {
  return `aws iam delete-access-key --user-name ${userName} --access-key-id ${id}`;
}

export async function rotateAccessKey(deps: RotateDeps, options: RotateOptions): Promise<RotateResult> {
  const progress = deps.onProgress ?? (() => undefined);
  const { credentialsPath: path, profile } = options;
  const original = await readCredentialsFile(path);
  const settings = readProfile(original, profile);
  const oldId = settings?.['aws_access_key_id'];
  const oldSecret = settings?.['aws_secret_access_key'];
  if (
    settings === null ||
    oldId === undefined ||
    oldSecret === undefined ||
    oldId === '' ||
    oldSecret === ''
  ) {
    throw new OperationError(
      `The profile [${profile}] in ${path} has no aws_access_key_id and aws_secret_access_key.`,
      {
        fix: 'Pass --profile with a profile that holds an IAM user access key (aws configure list-profiles).',
      },
    );
  }
  if (settings['aws_session_token'] !== undefined) {
    throw new OperationError(
      `The profile [${profile}] holds temporary credentials (aws_session_token), not a user's key.`,
      {
        fix: 'Rotate only long-term IAM user keys; temporary credentials expire on their own.',
      },
    );
  }
  const old: StaticCredentials = { accessKeyId: oldId, secretAccessKey: oldSecret };
  const oldClients = deps.clientsFor(old);

  const identity = await oldClients.sts.send(new GetCallerIdentityCommand({})).catch((error: unknown) => {
    throw new OperationError(
      `The key ${oldId} in profile [${profile}] does not work (${errorMessage(error)}).`,
      {
        fix:
          'Nothing was changed. Fix the profile first (aws sts get-caller-identity --profile ' +
          profile +
          ').',
        cause: error,
      },
    );
  });
  const userArn = identity.Arn ?? '';
  const userMatch = /^arn:aws[\w-]*:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/.exec(userArn);
  if (userMatch === null) {
    throw new OperationError(
      `The profile [${profile}] belongs to ${userArn || 'an unknown principal'}, not an IAM user.`,
      {
        fix: 'keyaudit rotate rotates IAM user keys only; root keys should be deleted, not rotated.',
      },
    );
  }
  const userName = userMatch[1] ?? '';

  const listed = await oldClients.iam.send(new ListAccessKeysCommand({}));
  const keys = listed.AccessKeyMetadata ?? [];
  if (keys.length >= 2) {
    const other = keys.find((k) => k.AccessKeyId !== oldId);
    const otherText =
      other === undefined
        ? 'another key'
        : `${other.AccessKeyId} (${other.Status}, created ${other.CreateDate?.toISOString().slice(0, 10) ?? '?'})`;
    throw new OperationError(
      `${userName} already has two access keys, IAM's limit, so a new one cannot be created: ${oldId} (in profile [${profile}]) and ${otherText}.`,
      {
        fix: `Delete the one not in use first${other?.Status === 'Active' ? ' (it is Active: check nothing still uses it)' : ''}: ${deleteCommand(other?.AccessKeyId ?? 'KEY_ID', userName)}`,
      },
    );
  }

  progress(`creating a new access key for ${userName}`);
  let created: StaticCredentials;
  try {
    const result = await oldClients.iam.send(new CreateAccessKeyCommand({}));
    const key = result.AccessKey;
    if (key?.AccessKeyId === undefined || key.SecretAccessKey === undefined)
      throw new Error('IAM returned no key');
    created = { accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey };
  } catch (error) {
    throw new OperationError(
      `Creating a new access key failed (${errorMessage(error)}). Nothing changed: profile [${profile}] still holds ${oldId}, which is Active.`,
      {
        fix: 'Fix the cause (iam:CreateAccessKey on your own user) and run keyaudit rotate again.',
        cause: error,
      },
    );
  }
  const newId = created.accessKeyId;

  /** Undo after a failure: remove the new key so the user is not left at IAM's two-key limit. */
  const discardNew = async (): Promise<string> => {
    try {
      await oldClients.iam.send(new DeleteAccessKeyCommand({ AccessKeyId: newId }));
      return `the new key ${newId} was deleted`;
    } catch (error) {
      return `the new key ${newId} still exists (Active, unused; delete it: ${deleteCommand(newId, userName)}; ${errorMessage(error)})`;
    }
  };

  try {
    await writeFileAtomic(
      path,
      setProfileValues(original, profile, {
        aws_access_key_id: created.accessKeyId,
        aws_secret_access_key: created.secretAccessKey,
      }),
    );
  } catch (error) {
    const undone = await discardNew();
    throw new OperationError(
      `Writing ${path} failed (${errorMessage(error)}). The file is unchanged: profile [${profile}] still holds ${oldId}, which is Active; ${undone}.`,
      {
        fix: `Check that ${path} and its folder are writable, then run keyaudit rotate again.`,
        cause: error,
      },
    );
  }
  progress(`wrote ${newId} to [${profile}] in ${path}; waiting until it works`);

  const newClients = deps.clientsFor(created);
  let verifyAttempts = 0;
  try {
    const budget = options.verify ?? DEFAULT_VERIFY;
    const who = await withRetry(
      async (attempt) => {
        verifyAttempts = attempt;
        return newClients.sts.send(new GetCallerIdentityCommand({}));
      },
      { ...budget, isRetryable: () => true, sleep: deps.sleep },
    );
    if (who.Arn !== userArn) throw new Error(`the new key signs as ${who.Arn ?? 'nobody'}, not ${userArn}`);
  } catch (error) {
    let restored: string;
    try {
      const current = await readCredentialsFile(path);
      await writeFileAtomic(
        path,
        setProfileValues(current, profile, { aws_access_key_id: oldId, aws_secret_access_key: oldSecret }),
      );
      restored = `profile [${profile}] holds ${oldId} again, which is Active`;
    } catch (restoreError) {
      throw new OperationError(
        `The new key ${newId} never worked (${errorMessage(error)}) and putting ${oldId} back into ${path} failed (${errorMessage(restoreError)}). Both keys are Active.`,
        {
          fix: `Edit [${profile}] by hand: set aws_access_key_id = ${oldId} and its old secret, or keep ${newId} once it works.`,
          cause: error,
        },
      );
    }
    const undone = await discardNew();
    throw new OperationError(
      `The new key ${newId} did not work after ${verifyAttempts} attempt(s) (${errorMessage(error)}). ${restored}; ${undone}.`,
      { fix: 'Run keyaudit rotate again in a minute; IAM may be slow to propagate new keys.', cause: error },
    );
  }

  // From here the file holds a key proven to work; only the old key's state remains to settle.
  progress(`the new key works; deactivating ${oldId}`);
  try {
    await newClients.iam.send(new UpdateAccessKeyCommand({ AccessKeyId: oldId, Status: 'Inactive' }));
  } catch (error) {
    throw new OperationError(
      `Rotated: profile [${profile}] now holds ${newId}, which works. Deactivating the old key failed (${errorMessage(error)}), so ${oldId} is still Active.`,
      {
        fix: `Deactivate it once nothing uses it: aws iam update-access-key --user-name ${userName} --access-key-id ${oldId} --status Inactive`,
        exitCode: 2,
        cause: error,
      },
    );
  }
  let oldKeyState: OldKeyState = 'inactive';
  if (!options.keepOld) {
    progress(`deleting ${oldId}`);
    try {
      await newClients.iam.send(new DeleteAccessKeyCommand({ AccessKeyId: oldId }));
      oldKeyState = 'deleted';
    } catch (error) {
      throw new OperationError(
        `Rotated: profile [${profile}] now holds ${newId}, which works. Deleting the old key failed (${errorMessage(error)}), so ${oldId} is Inactive but still exists.`,
        { fix: `Delete it: ${deleteCommand(oldId, userName)}`, exitCode: 2, cause: error },
      );
    }
  }
  return {
    userArn,
    userName,
    profile,
    credentialsPath: path,
    oldAccessKeyId: oldId,
    oldKeyState,
    newAccessKeyId: newId,
    newSecretAccessKey: created.secretAccessKey,
    verifyAttempts,
  };
}
