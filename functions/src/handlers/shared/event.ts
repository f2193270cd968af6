/**
 * Checks on the events the state machine passes (docs/contracts.md). A wrong event is a wiring
 * bug between the ASL and a Lambda: it fails loudly with the field's name, never half-runs.
 */
import { isAccountId } from '../../core/account-id';
import { InvalidInputError } from '../../core/errors';
import { describeValue, isPlainObject } from '../../core/thresholds';

export type EventObject = Readonly<Record<string, unknown>>;

export function requireObject(value: unknown, what: string): EventObject {
  if (!isPlainObject(value)) {
    throw new InvalidInputError(
      `${what} must be a JSON object (got ${describeValue(value)}); check the state's Parameters`,
    );
  }
  return value;
}

export function requireString(event: EventObject, field: string): string {
  const value = event[field];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidInputError(
      `event field ${field} must be a non-empty string (got ${describeValue(value)})`,
    );
  }
  return value;
}

export function requireBoolean(event: EventObject, field: string): boolean {
  const value = event[field];
  if (typeof value !== 'boolean') {
    throw new InvalidInputError(`event field ${field} must be true or false (got ${describeValue(value)})`);
  }
  return value;
}

export function requireAccountId(event: EventObject, field = 'accountId'): string {
  const value = requireString(event, field);
  if (!isAccountId(value)) {
    throw new InvalidInputError(
      `event field ${field} must be a 12-digit account id (got ${describeValue(value)})`,
    );
  }
  return value;
}
