/**
 * `keyaudit approve | reject | reactivate | requests` against the emulator: real SDK clients over
 * HTTP, the stack's outputs from CloudFormation, the records in the emulator's S3 and the task
 * tokens in its Step Functions. The RemediateKeys machine is a stand-in host that does what
 * docs/remediation.md gives the workflow to do around the CLI: store task.json, wait on the token
 * for the approval timeout, then record outcome.json (and a reactivation's record). The expected
 * values follow from the planted requests, the spec and Step Functions' documented token rules
 * (one answer per token; TaskTimedOut after it closed; an unknown token is refused).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import {
  type ExecutionContext,
  type ExecutionOutcome,
  type RunningEmulator,
  type StateMachineHost,
  startEmulator,
  type TaskTokenResult,
} from '@org-key-audit/emulator';
import { AUDITOR_STACK_NAME, STACK_OUTPUTS } from '@org-key-audit/statemachine/definition';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { register as registerApprove } from '../src/commands/approve';
import { register as registerReactivate } from '../src/commands/reactivate';
import { register as registerReject } from '../src/commands/reject';
import { register as registerRequests } from '../src/commands/requests';
import { OperationError } from '../src/ops/errors';
import { approveRequest, type RemediationContext } from '../src/ops/remediation';
import type { Confirm } from '../src/ops/remediation-command';

const NOW = new Date('2025-03-04T05:00:00.000Z');
const TIMEOUT_SECONDS = 3600;
const NO_REMEDIATION_STACK = 'AuditorWithoutRemediation';
const BIN = resolve(import.meta.dirname, '../bin/keyaudit.js');

let emu: RunningEmulator;
let bucket: string;
let machineArn: string;
let hostS3: S3Client;

// --- the stand-in RemediateKeys workflow --------------------------------------------------------

/** What each request's approval step received: the answer to its token. */
const answers = new Map<string, TaskTokenResult>();
/** Reactivation executions run, per `<request>/<key>`. */
const reactivationRuns = new Map<string, number>();
/** Requests whose timeout the host leaves unrecorded (an outcome not written yet). */
const silentOnTimeout = new Set<string>();
/**
 * Requests whose outcome the host writes only this many ms after the token closed: the window in
 * which a decision reaches a token Step Functions already closed, before anything is recorded.
 */
const slowOutcome = new Map<string, number>();
/** Users whose key the host skips as used since the proposal. */
const BUSY_USER = 'busy';
/** Users whose account has no remediation role: their key fails. */
const ROLELESS_USER = 'roleless';
/** Reactivations the workflow refuses (its plan's reason), recording nothing. */
const refuseReactivation = new Map<string, string>();
/** Reactivations held running until released. */
const heldReactivations = new Map<string, Promise<void>>();

const base = (id: string) => `remediation/requests/${id}`;

async function put(key: string, value: unknown): Promise<void> {
  await hostS3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(value) }));
}

function objectText(key: string): string | undefined {
  return emu.messaging.objects(bucket).get(key)?.toString('utf8');
}

function objectJson<T>(key: string): T {
  const text = objectText(key);
  if (text === undefined) throw new Error(`no ${key}`);
  return JSON.parse(text) as T;
}

interface Key {
  readonly accountId: string;
  readonly userName: string;
  readonly accessKeyId: string;
  readonly type: 'ROTATION_OVERDUE' | 'UNUSED' | 'NEVER_USED';
  readonly days: number;
  readonly thresholdDays: number;
}

const requests = new Map<string, readonly Key[]>();

async function runDeactivation(execution: ExecutionContext, requestId: string, timeoutSeconds: number) {
  const token = `token-${requestId}-${execution.executionArn.length}`;
  const issuedAt = emu.clock.now();
  await put(`${base(requestId)}/task.json`, {
    requestId,
    executionArn: execution.executionArn,
    taskToken: token,
    issuedAt: issuedAt.toISOString(),
    expiresAt: new Date(issuedAt.getTime() + timeoutSeconds * 1000).toISOString(),
  });
  const answer = await execution.waitForTaskToken(token, { timeoutSeconds });
  answers.set(requestId, answer);
  const closedAt = emu.clock.now().toISOString();
  const keys = requests.get(requestId) ?? [];
  let outcome: Record<string, unknown>;
  if ('output' in answer) {
    const approval = JSON.parse(answer.output) as { keys: string[] };
    const outcomes = keys
      .filter((k) => approval.keys.includes(k.accessKeyId))
      .map((k) => ({
        accountId: k.accountId,
        userName: k.userName,
        accessKeyId: k.accessKeyId,
        action: 'deactivate',
        ...(k.userName === BUSY_USER
          ? { outcome: 'skipped', reason: 'used-since-proposal' }
          : k.userName === ROLELESS_USER
            ? {
                outcome: 'failed',
                error: 'RemediationRoleMissingError',
                reason: 'org-key-audit-remediation cannot be assumed',
              }
            : { outcome: 'deactivated', reason: null }),
        at: closedAt,
      }));
    outcome = { status: 'COMPLETED', approval, rejection: null, reason: null, outcomes };
  } else if (answer.error === 'RequestRejected') {
    outcome = {
      status: 'REJECTED',
      approval: null,
      rejection: JSON.parse(answer.cause ?? ''),
      reason: null,
      outcomes: [],
    };
  } else {
    if (silentOnTimeout.has(requestId)) return { status: 'SUCCEEDED' as const, output: '{}' };
    outcome = {
      status: 'EXPIRED',
      approval: null,
      rejection: null,
      reason: 'no decision within the approval timeout',
      outcomes: [],
    };
  }
  const delay = slowOutcome.get(requestId);
  if (delay !== undefined) await new Promise((r) => setTimeout(r, delay));
  await put(`${base(requestId)}/outcome.json`, { schemaVersion: 1, requestId, closedAt, ...outcome });
  return { status: 'SUCCEEDED' as const, output: '{}' };
}

async function runReactivation(input: { requestId: string; accessKeyId: string; requestedBy: unknown }) {
  const id = `${input.requestId}/${input.accessKeyId}`;
  reactivationRuns.set(id, (reactivationRuns.get(id) ?? 0) + 1);
  await heldReactivations.get(input.accessKeyId);
  const refusal = refuseReactivation.get(input.accessKeyId);
  if (refusal !== undefined) {
    return {
      status: 'SUCCEEDED' as const,
      output: JSON.stringify({ ...input, plan: { status: 'REFUSED', keys: [], reason: refusal } }),
    };
  }
  const key = requests.get(input.requestId)?.find((k) => k.accessKeyId === input.accessKeyId);
  await put(`${base(input.requestId)}/reactivations/${input.accessKeyId}.json`, {
    schemaVersion: 1,
    requestId: input.requestId,
    accessKeyId: input.accessKeyId,
    requestedBy: input.requestedBy,
    outcome: {
      accountId: key?.accountId ?? '',
      userName: key?.userName ?? '',
      accessKeyId: input.accessKeyId,
      action: 'reactivate',
      outcome: 'reactivated',
      reason: null,
      at: emu.clock.now().toISOString(),
    },
  });
  return { status: 'SUCCEEDED' as const, output: '{}' };
}

const host: StateMachineHost = {
  name: 'RemediateKeys',
  type: 'STANDARD',
  start: async (execution): Promise<ExecutionOutcome> => {
    const input = JSON.parse(execution.input) as {
      action: string;
      requestId: string;
      accessKeyId: string;
      requestedBy: unknown;
      approvalTimeoutSeconds: number;
    };
    if (input.action === 'reactivate') return runReactivation(input);
    return runDeactivation(execution, input.requestId, input.approvalTimeoutSeconds);
  },
};

// --- planting requests ----------------------------------------------------------------------------

const PAYMENTS = '111111111111';
const ANALYTICS = '222222222222';

function keysOf(prefix: string): Key[] {
  return [
    {
      accountId: PAYMENTS,
      userName: 'alice',
      accessKeyId: `AKIA${prefix}ALICE0001`,
      type: 'ROTATION_OVERDUE',
      days: 400,
      thresholdDays: 365,
    },
    {
      accountId: PAYMENTS,
      userName: 'bob',
      accessKeyId: `AKIA${prefix}BOB000002`,
      type: 'UNUSED',
      days: 200,
      thresholdDays: 180,
    },
    {
      accountId: ANALYTICS,
      userName: BUSY_USER,
      accessKeyId: `AKIA${prefix}BUSY00003`,
      type: 'NEVER_USED',
      days: 40,
      thresholdDays: 30,
    },
  ];
}

function requestDocument(requestId: string, keys: readonly Key[]) {
  const createdAt = emu.clock.now();
  return {
    schemaVersion: 1,
    requestId,
    createdAt: createdAt.toISOString(),
    expiresAt: new Date(createdAt.getTime() + TIMEOUT_SECONDS * 1000).toISOString(),
    approvalTimeoutSeconds: TIMEOUT_SECONDS,
    auditExecutionArn: `arn:aws:states:${emu.region}:${emu.auditAccountId}:execution:AuditOrganization:daily`,
    criteria: { rotationOverdueDays: 365, unusedDays: 180, neverUsedDays: 30 },
    noticeDays: 7,
    keys: keys.map((k) => ({
      accountId: k.accountId,
      accountName: k.accountId === PAYMENTS ? 'payments' : 'analytics',
      userName: k.userName,
      userArn: `arn:aws:iam::${k.accountId}:user/${k.userName}`,
      accessKeyId: k.accessKeyId,
      createdAt: '2024-01-29T00:00:00.000Z',
      lastUsedAt: k.type === 'NEVER_USED' ? null : '2024-08-16T00:00:00.000Z',
      ageDays: k.type === 'NEVER_USED' ? k.days : 400,
      why: [{ type: k.type, days: k.days, thresholdDays: k.thresholdDays }],
      firstReportedAt: '2025-02-01T05:00:00.000Z',
    })),
  };
}

/** Stores the request (as BuildDigest would) and, unless told not to, starts its execution. */
async function plantRequest(
  requestId: string,
  options: { keys?: readonly Key[]; start?: boolean } = {},
): Promise<readonly Key[]> {
  const keys = options.keys ?? keysOf(requestId.slice(-4).toUpperCase());
  requests.set(requestId, keys);
  const doc = requestDocument(requestId, keys);
  await put(`${base(requestId)}/request.json`, doc);
  await put(`remediation/open/${requestId}.json`, {
    requestId,
    status: 'OPEN',
    createdAt: doc.createdAt,
    expiresAt: doc.expiresAt,
    closedAt: null,
    keys: keys.map((k) => ({ accountId: k.accountId, accessKeyId: k.accessKeyId })),
    counts: { deactivated: 0, skipped: 0, failed: 0 },
  });
  if (options.start === false) return keys;
  const sfn = new SFNClient(clientConfig(emu.roleCredentials('OrgKeyAuditAuditor', 'audit')));
  await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: machineArn,
      name: requestId,
      input: JSON.stringify({ action: 'deactivate', requestId, approvalTimeoutSeconds: TIMEOUT_SECONDS }),
    }),
  );
  await until(() => objectText(`${base(requestId)}/task.json`) !== undefined);
  return keys;
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const executionOf = (requestId: string) =>
  `${machineArn.replace(':stateMachine:', ':execution:')}:${requestId}`;

// --- the operator ---------------------------------------------------------------------------------

function clientConfig(credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) {
  return { region: emu.region, endpoint: emu.url, credentials, maxAttempts: 1 };
}

interface Operator {
  readonly ctx: RemediationContext;
  readonly stdout: string[];
  readonly stderr: string[];
  readonly exitCodes: number[];
  /** The caller's ARN as STS reports a role session: arn:aws:sts::<account>:assumed-role/<role>/<session>. */
  readonly arn: string;
}

function operator(session: string, role = 'KeyApprover'): Operator {
  const credentials = emu.roleCredentials(role, session);
  const config = clientConfig(credentials);
  const clients = {
    sfn: new SFNClient(config),
    sqs: new SQSClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
    cloudformation: new CloudFormationClient(config),
  };
  const sts = new STSClient(config);
  const stdout: string[] = [];
  const stderr: string[] = [];
  const exitCodes: number[] = [];
  const ctx: RemediationContext = {
    io: { out: (t) => stdout.push(t), err: (t) => stderr.push(t), color: false },
    clients: () => clients,
    sts: () => sts,
    now: () => emu.clock.now(),
    // Real but short: the host (another task of this process) must get to run meanwhile.
    sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))),
    nonce: () => 'nonce',
    env: {},
    setExitCode: (code) => exitCodes.push(code),
  };
  return {
    ctx,
    stdout,
    stderr,
    exitCodes,
    arn: `arn:aws:sts::${emu.auditAccountId}:assumed-role/${role}/${session}`,
  };
}

interface Run {
  readonly code: number | undefined;
  readonly out: string;
  readonly err: string;
  readonly op: Operator;
}

async function keyaudit(
  args: string[],
  options: { as?: string; role?: string; confirm?: Confirm | null } = {},
): Promise<Run> {
  const op = operator(options.as ?? 'alice', options.role);
  const program = new Command().exitOverride();
  registerApprove(
    program,
    () => op.ctx,
    () => options.confirm ?? null,
  );
  registerReject(program, () => op.ctx);
  registerReactivate(program, () => op.ctx);
  registerRequests(program, () => op.ctx);
  await program.parseAsync(['node', 'keyaudit', ...args]);
  return { code: op.exitCodes.at(-1), out: op.stdout.join('\n'), err: op.stderr.join('\n'), op };
}

/** The calls of one action made since `since` (a seq from emu.calls()). */
function callsSince(since: number, action: string) {
  return emu.calls().filter((c) => c.seq > since && c.action === action);
}
const lastSeq = () => emu.calls().at(-1)?.seq ?? 0;

beforeAll(async () => {
  emu = await startEmulator({
    accounts: 3,
    users: 1,
    now: NOW,
    stepFunctions: { stateMachines: [host] },
    // A viewer may read everything but answer nothing: AccessDenied as Step Functions says it.
    authorize: (call) =>
      call.callerArn.includes(':assumed-role/KeyViewer/') &&
      ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:StartExecution'].includes(call.action)
        ? { allowed: false, message: `User: ${call.callerArn} is not authorized to perform: ${call.action}` }
        : { allowed: true },
  });
  bucket = emu.resources.reportBucket;
  machineArn = emu.stepFunctions.stateMachineArn('RemediateKeys');
  hostS3 = new S3Client({
    ...clientConfig(emu.roleCredentials('RecordRemediation', 'host')),
    forcePathStyle: true,
  });
  const outputs = {
    [STACK_OUTPUTS.stateMachineArn]: `arn:aws:states:${emu.region}:${emu.auditAccountId}:stateMachine:AuditOrganization`,
    [STACK_OUTPUTS.reportBucket]: bucket,
    [STACK_OUTPUTS.accountFailuresQueue]: emu.resources.queues.accountFailures,
  };
  emu.cloudFormation.putStack({
    name: AUDITOR_STACK_NAME,
    outputs: {
      ...outputs,
      [STACK_OUTPUTS.remediationStateMachineArn]: machineArn,
      // The emulator has no remediation DLQ; any queue URL stands in for the output.
      [STACK_OUTPUTS.remediationFailuresQueue]: emu.resources.queues.executionFailures,
    },
  });
  emu.cloudFormation.putStack({ name: NO_REMEDIATION_STACK, outputs });
});

afterAll(async () => {
  await emu?.stop();
});

// --- approve --------------------------------------------------------------------------------------

describe('keyaudit approve', () => {
  it('sends SendTaskSuccess with the approver, the chosen keys and the selection, then --wait prints each outcome', async () => {
    const id = 'dr-20250304-0000a001';
    const [alice, bob, busy] = await plantRequest(id);
    const before = emu.clock.now().getTime();
    const run = await keyaudit([
      'approve',
      id,
      '--except',
      busy!.accessKeyId,
      '--yes',
      '--wait',
      '--timeout',
      '30',
    ]);
    expect(run.code, run.err).toBe(0);

    const answer = answers.get(id);
    expect(answer !== undefined && 'output' in answer).toBe(true);
    const decision = JSON.parse((answer as { output: string }).output);
    const role = emu.state.accounts.get(emu.auditAccountId)?.roles.get('KeyApprover');
    expect(decision).toEqual({
      decision: 'approve',
      requestId: id,
      // STS: a role session's UserId is "<role id>:<session name>".
      approver: { arn: run.op.arn, account: emu.auditAccountId, userId: `${role?.roleId}:alice` },
      approvedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      keys: [alice!.accessKeyId, bob!.accessKeyId],
      only: null,
      except: [busy!.accessKeyId],
    });
    const approvedAt = Date.parse(decision.approvedAt);
    expect(approvedAt).toBeGreaterThanOrEqual(before);
    expect(approvedAt).toBeLessThanOrEqual(emu.clock.now().getTime());

    // The plan shown before sending: masked ids, the reason in words.
    expect(run.err).toContain('2 of 3 key(s) will be deactivated');
    expect(run.err).toContain(`AKIA…0001`);
    expect(run.err).toContain('400 days old (limit 365)');
    expect(run.err).toContain('unused for 200 days (limit 180)');
    expect(run.err).toContain(`approved ${id}: 2 key(s), as ${run.op.arn}`);
    // --wait: the outcome the host recorded, key by key.
    expect(run.out).toContain(`request ${id} COMPLETED`);
    expect(run.out).toContain('2 deactivated, 0 skipped, 0 failed');
    expect(run.out).toMatch(new RegExp(`alice\\s+${alice!.accessKeyId}\\s+deactivated`));
    expect(run.out).toMatch(new RegExp(`bob\\s+${bob!.accessKeyId}\\s+deactivated`));
    expect(run.out).not.toContain(busy!.accessKeyId);
    expect(callsSince(0, 'states:SendTaskSuccess')).toHaveLength(1);
  });

  it('a second approve of a closed request says who approved and when, and sends nothing', async () => {
    const id = 'dr-20250304-0000a001';
    const first = objectJson<{ approval: { approvedAt: string } }>(`${base(id)}/outcome.json`);
    const since = lastSeq();
    const run = await keyaudit(['approve', id, '--yes'], { as: 'bob' });
    expect(run.code).toBe(1);
    const when = first.approval.approvedAt.replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
    expect(run.err).toContain(
      `request ${id} is closed (COMPLETED): it was already approved by ${operator('alice').arn} at ${when}`,
    );
    expect(callsSince(since, 'states:SendTaskSuccess')).toHaveLength(0);
  });

  it('two approvers at once: exactly one decision is taken, the other is told whose', async () => {
    const id = 'dr-20250304-0000a002';
    await plantRequest(id);
    const runs = await Promise.all([
      keyaudit(['approve', id, '--yes'], { as: 'alice' }),
      keyaudit(['approve', id, '--yes'], { as: 'bob' }),
    ]);
    const winners = runs.filter((r) => r.code === 0);
    const losers = runs.filter((r) => r.code !== 0);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(1);
    const winner = winners[0]!;
    const decision = JSON.parse((answers.get(id) as { output: string }).output);
    expect(decision.approver.arn).toBe(winner.op.arn);
    expect(losers[0]!.code).toBe(1);
    expect(losers[0]!.err).toContain(`already approved by ${winner.op.arn}`);
  });

  it('after the approval timeout: Step Functions refuses the token, and the outcome says it expired', async () => {
    const id = 'dr-20250304-0000a003';
    // The approve starts before the workflow has recorded the expiry, and finds it while it looks.
    slowOutcome.set(id, 500);
    await plantRequest(id);
    const since = lastSeq();
    emu.clock.advance((TIMEOUT_SECONDS + 1) * 1000);
    const run = await keyaudit(['approve', id, '--yes']);
    expect(run.code).toBe(1);
    const outcome = objectJson<{ status: string; closedAt: string }>(`${base(id)}/outcome.json`);
    expect(outcome.status).toBe('EXPIRED');
    const when = outcome.closedAt.replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
    expect(run.err).toContain(
      `request ${id} expired on ${when} without a decision; nothing was changed; the next audit proposes the keys again`,
    );
    // The token was refused by Step Functions, not answered.
    expect(answers.get(id)).toEqual({ error: 'States.Timeout', cause: expect.any(String) });
    expect(callsSince(since, 'states:SendTaskSuccess').map((c) => c.outcome)).toEqual(['error']);
  });

  it('a token refused before any outcome is recorded: "no longer waiting"', async () => {
    const id = 'dr-20250304-0000a004';
    silentOnTimeout.add(id);
    await plantRequest(id);
    emu.clock.advance((TIMEOUT_SECONDS + 1) * 1000);
    const error = await approveRequest(operator('alice').ctx, { requestId: id, outcomeGraceMs: 200 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OperationError);
    expect((error as Error).message).toContain(
      'the request is no longer waiting (answered moments ago or expired',
    );
    expect((error as Error).message).toContain('its approval window ended');
  });

  it('a forged or unknown token in task.json: Step Functions refuses it, nothing changes', async () => {
    for (const [id, token] of [
      ['dr-20250304-0000a005', 'AAAAforged-but-printable-token'],
      // Outside the token alphabet (a space): InvalidToken rather than TaskDoesNotExist.
      ['dr-20250304-0000a006', 'not a token'],
    ] as const) {
      await plantRequest(id, { start: false });
      await put(`${base(id)}/task.json`, {
        requestId: id,
        executionArn: executionOf(id),
        taskToken: token,
        issuedAt: NOW.toISOString(),
        expiresAt: new Date(emu.clock.now().getTime() + 3_600_000).toISOString(),
      });
      const run = await keyaudit(['approve', id, '--yes']);
      expect(run.code).toBe(1);
      expect(run.err).toContain(
        'the stored task token is not one Step Functions knows: the request was not started by this deployment or task.json was tampered with; nothing was changed',
      );
      expect(run.err).not.toContain(token);
    }
  });

  it('--only / --except with a key the request does not hold: refused, naming it and listing the keys; nothing sent', async () => {
    const id = 'dr-20250304-0000a007';
    const [alice] = await plantRequest(id);
    const since = lastSeq();
    const unknown = 'AKIAIOSFODNN7EXAMPLE';
    for (const flag of ['--only', '--except']) {
      const run = await keyaudit(['approve', id, flag, alice!.accessKeyId, unknown, '--yes']);
      expect(run.code).toBe(1);
      expect(run.err).toContain(`${flag} names a key that request ${id} does not hold: ${unknown}`);
      // The request's keys, masked: the first and last four characters of each.
      expect(run.err).toContain(
        'AKIA…0001 (alice in 111111111111), AKIA…0002 (bob in 111111111111), AKIA…0003 (busy in 222222222222)',
      );
    }
    const both = await keyaudit(['approve', id, '--only', alice!.accessKeyId, '--except', unknown, '--yes']);
    expect(both.code).toBe(1);
    expect(both.err).toContain('--only and --except cannot be combined');
    const all = requests.get(id)!.map((k) => k.accessKeyId);
    const none = await keyaudit(['approve', id, '--except', all.join(','), '--yes']);
    expect(none.code).toBe(1);
    expect(none.err).toContain(`use keyaudit reject ${id}`);
    expect(callsSince(since, 'states:SendTaskSuccess')).toHaveLength(0);
    expect(callsSince(since, 'sts:GetCallerIdentity')).toHaveLength(0);
    expect(objectText(`${base(id)}/outcome.json`)).toBeUndefined();
  });

  it('asks on a terminal; no answer, a "no" or no terminal without --yes sends nothing', async () => {
    const id = 'dr-20250304-0000a008';
    const [alice] = await plantRequest(id);
    const since = lastSeq();
    const noTerminal = await keyaudit(['approve', id]);
    expect(noTerminal.code).toBe(1);
    expect(noTerminal.err).toContain('stdin is not a terminal: add --yes');
    const questions: string[] = [];
    const declined = await keyaudit(['approve', id], {
      confirm: async (q) => {
        questions.push(q);
        return false;
      },
    });
    expect(declined.code).toBe(1);
    expect(declined.err).toContain('Not approved.');
    expect(questions).toEqual(['Deactivate these 3 key(s)? [y/N] ']);
    expect(callsSince(since, 'states:SendTaskSuccess')).toHaveLength(0);

    const accepted = await keyaudit(['approve', id, '--only', alice!.accessKeyId, '--json'], {
      confirm: async () => true,
    });
    expect(accepted.code, accepted.err).toBe(0);
    const printed = JSON.parse(accepted.out);
    expect(printed).toMatchObject({ requestId: id, executionArn: executionOf(id) });
    expect(printed.decision).toMatchObject({
      keys: [alice!.accessKeyId],
      only: [alice!.accessKeyId],
      except: null,
    });
    expect(JSON.parse((answers.get(id) as { output: string }).output)).toEqual(printed.decision);
  });

  it('the request missing, or not yet at its approval step: named, with where it looked', async () => {
    const missing = await keyaudit(['approve', 'dr-20250304-0000dead', '--yes']);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(
      `no deactivation request dr-20250304-0000dead in s3://${bucket}/remediation/requests/dr-20250304-0000dead/request.json`,
    );
    const id = 'dr-20250304-0000a009';
    await plantRequest(id, { start: false });
    const early = await keyaudit(['approve', id, '--yes']);
    expect(early.code).toBe(1);
    expect(early.err).toContain(
      `the request has not reached its approval step yet (or failed); see execution ${executionOf(id)}`,
    );
    const badId = await keyaudit(['approve', 'daily-20250304', '--yes']);
    expect(badId.code).toBe(1);
    expect(badId.err).toContain("'daily-20250304' is not a deactivation request id");
  });

  it('without the remediation outputs: remediation is not enabled in that stack', async () => {
    const run = await keyaudit(['approve', 'dr-20250304-0000a001', '--yes', '--stack', NO_REMEDIATION_STACK]);
    expect(run.code).toBe(1);
    expect(run.err).toContain(
      `remediation is not enabled in stack ${NO_REMEDIATION_STACK}: set remediation.enabled in the config and deploy (docs/remediation.md)`,
    );
  });

  it('a caller without states:SendTaskSuccess is told exactly that permission, and the request still waits', async () => {
    const id = 'dr-20250304-0000a010';
    await plantRequest(id);
    const run = await keyaudit(['approve', id, '--yes'], { as: 'carol', role: 'KeyViewer' });
    expect(run.code).toBe(1);
    expect(run.err).toContain(
      `${run.op.arn} may not answer the approval: it needs states:SendTaskSuccess on the RemediateKeys state machine ${machineArn}`,
    );
    expect(answers.has(id)).toBe(false);
  });
});

describe('keyaudit approve --wait', () => {
  it('exits 2 when some keys failed, with the error of each; a failed key cannot be reactivated', async () => {
    const id = 'dr-20250304-0000a011';
    const [alice, , busy] = keysOf('A011');
    const roleless = { ...busy!, userName: ROLELESS_USER };
    await plantRequest(id, { keys: [alice!, roleless] });
    const run = await keyaudit(['approve', id, '--yes', '--wait', '--timeout', '30']);
    expect(run.code, run.err).toBe(2);
    expect(run.out).toContain('1 deactivated, 0 skipped, 1 failed');
    expect(run.out).toContain(
      'failed (RemediationRoleMissingError: org-key-audit-remediation cannot be assumed)',
    );
    const reactivate = await keyaudit(['reactivate', id, '--key', roleless.accessKeyId]);
    expect(reactivate.code).toBe(1);
    expect(reactivate.err).toContain(
      `key ${roleless.accessKeyId} was not deactivated by request ${id}: its deactivation failed (RemediationRoleMissingError: org-key-audit-remediation cannot be assumed)`,
    );
  });
});

// --- reject ---------------------------------------------------------------------------------------

describe('keyaudit reject', () => {
  it('needs a reason of 1-256 characters; sends nothing without one', async () => {
    const id = 'dr-20250304-0000b001';
    await plantRequest(id);
    const since = lastSeq();
    const none = await keyaudit(['reject', id]);
    expect(none.code).toBe(1);
    expect(none.err).toContain('reject needs --reason');
    const blank = await keyaudit(['reject', id, '--reason', '   ']);
    expect(blank.code).toBe(1);
    const long = await keyaudit(['reject', id, '--reason', 'x'.repeat(257)]);
    expect(long.code).toBe(1);
    expect(long.err).toContain('--reason is 257 characters; keep it to 256');
    expect(callsSince(since, 'states:SendTaskFailure')).toHaveLength(0);
  });

  it('sends SendTaskFailure RequestRejected with the rejection as cause; the request then reads REJECTED', async () => {
    const id = 'dr-20250304-0000b001';
    const run = await keyaudit(['reject', id, '--reason', 'CI keys, rotation planned in SEC-142'], {
      as: 'dave',
    });
    expect(run.code, run.err).toBe(0);
    expect(run.out).toContain(`rejected ${id} as ${run.op.arn}`);
    const answer = answers.get(id) as { error: string; cause: string };
    expect(answer.error).toBe('RequestRejected');
    expect(JSON.parse(answer.cause)).toMatchObject({
      decision: 'reject',
      requestId: id,
      approver: { arn: run.op.arn, account: emu.auditAccountId },
      reason: 'CI keys, rotation planned in SEC-142',
    });
    await emu.stepFunctions.settled(executionOf(id));
    const again = await keyaudit(['approve', id, '--yes']);
    expect(again.code).toBe(1);
    expect(again.err).toContain(`was rejected by ${run.op.arn}`);
    expect(again.err).toContain('"CI keys, rotation planned in SEC-142"');
  });
});

// --- reactivate -----------------------------------------------------------------------------------

describe('keyaudit reactivate', () => {
  const id = 'dr-20250304-0000c001';
  let keys: readonly Key[];

  beforeAll(async () => {
    keys = await plantRequest(id);
    const approve = await keyaudit(['approve', id, '--yes', '--wait', '--timeout', '30']);
    // busy's key is skipped by the workflow (used since the proposal): 2 deactivated, 1 skipped.
    expect(approve.out).toContain('2 deactivated, 1 skipped, 0 failed');
  });

  it('refuses a key the request skipped, one it does not hold, and a request that changed nothing yet', async () => {
    const since = lastSeq();
    const skipped = await keyaudit(['reactivate', id, '--key', keys[2]!.accessKeyId]);
    expect(skipped.code).toBe(1);
    expect(skipped.err).toContain(
      `key ${keys[2]!.accessKeyId} was not deactivated by request ${id}: it was skipped (used-since-proposal)`,
    );
    const stranger = await keyaudit(['reactivate', id, '--key', 'AKIAIOSFODNN7EXAMPLE']);
    expect(stranger.code).toBe(1);
    expect(stranger.err).toContain(`key AKIAIOSFODNN7EXAMPLE is not in request ${id}`);
    const open = 'dr-20250304-0000c002';
    const [openKey] = await plantRequest(open);
    const early = await keyaudit(['reactivate', open, '--key', openKey!.accessKeyId]);
    expect(early.code).toBe(1);
    expect(early.err).toContain(`request ${open} has not deactivated anything yet`);
    expect(callsSince(since, 'states:StartExecution')).toHaveLength(1); // only plantRequest's
  });

  it('starts one reactivation per key; a second one shows the first and starts nothing', async () => {
    const key = keys[0]!.accessKeyId;
    const first = await keyaudit(['reactivate', id, '--key', key, '--wait', '--timeout', '30'], {
      as: 'erin',
    });
    expect(first.code, first.err).toBe(0);
    expect(first.out).toContain(`key ${key} (alice in ${PAYMENTS}): reactivated`);
    const execution = emu.stepFunctions.executions(machineArn).find((e) => e.name === `ra-${id}-${key}`);
    expect(JSON.parse(execution?.input ?? '{}')).toEqual({
      action: 'reactivate',
      requestId: id,
      accessKeyId: key,
      requestedBy: expect.objectContaining({ arn: first.op.arn, account: emu.auditAccountId }),
    });

    const second = await keyaudit(['reactivate', id, '--key', key], { as: 'frank' });
    expect(second.code, second.err).toBe(0);
    expect(second.out).toContain(`key ${key} was already reactivated by ${first.op.arn}`);
    expect(second.out).toContain('nothing new was started');
    expect(reactivationRuns.get(`${id}/${key}`)).toBe(1);
  });
});

describe('keyaudit reactivate, the workflow side', () => {
  it('a reactivation the workflow refuses ends with its reason and a non-zero exit', async () => {
    const id = 'dr-20250304-0000c001';
    const key = requests.get(id)![1]!.accessKeyId;
    refuseReactivation.set(key, 'key-replaced: the key was created again since it was deactivated');
    const run = await keyaudit(['reactivate', id, '--key', key, '--wait', '--timeout', '30']);
    expect(run.code).toBe(1);
    expect(run.err).toContain(
      `the reactivation of ${key} (execution ${executionOf(`ra-${id}-${key}`)}) ended SUCCEEDED without recording a reactivation: REFUSED: key-replaced: the key was created again since it was deactivated`,
    );
  });

  it('while one runs, a second caller is told so and starts nothing new', async () => {
    const id = 'dr-20250304-0000c003';
    const [key] = await plantRequest(id);
    expect((await keyaudit(['approve', id, '--yes', '--wait', '--timeout', '30'])).code).toBe(0);
    let release: () => void = () => undefined;
    heldReactivations.set(
      key!.accessKeyId,
      new Promise<void>((r) => {
        release = r;
      }),
    );
    const execution = executionOf(`ra-${id}-${key!.accessKeyId}`);
    const first = await keyaudit(['reactivate', id, '--key', key!.accessKeyId], { as: 'erin' });
    expect(first.code, first.err).toBe(0);
    expect(first.out).toBe(execution);
    // Another caller is another input: Step Functions refuses the name instead of answering the same execution.
    const second = await keyaudit(['reactivate', id, '--key', key!.accessKeyId, '--json'], { as: 'frank' });
    expect(second.code, second.err).toBe(0);
    expect(second.err).toContain(`a reactivation of ${key!.accessKeyId} is already running: ${execution}`);
    expect(JSON.parse(second.out)).toMatchObject({ kind: 'exists', earlier: null, status: 'RUNNING' });
    release();
    expect((await emu.stepFunctions.settled(execution)).status).toBe('SUCCEEDED');
    expect(reactivationRuns.get(`${id}/${key!.accessKeyId}`)).toBe(1);
  });
});

// --- requests -------------------------------------------------------------------------------------

describe('keyaudit requests', () => {
  it('lists the markers, newest first, an open one past its expiry as EXPIRED', async () => {
    const stale = 'dr-20250101-0000d001';
    await put(`remediation/open/${stale}.json`, {
      requestId: stale,
      status: 'OPEN',
      createdAt: '2025-01-01T05:00:00.000Z',
      expiresAt: '2025-01-08T05:00:00.000Z',
      closedAt: null,
      keys: [{ accountId: PAYMENTS, accessKeyId: 'AKIAOLDKEY0000000001' }],
      counts: { deactivated: 0, skipped: 0, failed: 0 },
    });
    const run = await keyaudit(['requests', '--json']);
    expect(run.code, run.err).toBe(0);
    const { requests: rows } = JSON.parse(run.out) as {
      requests: { requestId: string; status: string; markerStatus: string; keys: number }[];
    };
    expect(rows.find((r) => r.requestId === stale)).toMatchObject({
      status: 'EXPIRED',
      markerStatus: 'OPEN',
      keys: 1,
    });
    expect(rows.at(-1)?.requestId).toBe(stale);
    expect(rows.find((r) => r.requestId === 'dr-20250304-0000a007')).toMatchObject({
      markerStatus: 'OPEN',
      keys: 3,
    });
    const text = await keyaudit(['requests']);
    expect(text.out).toMatch(/dr-20250101-0000d001\s+EXPIRED\*/);
  });

  it('one request: keys with their outcome and reason, the approver, the reactivations; never the token', async () => {
    const id = 'dr-20250304-0000c001';
    const run = await keyaudit(['requests', id, '--json']);
    expect(run.code, run.err).toBe(0);
    const view = JSON.parse(run.out);
    const keys = requests.get(id)!;
    expect(view.status).toBe('COMPLETED');
    expect(view.outcome.approval.approver.arn).toBe(operator('alice').arn);
    expect(
      view.keys.map((k: { accessKeyId: string; outcome: string; reason: string | null }) => [
        k.accessKeyId,
        k.outcome,
        k.reason,
      ]),
    ).toEqual([
      [keys[0]!.accessKeyId, 'deactivated', null],
      [keys[1]!.accessKeyId, 'deactivated', null],
      [keys[2]!.accessKeyId, 'skipped', 'used-since-proposal'],
    ]);
    expect(view.keys[0].reactivation.outcome).toBe('reactivated');
    expect(view.reactivations).toHaveLength(1);
    const token = objectJson<{ taskToken: string }>(`${base(id)}/task.json`).taskToken;
    expect(run.out).not.toContain(token);

    const text = await keyaudit(['requests', id]);
    expect(text.out).toContain(`request ${id}: COMPLETED`);
    expect(text.out).toContain(`approved by ${operator('alice').arn}`);
    expect(text.out).toMatch(new RegExp(`busy\\s+${keys[2]!.accessKeyId}.*skipped: used-since-proposal`));
    expect(text.out).not.toContain(token);
  });

  it('an open request shows it waits, and how to decide', async () => {
    const id = 'dr-20250304-0000a007';
    const run = await keyaudit(['requests', id]);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toContain(`request ${id}: AWAITING_APPROVAL`);
    expect(run.err).toContain(`keyaudit approve ${id}`);
  });
});

// --- the binary -----------------------------------------------------------------------------------

function binary(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const credentials = emu.roleCredentials('KeyApprover', 'alice');
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: {
        ...process.env,
        NO_COLOR: '1',
        AWS_ENDPOINT_URL: emu.url,
        AWS_REGION: emu.region,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_SESSION_TOKEN: credentials.sessionToken,
      },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d) => {
      stderr += String(d);
    });
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end();
  });
}

describe('the keyaudit binary', () => {
  it('registers the commands: approve from a pipe refuses without --yes; requests lists', async () => {
    const id = 'dr-20250304-0000a007';
    const since = lastSeq();
    const approve = await binary(['approve', id]);
    expect(approve.code).toBe(1);
    expect(approve.stderr).toContain('stdin is not a terminal: add --yes');
    expect(callsSince(since, 'states:SendTaskSuccess')).toHaveLength(0);
    const list = await binary(['requests']);
    expect(list.code, list.stderr).toBe(0);
    // The binary's clock is the machine's, not the emulator's: past the planted expiry, the marker
    // still OPEN reads as expired.
    const { expiresAt } = objectJson<{ expiresAt: string }>(`remediation/open/${id}.json`);
    expect(list.stdout).toMatch(
      new RegExp(`${id}\\s+${Date.now() >= Date.parse(expiresAt) ? 'EXPIRED\\*' : 'OPEN'}`),
    );
  }, 60_000);
});
