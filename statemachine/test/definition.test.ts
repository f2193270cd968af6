// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ASL placeholders are literal ${...} text, not templates
import { createRequire } from 'node:module';
import { TRANSIENT_ERROR_NAMES } from '@org-key-audit/functions/core';
import { describe, expect, it } from 'vitest';
import {
  findPlaceholders,
  loadDefinition,
  loadSubstitutedDefinition,
  PLACEHOLDERS,
  substitute,
} from '../src/definition';
import { DefinitionError } from '../src/errors';
import { SUBSTITUTIONS } from './support/substitutions';

// asl-validator is CommonJS without types, and it mutates its input: always hand it a clone.
const aslValidator = createRequire(import.meta.url)('asl-validator') as (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };

const validate = (definition: unknown) =>
  aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });

// biome-ignore lint/suspicious/noExplicitAny: walking arbitrary ASL JSON in assertions
type State = Record<string, any>;
const states = (definition: Record<string, unknown>): Record<string, State> => definition['States'] as never;

describe('audit-organization.asl.json', () => {
  it('passes asl-validator once the placeholders are substituted', () => {
    const result = validate(loadSubstitutedDefinition(SUBSTITUTIONS));
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('fails asl-validator before substitution only because ExecutionType is a placeholder', () => {
    const result = validate(loadDefinition());
    expect(result.isValid).toBe(false);
    const errors = result.errorsText('\n').split('\n');
    expect(errors.every((line) => line.includes('/ItemProcessor/ProcessorConfig/'))).toBe(true);
  });

  it('uses exactly the placeholders PLACEHOLDERS lists, and only inside strings', () => {
    expect(new Set(findPlaceholders(loadDefinition()))).toEqual(new Set(PLACEHOLDERS));
  });

  it('runs each account as a child of a Distributed Map that one failure cannot fail', () => {
    const map = states(loadSubstitutedDefinition(SUBSTITUTIONS))['AuditAccounts'] as State;
    expect(map['ItemProcessor']['ProcessorConfig']).toEqual({
      Mode: 'DISTRIBUTED',
      ExecutionType: 'STANDARD',
    });
    expect(map['ToleratedFailurePercentage']).toBe(100);
    expect(map['ItemReader']['Resource']).toBe('arn:aws:states:::s3:getObject');
    expect(map['ResultWriter']['Parameters']).toEqual({ Bucket: SUBSTITUTIONS.ReportBucket, Prefix: 'map' });
    expect(map['ItemSelector']['accountId.$']).toBe('$$.Map.Item.Value');
    expect(map['MaxConcurrencyPath']).toBe('$.accounts.maxConcurrency');
  });

  it('retries ListAccounts when Organizations keeps throttling', () => {
    const listAccounts = states(loadSubstitutedDefinition(SUBSTITUTIONS))['ListAccounts'] as State;
    const retry = listAccounts['Retry'] as { ErrorEquals: string[] }[];
    expect(retry.flatMap((retrier) => retrier.ErrorEquals)).toContain('OrganizationsThrottledError');
  });

  it('retries the collector transient errors with capped, jittered backoff', () => {
    const map = states(loadSubstitutedDefinition(SUBSTITUTIONS))['AuditAccounts'] as State;
    const retry = map['ItemProcessor']['States']['AuditAccount']['Retry'] as State[];
    const retried = retry.flatMap((retrier) => retrier['ErrorEquals']);
    for (const name of TRANSIENT_ERROR_NAMES) expect(retried).toContain(name);
    expect(retried).toContain('Lambda.TooManyRequestsException');
    for (const retrier of retry) {
      expect(retrier['JitterStrategy']).toBe('FULL');
      expect(retrier['MaxDelaySeconds']).toBeGreaterThan(0);
    }
  });

  it('catches every Lambda task, so a failure always ends in a DLQ or a named Fail', () => {
    const definition = loadSubstitutedDefinition(SUBSTITUTIONS);
    const map = states(definition)['AuditAccounts'] as State;
    const all = { ...states(definition), ...(map['ItemProcessor']['States'] as Record<string, State>) };
    const lambdaTasks = Object.entries(all).filter(
      ([, s]) => s['Resource'] === 'arn:aws:states:::lambda:invoke',
    );
    expect(lambdaTasks.map(([name]) => name).sort()).toEqual(
      [
        'AuditAccount',
        'BuildDigest',
        'ImportFindings',
        'ListAccounts',
        'PublishDigest',
        'ValidateInput',
      ].sort(),
    );
    // ValidateInput returns bad input as a value; its only failures are Lambda's own, which fail the run.
    for (const [name, state] of lambdaTasks.filter(([n]) => n !== 'ValidateInput')) {
      expect(state['Catch']?.[0]?.['ErrorEquals'], name).toEqual(['States.ALL']);
    }
  });
});

describe('substitute', () => {
  const raw = { a: 'x ${ReportBucket} y', list: ['${ChildExecutionType}'], ['${ReportBucket}']: 1 };

  it('replaces placeholders in values, arrays and keys', () => {
    const values = { ...SUBSTITUTIONS, ReportBucket: 'b', ChildExecutionType: 'EXPRESS' };
    expect(substitute(raw, values)).toEqual({ a: 'x b y', list: ['EXPRESS'], b: 1 });
  });

  it('names every placeholder that has no value', () => {
    const { ReportBucket: _omit, ...values } = SUBSTITUTIONS;
    expect(() => substitute(raw, values)).toThrow(DefinitionError);
    expect(() => substitute(raw, values)).toThrow(/no value given for placeholder\(s\) ReportBucket/);
  });

  it('rejects an empty value', () => {
    expect(() => substitute(raw, { ...SUBSTITUTIONS, ChildExecutionType: '' })).toThrow(/ChildExecutionType/);
  });

  it('names an unknown placeholder in the definition', () => {
    expect(() => substitute({ a: '${ReportBuckett}' }, SUBSTITUTIONS)).toThrow(
      /unknown placeholder\(s\) \$\{ReportBuckett\}/,
    );
  });

  it('names an unknown substitution', () => {
    expect(() => substitute(raw, { ...SUBSTITUTIONS, TopicArn: 'x' })).toThrow(
      /unknown substitution\(s\) TopicArn/,
    );
  });

  it('rejects a value that would leave a placeholder behind', () => {
    expect(() => substitute(raw, { ...SUBSTITUTIONS, ReportBucket: '${ReportBucket}' })).toThrow(
      /remain after substitution/,
    );
  });

  it('does not modify its input', () => {
    const before = structuredClone(raw);
    substitute(raw, SUBSTITUTIONS);
    expect(raw).toEqual(before);
  });
});
