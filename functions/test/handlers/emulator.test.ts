/**
 * The five handlers in workflow order against the emulator on 127.0.0.1, through the real SDK
 * v3 clients: real wire protocols, real role assumption, real S3 objects and SNS publish. The
 * Map is played by a loop, with the ASL's Catch path (AccountFailed) written out by hand.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// A relative import: the emulator package depends on this one, so a package dependency back
// would be a cycle; tests only need its source.
import { type RunningEmulator, startEmulator } from '../../../emulator/src/index';
import { CredentialCache } from '../../src/aws/assume-role';
import type { TemporaryCredentials } from '../../src/aws/clients';
import { RunStore } from '../../src/aws/run-store';
import type { AccountAudit } from '../../src/core/model';
import { makeAuditAccountHandler } from '../../src/handlers/audit-account';
import { makeBuildDigestHandler } from '../../src/handlers/build-digest';
import { makeListAccountsHandler } from '../../src/handlers/list-accounts';
import { makePublishDigestHandler } from '../../src/handlers/publish-digest';
import { makeValidateInputHandler } from '../../src/handlers/validate-input';
import { configFromEnv } from '../../src/runtime/config';
import { type RecordingTelemetry, recordingTelemetry } from './support/telemetry';

const NOW = new Date('2024-06-01T12:00:00Z');
const MANAGEMENT = '300000000000';
const SECURITY = '300000000001';
const NO_ROLE = '300000000002';
const SUSPENDED = '300000000003';
const MEMBER = '300000000004';

// Planted: only mia's 120-day-old key (used yesterday) needs attention: ROTATION_OVERDUE, high.
// ned's key is 3 days old and in use. The management and security accounts have no users.
const SPEC = {
  now: NOW.toISOString(),
  accounts: [
    { id: MANAGEMENT, name: 'management' },
    { id: SECURITY, name: 'security' },
    { id: NO_ROLE, name: 'no-role', auditRole: false },
    { id: SUSPENDED, name: 'old', state: 'SUSPENDED' },
    {
      id: MEMBER,
      name: 'member',
      users: [
        { name: 'mia', keys: [{ ageDays: 120, lastUsedDaysAgo: 1 }] },
        { name: 'ned', keys: [{ ageDays: 3, lastUsedDaysAgo: 1 }] },
      ],
    },
  ],
};

describe('handlers against the emulator (real SDK clients)', () => {
  let emu: RunningEmulator;
  let telemetry: RecordingTelemetry;

  beforeAll(async () => {
    // Throttling off: this suite checks the wiring; the collector's own tests cover backoff.
    emu = await startEmulator({ orgSpec: SPEC, now: NOW, faults: { iamThrottling: { enabled: false } } });
    telemetry = recordingTelemetry();
  });
  afterAll(async () => {
    await emu.stop();
  });

  function clientConfig(credentials: {
    accessKeyId: string;
    secretAccessKey: string;
    sessionToken?: string;
  }) {
    return { endpoint: emu.url, region: emu.region, credentials, maxAttempts: 2, forcePathStyle: true };
  }

  it('runs a whole audit: every account accounted for, the planted finding found, the digest published', async () => {
    const auditor = { accessKeyId: emu.auditor.accessKeyId, secretAccessKey: emu.auditor.secretAccessKey };
    const sts = new STSClient(clientConfig(auditor));
    const s3 = new S3Client(clientConfig(auditor));
    const config = configFromEnv({
      REPORT_BUCKET: emu.resources.reportBucket,
      DIGEST_TOPIC_ARN: emu.resources.digestTopicArn,
      AUDIT_ROLE_NAME: emu.roleName,
    });
    const now = () => emu.clock.now();
    const executionName = 'emulated-run-1';
    const executionArn = `arn:aws:states:${emu.region}:${SECURITY}:execution:AuditOrganization:${executionName}`;

    const validated = await makeValidateInputHandler({ thresholds: config.thresholds, telemetry })({
      input: { reason: 'emulator test' },
    });
    if (!validated.ok) throw new Error(`input rejected: ${validated.cause}`);

    const listed = await makeListAccountsHandler({
      organizations: new OrganizationsClient(clientConfig(auditor)),
      sts,
      s3,
      config,
      telemetry,
    })({ executionName, executionArn, input: validated.input });
    expect(listed).toMatchObject({ total: 5, toAudit: 4, skipped: 1 });

    const sessions: TemporaryCredentials[] = [];
    const audit = makeAuditAccountHandler({
      sts,
      s3,
      iamFor: (credentials) => {
        sessions.push(credentials);
        return new IAMClient(clientConfig(credentials));
      },
      config,
      telemetry,
      now,
      collector: { sleep: async () => {} },
      credentialCache: new CredentialCache(now),
    });
    const items = await new RunStore({ s3, bucket: listed.bucket }).getItems(executionName);
    expect([...items].sort()).toEqual([MANAGEMENT, SECURITY, NO_ROLE, MEMBER].sort());
    const outputs: unknown[] = [];
    for (const accountId of items) {
      try {
        outputs.push(
          await audit({ accountId, executionName, executionArn, thresholds: validated.input.thresholds }),
        );
      } catch (error) {
        // The ASL's AccountFailed state: { accountId, status, errorName: Error, reason: Cause }.
        const e = error as Error;
        outputs.push({ accountId, status: 'FAILED', errorName: e.name, reason: e.message });
      }
    }

    const built = await makeBuildDigestHandler({ s3, thresholds: config.thresholds, telemetry, now })({
      executionName,
      executionArn,
      input: validated.input,
      accounts: listed,
      map: outputs,
    });

    expect(built.summary.totals).toMatchObject({
      accounts: 5,
      audited: 3,
      failed: 1,
      skipped: 1,
      findings: 1,
    });
    expect(built.summary.failedAccounts).toEqual([
      { accountId: NO_ROLE, errorName: 'AuditRoleMissingError', reason: expect.stringContaining(NO_ROLE) },
    ]);
    const report = JSON.parse(
      emu.messaging.objects(emu.resources.reportBucket).get(built.reportKey)?.toString('utf-8') ?? '{}',
    ) as { accounts: AccountAudit[] };
    const findings = report.accounts.flatMap((a) => a.findings.map((f) => [a.accountId, f.userName, f.type]));
    expect(findings).toEqual([[MEMBER, 'mia', 'ROTATION_OVERDUE']]);
    // The emulator's own, independent derivation of what should be found agrees.
    expect(emu.expected.findings.map((f) => [f.accountId, f.userName, f.type])).toEqual(findings);
    const statusOf = Object.fromEntries(report.accounts.map((a) => [a.accountId, a.status]));
    for (const expected of emu.expected.accounts)
      expect(statusOf[expected.accountId]).toBe(expected.expectedStatus);

    const published = await makePublishDigestHandler({
      s3,
      sns: new SNSClient(clientConfig(auditor)),
      digestTopicArn: config.digestTopicArn,
      telemetry,
    })({ dryRun: false, subject: built.subject, bucket: listed.bucket, digestKey: built.digestKey });

    expect(published.published).toBe(true);
    const messages = emu.messaging.published().filter((m) => m.topicArn === emu.resources.digestTopicArn);
    expect(messages).toHaveLength(1);
    expect(messages[0]?.subject).toBe(built.subject);
    expect(messages[0]?.message).toContain(NO_ROLE);

    // Real session credentials went through the handlers; none of them reached a log line.
    expect(sessions.length).toBeGreaterThan(0);
    for (const session of sessions) {
      expect(telemetry.dump()).not.toContain(session.secretAccessKey);
      expect(telemetry.dump()).not.toContain(session.sessionToken);
    }
    expect(telemetry.dump()).not.toContain(emu.auditor.secretAccessKey);
  });
});
