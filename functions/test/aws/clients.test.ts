import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetAccountSummaryCommand } from '@aws-sdk/client-iam';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { getClients, iamClientFor, resetClients } from '../../src/aws/clients';
import { clientSlot } from '../../src/aws/clients/common';
import { iamClient } from '../../src/aws/clients/iam';
import { s3Client } from '../../src/aws/clients/s3';
import { stsClient } from '../../src/aws/clients/sts';

const credentials = {
  accessKeyId: 'ASIATEST',
  secretAccessKey: 'secret',
  sessionToken: 'token',
  expiration: new Date(Date.now() + 3_600_000),
};

// A stand-in for the emulator: records what the real SDK sends to AWS_ENDPOINT_URL.
const seen: { body: string; authorization: string }[] = [];
let server: Server;
let endpoint: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      seen.push({ body, authorization: String(req.headers.authorization) });
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        '<GetAccountSummaryResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetAccountSummaryResult>' +
          '<SummaryMap><entry><key>AccountAccessKeysPresent</key><value>1</value></entry></SummaryMap>' +
          '</GetAccountSummaryResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></GetAccountSummaryResponse>',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

afterEach(() => {
  resetClients();
  vi.unstubAllEnvs();
  delete process.env['AWS_ENDPOINT_URL'];
});

describe('clients', () => {
  it('builds an assumed-role IAM client in us-east-1 with standard retries (the collector paces calls itself)', async () => {
    const iam = iamClientFor(credentials);
    expect(await iam.config.region()).toBe('us-east-1');
    expect(await iam.config.maxAttempts()).toBe(5);
    const strategy = (await iam.config.retryStrategy()) as { readonly mode?: string };
    expect(strategy.mode).toBe('standard');
  });

  it('sends to AWS_ENDPOINT_URL with the assumed-role credentials', async () => {
    process.env['AWS_ENDPOINT_URL'] = endpoint;
    const iam = iamClientFor(credentials);

    const out = await iam.send(new GetAccountSummaryCommand({}));

    expect(out.SummaryMap?.['AccountAccessKeysPresent']).toBe(1);
    expect(seen.at(-1)?.body).toContain('Action=GetAccountSummary');
    expect(seen.at(-1)?.authorization).toContain('Credential=ASIATEST/');
    expect(seen.at(-1)?.authorization).toContain('/us-east-1/iam/aws4_request');
  });

  it('builds each client once and lets a caller inject its own', () => {
    const first = getClients();
    expect(getClients().iam).toBe(first.iam);
    const injected = iamClientFor(credentials);
    expect(getClients({ iam: injected }).iam).toBe(injected);
    expect(getClients().sts).toBe(first.sts);
  });

  it('shares one cache with the per-service modules the Lambda entries use', () => {
    const injected = new S3Client({ region: 'eu-west-1' });
    expect(getClients({ s3: injected }).s3).toBe(injected);
    expect(s3Client.get()).toBe(injected);
    const sts = stsClient.get();
    expect(getClients().sts).toBe(sts);
    resetClients();
    expect(stsClient.get()).not.toBe(sts);
  });

  it('builds regional clients in AWS_REGION and the global IAM client in us-east-1', async () => {
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    expect(await s3Client.get().config.region()).toBe('eu-west-1');
    expect(await stsClient.get().config.region()).toBe('eu-west-1');
    expect(await iamClient.get().config.region()).toBe('us-east-1');
    expect(await iamClient.get().config.maxAttempts()).toBe(5);
  });
});

describe('clientSlot', () => {
  it('builds on first use only, once, and again after a reset', () => {
    let builds = 0;
    const slot = clientSlot(() => ({ id: ++builds }));
    expect(builds).toBe(0);
    expect(slot.get()).toEqual({ id: 1 });
    expect(slot.get()).toBe(slot.get());
    expect(builds).toBe(1);
    const injected = { id: 99 };
    slot.set(injected);
    expect(slot.get()).toBe(injected);
    slot.reset();
    expect(slot.get()).toEqual({ id: 2 });
  });
});
