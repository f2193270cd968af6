/**
 * An organization described by ages in days (relative to "now"): what `--org-file` holds and
 * what the seeded generator produces before it is turned into records.
 */
import { en } from 'zod/locales';
import * as z from 'zod/mini';
import { thresholdOverridesSchema } from './thresholds';

// zod/mini ships no messages of its own: without a locale every default one reads "Invalid input".
z.config(en());

// The emulator's own copy of the product's finding types, on purpose: it plants the data the
// product is tested against, so it takes nothing from the product. test/architecture/contracts.test.ts
// holds the two lists equal.
export const FINDING_TYPE_NAMES = [
  'ROOT_ACCESS_KEY',
  'ROTATION_OVERDUE',
  'ROTATION_DUE_SOON',
  'REMINDER_DAY',
  'UNUSED',
  'NEVER_USED',
  'TWO_ACTIVE_KEYS',
  'INACTIVE_KEY_LINGERING',
] as const;
export type PlantedFindingType = (typeof FINDING_TYPE_NAMES)[number];

const days = z.int().check(z.minimum(0), z.maximum(10_000));

/** A UTC time of day, `HH:MM` or `HH:MM:SS`. */
export const TIME_OF_DAY = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;
/** Seconds since midnight of a `HH:MM[:SS]` time of day. */
export function secondsOfDay(text: string): number {
  const m = TIME_OF_DAY.exec(text);
  if (m === null) throw new RangeError(`not a time of day HH:MM[:SS]: "${text}"`);
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0);
}

const timeOfDay = z
  .string()
  .check(z.regex(TIME_OF_DAY, 'a UTC time of day written HH:MM or HH:MM:SS, like "23:59:30"'));

export const keySpecSchema = z
  .strictObject({
    ageDays: days,
    /** null: never used. Must not exceed ageDays (a key is not used before it exists). */
    lastUsedDaysAgo: z._default(z.nullable(days), null),
    status: z._default(z.enum(['Active', 'Inactive']), 'Active'),
    lastUsedService: z._default(z.string().check(z.minLength(1)), 's3'),
    lastUsedRegion: z._default(z.string().check(z.minLength(1)), 'us-east-1'),
    /**
     * UTC time of day of the creation, on the day `ageDays` before now. Unset: drawn from the
     * seed, anywhere in the day (up to now's time of day for a key created today).
     */
    createdTime: z.optional(timeOfDay),
    /** UTC time of day of the last use; unset: drawn from the seed, never before the creation. */
    lastUsedTime: z.optional(timeOfDay),
    /** The generator's record of what this key was planted to produce. */
    expect: z.optional(z.array(z.enum(FINDING_TYPE_NAMES))),
  })
  .check(
    z.refine((k) => k.lastUsedDaysAgo === null || k.lastUsedDaysAgo <= k.ageDays, {
      message: 'lastUsedDaysAgo must be <= ageDays (a key cannot be used before it was created)',
      path: ['lastUsedDaysAgo'],
    }),
    z.refine((k) => k.lastUsedTime === undefined || k.lastUsedDaysAgo !== null, {
      message: 'lastUsedTime needs lastUsedDaysAgo (a key never used has no time of last use)',
      path: ['lastUsedTime'],
    }),
    z.refine(
      (k) =>
        k.lastUsedDaysAgo !== k.ageDays ||
        k.createdTime === undefined ||
        k.lastUsedTime === undefined ||
        secondsOfDay(k.lastUsedTime) >= secondsOfDay(k.createdTime),
      {
        message: 'lastUsedTime must not be before createdTime on the day the key was created',
        path: ['lastUsedTime'],
      },
    ),
  );

export const userSpecSchema = z.strictObject({
  name: z
    .string()
    .check(z.regex(/^[\w+=,.@-]{1,64}$/, 'IAM user names are 1-64 characters of [A-Za-z0-9+=,.@_-]')),
  tags: z._default(z.record(z.string(), z.string()), {}),
  /** Console password: null (none), 'never' used, or last used N days ago. */
  passwordLastUsedDaysAgo: z._default(z.nullable(z.union([days, z.literal('never')])), null),
  keys: z._default(
    z.array(keySpecSchema).check(z.maxLength(2, 'IAM allows at most 2 access keys per user')),
    [],
  ),
  /** The generator's record: whether the user's tag was planted as a valid, current exemption. */
  plantedExempt: z.optional(z.boolean()),
});

/**
 * Organizations tags (on an account, an OU): keys of 1-128 characters not starting with `aws:`
 * (AWS's own), values of 0-256, at most 50 per resource.
 */
export const orgTagsSchema = z
  .record(
    z.string().check(
      z.minLength(1),
      z.maxLength(128),
      z.refine(
        (k) => !k.toLowerCase().startsWith('aws:'),
        'tag keys starting with "aws:" are reserved for AWS',
      ),
    ),
    z.string().check(z.maxLength(256)),
  )
  .check(
    z.refine((tags) => Object.keys(tags).length <= 50, 'Organizations allows at most 50 tags per resource'),
  );

/** An organizational unit and the OUs under it, to any depth. */
export interface OuSpec {
  /** 1-128 characters without `/`: an account names its OU by the path `Parent/Child`. */
  readonly name: string;
  readonly tags?: Readonly<Record<string, string>> | undefined;
  readonly children?: readonly OuSpec[] | undefined;
}

export const ouSpecSchema: z.ZodMiniType<OuSpec> = z.strictObject({
  name: z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(128),
      z.regex(
        /^[^/]*$/,
        'OU names in a spec must not contain "/": accounts name their OU by the path "Parent/Child"',
      ),
    ),
  tags: z.optional(orgTagsSchema),
  get children() {
    return z.optional(z.array(ouSpecSchema));
  },
});

/** Every OU's path (`Parent/Child`), parents before children. */
export function ouPaths(ous: readonly OuSpec[], parent = ''): string[] {
  return ous.flatMap((ou) => {
    const path = parent === '' ? ou.name : `${parent}/${ou.name}`;
    return [path, ...ouPaths(ou.children ?? [], path)];
  });
}

export const accountSpecSchema = z.strictObject({
  id: z.string().check(z.regex(/^\d{12}$/, 'account ids are 12-digit strings like "123456789012"')),
  name: z.string().check(z.minLength(1)),
  email: z.optional(z.email()),
  state: z._default(
    z.enum(['PENDING_ACTIVATION', 'ACTIVE', 'SUSPENDED', 'PENDING_CLOSURE', 'CLOSED']),
    'ACTIVE',
  ),
  /** Whether the audit role was rolled out (and trusts the auditor). */
  auditRole: z._default(z.boolean(), true),
  /**
   * Whether the remediation role was rolled out here (docs/remediation.md). Unset: where the
   * audit role is, when the organization's `remediationRole` is on; false plants an account
   * without it, true one with it.
   */
  remediationRole: z.optional(z.boolean()),
  rootKeys: z._default(
    z.array(keySpecSchema).check(z.maxLength(2, 'the root user has at most 2 access keys')),
    [],
  ),
  users: z._default(z.array(userSpecSchema), []),
  /** The OU the account sits in, by path (`Workloads/Prod`); unset: directly under the root. */
  ou: z.optional(z.string().check(z.minLength(1))),
  /** Organizations tags on the account (e.g. `{"owner": "payments@example.com"}`). */
  tags: z.optional(orgTagsSchema),
});

const roleName = z
  .string()
  .check(z.regex(/^[\w+=,.@-]{1,64}$/, 'IAM role names are 1-64 characters of [A-Za-z0-9+=,.@_-]'));

/** The remediation role in the member accounts: on with the defaults (true), or with other names. */
export const remediationRoleSchema = z.union([
  z.boolean(),
  z.strictObject({
    /** @default 'org-key-audit-remediation' */
    roleName: z.optional(roleName),
    /** The audit-account role it trusts. @default 'org-key-audit-remediate-key' (the RemediateKey Lambda's) */
    trustedRoleName: z.optional(roleName),
  }),
]);

export const orgSpecSchema = z
  .strictObject({
    /** ISO-8601; the emulator clock starts here (default: the real now). */
    now: z.optional(z.iso.datetime({ offset: true })),
    /** Thresholds the expectations are computed with (default: the documented ones). */
    thresholds: z.optional(thresholdOverridesSchema),
    /** The OU tree under the root; accounts name theirs with `ou`. */
    organizationalUnits: z.optional(z.array(ouSpecSchema)),
    /** Plant the remediation role (approval-gated deactivation) in the accounts. @default false */
    remediationRole: z.optional(remediationRoleSchema),
    /** accounts[0] is the management account, accounts[1] the audit (delegated administrator) account. */
    accounts: z
      .array(accountSpecSchema)
      .check(z.minLength(2, 'give at least 2 accounts: the management account, then the audit account')),
  })
  .check(
    z.superRefine((spec, ctx) => {
      // Organizations refuses two OUs of one name under the same parent.
      const checkSiblings = (ous: readonly OuSpec[], path: (string | number)[]) => {
        const names = new Set<string>();
        ous.forEach((ou, i) => {
          if (names.has(ou.name)) {
            ctx.addIssue({
              code: 'custom',
              message: `duplicate OU name ${ou.name} under the same parent`,
              path: [...path, i, 'name'],
            });
          }
          names.add(ou.name);
          checkSiblings(ou.children ?? [], [...path, i, 'children']);
        });
      };
      checkSiblings(spec.organizationalUnits ?? [], ['organizationalUnits']);
      const paths = new Set(ouPaths(spec.organizationalUnits ?? []));
      spec.accounts.forEach((a, i) => {
        if (a.ou !== undefined && !paths.has(a.ou)) {
          ctx.addIssue({
            code: 'custom',
            message: `no OU ${a.ou} in organizationalUnits (name an OU by its path, like "Workloads/Prod")`,
            path: ['accounts', i, 'ou'],
          });
        }
      });
      const seen = new Set<string>();
      spec.accounts.forEach((a, i) => {
        if (seen.has(a.id))
          ctx.addIssue({
            code: 'custom',
            message: `duplicate account id ${a.id}`,
            path: ['accounts', i, 'id'],
          });
        seen.add(a.id);
        const names = new Set<string>();
        a.users.forEach((u, j) => {
          if (names.has(u.name)) {
            ctx.addIssue({
              code: 'custom',
              message: `duplicate user name ${u.name}`,
              path: ['accounts', i, 'users', j, 'name'],
            });
          }
          names.add(u.name);
        });
      });
    }),
  );

export type KeySpec = z.output<typeof keySpecSchema>;
export type UserSpec = z.output<typeof userSpecSchema>;
export type AccountSpec = z.output<typeof accountSpecSchema>;
export type OrgSpec = z.output<typeof orgSpecSchema>;
export type OrgTags = z.output<typeof orgTagsSchema>;
export type RemediationRoleSpec = z.output<typeof remediationRoleSchema>;
