/**
 * CloudFormation over the query protocol, DescribeStacks only: stacks are not deployed here but
 * injected (`startEmulator({ cloudFormation: { stacks } })`, `POST /_emulator/cloudformation/stacks`,
 * `emu.cloudFormation.putStack`) with the outputs a deployed stack would have, so a client that
 * finds its resources by stack outputs (`keyaudit --stack`) runs against the emulator unchanged.
 * The emulator knows nothing of which stack or outputs: whoever starts it passes them.
 */
import { createHash } from 'node:crypto';
import type { Caller, EmulatorRequest, EmulatorResponse, ServiceHandler } from '../http/types';
import { QueryError, queryParams, queryResult } from '../protocols/query';
import { isoTime, type XmlNode } from '../protocols/xml';
import { adminJson } from '../server';

export const CLOUDFORMATION_NAMESPACE = 'http://cloudformation.amazonaws.com/doc/2010-05-15/';
/** AWS: a stack name starts with a letter, then letters, digits and hyphens, at most 128 in all. */
const STACK_NAME = /^[A-Za-z][A-Za-z0-9-]{0,127}$/;
const STACK_ARN = /^arn:aws:cloudformation:([^:]+):(\d{12}):stack\/([^/]+)\/([^/]+)$/;
const ADMIN_PATH = '/_emulator/cloudformation/stacks';

/** An output's value, or its value and description (DescribeStacks' `Outputs.member.Description`). */
export type StackOutputValue = string | { readonly value: string; readonly description?: string };

/** A stack as it is injected: its name and outputs; the account and region default to the audit account's. */
export interface StackSpec {
  readonly name: string;
  /** @default the audit account */
  readonly accountId?: string;
  /** @default the emulator's region */
  readonly region?: string;
  /** OutputKey → OutputValue (or `{ value, description }`), in the order DescribeStacks lists them. */
  readonly outputs?: Readonly<Record<string, StackOutputValue>>;
  /** The stack's Description. */
  readonly description?: string;
}

export interface CloudFormationOptions {
  /** The stacks that exist from the start. @default none */
  readonly stacks?: readonly StackSpec[];
}

/** A stack as DescribeStacks and the admin route show it. */
export interface StackView {
  readonly stackName: string;
  readonly stackId: string;
  readonly accountId: string;
  readonly region: string;
  readonly stackStatus: 'CREATE_COMPLETE' | 'UPDATE_COMPLETE';
  readonly creationTime: string;
  readonly lastUpdatedTime?: string;
  readonly description?: string;
  readonly outputs: readonly {
    readonly key: string;
    readonly value: string;
    readonly description?: string;
  }[];
}

export interface CloudFormationView {
  /**
   * Adds a stack, or replaces the outputs of the one with that name in that account and region
   * (it keeps its StackId and CreationTime and becomes UPDATE_COMPLETE).
   */
  putStack(spec: StackSpec): StackView;
  /** The stack's ARN, by name or ARN, in the audit account and emulator's region unless given. */
  stackArn(name: string, accountId?: string, region?: string): string;
  stacks(): readonly StackView[];
}

export interface CloudFormation {
  readonly handler: ServiceHandler;
  readonly view: CloudFormationView;
  /** `/_emulator/cloudformation/stacks`: GET lists them, POST adds or replaces one. */
  admin(pathWithQuery: string, method: string, body: unknown): EmulatorResponse | undefined;
  /** The ARN of an existing stack (by name or ARN) in that account and region, for authorization. */
  findStackId(accountId: string, region: string, nameOrArn: string): string | undefined;
}

interface StackRecord {
  readonly stackName: string;
  readonly stackId: string;
  readonly accountId: string;
  readonly region: string;
  readonly creationMs: number;
  lastUpdatedMs: number | undefined;
  description: string | undefined;
  outputs: StackView['outputs'];
}

/** A UUID from the stack's account, region, name and the seed: the same stack gets the same id. */
function stackUuid(seed: string, accountId: string, region: string, name: string): string {
  const hex = createHash('sha256')
    .update(`${seed}\u0000${accountId}\u0000${region}\u0000${name}`)
    .digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function outputList(outputs: StackSpec['outputs'], where: string): StackView['outputs'] {
  if (outputs === undefined) return [];
  if (typeof outputs !== 'object' || outputs === null || Array.isArray(outputs)) {
    throw new RangeError(`${where}: outputs must be an object of OutputKey → OutputValue`);
  }
  return Object.entries(outputs).map(([key, raw]) => {
    if (typeof raw === 'string') return { key, value: raw };
    const value = (raw as { value?: unknown } | null)?.value;
    const description = (raw as { description?: unknown } | null)?.description;
    if (typeof value !== 'string' || (description !== undefined && typeof description !== 'string')) {
      throw new RangeError(`${where}: output ${key} must be a string or { value, description? } of strings`);
    }
    return description === undefined ? { key, value } : { key, value, description };
  });
}

export function createCloudFormation(deps: {
  readonly region: string;
  readonly auditAccountId: string;
  readonly now: () => number;
  readonly seed: number | string;
  readonly nextRequestId: () => string;
  readonly options?: CloudFormationOptions | undefined;
}): CloudFormation {
  // account, region, name → stack, in order of creation (DescribeStacks without a name lists them so).
  const stacks = new Map<string, StackRecord>();
  const keyOf = (accountId: string, region: string, name: string) => `${accountId}|${region}|${name}`;

  const view = (s: StackRecord): StackView => ({
    stackName: s.stackName,
    stackId: s.stackId,
    accountId: s.accountId,
    region: s.region,
    stackStatus: s.lastUpdatedMs === undefined ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE',
    creationTime: new Date(s.creationMs).toISOString(),
    ...(s.lastUpdatedMs === undefined ? {} : { lastUpdatedTime: new Date(s.lastUpdatedMs).toISOString() }),
    ...(s.description === undefined ? {} : { description: s.description }),
    outputs: s.outputs,
  });

  const putStack = (spec: StackSpec): StackView => {
    const where = 'cloudformation stack';
    if (typeof spec !== 'object' || spec === null) throw new RangeError(`${where}: must be an object`);
    const name = spec.name;
    if (typeof name !== 'string' || !STACK_NAME.test(name)) {
      throw new RangeError(
        `${where}: name must start with a letter and hold only letters, digits and hyphens (at most 128); got ${JSON.stringify(name)}`,
      );
    }
    const accountId = spec.accountId ?? deps.auditAccountId;
    if (typeof accountId !== 'string' || !/^\d{12}$/.test(accountId)) {
      throw new RangeError(`${where} ${name}: accountId must be 12 digits; got ${JSON.stringify(accountId)}`);
    }
    const region = spec.region ?? deps.region;
    if (typeof region !== 'string' || region === '')
      throw new RangeError(`${where} ${name}: region must be a string`);
    if (spec.description !== undefined && typeof spec.description !== 'string') {
      throw new RangeError(`${where} ${name}: description must be a string`);
    }
    const outputs = outputList(spec.outputs, `${where} ${name}`);
    const key = keyOf(accountId, region, name);
    const known = stacks.get(key);
    if (known !== undefined) {
      known.outputs = outputs;
      known.description = spec.description;
      known.lastUpdatedMs = deps.now();
      return view(known);
    }
    const uuid = stackUuid(String(deps.seed), accountId, region, name);
    const record: StackRecord = {
      stackName: name,
      stackId: `arn:aws:cloudformation:${region}:${accountId}:stack/${name}/${uuid}`,
      accountId,
      region,
      creationMs: deps.now(),
      lastUpdatedMs: undefined,
      description: spec.description,
      outputs,
    };
    stacks.set(key, record);
    return view(record);
  };

  const find = (accountId: string, region: string, nameOrArn: string): StackRecord | undefined => {
    const arn = STACK_ARN.exec(nameOrArn);
    if (arn === null) return stacks.get(keyOf(accountId, region, nameOrArn));
    const [, arnRegion = '', arnAccount = '', arnName = ''] = arn;
    // An ARN names its stack exactly: another account's or region's stack is not this caller's.
    if (arnRegion !== region || arnAccount !== accountId) return undefined;
    const known = stacks.get(keyOf(accountId, region, arnName));
    return known?.stackId === nameOrArn ? known : undefined;
  };

  for (const spec of deps.options?.stacks ?? []) putStack(spec);

  const stackXml = (s: StackRecord): XmlNode => ({
    StackId: s.stackId,
    StackName: s.stackName,
    Description: s.description,
    CreationTime: isoTime(s.creationMs),
    LastUpdatedTime: s.lastUpdatedMs === undefined ? undefined : isoTime(s.lastUpdatedMs),
    StackStatus: s.lastUpdatedMs === undefined ? 'CREATE_COMPLETE' : 'UPDATE_COMPLETE',
    DisableRollback: false,
    NotificationARNs: [],
    Outputs:
      s.outputs.length === 0
        ? undefined
        : s.outputs.map((o) => ({ OutputKey: o.key, OutputValue: o.value, Description: o.description })),
    Tags: [],
    EnableTerminationProtection: false,
    DriftInformation: { StackDriftStatus: 'NOT_CHECKED' },
  });

  const describeStacks = (params: URLSearchParams, caller: Caller, region: string): XmlNode => {
    const name = params.get('StackName') ?? '';
    if (name === '') {
      const mine = [...stacks.values()].filter(
        (s) => s.accountId === caller.accountId && s.region === region,
      );
      return { Stacks: mine.map(stackXml) };
    }
    const stack = find(caller.accountId, region, name);
    if (stack === undefined)
      throw new QueryError('ValidationError', `Stack with id ${name} does not exist`, 400);
    return { Stacks: [stackXml(stack)] };
  };

  const handler: ServiceHandler = (request: EmulatorRequest, caller: Caller): EmulatorResponse => {
    const params = queryParams(request);
    const action = params.get('Action') ?? '';
    if (action !== 'DescribeStacks') {
      throw new QueryError(
        'InvalidAction',
        `Could not find operation ${action} for version 2010-05-15 (the emulator serves DescribeStacks only)`,
        400,
      );
    }
    return queryResult(
      CLOUDFORMATION_NAMESPACE,
      action,
      deps.nextRequestId(),
      describeStacks(params, caller, request.region),
    );
  };

  const all = () => [...stacks.values()].map(view);

  return {
    handler,
    view: {
      putStack,
      stackArn: (name, accountId = deps.auditAccountId, region = deps.region) => {
        const stack = find(accountId, region, name);
        if (stack === undefined) throw new RangeError(`no stack ${name} in ${accountId} ${region}`);
        return stack.stackId;
      },
      stacks: all,
    },
    admin: (pathWithQuery, method, body) => {
      const path = new URL(pathWithQuery, 'http://127.0.0.1').pathname;
      if (path !== ADMIN_PATH) return undefined;
      const verb = method.toUpperCase();
      if (verb === 'GET') return adminJson(200, { stacks: all() });
      if (verb === 'POST') return adminJson(200, putStack(body as StackSpec));
      return undefined;
    },
    findStackId: (accountId, region, nameOrArn) => find(accountId, region, nameOrArn)?.stackId,
  };
}
