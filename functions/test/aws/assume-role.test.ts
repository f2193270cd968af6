import { AssumeRoleCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { assumeAuditRole, CredentialCache, sanitizeSessionName } from '../../src/aws/assume-role';
import { AuditRoleMissingError, InvalidInputError } from '../../src/core/errors';

const stsMock = mockClient(STSClient);
const sts = new STSClient({ region: 'eu-west-1' });
const T0 = new Date('2025-06-15T12:00:00Z');

function grantCredentials(expiration: Date, id = 'ASIAEXAMPLE') {
  stsMock.on(AssumeRoleCommand).resolves({
    Credentials: {
      AccessKeyId: id,
      SecretAccessKey: 'secret',
      SessionToken: 'token',
      Expiration: expiration,
    },
  });
}

afterEach(() => {
  stsMock.reset();
});

describe('sanitizeSessionName', () => {
  it('replaces characters outside [\\w+=,.@-] with "-"', () => {
    expect(sanitizeSessionName('daily run 2025/06/15:audit#1')).toBe('daily-run-2025-06-15-audit-1');
    expect(sanitizeSessionName('a+b=c,d.e@f_g-h')).toBe('a+b=c,d.e@f_g-h');
  });

  it('cuts names longer than 64 characters', () => {
    const name = sanitizeSessionName('x'.repeat(80));
    expect(name).toBe('x'.repeat(64));
  });

  it('pads names shorter than 2 characters', () => {
    expect(sanitizeSessionName('')).toBe('org-key-audit');
    expect(sanitizeSessionName('a')).toBe('org-key-audit-a');
  });

  it('always yields a name STS accepts', () => {
    for (const input of ['', 'é', 'ü'.repeat(100), '12345678-aaaa-bbbb-cccc-1234567890ab', '💥 boom']) {
      expect(sanitizeSessionName(input)).toMatch(/^[\w+=,.@-]{2,64}$/);
    }
  });
});

describe('assumeAuditRole', () => {
  it('asks for the audit role in the account for one hour, with the execution name as session name', async () => {
    grantCredentials(new Date(T0.getTime() + 3_600_000));

    const credentials = await assumeAuditRole(
      sts,
      { accountId: '123456789012', roleName: 'OrgKeyAuditRole', executionName: 'manual rerun 1' },
      { cache: new CredentialCache(() => T0) },
    );

    expect(credentials).toEqual({
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'token',
      expiration: new Date(T0.getTime() + 3_600_000),
    });
    expect(stsMock.commandCalls(AssumeRoleCommand)[0]?.args[0].input).toEqual({
      RoleArn: 'arn:aws:iam::123456789012:role/OrgKeyAuditRole',
      RoleSessionName: 'manual-rerun-1',
      DurationSeconds: 3600,
    });
  });

  it('builds the role ARN in the given partition', async () => {
    grantCredentials(new Date(T0.getTime() + 3_600_000));

    await assumeAuditRole(
      sts,
      {
        accountId: '123456789012',
        roleName: 'OrgKeyAuditRole',
        executionName: 'run',
        partition: 'aws-us-gov',
      },
      { cache: new CredentialCache(() => T0) },
    );

    expect(stsMock.commandCalls(AssumeRoleCommand)[0]?.args[0].input.RoleArn).toBe(
      'arn:aws-us-gov:iam::123456789012:role/OrgKeyAuditRole',
    );
  });

  it('turns AccessDenied into AuditRoleMissingError naming the role and the account', async () => {
    stsMock.on(AssumeRoleCommand).rejects(
      new STSServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        $metadata: {},
        message: 'not authorized',
      }),
    );

    const error = await assumeAuditRole(
      sts,
      { accountId: '210987654321', roleName: 'OrgKeyAuditRole', executionName: 'run' },
      { cache: new CredentialCache(() => T0) },
    ).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AuditRoleMissingError);
    const missing = error as AuditRoleMissingError;
    expect(missing.name).toBe('AuditRoleMissingError');
    expect(missing.accountId).toBe('210987654321');
    expect(missing.message).toBe(
      'the audit role OrgKeyAuditRole is missing or does not trust the auditor in account 210987654321',
    );
  });

  it('passes other STS errors through unchanged', async () => {
    const boom = new STSServiceException({
      name: 'RegionDisabledException',
      $fault: 'client',
      $metadata: {},
      message: 'x',
    });
    stsMock.on(AssumeRoleCommand).rejects(boom);

    await expect(
      assumeAuditRole(
        sts,
        { accountId: '210987654321', roleName: 'R', executionName: 'run' },
        { cache: new CredentialCache() },
      ),
    ).rejects.toBe(boom);
  });

  it('rejects an account id that is not 12 digits, naming the field', async () => {
    await expect(
      assumeAuditRole(
        sts,
        { accountId: '12345', roleName: 'R', executionName: 'run' },
        { cache: new CredentialCache() },
      ),
    ).rejects.toThrow(InvalidInputError);
    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('reuses credentials until 5 minutes before they expire', async () => {
    let now = T0;
    const cache = new CredentialCache(() => now);
    const params = { accountId: '123456789012', roleName: 'OrgKeyAuditRole', executionName: 'run' };
    grantCredentials(new Date(T0.getTime() + 3_600_000), 'ASIAFIRST');

    await assumeAuditRole(sts, params, { cache });
    now = new Date(T0.getTime() + 54 * 60_000); // 6 minutes left: still good
    const second = await assumeAuditRole(sts, params, { cache });
    expect(second.accessKeyId).toBe('ASIAFIRST');
    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(1);

    now = new Date(T0.getTime() + 55 * 60_000); // exactly 5 minutes left: renew
    grantCredentials(new Date(now.getTime() + 3_600_000), 'ASIASECOND');
    const third = await assumeAuditRole(sts, params, { cache });
    expect(third.accessKeyId).toBe('ASIASECOND');
    expect(stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it('keeps separate credentials per account', async () => {
    const cache = new CredentialCache(() => T0);
    grantCredentials(new Date(T0.getTime() + 3_600_000));

    await assumeAuditRole(sts, { accountId: '111111111111', roleName: 'R', executionName: 'run' }, { cache });
    await assumeAuditRole(sts, { accountId: '222222222222', roleName: 'R', executionName: 'run' }, { cache });

    expect(stsMock.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.RoleArn)).toEqual([
      'arn:aws:iam::111111111111:role/R',
      'arn:aws:iam::222222222222:role/R',
    ]);
  });
});
