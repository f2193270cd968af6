import { describe, expect, it } from 'vitest';
import { compareChildTypes, estimateRunCost, PRICES, type RunCounts, scaleCounts } from '../src/cost';

const none = { invocations: 0, totalMs: 0 };

/** 1,000 accounts, numbers chosen so each line can be computed by hand. */
const counts: RunCounts = {
  accounts: 1000,
  statesEntered: 3010, // 10 parent states + 1,000 children x 3
  childStatesPerExecution: 3,
  childExecutions: 1000,
  lambda: {
    validateInput: none,
    listAccounts: none,
    auditAccount: { invocations: 1000, totalMs: 2_000_000 }, // 2 s each
    buildDigest: none,
    publishDigest: none,
  },
  childMeanMs: 2050,
  s3Puts: 2000,
  s3Gets: 1000,
  sqsRequests: 0,
  snsPublishes: 1,
};

describe('estimateRunCost', () => {
  it('bills Standard children per state transition', () => {
    // Prepare: 3,010 transitions x $0.000025 = $0.07525
    const cost = estimateRunCost(counts, 'STANDARD');
    const line = cost.lines.find((l) => l.item === 'Step Functions transitions');
    expect(line?.usd).toBeCloseTo(0.07525, 8);
  });

  it('bills Express children per request and per 64 MB x duration rounded up to 100 ms', () => {
    const cost = estimateRunCost(counts, 'EXPRESS');
    // 2,050 ms -> 2,100 ms; 64/1024 GB x 2.1 s x 1,000 = 131.25 GB-s x 0.00001667 = 0.0021879...; + 1,000 x $0.000001
    const children = cost.lines.find((l) => l.item === 'Step Functions Express children');
    expect(children?.usd).toBeCloseTo(0.001 + 131.25 * 0.00001667, 9);
    const parent = cost.lines.find((l) => l.item === 'Step Functions parent transitions');
    expect(parent?.usd).toBeCloseTo(10 * 0.000025, 9);
  });

  it('bills Lambda per request and per GB-second at the arm64 price and the deployed memory', () => {
    const cost = estimateRunCost(counts, 'STANDARD');
    // AuditAccount: 512 MB = 0.5 GB x 2,000 s = 1,000 GB-s x 0.0000133334 + 1,000 x 0.0000002
    const line = cost.lines.find((l) => l.item === 'Lambda auditAccount');
    expect(line?.usd).toBeCloseTo(0.0133334 + 0.0002, 9);
  });

  it('adds S3, SNS and the scheduler, and the total is the sum of its lines', () => {
    const cost = estimateRunCost(counts, 'STANDARD');
    expect(cost.lines.find((l) => l.item === 'S3 requests')?.usd).toBeCloseTo(
      2000 * 0.000005 + 1000 * 0.0000004,
      9,
    );
    expect(cost.lines.find((l) => l.item === 'SNS digest')?.usd).toBeCloseTo(0.0000005 + 0.00002, 9);
    const sum = 0.07525 + 0.0135334 + 0.0104 + 0.0000205 + 0.000001;
    expect(cost.totalUsd).toBeCloseTo(sum, 8);
  });

  it('writes the date and source of its prices', () => {
    expect(PRICES.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(PRICES.source).toContain('pricing');
  });
});

describe('compareChildTypes', () => {
  it('recommends Express when it is cheaper and the slowest child is far from 5 minutes', () => {
    const result = compareChildTypes(counts, 10_000);
    expect(result.recommended).toBe('EXPRESS');
    expect(result.express.totalUsd).toBeLessThan(result.standard.totalUsd);
  });

  it('recommends Standard when a child came within half of the 5-minute limit', () => {
    expect(compareChildTypes(counts, 151_000).recommended).toBe('STANDARD');
  });
});

describe('scaleCounts', () => {
  it('scales per-account work and keeps the once-per-run work', () => {
    const scaled = scaleCounts(counts, 10_000);
    expect(scaled.childExecutions).toBe(10_000);
    // 10 parent states stay, 30,000 child states
    expect(scaled.statesEntered).toBe(30_010);
    expect(scaled.lambda.auditAccount).toEqual({ invocations: 10_000, totalMs: 20_000_000 });
    expect(scaled.snsPublishes).toBe(1);
    expect(scaled.s3Puts).toBe(20_000);
  });
});
