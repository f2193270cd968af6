import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors';
import { type NormalizedInput, parseExecutionInput } from '../../src/core/execution-input';
import type { Thresholds } from '../../src/core/thresholds';

const ID = (n: number) => String(100000000000 + n);

describe('parseExecutionInput', () => {
  it('normalizes the schedule input {} with every field present', () => {
    expect(parseExecutionInput({})).toEqual({
      accountIds: null,
      dryRun: false,
      thresholds: {},
      reason: null,
    });
  });

  it('keeps valid values', () => {
    const raw = {
      accountIds: ['123456789012', '000000000001'],
      dryRun: true,
      thresholds: { unusedDays: 30 },
      reason: 'rerun after the StackSet reached the new OU',
    };
    expect(parseExecutionInput(raw)).toEqual(raw);
  });

  it('returns only the thresholds override, not the merged set', () => {
    expect(parseExecutionInput({ thresholds: { rotationOverdueDays: 100 } }).thresholds).toEqual({
      rotationOverdueDays: 100,
    });
  });

  it('accepts its own output (and a DLQ rerunInput with reason null) as input', () => {
    const normalized = parseExecutionInput({
      accountIds: ['123456789012'],
      thresholds: { reminderDays: [30] },
    });
    expect(parseExecutionInput(normalized)).toEqual(normalized);
    expect(
      parseExecutionInput({ accountIds: ['123456789012'], thresholds: {}, reason: null }).reason,
    ).toBeNull();
  });

  it.each([[null], [[]], ['{}'], [42], [undefined], [new Date('2027-01-01T00:00:00Z')]])(
    'rejects non-object input %j',
    (raw) => {
      expect(() => parseExecutionInput(raw)).toThrow(InvalidInputError);
      expect(() => parseExecutionInput(raw)).toThrow(/^the execution input must be a JSON object/);
    },
  );

  it('names unknown top-level fields', () => {
    expect(() => parseExecutionInput({ accountIDs: ['123456789012'] })).toThrow(
      'unknown field "accountIDs" in the execution input; remove it (allowed: accountIds, dryRun, thresholds, reason)',
    );
    expect(() => parseExecutionInput({ a: 1, b: 2 })).toThrow(/^unknown fields "a", "b"/);
  });

  describe('accountIds', () => {
    it('names the bad index and value', () => {
      expect(() => parseExecutionInput({ accountIds: [ID(0), ID(1), ID(2), '12345'] })).toThrow(
        'accountIds[3] must be a 12-digit AWS account id string like "123456789012" (got "12345")',
      );
    });

    it.each([[123456789012], ['1234567890123'], ['12345678901a'], [' 123456789012'], [null]])(
      'rejects %j',
      (id) => {
        expect(() => parseExecutionInput({ accountIds: [id] })).toThrow(
          /^accountIds\[0\] must be a 12-digit/,
        );
      },
    );

    it('names a duplicate, its index and the first occurrence', () => {
      expect(() => parseExecutionInput({ accountIds: [ID(1), ID(2), ID(1)] })).toThrow(
        'accountIds[2] duplicates accountIds[0] ("100000000001"); list each account once',
      );
    });

    it('rejects an empty list, saying to omit the field instead', () => {
      expect(() => parseExecutionInput({ accountIds: [] })).toThrow(/omit it to audit every account/);
    });

    it('accepts 10,000 ids and rejects 10,001', () => {
      const ids = Array.from({ length: 10_000 }, (_, i) => ID(i));
      expect(parseExecutionInput({ accountIds: ids }).accountIds).toHaveLength(10_000);
      expect(() => parseExecutionInput({ accountIds: [...ids, ID(10_000)] })).toThrow(
        /^accountIds must have at most 10000 entries \(got 10001\)/,
      );
    });

    it('rejects a single string instead of a list', () => {
      expect(() => parseExecutionInput({ accountIds: '123456789012' })).toThrow(/^accountIds must be a list/);
    });
  });

  it('requires dryRun to be a boolean', () => {
    expect(() => parseExecutionInput({ dryRun: 'true' })).toThrow(
      'dryRun must be true or false, without quotes (got "true")',
    );
  });

  describe('reason', () => {
    it('accepts 500 characters and rejects 501', () => {
      expect(parseExecutionInput({ reason: 'x'.repeat(500) }).reason).toHaveLength(500);
      expect(() => parseExecutionInput({ reason: 'x'.repeat(501) })).toThrow(
        'reason must be at most 500 characters (got 501); shorten it',
      );
    });

    it('counts an emoji as one character', () => {
      expect(parseExecutionInput({ reason: '🔑'.repeat(500) }).reason).toBe('🔑'.repeat(500));
    });

    it('rejects a non-string', () => {
      expect(() => parseExecutionInput({ reason: 7 })).toThrow(/^reason must be a string/);
    });
  });

  describe('thresholds', () => {
    it('names the threshold field', () => {
      expect(() => parseExecutionInput({ thresholds: { unusedDays: 'soon' } })).toThrow(
        /^thresholds\.unusedDays must be a whole number of days/,
      );
      expect(() => parseExecutionInput({ thresholds: { bogus: 1 } })).toThrow(
        /^thresholds\.bogus is not a known threshold/,
      );
    });

    it('validates the override against the base it will be merged onto', () => {
      expect(() => parseExecutionInput({ thresholds: { rotationDueSoonDays: 95 } })).toThrow(
        'thresholds.rotationDueSoonDays must be less than thresholds.rotationOverdueDays (got 95 >= 90); lower it or raise rotationOverdueDays',
      );
      const base: Thresholds = {
        rotationDueSoonDays: 100,
        rotationOverdueDays: 120,
        rotationCriticalDays: 365,
        reminderDays: [],
        unusedDays: 45,
        neverUsedGraceDays: 7,
        inactiveLingeringDays: 30,
      };
      expect(parseExecutionInput({ thresholds: { rotationDueSoonDays: 95 } }, base).thresholds).toEqual({
        rotationDueSoonDays: 95,
      });
    });
  });

  it('property: arbitrary input gives a NormalizedInput or an InvalidInputError, never another exception', () => {
    const accountId = fc.oneof(
      fc.stringMatching(/^\d{12}$/),
      fc.constantFrom('123456789012', '000000000000'),
      fc.string(),
      fc.anything(),
    );
    const plausible = fc.record(
      {
        accountIds: fc.oneof(fc.array(accountId, { maxLength: 5 }), fc.anything()),
        dryRun: fc.oneof(fc.boolean(), fc.anything()),
        thresholds: fc.oneof(
          fc.record(
            {
              rotationDueSoonDays: fc.integer({ min: -1, max: 120 }),
              rotationOverdueDays: fc.integer({ min: -1, max: 400 }),
              reminderDays: fc.array(fc.integer({ min: -1, max: 200 }), { maxLength: 4 }),
              unusedDays: fc.anything(),
            },
            { requiredKeys: [] },
          ),
          fc.anything(),
        ),
        reason: fc.oneof(fc.string({ maxLength: 600 }), fc.anything()),
        extra: fc.anything(),
      },
      { requiredKeys: [] },
    );
    const raw = fc.oneof(
      plausible,
      fc.anything(),
      fc.object({ withBigInt: true, withDate: true, withMap: true, withSet: true, withNullPrototype: true }),
    );
    fc.assert(
      fc.property(raw, (input) => {
        let result: NormalizedInput;
        try {
          result = parseExecutionInput(input);
        } catch (e) {
          expect(e).toBeInstanceOf(InvalidInputError);
          return;
        }
        expect(typeof result.dryRun).toBe('boolean');
        expect(result.reason === null || typeof result.reason === 'string').toBe(true);
        if (result.accountIds !== null) {
          expect(result.accountIds.every((id) => /^\d{12}$/.test(id))).toBe(true);
          expect(new Set(result.accountIds).size).toBe(result.accountIds.length);
        }
        // A normalized input is itself valid input and normalizes to itself.
        expect(parseExecutionInput(result)).toEqual(result);
      }),
      { numRuns: 2_000 },
    );
  });
});
