/** STS over the query protocol: AssumeRole (the audit role's trust is enforced) and GetCallerIdentity. */
import { injectedFault } from '../http/errors';
import type { Caller, EmulatorRequest, EmulatorResponse, ServiceHandler } from '../http/types';
import { QueryError, queryParams, queryResult } from '../protocols/query';
import { isoTime, type XmlNode } from '../protocols/xml';
import { awsId, secretKey, sessionToken } from '../random';
import { findUser, principalArn, roleArn } from '../state/model';
import { callerCredential, type ServiceContext } from './context';

export const STS_NAMESPACE = 'https://sts.amazonaws.com/doc/2011-06-15/';
const ROLE_ARN = /^arn:aws:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
export const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
/** The audit role's MaxSessionDuration; also the cap for role chaining (our Lambda's case). */
const MAX_SESSION_SECONDS = 3600;

export function createStsHandler(ctx: ServiceContext, nextRequestId: () => string): ServiceHandler {
  const assumeRole = (params: URLSearchParams, caller: Caller): XmlNode => {
    const arn = params.get('RoleArn') ?? '';
    const sessionName = params.get('RoleSessionName') ?? '';
    const match = ROLE_ARN.exec(arn);
    if (match === null) {
      throw new QueryError('ValidationError', `${arn} is invalid`, 400);
    }
    if (!SESSION_NAME.test(sessionName)) {
      throw new QueryError(
        'ValidationError',
        `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`,
        400,
      );
    }
    const duration = Number(params.get('DurationSeconds') ?? MAX_SESSION_SECONDS);
    if (!Number.isInteger(duration) || duration < 900) {
      throw new QueryError(
        'ValidationError',
        `1 validation error detected: Value '${duration}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`,
        400,
      );
    }
    if (duration > MAX_SESSION_SECONDS) {
      throw new QueryError(
        'ValidationError',
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
        400,
      );
    }
    const [, accountId = '', roleName = ''] = match;
    const credential = callerCredential(ctx, caller);
    const principal = credential.principal;
    // Trust policies name the role, not the session: compare the caller's role ARN.
    const callerPrincipal =
      principal.kind === 'role' ? roleArn(principal.accountId, principal.roleName) : principalArn(principal);
    const account = ctx.org.accounts.get(accountId);
    const role = account?.roles.get(roleName);
    const trusted =
      account !== undefined &&
      account.state === 'ACTIVE' &&
      role?.trustedPrincipals.includes(callerPrincipal) === true;
    if (!trusted || role === undefined || ctx.faults.isAssumeRoleDenied(accountId)) {
      const denied = new QueryError(
        'AccessDenied',
        `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${arn}`,
        403,
      );
      // A trusted caller denied only by the assumeRoleDenied fault: the recorded outcome is 'fault'.
      if (!trusted) throw denied;
      ctx.faults.record('assumeRoleDenied', 'accessDenied', accountId, 'sts', 'AssumeRole');
      throw injectedFault(denied);
    }
    const accessKeyId = awsId(ctx.random, 'ASIA');
    const secretAccessKey = secretKey(ctx.random);
    const token = sessionToken(ctx.random);
    const expiresAt = ctx.clock.nowMs() + duration * 1000;
    const sessionPrincipal = {
      kind: 'role' as const,
      accountId,
      roleName,
      sessionName,
      expiresAt,
      sessionToken: token,
    };
    ctx.org.credentials.set(accessKeyId, { accessKeyId, secretAccessKey, principal: sessionPrincipal });
    return {
      Credentials: {
        AccessKeyId: accessKeyId,
        SecretAccessKey: secretAccessKey,
        SessionToken: token,
        Expiration: isoTime(expiresAt),
      },
      AssumedRoleUser: {
        AssumedRoleId: `${role.roleId}:${sessionName}`,
        Arn: principalArn(sessionPrincipal),
      },
    };
  };

  const getCallerIdentity = (caller: Caller): XmlNode => {
    const principal = callerCredential(ctx, caller).principal;
    let userId: string = caller.accountId;
    if (principal.kind === 'user') {
      userId = findUser(ctx.org.accounts.get(principal.accountId)!, principal.userName)?.userId ?? userId;
    } else if (principal.kind === 'role') {
      const role = ctx.org.accounts.get(principal.accountId)?.roles.get(principal.roleName);
      userId = `${role?.roleId ?? 'AROAUNKNOWN'}:${principal.sessionName}`;
    }
    return { UserId: userId, Account: caller.accountId, Arn: caller.arn };
  };

  return (request: EmulatorRequest, caller: Caller): EmulatorResponse => {
    const params = queryParams(request);
    const action = params.get('Action') ?? '';
    let result: XmlNode;
    if (action === 'AssumeRole') result = assumeRole(params, caller);
    else if (action === 'GetCallerIdentity') result = getCallerIdentity(caller);
    else
      throw new QueryError('InvalidAction', `Could not find operation ${action} for version 2011-06-15`, 400);
    return queryResult(STS_NAMESPACE, action, nextRequestId(), result);
  };
}
