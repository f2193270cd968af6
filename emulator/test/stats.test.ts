/** The counters on their own: calls, injected faults, arrival order and arrival windows. */
import { describe, expect, it } from 'vitest';
import { Stats } from '../src/stats';

describe('Stats', () => {
  it('hands each request its own action at the fault checks, oldest first per account and service', () => {
    const stats = new Stats(() => 0);
    stats.record('111111111111', 'iam', 'ListUsers');
    stats.record('222222222222', 'iam', 'GetAccountSummary');
    stats.record('111111111111', 'iam', 'GenerateCredentialReport');
    expect(stats.takeArrival('111111111111', 'iam')).toBe('ListUsers');
    expect(stats.takeArrival('111111111111', 'iam')).toBe('GenerateCredentialReport');
    expect(stats.takeArrival('111111111111', 'iam')).toBeUndefined();
    expect(stats.takeArrival('222222222222', 'sts')).toBeUndefined();
    expect(stats.takeArrival('222222222222', 'iam')).toBe('GetAccountSummary');
  });

  it('counts faults by fault, kind, account, service and action, and filters on any of them', () => {
    const stats = new Stats();
    stats.recordFault('failFirst', '5xx', '111111111111', 'iam', 'ListUsers');
    stats.recordFault('failFirst', '5xx', '111111111111', 'iam', 'ListUsers');
    stats.recordFault('iamThrottling', 'throttling', '111111111111', 'iam', 'ListUsers');
    expect(stats.faultCount()).toBe(3);
    expect(stats.faultCount({ kind: '5xx' })).toBe(2);
    expect(stats.faultCount({ fault: 'iamThrottling', action: 'ListUsers' })).toBe(1);
    expect(stats.faultCount({ accountId: '222222222222' })).toBe(0);
    expect(stats.faults({ fault: 'failFirst' })).toEqual([
      {
        fault: 'failFirst',
        kind: '5xx',
        accountId: '111111111111',
        service: 'iam',
        action: 'ListUsers',
        count: 2,
      },
    ]);
  });

  it('keeps the span between the first and the latest request per account and service, until reset', () => {
    let now = 1000;
    const stats = new Stats(() => now);
    expect(stats.arrivalSpanMs('111111111111', 'iam')).toBeUndefined();
    stats.record('111111111111', 'iam', 'ListUsers');
    expect(stats.arrivalSpanMs('111111111111', 'iam')).toBe(0);
    now = 1250;
    stats.record('111111111111', 'iam', 'ListUsers');
    now = 1400;
    stats.record('111111111111', 'sts', 'AssumeRole');
    expect(stats.arrivalSpanMs('111111111111', 'iam')).toBe(250);
    expect(stats.arrivalSpanMs('111111111111', 'sts')).toBe(0);
    stats.reset();
    expect(stats.arrivalSpanMs('111111111111', 'iam')).toBeUndefined();
    // Requests still between arrival and their fault checks keep their place across a reset.
    expect(stats.takeArrival('111111111111', 'iam')).toBe('ListUsers');
  });
});
