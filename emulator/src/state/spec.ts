/**
 * An organization described by ages in days (relative to "now"): what `--org-file` holds and
 * what the seeded generator produces before it is turned into records.
 */
import { z } from 'zod';

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

const days = z.number().int().min(0).max(10_000);

export const keySpecSchema = z
  .object({
    ageDays: days,
    /** null: never used. Must not exceed ageDays (a key is not used before it exists). */
    lastUsedDaysAgo: days.nullable().default(null),
    status: z.enum(['Active', 'Inactive']).default('Active'),
    lastUsedService: z.string().min(1).default('s3'),
    lastUsedRegion: z.string().min(1).default('us-east-1'),
    /** The generator's record of what this key was planted to produce. */
    expect: z.array(z.enum(FINDING_TYPE_NAMES)).optional(),
  })
  .strict()
  .refine((k) => k.lastUsedDaysAgo === null || k.lastUsedDaysAgo <= k.ageDays, {
    message: 'lastUsedDaysAgo must be <= ageDays (a key cannot be used before it was created)',
    path: ['lastUsedDaysAgo'],
  });

export const userSpecSchema = z
  .object({
    name: z.string().regex(/^[\w+=,.@-]{1,64}$/, 'IAM user names are 1-64 characters of [A-Za-z0-9+=,.@_-]'),
    tags: z.record(z.string(), z.string()).default({}),
    /** Console password: null (none), 'never' used, or last used N days ago. */
    passwordLastUsedDaysAgo: z
      .union([days, z.literal('never')])
      .nullable()
      .default(null),
    keys: z.array(keySpecSchema).max(2, 'IAM allows at most 2 access keys per user').default([]),
    /** The generator's record: whether the user's tag was planted as a valid, current exemption. */
    plantedExempt: z.boolean().optional(),
  })
  .strict();

export const accountSpecSchema = z
  .object({
    id: z.string().regex(/^\d{12}$/, 'account ids are 12-digit strings like "123456789012"'),
    name: z.string().min(1),
    email: z.string().email().optional(),
    state: z
      .enum(['PENDING_ACTIVATION', 'ACTIVE', 'SUSPENDED', 'PENDING_CLOSURE', 'CLOSED'])
      .default('ACTIVE'),
    /** Whether the audit role was rolled out (and trusts the auditor). */
    auditRole: z.boolean().default(true),
    rootKeys: z.array(keySpecSchema).max(2, 'the root user has at most 2 access keys').default([]),
    users: z.array(userSpecSchema).default([]),
  })
  .strict();

export const orgSpecSchema = z
  .object({
    /** ISO-8601; the emulator clock starts here (default: the real now). */
    now: z.string().datetime({ offset: true }).optional(),
    /** accounts[0] is the management account, accounts[1] the audit (delegated administrator) account. */
    accounts: z
      .array(accountSpecSchema)
      .min(2, 'give at least 2 accounts: the management account, then the audit account'),
  })
  .strict()
  .superRefine((spec, ctx) => {
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
  });

export type KeySpec = z.output<typeof keySpecSchema>;
export type UserSpec = z.output<typeof userSpecSchema>;
export type AccountSpec = z.output<typeof accountSpecSchema>;
export type OrgSpec = z.output<typeof orgSpecSchema>;
