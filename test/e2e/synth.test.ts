/**
 * `pnpm synth` is what a security team runs first, possibly on a laptop without AWS credentials:
 * it must synthesize every stack with no credentials and nothing but loopback networking, with
 * the Lambdas bundled by the local esbuild, and leave the templates in infra/cdk.out.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');
const STACKS = ['OrgKeyAuditAuditor', 'OrgKeyAuditManagementRole', 'OrgKeyAuditRoleRollout'];

function synth(): Promise<{ status: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith('AWS_') && name !== 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED')
      delete env[name];
  }
  // No credentials anywhere the SDK might look, and no instance metadata.
  Object.assign(env, {
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    AWS_CONFIG_FILE: '/nonexistent',
  });
  return new Promise((done, fail) => {
    const child = spawn('pnpm', ['synth'], { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.on('error', fail);
    child.on('close', (status) => done({ status, output }));
  });
}

describe('pnpm synth', () => {
  it('synthesizes every stack offline without credentials into infra/cdk.out', {
    timeout: 240_000,
  }, async () => {
    const { status, output } = await synth();
    expect(status, output).toBe(0);
    for (const stack of STACKS) {
      const path = join(repo, 'infra/cdk.out', `${stack}.template.json`);
      expect(existsSync(path), `${stack} template`).toBe(true);
      expect(JSON.parse(readFileSync(path, 'utf8'))).toHaveProperty('Resources');
    }
    const auditor = JSON.parse(
      readFileSync(join(repo, 'infra/cdk.out/OrgKeyAuditAuditor.template.json'), 'utf8'),
    );
    const functions = Object.values(auditor.Resources as Record<string, { Type: string }>).filter(
      (r) => r.Type === 'AWS::Lambda::Function',
    );
    // The five handlers, bundled (assets exist) rather than skipped.
    expect(functions.length).toBeGreaterThanOrEqual(5);
    expect(readFileSync(join(repo, 'infra/cdk.out/OrgKeyAuditAuditor.assets.json'), 'utf8')).toContain(
      'asset.',
    );
  });
});
