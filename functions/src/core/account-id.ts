/**
 * An AWS account id: exactly 12 digits, as a string (leading zeros matter). Checked in one place;
 * `AccountId` marks a string that has been.
 */
declare const checked: unique symbol;
export type AccountId = string & { readonly [checked]: 'AccountId' };

export const ACCOUNT_ID_PATTERN = /^\d{12}$/;

export function isAccountId(value: unknown): value is AccountId {
  return typeof value === 'string' && ACCOUNT_ID_PATTERN.test(value);
}
