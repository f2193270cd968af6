/**
 * `pnpm emulator --enforce-policies <cdk.out>`: the emulator refuses, with AWS's error, what the
 * synthesized templates refuse the deployment's roles, and says exactly what to do when the
 * assembly was made for another organization.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { generateOrganization } from '@org-key-audit/emulator';
import { afterAll, describe, expect, it } from 'vitest';
import { DELEGATED, synthesizeToDirectory } from './support';

const MAIN = fileURLToPath(new URL('../../emulator/src/main.ts', import.meta.url));
const ORG = { accounts: 3, users: 2, seed: 21 } as const;

interface Started {
  readonly child: ChildProcess;
  readonly exit: Promise<number | null>;
  readonly url: Promise<string>;
  stderr(): string;
}

function startCli(args: readonly string[]): Started {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const url = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^emulator listening on (http:\/\/127\.0\.0\.1:\d+)$/m.exec(stdout);
      if (match !== null) resolve(match[1] as string);
    });
    child.on('exit', () => reject(new Error(`the emulator exited: ${stderr}`)));
  });
  url.catch(() => {});
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exit, url, stderr: () => stderr };
}

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('pnpm emulator --enforce-policies', () => {
  it('refuses sns:Publish to the build-digest role and allows it to the publish-digest role', {
    timeout: 120_000,
  }, async () => {
    const org = generateOrganization(ORG);
    const dir = synthesizeToDirectory({
      ...DELEGATED,
      managementAccountId: org.managementAccountId,
      auditAccountId: org.auditAccountId,
      organizationId: org.org.organizationId,
      region: 'us-east-1',
      useOrgReaderRole: false,
    });
    dirs.push(dir);
    const cli = startCli(['--accounts', '3', '--users', '2', '--seed', '21', '--enforce-policies', dir]);
    try {
      const url = await cli.url;
      const signAs = async (role: string) => {
        const answer = await fetch(`${url}/_emulator/role-credentials`, {
          method: 'POST',
          body: JSON.stringify({ roleName: role, sessionName: role }),
        });
        expect(answer.status).toBe(200);
        return (await answer.json()) as {
          accessKeyId: string;
          secretAccessKey: string;
          sessionToken: string;
        };
      };
      const topicArn = `arn:aws:sns:us-east-1:${org.auditAccountId}:org-key-audit-digest`;
      const publishAs = async (role: string) =>
        new SNSClient({
          region: 'us-east-1',
          endpoint: url,
          credentials: await signAs(role),
          maxAttempts: 1,
        }).send(new PublishCommand({ TopicArn: topicArn, Message: 'test', Subject: 'test' }));

      await expect(publishAs('org-key-audit-build-digest')).rejects.toMatchObject({
        name: 'AuthorizationErrorException',
        $metadata: { httpStatusCode: 403 },
      });
      await expect(publishAs('org-key-audit-publish-digest')).resolves.toMatchObject({
        MessageId: expect.any(String),
      });
      expect(cli.stderr()).toContain(
        `AccessDenied: User: arn:aws:sts::${org.auditAccountId}:assumed-role/org-key-audit-build-digest/org-key-audit-build-digest is not authorized to perform: sns:Publish on resource: ${topicArn}`,
      );
    } finally {
      cli.child.kill('SIGTERM');
      await cli.exit;
    }
  });

  it('exits 2 naming the accounts to synthesize for when the assembly is another organization’s', {
    timeout: 120_000,
  }, async () => {
    const dir = synthesizeToDirectory(DELEGATED);
    dirs.push(dir);
    const org = generateOrganization(ORG);
    const cli = startCli(['--accounts', '3', '--users', '2', '--seed', '21', '--enforce-policies', dir]);
    expect(await cli.exit).toBe(2);
    expect(cli.stderr()).toContain(`synthesize with auditAccountId "${org.auditAccountId}"`);
    expect(cli.stderr()).toContain(`organizationId "${org.org.organizationId}"`);
  });

  it('exits 2 when the directory is not a cloud assembly', async () => {
    const cli = startCli(['--enforce-policies', '/nonexistent/cdk.out']);
    expect(await cli.exit).toBe(2);
    expect(cli.stderr()).toContain('--enforce-policies /nonexistent/cdk.out: no manifest.json there');
  });
});
