/** Command-line flags of `pnpm emulator`, parsed and validated (one clear error per mistake). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { StartEmulatorOptions } from './index';

const USAGE =
  'usage: pnpm emulator [--port P] [--accounts N] [--users M] [--seed S] [--org-file FILE] [--expect-out FILE] [--now ISO] [--region R] [--owners] [--no-throttling] [--no-record-calls] [--enforce-policies CDK_OUT_DIR]';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function integer(name: string, text: string | undefined, min: number, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < min)
    throw new UsageError(`--${name} must be an integer >= ${min}; got "${text}"`);
  return value;
}

export function parseCommandLine(argv: readonly string[]): {
  options: StartEmulatorOptions;
  expectOut: string | undefined;
  /** A cloud assembly (cdk.out) whose policies the emulator enforces. */
  enforcePolicies: string | undefined;
} {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        accounts: { type: 'string' },
        users: { type: 'string' },
        seed: { type: 'string' },
        'org-file': { type: 'string' },
        'expect-out': { type: 'string' },
        now: { type: 'string' },
        region: { type: 'string' },
        owners: { type: 'boolean' },
        'no-throttling': { type: 'boolean' },
        'no-record-calls': { type: 'boolean' },
        'enforce-policies': { type: 'string' },
      },
    }));
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`);
  }
  const str = (name: string) => values[name] as string | undefined;
  const port = integer('port', str('port'), 0, 0);
  if (port > 65535) throw new UsageError(`--port must be at most 65535; got ${port}`);
  const nowText = str('now');
  const now = nowText === undefined ? undefined : new Date(nowText);
  if (now !== undefined && Number.isNaN(now.getTime())) {
    throw new UsageError(`--now must be an ISO-8601 date like 2025-06-01T12:00:00Z; got "${nowText}"`);
  }
  const orgFile = str('org-file');
  let orgSpec: unknown;
  if (orgFile !== undefined) {
    try {
      orgSpec = JSON.parse(readFileSync(orgFile, 'utf8'));
    } catch (error) {
      throw new UsageError(
        `--org-file ${orgFile}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  const seedText = str('seed');
  const seed = seedText === undefined ? 1 : /^\d+$/.test(seedText) ? Number(seedText) : seedText;
  const options: StartEmulatorOptions = {
    port,
    accounts: integer('accounts', str('accounts'), 2, 5),
    users: integer('users', str('users'), 0, 4),
    seed,
    ...(orgSpec === undefined ? {} : { orgSpec }),
    ...(now === undefined ? {} : { now }),
    ...(str('region') === undefined ? {} : { region: str('region') as string }),
    ...(values['owners'] === true ? { owners: true } : {}),
    ...(values['no-throttling'] === true ? { faults: { iamThrottling: { enabled: false } } } : {}),
    ...(values['no-record-calls'] === true ? { recordCalls: false } : {}),
  };
  const enforcePolicies = str('enforce-policies');
  if (enforcePolicies !== undefined && !existsSync(join(enforcePolicies, 'manifest.json'))) {
    throw new UsageError(
      `--enforce-policies ${enforcePolicies}: no manifest.json there; give the cdk.out directory that \`pnpm synth\` writes (infra/cdk.out)`,
    );
  }
  if (enforcePolicies !== undefined && values['no-record-calls'] === true) {
    throw new UsageError('--enforce-policies needs the recorded calls: drop --no-record-calls');
  }
  return { options, expectOut: str('expect-out'), enforcePolicies };
}
