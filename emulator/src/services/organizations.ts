/**
 * Organizations over JSON 1.1: ListAccounts (management account or delegated administrator
 * only, pages of at most 20, the occasional empty page with a token) and DescribeOrganization.
 */
import { injectedFault } from '../http/errors';
import type { Caller, EmulatorRequest, EmulatorResponse, ServiceHandler } from '../http/types';
import { JsonError, jsonResponse, jsonTarget, parseJsonBody } from '../protocols/json';
import type { AccountRecord } from '../state/model';
import type { ServiceContext } from './context';

const MAX_PAGE = 20;
/** Every this many accounts, one empty page carrying a NextToken: clients must keep looping. */
const EMPTY_PAGE_EVERY = 100;

interface PageToken {
  readonly offset: number;
  readonly emptied: boolean;
}

function encodeToken(token: PageToken): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeToken(text: unknown): PageToken {
  if (typeof text !== 'string')
    throw new JsonError('InvalidInputException', 'NextToken must be a string.', 400, {
      Reason: 'INVALID_NEXT_TOKEN',
    });
  try {
    const token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as PageToken;
    if (Number.isInteger(token.offset) && token.offset >= 0) return token;
  } catch {
    // Falls through to the error below.
  }
  throw new JsonError('InvalidInputException', 'The provided NextToken is not valid.', 400, {
    Reason: 'INVALID_NEXT_TOKEN',
  });
}

export function createOrganizationsHandler(ctx: ServiceContext, nextRequestId: () => string): ServiceHandler {
  const accountJson = (a: AccountRecord) => {
    // Status is being retired in favour of State; AWS still sends both, with no CLOSED Status.
    const status = a.state === 'CLOSED' || a.state === 'PENDING_ACTIVATION' ? 'SUSPENDED' : a.state;
    return {
      Id: a.id,
      Arn: `arn:aws:organizations::${ctx.org.managementAccountId}:account/${ctx.org.organizationId}/${a.id}`,
      Email: a.email,
      Name: a.name,
      Status: status,
      State: a.state,
      JoinedMethod: a.joinedMethod,
      JoinedTimestamp: a.joinedAt / 1000,
    };
  };

  const listAccounts = (input: Record<string, unknown>, caller: Caller) => {
    if (
      caller.accountId !== ctx.org.managementAccountId &&
      !ctx.org.delegatedAdministrators.has(caller.accountId)
    ) {
      throw new JsonError(
        'AccessDeniedException',
        "You don't have permissions to access this resource.",
        403,
      );
    }
    const max = input['MaxResults'] ?? MAX_PAGE;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_PAGE) {
      throw new JsonError(
        'InvalidInputException',
        `MaxResults must be an integer between 1 and ${MAX_PAGE}; got ${JSON.stringify(max)}.`,
        400,
        { Reason: 'INVALID_INPUT' },
      );
    }
    const token =
      input['NextToken'] === undefined ? { offset: 0, emptied: false } : decodeToken(input['NextToken']);
    const all = [...ctx.org.accounts.values()];
    if (
      token.offset > 0 &&
      token.offset % EMPTY_PAGE_EVERY === 0 &&
      !token.emptied &&
      token.offset < all.length
    ) {
      return { Accounts: [], NextToken: encodeToken({ offset: token.offset, emptied: true }) };
    }
    const page = all.slice(token.offset, token.offset + max);
    const next = token.offset + page.length;
    return {
      Accounts: page.map(accountJson),
      ...(next < all.length ? { NextToken: encodeToken({ offset: next, emptied: false }) } : {}),
    };
  };

  const describeOrganization = () => {
    const management = ctx.org.accounts.get(ctx.org.managementAccountId);
    return {
      Organization: {
        Id: ctx.org.organizationId,
        Arn: `arn:aws:organizations::${ctx.org.managementAccountId}:organization/${ctx.org.organizationId}`,
        FeatureSet: 'ALL',
        MasterAccountArn: `arn:aws:organizations::${ctx.org.managementAccountId}:account/${ctx.org.organizationId}/${ctx.org.managementAccountId}`,
        MasterAccountId: ctx.org.managementAccountId,
        MasterAccountEmail: management?.email,
        AvailablePolicyTypes: [],
      },
    };
  };

  return (request: EmulatorRequest, caller: Caller): EmulatorResponse => {
    const target = jsonTarget(request);
    const input = parseJsonBody(request);
    if (ctx.faults.throttleOrganizations()) {
      ctx.faults.record(
        'organizationsThrottling',
        'throttling',
        caller.accountId,
        'organizations',
        target ?? 'unknown',
      );
      throw injectedFault(
        new JsonError('TooManyRequestsException', 'Rate exceeded', 429, { Type: 'AWSOrganizations' }),
      );
    }
    if (target === 'ListAccounts') return jsonResponse(listAccounts(input, caller), nextRequestId());
    if (target === 'DescribeOrganization') return jsonResponse(describeOrganization(), nextRequestId());
    throw new JsonError(
      'UnknownOperationException',
      `Operation ${target} is not supported by this emulator.`,
      400,
    );
  };
}
