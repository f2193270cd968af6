/**
 * `keyaudit demo --remediation`: approval-gated deactivation (docs/remediation.md) end to end on
 * the in-process emulator. A small planted organization is audited twice, 8 days apart, so the
 * keys first reported on the first day have had their notice; the second audit proposes them
 * and starts RemediateKeys, hosted by the emulator's Step Functions over the real ASL and
 * handlers. Then the security engineer's side runs through the very operations `keyaudit
 * approve` and `keyaudit reactivate` use, signed as an approver role of the audit account.
 *
 * What should happen to each key follows from the planted ages (DEMO_REMEDIATION_USERS), not from
 * the product's output, and the key statuses shown are read from the emulator's IAM state, so
 * the narrative can be checked against what the product did.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SFNClient } from '@aws-sdk/client-sfn';
import {
  REMEDIATE_KEY_ROLE_NAME,
  REMEDIATION_ROLE_NAME,
  type RunningEmulator,
  startEmulator,
} from '@org-key-audit/emulator';
import {
  DEFAULT_REMEDIATION,
  type DeactivationRequest,
  maskAccessKeyId,
  type ProposalReason,
  type ReactivationRecord,
  type Report,
  remediationKeys,
} from '@org-key-audit/functions/core';
import {
  AUDITOR_STACK_NAME,
  buildClients,
  buildRemediationTasks,
  type Connection,
  type HostRemediationOptions,
  type LocalAuditClients,
  type LocalAuditOptions,
  REMEDIATION_STATE_MACHINE_NAME,
  remediateKeysHost,
  runLocalAudit,
  STACK_OUTPUTS,
} from '@org-key-audit/statemachine';
import { defaultContext } from '../ops/context';
import { OperationError } from '../ops/errors';
import { EXIT, formatTable, type Io, paint } from '../ops/output';
import {
  approveRequest,
  describeRequest,
  type RemediationContext,
  reactivateKey,
  resolveTarget,
  waitForOutcome,
  waitForReactivation,
} from '../ops/remediation';
import { formatKeyOutcomes, formatTime, outcomeCounts } from '../ops/remediation-format';
import { progressReporter } from './progress';
import { runReport } from './report-files';

const DAY_MS = 86_400_000;
/** Past the default 7 days' notice, so the keys reported by the first audit are due by the second. */
export const DEMO_REMEDIATION_GAP_DAYS = 8;
/** The security engineer who approves: a role of the audit account, not one of the deployment's. */
export const DEMO_APPROVER = { roleName: 'secops-approver', sessionName: 'demo-approver' } as const;

export const DEMO_ACCOUNTS = {
  management: '111111111111',
  audit: '222222222222',
  prod: '333333333333',
  staging: '444444444444',
} as const;

/**
 * The planted IAM users and what the demo does with each (ages on the first audit's day; by the
 * second each key is DEMO_REMEDIATION_GAP_DAYS older). `role` is the demo's plan, which the
 * test and the narrative reason from.
 */
export const DEMO_REMEDIATION_USERS = [
  // 400 days old on the second day: proposed (ROTATION_OVERDUE ≥ 365); deactivated, then reactivated.
  { account: 'prod', name: 'alice', key: { ageDays: 392, lastUsedDaysAgo: 22 }, role: 'reactivated' },
  // 45 days old and never used on the second day: proposed (NEVER_USED ≥ 30); deactivated.
  { account: 'prod', name: 'bob', key: { ageDays: 37, lastUsedDaysAgo: null }, role: 'deactivated' },
  // Unused for 200 days on the second day: proposed (UNUSED ≥ 180); the approver leaves it out.
  { account: 'prod', name: 'carol', key: { ageDays: 242, lastUsedDaysAgo: 192 }, role: 'excepted' },
  // Unused for 258 days on the second day: proposed, but used between proposal and approval: skipped.
  { account: 'staging', name: 'erin', key: { ageDays: 300, lastUsedDaysAgo: 250 }, role: 'skipped' },
  // 508 days old, unused for 408, but exempted by its tag: never proposed.
  { account: 'prod', name: 'dave', key: { ageDays: 500, lastUsedDaysAgo: 400 }, role: 'exempted' },
  // In use and 108 days old: a rotation finding, far from any deactivation criterion.
  { account: 'prod', name: 'frank', key: { ageDays: 100, lastUsedDaysAgo: 1 }, role: 'untouched' },
  // 363 days old on the second day: 365 two days later, so announced for that day.
  { account: 'staging', name: 'grace', key: { ageDays: 355, lastUsedDaysAgo: 1 }, role: 'announced' },
] as const;

export type DemoKeyRole = (typeof DEMO_REMEDIATION_USERS)[number]['role'];

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The organization, with the exemption running well past the demo's days. */
function demoOrgSpec(firstDayMs: number) {
  const until = day(firstDayMs + 400 * DAY_MS);
  const usersOf = (account: keyof typeof DEMO_ACCOUNTS) =>
    DEMO_REMEDIATION_USERS.filter((u) => u.account === account).map((u) => ({
      name: u.name,
      ...(u.role === 'exempted'
        ? { tags: { 'org-key-audit:exempt': `vendor integration until=${until}` } }
        : {}),
      keys: [u.key],
    }));
  return {
    now: new Date(firstDayMs).toISOString(),
    accounts: [
      { id: DEMO_ACCOUNTS.management, name: 'management' },
      { id: DEMO_ACCOUNTS.audit, name: 'audit' },
      {
        id: DEMO_ACCOUNTS.prod,
        name: 'prod',
        // Never proposed: deactivation is for IAM users' keys, never the root user's.
        rootKeys: [{ ageDays: 600, lastUsedDaysAgo: 100 }],
        users: usersOf('prod'),
      },
      { id: DEMO_ACCOUNTS.staging, name: 'staging', users: usersOf('staging') },
    ],
  };
}

export interface DemoKeyRef {
  readonly accountId: string;
  readonly userName: string;
  readonly accessKeyId: string;
}

export interface RemediationDemoSummary {
  readonly requestId: string;
  readonly auditDays: readonly [string, string];
  readonly criteria: DeactivationRequest['criteria'];
  readonly noticeDays: number;
  readonly approver: string;
  readonly proposed: readonly (DemoKeyRef & { readonly why: readonly ProposalReason[] })[];
  readonly announced: readonly (DemoKeyRef & { readonly proposedOn: string })[];
  readonly excepted: readonly DemoKeyRef[];
  readonly approved: readonly DemoKeyRef[];
  readonly deactivated: readonly DemoKeyRef[];
  readonly skipped: readonly (DemoKeyRef & { readonly reason: string })[];
  readonly failed: readonly DemoKeyRef[];
  readonly reactivated: readonly DemoKeyRef[];
  /** Every planted user's key, as the emulator's IAM holds it at each step. */
  readonly keys: readonly (DemoKeyRef & {
    readonly plan: DemoKeyRole;
    readonly afterAudit: string;
    readonly afterApproval: string;
    readonly afterReactivation: string;
  })[];
}

export interface RemediationDemoOptions {
  readonly out: string;
  /** Print the summary (remediation-demo.json) instead of the narrative. */
  readonly json: boolean;
}

export interface RemediationDemoResult {
  readonly exitCode: number;
  readonly executionName: string;
  readonly status: 'SUCCEEDED' | 'FAILED';
  readonly output: unknown;
  readonly files: readonly string[];
  readonly remediation: RemediationDemoSummary | null;
}

/** How often the demo's operator looks again: everything is local, there is nothing to wait out. */
const LOCAL_POLL_MS = 50;

export async function runRemediationDemo(
  options: RemediationDemoOptions,
  io: Io,
  isTty: boolean,
): Promise<RemediationDemoResult> {
  // 09:00 UTC today: a demo started near midnight must not see its keys' ages shift by a day
  // while it runs.
  const todayMs = Date.parse(`${day(Date.now())}T09:00:00.000Z`);
  const firstDayMs = todayMs - DEMO_REMEDIATION_GAP_DAYS * DAY_MS;

  // The RemediateKeys host needs the clients, which need the emulator's URL: set once it listens.
  let remediation: HostRemediationOptions | null = null;
  const host = remediateKeysHost(() => {
    if (remediation === null) throw new Error('the demo has not set up remediation yet');
    return remediation;
  });
  const emulator = await startEmulator({
    orgSpec: demoOrgSpec(firstDayMs),
    remediationRole: true,
    stepFunctions: { stateMachines: [host] },
  });
  const connection = (credentials: Connection['credentials']): Connection => ({
    region: emulator.region,
    endpoint: emulator.url,
    credentials,
  });
  // The member audit roles trust the auditor role; the member remediation roles trust only
  // RemediateKey's role, so its calls must be signed as that role or every key fails.
  const auditor = buildClients(connection(emulator.auditor));
  const remediator = buildClients(
    connection(emulator.roleCredentials(REMEDIATE_KEY_ROLE_NAME, REMEDIATE_KEY_ROLE_NAME)),
  );
  const approverCredentials = emulator.roleCredentials(DEMO_APPROVER.roleName, DEMO_APPROVER.sessionName);
  const approver = buildClients(connection(approverCredentials));
  // buildClients always makes one; its type leaves it optional for callers that pass their own.
  const approverSfn = approver.sfn ?? new SFNClient(connection(approverCredentials));
  const cloudformation = new CloudFormationClient({
    region: emulator.region,
    endpoint: emulator.url,
    credentials: approverCredentials,
  });
  remediation = {
    tasks: buildRemediationTasks(
      {
        reportBucket: emulator.resources.reportBucket,
        digestTopicArn: emulator.resources.digestTopicArn,
        auditRoleName: emulator.roleName,
        remediationRoleName: emulator.remediationRoleName ?? REMEDIATION_ROLE_NAME,
        now: () => emulator.clock.now(),
      },
      { recordRemediation: auditor, checkKey: auditor, remediateKey: remediator },
    ),
    sqs: auditor.sqs,
    remediationFailuresQueueUrl: emulator.resources.queues.remediationFailures,
    now: () => emulator.clock.now(),
    retryDelayMs: 1,
  };
  try {
    putRemediationStack(emulator);
    const ctx: RemediationContext = {
      ...defaultContext({
        io,
        clients: () => ({ sfn: approverSfn, sqs: approver.sqs, s3: approver.s3, cloudformation }),
        // Decisions are stamped on the emulator's clock, the one the request's dates are on.
        now: () => emulator.clock.now(),
        sleep: (ms) => new Promise((done) => setTimeout(done, Math.min(ms, LOCAL_POLL_MS))),
        setExitCode: () => {},
      }),
      sts: () => approver.sts,
    };
    return await demonstrate(emulator, auditor, ctx, options, io, isTty);
  } finally {
    for (const clients of [auditor, remediator, approver]) destroyClients(clients);
    cloudformation.destroy();
    await emulator.stop();
  }
}

function destroyClients(clients: LocalAuditClients): void {
  for (const client of Object.values(clients)) {
    if (typeof client === 'object' && client !== null && 'destroy' in client) client.destroy();
  }
}

/** The auditor stack's outputs with remediation enabled: what `keyaudit approve` looks up. */
function putRemediationStack(emulator: RunningEmulator): void {
  const { resources } = emulator;
  emulator.cloudFormation.putStack({
    name: AUDITOR_STACK_NAME,
    outputs: {
      [STACK_OUTPUTS.stateMachineArn]: `arn:aws:states:${emulator.region}:${emulator.auditAccountId}:stateMachine:AuditOrganization`,
      [STACK_OUTPUTS.reportBucket]: resources.reportBucket,
      [STACK_OUTPUTS.digestTopic]: resources.digestTopicArn,
      [STACK_OUTPUTS.accountFailuresQueue]: resources.queues.accountFailures,
      [STACK_OUTPUTS.digestFailuresQueue]: resources.queues.digestFailures,
      [STACK_OUTPUTS.executionFailuresQueue]: resources.queues.executionFailures,
      [STACK_OUTPUTS.schedulerDlq]: resources.queues.scheduler,
      [STACK_OUTPUTS.remediationStateMachineArn]: emulator.stepFunctions.stateMachineArn(
        REMEDIATION_STATE_MACHINE_NAME,
      ),
      [STACK_OUTPUTS.remediationFailuresQueue]: resources.queues.remediationFailures,
    },
  });
}

function stamp(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14);
}

/** From the `DEACTIVATION` heading to the blank line that closes the section. */
export function deactivationSection(digest: string): string | null {
  const lines = digest.split('\n');
  const start = lines.findIndex((l) => l.startsWith('DEACTIVATION'));
  if (start === -1) return null;
  const end = lines.findIndex((l, i) => i > start && l.trim() === '');
  return lines.slice(start, end === -1 ? undefined : end).join('\n');
}

async function demonstrate(
  emulator: RunningEmulator,
  auditor: LocalAuditClients,
  ctx: RemediationContext,
  options: RemediationDemoOptions,
  io: Io,
  isTty: boolean,
): Promise<RemediationDemoResult> {
  const { resources } = emulator;
  const settings = { ...DEFAULT_REMEDIATION, enabled: true };
  const say = (text: string) => {
    if (!options.json) io.out(text);
  };
  const gap = () => say('');
  const object = (key: string) =>
    emulator.messaging.objects(resources.reportBucket).get(key)?.toString('utf8');
  const admin = (path: string, method: string, body?: unknown) => {
    const answer = emulator.admin(path, method, body);
    if (answer.status !== 200) throw new Error(`${method} ${path}: ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const planted = DEMO_REMEDIATION_USERS.map((u) => {
    const accountId = DEMO_ACCOUNTS[u.account];
    const key = emulator.state.accounts.get(accountId)?.users.find((x) => x.userName === u.name)?.keys[0];
    if (key === undefined) throw new Error(`the demo organization has no key of ${u.name}`);
    return { accountId, userName: u.name, accessKeyId: key.accessKeyId, plan: u.role };
  });
  const plantedAs = (role: DemoKeyRole) => planted.filter((k) => k.plan === role);
  const statusOf = (k: DemoKeyRef) =>
    emulator.state.accounts
      .get(k.accountId)
      ?.users.find((u) => u.userName === k.userName)
      ?.keys.find((x) => x.accessKeyId === k.accessKeyId)?.status ?? 'gone';
  const ref = (k: DemoKeyRef): DemoKeyRef => ({
    accountId: k.accountId,
    userName: k.userName,
    accessKeyId: k.accessKeyId,
  });

  const audit = async (executionName: string) => {
    io.err(
      `emulator on ${emulator.url}: ${emulator.expected.accounts.length} accounts; running the audit workflow for ${day(emulator.clock.nowMs())} (${executionName}), remediation on`,
    );
    const progress = progressReporter({ write: (text) => process.stderr.write(text), isTty });
    const run: LocalAuditOptions = {
      input: { reason: 'keyaudit demo --remediation' },
      executionName,
      aws: { region: emulator.region, endpoint: emulator.url, credentials: emulator.auditor },
      reportBucket: resources.reportBucket,
      queues: {
        accountFailures: resources.queues.accountFailures,
        digestFailures: resources.queues.digestFailures,
        executionFailures: resources.queues.executionFailures,
      },
      digestTopicArn: resources.digestTopicArn,
      roleName: emulator.roleName,
      remediation: settings,
      remediationStateMachineArn: emulator.stepFunctions.stateMachineArn(REMEDIATION_STATE_MACHINE_NAME),
      now: () => emulator.clock.now(),
      onProgress: progress.update,
    };
    const result = await runLocalAudit(run, auditor);
    progress.finish();
    if (result.status !== 'SUCCEEDED') {
      throw new OperationError(
        `the audit ${executionName} failed: ${result.error ?? 'unknown error'}: ${result.cause ?? ''}`,
        {
          fix: 'This is a bug in the demo or the workflow; please report it with this output.',
        },
      );
    }
    const report = object(`reports/${executionName}/report.json`);
    const digest = object(`reports/${executionName}/digest.txt`);
    if (report === undefined || digest === undefined) throw new Error(`${executionName} stored no report`);
    return { result, report: JSON.parse(report) as Report, digest };
  };

  const { criteria, noticeDays } = settings;
  say(
    `Approval-gated deactivation on the local emulator (docs/remediation.md), with the default criteria: ` +
      `a key is proposed when it is ${criteria.rotationOverdueDays}+ days old, unused for ${criteria.unusedDays}+ days, ` +
      `or never used and ${criteria.neverUsedDays}+ days old, once it has been reported for ${noticeDays} days.`,
  );
  gap();

  const firstName = `demo-${stamp(emulator.clock.nowMs())}`;
  const first = await audit(firstName);
  const firstDay = day(emulator.clock.nowMs());
  const announcedFirst = first.report.remediation?.upcoming ?? [];
  say(
    `${firstDay}: the first audit reports the old keys and announces ${announcedFirst.length} for deactivation ` +
      `(${[...new Set(announcedFirst.map((u) => u.proposedOn))].join(', ')}); nothing is proposed yet.`,
  );
  gap();

  admin('/_emulator/clock', 'POST', {
    now: new Date(emulator.clock.nowMs() + DEMO_REMEDIATION_GAP_DAYS * DAY_MS).toISOString(),
  });
  const secondName = `demo-${stamp(emulator.clock.nowMs())}`;
  const second = await audit(secondName);
  const secondDay = day(emulator.clock.nowMs());
  const opened = second.report.remediation?.opened ?? null;
  if (opened === null) {
    throw new OperationError(`the audit of ${secondDay} proposed no key for deactivation.`, {
      fix: `Its digest (${secondName}) says why; this is a bug in the demo, please report it.`,
    });
  }
  const { requestId } = opened;
  say(`${secondDay}: ${DEMO_REMEDIATION_GAP_DAYS} days later, the second audit's digest:`);
  gap();
  say(deactivationSection(second.digest) ?? '(no DEACTIVATION section)');
  gap();

  // AwaitApproval stores the task token a moment after the audit has started RemediateKeys.
  const deadline = Date.now() + 30_000;
  for (;;) {
    const view = await describeRequest(ctx, { requestId });
    if (view.status === 'AWAITING_APPROVAL') break;
    if (view.status !== 'NOT_STARTED' || Date.now() > deadline) {
      throw new OperationError(`request ${requestId} is ${view.status}, not waiting for approval.`, {
        fix: `Its execution ${view.execution.executionArn} (${view.execution.status ?? 'unknown'}) says why.`,
      });
    }
    await ctx.sleep(LOCAL_POLL_MS);
  }
  const afterAudit = new Map(planted.map((k) => [k.accessKeyId, statusOf(k)]));

  const [skippedKey] = plantedAs('skipped');
  if (skippedKey !== undefined) {
    // Someone still needed it: the approval must not take a key out from under a live user.
    admin(
      `/_emulator/accounts/${skippedKey.accountId}/access-keys/${skippedKey.accessKeyId}/last-used`,
      'POST',
      {},
    );
    say(`meanwhile ${skippedKey.userName}'s key is used again (after it was proposed).`);
    gap();
  }

  const excepted = plantedAs('excepted');
  say(
    `the security engineer (role ${DEMO_APPROVER.roleName} of the audit account) approves all but ${excepted.map((k) => `${k.userName}'s key`).join(', ')}:`,
  );
  say(`  keyaudit approve ${requestId} --except ${excepted.map((k) => k.accessKeyId).join(',')}`);
  gap();
  const publishedBeforeApproval = emulator.messaging.published().length;
  const approval = await approveRequest(ctx, { requestId, except: excepted.map((k) => k.accessKeyId) });
  const target = await resolveTarget(ctx, {});
  const outcome = await waitForOutcome(ctx, target, requestId, { timeoutMs: 60_000 });
  if (outcome.status !== 'COMPLETED') {
    throw new OperationError(`request ${requestId} ended ${outcome.status}: ${outcome.reason ?? ''}`, {
      fix: 'This is a bug in the demo or the workflow; please report it with this output.',
    });
  }
  const afterApproval = new Map(planted.map((k) => [k.accessKeyId, statusOf(k)]));
  const counts = outcomeCounts(outcome);
  say(
    `request ${requestId} ${outcome.status} at ${formatTime(outcome.closedAt)}, approved by ${outcome.approval?.approver.arn ?? '?'}: ` +
      `${counts.deactivated} deactivated, ${counts.skipped} skipped, ${counts.failed} failed`,
  );
  say(formatKeyOutcomes(outcome.outcomes));
  gap();

  const publishedBeforeReactivation = emulator.messaging.published().length;
  const reactivations: ReactivationRecord[] = [];
  for (const key of plantedAs('reactivated')) {
    say(`undo ${key.userName}'s deactivation:`);
    say(`  keyaudit reactivate ${requestId} --key ${key.accessKeyId}`);
    const started = await reactivateKey(ctx, { requestId, accessKeyId: key.accessKeyId });
    const end = await waitForReactivation(ctx, target, started, { timeoutMs: 60_000 });
    if (end.kind !== 'recorded') {
      throw new OperationError(`the reactivation of ${key.accessKeyId} ended ${end.status}: ${end.reason}`, {
        fix: 'This is a bug in the demo or the workflow; please report it with this output.',
      });
    }
    reactivations.push(end.record);
    say(
      `  ${end.record.outcome.outcome} at ${formatTime(end.record.outcome.at)}, requested by ${end.record.requestedBy.arn}`,
    );
    gap();
  }
  const afterReactivation = new Map(planted.map((k) => [k.accessKeyId, statusOf(k)]));

  const planText: Record<DemoKeyRole, string> = {
    reactivated: 'due; approved, then reactivated',
    deactivated: 'due; approved',
    excepted: 'due; left out of the approval',
    skipped: 'due; approved, but used since',
    exempted: 'exempted by its user tag',
    untouched: 'not due',
    announced: 'due soon: announced',
  };
  say(`key status in the emulator's IAM:`);
  say(
    formatTable(
      ['account', 'user', 'key', 'planted as', 'after the audit', 'after approval', 'after reactivation'],
      planted.map((k) => [
        k.accountId,
        k.userName,
        maskAccessKeyId(k.accessKeyId),
        planText[k.plan],
        afterAudit.get(k.accessKeyId) ?? '-',
        paintStatus(io, afterApproval.get(k.accessKeyId) ?? '-'),
        paintStatus(io, afterReactivation.get(k.accessKeyId) ?? '-'),
      ]),
    ),
  );

  const outcomesOf = (kind: string) =>
    outcome.outcomes.filter((o) => o.action === 'deactivate' && o.outcome === kind);
  const stored = remediationKeys(requestId);
  const requestText = object(stored.request);
  if (requestText === undefined) throw new Error(`no ${stored.request} in the report bucket`);
  const request = JSON.parse(requestText) as DeactivationRequest;
  const summary: RemediationDemoSummary = {
    requestId,
    auditDays: [firstDay, secondDay],
    criteria: request.criteria,
    noticeDays: request.noticeDays,
    approver: outcome.approval?.approver.arn ?? approval.decision.approver.arn,
    proposed: opened.keys.map((k) => ({ ...ref(k), why: k.why })),
    announced: (second.report.remediation?.upcoming ?? []).map((u) => ({
      ...ref(u.key),
      proposedOn: u.proposedOn,
    })),
    excepted: excepted.map(ref),
    approved: opened.keys.filter((k) => approval.decision.keys.includes(k.accessKeyId)).map(ref),
    deactivated: outcomesOf('deactivated').map(ref),
    skipped: outcomesOf('skipped').map((o) => ({ ...ref(o), reason: o.reason ?? '' })),
    failed: outcomesOf('failed').map(ref),
    reactivated: reactivations.filter((r) => r.outcome.outcome === 'reactivated').map((r) => ref(r.outcome)),
    keys: planted.map((k) => ({
      ...ref(k),
      plan: k.plan,
      afterAudit: afterAudit.get(k.accessKeyId) ?? 'gone',
      afterApproval: afterApproval.get(k.accessKeyId) ?? 'gone',
      afterReactivation: afterReactivation.get(k.accessKeyId) ?? 'gone',
    })),
  };

  const published = emulator.messaging.published();
  const mail = (from: number, to: number) =>
    published
      .slice(from, to)
      .filter((m) => m.subject?.includes(requestId) === true)
      .map((m) => `Subject: ${m.subject ?? ''}\n\n${m.message}`)
      .join('\n\n');
  const files = await runReport(emulator, resources.reportBucket, secondName).save(options.out);
  const dir = join(options.out, 'remediation');
  await mkdir(resolve(dir), { recursive: true });
  const written: [string, string | undefined][] = [
    [`digest-${firstDay}.txt`, first.digest],
    [`digest-${secondDay}.txt`, second.digest],
    ['request.json', requestText],
    ['outcome.json', object(stored.outcome)],
    ...reactivations.map((r): [string, string] => [
      `reactivation-${r.accessKeyId}.json`,
      `${JSON.stringify(r, null, 2)}\n`,
    ]),
    ['approval-notice.txt', mail(0, publishedBeforeApproval)],
    ['summary.txt', mail(publishedBeforeApproval, publishedBeforeReactivation)],
    ['reactivation-notice.txt', mail(publishedBeforeReactivation, published.length)],
    ['remediation-demo.json', `${JSON.stringify(summary, null, 2)}\n`],
  ];
  for (const [name, content] of written) {
    if (content === undefined || content === '') continue;
    await writeFile(resolve(dir, name), content);
    files.push(join(dir, name));
  }
  if (options.json) io.out(JSON.stringify(summary, null, 2));
  io.err(`wrote ${files.join(', ')}`);
  return {
    exitCode: EXIT.OK,
    executionName: secondName,
    status: 'SUCCEEDED',
    output: second.result.output,
    files,
    remediation: summary,
  };
}

function paintStatus(io: Io, status: string): string {
  return status === 'Inactive' ? paint(io, 'yellow', status) : status;
}
