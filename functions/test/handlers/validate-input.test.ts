import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';
import { makeValidateInputHandler } from '../../src/handlers/validate-input';
import { recordingTelemetry } from './support/telemetry';

function handler() {
  return makeValidateInputHandler({ thresholds: DEFAULT_THRESHOLDS, telemetry: recordingTelemetry() });
}

describe('ValidateInput handler', () => {
  it('normalizes the schedule input {} as the ASL wraps it ({ input })', async () => {
    expect(await handler()({ input: {} })).toEqual({
      ok: true,
      input: { accountIds: null, dryRun: false, thresholds: {}, reason: null },
    });
  });

  it('accepts the execution input passed directly, too', async () => {
    const result = await handler()({ accountIds: ['123456789012'], dryRun: true, reason: 'rerun after fix' });
    expect(result).toEqual({
      ok: true,
      input: { accountIds: ['123456789012'], dryRun: true, thresholds: {}, reason: 'rerun after fix' },
    });
  });

  it('returns InvalidInput naming the unknown field instead of throwing', async () => {
    const result = await handler()({ input: { dryrun: true } });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toBe('InvalidInput');
    expect(result.cause).toContain('"dryrun"');
  });

  it('returns InvalidInput for a bad account id and for input that is not an object', async () => {
    const badId = await handler()({ input: { accountIds: ['12345'] } });
    expect(badId).toMatchObject({ ok: false, error: 'InvalidInput' });
    const notObject = await handler()({ input: 'audit everything' });
    expect(notObject).toMatchObject({ ok: false, error: 'InvalidInput' });
    if (!notObject.ok) expect(notObject.cause).toContain('must be a JSON object');
  });

  it('rejects a threshold override that contradicts the deployed defaults', async () => {
    // Deployed: due soon 80 < overdue 90. An override of dueSoon 95 breaks that order.
    const result = await handler()({ input: { thresholds: { rotationDueSoonDays: 95 } } });
    expect(result).toMatchObject({ ok: false, error: 'InvalidInput' });
    if (!result.ok) expect(result.cause).toContain('rotationDueSoonDays');
  });
});
