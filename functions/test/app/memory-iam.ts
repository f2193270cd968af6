/**
 * One member account's IAM in memory: the CredentialSource port (app/ports.ts) over planted
 * users, recording every call so a test can hold the use case to what it asks for.
 */
import type { CredentialSource, MemberAccounts } from '../../src/app/ports';
import { AuditRoleMissingError } from '../../src/core/errors';
import type { ListedAccessKey } from '../../src/core/key-reconcile';
import type { PrincipalCredentials } from '../../src/core/model';

export interface MemoryIamSeed {
  /** The credential report's bytes, or a reason it is denied. Absent: the report is denied. */
  readonly report?:
    | { readonly content: Uint8Array; readonly generatedAt: Date | null }
    | { readonly denied: Error };
  /** What the per-user listing returns (every user, keys with ids). */
  readonly principals?: readonly PrincipalCredentials[];
  /** Live keys per user; a user absent here no longer exists. */
  readonly liveKeys?: Readonly<Record<string, readonly ListedAccessKey[]>>;
  /** Tags per user; a user absent here has no tags (but exists if in liveKeys or principals). */
  readonly tags?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** The account summary's AccountAccessKeysPresent, as a boolean; null when it does not say. */
  readonly rootKeysPresent?: boolean | null;
}

export interface MemoryIam extends CredentialSource {
  /** Each call as `<method> <userName?>`, in order. */
  readonly calls: string[];
}

export function memoryIam(seed: MemoryIamSeed): MemoryIam {
  const calls: string[] = [];
  const exists = (userName: string) =>
    seed.liveKeys?.[userName] !== undefined || (seed.principals ?? []).some((p) => p.userName === userName);
  return {
    calls,
    credentialReport: async () => {
      calls.push('credentialReport');
      return seed.report ?? { denied: Object.assign(new Error('not authorized'), { name: 'AccessDenied' }) };
    },
    listPrincipals: async () => {
      calls.push('listPrincipals');
      return [...(seed.principals ?? [])];
    },
    liveAccessKeys: async (userName) => {
      calls.push(`liveAccessKeys ${userName}`);
      const keys = seed.liveKeys?.[userName];
      return keys === undefined ? null : [...keys];
    },
    userTags: async (userName) => {
      calls.push(`userTags ${userName}`);
      return exists(userName) ? { ...(seed.tags?.[userName] ?? {}) } : null;
    },
    rootAccessKeysPresent: async () => {
      calls.push('rootAccessKeysPresent');
      return seed.rootKeysPresent ?? null;
    },
    apiCalls: () => ({ 'memory:calls': calls.length }),
  };
}

/** Member accounts whose audit role exists only in `accounts`. */
export function memoryMembers(accounts: Readonly<Record<string, CredentialSource>>): MemberAccounts & {
  readonly opened: string[];
} {
  const opened: string[] = [];
  return {
    opened,
    open: async ({ accountId }) => {
      opened.push(accountId);
      const source = accounts[accountId];
      if (source === undefined) {
        throw new AuditRoleMissingError(`the audit role OrgKeyAuditRole is missing in account ${accountId}`, {
          accountId,
        });
      }
      return source;
    },
  };
}
