/**
 * The composition root of the operations commands: SDK clients are built once, on first use,
 * and every piece can be replaced, so tests drive the commands with mocks and a fake clock.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { S3Client } from '@aws-sdk/client-s3';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type Io, processIo } from './output';

export type Sleep = (ms: number) => Promise<void>;

export interface OpsClients {
  readonly sfn: SFNClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly cloudformation: CloudFormationClient;
}

export interface OpsContext {
  readonly io: Io;
  readonly clients: () => OpsClients;
  readonly now: () => Date;
  readonly sleep: Sleep;
  /** Bytes for execution-name hashes; injectable so names are reproducible in tests. */
  readonly nonce: () => string;
  readonly env: NodeJS.ProcessEnv;
  /** Where a command's exit code goes; the default sets `process.exitCode` (no abrupt exit). */
  readonly setExitCode: (code: number) => void;
}

/** Standard retries ride out API throttling on the control-plane calls the CLI makes. */
const CLIENT_CONFIG = { retryMode: 'standard', maxAttempts: 5 } as const;

export function defaultContext(overrides: Partial<OpsContext> = {}): OpsContext {
  let clients: OpsClients | undefined;
  return {
    io: processIo(),
    clients: () => {
      // The SDK reads AWS_REGION/AWS_PROFILE/AWS_ENDPOINT_URL itself; nothing is hard-coded.
      clients ??= {
        sfn: new SFNClient(CLIENT_CONFIG),
        sqs: new SQSClient(CLIENT_CONFIG),
        s3: new S3Client(CLIENT_CONFIG),
        cloudformation: new CloudFormationClient(CLIENT_CONFIG),
      };
      return clients;
    },
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    nonce: () => crypto.randomUUID(),
    env: process.env,
    setExitCode: (code) => {
      process.exitCode = code;
    },
    ...overrides,
  };
}
