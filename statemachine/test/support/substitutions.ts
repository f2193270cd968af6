/** Placeholder values for tests: recognisable, well-formed ARNs and URLs. */
export const QUEUES = {
  accountFailures: 'https://sqs.us-east-1.amazonaws.com/000000000000/account-failures',
  digestFailures: 'https://sqs.us-east-1.amazonaws.com/000000000000/digest-failures',
  executionFailures: 'https://sqs.us-east-1.amazonaws.com/000000000000/execution-failures',
} as const;

export const REPORT_BUCKET = 'org-key-audit-reports';

const fn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;

export const SUBSTITUTIONS = {
  ValidateInputFunctionArn: fn('ValidateInput'),
  ListAccountsFunctionArn: fn('ListAccounts'),
  AuditAccountFunctionArn: fn('AuditAccount'),
  BuildDigestFunctionArn: fn('BuildDigest'),
  PublishDigestFunctionArn: fn('PublishDigest'),
  ImportFindingsFunctionArn: fn('ImportFindings'),
  AccountFailuresQueueUrl: QUEUES.accountFailures,
  DigestFailuresQueueUrl: QUEUES.digestFailures,
  ReportBucket: REPORT_BUCKET,
  ChildExecutionType: 'STANDARD',
  RemediationStateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:OrgKeyAuditRemediateKeys',
} as const;
