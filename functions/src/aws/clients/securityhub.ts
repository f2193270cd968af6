import { SecurityHubClient } from '@aws-sdk/client-securityhub';
import { RETRY_CONFIG } from './common';

/** Security Hub lives in one chosen region (SECURITY_HUB_JSON), not necessarily the function's. */
export function securityHubClientFor(region: string): SecurityHubClient {
  return new SecurityHubClient({ region, ...RETRY_CONFIG });
}
