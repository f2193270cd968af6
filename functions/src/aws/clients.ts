/**
 * The one place SDK clients are built. Each is created once per cold start (module scope) and
 * can be replaced by a test or the local runner. They honour `AWS_ENDPOINT_URL` on their own,
 * which is how the emulator on 127.0.0.1 stands in for AWS.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { IAMClient, type IAMClientConfig } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';

/**
 * Standard mode retries throttling with backoff; 5 attempts rides out IAM's per-account bursts
 * before our own retries (backoff.ts) take over and finally raise a typed error.
 */
export const RETRY_CONFIG = { retryMode: 'standard', maxAttempts: 5 } as const;

/** IAM and Organizations are global services whose endpoints live in us-east-1. */
export const GLOBAL_REGION = 'us-east-1';

/** Temporary credentials, in the shape the SDK accepts as `credentials`. */
export interface TemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

export interface AwsClients {
  readonly sts: STSClient;
  readonly organizations: OrganizationsClient;
  readonly iam: IAMClient;
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
}

export function regionFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? GLOBAL_REGION;
}

let cached: Partial<{ -readonly [K in keyof AwsClients]: AwsClients[K] }> = {};

/**
 * The clients of this execution environment, built on first use. `overrides` wins over (and
 * replaces) the cached client, so a composition root can inject mocks once.
 */
export function getClients(overrides: Partial<AwsClients> = {}): AwsClients {
  Object.assign(cached, overrides);
  const region = regionFromEnv();
  // STS in the Lambda's own region: regional endpoints keep working when us-east-1 is impaired.
  cached.sts ??= new STSClient({ region, ...RETRY_CONFIG });
  cached.organizations ??= new OrganizationsClient({ region: GLOBAL_REGION, ...RETRY_CONFIG });
  cached.iam ??= new IAMClient({ region: GLOBAL_REGION, ...RETRY_CONFIG });
  cached.s3 ??= new S3Client({ region, ...RETRY_CONFIG });
  cached.sns ??= new SNSClient({ region, ...RETRY_CONFIG });
  cached.sqs ??= new SQSClient({ region, ...RETRY_CONFIG });
  return cached as AwsClients;
}

/** Forgets the cached clients (tests that change the environment between cases). */
export function resetClients(): void {
  cached = {};
}

/**
 * Member-account IAM clients: adaptive retry mode adds a client-side rate limiter that slows
 * down as soon as IAM throttles, instead of retrying blindly into an empty token bucket (one
 * client per assumed session, so one limiter per account, as IAM's limits are per account).
 */
export const MEMBER_IAM_RETRY_CONFIG = { retryMode: 'adaptive', maxAttempts: 5 } as const;

// One keep-alive connection pool for every member-account client: a warm Lambda (or a local run)
// audits many accounts, and a new client per session must not mean new TCP and TLS handshakes.
const memberConnections = {
  httpAgent: new HttpAgent({ keepAlive: true, maxSockets: 64 }),
  httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets: 64 }),
};

/** The configuration of an IAM client acting through an assumed-role session. */
export function memberIamConfig(credentials: TemporaryCredentials): IAMClientConfig {
  return {
    region: GLOBAL_REGION,
    credentials: {
      accessKeyId: credentials.accessKeyId,
      secretAccessKey: credentials.secretAccessKey,
      sessionToken: credentials.sessionToken,
      expiration: credentials.expiration,
    },
    ...MEMBER_IAM_RETRY_CONFIG,
    requestHandler: memberConnections,
  };
}

/** An IAM client acting in a member account through an assumed-role session. */
export function iamClientFor(credentials: TemporaryCredentials): IAMClient {
  return new IAMClient(memberIamConfig(credentials));
}

/** An Organizations client acting through an assumed role (delegated admin -> management). */
export function organizationsClientWith(credentials: TemporaryCredentials): OrganizationsClient {
  return new OrganizationsClient({ region: GLOBAL_REGION, credentials, ...RETRY_CONFIG });
}
