import { describe, expect, it } from 'vitest';
import { causeMessage, outcomesFromMap } from '../../src/app/reconcile';
import { InvalidInputError } from '../../src/core/errors';
import { configFromEnv, requireReportBucket } from '../../src/runtime/config';
import { describeError, REDACTED, redact } from '../../src/runtime/telemetry';

describe('causeMessage', () => {
  it("shows a Lambda error's message rather than its JSON envelope", () => {
    const cause = JSON.stringify({
      errorType: 'IamThrottledError',
      errorMessage: 'IAM kept throttling',
      trace: ['x'],
    });
    expect(causeMessage(cause)).toBe('IAM kept throttling');
  });

  it('keeps a plain-text cause as it is, and clips a very long one to 1,000 characters', () => {
    expect(causeMessage('The task timed out.')).toBe('The task timed out.');
    expect(causeMessage('{not json')).toBe('{not json');
    expect(causeMessage('y'.repeat(5_000))?.length).toBe(1_000);
    expect(causeMessage(undefined)).toBeNull();
  });
});

describe('outcomesFromMap', () => {
  const child = (over: object) => ({
    status: 'SUCCEEDED',
    executionArn: null,
    input: null,
    output: null,
    error: null,
    cause: null,
    ...over,
  });

  it('takes the account id from the output, else from the input', () => {
    const { byAccount } = outcomesFromMap([
      child({ output: { accountId: '111111111111', status: 'AUDITED' } }),
      child({
        status: 'FAILED',
        input: { accountId: '222222222222' },
        error: 'States.Timeout',
        cause: 'late',
      }),
    ]);
    expect(byAccount.get('111111111111')).toEqual({
      accountId: '111111111111',
      status: 'AUDITED',
      errorName: null,
      reason: null,
    });
    expect(byAccount.get('222222222222')).toEqual({
      accountId: '222222222222',
      status: 'FAILED',
      errorName: 'States.Timeout',
      reason: 'late',
    });
  });

  it("reads Lambda.Unknown's real error type from the cause", () => {
    const cause = JSON.stringify({ errorType: 'TypeError', errorMessage: 'x is undefined' });
    const { byAccount } = outcomesFromMap([
      child({ status: 'FAILED', input: { accountId: '333333333333' }, error: 'Lambda.Unknown', cause }),
    ]);
    expect(byAccount.get('333333333333')).toMatchObject({ errorName: 'TypeError', reason: 'x is undefined' });
  });

  it('lets a later success win over an earlier failure (a redriven Map lists both)', () => {
    const { byAccount } = outcomesFromMap([
      child({ status: 'FAILED', input: { accountId: '444444444444' }, error: 'States.Timeout' }),
      child({ output: { accountId: '444444444444', status: 'AUDITED' } }),
    ]);
    expect(byAccount.get('444444444444')?.status).toBe('AUDITED');
  });

  it('warns about a record that names no account instead of inventing one', () => {
    const { byAccount, warnings } = outcomesFromMap([
      child({ executionArn: 'arn:child:9', output: { ok: 1 } }),
    ]);
    expect(byAccount.size).toBe(0);
    expect(warnings).toEqual(['a Map iteration (arn:child:9) named no account; it was ignored']);
  });
});

describe('redact', () => {
  it('hides values whose names look secret, at any depth, and keeps the rest', () => {
    const value = {
      accountId: '111111111111',
      credentials: { accessKeyId: 'ASIA', secretAccessKey: 'shh' },
      nested: [{ sessionToken: 'tok', ok: 1 }],
    };
    expect(redact(value)).toEqual({
      accountId: '111111111111',
      credentials: REDACTED,
      nested: [{ sessionToken: REDACTED, ok: 1 }],
    });
  });

  it('reduces an error to its name and message (SDK errors carry the signed request)', () => {
    const error = Object.assign(new Error('denied'), {
      name: 'AccessDenied',
      $response: { headers: { a: 'b' } },
    });
    expect(redact({ error })).toEqual({ error: { errorName: 'AccessDenied', errorMessage: 'denied' } });
    expect(describeError('plain')).toEqual({ errorName: 'Error', errorMessage: 'plain' });
  });
});

describe('configFromEnv', () => {
  it('applies the documented defaults', () => {
    const config = configFromEnv({ REPORT_BUCKET: 'b' });
    expect(config).toMatchObject({
      reportBucket: 'b',
      auditRoleName: 'OrgKeyAuditRole',
      digestTopicArn: null,
      orgReaderRoleArn: null,
      mapMaxConcurrency: 40,
      exemptions: [],
    });
    expect(config.thresholds.rotationOverdueDays).toBe(90);
  });

  it('merges THRESHOLDS_JSON onto the defaults', () => {
    const config = configFromEnv({ THRESHOLDS_JSON: '{"unusedDays": 60}' });
    expect(config.thresholds.unusedDays).toBe(60);
    expect(config.thresholds.rotationOverdueDays).toBe(90);
  });

  it('names the variable when a value is wrong', () => {
    expect(() => configFromEnv({ MAP_MAX_CONCURRENCY: 'lots' })).toThrow(
      /MAP_MAX_CONCURRENCY must be a whole number/,
    );
    expect(() => configFromEnv({ THRESHOLDS_JSON: '{' })).toThrow(/THRESHOLDS_JSON is not valid JSON/);
    expect(() => configFromEnv({ EXEMPTIONS_JSON: '[{"accountId": "1"}]' })).toThrow(/EXEMPTIONS_JSON\[0\]/);
    expect(() => requireReportBucket(configFromEnv({}))).toThrow(InvalidInputError);
  });
});
