/**
 * A stand-in for the emulator's HTTP server until `startEmulator` wires the messaging module:
 * it routes by the SigV4 credential scope and calls the handlers with one fixed caller.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Caller, EmulatorRequest, EmulatorResponse } from '../src/http/types';
import { createMessagingServices, type MessagingServices } from '../src/services/messaging';

export const AUDIT_ACCOUNT_ID = '111111111111';
export const REGION = 'eu-west-1';

export interface Harness {
  readonly url: string;
  readonly services: MessagingServices;
  readonly caller: Caller;
  /** Config for any SDK v3 client: no retries, so each call is one request. */
  readonly clientConfig: {
    readonly region: string;
    readonly endpoint: string;
    readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
    readonly maxAttempts: number;
  };
  stop(): Promise<void>;
}

export async function startMessagingHarness(options: { readonly now?: () => number } = {}): Promise<Harness> {
  let url = '';
  const caller: Caller = {
    accountId: AUDIT_ACCOUNT_ID,
    arn: `arn:aws:iam::${AUDIT_ACCOUNT_ID}:role/org-key-audit-auditor`,
    accessKeyId: 'AKIAEMULATORAUDITOR1',
  };
  const services = createMessagingServices({
    region: REGION,
    baseUrl: () => url,
    auditAccountId: AUDIT_ACCOUNT_ID,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const server = createServer((req, res) => {
    void route(req, services, caller).then(
      (response) => {
        res.writeHead(response.status, { ...response.headers });
        res.end(response.body ?? '');
      },
      (error: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(error));
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    services,
    caller,
    clientConfig: {
      region: REGION,
      endpoint: url,
      credentials: { accessKeyId: caller.accessKeyId, secretAccessKey: 'emulator-secret' },
      maxAttempts: 1,
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

async function route(
  req: IncomingMessage,
  services: MessagingServices,
  caller: Caller,
): Promise<EmulatorResponse> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const rawUrl = req.url ?? '/';
  const method = req.method ?? 'GET';
  if (rawUrl.startsWith('/_emulator/')) {
    return (
      services.admin(rawUrl, method, body) ?? {
        status: 404,
        headers: { 'content-type': 'text/plain' },
        body: 'no such admin path',
      }
    );
  }
  const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(
    req.headers.authorization ?? '',
  );
  if (!scope) return { status: 403, body: 'missing SigV4 credential scope' };
  const [, region, service] = scope;
  const parsed = new URL(rawUrl, 'http://127.0.0.1');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const request: EmulatorRequest = {
    method,
    path: decodeURIComponent(parsed.pathname),
    query: parsed.searchParams,
    headers,
    body,
    service: service!,
    region: region!,
  };
  const handler = services.handlers[service as keyof MessagingServices['handlers']];
  if (!handler) return { status: 400, body: `service ${service} is not handled by the messaging harness` };
  return handler(request, caller);
}
