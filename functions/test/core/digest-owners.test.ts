/**
 * The digest's owner parts (core/digest.ts): an owner's own digest, the open list by owner, the
 * ROUTING section with its UNROUTED owners, the owner on NEW and RESOLVED lines, and the
 * exemptions about to lapse. The run is META's (2024-06-10); the days below count from it.
 */
import { describe, expect, it } from 'vitest';
import { EXPIRING_EXEMPTION_DAYS, renderDigest } from '../../src/core/digest';
import type { HistoryFinding, RunChanges } from '../../src/core/history';
import type { AccountAudit, Finding } from '../../src/core/model';
import { buildReport, type OwnerRouting } from '../../src/core/report';
import { audit, finding, META } from '../fixtures/audits';

const LINKS = { reportUri: 's3://bucket/reports/daily-2024-06-10/report.json' };
const A = '111111111111';
const B = '222222222222';
const key = (n: number) => `AKIA${String(n).padStart(16, '0')}`;

const mine = (userName: string, owner: string, extra: Partial<Finding> = {}): Finding =>
  finding({ accountId: A, userName, accessKeyId: key(userName.length), owner, ...extra });

/** The lines of one section: from its heading to the blank line that ends it. */
function section(body: string, heading: string): string[] {
  const lines = body.split('\n');
  const start = lines.findIndex((l) => l.startsWith(heading));
  if (start === -1) return [];
  const end = lines.indexOf('', start);
  return lines.slice(start, end === -1 ? undefined : end);
}

const routing = (owners: OwnerRouting['owners']): OwnerRouting => ({ securityTeam: 'sec', owners });

describe("an owner's digest", () => {
  const many: AccountAudit[] = [
    audit({
      accountId: A,
      findings: Array.from({ length: 200 }, (_, i) =>
        finding({ accountId: A, userName: `user-${i}`, accessKeyId: key(i), owner: 'payments' }),
      ),
    }),
  ];

  it('says whose it is in the header and the subject, and stays under maxBytes', () => {
    const report = buildReport(many, META);
    const { subject, body } = renderDigest(report, LINKS, { owner: 'payments', maxBytes: 4096 });
    expect(body.split('\n')[0]).toBe('org-key-audit digest for payments');
    expect(body).toContain('Only the findings owned by payments; the security team receives every finding.');
    expect(subject.startsWith('[org-key-audit][payments] ')).toBe(true);
    expect(subject.length).toBeLessThanOrEqual(100);
    expect(Buffer.byteLength(body, 'utf8')).toBeLessThanOrEqual(4096);
    expect(body).toMatch(/… and \d+ more \(see the full report\)/);
    // The full digest names nobody.
    const full = renderDigest(report, LINKS);
    expect(full.body.split('\n')[0]).toBe('org-key-audit digest');
    expect(full.subject.startsWith('[org-key-audit] ')).toBe(true);
  });

  it('keeps the dry-run marker before the owner, and cuts a long owner name in the subject', () => {
    const dry = buildReport(many, { ...META, dryRun: true });
    expect(
      renderDigest(dry, LINKS, { owner: 'payments' }).subject.startsWith(
        '[org-key-audit][dry run][payments] ',
      ),
    ).toBe(true);
    const long = 'x'.repeat(60);
    const subject = renderDigest(buildReport(many, META), LINKS, { owner: long }).subject;
    expect(subject.startsWith(`[org-key-audit][${'x'.repeat(30)}] `)).toBe(true);
    expect(subject.length).toBeLessThanOrEqual(100);
  });
});

describe('the open list by owner', () => {
  it('is not grouped while every finding is the security team’s', () => {
    const report = buildReport(
      [audit({ accountId: A, findings: [mine('alice', 'sec'), mine('bob', 'sec')] })],
      { ...META, owners: routing([{ owner: 'sec', findings: 2, routed: false }]) },
    );
    const { body } = renderDigest(report, LINKS);
    expect(body).toContain('FINDINGS NEEDING ATTENTION (2)');
    expect(body).not.toContain('BY OWNER');
    expect(body).not.toContain('OWNER sec');
    expect(body).not.toContain('ROUTING');
  });

  it('is not grouped for findings without owners (a report from before owners)', () => {
    const report = buildReport([audit({ accountId: A, findings: [finding({ accountId: A })] })], META);
    expect(renderDigest(report, LINKS).body).not.toContain('BY OWNER');
  });

  it('is grouped once one finding belongs to another owner, the owner with the oldest finding first', () => {
    const report = buildReport(
      [
        audit({
          accountId: A,
          findings: [mine('alice', 'sec', { ageDays: 100 }), mine('bob', 'payments', { ageDays: 300 })],
        }),
        audit({
          accountId: B,
          findings: [finding({ accountId: B, userName: 'carl', owner: 'sec', ageDays: 90 })],
        }),
      ],
      {
        ...META,
        owners: routing([
          { owner: 'payments', findings: 1, routed: true },
          { owner: 'sec', findings: 2, routed: false },
        ]),
      },
    );
    const lines = renderDigest(report, LINKS).body.split('\n');
    expect(lines).toContain('FINDINGS NEEDING ATTENTION (3), BY OWNER');
    // payments holds the oldest finding (300 days), so it reads first.
    expect(lines.filter((l) => l.startsWith('OWNER '))).toEqual(['OWNER payments (1)', 'OWNER sec (2)']);
    const payments = lines.indexOf('OWNER payments (1)');
    expect(lines[payments + 1]).toBe(`  ${A}  Account ${A}`);
    expect(lines[payments + 2]).toMatch(/^ {4}- bob /);
  });

  it('is grouped when only a resolved finding belonged to another owner, and NEW/RESOLVED lines say whose', () => {
    const old: HistoryFinding = {
      accountId: A,
      userName: 'olga',
      accessKeyId: key(42),
      type: 'ROTATION_OVERDUE',
      severity: 'high',
      firstSeenAt: '2024-05-01T06:00:00.000Z',
      owner: 'payments',
    };
    const alice = mine('alice', 'sec');
    const changes: RunChanges = {
      comparable: true,
      previousExecution: 'daily-2024-06-09',
      previousAt: '2024-06-09T06:00:00.000Z',
      new: [
        {
          accountId: A,
          userName: 'alice',
          accessKeyId: alice.accessKeyId,
          type: alice.type,
          severity: alice.severity,
          firstSeenAt: '2024-06-10T06:00:00.000Z',
          owner: 'sec',
        },
      ],
      stillOpen: [],
      resolved: [{ finding: old, why: { kind: 'no-longer-reported' } }],
      notRechecked: [],
    };
    const report = buildReport([audit({ accountId: A, findings: [alice] })], {
      ...META,
      changes,
      owners: routing([{ owner: 'sec', findings: 1, routed: false }]),
    });
    const { body } = renderDigest(report, LINKS);
    expect(body).toContain('FINDINGS NEEDING ATTENTION (1), BY OWNER');
    const changeLines = section(body, 'CHANGES SINCE THE LAST FULL RUN');
    const newLine = changeLines.find((l) => l.includes('alice'));
    const resolvedLine = changeLines.find((l) => l.includes('olga'));
    expect(newLine).toMatch(/ {2}owner sec$/);
    expect(resolvedLine).toContain('  owner payments: no longer reported');
  });

  it('leaves the owner off NEW lines while nothing is grouped', () => {
    const alice = mine('alice', 'sec');
    const report = buildReport([audit({ accountId: A, findings: [alice] })], {
      ...META,
      changes: {
        comparable: true,
        previousExecution: 'p',
        previousAt: '2024-06-09T06:00:00.000Z',
        new: [
          {
            accountId: A,
            userName: 'alice',
            accessKeyId: alice.accessKeyId,
            type: alice.type,
            severity: alice.severity,
            firstSeenAt: '2024-06-10T06:00:00.000Z',
            owner: 'sec',
          },
        ],
        stillOpen: [],
        resolved: [],
        notRechecked: [],
      },
      owners: routing([{ owner: 'sec', findings: 1, routed: false }]),
    });
    expect(renderDigest(report, LINKS).body).not.toContain('owner sec');
  });
});

describe('ROUTING', () => {
  it('lists the owners sent their own digest, then the UNROUTED ones with their counts; never the security team', () => {
    const report = buildReport(
      [
        audit({
          accountId: A,
          findings: [
            mine('a', 'data'),
            mine('bb', 'ml-team'),
            mine('ccc', 'ml-team'),
            mine('dddd', 'ops'),
            mine('eeeee', 'sec'),
          ],
        }),
      ],
      {
        ...META,
        owners: routing([
          { owner: 'data', findings: 1, routed: true },
          { owner: 'ml-team', findings: 2, routed: false },
          { owner: 'ops', findings: 1, routed: false },
          { owner: 'sec', findings: 1, routed: false },
        ]),
      },
    );
    expect(section(renderDigest(report, LINKS).body, 'ROUTING')).toEqual([
      'ROUTING',
      '  Sent to 1 owner as their own digest: data (1)',
      '  UNROUTED (2): owners with findings but no subscription; add them to owners.endpoints',
      '    - ml-team: 2 findings',
      '    - ops: 1 finding',
    ]);
  });

  it('says when no owner has a subscription yet, and has no UNROUTED part when all are routed', () => {
    const findings = [mine('a', 'data')];
    const none = buildReport([audit({ accountId: A, findings })], {
      ...META,
      owners: routing([{ owner: 'data', findings: 1, routed: false }]),
    });
    expect(section(renderDigest(none, LINKS).body, 'ROUTING')).toEqual([
      'ROUTING',
      '  No owner has its own subscription yet.',
      '  UNROUTED (1): owners with findings but no subscription; add them to owners.endpoints',
      '    - data: 1 finding',
    ]);
    const all = buildReport([audit({ accountId: A, findings })], {
      ...META,
      owners: routing([{ owner: 'data', findings: 1, routed: true }]),
    });
    expect(section(renderDigest(all, LINKS).body, 'ROUTING')).toEqual([
      'ROUTING',
      '  Sent to 1 owner as their own digest: data (1)',
    ]);
  });
});

describe(`EXEMPTIONS EXPIRING WITHIN ${EXPIRING_EXEMPTION_DAYS} DAYS`, () => {
  const exempt = (userName: string, until: string) =>
    finding({
      accountId: A,
      userName,
      accessKeyId: key(userName.length + 10),
      exemption: { source: 'config', reason: 'vendor', until },
    });

  it('lists exemptions ending in 0 to 14 days, soonest first, but not in 15 days nor already expired', () => {
    // META runs on 2024-06-10.
    const report = buildReport(
      [
        audit({
          accountId: A,
          exempted: [
            exempt('fourteen', '2024-06-24'),
            exempt('fifteen', '2024-06-25'),
            exempt('today', '2024-06-10'),
            exempt('expired', '2024-06-09'),
            exempt('one', '2024-06-11'),
          ],
        }),
      ],
      META,
    );
    const lines = section(renderDigest(report, LINKS).body, 'EXEMPTIONS EXPIRING');
    expect(lines[0]).toBe('EXEMPTIONS EXPIRING WITHIN 14 DAYS (3)');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^ {4}- 111111111111 {2}today .*\(exemption ends today\)$/);
    expect(lines[2]).toMatch(/^ {4}- 111111111111 {2}one .*\(exemption ends in 1 day\)$/);
    expect(lines[3]).toMatch(/^ {4}- 111111111111 {2}fourteen .*\(exemption ends in 14 days\)$/);
    expect(lines.join('\n')).not.toContain('fifteen');
    expect(lines.join('\n')).not.toContain('expired');
  });

  it('is absent when no exemption ends soon', () => {
    const report = buildReport([audit({ accountId: A, exempted: [exempt('later', '2024-12-31')] })], META);
    expect(renderDigest(report, LINKS).body).not.toContain('EXEMPTIONS EXPIRING');
  });
});
