/**
 * Exemptions move a finding to the digest's "exempted" list. Two sources: an IAM user tag
 * (owned by the member account's team) and config entries (owned by the security team).
 * Both expire: an exemption applies while today (UTC) <= until, inclusive.
 */

import * as z from 'zod/mini';
import { ACCOUNT_ID_PATTERN } from './account-id';
import { parseUtcDate, utcDateString } from './age';
import { InvalidInputError } from './errors';
import type { Exemption } from './model';
import { describeValue } from './thresholds';
import './zod-messages';

export const EXEMPTION_TAG_KEY = 'org-key-audit:exempt';

/**
 * `reason;until=YYYY-MM-DD`. IAM tag values only allow letters, digits, spaces and `_.:/=+-@`
 * (API_Tag pattern), so a real tag cannot contain ';': a space before `until=` is accepted too.
 */
const TAG_FORMAT = /^(.*?)(?:;|\s)\s*until\s*=\s*(\S*)\s*$/is;
const EXPECTED = `expected "<reason>;until=YYYY-MM-DD" (or "<reason> until=YYYY-MM-DD", since IAM tags cannot hold ";")`;

export type ExemptionTagResult =
  | { readonly ok: true; readonly exemption: Exemption }
  | { readonly ok: false; readonly warning: string };

/**
 * Parses the tag value. A malformed tag is reported as a warning, never thrown: one user's typo
 * must not fail the audit of the account, and the user's findings stay visible.
 */
export function parseExemptionTag(value: string): ExemptionTagResult {
  const shown = describeValue(value);
  if (typeof value !== 'string') {
    return {
      ok: false,
      warning: `exemption tag ${EXEMPTION_TAG_KEY} is not a string (got ${shown}); ${EXPECTED}`,
    };
  }
  const m = TAG_FORMAT.exec(value);
  if (m === null) {
    return {
      ok: false,
      warning: `exemption tag ${EXEMPTION_TAG_KEY}=${shown} has no expiry date; ${EXPECTED}`,
    };
  }
  const reason = (m[1] ?? '').trim();
  const until = m[2] ?? '';
  if (reason === '') {
    return { ok: false, warning: `exemption tag ${EXEMPTION_TAG_KEY}=${shown} has no reason; ${EXPECTED}` };
  }
  try {
    parseUtcDate(until);
  } catch {
    return {
      ok: false,
      warning: `exemption tag ${EXEMPTION_TAG_KEY}=${shown} has an invalid until date ${describeValue(until)}; ${EXPECTED}`,
    };
  }
  return { ok: true, exemption: { source: 'tag', reason, until } };
}

/** Inclusive: an exemption until 2027-01-31 still applies all of that UTC day. */
export function isExemptionActive(exemption: Pick<Exemption, 'until'>, now: Date): boolean {
  return utcDateString(now) <= exemption.until;
}

const untilDate = z.string().check(
  z.refine(
    (s) => {
      try {
        parseUtcDate(s);
        return true;
      } catch {
        return false;
      }
    },
    { message: 'must be a real date written YYYY-MM-DD, like "2027-01-31"' },
  ),
);

export const ConfigExemptionSchema = z.strictObject({
  accountId: z
    .string()
    .check(z.regex(ACCOUNT_ID_PATTERN, 'must be a 12-digit AWS account id string like "123456789012"')),
  userName: z.string().check(z.minLength(1, 'must be the IAM user name, not empty')),
  accessKeyId: z.optional(
    z.string().check(z.minLength(1, "must be an access key id, or be omitted to exempt all the user's keys")),
  ),
  // trim() runs first (an overwrite), so a reason of only spaces fails the length check.
  reason: z.string().check(z.trim(), z.minLength(1, 'must say why the key is exempt')),
  until: untilDate,
});

export type ConfigExemption = z.infer<typeof ConfigExemptionSchema>;

/**
 * Validates a list of config exemptions (env EXEMPTIONS_JSON, the config file). Bad entries are
 * errors, not warnings: config is reviewed and deployed, so failing loudly is the right place.
 */
export function parseConfigExemptions(raw: unknown, field = 'exemptions'): ConfigExemption[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) {
    throw new InvalidInputError(
      `${field} must be a list of {accountId, userName, accessKeyId?, reason, until} (got ${describeValue(raw)})`,
    );
  }
  return raw.map((entry, i) => {
    const parsed = ConfigExemptionSchema.safeParse(entry);
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    const path = issue?.path.map(String).join('.');
    const where = path ? `${field}[${i}].${path}` : `${field}[${i}]`;
    const message =
      issue?.code === 'unrecognized_keys'
        ? `has unknown field(s) ${issue.keys.join(', ')}; remove them`
        : (issue?.message ?? 'is invalid');
    throw new InvalidInputError(`${where} ${message}`);
  });
}

/** What applies to one finding, and the notes worth surfacing in the digest. */
export interface ExemptionLookup {
  readonly exemption: Exemption | null;
  readonly warnings: readonly string[];
}

/**
 * Finds the config exemption for one user's key. A key-specific entry beats a user-wide one;
 * among equals the latest `until` wins, so overlapping entries never shorten an exemption.
 * A key-specific entry cannot match a key whose id is still unknown (report-only data): the
 * finding stays until ListAccessKeys supplies the id, which errs toward showing it.
 */
export function matchConfigExemption(
  exemptions: readonly ConfigExemption[],
  accountId: string,
  userName: string,
  accessKeyId: string | null,
  now: Date,
): ExemptionLookup {
  const candidates = exemptions.filter(
    (e) =>
      e.accountId === accountId &&
      e.userName === userName &&
      (e.accessKeyId === undefined || e.accessKeyId === accessKeyId),
  );
  const active = candidates
    .filter((e) => isExemptionActive(e, now))
    .sort((a, b) => {
      const specific = Number(b.accessKeyId !== undefined) - Number(a.accessKeyId !== undefined);
      return specific !== 0 ? specific : b.until.localeCompare(a.until);
    });
  const chosen = active[0];
  if (chosen !== undefined) {
    return { exemption: { source: 'config', reason: chosen.reason, until: chosen.until }, warnings: [] };
  }
  const warnings = candidates.map(
    (e) =>
      `account ${accountId} user ${userName}: config exemption${e.accessKeyId ? ` for key ${e.accessKeyId}` : ''} expired on ${e.until}; its findings are reported again (renew or remove the entry)`,
  );
  return { exemption: null, warnings };
}
