import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors';
import {
  parseAuditAccountEvent,
  parseBuildDigestEvent,
  parseListAccountsEvent,
  parsePublishDigestEvent,
} from '../../src/core/state-events';

const ARN = 'arn:aws:states:eu-west-1:111111111111:execution:AuditOrganization:daily-2026-12-01';
const NAME = 'daily-2026-12-01';
const INPUT = { accountIds: null, dryRun: false, thresholds: {}, reason: 'daily' };
const PARAMETERS = "; check the state's Parameters";

function messageOf(parse: (raw: unknown) => unknown, raw: unknown): string {
  try {
    parse(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}

describe('parseAuditAccountEvent', () => {
  const event = {
    accountId: '123456789012',
    executionName: NAME,
    executionArn: ARN,
    thresholds: { unusedDays: 30 },
  };

  it('keeps the four fields the ItemSelector passes, the thresholds unchecked', () => {
    expect(parseAuditAccountEvent({ ...event, extra: 1 })).toEqual(event);
    expect(parseAuditAccountEvent({ ...event, thresholds: 'later' }).thresholds).toBe('later');
    expect(parseAuditAccountEvent({ ...event, thresholds: undefined }).thresholds).toBeUndefined();
  });

  it.each([
    ['a string', 'x', `AuditAccount event must be a JSON object (got "x")${PARAMETERS}`],
    ['null', null, `AuditAccount event must be a JSON object (got null)${PARAMETERS}`],
    ['an array', [1], `AuditAccount event must be a JSON object (got [1])${PARAMETERS}`],
    [
      'a Date',
      new Date('2026-12-01T00:00:00Z'),
      `AuditAccount event must be a JSON object (got "2026-12-01T00:00:00.000Z")${PARAMETERS}`,
    ],
  ])('rejects %s as the event', (_what, raw, message) => {
    expect(messageOf(parseAuditAccountEvent, raw)).toBe(message);
  });

  it.each([
    [{ accountId: '42' }, 'event field accountId must be a 12-digit account id (got "42")'],
    [
      { accountId: '1234567890123' },
      'event field accountId must be a 12-digit account id (got "1234567890123")',
    ],
    [{ accountId: 123456789012 }, 'event field accountId must be a non-empty string (got 123456789012)'],
    [{ accountId: undefined }, 'event field accountId must be a non-empty string (got undefined)'],
    [{ accountId: '  ' }, 'event field accountId must be a non-empty string (got "  ")'],
    [{ executionName: '' }, 'event field executionName must be a non-empty string (got "")'],
    [{ executionName: null }, 'event field executionName must be a non-empty string (got null)'],
    [{ executionArn: ' ' }, 'event field executionArn must be a non-empty string (got " ")'],
    [{ executionArn: 7 }, 'event field executionArn must be a non-empty string (got 7)'],
  ])('names the wrong field in %j', (change, message) => {
    expect(messageOf(parseAuditAccountEvent, { ...event, ...change })).toBe(message);
  });

  it('reports the first wrong field in the order the event lists them', () => {
    expect(messageOf(parseAuditAccountEvent, { accountId: '42', executionArn: ARN })).toBe(
      'event field accountId must be a 12-digit account id (got "42")',
    );
  });
});

describe('parseListAccountsEvent', () => {
  const event = { executionName: NAME, executionArn: ARN, input: INPUT };

  it('passes the normalized input on whole', () => {
    expect(parseListAccountsEvent(event)).toEqual(event);
    const ids = { ...INPUT, accountIds: ['123456789012'], later: true };
    expect(parseListAccountsEvent({ ...event, input: ids }).input).toEqual(ids);
  });

  it.each([
    [
      { input: undefined },
      `event field input (the normalized execution input) must be a JSON object (got undefined)${PARAMETERS}`,
    ],
    [
      { input: '{}' },
      `event field input (the normalized execution input) must be a JSON object (got "{}")${PARAMETERS}`,
    ],
    [
      { input: { ...INPUT, accountIds: undefined } },
      'event field input.accountIds must be null or a list of account ids',
    ],
    [
      { input: { ...INPUT, accountIds: '123456789012' } },
      'event field input.accountIds must be null or a list of account ids',
    ],
    [
      { input: { ...INPUT, accountIds: ['123456789012', 7] } },
      'event field input.accountIds must be null or a list of account ids',
    ],
    [{ executionName: undefined }, 'event field executionName must be a non-empty string (got undefined)'],
    [{ executionArn: '' }, 'event field executionArn must be a non-empty string (got "")'],
  ])('names the wrong field in %j', (change, message) => {
    expect(messageOf(parseListAccountsEvent, { ...event, ...change })).toBe(message);
  });

  it('rejects an event that is not an object', () => {
    expect(messageOf(parseListAccountsEvent, 42)).toBe(
      `ListAccounts event must be a JSON object (got 42)${PARAMETERS}`,
    );
  });
});

describe('parseBuildDigestEvent', () => {
  const ref = {
    MapRunArn: 'arn:aws:states:map-run',
    ResultWriterDetails: { Bucket: 'reports', Key: 'map/1/manifest.json' },
  };
  const event = {
    executionName: NAME,
    executionArn: ARN,
    input: INPUT,
    accounts: { bucket: 'reports', organizationKey: `runs/${NAME}/organization.json`, total: 3 },
    map: ref,
  };

  it('keeps the Distributed Map output and only the ListAccounts fields it reads', () => {
    expect(parseBuildDigestEvent(event)).toEqual({
      ...event,
      accounts: { bucket: 'reports', organizationKey: `runs/${NAME}/organization.json` },
    });
  });

  it("takes an inline Map's array as it is, and no map output as null", () => {
    const outputs = [{ accountId: '123456789012', status: 'AUDITED' }];
    expect(parseBuildDigestEvent({ ...event, map: outputs }).map).toEqual(outputs);
    expect(parseBuildDigestEvent({ ...event, map: null }).map).toBeNull();
    expect(parseBuildDigestEvent({ ...event, map: undefined }).map).toBeNull();
  });

  it('leaves out a MapRunArn that is not a string', () => {
    const parsed = parseBuildDigestEvent({ ...event, map: { ...ref, MapRunArn: 5 } });
    expect(parsed.map).toEqual({ ResultWriterDetails: ref.ResultWriterDetails });
    expect(JSON.stringify(parsed.map)).not.toContain('MapRunArn');
  });

  it.each([
    [{ input: null }, `event field input must be a JSON object (got null)${PARAMETERS}`],
    [
      { input: { ...INPUT, dryRun: 'false' } },
      'event field input.dryRun must be true or false (the normalized execution input)',
    ],
    [
      { accounts: undefined },
      `event field accounts (the ListAccounts result) must be a JSON object (got undefined)${PARAMETERS}`,
    ],
    [
      { accounts: { organizationKey: 'k' } },
      'event field accounts.bucket must be a non-empty string (got undefined)',
    ],
    [
      { accounts: { bucket: 'reports', organizationKey: '' } },
      'event field accounts.organizationKey must be a non-empty string (got "")',
    ],
    [{ executionName: 3 }, 'event field executionName must be a non-empty string (got 3)'],
    [{ map: 'map/1' }, `event field map must be a JSON object (got "map/1")${PARAMETERS}`],
    [{ map: {} }, `event field map.ResultWriterDetails must be a JSON object (got undefined)${PARAMETERS}`],
    [
      { map: { ResultWriterDetails: { Bucket: 'reports' } } },
      'event field map.ResultWriterDetails.Key must be a non-empty string (got undefined)',
    ],
    [
      { map: { ResultWriterDetails: { Bucket: '', Key: 'k' } } },
      'event field map.ResultWriterDetails.Bucket must be a non-empty string (got "")',
    ],
  ])('names the wrong field in %j', (change, message) => {
    expect(messageOf(parseBuildDigestEvent, { ...event, ...change })).toBe(message);
  });
});

describe('parsePublishDigestEvent', () => {
  const event = {
    dryRun: false,
    subject: '[org-key-audit] 3 keys need attention',
    bucket: 'reports',
    digestKey: 'd.txt',
  };

  it('keeps the four fields, and a subject of exactly 100 characters', () => {
    expect(parsePublishDigestEvent({ ...event, other: 1 })).toEqual(event);
    expect(parsePublishDigestEvent({ ...event, subject: 'x'.repeat(100) }).subject).toHaveLength(100);
  });

  const SUBJECT =
    'subject must be at most 100 characters without line breaks or control characters (an SNS email subject)';

  it.each([
    [{ subject: 'x'.repeat(101) }, SUBJECT],
    [{ subject: 'two\nlines' }, SUBJECT],
    [{ subject: `bell${String.fromCharCode(7)}` }, SUBJECT],
    [{ subject: `del${String.fromCharCode(0x7f)}` }, SUBJECT],
    [{ subject: '' }, 'event field subject must be a non-empty string (got "")'],
    [{ subject: undefined }, 'event field subject must be a non-empty string (got undefined)'],
    [{ dryRun: 'false' }, 'event field dryRun must be true or false (got "false")'],
    [{ dryRun: undefined }, 'event field dryRun must be true or false (got undefined)'],
    [{ bucket: null }, 'event field bucket must be a non-empty string (got null)'],
    [{ digestKey: '' }, 'event field digestKey must be a non-empty string (got "")'],
  ])('names the wrong field in %j', (change, message) => {
    expect(messageOf(parsePublishDigestEvent, { ...event, ...change })).toBe(message);
  });

  it('checks the subject before the other fields, as the event lists it first', () => {
    expect(messageOf(parsePublishDigestEvent, { subject: 'a\nb' })).toBe(SUBJECT);
  });
});
