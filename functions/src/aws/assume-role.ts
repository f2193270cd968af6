/**
 * Assuming the read-only audit role in a member account (and, optionally, an org-reader role).
 *
 * From a Lambda this is role chaining, which AWS caps at one hour, so sessions ask for exactly
 * that. AWS asks callers to cache role credentials; we reuse them until 5 minutes before expiry.
 */

import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { isAccountId } from '../core/account-id';
import { AuditRoleMissingError, InvalidInputError, MalformedDataError } from '../core/errors';
import { isAccessDenied } from './api-calls';
import type { TemporaryCredentials } from './clients/common';

export const SESSION_DURATION_SECONDS = 3600;
/** Credentials are treated as expired this long before AWS says so, to cover a long audit. */
export const EXPIRY_MARGIN_MS = 5 * 60 * 1000;

const SESSION_NAME_MAX = 64;
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

/**
 * A valid RoleSessionName (2-64 chars of `[\w+=,.@-]`) that still reads as the execution name in
 * CloudTrail: other characters become `-`, long names are cut, too-short ones get a prefix.
 */
export function sanitizeSessionName(name: string): string {
  const cleaned = name.replace(/[^\w+=,.@-]/g, '-').slice(0, SESSION_NAME_MAX);
  if (cleaned.length >= 2) return cleaned;
  return `org-key-audit${cleaned.length > 0 ? `-${cleaned}` : ''}`;
}

/** Remembers temporary credentials by role and session until shortly before they expire. */
export class CredentialCache {
  readonly #entries = new Map<string, TemporaryCredentials>();
  readonly #now: () => Date;

  constructor(now: () => Date = () => new Date()) {
    this.#now = now;
  }

  get(key: string): TemporaryCredentials | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiration.getTime() - EXPIRY_MARGIN_MS <= this.#now().getTime()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry;
  }

  set(key: string, credentials: TemporaryCredentials): void {
    this.#entries.set(key, credentials);
  }

  clear(): void {
    this.#entries.clear();
  }
}

/** Shared by every invocation of a warm Lambda environment. */
export const defaultCredentialCache = new CredentialCache();

export interface AssumeAuditRoleParams {
  readonly accountId: string;
  readonly roleName: string;
  readonly executionName: string;
  /** @default 'aws' */
  readonly partition?: string;
}

export interface AssumeRoleOptions {
  /** @default defaultCredentialCache */
  readonly cache?: CredentialCache;
}

export function auditRoleArn(accountId: string, roleName: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${accountId}:role/${roleName}`;
}

/**
 * Temporary credentials for the audit role in `accountId`.
 * @throws AuditRoleMissingError when STS denies the request (role absent or not trusting us).
 */
export async function assumeAuditRole(
  sts: STSClient,
  params: AssumeAuditRoleParams,
  options: AssumeRoleOptions = {},
): Promise<TemporaryCredentials> {
  const { accountId, roleName, executionName, partition = 'aws' } = params;
  if (!isAccountId(accountId)) {
    throw new InvalidInputError(`accountId must be 12 digits, got "${accountId}"`);
  }
  if (!ROLE_NAME.test(roleName)) {
    throw new InvalidInputError(
      `roleName "${roleName}" is not a valid IAM role name: set AUDIT_ROLE_NAME to the role's name (no path, no ARN)`,
    );
  }
  const roleArn = auditRoleArn(accountId, roleName, partition);
  try {
    return await assumeRoleArn(sts, roleArn, executionName, options);
  } catch (error) {
    if (isAccessDenied(error)) {
      throw new AuditRoleMissingError(
        `the audit role ${roleName} is missing or does not trust the auditor in account ${accountId}`,
        { accountId, api: 'sts:AssumeRole', cause: error },
      );
    }
    throw error;
  }
}

/** Assumes any role by ARN (cached); errors are the SDK's, for the caller to classify. */
export async function assumeRoleArn(
  sts: STSClient,
  roleArn: string,
  sessionName: string,
  options: AssumeRoleOptions = {},
): Promise<TemporaryCredentials> {
  const cache = options.cache ?? defaultCredentialCache;
  const roleSessionName = sanitizeSessionName(sessionName);
  const key = `${roleArn}|${roleSessionName}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;

  const output = await sts.send(
    new AssumeRoleCommand({
      RoleArn: roleArn,
      RoleSessionName: roleSessionName,
      DurationSeconds: SESSION_DURATION_SECONDS,
    }),
  );
  const c = output.Credentials;
  if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
    throw new MalformedDataError(`sts:AssumeRole for ${roleArn} returned no complete credentials`, {
      api: 'sts:AssumeRole',
    });
  }
  const credentials: TemporaryCredentials = {
    accessKeyId: c.AccessKeyId,
    secretAccessKey: c.SecretAccessKey,
    sessionToken: c.SessionToken,
    expiration: new Date(c.Expiration),
  };
  cache.set(key, credentials);
  return credentials;
}
