/**
 * The digest's DEACTIVATION section (docs/remediation.md): the request with the exact commands,
 * the keys announced in advance, the ones waiting in an open request, what a closed request did
 * and who approved it, and the accounts without the remediation role. Keys stay masked.
 */
import { describe, expect, it } from 'vitest';
import { renderDigest } from '../../src/core/digest';
import { reportForOwner } from '../../src/core/owner-digests';
import type { ProposedKey, RemediationReport } from '../../src/core/remediation';
import { buildReport } from '../../src/core/report';
import { audit, META } from '../fixtures/audits';

const A = '111111111111';
const LINKS = { reportUri: 's3://bucket/report.json' };

function key(accessKeyId: string, userName: string, owner?: string): ProposedKey {
  return {
    accountId: A,
    accountName: 'prod',
    userName,
    userArn: `arn:aws:iam::${A}:user/${userName}`,
    accessKeyId,
    createdAt: '2023-05-01T00:00:00.000Z',
    lastUsedAt: null,
    ageDays: 406,
    why: [{ type: 'ROTATION_OVERDUE', days: 406, thresholdDays: 365 }],
    firstReportedAt: '2024-01-01T00:00:00.000Z',
    ...(owner === undefined ? {} : { owner }),
  };
}

const SECTION: RemediationReport = {
  opened: {
    requestId: 'dr-20240610-1a2b3c4d',
    expiresAt: '2024-06-17T06:00:00.000Z',
    keys: [key('AKIAOPENED0000000001', 'alice', 'payments'), key('AKIAOPENED0000000002', 'bob', 'search')],
  },
  deferred: 0,
  upcoming: [{ key: key('AKIASOON000000000003', 'carol', 'payments'), proposedOn: '2024-06-14' }],
  awaiting: [
    {
      requestId: 'dr-20240609-00000001',
      expiresAt: '2024-06-16T06:00:00.000Z',
      key: key('AKIAWAIT000000000004', 'dave', 'search'),
    },
  ],
  closed: [
    {
      requestId: 'dr-20240601-00000002',
      status: 'COMPLETED',
      closedAt: '2024-06-09T12:00:00.000Z',
      decidedBy: 'arn:aws:iam::999988887777:user/secops',
      reason: null,
      outcomes: [
        {
          accountId: A,
          userName: 'erin',
          accessKeyId: 'AKIADONE000000000005',
          action: 'deactivate',
          outcome: 'deactivated',
          at: '2024-06-09T12:00:00.000Z',
        },
        {
          accountId: A,
          userName: 'frank',
          accessKeyId: 'AKIASKIP000000000006',
          action: 'deactivate',
          outcome: 'skipped',
          reason: 'used-since-proposal: last used 2024-06-09T08:00:00.000Z',
          at: '2024-06-09T12:00:00.000Z',
        },
      ],
      reactivations: [],
    },
  ],
  roleMissing: ['222222222222'],
  warnings: [],
};

const report = buildReport([audit({ accountId: A })], { ...META, remediation: SECTION });

describe('digest DEACTIVATION section', () => {
  const { body } = renderDigest(report, LINKS);

  it('names the request, its expiry and the exact commands', () => {
    expect(body).toContain(
      '  REQUEST dr-20240610-1a2b3c4d: 2 keys proposed for deactivation, awaiting approval until 2024-06-17',
    );
    expect(body).toContain('    approve all:  keyaudit approve dr-20240610-1a2b3c4d');
    expect(body).toContain('    reject:       keyaudit reject dr-20240610-1a2b3c4d --reason "<why>"');
    expect(body).toContain(`    - ${A}  alice  AKIA…0001  406 days old (criterion 365)`);
  });

  it('announces a key in advance with its day', () => {
    expect(body).toContain('  ANNOUNCED (1)');
    expect(body).toContain(
      `    - ${A}  carol  AKIA…0003  406 days old (criterion 365): will be proposed for deactivation on 2024-06-14`,
    );
  });

  it('lists keys held by an open request, and what a closed one did, with the approver', () => {
    expect(body).toContain(`: in dr-20240609-00000001 (expires 2024-06-16)`);
    expect(body).toContain(
      '  dr-20240601-00000002 2024-06-09: approved by arn:aws:iam::999988887777:user/secops: 1 deactivated, 1 skipped',
    );
    expect(body).toContain(`      - ${A}  erin  AKIA…0005  deactivated`);
    expect(body).toContain(
      `      - ${A}  frank  AKIA…0006  skipped: used-since-proposal: last used 2024-06-09T08:00:00.000Z`,
    );
  });

  it('says which accounts cannot be remediated', () => {
    expect(body).toContain('  REMEDIATION ROLE MISSING in 1 account: 222222222222');
  });

  it('never shows a full key id', () => {
    expect(body).not.toMatch(/AKIA[A-Z0-9]{16}/);
  });

  it('an owner hears only its own keys, and not the closed requests', () => {
    const own = renderDigest(reportForOwner(report, 'payments', new Map()), LINKS, {
      owner: 'payments',
    }).body;
    expect(own).toContain('1 key proposed for deactivation');
    expect(own).toContain('alice');
    expect(own).toContain('carol');
    expect(own).not.toContain('bob');
    expect(own).not.toContain('dave');
    expect(own).not.toContain('dr-20240601-00000002');
  });

  it('has no section when remediation is off', () => {
    expect(renderDigest(buildReport([audit({ accountId: A })], META), LINKS).body).not.toContain(
      'DEACTIVATION',
    );
  });
});
