import { describe, expect, it } from 'vitest';
import { ruleFindings, tagExempts } from '../src/expected';
import { generateOrganization } from '../src/generate';
import { SCENARIOS } from '../src/scenarios';
import { plantedAt } from '../src/state/build';

const NOW = new Date('2025-06-15T13:45:00Z');
const DAY = 86_400_000;

describe('generateOrganization', () => {
  it('builds the identical organization for the same seed, and a different one for another seed', () => {
    const a = generateOrganization({ accounts: 30, users: 12, seed: 42, now: NOW });
    const b = generateOrganization({ accounts: 30, users: 12, seed: 42, now: NOW });
    const c = generateOrganization({ accounts: 30, users: 12, seed: 43, now: NOW });
    expect(b.spec).toEqual(a.spec);
    expect(b.expected).toEqual(a.expected);
    expect([...b.org.accounts.values()]).toEqual([...a.org.accounts.values()]);
    expect(b.auditor).toEqual(a.auditor);
    expect(c.spec).not.toEqual(a.spec);
  });

  it('makes account 0 the management account and account 1 the delegated administrator with the auditor role', () => {
    const gen = generateOrganization({ accounts: 8, users: 2, seed: 1, now: NOW });
    const [management, audit] = gen.spec;
    expect(gen.managementAccountId).toBe(management?.id);
    expect(gen.org.delegatedAdministrators.has(audit?.id ?? '')).toBe(true);
    expect(gen.auditor.roleArn).toBe(`arn:aws:iam::${audit?.id}:role/OrgKeyAuditAuditor`);
    expect(gen.auditor.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(gen.auditor.secretAccessKey).toHaveLength(40);
  });

  it('plants every account kind: suspended, closing and active-without-role, with the matching status', () => {
    const gen = generateOrganization({ accounts: 6, users: 1, seed: 5, now: NOW });
    const byId = new Map(gen.expected.accounts.map((a) => [a.accountId, a]));
    const kinds = gen.spec.map((s) => [s.state, s.auditRole, byId.get(s.id)?.expectedStatus]);
    expect(kinds).toContainEqual(['SUSPENDED', true, 'SKIPPED']);
    expect(kinds).toContainEqual(['PENDING_CLOSURE', true, 'SKIPPED']);
    expect(kinds).toContainEqual(['ACTIVE', false, 'FAILED']);
    expect(kinds.filter((k) => k[2] === 'AUDITED')).toHaveLength(3);
  });

  it('gives every ACTIVE account M users and unique 12-digit ids, keys of 20 characters and secrets of 40', () => {
    const gen = generateOrganization({ accounts: 50, users: 7, seed: 9, now: NOW });
    const ids = gen.spec.map((s) => s.id);
    expect(new Set(ids).size).toBe(50);
    for (const account of gen.org.accounts.values()) {
      expect(account.id).toMatch(/^\d{12}$/);
      expect(account.users).toHaveLength(account.state === 'ACTIVE' ? 7 : 0);
      for (const key of account.users.flatMap((u) => u.keys)) {
        expect(key.accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
        expect(key.secretAccessKey).toHaveLength(40);
      }
    }
  });

  it('dates keys at 00:01 UTC exactly N days before now, so whole-day ages are exact', () => {
    expect(new Date(plantedAt(NOW.getTime(), 90)).toISOString()).toBe('2025-03-17T00:01:00.000Z');
    expect(new Date(plantedAt(NOW.getTime(), 0)).toISOString()).toBe('2025-06-15T00:01:00.000Z');
    // Just after midnight, today's 00:01 would be in the future: clamp to now.
    const earlyNow = Date.parse('2025-06-15T00:00:30Z');
    expect(plantedAt(earlyNow, 0)).toBe(earlyNow);
    const gen = generateOrganization({ accounts: 4, users: 30, seed: 3, now: NOW });
    gen.spec.forEach((spec) => {
      const record = gen.org.accounts.get(spec.id);
      spec.users.forEach((user, j) => {
        user.keys.forEach((key, k) => {
          const created = record?.users[j]?.keys[k]?.createdAt ?? 0;
          expect(Math.round((Date.parse('2025-06-15T00:01:00Z') - created) / DAY)).toBe(key.ageDays);
        });
      });
    });
  });

  it('plants a realistic spread: every scenario, both exemption outcomes and a root key', () => {
    const gen = generateOrganization({ accounts: 40, users: 20, seed: 11, now: NOW });
    const types = new Set(gen.expected.findings.map((f) => f.type));
    expect([...types].sort()).toEqual(
      [
        'INACTIVE_KEY_LINGERING',
        'NEVER_USED',
        'REMINDER_DAY',
        'ROOT_ACCESS_KEY',
        'ROTATION_DUE_SOON',
        'ROTATION_OVERDUE',
        'TWO_ACTIVE_KEYS',
        'UNUSED',
      ].sort(),
    );
    expect(gen.expected.exempted.length).toBeGreaterThan(0);
    const users = gen.spec.flatMap((s) => s.users);
    const tagged = users.filter((u) => u.tags['org-key-audit:exempt'] !== undefined);
    expect(tagged.some((u) => u.plantedExempt === true)).toBe(true);
    expect(tagged.some((u) => u.plantedExempt === false)).toBe(true);
    const ages = users.flatMap((u) => u.keys.map((k) => k.ageDays));
    expect(ages.some((a) => a >= 365)).toBe(true);
    expect(ages).toContain(90);
    expect(SCENARIOS.length).toBeGreaterThanOrEqual(10);
  });

  it("records on each key the findings the policy's rules give it (planted intent agrees with the rules)", () => {
    const gen = generateOrganization({ accounts: 60, users: 20, seed: 2024, now: NOW });
    for (const spec of gen.spec) {
      for (const user of spec.users) {
        expect(tagExempts(user, '2025-06-15')).toBe(user.plantedExempt === true);
        for (const key of user.keys) {
          expect([...(key.expect ?? [])].sort()).toEqual(ruleFindings(key, user).sort());
        }
      }
    }
  });

  it('expects no findings from accounts that will not be audited', () => {
    const gen = generateOrganization({ accounts: 20, users: 10, seed: 8, now: NOW });
    const audited = new Set(
      gen.expected.accounts.filter((a) => a.expectedStatus === 'AUDITED').map((a) => a.accountId),
    );
    for (const f of [...gen.expected.findings, ...gen.expected.exempted])
      expect(audited.has(f.accountId)).toBe(true);
  });

  it('rejects a bad size with an error naming the field', () => {
    expect(() => generateOrganization({ accounts: 1, users: 1, seed: 1, now: NOW })).toThrow(
      /accounts must be/,
    );
    expect(() => generateOrganization({ accounts: 3, users: -1, seed: 1, now: NOW })).toThrow(
      /users must be/,
    );
  });
});
