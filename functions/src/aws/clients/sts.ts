import { STSClient } from '@aws-sdk/client-sts';
import { clientSlot, RETRY_CONFIG, regionFromEnv } from './common';

// STS in the Lambda's own region: regional endpoints keep working when us-east-1 is impaired.
export const stsClient = clientSlot(() => new STSClient({ region: regionFromEnv(), ...RETRY_CONFIG }));
