/**
 * The finding thresholds the oracle judges planted keys by: the emulator's own copy of the
 * documented defaults (README.md, "thresholds" of the execution input; docs/architecture.md,
 * "Findings"), and the same overrides an execution input may carry. Written here on purpose:
 * the oracle takes nothing from the product it checks.
 */
import { en } from 'zod/locales';
import * as z from 'zod/mini';

// zod/mini ships no messages of its own (see ./spec.ts).
z.config(en());

export interface OracleThresholds {
  readonly rotationDueSoonDays: number;
  readonly rotationOverdueDays: number;
  readonly rotationCriticalDays: number;
  readonly reminderDays: readonly number[];
  readonly unusedDays: number;
  readonly neverUsedGraceDays: number;
  readonly inactiveLingeringDays: number;
}

export type ThresholdOverrides = Partial<OracleThresholds>;

/** docs/architecture.md, "Findings": 80, 90, 365, [90], 45, 7, 30. */
export const DOCUMENTED_THRESHOLDS: OracleThresholds = Object.freeze({
  rotationDueSoonDays: 80,
  rotationOverdueDays: 90,
  rotationCriticalDays: 365,
  reminderDays: Object.freeze([90]),
  unusedDays: 45,
  neverUsedGraceDays: 7,
  inactiveLingeringDays: 30,
});

const dayCount = z.int().check(z.minimum(0), z.maximum(100_000));

/** Some fields, as an execution input's `thresholds` gives them. */
export const thresholdOverridesSchema = z.strictObject({
  rotationDueSoonDays: z.optional(dayCount),
  rotationOverdueDays: z.optional(dayCount),
  rotationCriticalDays: z.optional(dayCount),
  reminderDays: z.optional(
    z
      .array(z.int().check(z.minimum(1), z.maximum(100_000)))
      .check(z.maxLength(20, 'at most 20 reminder days')),
  ),
  unusedDays: z.optional(dayCount),
  neverUsedGraceDays: z.optional(dayCount),
  inactiveLingeringDays: z.optional(dayCount),
});

/**
 * The defaults with `overrides` merged on, checked as a whole (docs/architecture.md: due soon <
 * overdue < critical, reminder days ascending and unique).
 * @throws RangeError naming the field
 */
export function resolveOracleThresholds(overrides: ThresholdOverrides = {}): OracleThresholds {
  const parsed = thresholdOverridesSchema.safeParse(overrides);
  if (!parsed.success) {
    const details = parsed.error.issues
      .map((i) => `thresholds.${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new RangeError(details);
  }
  const defined = Object.fromEntries(Object.entries(parsed.data).filter(([, v]) => v !== undefined));
  const t: OracleThresholds = { ...DOCUMENTED_THRESHOLDS, ...defined };
  if (t.rotationDueSoonDays >= t.rotationOverdueDays) {
    throw new RangeError('thresholds.rotationDueSoonDays: must be less than rotationOverdueDays');
  }
  if (t.rotationOverdueDays >= t.rotationCriticalDays) {
    throw new RangeError('thresholds.rotationOverdueDays: must be less than rotationCriticalDays');
  }
  if (t.reminderDays.some((d, i) => i > 0 && d <= (t.reminderDays[i - 1] ?? 0))) {
    throw new RangeError('thresholds.reminderDays: must be ascending without duplicates');
  }
  return Object.freeze({ ...t, reminderDays: Object.freeze([...t.reminderDays]) });
}
