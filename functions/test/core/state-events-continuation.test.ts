/**
 * The AuditAccount event's `continuation` (core/state-events.ts): absent or null the first
 * time, else the token the previous invocation returned, `{ key, iteration >= 1 }`. A wrong one
 * is a wiring bug in the ASL's ContinueAudit state, reported with the field's name.
 */
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors';
import { parseAuditAccountEvent } from '../../src/core/state-events';

const event = {
  accountId: '123456789012',
  executionName: 'daily-2026-12-01',
  executionArn: 'arn:aws:states:eu-west-1:111111111111:execution:AuditOrganization:daily-2026-12-01',
  thresholds: {},
};
const KEY = 'runs/daily-2026-12-01/checkpoints/123456789012.json';

function messageOf(raw: unknown): string {
  try {
    parseAuditAccountEvent(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as Error).message;
  }
  throw new Error(`expected ${JSON.stringify(raw)} to be rejected`);
}

describe('parseAuditAccountEvent: continuation', () => {
  it('takes an absent or null continuation as the first invocation', () => {
    expect(parseAuditAccountEvent(event).continuation).toBeUndefined();
    expect(parseAuditAccountEvent({ ...event, continuation: null }).continuation).toBeNull();
  });

  it('keeps a token as given, and only its two fields', () => {
    expect(
      parseAuditAccountEvent({ ...event, continuation: { key: KEY, iteration: 1 } }).continuation,
    ).toEqual({
      key: KEY,
      iteration: 1,
    });
    expect(
      parseAuditAccountEvent({ ...event, continuation: { key: KEY, iteration: 23, pending: 5 } })
        .continuation,
    ).toEqual({ key: KEY, iteration: 23 });
  });

  it.each([
    [{ iteration: 1 }, 'event field continuation.key must be a non-empty string (got undefined)'],
    [{ key: '', iteration: 1 }, 'event field continuation.key must be a non-empty string (got "")'],
    [{ key: '  ', iteration: 1 }, 'event field continuation.key must be a non-empty string (got "  ")'],
    [{ key: 7, iteration: 1 }, 'event field continuation.key must be a non-empty string (got 7)'],
    [{ key: KEY, iteration: 0 }, 'event field continuation.iteration must be at least 1'],
    [{ key: KEY, iteration: -3 }, 'event field continuation.iteration must be at least 1'],
    [{ key: KEY, iteration: 1.5 }, 'event field continuation.iteration must be a whole number (got 1.5)'],
    [{ key: KEY, iteration: '2' }, 'event field continuation.iteration must be a whole number (got "2")'],
    [{ key: KEY }, 'event field continuation.iteration must be a whole number (got undefined)'],
  ])('names the wrong field of the token %j', (continuation, message) => {
    expect(messageOf({ ...event, continuation })).toBe(message);
  });

  it.each([
    ['a string', KEY, `(got "${KEY}")`],
    ['a number', 1, '(got 1)'],
    ['an array', [KEY, 1], `(got ["${KEY}",1])`],
    ['true', true, '(got true)'],
  ])('rejects %s as the token', (_what, continuation, got) => {
    expect(messageOf({ ...event, continuation })).toBe(
      `event field continuation must be a JSON object ${got}; check the state's Parameters`,
    );
  });
});
