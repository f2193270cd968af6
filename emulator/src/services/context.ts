/** What the IAM, STS and Organizations handlers share: the state, the clock and the faults. */
import type { Clock } from '../clock';
import type { Faults } from '../faults';
import type { Caller } from '../http/types';
import type { Random } from '../random';
import type { AccountRecord, CredentialRecord, OrganizationRecord } from '../state/model';

export interface ServiceContext {
  readonly org: OrganizationRecord;
  readonly clock: Clock;
  readonly faults: Faults;
  /** For generated key ids, secrets and session tokens. */
  readonly random: Random;
  readonly realNow: () => number;
  readonly roleName: string;
}

export function callerCredential(ctx: ServiceContext, caller: Caller): CredentialRecord {
  const credential = ctx.org.credentials.get(caller.accessKeyId);
  // The server resolved the caller from this map; a miss means a key was deleted mid-request.
  if (credential === undefined) throw new Error(`unknown access key ${caller.accessKeyId}`);
  return credential;
}

export function callerAccount(ctx: ServiceContext, caller: Caller): AccountRecord {
  const account = ctx.org.accounts.get(caller.accountId);
  if (account === undefined) throw new Error(`unknown account ${caller.accountId}`);
  return account;
}
