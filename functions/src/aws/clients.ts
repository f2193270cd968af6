/**
 * Every SDK client of the product in one object, for code that uses them all (the local runner,
 * tests). Lambda handlers do not import this module: each takes its clients from the per-service
 * modules under `clients/`, so its bundle holds only the SDK clients it calls. Clients honour
 * `AWS_ENDPOINT_URL` on their own, which is how the emulator on 127.0.0.1 stands in for AWS.
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { STSClient } from '@aws-sdk/client-sts';
import type { ClientSlot } from './clients/common';
import { iamClient } from './clients/iam';
import { organizationsClient } from './clients/organizations';
import { s3Client } from './clients/s3';
import { snsClient } from './clients/sns';
import { sqsClient } from './clients/sqs';
import { stsClient } from './clients/sts';

export {
  GLOBAL_REGION,
  RETRY_CONFIG,
  regionFromEnv,
  type TemporaryCredentials,
} from './clients/common';
export { iamClientFor, memberIamConfig } from './clients/iam';
export { organizationsClientWith } from './clients/organizations';

export interface AwsClients {
  readonly sts: STSClient;
  readonly organizations: OrganizationsClient;
  readonly iam: IAMClient;
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
}

const slots: { readonly [K in keyof AwsClients]: ClientSlot<AwsClients[K]> } = {
  sts: stsClient,
  organizations: organizationsClient,
  iam: iamClient,
  s3: s3Client,
  sns: snsClient,
  sqs: sqsClient,
};

function setSlot<K extends keyof AwsClients>(name: K, client: AwsClients[K] | undefined): void {
  if (client !== undefined) slots[name].set(client);
}

/**
 * The clients of this execution environment, built on first use. `overrides` wins over (and
 * replaces) the cached client, so a composition root can inject mocks once. The cache is the
 * per-service one, so a client injected here is the one a handler gets too.
 */
export function getClients(overrides: Partial<AwsClients> = {}): AwsClients {
  for (const name of Object.keys(slots) as (keyof AwsClients)[]) setSlot(name, overrides[name]);
  return {
    sts: slots.sts.get(),
    organizations: slots.organizations.get(),
    iam: slots.iam.get(),
    s3: slots.s3.get(),
    sns: slots.sns.get(),
    sqs: slots.sqs.get(),
  };
}

/** Forgets the cached clients (tests that change the environment between cases). */
export function resetClients(): void {
  for (const slot of Object.values(slots)) slot.reset();
}
