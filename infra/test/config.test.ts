import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError } from '@org-key-audit/functions/core';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../lib/config';
import { AUDIT, DELEGATED_CONFIG, MANAGEMENT } from './support';

const MINIMAL = {
  managementAccountId: MANAGEMENT,
  auditAccountId: MANAGEMENT,
  organizationId: 'o-abcdefghij',
  rollout: { targetOrganizationalUnitIds: ['r-ab12'] },
};

function errorOf(raw: unknown): string {
  try {
    parseConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as Error).message;
  }
  throw new Error('expected the config to be rejected');
}

describe('parseConfig defaults', () => {
  it('fills the documented defaults around the required fields', () => {
    const config = parseConfig(MINIMAL);
    expect(config).toMatchObject({
      example: false,
      region: 'us-east-1',
      auditRoleName: 'OrgKeyAuditRole',
      schedule: { expression: 'cron(0 8 * * ? *)', timeZone: 'UTC', enabled: true },
      rollout: { callAs: 'SELF', maxConcurrentPercentage: 25, failureTolerancePercentage: 10 },
      digestEmails: [],
      exemptions: [],
      mapMaxConcurrency: 40,
      childExecutionType: 'STANDARD',
      reportRetentionDays: 400,
      // Management account audits itself: it can list accounts directly.
      useOrgReaderRole: false,
    });
    expect(config.thresholds).toMatchObject({
      rotationOverdueDays: 90,
      rotationDueSoonDays: 80,
      reminderDays: [90],
    });
  });

  it('uses the org reader role when the auditor runs in a delegated administrator', () => {
    expect(parseConfig({ ...MINIMAL, auditAccountId: AUDIT }).useOrgReaderRole).toBe(true);
  });
});

describe('parseConfig rejects bad values, naming the field', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    [
      'a short account id',
      { managementAccountId: '1234' },
      /managementAccountId must be a 12-digit AWS account id/,
    ],
    ['an account id as a number', { auditAccountId: 222222222222 }, /auditAccountId must be a string/],
    [
      'a bad organization id',
      { organizationId: 'org-1' },
      /organizationId must be the organization id like "o-/,
    ],
    [
      'an empty OU list',
      { rollout: { targetOrganizationalUnitIds: [] } },
      /rollout\.targetOrganizationalUnitIds must list at least one/,
    ],
    [
      'a malformed OU id',
      { rollout: { targetOrganizationalUnitIds: ['ou-1'] } },
      /rollout\.targetOrganizationalUnitIds\[0\] must be an organization root id/,
    ],
    [
      'an unknown time zone',
      { schedule: { timeZone: 'Mars/Olympus' } },
      /schedule\.timeZone must be an IANA time zone/,
    ],
    [
      'a five-field cron',
      { schedule: { expression: 'cron(0 8 * * *)' } },
      /schedule\.expression must be an EventBridge Scheduler expression/,
    ],
    ['a bad email', { digestEmails: ['secops'] }, /digestEmails\[0\] must be an email address/],
    ['too much concurrency', { mapMaxConcurrency: 20000 }, /mapMaxConcurrency/],
    [
      'a wrong child execution type',
      { childExecutionType: 'FAST' },
      /childExecutionType must be "STANDARD" or "EXPRESS"/,
    ],
    [
      // A large account's audit spans several invocations; an Express child stops at 5 minutes.
      'Express children',
      { childExecutionType: 'EXPRESS' },
      /childExecutionType must be "STANDARD": an account too large for one AuditAccount invocation is audited over several/,
    ],
    ['no invocation at all per account', { maxAuditIterations: 0 }, /maxAuditIterations/],
    ['a margin longer than the function runs', { auditSafetyMarginSeconds: 900 }, /auditSafetyMarginSeconds/],
    [
      'an exemption without a date',
      { exemptions: [{ accountId: AUDIT, userName: 'ci', reason: 'vendor' }] },
      /exemptions\[0\]\.until is required/,
    ],
    ['a misspelt field', { reportRetentionDay: 10 }, /has unknown field\(s\) reportRetentionDay/],
    [
      'a threshold out of order',
      { thresholds: { rotationDueSoonDays: 95 } },
      /thresholds\.rotationDueSoonDays must be less than thresholds\.rotationOverdueDays/,
    ],
    [
      'an unknown threshold',
      { thresholds: { rotationDays: 90 } },
      /thresholds\.rotationDays is not a known threshold/,
    ],
  ];
  for (const [what, override, expected] of cases) {
    it(`rejects ${what}`, () => {
      expect(errorOf({ ...MINIMAL, ...override })).toMatch(expected);
    });
  }

  it('lists every bad field at once', () => {
    const message = errorOf({ ...MINIMAL, managementAccountId: 'x', region: 'Frankfurt' });
    expect(message).toMatch(/managementAccountId/);
    expect(message).toMatch(/region must be an AWS region code/);
  });

  it('says a missing required field is required', () => {
    const { organizationId: _, ...rest } = MINIMAL;
    expect(errorOf(rest)).toMatch(/organizationId is required/);
  });
});

describe('loadConfig', () => {
  function dirWith(files: Record<string, unknown>): string {
    const dir = mkdtempSync(join(tmpdir(), 'oka-config-'));
    for (const [name, content] of Object.entries(files))
      writeFileSync(join(dir, name), JSON.stringify(content));
    return dir;
  }

  it('prefers org-key-audit.config.json over the example', () => {
    const dir = dirWith({
      'org-key-audit.config.json': MINIMAL,
      'org-key-audit.config.example.json': { ...MINIMAL, example: true },
    });
    expect(loadConfig({ rootDir: dir }).config.example).toBe(false);
  });

  it('falls back to the example so a fresh clone synthesizes, marked as the example', () => {
    const dir = dirWith({ 'org-key-audit.config.example.json': { ...MINIMAL, example: true } });
    expect(loadConfig({ rootDir: dir }).config.example).toBe(true);
  });

  it('takes cdk context "config" first, as an object or JSON text', () => {
    const dir = dirWith({ 'org-key-audit.config.json': MINIMAL });
    expect(loadConfig({ rootDir: dir, contextConfig: DELEGATED_CONFIG }).config.region).toBe('eu-west-1');
    expect(loadConfig({ rootDir: dir, contextConfig: JSON.stringify(DELEGATED_CONFIG) }).config.region).toBe(
      'eu-west-1',
    );
  });

  it('names the file when cdk context "configFile" points nowhere', () => {
    const dir = dirWith({});
    expect(() => loadConfig({ rootDir: dir, contextConfigFile: 'prod.json' })).toThrow(
      /configFile.*prod\.json.*does not exist/,
    );
  });

  it('tells the user to copy the example when there is no config at all', () => {
    expect(() => loadConfig({ rootDir: dirWith({}) })).toThrow(/copy org-key-audit\.config\.example\.json/);
  });

  it('stops the CDK app itself with the field name before any stack is built', () => {
    const bad = { ...MINIMAL, schedule: { timeZone: 'Nowhere/Town' } };
    const result = spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      cwd: join(import.meta.dirname, '..'),
      env: {
        ...process.env,
        CDK_CONTEXT_JSON: JSON.stringify({ config: bad }),
        CDK_OUTDIR: mkdtempSync(join(tmpdir(), 'oka-out-')),
      },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/schedule\.timeZone must be an IANA time zone/);
  });
});
