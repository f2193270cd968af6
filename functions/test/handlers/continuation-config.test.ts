/**
 * MAX_AUDIT_ITERATIONS and AUDIT_SAFETY_MARGIN_MS (runtime/config.ts): whole numbers in their
 * documented ranges, the defaults of core/continuation.ts when unset, and a wrong value an
 * InvalidInputError that names the variable, the range and how to get the default back.
 */
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors';
import { configFromEnv } from '../../src/runtime/config';

function errorOf(env: Record<string, string>): Error {
  try {
    configFromEnv(env);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as Error;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be rejected`);
}

describe('MAX_AUDIT_ITERATIONS', () => {
  it('defaults to 24 when unset, empty or blank', () => {
    expect(configFromEnv({}).maxAuditIterations).toBe(24);
    expect(configFromEnv({ MAX_AUDIT_ITERATIONS: '' }).maxAuditIterations).toBe(24);
    expect(configFromEnv({ MAX_AUDIT_ITERATIONS: '   ' }).maxAuditIterations).toBe(24);
  });

  it.each([
    ['1', 1],
    ['5', 5],
    [' 12 ', 12],
    ['1000', 1000],
  ])('reads %j as %d', (raw, value) => {
    expect(configFromEnv({ MAX_AUDIT_ITERATIONS: raw }).maxAuditIterations).toBe(value);
  });

  it.each(['0', '-1', '1001', '2.5', 'lots', '10 times', 'NaN', 'Infinity'])('rejects %j', (raw) => {
    expect(errorOf({ MAX_AUDIT_ITERATIONS: raw }).message).toBe(
      `MAX_AUDIT_ITERATIONS must be a whole number from 1 to 1000 (got "${raw}"); unset it for the default 24`,
    );
  });
});

describe('AUDIT_SAFETY_MARGIN_MS', () => {
  it('defaults to 30,000 ms when unset or blank', () => {
    expect(configFromEnv({}).auditSafetyMarginMs).toBe(30_000);
    expect(configFromEnv({ AUDIT_SAFETY_MARGIN_MS: ' ' }).auditSafetyMarginMs).toBe(30_000);
  });

  it.each([
    ['0', 0],
    ['45000', 45_000],
    ['600000', 600_000],
  ])('reads %j as %d', (raw, value) => {
    expect(configFromEnv({ AUDIT_SAFETY_MARGIN_MS: raw }).auditSafetyMarginMs).toBe(value);
  });

  it.each(['-1', '600001', '1.5', '30s', 'half'])('rejects %j', (raw) => {
    expect(errorOf({ AUDIT_SAFETY_MARGIN_MS: raw }).message).toBe(
      `AUDIT_SAFETY_MARGIN_MS must be a whole number from 0 to 600000 (got "${raw}"); unset it for the default 30000`,
    );
  });

  it('reads both at once, independently of each other', () => {
    const config = configFromEnv({ MAX_AUDIT_ITERATIONS: '3', AUDIT_SAFETY_MARGIN_MS: '5000' });
    expect(config).toMatchObject({ maxAuditIterations: 3, auditSafetyMarginMs: 5000 });
  });
});
