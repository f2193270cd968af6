/**
 * readStackOutputs and StackResolver against the emulator's CloudFormation: a stack injected with
 * the shared output names (STACK_OUTPUTS, which infra writes) pointing at the emulator's own
 * queues, bucket and topic is read back by the very keys the commands look up.
 */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { type RunningEmulator, startEmulator } from '@org-key-audit/emulator';
import { AUDITOR_STACK_NAME, STACK_OUTPUTS } from '@org-key-audit/statemachine/definition';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OperationError } from '../src/ops/errors';
import {
  DEFAULT_STACK_NAME,
  OUTPUT_KEYS,
  QUEUE_OUTPUTS,
  readStackOutputs,
  StackResolver,
} from '../src/ops/stack';

let emu: RunningEmulator;
let expected: Record<string, string>;

function cfn(): CloudFormationClient {
  return new CloudFormationClient({
    endpoint: emu.url,
    region: emu.region,
    credentials: { accessKeyId: emu.auditor.accessKeyId, secretAccessKey: emu.auditor.secretAccessKey },
    maxAttempts: 1,
  });
}

beforeAll(async () => {
  emu = await startEmulator({ accounts: 3, users: 1 });
  const { resources } = emu;
  // No state machine is registered here: the ARN it would have in the audit account.
  const stateMachineArn = `arn:aws:states:${emu.region}:${emu.auditAccountId}:stateMachine:AuditOrganization`;
  expected = {
    [STACK_OUTPUTS.stateMachineArn]: stateMachineArn,
    [STACK_OUTPUTS.reportBucket]: resources.reportBucket,
    [STACK_OUTPUTS.digestTopic]: resources.digestTopicArn,
    [STACK_OUTPUTS.accountFailuresQueue]: resources.queues.accountFailures,
    [STACK_OUTPUTS.digestFailuresQueue]: resources.queues.digestFailures,
    [STACK_OUTPUTS.executionFailuresQueue]: resources.queues.executionFailures,
    [STACK_OUTPUTS.schedulerDlq]: resources.queues.scheduler,
  };
  emu.cloudFormation.putStack({ name: AUDITOR_STACK_NAME, outputs: expected });
});

afterAll(async () => {
  await emu?.stop();
});

describe('the stack outputs, read from the emulator', () => {
  it('the CLI reads by the shared names: OUTPUT_KEYS is STACK_OUTPUTS, the default stack AUDITOR_STACK_NAME', () => {
    expect(OUTPUT_KEYS).toBe(STACK_OUTPUTS);
    expect(DEFAULT_STACK_NAME).toBe(AUDITOR_STACK_NAME);
  });

  it('readStackOutputs returns every output by its shared name', async () => {
    const outputs = await readStackOutputs(cfn(), DEFAULT_STACK_NAME);
    expect(Object.fromEntries(outputs)).toEqual(expected);
    // The remediation queue is opt-in: this stack is deployed without it.
    for (const [name, key] of QUEUE_OUTPUTS) {
      if (name !== 'remediation-failures') expect(outputs.get(key)).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    }
  });

  it('StackResolver finds each resource by its key, and an explicit flag wins without a call', async () => {
    const stack = new StackResolver(cfn, DEFAULT_STACK_NAME);
    expect(await stack.get(OUTPUT_KEYS.reportBucket, '--report-bucket')).toBe(emu.resources.reportBucket);
    expect(await stack.get(OUTPUT_KEYS.stateMachineArn, '--state-machine', 'arn:explicit')).toBe(
      'arn:explicit',
    );
    expect(await stack.find(OUTPUT_KEYS.chatTopic)).toBeUndefined();
  });

  it('an unknown stack is an OperationError naming it (the emulator answers ValidationError)', async () => {
    const error = await readStackOutputs(cfn(), 'NoSuchStack').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OperationError);
    expect((error as OperationError).message).toContain('"NoSuchStack" does not exist');
    expect(((error as OperationError).cause as Error).name).toBe('ValidationError');
  });
});
