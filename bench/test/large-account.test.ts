import { describe, expect, it } from 'vitest';
import { PRICES } from '../src/cost';
import {
  type AccountProfile,
  childSeconds,
  type DailyRunAssumptions,
  largeProfile,
  modelDailyRun,
} from '../src/daily-model';
import {
  expectedIterations,
  iamFloorSeconds,
  type LargeAccountScenario,
  noTimeoutCalls,
  repeatedCalls,
} from '../src/large-account';

const deployed = { ratePerSecond: 10, burst: 19, timeoutSeconds: 600, safetyMarginSeconds: 30 };

describe('expectedIterations', () => {
  it('needs two 600 s invocations for 5,000 flagged users at 10 requests/s', () => {
    // 10,004 calls; (10,004 - 19) / (10 x 570) = 1.75 -> 2
    expect(expectedIterations({ ...deployed, calls: noTimeoutCalls(5000) })).toBe(2);
  });

  it('fits 1,000 flagged users in one invocation', () => {
    expect(expectedIterations({ ...deployed, calls: noTimeoutCalls(1000) })).toBe(1);
  });

  it('does not depend on the time compression: F x the rate with 1/F of the timeout and margin', () => {
    for (const f of [1, 10, 20]) {
      const scaled = {
        ...deployed,
        ratePerSecond: 10 * f,
        timeoutSeconds: 600 / f,
        safetyMarginSeconds: 30 / f,
      };
      expect(expectedIterations({ ...scaled, calls: 10_004 })).toBe(2);
      expect(expectedIterations({ ...scaled, calls: 5_719 })).toBe(1);
      expect(expectedIterations({ ...scaled, calls: 5_720 })).toBe(2);
    }
  });

  it('rejects a margin as long as the timeout', () => {
    expect(() => expectedIterations({ ...deployed, safetyMarginSeconds: 600, calls: 10 })).toThrow(
      RangeError,
    );
  });

  it('puts the IAM floor at the calls beyond the burst over the rate', () => {
    expect(iamFloorSeconds(10_004, 10)).toBeCloseTo(998.5, 6);
    expect(iamFloorSeconds(10, 10)).toBe(0);
  });
});

describe('repeatedCalls', () => {
  const run = (totalIamCalls: number) => ({ totalIamCalls }) as LargeAccountScenario['continued'];
  it('compares with the run in one go when there is one, else with 4 + 2 x flagged', () => {
    const scenario = {
      expectedCalls: 10_004,
      continued: run(10_006),
      unlimited: run(10_005),
    } as LargeAccountScenario;
    expect(repeatedCalls(scenario)).toBe(1);
    expect(repeatedCalls({ ...scenario, unlimited: null })).toBe(2);
  });
});

/** Numbers chosen so each line can be computed by hand. */
const assumptions: DailyRunAssumptions = {
  accounts: 10_000,
  largeShare: 0.01,
  mapMaxConcurrency: 40,
  lambdaConcurrencyQuota: 1000,
  iamRatePerSecond: 10,
  reportGenerationSeconds: 5,
  auditMemoryMb: 512,
  secondsPerChildState: 0,
};
const typical: AccountProfile = {
  label: 'typical',
  iamCalls: 24,
  invocations: 1,
  auditSeconds: 1,
  childStates: 3,
  s3Puts: 1,
  s3Gets: 1,
};
const large: AccountProfile = {
  label: 'large',
  iamCalls: 10_004,
  invocations: 2,
  auditSeconds: 1000,
  childStates: 7,
  s3Puts: 2,
  s3Gets: 2,
};
const fixed = { usd: 0.5, seconds: 60, what: 'parent and digest' };

describe('modelDailyRun', () => {
  const model = modelDailyRun(assumptions, typical, large, fixed);

  it('splits the accounts and caps the concurrency by the Lambda quota', () => {
    expect(model.largeAccounts).toBe(100);
    expect(model.typicalAccounts).toBe(9900);
    expect(model.concurrency).toBe(40);
    expect(
      modelDailyRun({ ...assumptions, mapMaxConcurrency: 5000 }, typical, large, fixed).concurrency,
    ).toBe(1000);
  });

  it('bounds the wall time by list scheduling', () => {
    // work = 9,900 x 6 + 100 x 1,005 = 59,400 + 100,500 = 159,900 s; / 40 = 3,997.5 s
    expect(model.workSeconds).toBe(159_900);
    expect(model.wallSecondsLow).toBeCloseTo(3997.5 + 60, 6);
    expect(model.wallSecondsHigh).toBeCloseTo(3997.5 + 1005 + 60, 6);
    // With 1,000 at once the longest account is the floor: max(159.9, 1,005) + 60.
    const wide = modelDailyRun({ ...assumptions, mapMaxConcurrency: 1000 }, typical, large, fixed);
    expect(wide.wallSecondsLow).toBeCloseTo(1005 + 60, 6);
  });

  it('prices transitions, GB-seconds and S3 requests at the table', () => {
    // transitions 9,900 x 3 + 100 x 7 = 30,400; invocations 9,900 + 200 = 10,100
    // GB-s 0.5 x (9,900 x 6 + 100 x 1,005) = 79,950; S3 PUT 10,100, GET 10,100
    expect(model.childTransitions).toBe(30_400);
    expect(model.auditInvocations).toBe(10_100);
    expect(model.auditGbSeconds).toBeCloseTo(79_950, 6);
    const expected =
      30_400 * PRICES.stepFunctions.standardPerTransition +
      10_100 * PRICES.lambda.perRequest +
      79_950 * PRICES.lambda.armPerGbSecond +
      10_100 * PRICES.s3.perPut +
      10_100 * PRICES.s3.perGet +
      0.5;
    expect(model.totalUsd).toBeCloseTo(expected, 9);
    expect(model.priceDate).toBe(PRICES.date);
  });

  it('counts the report wait and the Step Functions time in each child', () => {
    expect(childSeconds(large, { ...assumptions, secondsPerChildState: 0.1 })).toBeCloseTo(1000 + 5 + 0.7, 9);
  });

  it('rejects a share outside [0, 1]', () => {
    expect(() => modelDailyRun({ ...assumptions, largeShare: 1.5 }, typical, large, fixed)).toThrow(
      RangeError,
    );
  });
});

describe('largeProfile', () => {
  it('takes the bench time x F, the extra states and the checkpoint requests of the continued run', () => {
    const calls = (put: number, get: number) => ({ 's3:PutObject': put, 's3:GetObject': get });
    const scenario = {
      users: 20_000,
      flaggedUsers: 5000,
      factor: 10,
      continued: {
        totalIamCalls: 10_004,
        iterations: 2,
        invocationMs: [57_000, 43_000],
        statesEntered: 22,
        calls: calls(13, 10),
      },
      unlimited: { statesEntered: 18, calls: calls(12, 9) },
    } as unknown as LargeAccountScenario;
    const profile = largeProfile(scenario, 3, 1, 1);
    expect(profile.auditSeconds).toBeCloseTo(1000, 9);
    expect(profile.childStates).toBe(7);
    expect(profile.s3Puts).toBe(2);
    expect(profile.s3Gets).toBe(2);
    expect(largeProfile({ ...scenario, unlimited: null }, 3, 1, 1).childStates).toBe(7);
  });
});
