/**
 * The report bucket's layout (docs/contracts.md, "S3 layout"): `runs/<executionName>/…` and
 * `reports/<executionName>/…`. Step Functions execution names are 1-80 characters with no
 * whitespace, slashes or control characters; anything else could let a name escape its S3 prefix,
 * so it is refused. These cases close gaps mutation testing found (docs/mutation-testing.md).
 */
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors';
import { runKeys, runPrefix } from '../../src/core/run-layout';

describe('runPrefix: which execution names are safe', () => {
  it.each([
    ['a'],
    ['x'.repeat(80)],
    ['daily-2027-06-15T06:00:00Z'],
    ['rerun_2027.06.15'],
    ['東京-実行'],
    ['...'],
    ['.a'],
    ['a~!@#$%^&*()+=[]{}|;:\'",<>?'],
  ])('accepts %j', (name) => {
    expect(runPrefix(name)).toBe(`runs/${name}`);
  });

  it.each([
    [''],
    ['x'.repeat(81)],
    ['.'],
    ['..'],
    ['a/b'],
    ['a\\b'],
    ['a b'],
    ['a\tb'],
    ['a\nb'],
    ['a\u0000b'],
    ['a\u001fb'],
    ['a\u007fb'],
    ['a\u00a0b'],
    ['a\u3000b'],
  ])('refuses %j, saying what a name may hold', (name) => {
    let error: unknown;
    try {
      runPrefix(name);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as Error).message).toBe(
      `executionName ${JSON.stringify(name)} cannot be used as an S3 key segment: use 1-80 characters without whitespace, "/" or "\\".`,
    );
  });
});

describe('runKeys', () => {
  it('lays out one run as the contract says', () => {
    const keys = runKeys('run-1');
    expect({
      ...keys,
      account: keys.account('123456789012'),
      checkpoint: keys.checkpoint('123456789012'),
    }).toEqual({
      items: 'runs/run-1/items.json',
      organization: 'runs/run-1/organization.json',
      account: 'runs/run-1/accounts/123456789012.json',
      checkpoint: 'runs/run-1/checkpoints/123456789012.json',
      report: 'reports/run-1/report.json',
      csv: 'reports/run-1/report.csv',
      digest: 'reports/run-1/digest.txt',
    });
  });

  it('refuses an account id that is not 12 digits, and an unsafe execution name', () => {
    expect(() => runKeys('run-1').account('12345678901')).toThrow(
      'accountId "12345678901" must be 12 digits.',
    );
    expect(() => runKeys('run-1').checkpoint('../12345678')).toThrow(
      'accountId "../12345678" must be 12 digits.',
    );
    expect(() => runKeys('run-1').account('../x')).toThrow(InvalidInputError);
    expect(() => runKeys('../other')).toThrow(InvalidInputError);
  });
});
