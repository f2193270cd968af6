/**
 * The events RemediateKeys passes to its three Lambdas (remediate-keys.asl.json). As with the
 * audit's events, a wrong one is a wiring bug between the ASL and a Lambda and fails with the
 * field's path; the key itself is checked in full, since the Lambdas act on it.
 */
import * as z from 'zod/mini';
import { InvalidInputError } from './errors';
import { KeyOutcomeSchema, ProposedKeySchema, REQUEST_ID_PATTERN } from './remediation';
import './zod-messages';

const requestId = z.string().check(z.regex(REQUEST_ID_PATTERN));
const caller = z.object({ arn: z.string(), account: z.string(), userId: z.string() });
const statesError = z.object({ Error: z.optional(z.string()), Cause: z.optional(z.string()) });

export const RecordRemediationEventSchema = z.discriminatedUnion('step', [
  z.object({
    step: z.literal('await'),
    requestId,
    executionArn: z.string(),
    taskToken: z.string().check(z.minLength(1), z.maxLength(1024)),
    timeoutSeconds: z.int().check(z.positive()),
  }),
  z.object({ step: z.literal('plan'), requestId, approval: z.unknown() }),
  z.object({ step: z.literal('plan-retry'), requestId, accessKeyId: z.string() }),
  z.object({ step: z.literal('plan-reactivation'), requestId, accessKeyId: z.string(), requestedBy: caller }),
  z.object({
    step: z.literal('complete'),
    requestId,
    outcomes: z.array(KeyOutcomeSchema),
    plan: z.object({ approval: z.nullable(z.unknown()) }),
  }),
  z.object({ step: z.enum(['expired', 'rejected']), requestId, closure: statesError }),
  z.object({ step: z.literal('reactivated'), requestId, requestedBy: caller, outcome: KeyOutcomeSchema }),
]);

export const CheckKeyEventSchema = z.object({ requestId, key: ProposedKeySchema });

export const RemediateKeyEventSchema = z.object({
  action: z.enum(['deactivate', 'reactivate']),
  requestId,
  key: ProposedKeySchema,
});

export function parseRemediationEvent<T>(schema: z.ZodMiniType<T>, raw: unknown, what: string): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = issue?.path.length ? issue.path.join('.') : '(the event)';
  throw new InvalidInputError(
    `${what}: event field ${path} ${issue?.message ?? 'is invalid'}; check the state's Parameters in remediate-keys.asl.json`,
  );
}
