/** "A typed error": one of the product's error classes, with its stable name (functions/src/core/errors.ts). */
import {
  AuditRoleMissingError,
  CredentialReportParseError,
  CredentialReportTimeoutError,
  IamThrottledError,
  InvalidInputError,
  MalformedDataError,
  OrganizationAccessError,
} from '@org-key-audit/functions/core';
import { expect } from 'vitest';

export const TYPED_ERRORS = [
  AuditRoleMissingError,
  CredentialReportParseError,
  CredentialReportTimeoutError,
  IamThrottledError,
  InvalidInputError,
  MalformedDataError,
  OrganizationAccessError,
] as const;

export function isTypedError(error: unknown): boolean {
  return TYPED_ERRORS.some((type) => error instanceof type);
}

/** Fails with the error itself in the message, so a shrunk counterexample shows what escaped. */
export function expectTypedError(error: unknown): void {
  const shown =
    error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error);
  expect(isTypedError(error), `an untyped error escaped: ${shown}`).toBe(true);
  expect((error as Error).message.length).toBeGreaterThan(0);
}

/**
 * For generators that can only produce bad data: the one typed error the documents name for it
 * (its stable `name`, the contract with the state machine), with a message that mentions each
 * of `mentions` (the field, row or API at fault).
 */
export function expectTypedErrorNamed(error: unknown, name: string, ...mentions: readonly string[]): void {
  expectTypedError(error);
  const { name: actual, message } = error as Error;
  expect(actual, `expected ${name}, got ${actual}: ${message}`).toBe(name);
  for (const text of mentions) expect(message, `the ${name} message names ${text}`).toContain(text);
}
