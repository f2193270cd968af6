/**
 * Joins credential-report slots with ListAccessKeys. The report has no key ids and can be four
 * hours stale; the listing is live. Matching is by creation time (the report's last_rotated is
 * the key's CreateDate), never by position: with two keys the older one is not always slot 1.
 */
import { MalformedDataError } from './errors';
import type { AccessKeyState, KeyStatus } from './model';

export interface ListedAccessKey {
  readonly accessKeyId: string;
  readonly status: KeyStatus;
  readonly createDate: Date;
}

/** Report timestamps are to the second; allow for rounding on either side. */
export const CREATE_DATE_TOLERANCE_MS = 2_000;

interface Candidate {
  readonly reportIndex: number;
  readonly listedIndex: number;
  readonly diff: number;
}

export function reconcileKeys(
  reportKeys: readonly AccessKeyState[],
  listed: readonly ListedAccessKey[],
): AccessKeyState[] {
  const candidates: Candidate[] = [];
  for (const [reportIndex, r] of reportKeys.entries()) {
    for (const [listedIndex, l] of listed.entries()) {
      const diff = Math.abs(r.createdAt.getTime() - l.createDate.getTime());
      if (diff <= CREATE_DATE_TOLERANCE_MS) candidates.push({ reportIndex, listedIndex, diff });
    }
  }
  // Closest pairs first; ties broken by slot then key id so the result never depends on input order.
  candidates.sort(
    (a, b) =>
      a.diff - b.diff ||
      (reportKeys[a.reportIndex]?.slot ?? 0) - (reportKeys[b.reportIndex]?.slot ?? 0) ||
      compareIds(listed[a.listedIndex]?.accessKeyId ?? '', listed[b.listedIndex]?.accessKeyId ?? ''),
  );
  const reportTaken = new Set<number>();
  const listedTaken = new Set<number>();
  const result: AccessKeyState[] = [];
  for (const c of candidates) {
    if (reportTaken.has(c.reportIndex) || listedTaken.has(c.listedIndex)) continue;
    const r = reportKeys[c.reportIndex];
    const l = listed[c.listedIndex];
    if (r === undefined || l === undefined) continue;
    reportTaken.add(c.reportIndex);
    listedTaken.add(c.listedIndex);
    result.push({ ...r, accessKeyId: l.accessKeyId, status: l.status, createdAt: l.createDate });
  }
  // Slots whose key was deleted since the report are dropped: nothing to act on any more.
  const unmatched = listed
    .filter((_, i) => !listedTaken.has(i))
    .sort(
      (a, b) => a.createDate.getTime() - b.createDate.getTime() || compareIds(a.accessKeyId, b.accessKeyId),
    );
  const freeSlots = ([1, 2] as const).filter((s) => !result.some((k) => k.slot === s));
  for (const l of unmatched) {
    const slot = freeSlots.shift();
    if (slot === undefined) {
      throw new MalformedDataError(
        `ListAccessKeys returned more access keys than IAM allows per user (2): ${listed.map((k) => k.accessKeyId).join(', ')}`,
        { api: 'iam:ListAccessKeys' },
      );
    }
    // Created after the report: last use unknown, so null (the key is hours old, never NEVER_USED).
    result.push({
      slot,
      accessKeyId: l.accessKeyId,
      status: l.status,
      createdAt: l.createDate,
      lastUsedAt: null,
      lastUsedService: null,
      lastUsedRegion: null,
    });
  }
  return result.sort((a, b) => a.slot - b.slot);
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
