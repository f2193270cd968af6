import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { resetClients } from '../../src/aws/clients';
import { buildRuntime, resetRuntime } from '../../src/aws/composition';
import { lazyHandler } from '../../src/handlers/shared/lazy-handler';
import { powertoolsLog } from '../../src/handlers/shared/telemetry';

describe('composition root', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
    resetRuntime();
    resetClients();
  });

  it('reads the environment once per cold start and builds every client', () => {
    const runtime = buildRuntime({
      REPORT_BUCKET: 'bucket-a',
      MAP_MAX_CONCURRENCY: '7',
      AWS_REGION: 'eu-west-1',
    });
    expect(runtime.config.reportBucket).toBe('bucket-a');
    expect(runtime.config.mapMaxConcurrency).toBe(7);
    expect(Object.keys(runtime.clients).sort()).toEqual(['iam', 'organizations', 's3', 'sns', 'sqs', 'sts']);
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
