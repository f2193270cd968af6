/**
 * Where the audit keeps its evidence: the one customer-managed KMS key, the report bucket and the
 * bucket its server access logs go to (docs/design.md, "Infrastructure").
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { KEY_ALIAS } from './names';

export interface AuditStorageProps {
  /** Days reports, per-run files and access logs stay in the buckets (config `reportRetentionDays`). */
  readonly reportRetentionDays: number;
}

/**
 * The key encrypts everything else of the audit too (topics, queues, log groups): the AWS-managed
 * SNS/SQS keys cannot grant CloudWatch, EventBridge or Scheduler, which all write to them. Key and
 * buckets are retained when the stack is deleted: reports are audit evidence.
 */
export class AuditStorage extends Construct {
  /** Alias `alias/org-key-audit` (a fixed name: one per account and region). */
  readonly key: Key;
  /** The report bucket's server access logs (S3-managed encryption: logs cannot go to SSE-KMS). */
  readonly accessLogsBucket: Bucket;
  /** `runs/`, `map/` and `reports/` (contracts.md, "S3 layout"); KMS, TLS-only, versioned. */
  readonly reportBucket: Bucket;

  constructor(scope: Construct, id: string, props: AuditStorageProps) {
    super(scope, id);
    const { account, region, partition } = Stack.of(this);

    this.key = new Key(this, 'Key', {
      alias: KEY_ALIAS,
      description: 'org-key-audit: reports, topics, DLQs and logs',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AlarmsPublishToEncryptedTopic',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': account } },
      }),
    );
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'EncryptedLogGroups',
        principals: [new ServicePrincipal(`logs.${region}.amazonaws.com`)],
        actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        resources: ['*'],
        conditions: {
          ArnLike: {
            'kms:EncryptionContext:aws:logs:arn': `arn:${partition}:logs:${region}:${account}:*`,
          },
        },
      }),
    );

    this.accessLogsBucket = new Bucket(this, 'AccessLogsBucket', {
      // Server access logs cannot be delivered to an SSE-KMS bucket.
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      lifecycleRules: [{ expiration: Duration.days(props.reportRetentionDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.reportBucket = new Bucket(this, 'ReportBucket', {
      encryption: BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      enforceSSL: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'report-bucket/',
      lifecycleRules: [
        {
          expiration: Duration.days(props.reportRetentionDays),
          noncurrentVersionExpiration: Duration.days(30),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      // Reports are audit evidence: deleting the stack must not delete them.
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** ARN pattern of the report bucket's objects under `prefix` (e.g. `runs/`). */
  objectsArn(prefix: string): string {
    return this.reportBucket.arnForObjects(`${prefix}*`);
  }
}
