import { SQSClient } from '@aws-sdk/client-sqs';
import { clientSlot, RETRY_CONFIG, regionFromEnv } from './common';

export const sqsClient = clientSlot(() => new SQSClient({ region: regionFromEnv(), ...RETRY_CONFIG }));
