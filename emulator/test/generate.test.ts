import { describe, expect, it } from 'vitest';
import { calendarDays, ruleExpectations, tagExempts } from '../src/expected';
import { generateOrganization } from '../src/generate';
import { atThresholdEdge, SCENARIOS } from '../src/scenarios';
import { plantedAt, secondOfDay } from '../src/state/build';

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

  it('dates each key on the UTC day its age names, at a time of day drawn from the seed', () => {
    expect(new Date(plantedAt(NOW.getTime(), 90, 23 * 3600 + 59 * 60)).toISOString()).toBe(
      '2025-03-17T23:59:00.000Z',
    );
    expect(new Date(plantedAt(NOW.getTime(), 0, 60)).toISOString()).toBe('2025-06-15T00:01:00.000Z');
    const nowMs = NOW.getTime();
    const gen = generateOrganization({ accounts: 12, users: 30, seed: 3, now: NOW });
    let keys = 0;
    let afterNowsTime = 0;
    let elapsedDiffers = 0;
    gen.spec.forEach((spec) => {
      const record = gen.org.accounts.get(spec.id);
      spec.users.forEach((user, j) => {
        user.keys.forEach((key, k) => {
          const planted = record?.users[j]?.keys[k];
          if (planted === undefined) throw new Error('a planted key has no record');
          keys++;
          expect(calendarDays(planted.createdAt, nowMs)).toBe(key.ageDays);
          expect(planted.createdAt).toBeLessThanOrEqual(nowMs);
          expect(planted.createdAt % 1000).toBe(0);
          if (secondOfDay(planted.createdAt) > secondOfDay(nowMs)) afterNowsTime++;
          if (Math.floor((nowMs - planted.createdAt) / DAY) !== key.ageDays) elapsedDiffers++;
          if (key.lastUsedDaysAgo === null) {
            expect(planted.lastUsedAt).toBeNull();
          } else {
            const used = planted.lastUsedAt ?? Number.NaN;
            expect(calendarDays(used, nowMs)).toBe(key.lastUsedDaysAgo);
            expect(used).toBeGreaterThanOrEqual(planted.createdAt);
            expect(used).toBeLessThanOrEqual(nowMs);
          }
        });
      });
    });
    // Spread over the whole day: about half the keys were created later in their day than now's
    // time of day (13:45), and so are a day younger in elapsed 24-hour periods.
    expect(afterNowsTime / keys).toBeGreaterThan(0.3);
    expect(elapsedDiffers).toBe(afterNowsTime);
  });

  it('plants every key at a threshold edge (79, 80, 89, 90, 91, 364, 365, 7, 8, 30, 31; last used 44-46 days ago) in the late evening, after now', () => {
    for (const now of [NOW, new Date('2025-06-15T00:00:30Z'), new Date('2025-06-15T23:58:00Z')]) {
      const nowMs = now.getTime();
      const gen = generateOrganization({ accounts: 20, users: 20, seed: 17, now });
      const edges = { created: new Set<number>(), lastUsed: 0 };
      gen.spec.forEach((spec) => {
        const record = gen.org.accounts.get(spec.id);
        spec.users.forEach((user, j) => {
          user.keys.forEach((key, k) => {
            const planted = record?.users[j]?.keys[k];
            const edge = atThresholdEdge(key);
            if (edge.created) {
              edges.created.add(key.ageDays);
              expect(secondOfDay(planted?.createdAt ?? 0)).toBeGreaterThan(
                Math.min(secondOfDay(nowMs), 86_398),
              );
              expect(secondOfDay(planted?.createdAt ?? 0)).toBeGreaterThanOrEqual(18 * 3600);
            }
            if (edge.lastUsed) {
              edges.lastUsed++;
              expect(secondOfDay(planted?.lastUsedAt ?? 0)).toBeGreaterThan(
                Math.min(secondOfDay(nowMs), 86_398),
              );
            }
          });
        });
      });
      expect([...edges.created].sort((a, b) => a - b)).toEqual(
        expect.arrayContaining([7, 8, 30, 31, 79, 80, 89, 90, 91, 364, 365]),
      );
      expect(edges.lastUsed).toBeGreaterThan(0);
    }
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

  it('records on each key the findings, severities and ages the documented rules give it (planted intent agrees with the rules)', () => {
    for (const now of [NOW, new Date('2025-06-15T00:00:01Z'), new Date('2025-06-15T23:59:59Z')]) {
      const gen = generateOrganization({ accounts: 60, users: 20, seed: 2024, now });
      const today = now.toISOString().slice(0, 10);
      for (const spec of gen.spec) {
        for (const user of spec.users) expect(tagExempts(user.tags, today)).toBe(user.plantedExempt === true);
      }
      const rules = ruleExpectations(gen, gen.spec, { seed: 2024, now });
      const sorted = (list: readonly object[]) => list.map((f) => JSON.stringify(f)).sort();
      expect(sorted(gen.expected.findings)).toEqual(sorted(rules.findings));
      expect(sorted(gen.expected.exempted)).toEqual(sorted(rules.exempted));
      expect(gen.expected.findings.length).toBeGreaterThan(300);
      expect(gen.expectedWith({})).toEqual(rules);
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
