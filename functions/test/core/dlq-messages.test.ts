import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AccountFailureMessageSchema,
  DigestFailureMessageSchema,
  DlqMessageSchema,
  FindingsImportFailureMessageSchema,
  RemediationKeyFailureMessageSchema,
  RemediationRequestFailureMessageSchema,
  RemediationStartFailureMessageSchema,
} from '../../src/core/dlq-messages';
import { parseExecutionInput } from '../../src/core/execution-input';

const ARN = 'arn:aws:states:eu-west-1:111111111111:execution:AuditOrganization:daily-2026-12-01';

const ACCOUNT_FAILURE = {
  kind: 'account-failure',
  executionArn: ARN,
  executionName: 'daily-2026-12-01',
  accountId: '222222222222',
  error: 'AuditRoleMissingError',
  cause: 'AssumeRole was denied',
  rerunInput: { accountIds: ['222222222222'], thresholds: { unusedDays: 30 }, reason: null },
};
const DIGEST_FAILURE = {
  kind: 'digest-failure',
  executionArn: ARN,
  executionName: 'daily-2026-12-01',
  error: 'States.TaskFailed',
  cause: 'SNS publish failed',
  input: { accountIds: null, dryRun: false, thresholds: {}, reason: null },
};
const EXECUTION_FAILURE = {
  kind: 'execution-failure',
  executionArn: ARN,
  status: 'ABORTED',
  error: null,
  cause: null,
};

/** The MessageBody of every sqs:sendMessage state, keyed by its kind. */
function aslBodies(file = 'audit-organization.asl.json'): Map<string, Record<string, unknown>[]> {
  const path = resolve(import.meta.dirname, '../../../statemachine', file);
  const bodies = new Map<string, Record<string, unknown>[]>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    if (typeof node !== 'object' || node === null) return;
    const state = node as Record<string, unknown>;
    if (state['Resource'] === 'arn:aws:states:::sqs:sendMessage') {
      const body = (state['Parameters'] as { MessageBody: Record<string, unknown> }).MessageBody;
      const kind = String(body['kind']);
      bodies.set(kind, [...(bodies.get(kind) ?? []), body]);
    }
    Object.values(state).forEach(walk);
  };
  walk(JSON.parse(readFileSync(path, 'utf8')));
  return bodies;
}

/** `"accountId.$"` is the field accountId, filled in from a path. */
const fieldsOf = (body: Record<string, unknown>) => Object.keys(body).map((k) => k.replace(/\.\$$/, ''));

describe('DLQ message bodies', () => {
  it('name exactly the fields the state machine sends', () => {
    const bodies = aslBodies();
    expect([...bodies.keys()].sort()).toEqual([
      'account-failure',
      'digest-failure',
      'findings-import-failure',
      'remediation-start-failure',
    ]);
    for (const body of bodies.get('remediation-start-failure') ?? []) {
      expect(fieldsOf(body).sort()).toEqual(
        Object.keys(RemediationStartFailureMessageSchema.def.shape).sort(),
      );
      expect(fieldsOf(body['input'] as Record<string, unknown>).sort()).toEqual([
        'input',
        'name',
        'stateMachineArn',
      ]);
    }
    for (const body of bodies.get('account-failure') ?? []) {
      expect(fieldsOf(body).sort()).toEqual(Object.keys(AccountFailureMessageSchema.def.shape).sort());
      expect(fieldsOf(body['rerunInput'] as Record<string, unknown>).sort()).toEqual([
        'accountIds',
        'reason',
        'thresholds',
      ]);
    }
    for (const body of bodies.get('digest-failure') ?? []) {
      expect(fieldsOf(body).sort()).toEqual(Object.keys(DigestFailureMessageSchema.def.shape).sort());
    }
    for (const body of bodies.get('findings-import-failure') ?? []) {
      expect(fieldsOf(body).sort()).toEqual(Object.keys(FindingsImportFailureMessageSchema.def.shape).sort());
      // The input is the ImportFindings event: the fields that function reads.
      expect(fieldsOf(body['input'] as Record<string, unknown>).sort()).toEqual([
        'bucket',
        'executionArn',
        'executionName',
        'reportKey',
      ]);
    }
  });

  it('the deactivation requests name exactly their fields, and retry just one key', () => {
    const bodies = aslBodies('remediate-keys.asl.json');
    expect([...bodies.keys()].sort()).toEqual(['remediation-key-failure', 'remediation-request-failure']);
    for (const body of bodies.get('remediation-key-failure') ?? []) {
      expect(fieldsOf(body).sort()).toEqual(Object.keys(RemediationKeyFailureMessageSchema.def.shape).sort());
      const retry = body['retryInput'] as Record<string, unknown>;
      expect(fieldsOf(retry)).toContain('accessKeyId');
      expect(['retry', 'reactivate']).toContain(retry['action']);
    }
    for (const body of bodies.get('remediation-request-failure') ?? []) {
      expect(fieldsOf(body).sort()).toEqual(
        Object.keys(RemediationRequestFailureMessageSchema.def.shape).sort(),
      );
    }
  });

  it.each([
    ['an account failure', ACCOUNT_FAILURE],
    ['a digest failure', DIGEST_FAILURE],
    ['an execution failure', EXECUTION_FAILURE],
  ])('reads %s as it is sent', (_what, body) => {
    expect(DlqMessageSchema.parse(body)).toEqual(body);
  });

  it('carries a rerunInput that is valid execution input for the failed account', () => {
    const { rerunInput } = AccountFailureMessageSchema.parse(ACCOUNT_FAILURE);
    expect(parseExecutionInput(rerunInput)).toEqual({
      accountIds: ['222222222222'],
      dryRun: false,
      thresholds: { unusedDays: 30 },
      reason: null,
    });
  });

  it('reads a failure whose Cause was left out', () => {
    const { cause: _, ...withoutCause } = ACCOUNT_FAILURE;
    expect(DlqMessageSchema.safeParse(withoutCause).success).toBe(true);
  });

  it.each([
    [
      { ...ACCOUNT_FAILURE, rerunInput: { accountIds: ['42'] } },
      'rerunInput.accountIds.0',
      'must be a 12-digit account id',
    ],
    [
      { ...ACCOUNT_FAILURE, accountId: 222222222222 },
      'accountId',
      'Invalid input: expected string, received number',
    ],
    [
      { ...ACCOUNT_FAILURE, rerunInput: undefined },
      'rerunInput',
      'Invalid input: expected object, received undefined',
    ],
    [
      { ...DIGEST_FAILURE, executionName: undefined },
      'executionName',
      'Invalid input: expected string, received undefined',
    ],
    [
      { ...EXECUTION_FAILURE, status: 'SUCCEEDED' },
      'status',
      'Invalid option: expected one of "FAILED"|"TIMED_OUT"|"ABORTED"',
    ],
  ])('rejects %j at %s', (body, path, message) => {
    const result = DlqMessageSchema.safeParse(body);
    expect(result.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([[path, message]]);
  });

  it('rejects a kind it does not know', () => {
    expect(DlqMessageSchema.safeParse({ ...ACCOUNT_FAILURE, kind: 'scheduler-event' }).success).toBe(false);
  });
});
