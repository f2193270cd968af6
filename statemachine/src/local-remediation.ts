/**
 * The local assembly of the RemediateKeys Lambdas (docs/remediation.md), as local-audit.ts is the
 * audit's: the real handlers with the clients each deployed function would have. CheckKey acts as
 * the AuditAccount function's role (the member audit roles trust it); RemediateKey as its own
 * role, which only the remediation roles trust.
 */
import { CredentialCache } from '@org-key-audit/functions/aws';
import type { ConfigExemption } from '@org-key-audit/functions/core';
import {
  makeCheckKeyHandler,
  makeRecordRemediationHandler,
  makeRemediateKeyHandler,
} from '@org-key-audit/functions/handlers';
import { silentTelemetry, type Telemetry } from '@org-key-audit/functions/runtime';
import type { LocalAuditClients } from './local-audit';
import type { RemediationTasks } from './remediation-runner';

export interface LocalRemediationOptions {
  readonly reportBucket: string;
  /** The approval notices and summaries go here (the digest topic). */
  readonly digestTopicArn: string;
  /** The member accounts' read-only audit role (CheckKey). */
  readonly auditRoleName: string;
  /** The member accounts' remediation role (RemediateKey). @default org-key-audit-remediation */
  readonly remediationRoleName?: string;
  /** The deployed config exemptions (EXEMPTIONS_JSON), which CheckKey honours. */
  readonly exemptions?: readonly ConfigExemption[];
  readonly telemetry?: Telemetry;
  readonly now?: () => Date;
}

/** Each function's clients, signed as its deployed role (or all the same, when roles do not matter). */
export interface LocalRemediationClients {
  readonly recordRemediation: Pick<LocalAuditClients, 's3' | 'sns'>;
  readonly checkKey: Pick<LocalAuditClients, 'sts' | 'iamFor'>;
  readonly remediateKey: Pick<LocalAuditClients, 'sts' | 'iamFor'>;
}

export function buildRemediationTasks(
  options: LocalRemediationOptions,
  clients: LocalRemediationClients | LocalAuditClients,
): RemediationTasks {
  const of: LocalRemediationClients =
    'recordRemediation' in clients
      ? clients
      : { recordRemediation: clients, checkKey: clients, remediateKey: clients };
  const telemetry = options.telemetry ?? silentTelemetry;
  const now = options.now ?? (() => new Date());
  // Expiry on the same clock as the sessions': a test or demo that moves the emulator's clock a
  // day must not reuse yesterday's credentials.
  const credentialCache = new CredentialCache(now);
  return {
    recordRemediation: makeRecordRemediationHandler({
      s3: of.recordRemediation.s3,
      sns: of.recordRemediation.sns,
      config: { reportBucket: options.reportBucket, digestTopicArn: options.digestTopicArn },
      telemetry,
      now,
    }),
    checkKey: makeCheckKeyHandler({
      sts: of.checkKey.sts,
      iamFor: of.checkKey.iamFor,
      config: { auditRoleName: options.auditRoleName, exemptions: options.exemptions ?? [] },
      now,
      credentialCache,
    }),
    remediateKey: makeRemediateKeyHandler({
      sts: of.remediateKey.sts,
      iamFor: of.remediateKey.iamFor,
      config: { remediationRoleName: options.remediationRoleName ?? 'org-key-audit-remediation' },
      telemetry,
      now,
      credentialCache,
    }),
  };
}
