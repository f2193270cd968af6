import { S3Client } from '@aws-sdk/client-s3';
import { clientSlot, RETRY_CONFIG, regionFromEnv } from './common';

export const s3Client = clientSlot(() => new S3Client({ region: regionFromEnv(), ...RETRY_CONFIG }));
