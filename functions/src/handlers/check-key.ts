/**
 * CheckKey: re-reads an approved key through the read-only audit role before it is deactivated
 * (app/check-key.ts). Deployed with the AuditAccount function's role, which the member accounts'
 * audit roles already trust, so the read-only role needs no change for remediation.
 */
import type { IAMClient } from '@aws-sdk/client-iam';
import type { STSClient } from '@aws-sdk/client-sts';
import { type CheckKeyResult, checkKey } from '../app/check-key';
import type { CredentialCache } from '../aws/assume-role';
import type { TemporaryCredentials } from '../aws/clients/common';
import { iamClientFor } from '../aws/clients/iam';
import { stsClient } from '../aws/clients/sts';
import { auditedAccounts } from '../aws/key-accounts';
import { CheckKeyEventSchema, parseRemediationEvent } from '../core/remediation-events';
import type { HandlerConfig } from '../runtime/config';
import { type LambdaContext, lazyHandler } from '../runtime/lazy-handler';

export type { CheckKeyResult } from '../app/check-key';

export interface CheckKeyDeps {
  readonly sts: STSClient;
  readonly iamFor: (credentials: TemporaryCredentials) => IAMClient;
  readonly config: Pick<HandlerConfig, 'auditRoleName' | 'exemptions'>;
  readonly now: () => Date;
  /** Role credentials are reused until shortly before they expire. @default the process-wide cache */
  readonly credentialCache?: CredentialCache;
}

export function makeCheckKeyHandler(deps: CheckKeyDeps) {
  const accounts = auditedAccounts({
    sts: deps.sts,
    iamFor: deps.iamFor,
    auditRoleName: deps.config.auditRoleName,
  });
  return async (raw: unknown, _context?: LambdaContext): Promise<CheckKeyResult> =>
    checkKey(
      { accounts, configExemptions: deps.config.exemptions, now: deps.now },
      parseRemediationEvent(CheckKeyEventSchema, raw, 'CheckKey'),
    );
}

export const handler = lazyHandler((runtime) =>
  makeCheckKeyHandler({
    sts: runtime.traced(stsClient.get()),
    iamFor: (credentials) => runtime.traced(iamClientFor(credentials)),
    config: runtime.config,
    now: runtime.now,
  }),
);
