/**
 * Routing findings to owners (core/owner-digests.ts): every finding gets exactly one owner, an
 * owner's report holds only its own findings, and no finding is lost between the owners' digests
 * and the security team's full one. Expected owners are worked out here from the planted tags
 * and the order in core/owners.ts (user tag, account owner, security team), never by the code.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { HistoryFinding, RunChanges } from '../../src/core/history';
import type { AccountAudit, Finding } from '../../src/core/model';
import { assignOwners, ownerRouting, reportForOwner } from '../../src/core/owner-digests';
import { type AccountOwner, DEFAULT_OWNER_RULES, type OwnerRules } from '../../src/core/owners';
import { buildReport, type Report } from '../../src/core/report';
import { audit, finding, META } from '../fixtures/audits';

const A = '111111111111'; // OU-owned by payments
const B = '222222222222'; // account-tagged data
const C = '333333333333'; // no account owner
const D = '444444444444'; // FAILED, owned by payments
const E = '555555555555'; // FAILED, no owner

const RULES: OwnerRules = {
  ...DEFAULT_OWNER_RULES,
  securityTeam: 'sec',
  routed: ['payments', 'data', 'sec'],
};
const ACCOUNT_OWNERS = new Map<string, AccountOwner>([
  [A, { owner: 'payments', source: 'ou' }],
  [B, { owner: 'data', source: 'account-tag' }],
  [D, { owner: 'payments', source: 'ou' }],
]);

const key = (n: number) => `AKIA${String(n).padStart(16, '0')}`;
const alice = finding({ accountId: A, userName: 'alice', accessKeyId: key(1), severity: 'critical' });
const bob = finding({
  accountId: A,
  userName: 'bob',
  accessKeyId: key(2),
  ownerTag: 'ml-team',
  severity: 'low',
});
const exemptA = finding({
  accountId: A,
  userName: 'vendor',
  accessKeyId: key(3),
  exemption: { source: 'tag', reason: 'vendor', until: '2024-12-31' },
});
const carol = finding({
  accountId: B,
  userName: 'carol',
  accessKeyId: key(4),
  type: 'UNUSED',
  severity: 'medium',
});
const carolTagged = finding({ accountId: B, userName: 'cara', accessKeyId: key(5), ownerTag: 'payments' });
const dave = finding({ accountId: C, userName: 'dave', accessKeyId: key(6) });

const failed = (accountId: string): AccountAudit =>
  audit({
    accountId,
    status: 'FAILED',
    strategy: 'none',
    reason: 'role missing',
    errorName: 'AuditRoleMissingError',
  });

const AUDITS: AccountAudit[] = [
  audit({ accountId: A, findings: [alice, bob], exempted: [exemptA] }),
  audit({ accountId: B, findings: [carol, carolTagged], warnings: ['audited user by user'] }),
  audit({ accountId: C, findings: [dave] }),
  failed(D),
  failed(E),
];

const hist = (f: Finding, owner: string): HistoryFinding => ({
  accountId: f.accountId,
  userName: f.userName,
  accessKeyId: f.accessKeyId,
  type: f.type,
  severity: f.severity,
  firstSeenAt: '2024-06-01T06:00:00.000Z',
  owner,
});

const owned = (audits: readonly AccountAudit[]) =>
  audits.flatMap((a) => [...a.findings, ...a.exempted]).map((f) => [f.userName, f.owner, f.ownerSource]);

describe('assignOwners', () => {
  it('gives every finding, exempted ones too, exactly one owner by the order of the rules', () => {
    const assigned = assignOwners(AUDITS, ACCOUNT_OWNERS, RULES);
    expect(owned(assigned)).toEqual([
      ['alice', 'payments', 'ou'],
      ['bob', 'ml-team', 'user-tag'],
      ['vendor', 'payments', 'ou'],
      ['carol', 'data', 'account-tag'],
      ['cara', 'payments', 'user-tag'],
      ['dave', 'sec', 'default'],
    ]);
    // Accounts with nothing to own are passed through unchanged.
    expect(assigned[3]).toBe(AUDITS[3]);
  });
});

describe('ownerRouting', () => {
  it('counts open findings per owner, sorted, routed only with a subscription and never the security team', () => {
    const assigned = assignOwners(AUDITS, ACCOUNT_OWNERS, RULES);
    expect(ownerRouting(assigned, RULES)).toEqual({
      securityTeam: 'sec',
      owners: [
        { owner: 'data', findings: 1, routed: true },
        { owner: 'ml-team', findings: 1, routed: false },
        // alice and cara; the exempted vendor finding is not open.
        { owner: 'payments', findings: 2, routed: true },
        { owner: 'sec', findings: 1, routed: false },
      ],
    });
  });
});

describe('reportForOwner', () => {
  const assigned = assignOwners(AUDITS, ACCOUNT_OWNERS, RULES);
  const changes: RunChanges = {
    comparable: true,
    previousExecution: 'daily-2024-06-09',
    previousAt: '2024-06-09T06:00:00.000Z',
    new: [hist(alice, 'payments'), hist(dave, 'sec')],
    stillOpen: [
      { ...hist(carolTagged, 'payments'), daysOpen: 9 },
      { ...hist(carol, 'data'), daysOpen: 9 },
    ],
    resolved: [
      {
        finding: hist(finding({ accountId: A, userName: 'old', accessKeyId: key(9) }), 'payments'),
        why: { kind: 'no-longer-reported' },
      },
      {
        finding: hist(finding({ accountId: B, userName: 'gone', accessKeyId: key(8) }), 'data'),
        why: { kind: 'account-left' },
      },
    ],
    notRechecked: [hist(finding({ accountId: D, userName: 'd1', accessKeyId: key(7) }), 'payments')],
  };
  const report = buildReport(assigned, {
    ...META,
    runWarnings: ['the run itself'],
    changes,
    trend: [],
    owners: ownerRouting(assigned, RULES),
  });

  it("holds only the owner's findings, recounted totals, its changes and its own accounts not audited", () => {
    const own = reportForOwner(report, 'payments', ACCOUNT_OWNERS);
    expect(own.accounts.map((a) => a.accountId)).toEqual([A, B, D]);
    const [a, b, d] = own.accounts;
    expect(a?.findings.map((f) => f.userName)).toEqual(['alice']);
    expect(a?.exempted.map((f) => f.userName)).toEqual(['vendor']);
    expect(a?.counts).toMatchObject({ findings: 1, exempted: 1, users: 3 });
    expect(b?.findings.map((f) => f.userName)).toEqual(['cara']);
    // How B was audited is the security team's business.
    expect(b?.warnings).toEqual([]);
    expect(d?.status).toBe('FAILED');
    expect(own.totals).toMatchObject({
      accounts: 3,
      audited: 2,
      failed: 1,
      skipped: 0,
      findings: 2,
      exempted: 1,
      accountsWithFindings: 2,
      bySeverity: { critical: 1, high: 1, medium: 0, low: 0, info: 0 },
    });
    expect(own.warnings).toEqual([]);
    expect(own.owners).toBeUndefined();
    expect(own.trend).toBeUndefined();
    if (!own.changes?.comparable) throw new Error('changes must stay comparable');
    expect(own.changes.new.map((f) => f.userName)).toEqual(['alice']);
    expect(own.changes.stillOpen.map((f) => f.userName)).toEqual(['cara']);
    expect(own.changes.resolved.map((r) => r.finding.userName)).toEqual(['old']);
    expect(own.changes.notRechecked.map((f) => f.userName)).toEqual(['d1']);
    expect(own.changes.previousExecution).toBe('daily-2024-06-09');
  });

  it('gives an owner without findings or accounts an empty report, and leaves the full report as it was', () => {
    const before = JSON.stringify(report);
    const none = reportForOwner(report, 'nobody', ACCOUNT_OWNERS);
    expect(none.accounts).toEqual([]);
    expect(none.totals.findings).toBe(0);
    if (!none.changes?.comparable) throw new Error('changes must stay comparable');
    expect(none.changes.new).toEqual([]);
    expect(none.changes.resolved).toEqual([]);
    expect(JSON.stringify(report)).toBe(before);
  });

  it('passes a comparison-less changes through as it is', () => {
    const noComparison = { ...report, changes: { comparable: false as const, reason: 'first run' } };
    expect(reportForOwner(noComparison, 'data', ACCOUNT_OWNERS).changes).toEqual({
      comparable: false,
      reason: 'first run',
    });
  });
});

// ---------------------------------------------------------------- property

const POOL = ['team-a', 'team-b', 'team-c', 'team-d', 'sec'] as const;
const SECURITY = 'sec';

interface PlantedAccount {
  readonly accountOwner: string | null;
  readonly failed: boolean;
  readonly userTags: readonly (string | null)[];
}

const plantedAccount: fc.Arbitrary<PlantedAccount> = fc.record({
  accountOwner: fc.option(fc.constantFrom(...POOL), { nil: null }),
  failed: fc.boolean(),
  userTags: fc.array(fc.option(fc.constantFrom(...POOL, ' team-a ', '', 'bad;tag'), { nil: null }), {
    maxLength: 6,
  }),
});

/** The owner core/owners.ts says a finding has, worked out from the planted values alone. */
function expectedOwner(userTag: string | null, accountOwner: string | null): string {
  const trimmed = userTag?.trim() ?? '';
  if (trimmed !== '' && /^[\w .:/=+@-]+$/.test(trimmed)) return trimmed;
  return accountOwner ?? SECURITY;
}

const id = (f: { accountId: string; userName: string }) => `${f.accountId}/${f.userName}`;

describe('owner routing, for any organization', () => {
  it("puts every finding in exactly its owner's digest (when routed) and in the full one, and nowhere else", () => {
    fc.assert(
      fc.property(
        fc.array(plantedAccount, { minLength: 1, maxLength: 8 }),
        fc.subarray([...POOL]),
        (planted, routed) => {
          const rules: OwnerRules = { ...DEFAULT_OWNER_RULES, securityTeam: SECURITY, routed };
          const accountOwners = new Map<string, AccountOwner>();
          const expected = new Map<string, string>();
          const audits = planted.map((p, i): AccountAudit => {
            const accountId = String(100000000000 + i);
            if (p.accountOwner !== null)
              accountOwners.set(accountId, { owner: p.accountOwner, source: 'ou' });
            if (p.failed) return failed(accountId);
            const findings = p.userTags.map((tag, j) => {
              const f = finding({
                accountId,
                userName: `u${j}`,
                accessKeyId: key(i * 10 + j),
                ...(tag === null ? {} : { ownerTag: tag }),
              });
              expected.set(id(f), expectedOwner(tag, p.accountOwner));
              return f;
            });
            return audit({ accountId, findings });
          });
          const assigned = assignOwners(audits, accountOwners, rules);
          const full = buildReport(assigned, { ...META, owners: ownerRouting(assigned, rules) });
          const fullIds = full.accounts.flatMap((a) => a.findings.map(id)).sort();
          // The security team's full digest has every finding.
          expect(fullIds).toEqual([...expected.keys()].sort());
          for (const f of full.accounts.flatMap((a) => a.findings)) expect(f.owner).toBe(expected.get(id(f)));

          const routedOwners = full.owners?.owners.filter((o) => o.routed).map((o) => o.owner) ?? [];
          expect(routedOwners).not.toContain(SECURITY);
          const reached = new Map<string, string[]>();
          for (const owner of routedOwners) {
            const own: Report = reportForOwner(full, owner, accountOwners);
            let count = 0;
            for (const a of own.accounts) {
              if (a.status !== 'AUDITED') expect(accountOwners.get(a.accountId)?.owner).toBe(owner);
              for (const f of a.findings) {
                expect(f.owner).toBe(owner);
                reached.set(id(f), [...(reached.get(id(f)) ?? []), owner]);
                count++;
              }
            }
            expect(own.totals.findings).toBe(count);
          }
          for (const [findingKey, owner] of expected) {
            const isRouted = owner !== SECURITY && (routed as readonly string[]).includes(owner);
            expect(reached.get(findingKey) ?? []).toEqual(isRouted ? [owner] : []);
          }
          // Over every owner, routed or not, the reports partition the full set.
          const everyOwner = new Set<string>([...POOL, ...expected.values()]);
          const all = [...everyOwner]
            .flatMap((o) =>
              reportForOwner(full, o, accountOwners).accounts.flatMap((a) => a.findings.map(id)),
            )
            .sort();
          expect(all).toEqual(fullIds);
        },
      ),
      { numRuns: 500 },
    );
  });
});
