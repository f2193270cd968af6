/**
 * RemediateKey: deactivates (or reactivates) one approved key through the member account's
 * remediation role, after re-reading it, and reads it back (app/remediate-key.ts). Its role may
 * only assume the remediation roles; those roles trust only it.
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import type { STSClient } from '@aws-sdk/client-sts';
import { remediateKey } from '../app/remediate-key';
import type { CredentialCache } from '../aws/assume-role';
import type { TemporaryCredentials } from '../aws/clients/common';
import { iamClientFor } from '../aws/clients/iam';
import { stsClient } from '../aws/clients/sts';
import { remediationAccounts } from '../aws/key-accounts';
import type { KeyOutcome } from '../core/remediation';
import { parseRemediationEvent, RemediateKeyEventSchema } from '../core/remediation-events';
import type { HandlerConfig } from '../runtime/config';
import { type LambdaContext, lazyHandler } from '../runtime/lazy-handler';
import type { Telemetry } from '../runtime/telemetry';

export interface RemediateKeyDeps {
  readonly sts: STSClient;
  readonly iamFor: (credentials: TemporaryCredentials) => IAMClient;
  readonly config: Pick<HandlerConfig, 'remediationRoleName'>;
  readonly telemetry: Telemetry;
  readonly now: () => Date;
  /** Role credentials are reused until shortly before they expire. @default the process-wide cache */
  readonly credentialCache?: CredentialCache;
}

export function makeRemediateKeyHandler(deps: RemediateKeyDeps) {
  const accounts = remediationAccounts({
    sts: deps.sts,
    iamFor: deps.iamFor,
    roleName: deps.config.remediationRoleName,
    ...(deps.credentialCache === undefined ? {} : { credentialCache: deps.credentialCache }),
  });
  return async (raw: unknown, _context?: LambdaContext): Promise<KeyOutcome> =>
    remediateKey(
      { accounts, telemetry: deps.telemetry, now: deps.now },
      parseRemediationEvent(RemediateKeyEventSchema, raw, 'RemediateKey'),
    );
}

export const handler = lazyHandler((runtime) =>
  makeRemediateKeyHandler({
    sts: runtime.traced(stsClient.get()),
    iamFor: (credentials) => runtime.traced(iamClientFor(credentials)),
    config: runtime.config,
    telemetry: runtime.telemetry,
    now: runtime.now,
  }),
);
