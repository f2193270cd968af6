/** Real SDK v3 clients pointed at an emulator, with explicit endpoint and credentials. */
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { RunningEmulator } from '../src/index';

export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface ClientOptions {
  readonly maxAttempts?: number;
}

function config(emu: RunningEmulator, credentials: Credentials, options: ClientOptions) {
  return {
    endpoint: emu.url,
    region: emu.region,
    credentials,
    maxAttempts: options.maxAttempts ?? 1,
  };
}

export function iam(emu: RunningEmulator, credentials: Credentials, options: ClientOptions = {}): IAMClient {
  return new IAMClient(config(emu, credentials, options));
}

export function sts(emu: RunningEmulator, credentials: Credentials, options: ClientOptions = {}): STSClient {
  return new STSClient(config(emu, credentials, options));
}

export function organizations(
  emu: RunningEmulator,
  credentials: Credentials,
  options: ClientOptions = {},
): OrganizationsClient {
  return new OrganizationsClient(config(emu, credentials, options));
}

export function s3(emu: RunningEmulator, credentials: Credentials, options: ClientOptions = {}): S3Client {
  return new S3Client(config(emu, credentials, options));
}

export function sqs(emu: RunningEmulator, credentials: Credentials, options: ClientOptions = {}): SQSClient {
  return new SQSClient(config(emu, credentials, options));
}

export function sns(emu: RunningEmulator, credentials: Credentials, options: ClientOptions = {}): SNSClient {
  return new SNSClient(config(emu, credentials, options));
}

export function auditorCredentials(emu: RunningEmulator): Credentials {
  return { accessKeyId: emu.auditor.accessKeyId, secretAccessKey: emu.auditor.secretAccessKey };
}

/** Assumes the audit role in `accountId` as the auditor, like the product's Lambda does. */
export async function assumeAuditRole(emu: RunningEmulator, accountId: string): Promise<Credentials> {
  const out = await sts(emu, auditorCredentials(emu)).send(
    new AssumeRoleCommand({
      RoleArn: `arn:aws:iam::${accountId}:role/${emu.roleName}`,
      RoleSessionName: 'org-key-audit-test',
    }),
  );
  const c = out.Credentials;
  if (c?.AccessKeyId === undefined || c.SecretAccessKey === undefined || c.SessionToken === undefined) {
    throw new Error('AssumeRole returned no credentials');
  }
  return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken };
}

export async function adminFetch(
  emu: RunningEmulator,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${emu.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, json: (await response.json()) as unknown };
}
