/**
 * BuildDigest's bookkeeping (docs/design.md, "Workflow": every account ends AUDITED, FAILED or
 * SKIPPED; one account never fails the run): the Map's records read in all their spellings, the
 * stored results trusted first, a lost account FAILED "no result recorded", and the execution
 * output kept small. These cases close gaps mutation testing found (docs/mutation-testing.md).
 */
import { describe, expect, it } from 'vitest';
import {
  causeMessage,
  MALFORMED_FIX,
  type MapOutcome,
  outcomesFromMap,
  RERUN_FIX,
  reconcileAccounts,
  summarizeRun,
} from '../../src/app/reconcile';
import { type AccountAudit, SCHEMA_VERSION } from '../../src/core/model';
import { computeTotals } from '../../src/core/report';
import type { MapChildResult, OrganizationEntry } from '../../src/core/run-layout';

const A = '111111111111';
const B = '222222222222';

const child = (over: Partial<MapChildResult>): MapChildResult => ({
  status: 'SUCCEEDED',
  executionArn: 'arn:aws:states:eu-west-1:999999999999:execution:Map:child-1',
  input: { accountId: A },
  output: null,
  error: null,
  cause: null,
  ...over,
});
const outcomeOf = (c: MapChildResult) => outcomesFromMap([c]).byAccount.get(A);
const lambdaCause = (errorType: string, errorMessage: string) =>
  JSON.stringify({ errorType, errorMessage, trace: ['at handler (index.mjs:1:1)'] });

describe('outcomesFromMap: a succeeded iteration', () => {
  it('takes the declared status, AUDITED, SKIPPED or FAILED', () => {
    for (const status of ['AUDITED', 'SKIPPED', 'FAILED'] as const) {
      expect(outcomeOf(child({ output: { accountId: A, status } }))).toEqual({
        accountId: A,
        status,
        errorName: null,
        reason: null,
      });
    }
    expect(
      outcomeOf(child({ output: { accountId: A, status: 'FAILED', errorName: 'X', reason: 'why' } })),
    ).toEqual({
      accountId: A,
      status: 'FAILED',
      errorName: 'X',
      reason: 'why',
    });
  });

  it('without a status: FAILED when it names an error, AUDITED otherwise', () => {
    expect(outcomeOf(child({ output: { accountId: A } }))?.status).toBe('AUDITED');
    expect(outcomeOf(child({ output: { accountId: A, status: 'DONE' } }))?.status).toBe('AUDITED');
    expect(outcomeOf(child({ output: { accountId: A, Error: 'IamThrottledError' } }))).toEqual({
      accountId: A,
      status: 'FAILED',
      errorName: 'IamThrottledError',
      reason: null,
    });
  });

  it('reads the Catch path in all three spellings: top-level, under error, lower case', () => {
    expect(
      outcomeOf(
        child({
          output: { accountId: A, Error: 'Lambda.Unknown', Cause: lambdaCause('IamThrottledError', 'slow') },
        }),
      ),
    ).toEqual({ accountId: A, status: 'FAILED', errorName: 'Lambda.Unknown', reason: 'slow' });
    expect(
      outcomeOf(
        child({ output: { accountId: A, error: { Error: 'States.TaskFailed', Cause: 'plain cause' } } }),
      ),
    ).toEqual({
      accountId: A,
      status: 'FAILED',
      errorName: 'States.TaskFailed',
      reason: 'plain cause',
    });
    expect(
      outcomeOf(child({ output: { accountId: A, error: { errorName: 'E2', cause: 'lower cause' } } })),
    ).toEqual({
      accountId: A,
      status: 'FAILED',
      errorName: 'E2',
      reason: 'lower cause',
    });
    // Only a Lambda Cause names the error: its errorType.
    expect(
      outcomeOf(child({ output: { accountId: A, Cause: lambdaCause('IamThrottledError', 'slow') } })),
    ).toEqual({
      accountId: A,
      status: 'FAILED',
      errorName: 'IamThrottledError',
      reason: 'slow',
    });
  });

  it('the result’s own errorName and reason come first; empty text counts as none', () => {
    expect(
      outcomeOf(
        child({
          output: {
            accountId: A,
            status: 'FAILED',
            errorName: 'Own',
            reason: 'own reason',
            Error: 'E',
            Cause: 'c',
          },
        }),
      ),
    ).toMatchObject({ errorName: 'Own', reason: 'own reason' });
    expect(
      outcomeOf(
        child({
          output: { accountId: A, status: 'FAILED', errorName: '', reason: '', Error: 'E', Cause: 'c' },
        }),
      ),
    ).toMatchObject({ errorName: 'E', reason: 'c' });
  });

  it('an output that is no object is a MalformedResult, the account read from the input', () => {
    expect(outcomeOf(child({ output: 'done' }))).toEqual({
      accountId: A,
      status: 'FAILED',
      errorName: 'MalformedResult',
      reason: 'the iteration returned no result object',
    });
  });
});

describe('outcomesFromMap: a failed child execution', () => {
  it('Lambda.Unknown is replaced by the errorType of the Cause; other errors are kept', () => {
    expect(
      outcomeOf(
        child({ status: 'FAILED', error: 'Lambda.Unknown', cause: lambdaCause('OutOfMemory', 'oom') }),
      ),
    ).toEqual({
      accountId: A,
      status: 'FAILED',
      errorName: 'OutOfMemory',
      reason: 'oom',
    });
    expect(
      outcomeOf(child({ status: 'FAILED', error: 'States.Timeout', cause: lambdaCause('Other', 'late') })),
    ).toMatchObject({
      errorName: 'States.Timeout',
      reason: 'late',
    });
  });

  it('without error or cause, the status says what happened', () => {
    expect(outcomeOf(child({ status: 'TIMED_OUT' }))).toEqual({
      accountId: A,
      status: 'FAILED',
      errorName: 'ChildTIMED_OUT',
      reason: 'the child execution ended TIMED_OUT without a cause',
    });
  });
});

describe('outcomesFromMap: several records for one account (a redriven Map)', () => {
  const failed = (reason: string) => child({ output: { accountId: A, status: 'FAILED', reason } });
  const ok = child({ output: { accountId: A, status: 'AUDITED' } });

  it('a success replaces a failure, never the other way round', () => {
    expect(outcomesFromMap([failed('first'), ok]).byAccount.get(A)?.status).toBe('AUDITED');
    expect(outcomesFromMap([ok, failed('later')]).byAccount.get(A)?.status).toBe('AUDITED');
  });

  it('of two failures, the first is kept', () => {
    expect(outcomesFromMap([failed('first'), failed('second')]).byAccount.get(A)?.reason).toBe('first');
  });

  it('a record that names no account is a warning, with its execution when known', () => {
    const { byAccount, warnings } = outcomesFromMap([
      child({ input: null, output: {} }),
      child({ input: 'x', output: null, executionArn: null }),
    ]);
    expect(byAccount.size).toBe(0);
    expect(warnings).toEqual([
      'a Map iteration (arn:aws:states:eu-west-1:999999999999:execution:Map:child-1) named no account; it was ignored',
      'a Map iteration (unknown execution) named no account; it was ignored',
    ]);
  });
});

describe('causeMessage', () => {
  it('reads errorMessage, then Cause, then message from a JSON cause', () => {
    expect(causeMessage(JSON.stringify({ errorMessage: 'm1', Cause: 'm2', message: 'm3' }))).toBe('m1');
    expect(causeMessage(JSON.stringify({ Cause: 'm2', message: 'm3' }))).toBe('m2');
    expect(causeMessage(JSON.stringify({ message: 'm3' }))).toBe('m3');
  });

  it('shows any other cause as it is', () => {
    expect(causeMessage('{"other":1}')).toBe('{"other":1}');
    expect(causeMessage('{not json')).toBe('{not json');
    expect(causeMessage('["errorMessage"]')).toBe('["errorMessage"]');
    expect(causeMessage(' {"errorMessage":"m"}')).toBe(' {"errorMessage":"m"}');
    expect(causeMessage('')).toBeNull();
    expect(causeMessage(42)).toBeNull();
  });

  it('keeps 1,000 characters and cuts longer causes to 999 and …', () => {
    expect(causeMessage('c'.repeat(1_000))).toBe('c'.repeat(1_000));
    expect(causeMessage('c'.repeat(1_001))).toBe(`${'c'.repeat(999)}…`);
  });
});

describe('reconcileAccounts', () => {
  const entry = (accountId: string, over: Partial<OrganizationEntry> = {}): OrganizationEntry => ({
    accountId,
    accountName: `name-${accountId.slice(-1)}`,
    state: 'ACTIVE',
    decision: 'AUDIT',
    ...over,
  });
  const stored = (accountId: string, accountName = accountId): AccountAudit => ({
    schemaVersion: SCHEMA_VERSION,
    accountId,
    accountName,
    status: 'AUDITED',
    strategy: 'credential-report',
    reportGeneratedAt: null,
    counts: { users: 0, activeKeys: 0, inactiveKeys: 0, findings: 0, exempted: 0, apiCalls: {} },
    findings: [],
    exempted: [],
    warnings: [],
  });
  const outcome = (over: Partial<MapOutcome>): MapOutcome => ({
    accountId: A,
    status: 'FAILED',
    errorName: null,
    reason: null,
    ...over,
  });
  const run = (
    organization: OrganizationEntry[],
    more: Partial<Parameters<typeof reconcileAccounts>[0]> = {},
  ) => reconcileAccounts({ organization, outcomes: new Map(), stored: new Map(), ...more });

  it('one result per account, even when organization.json lists it twice', () => {
    expect(run([entry(A), entry(A), entry(B)]).map((a) => a.accountId)).toEqual([A, B]);
  });

  it('a skipped account keeps its reason and fix; without them, "skipped" and no fix field', () => {
    const [withFix, bare] = run([
      entry(A, { decision: 'SKIP', reason: 'suspended', fix: 'wait' }),
      entry(B, { decision: 'SKIP' }),
    ]);
    expect(withFix).toMatchObject({ status: 'SKIPPED', reason: 'suspended', fix: 'wait' });
    expect(bare).toMatchObject({ status: 'SKIPPED', reason: 'skipped' });
    expect(bare !== undefined && 'fix' in bare).toBe(false);
  });

  it('a stored result gets the organization’s name, or keeps its own when the organization has none', () => {
    const [named, unnamed] = run([entry(A), entry(B, { accountName: '' })], {
      stored: new Map([
        [A, stored(A)],
        [B, stored(B, 'stored name')],
      ]),
    });
    expect(named?.accountName).toBe('name-1');
    expect(unnamed?.accountName).toBe('stored name');
  });

  it('an unreadable stored result is FAILED with why, unless the Map says the audit itself failed', () => {
    const malformed = new Map([[A, 'runs/r/accounts/111111111111.json is not JSON']]);
    expect(run([entry(A)], { malformed })[0]).toMatchObject({
      status: 'FAILED',
      errorName: 'MalformedDataError',
      reason: 'runs/r/accounts/111111111111.json is not JSON',
      fix: MALFORMED_FIX,
    });
    expect(MALFORMED_FIX).toBe('delete the stored result object and rerun the audit for this account');
    const outcomes = new Map([[A, outcome({ errorName: 'IamThrottledError', reason: 'throttled' })]]);
    expect(run([entry(A)], { malformed, outcomes })[0]).toMatchObject({
      errorName: 'IamThrottledError',
      reason: 'throttled',
      fix: RERUN_FIX,
    });
  });

  it('a failure without a name or cause still says so', () => {
    expect(run([entry(A)], { outcomes: new Map([[A, outcome({})]]) })[0]).toMatchObject({
      status: 'FAILED',
      errorName: 'Error',
      reason: 'the audit failed without a cause',
      fix: 'rerun the audit for this account (keyaudit rerun --failed); if it fails again, read the execution logs',
    });
  });

  it('an iteration that reported success but stored nothing is FAILED, saying what it reported', () => {
    expect(run([entry(A)], { outcomes: new Map([[A, outcome({ status: 'AUDITED' })]]) })[0]).toMatchObject({
      status: 'FAILED',
      errorName: 'NoResultRecorded',
      reason: 'no result recorded: the iteration reported AUDITED but stored no per-account result',
      fix: RERUN_FIX,
    });
  });
});

describe('summarizeRun', () => {
  const failedAudit = (i: number, over: Partial<AccountAudit> = {}): AccountAudit => ({
    schemaVersion: SCHEMA_VERSION,
    accountId: String(100_000_000_000 + i),
    accountName: '',
    status: 'FAILED',
    errorName: 'E',
    reason: 'r',
    strategy: 'none',
    reportGeneratedAt: null,
    counts: { users: 0, activeKeys: 0, inactiveKeys: 0, findings: 0, exempted: 0, apiCalls: {} },
    findings: [],
    exempted: [],
    warnings: [],
    ...over,
  });
  const summarize = (audits: AccountAudit[]) =>
    summarizeRun({
      executionName: 'r',
      reason: null,
      dryRun: false,
      totals: computeTotals(audits),
      audits,
      reportKey: 'reports/r/report.json',
      subject: 's',
    });

  it('keeps 200 characters of a reason and cuts longer ones to 199 and …', () => {
    const [kept, cut] = summarize([
      failedAudit(1, { reason: 'k'.repeat(200) }),
      failedAudit(2, { reason: 'x'.repeat(201) }),
    ]).failedAccounts;
    expect(kept?.reason).toBe('k'.repeat(200));
    expect(cut?.reason).toBe(`${'x'.repeat(199)}…`);
  });

  it('names a failure without error name or reason "Error" and "unknown"', () => {
    const { errorName: _e, reason: _r, ...bare } = failedAudit(1);
    expect(summarize([bare]).failedAccounts).toEqual([
      { accountId: '100000000001', errorName: 'Error', reason: 'unknown' },
    ]);
  });

  it('lists at most 100 failed accounts and says when it left some out', () => {
    const hundred = summarize(Array.from({ length: 100 }, (_, i) => failedAudit(i)));
    expect(hundred.failedAccounts).toHaveLength(100);
    expect(hundred.failedAccountsTruncated).toBe(false);
    const more = summarize(Array.from({ length: 101 }, (_, i) => failedAudit(i)));
    expect(more.failedAccounts).toHaveLength(100);
    expect(more.failedAccountsTruncated).toBe(true);
  });
});
