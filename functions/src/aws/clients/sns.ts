import { SNSClient } from '@aws-sdk/client-sns';
import { clientSlot, RETRY_CONFIG, regionFromEnv } from './common';

export const snsClient = clientSlot(() => new SNSClient({ region: regionFromEnv(), ...RETRY_CONFIG }));
