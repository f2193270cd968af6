/**
 * The contracts between the parts (docs/contracts.md: execution input, Lambda events, DLQ message
 * bodies), the account plan (docs/design.md, "Workflow": skipped accounts with a reason and a
 * fix), the report CSV, the error classes and the bounded concurrency helpers. Every message
 * names the field and says what to do. These cases close gaps mutation testing found
 * (docs/mutation-testing.md).
 */
import { describe, expect, it } from 'vitest';
import { planAudit } from '../../src/core/audit-plan';
import { boundedMap, boundedPull } from '../../src/core/concurrency';
import { renderDigest } from '../../src/core/digest';
import { DLQ_MESSAGE_KINDS, DlqMessageSchema } from '../../src/core/dlq-messages';
import {
  CredentialReportTimeoutError,
  InvalidInputError,
  OrganizationsThrottledError,
} from '../../src/core/errors';
import { parseExecutionInput } from '../../src/core/execution-input';
import type { OrgAccount } from '../../src/core/model';
import { buildReport, compareStrings, reportToCsv } from '../../src/core/report';
import {
  parseAuditAccountEvent,
  parseBuildDigestEvent,
  parsePublishDigestEvent,
} from '../../src/core/state-events';
import { audit, finding, META } from '../fixtures/audits';

describe('execution input messages', () => {
  it('an empty accountIds list says to omit it', () => {
    expect(() => parseExecutionInput({ accountIds: [] })).toThrow(
      'accountIds must not be empty; omit it to audit every account',
    );
  });

  it('several unknown fields are named in the plural', () => {
    expect(() => parseExecutionInput({ dryrun: true, acountIds: [] })).toThrow(
      'unknown fields "dryrun", "acountIds" in the execution input; remove them (allowed: accountIds, dryRun, thresholds, reason)',
    );
  });

  it('a misspelt field is reported before the errors it explains', () => {
    expect(() => parseExecutionInput({ dryRun: 'yes', reasn: 'x' })).toThrow(
      'unknown field "reasn" in the execution input; remove it (allowed: accountIds, dryRun, thresholds, reason)',
    );
  });
});

describe('Lambda event messages', () => {
  const arn = 'arn:aws:states:eu-west-1:111111111111:execution:AuditOrganization:r';

  it('a blank string is not a non-empty string', () => {
    expect(() =>
      parseAuditAccountEvent({ accountId: '123456789012', executionName: '   ', executionArn: arn }),
    ).toThrow('event field executionName must be a non-empty string (got "   ")');
  });

  it('names the event that is not an object', () => {
    expect(() => parseBuildDigestEvent('x')).toThrow(
      'BuildDigest event must be a JSON object (got "x"); check the state\'s Parameters',
    );
    expect(() => parsePublishDigestEvent([])).toThrow(
      "PublishDigest event must be a JSON object (got []); check the state's Parameters",
    );
  });

  it('BuildDigest needs the execution ARN', () => {
    expect(() =>
      parseBuildDigestEvent({
        input: { dryRun: false },
        executionName: 'r',
        accounts: { bucket: 'b', organizationKey: 'k' },
        map: null,
      }),
    ).toThrow('event field executionArn must be a non-empty string (got undefined)');
  });
});

describe('DLQ message bodies', () => {
  it('every kind, each read by its own schema', () => {
    expect(DLQ_MESSAGE_KINDS).toEqual([
      'account-failure',
      'digest-failure',
      'execution-failure',
      'findings-import-failure',
      'remediation-start-failure',
      'remediation-key-failure',
      'remediation-request-failure',
    ]);
    const arn = 'arn:aws:states:eu-west-1:111111111111:execution:AuditOrganization:r';
    expect(
      DlqMessageSchema.safeParse({ kind: 'execution-failure', executionArn: arn, status: 'ABORTED' }).success,
    ).toBe(true);
    const unknown = DlqMessageSchema.safeParse({ kind: 'other-failure', executionArn: arn });
    expect(unknown.success).toBe(false);
    expect(unknown.error?.issues[0]?.path).toEqual(['kind']);
  });
});

describe('planAudit', () => {
  const account = (accountId: string, state = 'ACTIVE'): OrgAccount => ({
    accountId,
    accountName: `name-${accountId}`,
    email: `${accountId}@example.com`,
    state,
  });

  it('sorts both lists by account id, whatever the listing order', () => {
    const plan = planAudit(
      [
        account('300000000000'),
        account('100000000000', 'SUSPENDED'),
        account('200000000000'),
        account('000000000001', 'CLOSED'),
      ],
      null,
    );
    expect(plan.toAudit.map((a) => a.accountId)).toEqual(['200000000000', '300000000000']);
    expect(plan.skipped.map((s) => s.account.accountId)).toEqual(['000000000001', '100000000000']);
  });

  it('an account listed twice is planned once', () => {
    const plan = planAudit([account('100000000000'), account('100000000000', 'SUSPENDED')], null);
    expect(plan.toAudit.map((a) => a.accountId)).toEqual(['100000000000']);
    expect(plan.skipped).toEqual([]);
  });

  it('says what to do for each kind of skipped account', () => {
    const plan = planAudit(
      [account('100000000000'), account('200000000000', 'MIGRATING')],
      ['200000000000', '900000000000'],
    );
    expect(plan.skipped.map(({ account: a, reason, fix }) => [a.accountId, reason, fix])).toEqual([
      ['100000000000', 'not requested in this run', 'run without accountIds to audit the whole organization'],
      [
        '200000000000',
        'the account is in an unrecognised state "MIGRATING"',
        'check the account in the AWS Organizations console',
      ],
      [
        '900000000000',
        'not a member of this organization',
        'check the account id, or run the audit from the organization that owns the account',
      ],
    ]);
  });
});

describe('the report', () => {
  it('a duplicated account is refused with its id in the error', () => {
    let error: unknown;
    try {
      buildReport([audit({ accountId: '111111111111' }), audit({ accountId: '111111111111' })], META);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).accountId).toBe('111111111111');
  });

  it('CSV cells are quoted only when they hold a quote, comma or line break', () => {
    const report = buildReport(
      [
        audit({
          accountId: '111111111111',
          accountName: 'Payments',
          findings: [finding({ accountId: '111111111111' })],
        }),
      ],
      META,
    );
    expect(reportToCsv(report).split('\r\n')[1]).toBe(
      '111111111111,Payments,alice,arn:aws:iam::111111111111:user/alice,AKIAABCDEFGHIJKLMNOP,1,Active,2024-01-01T00:00:00.000Z,100,2024-04-01T00:00:00.000Z,s3,ROTATION_OVERDUE,high,false,,,,1.14',
    );
  });

  it('compareStrings orders by code unit', () => {
    expect(compareStrings('a', 'b')).toBe(-1);
    expect(compareStrings('b', 'a')).toBe(1);
    expect(compareStrings('a', 'a')).toBe(0);
    expect(compareStrings('Z', 'a')).toBe(-1);
  });

  it('the digest falls back on the failure catalogue for a fix stored without one', () => {
    const failed = (accountId: string, errorName: string) =>
      audit({ accountId, status: 'FAILED', strategy: 'none', errorName, reason: 'r' });
    const body = renderDigest(
      buildReport(
        [
          failed('111111111111', 'IamThrottledError'),
          failed('222222222222', 'CredentialReportTimeoutError'),
          failed('333333333333', 'CredentialReportParseError'),
        ],
        META,
      ),
      {},
    ).body;
    expect(body).toContain('      Fix: IAM kept throttling: rerun the audit for this account later\n');
    expect(body).toContain(
      '      Fix: the credential report was not ready in time: rerun the audit for this account\n',
    );
    expect(body).toContain(
      '      Fix: the credential report could not be read: rerun, and report a bug if it persists\n',
    );
  });
});

describe('error classes', () => {
  it('keep the cause they are given, and have none otherwise', () => {
    const cause = new Error('underlying');
    expect(new InvalidInputError('m', { cause }).cause).toBe(cause);
    expect('cause' in new InvalidInputError('m')).toBe(false);
    expect('cause' in new InvalidInputError('m', { accountId: '111111111111' })).toBe(false);
  });

  it('have the stable names the state machine matches', () => {
    expect(new CredentialReportTimeoutError('m').name).toBe('CredentialReportTimeoutError');
    expect(new OrganizationsThrottledError('m').name).toBe('OrganizationsThrottledError');
  });
});

describe('bounded concurrency', () => {
  const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

  it('a limit of 1 is allowed; 0 is refused with the value', async () => {
    await expect(boundedMap([1, 2], 1, async (x) => x * 2)).resolves.toEqual([2, 4]);
    await expect(boundedMap([1], 0, async (x) => x)).rejects.toThrow(
      'concurrency must be a positive integer, got 0',
    );
    const seen: number[] = [];
    await boundedPull([1, 2][Symbol.iterator](), 1, async (x) => {
      seen.push(x);
    });
    expect(seen).toEqual([1, 2]);
    await expect(boundedPull([1][Symbol.iterator](), 0, async () => {})).rejects.toThrow(
      'concurrency must be a positive integer, got 0',
    );
  });

  it('boundedMap never runs more than the limit at once', async () => {
    let inFlight = 0;
    let most = 0;
    await boundedMap([1, 2, 3, 4, 5], 2, async (x) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await tick();
      inFlight -= 1;
      return x;
    });
    expect(most).toBe(2);
  });

  it('boundedMap starts nothing new after the first rejection', async () => {
    const started: number[] = [];
    await expect(
      boundedMap([1, 2, 3, 4, 5, 6], 2, async (x) => {
        started.push(x);
        if (x === 1) throw new Error('denied');
        await tick();
        return x;
      }),
    ).rejects.toThrow('denied');
    await tick();
    await tick();
    expect(started).toEqual([1, 2]);
  });
});
