import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { clientSlot, GLOBAL_REGION, RETRY_CONFIG, type TemporaryCredentials } from './common';

export const organizationsClient = clientSlot(
  () => new OrganizationsClient({ region: GLOBAL_REGION, ...RETRY_CONFIG }),
);

/** An Organizations client acting through an assumed role (delegated admin -> management). */
export function organizationsClientWith(credentials: TemporaryCredentials): OrganizationsClient {
  return new OrganizationsClient({ region: GLOBAL_REGION, credentials, ...RETRY_CONFIG });
}
