/**
 * Organizations over JSON 1.1: ListAccounts (management account or delegated administrator
 * only, pages of at most 20, the occasional empty page with a token), DescribeOrganization, and
 * the tree: ListRoots, ListOrganizationalUnitsForParent, ListAccountsForParent and
 * ListTagsForResource (same access rule as ListAccounts).
 */
import { injectedFault } from '../http/errors';
import type { Caller, EmulatorRequest, EmulatorResponse, ServiceHandler } from '../http/types';
import { JsonError, jsonResponse, jsonTarget, parseJsonBody } from '../protocols/json';
import type { AccountRecord, OrganizationalUnitRecord } from '../state/model';
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

/** AWS's id patterns (API reference, ParentId and ResourceId). */
const ROOT_ID = /^r-[0-9a-z]{4,32}$/;
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
const ACCOUNT_ID = /^\d{12}$/;
const POLICY_ID = /^p-[0-9a-zA-Z_]{8,128}$/;
/** ListTagsForResource takes no MaxResults; the emulator answers this many tags a page. */
const TAGS_PAGE = 20;

/** A position in a list bound to what is listed, so a token is refused for another parent. */
interface ListToken {
  readonly list: string;
  readonly offset: number;
  readonly emptied: boolean;
}

function invalidInput(message: string, reason: string): JsonError {
  return new JsonError('InvalidInputException', message, 400, { Reason: reason });
}

function encodeListToken(token: ListToken): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeListToken(text: unknown, list: string): ListToken {
  if (text === undefined || text === null) return { list, offset: 0, emptied: false };
  if (typeof text === 'string') {
    try {
      const token = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as ListToken;
      if (token.list === list && Number.isInteger(token.offset) && token.offset >= 0) return token;
    } catch {
      // Falls through to the error below.
    }
  }
  throw invalidInput(
    'The provided NextToken is not valid: get it from the previous call of this operation with the same parameters.',
    'INVALID_PAGINATION_TOKEN',
  );
}

/** MaxResults: 1 to 20, default 20. */
function maxResults(input: Record<string, unknown>): number {
  const max = input['MaxResults'] ?? MAX_PAGE;
  if (typeof max !== 'number' || !Number.isInteger(max)) {
    throw invalidInput(
      `MaxResults must be an integer between 1 and ${MAX_PAGE}; got ${JSON.stringify(max)}.`,
      'INVALID_INPUT',
    );
  }
  if (max < 1) throw invalidInput(`MaxResults must be at least 1; got ${max}.`, 'MIN_VALUE_EXCEEDED');
  if (max > MAX_PAGE)
    throw invalidInput(`MaxResults must be at most ${MAX_PAGE}; got ${max}.`, 'MAX_VALUE_EXCEEDED');
  return max;
}

/**
 * One page of `all`: at most `max` items from the token's offset; with `emptyEvery`, one empty
 * page carrying a NextToken every that many items, as AWS sometimes answers.
 */
function page<T, J>(
  all: readonly T[],
  input: Record<string, unknown>,
  list: string,
  max: number,
  render: (item: T) => J,
  emptyEvery?: number,
): { items: J[]; NextToken?: string } {
  const token = decodeListToken(input['NextToken'], list);
  if (
    emptyEvery !== undefined &&
    token.offset > 0 &&
    token.offset % emptyEvery === 0 &&
    !token.emptied &&
    token.offset < all.length
  ) {
    return { items: [], NextToken: encodeListToken({ list, offset: token.offset, emptied: true }) };
  }
  const slice = all.slice(token.offset, token.offset + max);
  const next = token.offset + slice.length;
  return {
    items: slice.map(render),
    ...(next < all.length ? { NextToken: encodeListToken({ list, offset: next, emptied: false }) } : {}),
  };
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

  /** Only the management account and delegated administrators may read the organization. */
  const requireAdministrator = (caller: Caller) => {
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
  };

  const arnPrefix = () => `arn:aws:organizations::${ctx.org.managementAccountId}`;

  const ouJson = (ou: OrganizationalUnitRecord) => ({
    Id: ou.id,
    Arn: `${arnPrefix()}:ou/${ctx.org.organizationId}/${ou.id}`,
    Name: ou.name,
  });

  /** A ParentId that names the root or an existing OU. */
  const requireParent = (input: Record<string, unknown>): string => {
    const parentId = input['ParentId'];
    if (parentId === undefined || parentId === null || parentId === '') {
      throw invalidInput('You must specify a value for all required parameters: ParentId.', 'INPUT_REQUIRED');
    }
    if (typeof parentId !== 'string' || !(ROOT_ID.test(parentId) || OU_ID.test(parentId))) {
      throw invalidInput(
        `ParentId ${JSON.stringify(parentId)} does not match the required pattern: a root id (r-…) or an OU id (ou-…-…).`,
        'INVALID_PATTERN',
      );
    }
    if (parentId !== ctx.org.root.id && !ctx.org.organizationalUnits.has(parentId)) {
      throw new JsonError(
        'ParentNotFoundException',
        "We can't find a root or OU with the ParentId that you specified.",
        400,
      );
    }
    return parentId;
  };

  const listRoots = (input: Record<string, unknown>, caller: Caller) => {
    requireAdministrator(caller);
    const root = ctx.org.root;
    const { items, NextToken } = page([root], input, 'roots', maxResults(input), (r) => ({
      Id: r.id,
      Arn: `${arnPrefix()}:root/${ctx.org.organizationId}/${r.id}`,
      Name: r.name,
      // No policy type is enabled: DescribeOrganization's AvailablePolicyTypes is empty too.
      PolicyTypes: [],
    }));
    return { Roots: items, ...(NextToken === undefined ? {} : { NextToken }) };
  };

  const listOrganizationalUnitsForParent = (input: Record<string, unknown>, caller: Caller) => {
    requireAdministrator(caller);
    const max = maxResults(input);
    const parentId = requireParent(input);
    const children = [...ctx.org.organizationalUnits.values()].filter((ou) => ou.parentId === parentId);
    const { items, NextToken } = page(children, input, `ous:${parentId}`, max, ouJson);
    return { OrganizationalUnits: items, ...(NextToken === undefined ? {} : { NextToken }) };
  };

  const listAccountsForParent = (input: Record<string, unknown>, caller: Caller) => {
    requireAdministrator(caller);
    const max = maxResults(input);
    const parentId = requireParent(input);
    // Only the accounts directly in the parent, not those of its child OUs.
    const children = [...ctx.org.accounts.values()].filter((a) => a.parentId === parentId);
    const { items, NextToken } = page(
      children,
      input,
      `accounts:${parentId}`,
      max,
      accountJson,
      EMPTY_PAGE_EVERY,
    );
    return { Accounts: items, ...(NextToken === undefined ? {} : { NextToken }) };
  };

  const listTagsForResource = (input: Record<string, unknown>, caller: Caller) => {
    requireAdministrator(caller);
    const resourceId = input['ResourceId'];
    if (resourceId === undefined || resourceId === null || resourceId === '') {
      throw invalidInput(
        'You must specify a value for all required parameters: ResourceId.',
        'INPUT_REQUIRED',
      );
    }
    if (
      typeof resourceId !== 'string' ||
      resourceId.length > 130 ||
      ![ACCOUNT_ID, ROOT_ID, OU_ID, POLICY_ID].some((pattern) => pattern.test(resourceId))
    ) {
      throw invalidInput(
        `ResourceId ${JSON.stringify(resourceId)} does not match the required pattern: an account id (12 digits), a root id (r-…), an OU id (ou-…-…) or a policy id (p-…).`,
        'INVALID_PATTERN',
      );
    }
    const tags =
      resourceId === ctx.org.root.id
        ? ctx.org.root.tags
        : (ctx.org.accounts.get(resourceId)?.tags ?? ctx.org.organizationalUnits.get(resourceId)?.tags);
    // The emulated organization has no policies, so a policy id is never found either.
    if (tags === undefined) {
      throw new JsonError(
        'TargetNotFoundException',
        "We can't find a root, OU, account, or policy with the TargetId that you specified.",
        400,
      );
    }
    const { items, NextToken } = page([...tags], input, `tags:${resourceId}`, TAGS_PAGE, ([Key, Value]) => ({
      Key,
      Value,
    }));
    return { Tags: items, ...(NextToken === undefined ? {} : { NextToken }) };
  };

  const listAccounts = (input: Record<string, unknown>, caller: Caller) => {
    requireAdministrator(caller);
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
    if (target === 'ListRoots') return jsonResponse(listRoots(input, caller), nextRequestId());
    if (target === 'ListOrganizationalUnitsForParent') {
      return jsonResponse(listOrganizationalUnitsForParent(input, caller), nextRequestId());
    }
    if (target === 'ListAccountsForParent') {
      return jsonResponse(listAccountsForParent(input, caller), nextRequestId());
    }
    if (target === 'ListTagsForResource')
      return jsonResponse(listTagsForResource(input, caller), nextRequestId());
    throw new JsonError(
      'UnknownOperationException',
      `Operation ${target} is not supported by this emulator.`,
      400,
    );
  };
}
