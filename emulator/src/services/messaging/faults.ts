/**
 * Injected failures for the messaging services, so tests can drive the workflow's Catch paths
 * (digest DLQ, report write retries) without a real outage.
 */
import { en } from 'zod/locales';
import * as z from 'zod/mini';

// zod/mini ships no messages of its own: without a locale every default one reads "Invalid input".
z.config(en());

/** `true` fails every request until reset; `{ count }` fails the next `count` requests. */
export type CountedFault = boolean | { readonly count: number };

/**
 * Like CountedFault, optionally only for keys under `keyPrefix`; `count` omitted means every
 * matching request (a prefix without a count).
 */
export type S3WriteFault = boolean | { readonly count?: number; readonly keyPrefix?: string };

/** Mutable on purpose: the server and tests flip these between requests. */
export interface MessagingFaults {
  snsPublishFailure: CountedFault;
  s3WriteFailure: S3WriteFault;
}

/** Told of every injected messaging failure (the emulator counts them in its Stats). */
export type MessagingFaultListener = (
  fault: 's3WriteFailure' | 'snsPublishFailure',
  accountId: string,
  service: 's3' | 'sns',
  action: string,
) => void;

export function noFaults(): MessagingFaults {
  return { snsPublishFailure: false, s3WriteFailure: false };
}

/** Decides whether this SNS publish fails, spending one unit of a counted fault. */
export function takeSnsPublishFault(faults: MessagingFaults): boolean {
  const fault = faults.snsPublishFailure;
  if (typeof fault === 'boolean') return fault;
  if (fault.count <= 0) {
    faults.snsPublishFailure = false;
    return false;
  }
  faults.snsPublishFailure = fault.count - 1 > 0 ? { count: fault.count - 1 } : false;
  return true;
}

/** Decides whether this S3 write of `key` fails, spending one unit of a counted fault. */
export function takeS3WriteFault(faults: MessagingFaults, key: string): boolean {
  const fault = faults.s3WriteFailure;
  if (typeof fault === 'boolean') return fault;
  if (fault.keyPrefix !== undefined && !key.startsWith(fault.keyPrefix)) return false;
  if (fault.count === undefined) return true;
  if (fault.count <= 0) {
    faults.s3WriteFailure = false;
    return false;
  }
  const count = fault.count - 1;
  faults.s3WriteFailure =
    count > 0 ? { count, ...(fault.keyPrefix === undefined ? {} : { keyPrefix: fault.keyPrefix }) } : false;
  return true;
}

const countSchema = z.int().check(z.minimum(0));

const faultsBodySchema = z.strictObject({
  snsPublishFailure: z.optional(z.union([z.boolean(), z.strictObject({ count: countSchema })])),
  s3WriteFailure: z.optional(
    z.union([
      z.boolean(),
      z.strictObject({
        count: z.optional(countSchema),
        keyPrefix: z.optional(z.string().check(z.minLength(1))),
      }),
    ]),
  ),
});

export class InvalidFaultsError extends Error {
  override readonly name = 'InvalidFaultsError';
}

/**
 * Applies a `POST /_emulator/messaging/faults` body; fields left out keep their value.
 * @throws InvalidFaultsError naming the field and the accepted shapes.
 */
export function applyFaultsBody(faults: MessagingFaults, body: unknown): void {
  const parsed = faultsBodySchema.safeParse(body);
  if (!parsed.success) {
    const details = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`)
      .join('; ');
    throw new InvalidFaultsError(
      `Invalid messaging faults (${details}). Send a JSON object with snsPublishFailure: boolean | { count } ` +
        'and/or s3WriteFailure: boolean | { count?, keyPrefix? }.',
    );
  }
  const { snsPublishFailure, s3WriteFailure } = parsed.data;
  if (snsPublishFailure !== undefined) faults.snsPublishFailure = snsPublishFailure;
  if (s3WriteFailure !== undefined) faults.s3WriteFailure = s3WriteFailure;
}
