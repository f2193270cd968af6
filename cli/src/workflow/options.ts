import { InvalidInputError } from '@org-key-audit/functions/core';

/** Parses a whole-number CLI option, naming the flag and the allowed range when it is wrong. */
export function parseIntegerOption(flag: string, value: unknown, min: number, max: number): number {
  const text = String(value).trim();
  const parsed = /^-?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
    throw new InvalidInputError(`${flag} must be a whole number from ${min} to ${max} (got "${text}")`);
  }
  return parsed;
}

/** Parses `--accounts 111111111111,222222222222` into a list; validation proper is ValidateInput's. */
export function parseAccountList(value: unknown): string[] {
  return String(value)
    .split(/[\s,]+/)
    .map((id) => id.trim())
    .filter((id) => id.length > 0);
}
