/**
 * The ASFF mapping: every field Security Hub requires of an imported finding (BatchImportFindings
 * refuses a finding without SchemaVersion, Id, ProductArn, GeneratorId, AwsAccountId, CreatedAt,
 * UpdatedAt, Title, Description, Resources, Severity and Types), the 240 KB limit with the longest
 * names AWS allows, and the CIS control of each finding type (v3.0.0 numbering).
 */
import { describe, expect, it } from 'vitest';
import {
  ASFF_MAX_FINDING_BYTES,
  archivedAsff,
  asffBatches,
  asffBytes,
  asffFindingId,
  CIS_CONTROL_OF,
  defaultProductArn,
  toAsff,
} from '../../src/core/asff';
import type { Finding } from '../../src/core/model';

const CTX = { auditAccountId: '222222222222', region: 'eu-west-1', now: '2026-12-02T08:00:00.000Z' };

function finding(overrides: Partial<Finding> = {}): Finding {
  return {
    accountId: '333333333333',
    userName: 'alice',
    userArn: 'arn:aws:iam::333333333333:user/alice',
    accessKeyId: 'AKIAABCDEFGHIJKLMNOP',
    keySlot: 1,
    status: 'Active',
    createdAt: '2026-06-01T10:00:00.000Z',
    ageDays: 184,
    lastUsedAt: '2026-11-30T10:00:00.000Z',
    lastUsedService: 's3',
    type: 'ROTATION_OVERDUE',
    severity: 'high',
    ...overrides,
  };
}

const REQUIRED = [
  'SchemaVersion',
  'Id',
  'ProductArn',
  'GeneratorId',
  'AwsAccountId',
  'CreatedAt',
  'UpdatedAt',
  'Title',
  'Description',
  'Resources',
  'Severity',
  'Types',
] as const;

describe('toAsff', () => {
  it('fills every required field, in the audit account and its default product', () => {
    const asff = toAsff({ finding: finding(), firstSeenAt: '2026-11-20T08:00:00.000Z' }, CTX);
    for (const field of REQUIRED) expect(asff[field], field).toBeDefined();
    expect(asff.SchemaVersion).toBe('2018-10-08');
    expect(asff.AwsAccountId).toBe('222222222222');
    expect(asff.ProductArn).toBe('arn:aws:securityhub:eu-west-1:222222222222:product/222222222222/default');
    expect(asff.Id).toBe('org-key-audit/333333333333/alice/AKIAABCDEFGHIJKLMNOP/ROTATION_OVERDUE');
    expect(asff.CreatedAt).toBe('2026-11-20T08:00:00.000Z');
    expect(asff.UpdatedAt).toBe(CTX.now);
    expect(asff.Severity).toEqual({ Label: 'HIGH', Original: 'high' });
    expect(asff.FindingProviderFields.Severity).toEqual(asff.Severity);
    expect(asff.Compliance).toEqual({
      Status: 'FAILED',
      RelatedRequirements: ['CIS AWS Foundations Benchmark v3.0.0/1.14'],
    });
    expect(asff.RecordState).toBe('ACTIVE');
    // The member account and the user are named where Security Hub filters can reach them.
    expect(asff.ProductFields['org-key-audit/MemberAccountId']).toBe('333333333333');
    expect(asff.Resources.map((r) => [r.Type, r.Id])).toEqual([
      ['AwsIamAccessKey', 'arn:aws:iam::333333333333:user/alice/accesskey/AKIAABCDEFGHIJKLMNOP'],
      ['AwsIamUser', 'arn:aws:iam::333333333333:user/alice'],
    ]);
    // Security Hub's own limits: Title 256 characters, Description 1,024.
    expect(asff.Title.length).toBeLessThanOrEqual(256);
    expect(asff.Description.length).toBeLessThanOrEqual(1024);
  });

  it('stays under 240 KB with the longest names IAM and Organizations allow', () => {
    const long = 'u'.repeat(64); // IAM user names: at most 64 characters
    const asff = toAsff(
      {
        finding: finding({
          userName: long,
          userArn: `arn:aws:iam::333333333333:user/${'p/'.repeat(255)}${long}`,
          owner: 'o'.repeat(128),
        }),
        accountName: 'n'.repeat(50),
      },
      CTX,
    );
    expect(asffBytes(asff)).toBeLessThan(ASFF_MAX_FINDING_BYTES);
    expect(asff.Title.length).toBeLessThanOrEqual(256);
    for (const value of Object.values(asff.ProductFields)) expect(value.length).toBeLessThanOrEqual(2048);
  });

  it('gives root keys a stable id by slot, and the 1.4 control', () => {
    const root = finding({
      userName: '<root_account>',
      accessKeyId: null,
      keySlot: 2,
      type: 'ROOT_ACCESS_KEY',
      severity: 'critical',
    });
    expect(asffFindingId(root)).toBe('org-key-audit/333333333333/%3Croot_account%3E/slot-2/ROOT_ACCESS_KEY');
    const asff = toAsff({ finding: root }, CTX);
    expect(asff.Compliance.RelatedRequirements).toEqual(['CIS AWS Foundations Benchmark v3.0.0/1.4']);
    expect(asff.Severity.Label).toBe('CRITICAL');
  });

  it('maps each finding type to the CIS control it fails, and the warnings to none', () => {
    expect(CIS_CONTROL_OF).toEqual({
      ROOT_ACCESS_KEY: '1.4',
      ROTATION_OVERDUE: '1.14',
      ROTATION_DUE_SOON: null,
      REMINDER_DAY: null,
      UNUSED: '1.12',
      NEVER_USED: '1.12',
      TWO_ACTIVE_KEYS: '1.13',
      INACTIVE_KEY_LINGERING: null,
    });
    const lingering = toAsff({ finding: finding({ type: 'INACTIVE_KEY_LINGERING', severity: 'info' }) }, CTX);
    expect(lingering.Compliance).toEqual({ Status: 'FAILED' });
    expect(lingering.Types).toEqual(['Software and Configuration Checks/AWS Security Best Practices']);
  });
});

describe('archiving and batches', () => {
  it('archives with the same id, PASSED, a later UpdatedAt, the rest unchanged', () => {
    const before = toAsff({ finding: finding() }, CTX);
    const after = archivedAsff(before, '2026-12-03T08:00:00.000Z');
    expect(after.Id).toBe(before.Id);
    expect(after.RecordState).toBe('ARCHIVED');
    expect(after.Compliance.Status).toBe('PASSED');
    expect(after.UpdatedAt).toBe('2026-12-03T08:00:00.000Z');
    expect(after.CreatedAt).toBe(before.CreatedAt);
  });

  it('cuts batches of at most 100, in order', () => {
    const items = Array.from({ length: 250 }, (_, i) => i);
    expect(asffBatches(items).map((b) => b.length)).toEqual([100, 100, 50]);
    expect(asffBatches(items).flat()).toEqual(items);
    expect(asffBatches([])).toEqual([]);
  });

  it('names the default product of other partitions', () => {
    expect(defaultProductArn({ ...CTX, partition: 'aws-us-gov', region: 'us-gov-west-1' })).toBe(
      'arn:aws-us-gov:securityhub:us-gov-west-1:222222222222:product/222222222222/default',
    );
  });
});
