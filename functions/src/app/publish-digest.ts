/** Publish the digest: the text BuildDigest kept, sent as the email; nothing on a dry run. */
import type { DigestPublisher, RunRecords } from './ports';
import type { Telemetry } from './telemetry';

export interface PublishDigestRequest {
  readonly dryRun: boolean;
  readonly subject: string;
  readonly digestKey: string;
}

export interface PublishDigestResult {
  readonly published: boolean;
  readonly messageId: string | null;
}

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
    return { published: false, messageId: null };
  }
  const publisher = deps.publisher();
  const body = await deps.records.getText(request.digestKey);
  const { messageId } = await publisher.publish({ subject: request.subject, body });
  log.info('digest published', { messageId, bytes: Buffer.byteLength(body, 'utf-8') });
  return { published: true, messageId };
}
