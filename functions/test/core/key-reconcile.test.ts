import { describe, expect, it } from 'vitest';
import { MalformedDataError } from '../../src/core/errors';
import { type ListedAccessKey, reconcileKeys } from '../../src/core/key-reconcile';
import type { AccessKeyState } from '../../src/core/model';

const T1 = new Date('2026-01-10T08:00:00Z');
const T2 = new Date('2027-03-01T17:30:00Z');
const T3 = new Date('2027-06-15T09:00:00Z');

function reportKey(slot: 1 | 2, createdAt: Date, over: Partial<AccessKeyState> = {}): AccessKeyState {
  return {
    slot,
    accessKeyId: null,
    status: 'Active',
    createdAt,
    lastUsedAt: new Date('2027-06-01T00:00:00Z'),
    lastUsedService: 'sts',
    lastUsedRegion: 'us-east-1',
    ...over,
  };
}

const listedKey = (
  accessKeyId: string,
  createDate: Date,
  status: 'Active' | 'Inactive' = 'Active',
): ListedAccessKey => ({
  accessKeyId,
  status,
  createDate,
});

describe('reconcileKeys', () => {
  it('takes the id from the listed key with the same creation time', () => {
    const result = reconcileKeys([reportKey(1, T1)], [listedKey('AKIAONE', T1)]);
    expect(result).toEqual([{ ...reportKey(1, T1), accessKeyId: 'AKIAONE' }]);
  });

  it('maps two keys by time, not by order: the older key can be slot 2', () => {
    // Slot 1 holds the newer key (the original slot-1 key was deleted and a new one created).
    const report = [
      reportKey(1, T2, { lastUsedService: 's3' }),
      reportKey(2, T1, { lastUsedService: 'ec2' }),
    ];
    const listed = [listedKey('AKIAOLDER', T1), listedKey('AKIANEWER', T2)];
    const result = reconcileKeys(report, listed);
    expect(result.map((k) => [k.slot, k.accessKeyId, k.lastUsedService])).toEqual([
      [1, 'AKIANEWER', 's3'],
      [2, 'AKIAOLDER', 'ec2'],
    ]);
  });

  it('gives the same result whatever the listing order', () => {
    const report = [reportKey(1, T1), reportKey(2, T2)];
    const a = reconcileKeys(report, [listedKey('AKIAA', T1), listedKey('AKIAB', T2)]);
    const b = reconcileKeys([...report].reverse(), [listedKey('AKIAB', T2), listedKey('AKIAA', T1)]);
    expect(b).toEqual(a);
  });

  it('tolerates ±2 s between the report and the listing, not 3 s', () => {
    const plus2 = new Date(T1.getTime() + 2_000);
    const minus2 = new Date(T2.getTime() - 2_000);
    const matched = reconcileKeys(
      [reportKey(1, T1), reportKey(2, T2)],
      [listedKey('AKIAA', plus2), listedKey('AKIAB', minus2)],
    );
    expect(matched.map((k) => [k.slot, k.accessKeyId])).toEqual([
      [1, 'AKIAA'],
      [2, 'AKIAB'],
    ]);
    const plus3 = new Date(T1.getTime() + 3_000);
    const unmatched = reconcileKeys([reportKey(1, T1)], [listedKey('AKIAA', plus3)]);
    // No match: the report slot is dropped and the listed key is added with unknown last use.
    expect(unmatched).toEqual([
      {
        slot: 1,
        accessKeyId: 'AKIAA',
        status: 'Active',
        createdAt: plus3,
        lastUsedAt: null,
        lastUsedService: null,
        lastUsedRegion: null,
      },
    ]);
  });

  it('takes the live status from the listing (a key deactivated after the report)', () => {
    const [k] = reconcileKeys([reportKey(1, T1, { status: 'Active' })], [listedKey('AKIAA', T1, 'Inactive')]);
    expect(k?.status).toBe('Inactive');
  });

  it('drops a report slot whose key no longer exists', () => {
    const result = reconcileKeys([reportKey(1, T1), reportKey(2, T2)], [listedKey('AKIAB', T2)]);
    expect(result.map((k) => [k.slot, k.accessKeyId])).toEqual([[2, 'AKIAB']]);
  });

  it('adds a key created after the report into a free slot, last use unknown', () => {
    const result = reconcileKeys([reportKey(2, T2)], [listedKey('AKIAB', T2), listedKey('AKIANEW', T3)]);
    expect(result).toEqual([
      {
        slot: 1,
        accessKeyId: 'AKIANEW',
        status: 'Active',
        createdAt: T3,
        lastUsedAt: null,
        lastUsedService: null,
        lastUsedRegion: null,
      },
      { ...reportKey(2, T2), accessKeyId: 'AKIAB' },
    ]);
  });

  it('handles a report without keys and a user without keys', () => {
    expect(reconcileKeys([], [])).toEqual([]);
    expect(reconcileKeys([reportKey(1, T1)], [])).toEqual([]);
    expect(
      reconcileKeys([], [listedKey('AKIAB', T2), listedKey('AKIAA', T1)]).map((k) => [k.slot, k.accessKeyId]),
    ).toEqual([
      [1, 'AKIAA'],
      [2, 'AKIAB'],
    ]);
  });

  it('does not mutate its inputs', () => {
    const report = [reportKey(1, T1)];
    const listed = [listedKey('AKIAA', T1, 'Inactive')];
    const before = structuredClone({ report, listed });
    reconcileKeys(report, listed);
    expect({ report, listed }).toEqual(before);
  });

  it('refuses more than two listed keys, which IAM does not allow', () => {
    const three = [listedKey('AKIAA', T1), listedKey('AKIAB', T2), listedKey('AKIAC', T3)];
    expect(() => reconcileKeys([], three)).toThrow(MalformedDataError);
  });
});
