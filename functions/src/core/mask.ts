/**
 * Masking of access key ids for the email digest: the full id stays in the report in S3, whose
 * access is controlled, while an email is forwarded, archived and searched by anyone.
 */

/** Below this length the first and last four characters would reveal most of the id. */
const MIN_MASKABLE_LENGTH = 12;

/**
 * `AKIAIOSFODNN7EXAMPLE` -> `AKIA…MPLE`; ids shorter than 12 characters -> `****`;
 * null (the credential report has no key ids) -> `(unknown key)`.
 */
export function maskAccessKeyId(id: string | null): string {
  if (id === null) return '(unknown key)';
  const chars = Array.from(id);
  if (chars.length < MIN_MASKABLE_LENGTH) return '****';
  return `${chars.slice(0, 4).join('')}…${chars.slice(-4).join('')}`;
}

/**
 * Access key ids that may hide in free text (a user name, an exemption reason typed into a tag).
 * AWS access key ids are 16 to 128 uppercase letters and digits behind one of these prefixes.
 */
const KEY_ID_IN_TEXT = /(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{12,124}/g;

/** Replaces every access-key-like id inside `text` with its masked form. */
export function maskAccessKeyIdsInText(text: string): string {
  return text.replace(KEY_ID_IN_TEXT, (id) => maskAccessKeyId(id));
}
