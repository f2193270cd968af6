/**
 * The emulator's HTTP front door, on 127.0.0.1 only: `/_emulator/*` is the admin API; every
 * other request is an AWS call whose service, region and access key come from its SigV4
 * credential scope. Signatures are not verified: the emulator checks who is calling, not how
 * well they sign.
 */
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type Authorizer,
  type CallLog,
  type CallOutcome,
  type CallTarget,
  callTarget,
  type StackIdLookup,
} from './calls';
import type { Clock } from './clock';
import type { Faults } from './faults';
import { accessDenied, handlerError, serviceError } from './http/errors';
import type { Caller, EmulatorRequest, EmulatorResponse, ServiceHandler } from './http/types';
import { isoTime } from './protocols/xml';
import { securityHubOperation } from './services/securityhub';
import {
  type CredentialRecord,
  type OrganizationRecord,
  type Principal,
  principalArn,
  roleArn,
} from './state/model';
import type { Stats } from './stats';

export type AdminHandler = (
  path: string,
  method: string,
  body: unknown,
) => EmulatorResponse | undefined | Promise<EmulatorResponse | undefined>;

export interface ServerDeps {
  readonly org: OrganizationRecord;
  readonly clock: Clock;
  readonly faults: Faults;
  readonly stats: Stats;
  readonly handlers: Readonly<Record<string, ServiceHandler>>;
  readonly admin: AdminHandler;
  readonly nextRequestId: () => string;
  /** Every AWS request served once its caller is known (a no-op when recording is off). */
  readonly calls: CallLog;
  /** Asked right before the handler runs; a denial answers AccessDenied in the service's shape. */
  readonly authorize?: Authorizer | undefined;
  /** CloudFormation's stacks, so a DescribeStacks call is authorized on the stack's ARN. */
  readonly stackIds?: StackIdLookup | undefined;
}

const CREDENTIAL = /Credential=([^/,\s]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request/;
/** Accounts whose principals can no longer call AWS. */
const CLOSED_STATES = new Set(['SUSPENDED', 'PENDING_CLOSURE', 'CLOSED']);

interface Scope {
  readonly accessKeyId: string;
  readonly region: string;
  readonly service: string;
}

export function parseCredentialScope(
  headers: IncomingMessage['headers'],
  query: URLSearchParams,
): Scope | null {
  const auth = headers.authorization ?? '';
  const fromHeader = CREDENTIAL.exec(auth);
  const fromQuery = CREDENTIAL.exec(`Credential=${query.get('X-Amz-Credential') ?? ''}`);
  const match = fromHeader ?? fromQuery;
  if (match === null) return null;
  return { accessKeyId: match[1] ?? '', region: match[3] ?? '', service: match[4] ?? '' };
}

/** The operation name for stats: the query Action, the JSON target, the REST route, or the S3 verb. */
export function actionName(request: EmulatorRequest): string {
  if (request.service === 'securityhub') {
    const operation = securityHubOperation(request.method, request.path);
    if (operation !== undefined) return operation;
  }
  const target = request.headers['x-amz-target'];
  if (target !== undefined) return target.slice(target.lastIndexOf('.') + 1);
  const fromQuery = request.query.get('Action');
  if (fromQuery !== null) return fromQuery;
  const contentType = request.headers['content-type'] ?? '';
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    const action = new URLSearchParams(request.body.toString('utf8')).get('Action');
    if (action !== null) return action;
  }
  if (request.service === 's3') {
    const hasKey = request.path.split('/').filter(Boolean).length > 1;
    if (request.method === 'PUT') return 'PutObject';
    if (request.method === 'HEAD') return hasKey ? 'HeadObject' : 'HeadBucket';
    if (request.method === 'GET')
      return request.query.get('list-type') === '2' ? 'ListObjectsV2' : 'GetObject';
    if (request.method === 'DELETE') return 'DeleteObject';
  }
  return `${request.method} ${request.path}`;
}

export function createEmulatorServer(deps: ServerDeps): Server {
  const server = createHttpServer((req, res) => {
    handle(deps, req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`emulator error: ${error instanceof Error ? error.message : String(error)}`);
      }
    });
  });
  // Like AWS's endpoints, keep idle connections for a while: Node clients take a second off the
  // server's hint, so anything near 1 s means a new TCP connection per call. stop() closes them all.
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 65_000;
  return server;
}

export async function listen(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

export async function close(server: Server): Promise<void> {
  await new Promise<void>((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function send(res: ServerResponse, response: EmulatorResponse, method: string): void {
  const body = response.body ?? '';
  const buffer = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  // A HEAD answer has no body but must announce the object's length (S3 HeadObject's ContentLength).
  const headLength = method === 'HEAD' ? response.headers?.['content-length'] : undefined;
  res.writeHead(response.status, {
    ...response.headers,
    'content-length': headLength ?? String(buffer.length),
  });
  res.end(method === 'HEAD' ? undefined : buffer);
}

function lowerHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

async function handle(deps: ServerDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const body = await readBody(req);
  const method = req.method ?? 'GET';
  const path = decodeURIComponent(url.pathname);

  if (path.startsWith('/_emulator/')) {
    // The admin handlers read their own query parameters (e.g. ?queue=…).
    send(res, await adminResponse(deps, path + url.search, method, body), method);
    return;
  }

  const requestId = deps.nextRequestId();
  const scope = parseCredentialScope(req.headers, url.searchParams);
  if (scope === null) {
    send(res, serviceError('iam', 'missingToken', requestId), method);
    return;
  }
  const request: EmulatorRequest = {
    method,
    path,
    query: url.searchParams,
    headers: lowerHeaders(req),
    body,
    service: scope.service,
    region: scope.region,
  };
  const handler = deps.handlers[scope.service];
  if (handler === undefined) {
    send(
      res,
      {
        status: 501,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          __type: 'NotImplemented',
          Message: `service ${scope.service} is not emulated`,
        }),
      },
      method,
    );
    return;
  }

  const credential = deps.org.credentials.get(scope.accessKeyId);
  const denial = credentialProblem(deps, credential, request);
  if (denial !== null || credential === undefined) {
    send(res, serviceError(scope.service, denial ?? 'invalidToken', requestId), method);
    return;
  }
  const caller: Caller = {
    accountId: credential.principal.accountId,
    arn: principalArn(credential.principal),
    accessKeyId: credential.accessKeyId,
  };
  const action = actionName(request);
  deps.stats.record(caller.accountId, scope.service, action);
  recordKeyUse(deps, credential, scope);

  // Which IAM action on which resource: only worked out when someone will read it.
  const target =
    deps.calls.enabled || deps.authorize !== undefined
      ? callTarget(
          request,
          caller,
          deps.org,
          deps.stackIds,
          (accountId, keyId) =>
            deps.org.accounts.get(accountId)?.users.find((u) => u.keys.some((k) => k.accessKeyId === keyId))
              ?.userName,
        )
      : undefined;
  const seq = deps.calls.enabled ? deps.calls.nextSeq() : 0;
  // Stays 'error' only if serving throws (e.g. the authorize hook did): the client gets a 500.
  let outcome: CallOutcome = 'error';
  try {
    outcome = await serve(deps, req, res, {
      request,
      handler,
      caller,
      credential,
      target,
      action,
      requestId,
    });
  } finally {
    if (deps.calls.enabled && target !== undefined) {
      deps.calls.push({
        seq,
        service: scope.service,
        action: target.action,
        resource: target.resource,
        callerArn: caller.arn,
        callerAccountId: caller.accountId,
        region: scope.region,
        outcome,
      });
    }
  }
}

interface Served {
  readonly request: EmulatorRequest;
  readonly handler: ServiceHandler;
  readonly caller: Caller;
  readonly credential: CredentialRecord;
  readonly target: CallTarget | undefined;
  /** The operation name, for stats. */
  readonly action: string;
  readonly requestId: string;
}

/** Faults, authorization, then the handler; answers the request and says how it ended. */
async function serve(
  deps: ServerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  { request, handler, caller, credential, target, action, requestId }: Served,
): Promise<CallOutcome> {
  const { service, method } = request;
  const latency = deps.faults.config.latencyMs;
  if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));

  const injected = deps.faults.injectedError(service, caller.accountId);
  if (injected === 'reset') {
    req.socket.destroy();
    return 'fault';
  }
  if (injected === '5xx') {
    send(res, serviceError(service, 'internal', requestId), method);
    return 'fault';
  }
  if (service === 'iam' && !deps.faults.takeIamToken(caller.accountId)) {
    deps.stats.markThrottled(caller.accountId, service, action);
    send(res, serviceError('iam', 'throttling', requestId), method);
    return 'fault';
  }

  // Authorization comes after the injected faults and right before the handler. The faults
  // stand for the network and AWS's front end, which fail a call whoever makes it; and IAM's
  // request-rate limits count every request an account sends, denied ones included, so a
  // denied call still spends a throttling token. Nothing after this point but the handler
  // touches state, so a denied call changes nothing.
  if (deps.authorize !== undefined && target !== undefined) {
    const decision = await deps.authorize({
      service,
      action: target.action,
      resource: target.resource,
      callerArn: caller.arn,
      callerAccountId: caller.accountId,
      region: request.region,
      context: conditionContext(deps, credential.principal, caller, request.region),
    });
    if (!decision.allowed) {
      send(res, accessDenied(service, decision.message, requestId, method), method);
      return 'denied';
    }
  }

  let response: EmulatorResponse;
  try {
    response = await handler(request, caller);
  } catch (error) {
    response = handlerError(service, error, requestId);
  }
  response = await hideMissingKey(
    deps,
    { service, target, caller, credential, region: request.region, method, requestId },
    response,
  );
  send(res, response, method);
  if (response.injectedFault === true) return 'fault';
  return response.status < 400 ? 'ok' : 'error';
}

/**
 * S3 tells a caller that a key does not exist (404 NoSuchKey) only if it may list the bucket;
 * anyone else gets 403 AccessDenied, so a policy without s3:ListBucket fails here as on AWS
 * (docs/aws-behaviour.md, "S3 GetObject of a missing key"). Without policies, everything may.
 */
async function hideMissingKey(
  deps: ServerDeps,
  call: {
    readonly service: string;
    readonly target: CallTarget | undefined;
    readonly caller: Caller;
    readonly credential: CredentialRecord;
    readonly region: string;
    readonly method: string;
    readonly requestId: string;
  },
  response: EmulatorResponse,
): Promise<EmulatorResponse> {
  const { target } = call;
  if (deps.authorize === undefined || target === undefined || call.service !== 's3') return response;
  if (response.status !== 404 || target.action !== 's3:GetObject') return response;
  const bucketArn = target.resource.replace(/^(arn:[^:]+:s3:::[^/]+)\/.*$/, '$1');
  const decision = await deps.authorize({
    service: 's3',
    action: 's3:ListBucket',
    resource: bucketArn,
    callerArn: call.caller.arn,
    callerAccountId: call.caller.accountId,
    region: call.region,
    context: conditionContext(deps, call.credential.principal, call.caller, call.region),
  });
  if (decision.allowed) return response;
  return accessDenied('s3', 'Access Denied', call.requestId, call.method);
}

/** The global condition keys a policy may test, as AWS sets them for this request. */
function conditionContext(
  deps: ServerDeps,
  principal: Principal,
  caller: Caller,
  region: string,
): Record<string, string> {
  const nowMs = deps.clock.nowMs();
  const principalType =
    principal.kind === 'role' ? 'AssumedRole' : principal.kind === 'user' ? 'User' : 'Account';
  return {
    // The emulator listens on plain HTTP, but it stands in for AWS, which the product reaches
    // over TLS only: policies that require aws:SecureTransport must see the product's real case.
    'aws:SecureTransport': 'true',
    'aws:CurrentTime': isoTime(nowMs),
    'aws:EpochTime': String(Math.floor(nowMs / 1000)),
    'aws:PrincipalAccount': caller.accountId,
    // For a role session, aws:PrincipalArn is the role's ARN, not the session's.
    'aws:PrincipalArn':
      principal.kind === 'role' ? roleArn(principal.accountId, principal.roleName) : caller.arn,
    'aws:PrincipalType': principalType,
    'aws:PrincipalOrgID': deps.org.organizationId,
    'aws:RequestedRegion': region,
  };
}

function credentialProblem(
  deps: ServerDeps,
  credential: CredentialRecord | undefined,
  request: EmulatorRequest,
): 'invalidToken' | 'expiredToken' | null {
  if (credential === undefined) return 'invalidToken';
  const principal = credential.principal;
  if (principal.kind === 'role' && principal.sessionToken !== null) {
    if (request.headers['x-amz-security-token'] !== principal.sessionToken) return 'invalidToken';
    if (principal.expiresAt !== null && deps.clock.nowMs() >= principal.expiresAt) return 'expiredToken';
  }
  const account = deps.org.accounts.get(principal.accountId);
  if (account === undefined || CLOSED_STATES.has(account.state)) return 'invalidToken';
  return null;
}

/** A request signed with an IAM user's (or root's) key updates that key's last use, as in AWS. */
function recordKeyUse(deps: ServerDeps, credential: CredentialRecord, scope: Scope): void {
  const principal = credential.principal;
  if (principal.kind === 'role') return;
  const account = deps.org.accounts.get(principal.accountId);
  const keys =
    principal.kind === 'root'
      ? account?.rootKeys
      : account?.users.find((u) => u.userName === principal.userName)?.keys;
  const key = keys?.find((k) => k.accessKeyId === credential.accessKeyId);
  if (key === undefined) return;
  key.lastUsedAt = deps.clock.nowMs();
  key.lastUsedService = scope.service;
  key.lastUsedRegion = scope.service === 'iam' ? 'us-east-1' : scope.region;
}

async function adminResponse(
  deps: ServerDeps,
  path: string,
  method: string,
  raw: Buffer,
): Promise<EmulatorResponse> {
  let body: unknown = {};
  const text = raw.toString('utf8');
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      return adminJson(400, { error: 'the request body is not valid JSON' });
    }
  }
  try {
    return (
      (await deps.admin(path, method, body)) ?? adminJson(404, { error: `no admin route ${method} ${path}` })
    );
  } catch (error) {
    return adminJson(400, { error: error instanceof Error ? error.message : String(error) });
  }
}

export function adminJson(status: number, body: unknown): EmulatorResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}
