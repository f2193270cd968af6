/** Publish the digest: the text BuildDigest kept, sent as the email; nothing on a dry run. */
import { boundedMap } from '../core/concurrency';
import type { ChatNotifier, DigestPublisher, RunRecords } from './ports';
import type { Telemetry } from './telemetry';

export interface PublishDigestRequest {
  readonly dryRun: boolean;
  readonly subject: string;
  readonly digestKey: string;
  /** The owners' digests (BuildDigest's manifest); null or unset when none. */
  readonly ownerDigestsKey?: string | null | undefined;
  /** How the Security Hub step ended; the digest says so when it failed. */
  readonly securityHub?:
    | {
        readonly status: string;
        readonly error?: string | null | undefined;
        readonly cause?: string | null | undefined;
      }
    | undefined;
  /** BuildDigest's run summary, for the chat notification. */
  readonly summary?: unknown;
}

export interface PublishDigestResult {
  readonly published: boolean;
  /** The security team's full digest. */
  readonly messageId: string | null;
  /** Owner digests sent, each with the `owner` message attribute. */
  readonly ownerDigests: number;
  /** The chat notification, when a chat topic is configured: sent, or failed (logged; the digest went out regardless). */
  readonly chat?: 'SENT' | 'FAILED';
}

/** Kept short: the digest's own limit leaves 4 KiB under SNS's for this and the envelope. */
const MAX_NOTICE_CAUSE_CHARS = 400;

/** The lines that tell the security team the Security Hub import failed, after the header. */
export function withSecurityHubNotice(
  body: string,
  securityHub: PublishDigestRequest['securityHub'],
): string {
  if (securityHub?.status !== 'FAILED') return body;
  const cause = (securityHub.cause ?? '').replace(/\s+/g, ' ').slice(0, MAX_NOTICE_CAUSE_CHARS);
  const notice = [
    'SECURITY HUB',
    `  The import of this run's findings into Security Hub failed (${securityHub.error ?? 'error'}${cause ? `: ${cause}` : ''}).`,
    '  This digest is complete; the input to import again is in the digest-failures DLQ (keyaudit dlq list).',
    '',
  ].join('\n');
  const end = body.indexOf('\n\n');
  return end === -1 ? `${notice}\n${body}` : `${body.slice(0, end + 2)}${notice}\n${body.slice(end + 2)}`;
}

/** Owner digests published at once: enough to send hundreds in seconds, gentle on SNS's rate. */
const OWNER_PUBLISH_CONCURRENCY = 8;

export interface PublishDigestDependencies {
  readonly records: RunRecords;
  /** Asked only when publishing; throws when no topic is configured, so a dry run still works. */
  readonly publisher: () => DigestPublisher;
  /** Null or unset: no chat topic configured. */
  readonly chat?: ChatNotifier | null;
  readonly telemetry: Telemetry;
}

export async function publishDigest(
  deps: PublishDigestDependencies,
  request: PublishDigestRequest,
): Promise<PublishDigestResult> {
  const { log } = deps.telemetry;
  if (request.dryRun) {
    log.info('dry run: digest not published', { digestKey: request.digestKey });
    return { published: false, messageId: null, ownerDigests: 0 };
  }
  const publisher = deps.publisher();
  // Everything is read before anything is sent: a missing object fails the step before any mail.
  const body = withSecurityHubNotice(await deps.records.getText(request.digestKey), request.securityHub);
  const refs = request.ownerDigestsKey ? await deps.records.readOwnerDigests(request.ownerDigestsKey) : [];
  const owners = await boundedMap(refs, OWNER_PUBLISH_CONCURRENCY, async (ref) => ({
    ref,
    body: await deps.records.getText(ref.key),
  }));
  // The security team's digest first: if an owner's publish fails, the full list has gone out.
  const { messageId } = await publisher.publish({ subject: request.subject, body });
  log.info('digest published', { messageId, bytes: Buffer.byteLength(body, 'utf-8') });
  await boundedMap(owners, OWNER_PUBLISH_CONCURRENCY, ({ ref, body: text }) =>
    publisher.publish({ subject: ref.subject, body: text, owner: ref.owner }),
  );
  if (owners.length > 0) log.info('owner digests published', { owners: owners.length });
  const chat = await notifyChat(deps, request);
  return { published: true, messageId, ownerDigests: owners.length, ...(chat === undefined ? {} : { chat }) };
}

/**
 * The chat notification is a pointer to the digest, not the digest: if it fails, the digest has
 * gone out, so it is logged and counted (metric ChatNotificationFailed) rather than failing the
 * step, which would send every digest again on the retry.
 */
async function notifyChat(
  deps: PublishDigestDependencies,
  request: PublishDigestRequest,
): Promise<PublishDigestResult['chat']> {
  // No chat topic, or an execution from before the chat existed (no summary in the state).
  if (deps.chat === undefined || deps.chat === null || request.summary === undefined) return undefined;
  try {
    await deps.chat.notify({ subject: request.subject, summary: request.summary });
    return 'SENT';
  } catch (error) {
    deps.telemetry.log.error('chat notification failed', {
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
    deps.telemetry.metrics.count('ChatNotificationFailed', 1);
    return 'FAILED';
  }
}
