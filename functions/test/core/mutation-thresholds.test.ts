/**
 * Thresholds (docs/design.md, "Findings"): `rotationDueSoonDays` < `rotationOverdueDays` <
 * `rotationCriticalDays`; `reminderDays` ascending, at most 20 entries; a bad value is refused
 * with the field's name. And the two helpers every validator shares: `describeValue`, which
 * renders any value for a message without ever throwing, and `isPlainObject`. These cases close
 * gaps mutation testing found (docs/mutation-testing.md).
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_THRESHOLDS,
  describeValue,
  isPlainObject,
  resolveThresholds,
  ThresholdsSchema,
  validateThresholdsOverride,
} from '../../src/core/thresholds';

describe('describeValue', () => {
  it('renders the values JSON cannot', () => {
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(12n)).toBe('12n');
    expect(describeValue(Symbol('s'))).toBe('symbol');
    expect(describeValue(() => 1)).toBe('function');
    expect(describeValue(Number.NaN)).toBe('NaN');
    expect(describeValue(Number.NEGATIVE_INFINITY)).toBe('-Infinity');
  });

  it('renders JSON values as JSON', () => {
    expect(describeValue('90')).toBe('"90"');
    expect(describeValue(null)).toBe('null');
    expect(describeValue([1, 'a'])).toBe('[1,"a"]');
    expect(describeValue({ a: 1 })).toBe('{"a":1}');
  });

  it('keeps up to 80 characters and cuts longer text to 77 plus "..."', () => {
    const eighty = `"${'x'.repeat(78)}"`;
    expect(describeValue('x'.repeat(78))).toBe(eighty);
    const long = 'y'.repeat(200);
    expect(describeValue(long)).toBe(`"${'y'.repeat(76)}...`);
    expect(describeValue(long)).toHaveLength(80);
  });

  it('never throws: cycles, bigint inside objects, and toJSON that returns nothing', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(describeValue(cyclic)).toBe('object');
    const cyclicList: unknown[] = [];
    cyclicList.push(cyclicList);
    expect(describeValue(cyclicList)).toBe('an array');
    expect(describeValue({ n: 1n })).toBe('object');
    expect(describeValue({ toJSON: () => undefined })).toBe('object');
    expect(describeValue(Object.assign([], { toJSON: () => undefined }))).toBe('object');
  });
});

describe('isPlainObject', () => {
  it('accepts object literals and objects without a prototype', () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
  });

  it('refuses null, arrays, dates, maps, class instances and primitives', () => {
    for (const value of [null, [], new Date(0), new Map(), new (class Point {})(), 'x', 1, undefined]) {
      expect(isPlainObject(value), String(value)).toBe(false);
    }
  });
});

describe('ThresholdsSchema: reminderDays order', () => {
  it('refuses a duplicated day as well as a decreasing one', () => {
    const parsed = ThresholdsSchema.safeParse({ ...DEFAULT_THRESHOLDS, reminderDays: [30, 30] });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message)).toEqual([
      'must be sorted ascending without duplicates',
    ]);
    expect(ThresholdsSchema.safeParse({ ...DEFAULT_THRESHOLDS, reminderDays: [30, 31] }).success).toBe(true);
  });
});

describe('validateThresholdsOverride', () => {
  it('returns only the fields the override sets, with the field prefix `thresholds` by default', () => {
    expect(validateThresholdsOverride({ unusedDays: 10 })).toEqual({ unusedDays: 10 });
    expect(validateThresholdsOverride(undefined)).toEqual({});
    expect(() => validateThresholdsOverride({ unusedDays: -1 })).toThrow(
      'thresholds.unusedDays must be a whole number of days, 0 or more, like 90 (got -1)',
    );
  });

  it('names one unknown key in the singular and several in the plural, with every known key', () => {
    const known =
      'rotationDueSoonDays, rotationOverdueDays, rotationCriticalDays, reminderDays, unusedDays, neverUsedGraceDays, inactiveLingeringDays';
    expect(() => validateThresholdsOverride({ overdue: 1 })).toThrow(
      `thresholds.overdue is not a known threshold; remove it (known: ${known})`,
    );
    expect(() => validateThresholdsOverride({ overdue: 1, unused: 2 }, 'config.thresholds')).toThrow(
      `config.thresholds.overdue, config.thresholds.unused are not known thresholds; remove them (known: ${known})`,
    );
  });

  it.each([
    [[1.5], 'thresholds.reminderDays[0] must be a whole number of days, 1 or more, like 90 (got 1.5)'],
    [[30, '60'], 'thresholds.reminderDays[1] must be a whole number of days, 1 or more, like 90 (got "60")'],
    [[-7], 'thresholds.reminderDays[0] must be a whole number of days, 1 or more, like 90 (got -7)'],
    [[Number.NaN], 'thresholds.reminderDays[0] must be a whole number of days, 1 or more, like 90 (got NaN)'],
  ])('refuses the reminder days %j naming the entry', (reminderDays, message) => {
    expect(() => validateThresholdsOverride({ reminderDays })).toThrow(message);
    expect(() => resolveThresholds(DEFAULT_THRESHOLDS, { reminderDays })).toThrow(message);
  });

  it('accepts 1 as the smallest reminder day', () => {
    expect(validateThresholdsOverride({ reminderDays: [1] })).toEqual({ reminderDays: [1] });
  });
});
