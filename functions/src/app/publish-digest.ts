/** Publish the digest: the text BuildDigest kept, sent as the email; nothing on a dry run. */
import { boundedMap } from '../core/concurrency';
import type { DigestPublisher, RunRecords } from './ports';
import type { Telemetry } from './telemetry';

export interface PublishDigestRequest {
  readonly dryRun: boolean;
  readonly subject: string;
  readonly digestKey: string;
  /** The owners' digests (BuildDigest's manifest); null or unset when none. */
  readonly ownerDigestsKey?: string | null | undefined;
}

export interface PublishDigestResult {
  readonly published: boolean;
  /** The security team's full digest. */
  readonly messageId: string | null;
  /** Owner digests sent, each with the `owner` message attribute. */
  readonly ownerDigests: number;
}

/** Owner digests published at once: enough to send hundreds in seconds, gentle on SNS's rate. */
const OWNER_PUBLISH_CONCURRENCY = 8;

export interface PublishDigestDependencies {
  readonly records: RunRecords;
  /** Asked only when publishing; throws when no topic is configured, so a dry run still works. */
  readonly publisher: () => DigestPublisher;
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
  const body = await deps.records.getText(request.digestKey);
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
  return { published: true, messageId, ownerDigests: owners.length };
}
