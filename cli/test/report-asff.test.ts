/**
 * `keyaudit report --format asff` and findings.asff.json: every open finding of the report in
 * ASFF, for the default product of the audit account named in the report's executionArn (the
 * only product BatchImportFindings accepts from that account). Expected values by hand from
 * helpers/compliance-fixture.ts: 11 open findings, 8 of them failing a CIS control.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunningEmulator } from '@org-key-audit/emulator';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { register } from '../src/commands/report';
import { parseExecutionArn, reportToAsff } from '../src/ops/report-asff';
import { runReport } from '../src/workflow/report-files';
import { AUDIT_ACCOUNT, complianceReport, PAYMENTS, UNNAMED } from './helpers/compliance-fixture';
import { testContext } from './helpers/ops-context';

const PRODUCT = `arn:aws:securityhub:eu-west-1:${AUDIT_ACCOUNT}:product/${AUDIT_ACCOUNT}/default`;

async function runCli(t: ReturnType<typeof testContext>, args: string[]) {
  const program = new Command().exitOverride();
  register(program, () => t.ctx);
  await program.parseAsync(['node', 'keyaudit', 'report', ...args]);
  return t.exitCodes.at(-1);
}

async function reportFile(report: unknown = complianceReport()): Promise<{ dir: string; source: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'keyaudit-asff-'));
  const source = join(dir, 'report.json');
  await writeFile(source, JSON.stringify(report));
  return { dir, source };
}

describe('reportToAsff', () => {
  it('takes partition, region and audit account from the execution ARN', () => {
    expect(
      parseExecutionArn('arn:aws-us-gov:states:us-gov-west-1:123456789012:execution:AuditOrganization:x'),
    ).toEqual({ partition: 'aws-us-gov', region: 'us-gov-west-1', accountId: '123456789012' });
    expect(
      parseExecutionArn('arn:aws:states:eu-west-1:123456789012:execution:AuditOrganization/Map:child'),
    ).toEqual({ partition: 'aws', region: 'eu-west-1', accountId: '123456789012' });
    expect(parseExecutionArn(null)).toBeNull();
    expect(
      parseExecutionArn('arn:aws:states:eu-west-1:123456789012:stateMachine:AuditOrganization'),
    ).toBeNull();
    expect(parseExecutionArn('arn:aws-iso:states:x:123456789012:execution:a:b')).toBeNull();
  });

  it('writes every open finding, none of the exempted, all for the audit account’s default product', () => {
    const asff = reportToAsff(complianceReport());
    expect(asff).toMatchObject({ auditAccountId: AUDIT_ACCOUNT, region: 'eu-west-1', productArn: PRODUCT });
    expect(asff.findings).toHaveLength(11);
    for (const f of asff.findings) {
      expect(f.ProductArn).toBe(PRODUCT);
      expect(f.AwsAccountId).toBe(AUDIT_ACCOUNT);
      expect(f.Resources.every((r) => r.Region === 'eu-west-1' && r.Partition === 'aws')).toBe(true);
      expect(f.UpdatedAt).toBe('2025-03-04T05:30:00.000Z');
    }
    // The exempted dave, hank and ivan are not open.
    const users = asff.findings.map((f) => f.ProductFields['org-key-audit/UserName']);
    expect(users).not.toContain('dave');
    expect(users).not.toContain('hank');
    expect(users).not.toContain('ivan');
    // 8 fail a CIS control; due soon, the reminder day and the lingering inactive key do not.
    const requirements = asff.findings.map((f) => f.Compliance.RelatedRequirements?.[0] ?? null);
    const cis = (id: string) => `CIS AWS Foundations Benchmark v3.0.0/${id}`;
    expect(requirements).toEqual([
      cis('1.14'),
      cis('1.14'),
      cis('1.12'),
      null,
      cis('1.4'),
      cis('1.13'),
      cis('1.12'),
      cis('1.12'),
      null,
      cis('1.14'),
      null,
    ]);
  });

  it('names the member account and its name, and takes first-seen from the changes', () => {
    const asff = reportToAsff(complianceReport());
    const alice = asff.findings[0];
    expect(alice?.Id).toBe(`org-key-audit/${PAYMENTS}/alice/AKIAALICECCCCCCCCCCC/ROTATION_OVERDUE`);
    expect(alice?.ProductFields['org-key-audit/MemberAccountId']).toBe(PAYMENTS);
    expect(alice?.ProductFields['org-key-audit/MemberAccountName']).toBe('payments');
    // Still open since 2025-01-10; bob is not in the changes, so first seen is this run.
    expect(alice?.FirstObservedAt).toBe('2025-01-10T05:30:00.000Z');
    expect(asff.findings[1]?.FirstObservedAt).toBe('2025-03-04T05:30:00.000Z');
    // An account whose name is its id gets no name field.
    const kim = asff.findings.find((f) => f.ProductFields['org-key-audit/MemberAccountId'] === UNNAMED);
    expect(kim?.ProductFields['org-key-audit/MemberAccountName']).toBeUndefined();
  });

  it('refuses a report without an execution ARN, saying why', () => {
    expect(() => reportToAsff({ ...complianceReport(), executionArn: null })).toThrow(
      /no Step Functions execution ARN .* cannot name the default product/,
    );
  });
});

describe('keyaudit report --format asff', () => {
  it('writes the ASFF array and says whose default product the findings are for', async () => {
    const { dir, source } = await reportFile();
    const t = testContext();
    const out = join(dir, 'findings.asff.json');
    expect(await runCli(t, [source, '--format', 'asff', '--out', out])).toBe(0);
    const findings = JSON.parse(await readFile(out, 'utf8')) as { ProductArn: string }[];
    expect(Array.isArray(findings)).toBe(true);
    expect(findings).toHaveLength(11);
    expect(t.stderr[0]).toBe(
      `11 open findings for the default product of the audit account ${AUDIT_ACCOUNT} in eu-west-1 (${PRODUCT}): import them from that account and region, as BatchImportFindings requires; each names its member account in Resources and ProductFields.`,
    );
    expect(t.stderr[1]).toBe(`wrote ${out}`);
  });

  it('on stdout by default; exit 1 with the fix for a report without an execution ARN', async () => {
    const t = testContext();
    expect(await runCli(t, [(await reportFile()).source, '--format', 'asff'])).toBe(0);
    expect(JSON.parse(t.stdout[0] ?? '')).toHaveLength(11);
    const bad = await reportFile({ ...complianceReport(), executionArn: null });
    expect(await runCli(t, [bad.source, '--format', 'asff'])).toBe(1);
    expect(t.stderr.at(-1)).toContain('Export the report.json of a run of the deployed workflow');
  });

  it('accepts markdown for md, and names asff among the formats', async () => {
    const t = testContext();
    const { source } = await reportFile();
    expect(await runCli(t, [source, '--format', 'markdown'])).toBe(0);
    expect(t.stdout[0]).toContain('## Compliance: CIS AWS Foundations Benchmark v3.0.0');
    expect(await runCli(t, [source, '--format', 'pdf'])).toBe(1);
    expect(t.stderr.at(-1)).toContain('--format must be one of html, csv, json, md, asff');
  });
});

describe('a local run’s saved report', () => {
  it('writes findings.asff.json next to report.json', async () => {
    const report = complianceReport();
    const objects = new Map<string, Buffer>([
      ['reports/daily-20250304/report.json', Buffer.from(JSON.stringify(report))],
      ['reports/daily-20250304/report.csv', Buffer.from('accountId\r\n')],
    ]);
    const store = { messaging: { objects: () => objects } } as unknown as RunningEmulator;
    const dir = await mkdtemp(join(tmpdir(), 'keyaudit-save-'));
    const written = await runReport(store, 'bucket', 'daily-20250304').save(dir);
    expect(written).toEqual(
      ['report.json', 'report.csv', 'report.html', 'findings.asff.json'].map((f) => join(dir, f)),
    );
    const findings = JSON.parse(await readFile(join(dir, 'findings.asff.json'), 'utf8')) as {
      AwsAccountId: string;
    }[];
    expect(findings).toEqual(reportToAsff(report).findings);
    expect(new Set(findings.map((f) => f.AwsAccountId))).toEqual(new Set([AUDIT_ACCOUNT]));
    expect(await readFile(join(dir, 'report.html'), 'utf8')).toContain('id="compliance"');
  });
});
