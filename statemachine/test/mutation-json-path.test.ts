/**
 * The JSONPath subset and intrinsics the local runner evaluates itself (docs/architecture.md:
 * "`json-path.ts` is the JSONPath and intrinsics subset it evaluates itself"): reference paths
 * (`$.a.b`, `$['a']`, `$.list[0]`, `$$.Map.Item.Value`) and States.Array, States.Format,
 * States.JsonToString, States.StringToJson. Expected values follow the Amazon States Language
 * as AWS documents it: a path that selects nothing is `States.Runtime`, which can be neither
 * retried nor caught; a bad intrinsic argument is `States.IntrinsicFailure`.
 */
import { describe, expect, it } from 'vitest';
import { StatesTaskError } from '../src/errors';
import { applyTemplate, evaluateExpression, evaluatePath } from '../src/json-path';

const CONTEXT = {
  Execution: { Id: 'arn:aws:states:eu-west-1:111122223333:execution:Audit:run-1', Name: 'run-1' },
  Map: { Item: { Index: 2, Value: { id: '123456789012' } } },
};

/** The StatesTaskError `fn` throws (Error name and Cause), or a failure if it throws none. */
function failure(fn: () => unknown): {
  name: string;
  message: string;
  retryable: boolean;
  catchable: boolean;
} {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(StatesTaskError);
    const e = error as StatesTaskError;
    return { name: e.name, message: e.message, retryable: e.isRetryable, catchable: e.isCatchable };
  }
  throw new Error('expected a StatesTaskError, nothing was thrown');
}

describe('evaluatePath: reference paths', () => {
  const input = {
    a: { b: 'deep', 'odd key': 7, nil: null },
    list: ['zero', 'one', { c: true }],
    'a-b': 'hyphen',
    _x: 1,
    $y: 2,
    '': 'empty name',
    'a(b)': 'parens',
  };

  it('$ alone is the whole input, $$ alone the whole context', () => {
    expect(evaluatePath('$', input, CONTEXT)).toEqual(input);
    expect(evaluatePath('$$', input, CONTEXT)).toEqual(CONTEXT);
  });

  it('follows dotted names, bracketed names and indexes, in any mix', () => {
    expect(evaluatePath('$.a.b', input, CONTEXT)).toBe('deep');
    expect(evaluatePath("$['a']['odd key']", input, CONTEXT)).toBe(7);
    expect(evaluatePath("$.a['b']", input, CONTEXT)).toBe('deep');
    expect(evaluatePath('$.list[1]', input, CONTEXT)).toBe('one');
    expect(evaluatePath('$.list[2].c', input, CONTEXT)).toBe(true);
    expect(evaluatePath("$['']", input, CONTEXT)).toBe('empty name');
  });

  it('reads names with hyphens, underscores and dollars after the dot', () => {
    expect(evaluatePath('$.a-b', input, CONTEXT)).toBe('hyphen');
    expect(evaluatePath('$._x', input, CONTEXT)).toBe(1);
    expect(evaluatePath('$.$y', input, CONTEXT)).toBe(2);
  });

  it('$$ paths read the context object, not the input', () => {
    expect(evaluatePath('$$.Map.Item.Value', input, CONTEXT)).toEqual({ id: '123456789012' });
    expect(evaluatePath('$$.Map.Item.Index', input, CONTEXT)).toBe(2);
    expect(evaluatePath('$$.Execution.Name', { Execution: { Name: 'from input' } }, CONTEXT)).toBe('run-1');
    expect(evaluatePath('$.Execution.Name', { Execution: { Name: 'from input' } }, CONTEXT)).toBe(
      'from input',
    );
  });

  it('a null value is selected (null is a JSON value); going through it selects nothing', () => {
    expect(evaluatePath('$.a.nil', input, CONTEXT)).toBeNull();
    expect(failure(() => evaluatePath('$.a.nil.x', input, CONTEXT))).toMatchObject({
      name: 'States.Runtime',
      message: "the JSONPath '$.a.nil.x' could not be found in the input",
    });
  });

  it('a path that selects nothing is States.Runtime, neither retryable nor catchable', () => {
    expect(failure(() => evaluatePath('$.missing', input, CONTEXT))).toEqual({
      name: 'States.Runtime',
      message: "the JSONPath '$.missing' could not be found in the input",
      retryable: false,
      catchable: false,
    });
    expect(failure(() => evaluatePath('$.list[9]', input, CONTEXT)).message).toBe(
      "the JSONPath '$.list[9]' could not be found in the input",
    );
  });

  it('a name does not select into an array, nor an index into an object', () => {
    expect(failure(() => evaluatePath('$.list.length', input, CONTEXT)).name).toBe('States.Runtime');
    expect(failure(() => evaluatePath("$.list['0']", input, CONTEXT)).name).toBe('States.Runtime');
    expect(failure(() => evaluatePath('$.a[0]', input, CONTEXT)).name).toBe('States.Runtime');
    expect(failure(() => evaluatePath('$.a.b.length', input, CONTEXT)).name).toBe('States.Runtime');
    expect(failure(() => evaluatePath('$.a.b[0]', input, CONTEXT)).name).toBe('States.Runtime');
  });

  it('inherited properties are not fields of the input', () => {
    expect(failure(() => evaluatePath('$.toString', {}, CONTEXT)).message).toBe(
      "the JSONPath '$.toString' could not be found in the input",
    );
    expect(failure(() => evaluatePath('$.a.constructor', input, CONTEXT)).name).toBe('States.Runtime');
  });

  it('stops at the first segment that selects nothing: the rest of the path is not read', () => {
    // '[*]' is not in the subset, but the lookup has already failed at 'missing'.
    expect(failure(() => evaluatePath('$.missing[*]', input, CONTEXT)).message).toBe(
      "the JSONPath '$.missing[*]' could not be found in the input",
    );
  });

  it('refuses what is not a path, and syntax outside the subset, naming it', () => {
    expect(failure(() => evaluatePath('a.b', input, CONTEXT))).toMatchObject({
      name: 'States.Runtime',
      message: "'a.b' is not a JSONPath: it must start with $ or $$",
    });
    expect(failure(() => evaluatePath(' $.a', input, CONTEXT)).message).toBe(
      "' $.a' is not a JSONPath: it must start with $ or $$",
    );
    expect(failure(() => evaluatePath('$.a..b', input, CONTEXT))).toMatchObject({
      name: 'States.Runtime',
      message: "unsupported JSONPath syntax '..b' in '$.a..b'",
    });
    expect(failure(() => evaluatePath('$.list[*]', input, CONTEXT)).message).toBe(
      "unsupported JSONPath syntax '[*]' in '$.list[*]'",
    );
    expect(failure(() => evaluatePath('$.1a', input, CONTEXT)).message).toBe(
      "unsupported JSONPath syntax '.1a' in '$.1a'",
    );
    expect(failure(() => evaluatePath('$a', input, CONTEXT)).message).toBe(
      "unsupported JSONPath syntax 'a' in '$a'",
    );
    expect(failure(() => evaluatePath('$.a b', { a: 1 }, CONTEXT)).message).toBe(
      "unsupported JSONPath syntax ' b' in '$.a b'",
    );
    expect(failure(() => evaluatePath('$[-1]', [1], CONTEXT)).message).toBe(
      "unsupported JSONPath syntax '[-1]' in '$[-1]'",
    );
  });

  it('the subset is anchored: a valid segment later in the text does not excuse a bad start', () => {
    expect(failure(() => evaluatePath('$x.a', { a: 1 }, CONTEXT)).message).toBe(
      "unsupported JSONPath syntax 'x.a' in '$x.a'",
    );
    expect(failure(() => evaluatePath("$x['a']", { a: 1 }, CONTEXT)).message).toBe(
      "unsupported JSONPath syntax 'x['a']' in '$x['a']'",
    );
    expect(failure(() => evaluatePath('$x[0]', [1], CONTEXT)).message).toBe(
      "unsupported JSONPath syntax 'x[0]' in '$x[0]'",
    );
  });

  it('reads multi-digit indexes and whole bracketed names', () => {
    const list = Array.from({ length: 12 }, (_, i) => `item ${i}`);
    expect(evaluatePath('$[11]', list, CONTEXT)).toBe('item 11');
    expect(evaluatePath("$['two words']", { 'two words': 'both' }, CONTEXT)).toBe('both');
    expect(evaluatePath('$.abc', { abc: 'three', a: 'one' }, CONTEXT)).toBe('three');
  });
});

describe('applyTemplate: Parameters and ItemSelector', () => {
  const input = { bucket: 'reports', key: 'runs/r1/items.json', n: 3 };

  it('keys ending in .$ take the value of their path, under the name without .$', () => {
    expect(applyTemplate({ 'Bucket.$': '$.bucket', 'Key.$': '$.key', Fixed: 'x' }, input, CONTEXT)).toEqual({
      Bucket: 'reports',
      Key: 'runs/r1/items.json',
      Fixed: 'x',
    });
  });

  it('applies to nested objects and to objects inside arrays, and keeps plain values as they are', () => {
    const template = {
      outer: { 'inner.$': '$.n', list: [{ 'id.$': '$$.Map.Item.Value.id' }, 'plain', 5, null, true] },
      none: null,
    };
    expect(applyTemplate(template, input, CONTEXT)).toEqual({
      outer: { inner: 3, list: [{ id: '123456789012' }, 'plain', 5, null, true] },
      none: null,
    });
    expect(applyTemplate(['a', { 'b.$': '$.n' }], input, CONTEXT)).toEqual(['a', { b: 3 }]);
    expect(applyTemplate('text', input, CONTEXT)).toBe('text');
    expect(applyTemplate(7, input, CONTEXT)).toBe(7);
    expect(applyTemplate(null, input, CONTEXT)).toBeNull();
  });

  it('a .$ key holds an intrinsic as well as a path', () => {
    expect(applyTemplate({ 'pair.$': 'States.Array($.n, $.bucket)' }, input, CONTEXT)).toEqual({
      pair: [3, 'reports'],
    });
  });

  it('a .$ value that is not a string is States.Runtime, naming the key', () => {
    expect(failure(() => applyTemplate({ 'Bucket.$': 5 }, input, CONTEXT))).toMatchObject({
      name: 'States.Runtime',
      message: "the value of 'Bucket.$' must be a path or intrinsic",
    });
    expect(failure(() => applyTemplate({ 'Bucket.$': { path: '$.bucket' } }, input, CONTEXT)).name).toBe(
      'States.Runtime',
    );
  });

  it('a key with $ elsewhere than at the end is an ordinary key', () => {
    expect(applyTemplate({ 'a.$b': '$.n', $: '$.n' }, input, CONTEXT)).toEqual({ 'a.$b': '$.n', $: '$.n' });
  });
});

describe('evaluateExpression: intrinsic functions', () => {
  const input = {
    n: 3,
    name: 'alice',
    obj: { a: [1, 'x'] },
    json: '{"k":[1,2]}',
    'a(b)': 'parens',
    'a(b,c)': 'comma in parens',
  };
  const run = (expression: string) => evaluateExpression(expression, input, CONTEXT);

  it('a path, with the surrounding spaces ignored', () => {
    expect(run('  $.name  ')).toBe('alice');
    expect(run('$$.Map.Item.Index')).toBe(2);
  });

  it('States.Array gathers its arguments: literals, paths and nested calls', () => {
    expect(run('States.Array()')).toEqual([]);
    expect(run("States.Array(1, 'two', true, false, null, -1.5, $.n)")).toEqual([
      1,
      'two',
      true,
      false,
      null,
      -1.5,
      3,
    ]);
    expect(run('States.Array(States.Array(1, 2), States.Array())')).toEqual([[1, 2], []]);
    expect(run('  States.Array( 1 ,   2 )  ')).toEqual([1, 2]);
    expect(run('States.Array(1,2)')).toEqual([1, 2]);
    expect(run('States.Array(1e3, 0)')).toEqual([1000, 0]);
  });

  it('parentheses inside a bracketed name stay part of the path argument, commas within them too', () => {
    expect(run("States.Array($['a(b)'], 1)")).toEqual(['parens', 1]);
    expect(run("States.Array($['a(b,c)'], 2)")).toEqual(['comma in parens', 2]);
  });

  it('spaces before the ( of a call and after an argument are ignored', () => {
    expect(run('States.Array (1, 2)')).toEqual([1, 2]);
    expect(run('States.Array($.n , $.name , true )')).toEqual([3, 'alice', true]);
  });

  it('string arguments: a backslash takes the next character as it is', () => {
    expect(run("States.Array('it\\'s', 'a\\\\b', 'x,y', 'p)q')")).toEqual(["it's", 'a\\b', 'x,y', 'p)q']);
    expect(run("States.Array('')")).toEqual(['']);
  });

  it('States.Format fills each {} in order; strings as they are, other values as JSON', () => {
    expect(run("States.Format('{} has {} keys', $.name, $.n)")).toBe('alice has 3 keys');
    expect(run("States.Format('{} / {}', $.obj, true)")).toBe('{"a":[1,"x"]} / true');
    expect(run("States.Format('{}-{}', 'only')")).toBe('only-null');
    expect(run("States.Format('no placeholders', 'extra')")).toBe('no placeholders');
  });

  it('States.JsonToString writes its argument as JSON; no argument is null', () => {
    expect(run('States.JsonToString($.obj)')).toBe('{"a":[1,"x"]}');
    expect(run("States.JsonToString('text')")).toBe('"text"');
    expect(run('States.JsonToString()')).toBe('null');
  });

  it('States.StringToJson reads its string argument as JSON', () => {
    expect(run('States.StringToJson($.json)')).toEqual({ k: [1, 2] });
    expect(run("States.StringToJson('7')")).toBe(7);
  });

  it('bad arguments to an intrinsic are States.IntrinsicFailure (catchable)', () => {
    expect(failure(() => run('States.StringToJson($.n)'))).toEqual({
      name: 'States.IntrinsicFailure',
      message: 'States.StringToJson needs a string argument',
      retryable: true,
      catchable: true,
    });
    expect(failure(() => run("States.StringToJson('{not json')"))).toMatchObject({
      name: 'States.IntrinsicFailure',
      message: 'States.StringToJson: the argument is not valid JSON',
    });
    expect(failure(() => run('States.Format($.n)'))).toMatchObject({
      name: 'States.IntrinsicFailure',
      message: 'States.Format needs a format string first',
    });
  });

  it('an intrinsic outside the subset is States.Runtime, naming it', () => {
    expect(failure(() => run('States.Hash($.name)'))).toMatchObject({
      name: 'States.Runtime',
      message: 'the intrinsic States.Hash is not supported by the local runner',
    });
    expect(failure(() => run('States.Array(States.UUID())')).message).toBe(
      'the intrinsic States.UUID is not supported by the local runner',
    );
  });

  it('names the syntax error: missing (, text after the call, missing separator, open string', () => {
    expect(failure(() => run('States.Array'))).toMatchObject({
      name: 'States.Runtime',
      message: "missing '(' in 'States.Array'",
    });
    expect(failure(() => run('States.Array(1) tail')).message).toBe(
      "unexpected text after 'States.Array(1)'",
    );
    expect(failure(() => run("States.Array('a' 'b')")).message).toBe(
      "expected ',' or ')' at 17 in 'States.Array('a' 'b')'",
    );
    expect(failure(() => run('States.Array(1')).message).toBe(
      "expected ',' or ')' at 14 in 'States.Array(1'",
    );
    expect(failure(() => run("States.Array('open)")).message).toBe(
      "unterminated string in 'States.Array('open)'",
    );
  });

  it('an argument that is no literal, path or call is refused, naming it', () => {
    expect(failure(() => run('States.Array(alice)'))).toMatchObject({
      name: 'States.Runtime',
      message: "cannot read the argument 'alice' in 'States.Array(alice)'",
    });
    expect(failure(() => run('States.Array(1,,2)')).message).toBe(
      "cannot read the argument '' in 'States.Array(1,,2)'",
    );
    expect(failure(() => run('States.Array(Infinity)')).message).toBe(
      "cannot read the argument 'Infinity' in 'States.Array(Infinity)'",
    );
    expect(failure(() => run('States.Array(True)')).message).toBe(
      "cannot read the argument 'True' in 'States.Array(True)'",
    );
  });

  it('a path argument that selects nothing fails the whole expression', () => {
    expect(failure(() => run('States.Array($.missing)')).message).toBe(
      "the JSONPath '$.missing' could not be found in the input",
    );
  });

  it('an expression that is neither a path nor an intrinsic is refused', () => {
    expect(failure(() => run('alice'))).toMatchObject({
      name: 'States.Runtime',
      message: "'alice' is neither a JSONPath nor an intrinsic function",
    });
    expect(failure(() => run('Array(1)')).message).toBe(
      "'Array(1)' is neither a JSONPath nor an intrinsic function",
    );
  });
});
