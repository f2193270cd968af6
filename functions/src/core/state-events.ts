/**
 * The events the state machine passes to the Lambdas (docs/contracts.md, "Lambda events and
 * results"). A wrong event is a wiring bug between the ASL and a Lambda: it fails loudly with
 * the field's name, never half-runs. Each event is checked only as far as its Lambda reads it.
 */
import * as z from 'zod/mini';
import { ACCOUNT_ID_PATTERN } from './account-id';
import { InvalidInputError } from './errors';
import type { NormalizedInput } from './execution-input';
import type { MapRunRef } from './run-layout';
import { describeValue, isPlainObject } from './thresholds';
import './zod-messages';

const got = (issue: { readonly input?: unknown }) => `(got ${describeValue(issue.input)})`;

/**
 * Checked before an object's fields: zod's own object check also lets a Date or a Map through,
 * which no JSON payload can hold, and would report each missing field instead of the object.
 */
function jsonObject(what: string) {
  return z.custom<Record<string, unknown>>(isPlainObject, {
    abort: true,
    error: (issue) => `${what} must be a JSON object ${got(issue)}; check the state's Parameters`,
  });
}

function eventObject<Shape extends z.core.$ZodLooseShape>(what: string, shape: Shape) {
  return z.pipe(jsonObject(what), z.object(shape));
}

/** Keeps the fields it does not name: the normalized input travels on whole. */
function looseEventObject<Shape extends z.core.$ZodLooseShape>(what: string, shape: Shape) {
  return z.pipe(jsonObject(what), z.looseObject(shape));
}

function nonEmptyString(field: string) {
  const error = (issue: { readonly input?: unknown }) =>
    `event field ${field} must be a non-empty string ${got(issue)}`;
  return z.string({ error }).check(z.refine((value) => value.trim() !== '', { error }));
}

function accountIdField(field: string) {
  return nonEmptyString(field).check(
    z.regex(ACCOUNT_ID_PATTERN, {
      error: (issue) => `event field ${field} must be a 12-digit account id ${got(issue)}`,
    }),
  );
}

function booleanField(field: string) {
  return z.boolean({ error: (issue) => `event field ${field} must be true or false ${got(issue)}` });
}

/** The first issue is the one reported: fields are declared in the order a person reads them. */
function parseEvent<T>(schema: z.ZodMiniType<T>, raw: unknown, what: string): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  throw new InvalidInputError(
    result.error.issues[0]?.message ?? `${what} is invalid; check the state's Parameters`,
  );
}

export const AuditAccountEventSchema = eventObject('AuditAccount event', {
  accountId: accountIdField('accountId'),
  executionName: nonEmptyString('executionName'),
  executionArn: nonEmptyString('executionArn'),
  // The execution's override, merged onto the deployed defaults by the Lambda, which reports a
  // bad one with the threshold's name.
  thresholds: z.optional(z.unknown()),
  // Where the previous invocation for this account stopped (core/continuation.ts); null the first time.
  continuation: z.optional(
    z.nullable(
      eventObject('event field continuation', {
        key: nonEmptyString('continuation.key'),
        iteration: z
          .int({
            error: (issue) => `event field continuation.iteration must be a whole number ${got(issue)}`,
          })
          .check(z.minimum(1, { error: 'event field continuation.iteration must be at least 1' })),
      }),
    ),
  ),
});

export type AuditAccountEvent = Readonly<z.output<typeof AuditAccountEventSchema>>;

export function parseAuditAccountEvent(raw: unknown): AuditAccountEvent {
  return parseEvent(AuditAccountEventSchema, raw, 'AuditAccount event');
}

const NORMALIZED_ACCOUNT_IDS = 'event field input.accountIds must be null or a list of account ids';

export const ListAccountsEventSchema = eventObject('ListAccounts event', {
  input: looseEventObject('event field input (the normalized execution input)', {
    accountIds: z.nullable(
      z.array(z.string({ error: NORMALIZED_ACCOUNT_IDS }), { error: NORMALIZED_ACCOUNT_IDS }),
    ),
  }),
  executionName: nonEmptyString('executionName'),
  executionArn: nonEmptyString('executionArn'),
});

/**
 * `input` is ValidateInput's output, passed on by the ASL: the schema checks only what a wrong
 * path in the ASL would break, so the type says what ValidateInput guarantees.
 */
export interface ListAccountsEvent {
  readonly executionName: string;
  readonly executionArn: string;
  readonly input: NormalizedInput;
}

export function parseListAccountsEvent(raw: unknown): ListAccountsEvent {
  const event = parseEvent(ListAccountsEventSchema, raw, 'ListAccounts event');
  return { ...event, input: event.input as unknown as NormalizedInput };
}

const MapRunRefSchema = eventObject('event field map', {
  // Optional in the Map's output; a value of another type is left out rather than trusted.
  MapRunArn: z.catch(z.optional(z.string()), undefined),
  ResultWriterDetails: eventObject('event field map.ResultWriterDetails', {
    Bucket: nonEmptyString('map.ResultWriterDetails.Bucket'),
    Key: nonEmptyString('map.ResultWriterDetails.Key'),
  }),
});

/**
 * The Distributed Map's output (`{ MapRunArn, ResultWriterDetails }`), an inline Map's array of
 * iteration outputs (the local runner), or null when the Map recorded nothing. Only the first
 * has a shape to check; a union would report "Invalid input" instead of its field.
 */
const mapField = z.transform((value: unknown, ctx): MapRunRef | readonly unknown[] | null => {
  if (value === undefined || value === null) return null;
  if (Array.isArray(value)) return value;
  const ref = MapRunRefSchema.safeParse(value);
  if (ref.success) return ref.data;
  const message = ref.error.issues[0]?.message ?? 'event field map is invalid';
  ctx.issues.push({ code: 'custom', message, input: value });
  return z.NEVER;
});

export const BuildDigestEventSchema = eventObject('BuildDigest event', {
  input: looseEventObject('event field input', {
    dryRun: z.boolean({
      error: 'event field input.dryRun must be true or false (the normalized execution input)',
    }),
  }),
  executionName: nonEmptyString('executionName'),
  executionArn: nonEmptyString('executionArn'),
  accounts: eventObject('event field accounts (the ListAccounts result)', {
    bucket: nonEmptyString('accounts.bucket'),
    organizationKey: nonEmptyString('accounts.organizationKey'),
    // Absent in executions started before owners existed (a redrive of one still works).
    ownerWarnings: z.optional(
      z.array(z.string(), {
        error: (issue) => `event field accounts.ownerWarnings must be a list of strings ${got(issue)}`,
      }),
    ),
  }),
  map: mapField,
});

/** `input` as in ListAccountsEvent: ValidateInput's output, checked here only for dryRun. */
export interface BuildDigestEvent {
  readonly executionName: string;
  readonly executionArn: string;
  readonly input: NormalizedInput;
  readonly accounts: {
    readonly bucket: string;
    readonly organizationKey: string;
    readonly ownerWarnings?: readonly string[] | undefined;
  };
  readonly map: MapRunRef | readonly unknown[] | null;
}

export function parseBuildDigestEvent(raw: unknown): BuildDigestEvent {
  const event = parseEvent(BuildDigestEventSchema, raw, 'BuildDigest event');
  return { ...event, input: event.input as unknown as NormalizedInput };
}

export const ImportFindingsEventSchema = eventObject('ImportFindings event', {
  executionName: nonEmptyString('executionName'),
  executionArn: nonEmptyString('executionArn').check(
    z.regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:/, {
      error:
        'event field executionArn must be a Step Functions execution ARN (it names the audit account and region)',
    }),
  ),
  bucket: nonEmptyString('bucket'),
  reportKey: nonEmptyString('reportKey'),
});

export type ImportFindingsEvent = Readonly<z.output<typeof ImportFindingsEventSchema>>;

export function parseImportFindingsEvent(raw: unknown): ImportFindingsEvent {
  return parseEvent(ImportFindingsEventSchema, raw, 'ImportFindings event');
}

/** SNS rejects subjects with line breaks or control characters, and longer than 100 characters. */
function isEmailSubject(text: string): boolean {
  if (text.length > 100) return false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return false;
  }
  return true;
}

export const PublishDigestEventSchema = eventObject('PublishDigest event', {
  subject: nonEmptyString('subject').check(
    z.refine(isEmailSubject, {
      error:
        'subject must be at most 100 characters without line breaks or control characters (an SNS email subject)',
    }),
  ),
  dryRun: booleanField('dryRun'),
  bucket: nonEmptyString('bucket'),
  digestKey: nonEmptyString('digestKey'),
  /** The Security Hub step's outcome; absent before it existed, and on a dry run. */
  securityHub: z.optional(
    z.looseObject({
      status: z.string({ error: 'event field securityHub.status must be a string' }),
      error: z.optional(z.nullable(z.string())),
      cause: z.optional(z.nullable(z.string())),
    }),
  ),
  /** BuildDigest's run summary, for the chat notification; absent before it existed. */
  summary: z.optional(z.unknown()),
  /** The owner digests' manifest; null or absent when there are none (or before owners existed). */
  ownerDigestsKey: z.optional(
    z.nullable(
      z.string({
        error: (issue) => `event field ownerDigestsKey must be a non-empty string or null ${got(issue)}`,
      }),
    ),
  ),
});

export type PublishDigestEvent = Readonly<z.output<typeof PublishDigestEventSchema>>;

export function parsePublishDigestEvent(raw: unknown): PublishDigestEvent {
  return parseEvent(PublishDigestEventSchema, raw, 'PublishDigest event');
}
