/**
 * IAM over the query protocol: the calls the product makes (credential report, listing,
 * account summary, tags) and those a user makes to rotate their own key.
 */
import { injectedFault } from '../http/errors';
import type { Caller, EmulatorRequest, EmulatorResponse, ServiceHandler } from '../http/types';
import { QueryError, queryParams, queryResult } from '../protocols/query';
import { isoTime, XmlMap, type XmlNode } from '../protocols/xml';
import { awsId, secretKey } from '../random';
import { renderCredentialReport } from '../state/credential-report';
import {
  type AccountRecord,
  findUser,
  type KeyRecord,
  registerUserKey,
  type UserRecord,
  userArn,
} from '../state/model';
import { callerAccount, callerCredential, type ServiceContext } from './context';

export const IAM_NAMESPACE = 'https://iam.amazonaws.com/doc/2010-05-08/';
const REPORT_REUSE_MS = 4 * 60 * 60 * 1000;
const MAX_KEYS_PER_USER = 2;

type Action = (params: URLSearchParams, account: AccountRecord, caller: Caller) => XmlNode | null;

/** IAM's statusType, in its model's order (shared with service-specific credentials, hence Expired). */
const STATUS_TYPES: readonly string[] = ['Active', 'Inactive', 'Expired'];

function notNull(field: string): QueryError {
  return new QueryError(
    'ValidationError',
    `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    400,
  );
}

export function createIamHandler(ctx: ServiceContext, nextRequestId: () => string): ServiceHandler {
  const noSuchUser = (name: string) =>
    new QueryError('NoSuchEntity', `The user with name ${name} cannot be found.`, 404);

  const requireUser = (account: AccountRecord, name: string): UserRecord => {
    const user = findUser(account, name);
    if (user === undefined) throw noSuchUser(name);
    return user;
  };

  /** Without UserName, IAM acts on the calling user; a role must name one. */
  const targetUser = (params: URLSearchParams, account: AccountRecord, caller: Caller): UserRecord => {
    const name = params.get('UserName');
    if (name !== null && name !== '') return requireUser(account, name);
    const principal = callerCredential(ctx, caller).principal;
    if (principal.kind !== 'user') {
      throw new QueryError(
        'ValidationError',
        'Must specify userName when calling with non-User credentials',
        400,
      );
    }
    return requireUser(account, principal.userName);
  };

  const userXml = (account: AccountRecord, user: UserRecord): XmlNode => ({
    Path: '/',
    UserName: user.userName,
    UserId: user.userId,
    Arn: userArn(account.id, user.userName),
    CreateDate: isoTime(user.createdAt),
  });

  const pageParams = (params: URLSearchParams): { start: number; max: number } => {
    const maxText = params.get('MaxItems');
    const max = maxText === null ? 100 : Number(maxText);
    if (!Number.isInteger(max) || max < 1 || max > 1000) {
      throw new QueryError(
        'ValidationError',
        `1 validation error detected: Value '${maxText}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000`,
        400,
      );
    }
    const marker = params.get('Marker');
    if (marker === null) return { start: 0, max };
    const start = Number(Buffer.from(marker, 'base64url').toString('utf8').replace(/^u:/, ''));
    if (!Number.isInteger(start) || start < 0) throw new QueryError('InvalidInput', 'Invalid Marker.', 400);
    return { start, max };
  };

  const findKey = (
    account: AccountRecord,
    accessKeyId: string,
  ): { user: UserRecord; key: KeyRecord } | undefined => {
    for (const user of account.users) {
      const key = user.keys.find((k) => k.accessKeyId === accessKeyId);
      if (key !== undefined) return { user, key };
    }
    return undefined;
  };

  const actions: Record<string, Action> = {
    GenerateCredentialReport: (_params, account) => {
      const now = ctx.clock.nowMs();
      const current = account.report;
      if (current !== null && now - current.generatedAt < REPORT_REUSE_MS) {
        const stuck = ctx.faults.isReportStuck(account.id);
        const complete = ctx.realNow() >= current.readyAtRealMs && !stuck;
        if (!complete && stuck) {
          ctx.faults.record('reportStuck', 'reportInProgress', account.id, 'iam', 'GenerateCredentialReport');
        }
        return complete
          ? { State: 'COMPLETE' }
          : { State: 'INPROGRESS', Description: 'Report generation in progress.' };
      }
      account.report = {
        generatedAt: now,
        readyAtRealMs: ctx.realNow() + ctx.faults.config.reportGenerationMs,
        csv: renderCredentialReport(account),
      };
      return {
        State: 'STARTED',
        Description: 'No report exists. Starting a new report generation task',
      };
    },
    GetCredentialReport: (_params, account) => {
      const report = account.report;
      if (report === null) {
        throw new QueryError(
          'ReportNotPresent',
          'Credential report not present. Generate a credential report first.',
          410,
        );
      }
      const stuck = ctx.faults.isReportStuck(account.id);
      if (ctx.realNow() < report.readyAtRealMs || stuck) {
        const inProgress = new QueryError(
          'ReportInProgress',
          'Credential report generation is in progress.',
          404,
        );
        if (!stuck) throw inProgress;
        ctx.faults.record('reportStuck', 'reportInProgress', account.id, 'iam', 'GetCredentialReport');
        throw injectedFault(inProgress);
      }
      if (ctx.clock.nowMs() - report.generatedAt >= REPORT_REUSE_MS) {
        throw new QueryError(
          'ReportExpired',
          'Credential report expired. Generate a new credential report.',
          410,
        );
      }
      return {
        Content: Buffer.from(report.csv, 'utf8').toString('base64'),
        ReportFormat: 'text/csv',
        GeneratedTime: isoTime(report.generatedAt),
      };
    },
    ListUsers: (params, account) => {
      const { start, max } = pageParams(params);
      const page = account.users.slice(start, start + max);
      const next = start + page.length;
      const truncated = next < account.users.length;
      return {
        Users: page.map((u) => userXml(account, u)),
        IsTruncated: truncated,
        Marker: truncated ? Buffer.from(`u:${next}`).toString('base64url') : undefined,
      };
    },
    GetUser: (params, account, caller) => ({ User: userXml(account, targetUser(params, account, caller)) }),
    ListAccessKeys: (params, account, caller) => {
      const user = targetUser(params, account, caller);
      return {
        UserName: user.userName,
        AccessKeyMetadata: user.keys.map((k) => ({
          UserName: user.userName,
          AccessKeyId: k.accessKeyId,
          Status: k.status,
          CreateDate: isoTime(k.createdAt),
        })),
        IsTruncated: false,
      };
    },
    GetAccessKeyLastUsed: (params, account) => {
      const id = params.get('AccessKeyId') ?? '';
      const found = findKey(account, id);
      // IAM answers AccessDenied for a key outside the caller's account: ids are not secrets,
      // but their usage is.
      if (found === undefined) {
        throw new QueryError('AccessDenied', `The access key ${id} does not exist in this account.`, 403);
      }
      const { key, user } = found;
      return {
        UserName: user.userName,
        AccessKeyLastUsed: {
          LastUsedDate: key.lastUsedAt === null ? undefined : isoTime(key.lastUsedAt),
          ServiceName: key.lastUsedAt === null ? 'N/A' : (key.lastUsedService ?? 'N/A'),
          Region: key.lastUsedAt === null ? 'N/A' : (key.lastUsedRegion ?? 'N/A'),
        },
      };
    },
    GetAccountSummary: (_params, account) => {
      const keys = account.users.reduce((n, u) => n + u.keys.length, 0);
      const summary: Record<string, number> = {
        Users: account.users.length,
        UsersQuota: 5000,
        Roles: account.roles.size,
        RolesQuota: 1000,
        Groups: 0,
        GroupsQuota: 300,
        Policies: 0,
        PoliciesQuota: 1500,
        AccessKeysPerUserQuota: MAX_KEYS_PER_USER,
        AccountAccessKeysPresent: account.rootKeys.length > 0 ? 1 : 0,
        AccountMFAEnabled: account.rootMfa ? 1 : 0,
        AccountSigningCertificatesPresent: 0,
        MFADevices: 0,
        MFADevicesInUse: 0,
        ServerCertificates: 0,
        ServerCertificatesQuota: 20,
        UserAccessKeys: keys,
      };
      return { SummaryMap: new XmlMap(summary) };
    },
    ListUserTags: (params, account) => {
      const user = requireUser(account, params.get('UserName') ?? '');
      return { Tags: user.tags.map((t) => ({ Key: t.Key, Value: t.Value })), IsTruncated: false };
    },
    CreateAccessKey: (params, account, caller) => {
      const user = targetUser(params, account, caller);
      if (user.keys.length >= MAX_KEYS_PER_USER) {
        throw new QueryError(
          'LimitExceeded',
          `Cannot exceed quota for AccessKeysPerUser: ${MAX_KEYS_PER_USER}`,
          409,
        );
      }
      const key: KeyRecord = {
        accessKeyId: awsId(ctx.random, 'AKIA'),
        secretAccessKey: secretKey(ctx.random),
        status: 'Active',
        createdAt: ctx.clock.nowMs(),
        lastUsedAt: null,
        lastUsedService: null,
        lastUsedRegion: null,
      };
      user.keys.push(key);
      registerUserKey(ctx.org, account.id, user.userName, key);
      return {
        AccessKey: {
          UserName: user.userName,
          AccessKeyId: key.accessKeyId,
          Status: key.status,
          SecretAccessKey: key.secretAccessKey,
          CreateDate: isoTime(key.createdAt),
        },
      };
    },
    UpdateAccessKey: (params, account, caller) => {
      // IAM checks the request's shape before it looks anything up.
      const status = params.get('Status');
      const accessKeyId = params.get('AccessKeyId');
      if (accessKeyId === null || accessKeyId === '') throw notNull('accessKeyId');
      if (status === null || status === '') throw notNull('status');
      if (!STATUS_TYPES.includes(status)) {
        throw new QueryError(
          'ValidationError',
          `1 validation error detected: Value '${status}' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [${STATUS_TYPES.join(', ')}]`,
          400,
        );
      }
      if (status !== 'Active' && status !== 'Inactive') {
        // In IAM's enum for other credentials; AWS does not document its answer for an access key.
        throw new QueryError(
          'ValidationError',
          `An access key's status is Active or Inactive, not ${status}.`,
          400,
        );
      }
      const user = targetUser(params, account, caller);
      const key = userKey(user, accessKeyId);
      key.status = status;
      return null;
    },
    DeleteAccessKey: (params, account, caller) => {
      const user = targetUser(params, account, caller);
      const key = userKey(user, params.get('AccessKeyId'));
      user.keys.splice(user.keys.indexOf(key), 1);
      ctx.org.credentials.delete(key.accessKeyId);
      return null;
    },
  };

  const userKey = (user: UserRecord, id: string | null): KeyRecord => {
    const key = user.keys.find((k) => k.accessKeyId === id);
    if (key === undefined) {
      throw new QueryError('NoSuchEntity', `The Access Key with id ${id} cannot be found.`, 404);
    }
    return key;
  };

  return (request: EmulatorRequest, caller: Caller): EmulatorResponse => {
    const params = queryParams(request);
    const action = params.get('Action') ?? '';
    const run = actions[action];
    if (run === undefined) {
      throw new QueryError('InvalidAction', `Could not find operation ${action} for version 2010-05-08`, 400);
    }
    const result = run(params, callerAccount(ctx, caller), caller);
    return queryResult(IAM_NAMESPACE, action, nextRequestId(), result);
  };
}
