/**
 * The pure rules behind `keyaudit approve` / `reject` / `reactivate`: which keys a selection
 * approves, the reason's limits, and how a closed request is worded. Expected values come from
 * docs/remediation.md and the planted request below.
 */
import {
  type DeactivationRequest,
  InvalidInputError,
  type RequestOutcome,
} from '@org-key-audit/functions/core';
import { describe, expect, it } from 'vitest';
import { checkReason, parseKeyIds, requestExecutionArn, selectKeys } from '../src/ops/remediation';
import { closedSentence, formatWhy } from '../src/ops/remediation-format';

const key = (accessKeyId: string, userName: string) => ({
  accountId: '111111111111',
  accountName: 'payments',
  userName,
  userArn: `arn:aws:iam::111111111111:user/${userName}`,
  accessKeyId,
  createdAt: '2024-01-01T00:00:00.000Z',
  lastUsedAt: null,
  ageDays: 400,
  why: [{ type: 'ROTATION_OVERDUE' as const, days: 400, thresholdDays: 365 }],
  firstReportedAt: '2025-01-01T00:00:00.000Z',
});

const A = 'AKIAAAAAAAAAAAAA0001';
const B = 'AKIABBBBBBBBBBBB0002';
const C = 'AKIACCCCCCCCCCCC0003';

const request: DeactivationRequest = {
  schemaVersion: 1,
  requestId: 'dr-20250304-1a2b3c4d',
  createdAt: '2025-03-04T05:00:00.000Z',
  expiresAt: '2025-03-11T05:00:00.000Z',
  approvalTimeoutSeconds: 604_800,
  auditExecutionArn: 'arn:aws:states:eu-west-1:999988887777:execution:AuditOrganization:daily',
  criteria: { rotationOverdueDays: 365, unusedDays: 180, neverUsedDays: 30 },
  noticeDays: 7,
  keys: [key(A, 'alice'), key(B, 'bob'), key(C, 'carol')],
};

const ids = (selected: ReturnType<typeof selectKeys>) => selected.keys.map((k) => k.accessKeyId);

describe('selectKeys', () => {
  it('no selection approves every key; --only narrows to it, --except leaves it out, in request order', () => {
    expect(ids(selectKeys(request, {}))).toEqual([A, B, C]);
    expect(selectKeys(request, {})).toMatchObject({ only: null, except: null });
    expect(ids(selectKeys(request, { only: [C, A] }))).toEqual([A, C]);
    expect(selectKeys(request, { only: [C, A] })).toMatchObject({ only: [C, A], except: null });
    expect(ids(selectKeys(request, { except: [B] }))).toEqual([A, C]);
  });

  it('accepts ids separated by commas or spaces, each once', () => {
    expect(parseKeyIds([`${A},${B}`, ` ${A} `], '--only')).toEqual([A, B]);
    expect(ids(selectKeys(request, { only: [`${A},${C}`] }))).toEqual([A, C]);
    expect(() => parseKeyIds([' , '], '--only')).toThrow('--only needs at least one access key id');
  });

  it('refuses --only with --except, unknown ids (naming them, listing the masked keys), and an empty result', () => {
    expect(() => selectKeys(request, { only: [A], except: [B] })).toThrow(InvalidInputError);
    expect(() => selectKeys(request, { only: [A], except: [B] })).toThrow('cannot be combined');
    const unknown = () => selectKeys(request, { except: [A, 'AKIAIOSFODNN7EXAMPLE'] });
    expect(unknown).toThrow(
      '--except names a key that request dr-20250304-1a2b3c4d does not hold: AKIAIOSFODNN7EXAMPLE',
    );
    expect(unknown).toThrow('AKIA…0001 (alice in 111111111111), AKIA…0002 (bob in 111111111111)');
    // A masked id is a listing aid, not an id: it is refused like any other unknown one.
    expect(() => selectKeys(request, { only: ['AKIA…0001'] })).toThrow('does not hold: AKIA…0001');
    expect(() => selectKeys(request, { except: [A, B, C] })).toThrow(
      'use keyaudit reject dr-20250304-1a2b3c4d',
    );
  });
});

describe('checkReason', () => {
  it('trims, needs 1 to 256 characters, counting characters rather than UTF-16 units', () => {
    expect(checkReason('  ticket SEC-12  ')).toBe('ticket SEC-12');
    expect(() => checkReason(undefined)).toThrow('reject needs --reason');
    expect(() => checkReason(' \t ')).toThrow('reject needs --reason');
    expect(checkReason('🔑'.repeat(256))).toHaveLength(512);
    expect(() => checkReason('🔑'.repeat(257))).toThrow('--reason is 257 characters');
  });
});

describe('wording', () => {
  const caller = {
    arn: 'arn:aws:sts::999988887777:assumed-role/Sec/alice',
    account: '999988887777',
    userId: 'AROA:alice',
  };
  const closed = (over: Partial<RequestOutcome>): RequestOutcome => ({
    schemaVersion: 1,
    requestId: request.requestId,
    status: 'COMPLETED',
    closedAt: '2025-03-05T09:10:11.000Z',
    approval: null,
    rejection: null,
    reason: null,
    outcomes: [],
    ...over,
  });

  it('names who decided and when, and what an expiry means', () => {
    const approval = {
      decision: 'approve' as const,
      requestId: request.requestId,
      approver: caller,
      approvedAt: '2025-03-05T09:00:00.000Z',
      keys: [A],
      only: [A],
      except: null,
    };
    const outcome = (o: 'deactivated' | 'skipped' | 'failed') => ({
      accountId: '111111111111',
      userName: 'alice',
      accessKeyId: A,
      action: 'deactivate' as const,
      outcome: o,
      at: '2025-03-05T09:10:00.000Z',
    });
    expect(closedSentence(closed({ approval, outcomes: [outcome('deactivated'), outcome('skipped')] }))).toBe(
      `was already approved by ${caller.arn} at 2025-03-05 09:00:00 UTC; it completed at 2025-03-05 09:10:11 UTC (1 deactivated, 1 skipped, 0 failed)`,
    );
    expect(
      closedSentence(closed({ status: 'REFUSED', approval, reason: 'key AKIA… is not in the request' })),
    ).toContain(
      'but the workflow refused that approval (key AKIA… is not in the request) and changed nothing',
    );
    expect(
      closedSentence(
        closed({
          status: 'REJECTED',
          rejection: {
            decision: 'reject',
            requestId: request.requestId,
            approver: caller,
            rejectedAt: '2025-03-05T08:00:00.000Z',
            reason: 'CI keys',
          },
        }),
      ),
    ).toBe(`was rejected by ${caller.arn} at 2025-03-05 08:00:00 UTC ("CI keys"); nothing was changed`);
    expect(closedSentence(closed({ status: 'EXPIRED' }))).toBe(
      'expired on 2025-03-05 09:10:11 UTC without a decision; nothing was changed; the next audit proposes the keys again',
    );
  });

  it('says why a key is proposed in words, and finds a request’s execution by its id', () => {
    expect(
      formatWhy([
        { type: 'UNUSED', days: 200, thresholdDays: 180 },
        { type: 'NEVER_USED', days: 31, thresholdDays: 30 },
      ]),
    ).toBe('unused for 200 days (limit 180); never used, 31 days old (limit 30)');
    expect(
      requestExecutionArn(
        'arn:aws:states:eu-west-1:999988887777:stateMachine:RemediateKeys',
        request.requestId,
      ),
    ).toBe('arn:aws:states:eu-west-1:999988887777:execution:RemediateKeys:dr-20250304-1a2b3c4d');
  });
});
