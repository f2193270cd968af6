import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors';
import {
  DEFAULT_THRESHOLDS,
  resolveThresholds,
  type Thresholds,
  ThresholdsSchema,
} from '../../src/core/thresholds';

const DEFAULTS: Thresholds = {
  rotationDueSoonDays: 80,
  rotationOverdueDays: 90,
  rotationCriticalDays: 365,
  reminderDays: [90],
  unusedDays: 45,
  neverUsedGraceDays: 7,
  inactiveLingeringDays: 30,
};

function errorOf(fn: () => unknown): InvalidInputError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidInputError) return e;
    throw e;
  }
  throw new Error('expected an InvalidInputError');
}

describe('DEFAULT_THRESHOLDS', () => {
  it('are the documented defaults and satisfy the schema', () => {
    expect(DEFAULT_THRESHOLDS).toEqual(DEFAULTS);
    expect(ThresholdsSchema.safeParse(DEFAULT_THRESHOLDS).success).toBe(true);
  });
});

describe('ThresholdsSchema (zod/mini)', () => {
  const issuesOf = (value: unknown) => {
    const parsed = ThresholdsSchema.safeParse(value);
    if (parsed.success) throw new Error('expected the schema to reject the value');
    return parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  };

  it('reports both ordering rules on their own field', () => {
    expect(issuesOf({ ...DEFAULTS, rotationDueSoonDays: 90, rotationCriticalDays: 90 })).toEqual([
      { path: 'rotationDueSoonDays', message: 'must be less than rotationOverdueDays' },
      { path: 'rotationOverdueDays', message: 'must be less than rotationCriticalDays' },
    ]);
  });

  it('rejects unsorted reminder days with the written rule', () => {
    expect(issuesOf({ ...DEFAULTS, reminderDays: [90, 30] })).toEqual([
      { path: 'reminderDays', message: 'must be sorted ascending without duplicates' },
    ]);
  });

  it('rejects unknown keys, fractional and negative days', () => {
    const parsed = ThresholdsSchema.safeParse({ ...DEFAULTS, extra: 1 });
    expect(parsed.success ? [] : parsed.error.issues.map((i) => i.code)).toEqual(['unrecognized_keys']);
    expect(issuesOf({ ...DEFAULTS, unusedDays: 1.5 }).map((i) => i.path)).toEqual(['unusedDays']);
    expect(issuesOf({ ...DEFAULTS, neverUsedGraceDays: -1 }).map((i) => i.path)).toEqual([
      'neverUsedGraceDays',
    ]);
    expect(issuesOf({ ...DEFAULTS, reminderDays: [0] }).map((i) => i.path)).toEqual(['reminderDays.0']);
  });

  it('speaks English for built-in checks, as classic zod did (a type mismatch names both types)', () => {
    expect(issuesOf({ ...DEFAULTS, unusedDays: '45' })).toEqual([
      { path: 'unusedDays', message: 'Invalid input: expected number, received string' },
    ]);
  });
});

describe('resolveThresholds', () => {
  it('returns the base when there is no override', () => {
    expect(resolveThresholds(DEFAULTS, undefined)).toEqual(DEFAULTS);
    expect(resolveThresholds(DEFAULTS, {})).toEqual(DEFAULTS);
  });

  it('merges a partial override without touching the base', () => {
    const base = { ...DEFAULTS, reminderDays: [90] };
    const result = resolveThresholds(base, {
      rotationOverdueDays: 60,
      rotationDueSoonDays: 50,
      reminderDays: [30, 60],
    });
    expect(result).toEqual({
      ...DEFAULTS,
      rotationOverdueDays: 60,
      rotationDueSoonDays: 50,
      reminderDays: [30, 60],
    });
    expect(base).toEqual(DEFAULTS);
  });

  it('does not share the reminderDays array with the override or the base', () => {
    const override = { reminderDays: [10, 20] };
    const result = resolveThresholds(DEFAULTS, override);
    result.reminderDays.push(99);
    expect(override.reminderDays).toEqual([10, 20]);
    const fromBase = resolveThresholds(DEFAULTS, {});
    fromBase.reminderDays.push(1);
    expect(DEFAULTS.reminderDays).toEqual([90]);
  });

  it('names both fields, the values and the fix when dueSoon is not below overdue', () => {
    const e = errorOf(() => resolveThresholds(DEFAULTS, { rotationDueSoonDays: 95 }));
    expect(e.message).toBe(
      'thresholds.rotationDueSoonDays must be less than thresholds.rotationOverdueDays (got 95 >= 90); lower it or raise rotationOverdueDays',
    );
    expect(e.name).toBe('InvalidInput');
  });

  it('rejects dueSoon equal to overdue (strictly less is required)', () => {
    expect(() => resolveThresholds(DEFAULTS, { rotationDueSoonDays: 90 })).toThrow(/got 90 >= 90/);
    expect(resolveThresholds(DEFAULTS, { rotationDueSoonDays: 89 }).rotationDueSoonDays).toBe(89);
  });

  it('requires overdue below critical', () => {
    expect(() => resolveThresholds(DEFAULTS, { rotationCriticalDays: 90 })).toThrow(
      'thresholds.rotationOverdueDays must be less than thresholds.rotationCriticalDays (got 90 >= 90)',
    );
    expect(resolveThresholds(DEFAULTS, { rotationCriticalDays: 91 }).rotationCriticalDays).toBe(91);
  });

  it('uses the field prefix it is given', () => {
    expect(() => resolveThresholds(DEFAULTS, { unusedDays: -1 }, 'config.thresholds')).toThrow(
      /^config\.thresholds\.unusedDays must be a whole number of days, 0 or more/,
    );
  });

  it.each([
    ['unusedDays', -1, 'thresholds.unusedDays must be a whole number of days, 0 or more, like 90 (got -1)'],
    [
      'neverUsedGraceDays',
      1.5,
      'thresholds.neverUsedGraceDays must be a whole number of days, 0 or more, like 90 (got 1.5)',
    ],
    [
      'inactiveLingeringDays',
      '30',
      'thresholds.inactiveLingeringDays must be a whole number of days, 0 or more, like 90 (got "30")',
    ],
    [
      'rotationOverdueDays',
      null,
      'thresholds.rotationOverdueDays must be a whole number of days, 0 or more, like 90 (got null)',
    ],
    [
      'rotationCriticalDays',
      Number.POSITIVE_INFINITY,
      'thresholds.rotationCriticalDays must be a whole number of days, 0 or more, like 90 (got Infinity)',
    ],
  ])('rejects %s = %j naming the field', (field, value, message) => {
    expect(() => resolveThresholds(DEFAULTS, { [field]: value })).toThrow(message);
  });

  it('accepts 0 for the non-ordered day counts', () => {
    const t = resolveThresholds(DEFAULTS, { unusedDays: 0, neverUsedGraceDays: 0, inactiveLingeringDays: 0 });
    expect([t.unusedDays, t.neverUsedGraceDays, t.inactiveLingeringDays]).toEqual([0, 0, 0]);
  });

  it('names an unknown key and lists the known ones', () => {
    const e = errorOf(() => resolveThresholds(DEFAULTS, { rotationOverdue: 90 }));
    expect(e.message).toMatch(/^thresholds\.rotationOverdue is not a known threshold; remove it/);
    expect(e.message).toContain('rotationOverdueDays');
  });

  it('rejects an own __proto__ key instead of merging it', () => {
    const override = JSON.parse('{"__proto__": {"unusedDays": 1}}');
    expect(() => resolveThresholds(DEFAULTS, override)).toThrow(
      /thresholds\.__proto__ is not a known threshold/,
    );
  });

  it.each([[[]], ['90'], [42], [new Date('2027-01-01T00:00:00Z')]])(
    'rejects a non-object override %j',
    (override) => {
      expect(() => resolveThresholds(DEFAULTS, override)).toThrow(/^thresholds must be an object/);
    },
  );

  it('treats a null override like an absent one', () => {
    expect(resolveThresholds(DEFAULTS, null)).toEqual(DEFAULTS);
  });

  describe('reminderDays', () => {
    it('accepts an empty list (no reminders)', () => {
      expect(resolveThresholds(DEFAULTS, { reminderDays: [] }).reminderDays).toEqual([]);
    });

    it('accepts 20 entries and rejects 21', () => {
      const twenty = Array.from({ length: 20 }, (_, i) => (i + 1) * 10);
      expect(resolveThresholds(DEFAULTS, { reminderDays: twenty }).reminderDays).toEqual(twenty);
      const twentyOne = Array.from({ length: 21 }, (_, i) => i + 1);
      expect(() => resolveThresholds(DEFAULTS, { reminderDays: twentyOne })).toThrow(
        'thresholds.reminderDays must have at most 20 entries (got 21)',
      );
    });

    it('rejects 0 and negative days, naming the index', () => {
      expect(() => resolveThresholds(DEFAULTS, { reminderDays: [30, 0] })).toThrow(
        'thresholds.reminderDays[1] must be a whole number of days, 1 or more, like 90 (got 0)',
      );
    });

    it('rejects unsorted or duplicated lists and shows the fixed list', () => {
      expect(() => resolveThresholds(DEFAULTS, { reminderDays: [90, 30] })).toThrow(
        'thresholds.reminderDays must be sorted ascending without duplicates (got [90,30]); write [30,90]',
      );
      expect(() => resolveThresholds(DEFAULTS, { reminderDays: [30, 30] })).toThrow(/write \[30\]/);
    });

    it('rejects a non-list', () => {
      expect(() => resolveThresholds(DEFAULTS, { reminderDays: 90 })).toThrow(
        'thresholds.reminderDays must be a list of whole numbers of days, like [90] (got 90)',
      );
    });
  });

  it('validates the base as well as the override', () => {
    const badBase = { ...DEFAULTS, rotationDueSoonDays: 100 };
    expect(() => resolveThresholds(badBase, {})).toThrow(/rotationDueSoonDays must be less than/);
  });

  it('property: arbitrary input gives a valid Thresholds or an InvalidInputError, never another exception', () => {
    const plausible = fc.record(
      {
        rotationDueSoonDays: fc.oneof(fc.integer({ min: -5, max: 400 }), fc.anything()),
        rotationOverdueDays: fc.oneof(fc.integer({ min: -5, max: 400 }), fc.anything()),
        rotationCriticalDays: fc.oneof(fc.integer({ min: -5, max: 400 }), fc.anything()),
        reminderDays: fc.oneof(fc.array(fc.integer({ min: -2, max: 400 }), { maxLength: 25 }), fc.anything()),
        unusedDays: fc.oneof(fc.integer({ min: -5, max: 400 }), fc.double(), fc.anything()),
        neverUsedGraceDays: fc.anything(),
        inactiveLingeringDays: fc.integer({ min: -5, max: 400 }),
      },
      { requiredKeys: [] },
    );
    const arbitraryOverride = fc.oneof(
      plausible,
      fc.anything(),
      fc.dictionary(fc.string(), fc.anything()),
      fc.object({
        withBigInt: true,
        withDate: true,
        withMap: true,
        withNullPrototype: true,
        withTypedArray: true,
      }),
    );
    fc.assert(
      fc.property(arbitraryOverride, (override) => {
        let result: Thresholds;
        try {
          result = resolveThresholds(DEFAULTS, override);
        } catch (e) {
          expect(e).toBeInstanceOf(InvalidInputError);
          expect((e as Error).message).toMatch(/^thresholds/);
          return;
        }
        // A success must be a fully valid, correctly ordered Thresholds.
        expect(ThresholdsSchema.safeParse(result).success).toBe(true);
        expect(result.rotationDueSoonDays).toBeLessThan(result.rotationOverdueDays);
        expect(result.rotationOverdueDays).toBeLessThan(result.rotationCriticalDays);
      }),
      { numRuns: 2_000 },
    );
  });
});
