/**
 * Joining the credential report's key slots with ListAccessKeys (docs/design.md, "Collecting one
 * account": ListAccessKeys "maps the report's access_key_1/access_key_2 slots to real keys by
 * creation date"). Report timestamps are to the second, so creation times within 2 s match;
 * the closest pairs are matched first, ties broken by slot then key id, so the result never
 * depends on input order; keys created after the report take the free slots. These cases close
 * gaps mutation testing found (docs/mutation-testing.md).
 */
import { describe, expect, it } from 'vitest';
import { MalformedDataError } from '../../src/core/errors';
import { type ListedAccessKey, reconcileKeys } from '../../src/core/key-reconcile';
import type { AccessKeyState } from '../../src/core/model';

const T = new Date('2027-03-01T17:30:00.000Z');
const at = (ms: number) => new Date(T.getTime() + ms);

function reportKey(slot: 1 | 2, createdAt: Date): AccessKeyState {
  return {
    slot,
    accessKeyId: null,
    status: 'Active',
    createdAt,
    lastUsedAt: new Date('2027-06-01T00:00:00Z'),
    lastUsedService: `service-of-slot-${slot}`,
    lastUsedRegion: 'us-east-1',
  };
}

const listed = (accessKeyId: string, createDate: Date): ListedAccessKey => ({
  accessKeyId,
  status: 'Active',
  createDate,
});
const pairs = (keys: readonly AccessKeyState[]) =>
  keys.map((k) => [k.slot, k.accessKeyId, k.lastUsedService]);

describe('reconcileKeys: matching by creation time', () => {
  it('matches creation times exactly 2 s apart, on either side', () => {
    expect(pairs(reconcileKeys([reportKey(1, T)], [listed('AKIALATER', at(2_000))]))).toEqual([
      [1, 'AKIALATER', 'service-of-slot-1'],
    ]);
    expect(pairs(reconcileKeys([reportKey(1, T)], [listed('AKIAEARLIER', at(-2_000))]))).toEqual([
      [1, 'AKIAEARLIER', 'service-of-slot-1'],
    ]);
  });

  it('matches the closest pair first, not the first pair found', () => {
    // Slot 1 is 1.5 s from key A; slot 2 is 0 s from A and 1.5 s from B. Closest first: slot 2 is A;
    // slot 1 then has no key within 2 s, and B (3 s from slot 1) is a key the report did not know.
    const report = [reportKey(1, T), reportKey(2, at(1_500))];
    const live = [listed('AKIAA', at(1_500)), listed('AKIAB', at(3_000))];
    expect(pairs(reconcileKeys(report, live))).toEqual([
      [1, 'AKIAB', null],
      [2, 'AKIAA', 'service-of-slot-2'],
    ]);
  });

  it('between two slots equally close to one key, the lower slot takes it, in any order', () => {
    for (const report of [
      [reportKey(1, at(-1_000)), reportKey(2, at(1_000))],
      [reportKey(2, at(1_000)), reportKey(1, at(-1_000))],
    ]) {
      expect(pairs(reconcileKeys(report, [listed('AKIAONLY', T)]))).toEqual([
        [1, 'AKIAONLY', 'service-of-slot-1'],
      ]);
    }
  });

  it('between two keys equally close to one slot, the lower key id takes it, in any order', () => {
    for (const live of [
      [listed('AKIAB', at(1_000)), listed('AKIAA', at(-1_000))],
      [listed('AKIAA', at(-1_000)), listed('AKIAB', at(1_000))],
    ]) {
      expect(pairs(reconcileKeys([reportKey(1, T)], live))).toEqual([
        [1, 'AKIAA', 'service-of-slot-1'],
        [2, 'AKIAB', null],
      ]);
    }
  });
});

describe('reconcileKeys: keys created after the report', () => {
  it('take the slot the matched keys leave free', () => {
    const result = reconcileKeys(
      [reportKey(1, T)],
      [listed('AKIAMATCH', T), listed('AKIANEW', at(3_600_000))],
    );
    expect(pairs(result)).toEqual([
      [1, 'AKIAMATCH', 'service-of-slot-1'],
      [2, 'AKIANEW', null],
    ]);
    expect(result[1]).toEqual({
      slot: 2,
      accessKeyId: 'AKIANEW',
      status: 'Active',
      createdAt: at(3_600_000),
      lastUsedAt: null,
      lastUsedService: null,
      lastUsedRegion: null,
    });
  });

  it('two new keys: the older takes slot 1; created at the same instant, the lower id does', () => {
    expect(pairs(reconcileKeys([], [listed('AKIAA', at(5_000)), listed('AKIAB', T)]))).toEqual([
      [1, 'AKIAB', null],
      [2, 'AKIAA', null],
    ]);
    expect(pairs(reconcileKeys([], [listed('AKIAB', T), listed('AKIAA', T)]))).toEqual([
      [1, 'AKIAA', null],
      [2, 'AKIAB', null],
    ]);
  });

  it('more than two listed keys is malformed data, naming the call and the keys', () => {
    let error: unknown;
    try {
      reconcileKeys([], [listed('AKIA1', T), listed('AKIA2', T), listed('AKIA3', T)]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(MalformedDataError);
    expect((error as MalformedDataError).message).toBe(
      'ListAccessKeys returned more access keys than IAM allows per user (2): AKIA1, AKIA2, AKIA3',
    );
    expect((error as MalformedDataError).api).toBe('iam:ListAccessKeys');
  });
});
