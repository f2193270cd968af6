import { Logger } from '@aws-lambda-powertools/logger';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resetClients } from '../../src/aws/clients';
import { s3Client } from '../../src/aws/clients/s3';
import { snsClient } from '../../src/aws/clients/sns';
import { handler as publishDigest } from '../../src/handlers/publish-digest';
import { buildRuntime, resetRuntime } from '../../src/runtime/composition';
import { lazyHandler } from '../../src/runtime/lazy-handler';
import { powertoolsLog } from '../../src/runtime/telemetry';
import { memoryS3 } from './support/memory-s3';

const TOPIC = 'arn:aws:sns:us-east-1:111111111111:org-key-audit-digest';

describe('composition root', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    resetRuntime();
    resetClients();
  });

  it('reads the environment once per cold start and leaves the clients to each handler', () => {
    const runtime = buildRuntime({
      REPORT_BUCKET: 'bucket-a',
      MAP_MAX_CONCURRENCY: '7',
      AWS_REGION: 'eu-west-1',
    });
    expect(runtime.config.reportBucket).toBe('bucket-a');
    expect(runtime.config.mapMaxConcurrency).toBe(7);
    expect(Object.keys(runtime).sort()).toEqual(['config', 'now', 'onInvoke', 'telemetry', 'traced']);
    // Outside Lambda the Tracer is off: tracing hands back the very client it was given.
    const sns = new SNSClient({ region: 'eu-west-1' });
    expect(runtime.traced(sns)).toBe(sns);
  });

  it('wires a Lambda entry to the per-service clients, so an injected client is the one it calls', async () => {
    vi.stubEnv('DIGEST_TOPIC_ARN', TOPIC);
    const s3 = memoryS3();
    s3.put('report-bucket', 'reports/run-1/digest.txt', 'digest body');
    const sns = new SNSClient({ region: 'us-east-1' });
    const snsMock = mockClient(sns);
    snsMock.on(PublishCommand).resolves({ MessageId: 'msg-9' });
    s3Client.set(s3.client);
    snsClient.set(sns);
    try {
      const result = await publishDigest({
        dryRun: false,
        subject: 'subject',
        bucket: 'report-bucket',
        digestKey: 'reports/run-1/digest.txt',
      });
      expect(result).toEqual({ published: true, messageId: 'msg-9', ownerDigests: 0 });
      expect(snsMock.commandCalls(PublishCommand)[0]?.args[0].input).toEqual({
        TopicArn: TOPIC,
        Subject: 'subject',
        Message: 'digest body',
      });
    } finally {
      snsMock.restore();
      s3.mock.restore();
    }
  });

  it('composes a handler on its first invocation, not at import, and only once', async () => {
    vi.stubEnv('REPORT_BUCKET', 'bucket-b');
    let builds = 0;
    const handler = lazyHandler((runtime) => {
      builds++;
      return async (event: number) => `${runtime.config.reportBucket}:${event}`;
    });
    expect(builds).toBe(0);
    expect(await handler(1)).toBe('bucket-b:1');
    expect(await handler(2)).toBe('bucket-b:2');
    expect(builds).toBe(1);
  });

  it('fails the first invocation with the variable named when the environment is wrong', async () => {
    vi.stubEnv('MAP_MAX_CONCURRENCY', '0');
    const handler = lazyHandler(() => async () => 'never');
    await expect(handler(undefined)).rejects.toThrow(/MAP_MAX_CONCURRENCY/);
  });
});

describe('Powertools logger adapter', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('prints JSON with the invocation keys and redacts secret-looking attributes', () => {
    // POWERTOOLS_DEV makes the Logger write through the global console, which the spy sees.
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    const printed: string[] = [];
    vi.spyOn(console, 'info').mockImplementation((line: unknown) => {
      printed.push(String(line));
    });
    const log = powertoolsLog(new Logger({ serviceName: 'org-key-audit', logLevel: 'INFO' }));

    log.appendKeys({ executionName: 'run-1', accountId: '111111111111' });
    log.info('assumed role', { credentials: { secretAccessKey: 'shh', sessionToken: 'tok' }, findings: 2 });
    log.resetKeys();
    log.info('after reset');

    expect(printed).toHaveLength(2);
    const first = JSON.parse(printed[0] ?? '{}');
    expect(first).toMatchObject({
      message: 'assumed role',
      service: 'org-key-audit',
      executionName: 'run-1',
      accountId: '111111111111',
      credentials: '[redacted]',
      findings: 2,
    });
    expect(printed.join('\n')).not.toContain('shh');
    expect(printed.join('\n')).not.toContain('tok');
    expect(JSON.parse(printed[1] ?? '{}').executionName).toBeUndefined();
  });
});
