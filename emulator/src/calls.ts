/**
 * Recorded calls and the authorization hook's view of a request: which IAM action it is
 * authorized as and on which resource ARN, following AWS's Service Authorization Reference
 * (e.g. S3 ListObjectsV2 is `s3:ListBucket` on the bucket, HeadObject is `s3:GetObject`).
 */
import type { Caller, EmulatorRequest } from './http/types';
import { addressOf } from './services/messaging/s3';
import { hubArn, securityHubOperation } from './services/securityhub';

/** 'ok' below HTTP 400; 'error' a handler's error answer; 'denied' the authorize hook said no; 'fault' an injected fault answered. */
export type CallOutcome = 'ok' | 'error' | 'denied' | 'fault';

export interface RecordedCall {
  /** 1, 2, 3… in order of arrival, never reused (not even after clearCalls). */
  readonly seq: number;
  /** The SigV4 scope's service: 'iam' | 'sts' | 'organizations' | 'sns' | 'sqs' | 's3' | 'securityhub' | 'states' | 'cloudformation'. */
  readonly service: string;
  /** IAM-style, as a policy names it: 'sqs:SendMessage', 's3:ListBucket', 'iam:ListUsers'. */
  readonly action: string;
  /** The resource ARN the action is authorized on, or '*'. */
  readonly resource: string;
  /** As GetCallerIdentity reports it: an assumed-role session ARN, a user ARN or root. */
  readonly callerArn: string;
  readonly callerAccountId: string;
  /** From the SigV4 scope. */
  readonly region: string;
  readonly outcome: CallOutcome;
}

/** What the authorize hook is asked about one request. */
export interface AuthorizationRequest {
  readonly service: string;
  readonly action: string;
  readonly resource: string;
  readonly callerArn: string;
  readonly callerAccountId: string;
  readonly region: string;
  /** Global condition keys: aws:SecureTransport, aws:CurrentTime, aws:PrincipalAccount, … */
  readonly context: Readonly<Record<string, string>>;
}

export type AuthorizationDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly message: string };

/** May answer asynchronously: a policy simulator evaluates asynchronously. */
export type Authorizer = (
  call: AuthorizationRequest,
) => AuthorizationDecision | Promise<AuthorizationDecision>;

/** The calls the server served, as plain objects in an array (cheap enough for benchmarks). */
export class CallLog {
  private records: RecordedCall[] = [];
  private lastSeq = 0;

  constructor(readonly enabled: boolean) {}

  /** The next sequence number, taken when a request arrives. */
  nextSeq(): number {
    this.lastSeq += 1;
    return this.lastSeq;
  }

  /** Records a call once its outcome is known, so a long poll lands after calls it overlapped. */
  push(call: RecordedCall): void {
    if (this.enabled) this.records.push(call);
  }

  /** In order of arrival (seq). */
  all(): readonly RecordedCall[] {
    const copy = this.records.slice();
    // Nearly always sorted already: only overlapping calls (long polls) complete out of order.
    for (let i = 1; i < copy.length; i++) {
      if (copy[i - 1]!.seq > copy[i]!.seq) return copy.sort((a, b) => a.seq - b.seq);
    }
    return copy;
  }

  clear(): number {
    const count = this.records.length;
    this.records = [];
    return count;
  }
}

export interface CallTarget {
  readonly action: string;
  readonly resource: string;
}

/** What resource ARNs of Organizations are made of. */
export interface OrganizationIds {
  readonly organizationId: string;
  readonly managementAccountId: string;
}

/** The ARN of an existing stack named (by name or ARN) in that account and region, else undefined. */
export type StackIdLookup = (accountId: string, region: string, nameOrArn: string) => string | undefined;

/** The user who owns an access key in an account, else undefined. */
export type KeyOwnerLookup = (accountId: string, accessKeyId: string) => string | undefined;

/** The IAM action and resource ARN of a request, by service. */
export function callTarget(
  request: EmulatorRequest,
  caller: Caller,
  org?: OrganizationIds,
  stacks?: StackIdLookup,
  keyOwner?: KeyOwnerLookup,
): CallTarget {
  switch (request.service) {
    case 'cloudformation':
      return cloudFormationTarget(request, caller, stacks);
    case 'organizations':
      return organizationsTarget(request, org);
    case 's3':
      return s3Target(request);
    case 'sqs':
      return sqsTarget(request, caller);
    case 'sns':
      return snsTarget(request, caller);
    case 'sts':
      return stsTarget(request);
    case 'iam':
      return iamTarget(request, caller, keyOwner);
    case 'securityhub':
      return securityHubTarget(request, caller);
    case 'states':
      return statesTarget(request);
    default:
      return { action: `${request.service}:${operation(request)}`, resource: '*' };
  }
}

/** The operation name: JSON target, query `Action` (URL or form body), else the HTTP verb and path. */
function operation(request: EmulatorRequest): string {
  const target = request.headers['x-amz-target'];
  if (target !== undefined) return target.slice(target.lastIndexOf('.') + 1);
  return formParams(request).get('Action') ?? `${request.method} ${request.path}`;
}

function isForm(request: EmulatorRequest): boolean {
  return (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
}

/** Query-protocol parameters: the URL's, then the form body's (as the handlers read them). */
function formParams(request: EmulatorRequest): URLSearchParams {
  if (!isForm(request) || request.body.length === 0) return request.query;
  const params = new URLSearchParams(request.query);
  for (const [key, value] of new URLSearchParams(request.body.toString('utf8'))) params.set(key, value);
  return params;
}

function jsonBody(request: EmulatorRequest): Readonly<Record<string, unknown>> {
  if (request.body.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(request.body.toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

// --- Organizations ----------------------------------------------------------------------------

/**
 * The Service Authorization Reference gives ListTagsForResource the account, OU and root
 * resource types, and the two ...ForParent actions the root and OU types; the other actions
 * this emulator serves take no resource ('*').
 */
function organizationsTarget(request: EmulatorRequest, org: OrganizationIds | undefined): CallTarget {
  const name = operation(request);
  const action = `organizations:${name}`;
  if (org === undefined) return { action, resource: '*' };
  const body = jsonBody(request);
  const id =
    name === 'ListTagsForResource'
      ? text(body['ResourceId'])
      : name === 'ListOrganizationalUnitsForParent' || name === 'ListAccountsForParent'
        ? text(body['ParentId'])
        : undefined;
  if (id === undefined) return { action, resource: '*' };
  const base = `arn:aws:organizations::${org.managementAccountId}`;
  if (/^\d{12}$/.test(id)) return { action, resource: `${base}:account/${org.organizationId}/${id}` };
  if (id.startsWith('r-')) return { action, resource: `${base}:root/${org.organizationId}/${id}` };
  if (id.startsWith('ou-')) return { action, resource: `${base}:ou/${org.organizationId}/${id}` };
  return { action, resource: '*' };
}

// --- S3 ---------------------------------------------------------------------------------------

function s3Target(request: EmulatorRequest): CallTarget {
  const { bucket, key } = addressOf(request);
  const method = request.method.toUpperCase();
  const q = request.query;
  if (bucket === '') return { action: 's3:ListAllMyBuckets', resource: '*' };
  const bucketArn = `arn:aws:s3:::${bucket}`;
  if (key === '') {
    let action = 's3:ListBucket';
    if (method === 'PUT') action = 's3:CreateBucket';
    else if (method === 'DELETE') action = 's3:DeleteBucket';
    else if (method === 'POST' && q.has('delete')) action = 's3:DeleteObject';
    else if (q.has('location')) action = 's3:GetBucketLocation';
    else if (q.has('uploads')) action = 's3:ListBucketMultipartUploads';
    else if (q.has('versions')) action = 's3:ListBucketVersions';
    // GET (ListObjects, ListObjectsV2) and HEAD (HeadBucket) are s3:ListBucket.
    return { action, resource: bucketArn };
  }
  const resource = `${bucketArn}/${key}`;
  const versioned = q.has('versionId');
  let action: string;
  switch (method) {
    case 'GET':
    case 'HEAD':
      if (q.has('tagging')) action = 's3:GetObjectTagging';
      else if (q.has('acl')) action = 's3:GetObjectAcl';
      else if (q.has('uploadId')) action = 's3:ListMultipartUploadParts';
      else action = versioned ? 's3:GetObjectVersion' : 's3:GetObject';
      break;
    case 'DELETE':
      if (q.has('uploadId')) action = 's3:AbortMultipartUpload';
      else if (q.has('tagging')) action = 's3:DeleteObjectTagging';
      else action = versioned ? 's3:DeleteObjectVersion' : 's3:DeleteObject';
      break;
    case 'PUT':
      if (q.has('tagging')) action = 's3:PutObjectTagging';
      else if (q.has('acl')) action = 's3:PutObjectAcl';
      // PutObject, CopyObject (the destination) and UploadPart.
      else action = 's3:PutObject';
      break;
    case 'POST':
      // CreateMultipartUpload (?uploads) and CompleteMultipartUpload (?uploadId) are s3:PutObject.
      action = q.has('restore') ? 's3:RestoreObject' : 's3:PutObject';
      break;
    default:
      action = `s3:${method}`;
  }
  return { action, resource };
}

// --- SQS --------------------------------------------------------------------------------------

/** Batch actions are authorized as their single-message action. */
const SQS_ACTIONS: Readonly<Record<string, string>> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};
/** Actions on no particular queue. */
const SQS_ACCOUNT_ACTIONS = new Set(['ListQueues']);

function sqsTarget(request: EmulatorRequest, caller: Caller): CallTarget {
  const json = request.headers['x-amz-target'] !== undefined;
  const body = json ? jsonBody(request) : undefined;
  const params = json ? undefined : formParams(request);
  const field = (name: string) => (body === undefined ? text(params?.get(name)) : text(body[name]));
  const op = json ? operation(request) : (params?.get('Action') ?? operation(request));
  const action = `sqs:${SQS_ACTIONS[op] ?? op}`;
  const queueArn = (accountId: string, name: string) => `arn:aws:sqs:${request.region}:${accountId}:${name}`;
  if (SQS_ACCOUNT_ACTIONS.has(op)) return { action, resource: '*' };
  // The query protocol may also address the queue by the request path: /<account>/<name>.
  const url = field('QueueUrl') ?? (request.path.split('/').filter(Boolean).length >= 2 ? request.path : '');
  const segments = url
    .replace(/^[a-z]+:\/\/[^/]+/i, '')
    .split('/')
    .filter((s) => s.length > 0);
  if (segments.length >= 2) return { action, resource: queueArn(segments.at(-2)!, segments.at(-1)!) };
  const name = field('QueueName');
  if (name !== undefined) {
    return { action, resource: queueArn(field('QueueOwnerAWSAccountId') ?? caller.accountId, name) };
  }
  return { action, resource: '*' };
}

// --- SNS --------------------------------------------------------------------------------------

function snsTarget(request: EmulatorRequest, caller: Caller): CallTarget {
  const params = formParams(request);
  const op = params.get('Action') ?? operation(request);
  const action = `sns:${op}`;
  const arn = text(params.get('TopicArn')) ?? text(params.get('TargetArn'));
  if (arn !== undefined) return { action, resource: arn };
  const name = text(params.get('Name'));
  if (op === 'CreateTopic' && name !== undefined) {
    return { action, resource: `arn:aws:sns:${request.region}:${caller.accountId}:${name}` };
  }
  return { action, resource: '*' };
}

// --- STS --------------------------------------------------------------------------------------

function stsTarget(request: EmulatorRequest): CallTarget {
  const params = formParams(request);
  const op = params.get('Action') ?? operation(request);
  const roleArn = text(params.get('RoleArn'));
  return { action: `sts:${op}`, resource: op.startsWith('AssumeRole') && roleArn ? roleArn : '*' };
}

// --- Security Hub -----------------------------------------------------------------------------

/**
 * The Service Authorization Reference gives BatchImportFindings the `product` resource type (AWS
 * denies it "on resource: arn:aws:securityhub:<region>:<account>:product/<account>/default") and
 * GetFindings the `hub` type. A batch may name several products; the recorded call carries one
 * resource, so it is the first finding's ProductArn.
 */
function securityHubTarget(request: EmulatorRequest, caller: Caller): CallTarget {
  const op = securityHubOperation(request.method, request.path);
  if (op === undefined) return { action: `securityhub:${request.method} ${request.path}`, resource: '*' };
  const action = `securityhub:${op}`;
  if (op === 'GetFindings') return { action, resource: hubArn(caller.accountId, request.region) };
  const findings = jsonBody(request)['Findings'];
  const first: unknown = Array.isArray(findings) ? findings[0] : undefined;
  const productArn =
    typeof first === 'object' && first !== null
      ? text((first as Record<string, unknown>)['ProductArn'])
      : undefined;
  return { action, resource: productArn ?? '*' };
}

// --- Step Functions -------------------------------------------------------------------------

/**
 * The Service Authorization Reference gives StartExecution and ListExecutions the
 * `stateMachine` resource type, DescribeExecution, StopExecution, RedriveExecution and
 * GetExecutionHistory the `execution` type; the SendTask* actions take no resource ('*').
 */
const STATES_MACHINE_ACTIONS = new Set(['StartExecution', 'ListExecutions']);
const STATES_EXECUTION_ACTIONS = new Set([
  'DescribeExecution',
  'StopExecution',
  'RedriveExecution',
  'GetExecutionHistory',
]);

function statesTarget(request: EmulatorRequest): CallTarget {
  const op = operation(request);
  const action = `states:${op}`;
  const body = jsonBody(request);
  const arn = STATES_MACHINE_ACTIONS.has(op)
    ? text(body['stateMachineArn'])
    : STATES_EXECUTION_ACTIONS.has(op)
      ? text(body['executionArn'])
      : undefined;
  return { action, resource: arn ?? '*' };
}

// --- CloudFormation -------------------------------------------------------------------------

/**
 * The Service Authorization Reference gives DescribeStacks the `stack` resource type:
 * `arn:aws:cloudformation:<region>:<account>:stack/<name>/<id>`. Without a StackName it lists
 * the account's stacks, on '*'. A stack that does not exist has no id yet: `stack/<name>/*`.
 */
function cloudFormationTarget(
  request: EmulatorRequest,
  caller: Caller,
  stacks: StackIdLookup | undefined,
): CallTarget {
  const params = formParams(request);
  const op = params.get('Action') ?? operation(request);
  const action = `cloudformation:${op}`;
  const name = text(params.get('StackName'));
  if (name === undefined) return { action, resource: '*' };
  if (name.startsWith('arn:')) return { action, resource: name };
  const known = stacks?.(caller.accountId, request.region, name);
  return {
    action,
    resource: known ?? `arn:aws:cloudformation:${request.region}:${caller.accountId}:stack/${name}/*`,
  };
}

// --- IAM --------------------------------------------------------------------------------------

/** Actions that, without a UserName, act on the calling IAM user. */
const IAM_SELF_ACTIONS = new Set([
  'GetUser',
  'ListAccessKeys',
  'CreateAccessKey',
  'UpdateAccessKey',
  'DeleteAccessKey',
  'ListUserTags',
]);

function iamTarget(request: EmulatorRequest, caller: Caller, keyOwner?: KeyOwnerLookup): CallTarget {
  const params = formParams(request);
  const op = params.get('Action') ?? operation(request);
  const action = `iam:${op}`;
  // GetAccessKeyLastUsed names no user, but IAM authorizes it on the user who owns the key
  // (the Service Authorization Reference lists its resource type as `user`).
  const keyId = op === 'GetAccessKeyLastUsed' ? text(params.get('AccessKeyId')) : undefined;
  const owner = keyId === undefined ? undefined : keyOwner?.(caller.accountId, keyId);
  if (owner !== undefined) return { action, resource: `arn:aws:iam::${caller.accountId}:user/${owner}` };
  const userName = text(params.get('UserName'));
  if (userName !== undefined) {
    return { action, resource: `arn:aws:iam::${caller.accountId}:user/${userName}` };
  }
  if (IAM_SELF_ACTIONS.has(op) && caller.arn.startsWith(`arn:aws:iam::${caller.accountId}:user/`)) {
    return { action, resource: caller.arn };
  }
  // Account-level calls (credential report, summary, ListUsers), and GetAccessKeyLastUsed of a key nobody owns.
  return { action, resource: '*' };
}
