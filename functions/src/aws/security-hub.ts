/**
 * Security Hub for the importer (app/import-findings.ts): BatchImportFindings and GetFindings,
 * throttling retried with backoff and then surfaced as SecurityHubThrottledError (a name the
 * state machine retries later), a hub that is not enabled or a role that may not import as
 * SecurityHubAccessError with the fix.
 */
import {
  type AwsSecurityFinding,
  BatchImportFindingsCommand,
  GetFindingsCommand,
  type SecurityHubClient,
} from '@aws-sdk/client-securityhub';
import type { FindingsHub, StoredAsffFinding } from '../app/ports';
import type { AsffFinding } from '../core/asff';
import { MalformedDataError, SecurityHubAccessError, SecurityHubThrottledError } from '../core/errors';
import { hasErrorName, isAccessDenied } from './api-calls';
import { type BackoffOptions, type Random, type Sleep, withRetry } from './backoff';

// The core's ASFF shape must be what the SDK sends: this fails to compile if they drift apart.
const asffIsSdkFinding = (f: AsffFinding): AwsSecurityFinding => f;
void asffIsSdkFinding;

const THROTTLING = ['LimitExceededException', 'TooManyRequestsException', 'ThrottlingException'];
const GET_FINDINGS_PAGE = 100;

export const DEFAULT_SECURITY_HUB_RETRY: BackoffOptions = {
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 10_000,
};

export interface SecurityHubOptions {
  readonly sleep?: Sleep;
  readonly random?: Random;
  readonly retry?: BackoffOptions;
}

export function securityHub(client: SecurityHubClient, options: SecurityHubOptions = {}): FindingsHub {
  const call = async <T>(action: string, send: () => Promise<T>): Promise<T> => {
    try {
      return await withRetry(send, {
        ...(options.retry ?? DEFAULT_SECURITY_HUB_RETRY),
        isRetryable: (error) => hasErrorName(error, THROTTLING),
        ...(options.sleep ? { sleep: options.sleep } : {}),
        ...(options.random ? { random: options.random } : {}),
      });
    } catch (error) {
      if (hasErrorName(error, THROTTLING)) {
        throw new SecurityHubThrottledError(
          `${action} kept being throttled after our retries; the run retries the import later`,
          {
            api: action,
            cause: error,
          },
        );
      }
      if (isAccessDenied(error) || hasErrorName(error, ['InvalidAccessException'])) {
        const why = error instanceof Error ? error.message : String(error);
        throw new SecurityHubAccessError(
          `${action} was refused (${why}): enable Security Hub in this region of the audit account and grant the ImportFindings role ${action}, or set securityHub.enabled to false`,
          { api: action, cause: error },
        );
      }
      throw error;
    }
  };

  return {
    async activeFindings(productArn) {
      const findings: StoredAsffFinding[] = [];
      const seen = new Set<string>();
      let token: string | undefined;
      do {
        const page = await call('securityhub:GetFindings', () =>
          client.send(
            new GetFindingsCommand({
              Filters: {
                ProductArn: [{ Value: productArn, Comparison: 'EQUALS' }],
                RecordState: [{ Value: 'ACTIVE', Comparison: 'EQUALS' }],
                GeneratorId: [{ Value: 'org-key-audit/', Comparison: 'PREFIX' }],
              },
              MaxResults: GET_FINDINGS_PAGE,
              NextToken: token,
            }),
          ),
        );
        for (const f of page.Findings ?? []) findings.push(f as unknown as StoredAsffFinding);
        token = page.NextToken || undefined;
        if (token !== undefined) {
          if (seen.has(token)) {
            throw new MalformedDataError(`securityhub:GetFindings returned the token "${token}" twice`, {
              api: 'securityhub:GetFindings',
            });
          }
          seen.add(token);
        }
      } while (token !== undefined);
      return findings;
    },
    async importBatch(findings) {
      const output = await call('securityhub:BatchImportFindings', () =>
        client.send(new BatchImportFindingsCommand({ Findings: findings as AwsSecurityFinding[] })),
      );
      return {
        failed: (output.FailedFindings ?? []).map((f) => ({
          id: f.Id ?? '(no id)',
          code: f.ErrorCode ?? 'Unknown',
          message: f.ErrorMessage ?? '',
        })),
      };
    },
  };
}
