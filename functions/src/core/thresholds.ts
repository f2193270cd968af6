/**
 * Policy thresholds: configuration with defaults (docs/design.md, "Findings"). They arrive from
 * three places (config file, Lambda env THRESHOLDS_JSON, console execution input), so every
 * message names the field with its full path and says how to fix it.
 */
import * as z from 'zod/mini';
import { InvalidInputError } from './errors';
import './zod-messages';

export const MAX_REMINDER_DAYS = 20;

const dayCount = z.int().check(z.nonnegative(), z.maximum(Number.MAX_SAFE_INTEGER));

export const ThresholdsSchema = z
  .strictObject({
    rotationDueSoonDays: dayCount,
    rotationOverdueDays: dayCount,
    rotationCriticalDays: dayCount,
    reminderDays: z.array(z.int().check(z.positive(), z.maximum(Number.MAX_SAFE_INTEGER))).check(
      z.maxLength(MAX_REMINDER_DAYS),
      z.refine((days) => days.every((d, i) => i === 0 || d > (days[i - 1] ?? 0)), {
        message: 'must be sorted ascending without duplicates',
      }),
    ),
    unusedDays: dayCount,
    neverUsedGraceDays: dayCount,
    inactiveLingeringDays: dayCount,
  })
  .check(
    z.superRefine((t, ctx) => {
      if (t.rotationDueSoonDays >= t.rotationOverdueDays) {
        ctx.addIssue({
          code: 'custom',
          path: ['rotationDueSoonDays'],
          message: 'must be less than rotationOverdueDays',
        });
      }
      if (t.rotationOverdueDays >= t.rotationCriticalDays) {
        ctx.addIssue({
          code: 'custom',
          path: ['rotationOverdueDays'],
          message: 'must be less than rotationCriticalDays',
        });
      }
    }),
  );

export type Thresholds = z.infer<typeof ThresholdsSchema>;

export const THRESHOLD_KEYS = [
  'rotationDueSoonDays',
  'rotationOverdueDays',
  'rotationCriticalDays',
  'reminderDays',
  'unusedDays',
  'neverUsedGraceDays',
  'inactiveLingeringDays',
] as const satisfies readonly (keyof Thresholds)[];

type ThresholdKey = (typeof THRESHOLD_KEYS)[number];
type DayCountKey = Exclude<ThresholdKey, 'reminderDays'>;

export const DEFAULT_THRESHOLDS: Readonly<Thresholds> = Object.freeze({
  rotationDueSoonDays: 80,
  rotationOverdueDays: 90,
  rotationCriticalDays: 365,
  reminderDays: Object.freeze([90]) as number[],
  unusedDays: 45,
  neverUsedGraceDays: 7,
  inactiveLingeringDays: 30,
});

/** Renders any value for an error message without ever throwing (bigint, cycles, symbols). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'symbol' || typeof value === 'function') return typeof value;
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  try {
    const json = JSON.stringify(value);
    if (json === undefined) return typeof value;
    return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    return Array.isArray(value) ? 'an array' : typeof value;
  }
}

/** A plain JSON-like object: not null, not an array, not a Date or Map. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function checkDayCount(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidInputError(
      `${field} must be a whole number of days, 0 or more, like 90 (got ${describeValue(value)})`,
    );
  }
  return value;
}

function checkReminderDays(value: unknown, field: string): number[] {
  if (!Array.isArray(value)) {
    throw new InvalidInputError(
      `${field} must be a list of whole numbers of days, like [90] (got ${describeValue(value)})`,
    );
  }
  if (value.length > MAX_REMINDER_DAYS) {
    throw new InvalidInputError(
      `${field} must have at most ${MAX_REMINDER_DAYS} entries (got ${value.length}); keep the days that matter`,
    );
  }
  const days: number[] = [];
  for (const [i, d] of value.entries()) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d <= 0) {
      throw new InvalidInputError(
        `${field}[${i}] must be a whole number of days, 1 or more, like 90 (got ${describeValue(d)})`,
      );
    }
    const prev = days[i - 1];
    if (prev !== undefined && d <= prev) {
      const fixed = [...new Set(value as number[])].sort((a, b) => a - b);
      throw new InvalidInputError(
        `${field} must be sorted ascending without duplicates (got ${describeValue(value)}); write ${describeValue(fixed)}`,
      );
    }
    days.push(d);
  }
  return days;
}

/**
 * Validates a partial override and returns only the fields it sets (copies, never the caller's
 * arrays). Exported for the execution-input validator, which keeps the override separate from
 * the base so each Lambda can merge it with its own configured defaults.
 */
export function validateThresholdsOverride(
  override: unknown,
  fieldPrefix = 'thresholds',
): Partial<Thresholds> {
  if (override === undefined || override === null) return {};
  if (!isPlainObject(override)) {
    throw new InvalidInputError(
      `${fieldPrefix} must be an object like {"rotationOverdueDays": 90} (got ${describeValue(override)})`,
    );
  }
  const unknown = Object.keys(override).filter((k) => !(THRESHOLD_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    const names = unknown.map((k) => `${fieldPrefix}.${k}`).join(', ');
    throw new InvalidInputError(
      `${names} ${unknown.length === 1 ? 'is not a known threshold' : 'are not known thresholds'}; remove ${unknown.length === 1 ? 'it' : 'them'} (known: ${THRESHOLD_KEYS.join(', ')})`,
    );
  }
  const result: Partial<Record<ThresholdKey, number | number[]>> = {};
  for (const key of THRESHOLD_KEYS) {
    const value = override[key];
    // An absent key and an explicit undefined mean the same: keep the base value.
    if (value === undefined) continue;
    const field = `${fieldPrefix}.${key}`;
    result[key] = key === 'reminderDays' ? checkReminderDays(value, field) : checkDayCount(value, field);
  }
  return result as Partial<Thresholds>;
}

function checkOrder(t: Thresholds, lower: DayCountKey, upper: DayCountKey, prefix: string): void {
  if (t[lower] >= t[upper]) {
    throw new InvalidInputError(
      `${prefix}.${lower} must be less than ${prefix}.${upper} (got ${t[lower]} >= ${t[upper]}); lower it or raise ${upper}`,
    );
  }
}

/**
 * Merges a partial override onto `base` and validates the result as a whole, so an override that
 * is fine alone but breaks the ordering against the base (dueSoon 95 with overdue 90) is caught.
 */
export function resolveThresholds(
  base: Thresholds,
  override: unknown,
  fieldPrefix = 'thresholds',
): Thresholds {
  const validOverride = validateThresholdsOverride(override, fieldPrefix);
  const merged: Thresholds = {
    ...base,
    ...validOverride,
    reminderDays: [...(validOverride.reminderDays ?? base.reminderDays)],
  };
  // The base may come from configuration the override did not touch: check every field.
  validateThresholdsOverride(merged, fieldPrefix);
  checkOrder(merged, 'rotationDueSoonDays', 'rotationOverdueDays', fieldPrefix);
  checkOrder(merged, 'rotationOverdueDays', 'rotationCriticalDays', fieldPrefix);
  const parsed = ThresholdsSchema.safeParse(merged);
  if (!parsed.success) {
    // Unreachable while the hand-written checks above mirror the schema; kept as a guard.
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String).join('.') ?? '';
    throw new InvalidInputError(`${fieldPrefix}${path ? `.${path}` : ''} ${issue?.message ?? 'is invalid'}`);
  }
  return merged;
}
