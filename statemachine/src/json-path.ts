/**
 * The JSONPath subset the runner evaluates itself: Distributed Map fields (ItemSelector, ItemReader
 * Parameters, MaxConcurrencyPath...) never reach aws-local-stepfunctions, because the runner replaces
 * that Map with a local task. Reference paths (`$.a.b`, `$['a']`, `$.list[0]`, `$$.Map.Item.Value`)
 * and the intrinsics States.Array, States.Format, States.JsonToString, States.StringToJson.
 */
import { StatesTaskError } from './errors';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** What `$$` refers to: the context object of the execution (Execution, StateMachine, Map...). */
export type ContextObject = Readonly<Record<string, unknown>>;

const SEGMENT = /^(?:\.([A-Za-z_$][\w$-]*)|\['([^']*)'\]|\[(\d+)\])/;

/** Resolves a reference path; a path that selects nothing is `States.Runtime`, as in AWS. */
export function evaluatePath(path: string, input: unknown, context: ContextObject): JsonValue {
  let rest: string;
  let current: unknown;
  if (path.startsWith('$$')) {
    rest = path.slice(2);
    current = context;
  } else if (path.startsWith('$')) {
    rest = path.slice(1);
    current = input;
  } else {
    throw runtimeError(`'${path}' is not a JSONPath: it must start with $ or $$`);
  }
  while (rest.length > 0) {
    const match = SEGMENT.exec(rest);
    if (!match) throw runtimeError(`unsupported JSONPath syntax '${rest}' in '${path}'`);
    rest = rest.slice(match[0].length);
    const key = match[1] ?? match[2];
    if (key !== undefined) {
      current =
        current !== null &&
        typeof current === 'object' &&
        !Array.isArray(current) &&
        Object.hasOwn(current, key)
          ? (current as Record<string, unknown>)[key]
          : undefined;
    } else {
      const index = Number(match[3]);
      current = Array.isArray(current) ? current[index] : undefined;
    }
    if (current === undefined) break;
  }
  if (current === undefined) throw runtimeError(`the JSONPath '${path}' could not be found in the input`);
  return current as JsonValue;
}

/** Resolves a payload template (Parameters, ItemSelector): keys ending in `.$` take a path or intrinsic. */
export function applyTemplate(template: unknown, input: unknown, context: ContextObject): JsonValue {
  if (Array.isArray(template)) return template.map((item) => applyTemplate(item, input, context));
  if (template === null || typeof template !== 'object') return template as JsonValue;
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith('.$')) {
      if (typeof value !== 'string') throw runtimeError(`the value of '${key}' must be a path or intrinsic`);
      result[key.slice(0, -2)] = evaluateExpression(value, input, context);
    } else {
      result[key] = applyTemplate(value, input, context);
    }
  }
  return result;
}

/** A `.$` value: a reference path or an intrinsic function call. */
export function evaluateExpression(expression: string, input: unknown, context: ContextObject): JsonValue {
  const text = expression.trim();
  if (text.startsWith('$')) return evaluatePath(text, input, context);
  if (text.startsWith('States.')) {
    const [value, end] = parseCall(text, 0, input, context);
    if (text.slice(end).trim() !== '') throw runtimeError(`unexpected text after '${text.slice(0, end)}'`);
    return value;
  }
  throw runtimeError(`'${expression}' is neither a JSONPath nor an intrinsic function`);
}

function parseCall(text: string, start: number, input: unknown, context: ContextObject): [JsonValue, number] {
  const open = text.indexOf('(', start);
  if (open < 0) throw runtimeError(`missing '(' in '${text}'`);
  const name = text.slice(start, open).trim();
  const args: JsonValue[] = [];
  let position = open + 1;
  for (;;) {
    position = skipSpaces(text, position);
    if (text[position] === ')') break;
    const [value, next] = parseArgument(text, position, input, context);
    args.push(value);
    position = skipSpaces(text, next);
    if (text[position] === ',') position += 1;
    else if (text[position] !== ')') throw runtimeError(`expected ',' or ')' at ${position} in '${text}'`);
  }
  return [callIntrinsic(name, args), position + 1];
}

function parseArgument(
  text: string,
  start: number,
  input: unknown,
  context: ContextObject,
): [JsonValue, number] {
  const char = text[start];
  if (char === "'") {
    let value = '';
    let position = start + 1;
    while (position < text.length && text[position] !== "'") {
      if (text[position] === '\\') position += 1;
      value += text[position] ?? '';
      position += 1;
    }
    if (position >= text.length) throw runtimeError(`unterminated string in '${text}'`);
    return [value, position + 1];
  }
  const end = findArgumentEnd(text, start);
  const token = text.slice(start, end).trim();
  if (token.startsWith('States.')) return parseCall(text, start, input, context);
  if (token.startsWith('$')) return [evaluatePath(token, input, context), end];
  if (token === 'true' || token === 'false') return [token === 'true', end];
  if (token === 'null') return [null, end];
  if (token !== '' && Number.isFinite(Number(token))) return [Number(token), end];
  throw runtimeError(`cannot read the argument '${token}' in '${text}'`);
}

function findArgumentEnd(text: string, start: number): number {
  let depth = 0;
  for (let position = start; position < text.length; position += 1) {
    const char = text[position];
    if (char === '(') depth += 1;
    else if (char === ')' && depth > 0) depth -= 1;
    else if ((char === ',' || char === ')') && depth === 0) return position;
  }
  return text.length;
}

function skipSpaces(text: string, position: number): number {
  let next = position;
  while (text[next] === ' ') next += 1;
  return next;
}

function callIntrinsic(name: string, args: JsonValue[]): JsonValue {
  switch (name) {
    case 'States.Array':
      return args;
    case 'States.JsonToString':
      return JSON.stringify(args[0] ?? null);
    case 'States.StringToJson': {
      const [text] = args;
      if (typeof text !== 'string') throw intrinsicError(`${name} needs a string argument`);
      try {
        return JSON.parse(text) as JsonValue;
      } catch {
        throw intrinsicError(`${name}: the argument is not valid JSON`);
      }
    }
    case 'States.Format': {
      const [format, ...values] = args;
      if (typeof format !== 'string') throw intrinsicError(`${name} needs a format string first`);
      let index = 0;
      return format.replace(/\{\}/g, () => {
        const value = values[index++];
        return typeof value === 'string' ? value : JSON.stringify(value ?? null);
      });
    }
    default:
      throw runtimeError(`the intrinsic ${name} is not supported by the local runner`);
  }
}

function runtimeError(message: string): StatesTaskError {
  return new StatesTaskError('States.Runtime', message);
}

function intrinsicError(message: string): StatesTaskError {
  return new StatesTaskError('States.IntrinsicFailure', message);
}
