/**
 * The emulator's policy enforcement and the recorded-calls check bite: a local run on templates
 * missing one grant fails where AWS would fail, with AWS's AccessDenied, and an SDK call that a
 * handler makes without an edge in the catalogue is named by the recorded-calls check.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { digestFailuresOf, type LocalEnv, publishedFor, runLocal, startLocalEnv } from '../support/local-env';
import { loadSystem, withoutStatement } from './support';

const NOW = '2026-12-01T09:30:00Z';
const SMALL_ORG = { accounts: 3, users: 3, seed: 11, now: new Date(NOW) } as const;

/** The statement of the publish-digest role's policy that allows sns:Publish. */
function withoutPublishGrant(dir: string): string {
  const template = JSON.parse(readFileSync(join(dir, 'OrgKeyAuditAuditor.template.json'), 'utf8')) as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  // Found as the permission catalogue finds resources: by construct id, wherever it sits in the tree.
  const policyId = loadSystem(dir).logicalId(
    'OrgKeyAuditAuditor',
    'AWS::IAM::Policy',
    'FunctionspublishdigestroleDefaultPolicy',
  );
  const policy = template.Resources[policyId];
  if (policy === undefined) throw new Error('no publish-digest role policy');
  const statements = (policy.Properties['PolicyDocument'] as { Statement: { Action: string | string[] }[] })
    .Statement;
  const index = statements.findIndex((s) => [s.Action].flat().includes('sns:Publish'));
  if (index < 0) throw new Error('the publish-digest role policy has no sns:Publish statement');
  return withoutStatement(dir, `OrgKeyAuditAuditor/${policyId}#${index}`);
}

describe('emulator enforcement of the synthesized templates', () => {
  let env: LocalEnv;
  beforeAll(async () => {
    env = await startLocalEnv({
      preset: 'cases',
      ...SMALL_ORG,
      enforcePolicies: true,
      mutateAssembly: withoutPublishGrant,
    });
  }, 120_000);
  afterAll(() => env.stop());

  it('refuses PublishDigest’s sns:Publish with AWS’s error when the grant is missing: the digest DLQ holds the run', async () => {
    const result = await runLocal(env, { input: {}, executionName: 'no-publish-grant' });
    expect(result.status).toBe('FAILED');
    expect(result.error).toBe('DigestFailed');
    expect(publishedFor(env.emulator, 'no-publish-grant')).toEqual([]);
    const [failure] = digestFailuresOf(env.emulator, 'no-publish-grant');
    // SNS's own name for an IAM refusal, as the SDK reports it.
    expect(failure?.error).toBe('AuthorizationErrorException');
    expect(env.denials).toEqual([
      expect.stringMatching(
        /^User: arn:aws:sts::\d{12}:assumed-role\/org-key-audit-publish-digest\/org-key-audit-publish-digest is not authorized to perform: sns:Publish on resource: arn:aws:sns:[a-z0-9-]+:\d{12}:org-key-audit-digest /,
      ),
    ]);
    const denied = env.emulator.calls().filter((c) => c.outcome === 'denied');
    expect(denied.map((c) => [c.action, c.callerArn.split('/')[1]])).toEqual([
      ['sns:Publish', 'org-key-audit-publish-digest'],
    ]);
  });

  it('signed every call as the deployed role that makes it', () => {
    const callers = new Set(env.emulator.calls().map((c) => c.callerArn.replace(/\/[^/]+$/, '')));
    const audit = env.emulator.auditAccountId;
    for (const role of [
      'org-key-audit-list-accounts',
      'org-key-audit-audit-account',
      'org-key-audit-build-digest',
      'org-key-audit-publish-digest',
      env.deployment.roleNames.stateMachine,
    ]) {
      expect(callers).toContain(`arn:aws:sts::${audit}:assumed-role/${role}`);
    }
    // The member accounts' audit role, assumed by the audit-account Lambda role.
    expect([...callers].some((c) => c.endsWith(`:assumed-role/${env.emulator.roleName}`))).toBe(true);
    // The execution failed, so EventBridge's stand-in delivered the execution-failure message.
    expect(callers).toContain(`arn:aws:sts::${audit}:assumed-role/${env.deployment.roleNames.eventBridge}`);
  });
});

describe('the recorded-calls check', () => {
  let env: LocalEnv;
  beforeAll(async () => {
    env = await startLocalEnv({ preset: 'cases', ...SMALL_ORG, enforcePolicies: false });
  }, 120_000);
  afterAll(() => env.stop());

  it('passes a run whose every call has an edge', async () => {
    const result = await runLocal(env, { input: {}, executionName: 'covered' });
    expect(result.status).toBe('SUCCEEDED');
    expect(env.uncoveredCalls()).toEqual([]);
  });

  it('names an SDK call a handler makes without an edge in the catalogue', async () => {
    const bucket = env.emulator.resources.reportBucket;
    const result = await runLocal(env, {
      input: {},
      executionName: 'extra-call',
      wrapTasks: (tasks) => ({
        ...tasks,
        // BuildDigest "starts cleaning up": a call no edge (and no grant) covers.
        buildDigest: async (event: never) => {
          await env.clients.tasks.buildDigest.s3.send(
            new DeleteObjectCommand({ Bucket: bucket, Key: 'runs/extra-call/nothing.json' }),
          );
          return tasks.buildDigest(event);
        },
      }),
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(env.uncoveredCalls()).toEqual([
      expect.stringMatching(
        new RegExp(
          `assumed-role/org-key-audit-build-digest/org-key-audit-build-digest → s3:DeleteObject on arn:aws:s3:::${bucket}/runs/extra-call/nothing.json has no edge`,
        ),
      ),
    ]);
  });
});
