/**
 * The layers, as a test: imports that cross them fail here with the file and the import named.
 * - functions/src/core is pure: no AWS SDK, no Powertools, no Lambda types, nothing outside core.
 * - functions/src/app (the use cases) reaches the world only through its ports: core and app only.
 * - functions/src/aws (adapters) never reach up into handlers/ or the Lambda runtime.
 * - production code never imports the emulator (except the CLI, whose demo and scratch store are
 *   the emulator), test code, or infra/permissions (the policy simulator is a development tool).
 * - functions/src depends on no other package of the workspace.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');

export interface SourceFile {
  /** Repository-relative, with forward slashes. */
  readonly path: string;
  readonly text: string;
}

interface Rule {
  readonly name: string;
  /** Which files the rule governs. */
  readonly applies: (path: string) => boolean;
  /** Why an import (as written, resolved to a repository path when relative) is forbidden, or null. */
  readonly forbids: (specifier: string, resolved: string | null) => string | null;
}

const IMPORT =
  /(?:^|[\s;])(?:import|export)\s(?:[^'"`;]*?\sfrom\s)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(text: string): string[] {
  // Comments may quote imports (docs); only code counts.
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  return [...code.matchAll(IMPORT)].map((m) => (m[1] ?? m[2]) as string);
}

function resolveRelative(from: string, specifier: string): string | null {
  if (!specifier.startsWith('.')) return null;
  return relative(REPO, resolve(REPO, from, '..', specifier))
    .split('\\')
    .join('/');
}

const isProduct = (path: string) =>
  /^(functions|statemachine|cli|emulator)\/src\//.test(path) || /^infra\/(lib|bin)\//.test(path);

const RULES: readonly Rule[] = [
  {
    name: 'core is pure',
    applies: (path) => path.startsWith('functions/src/core/'),
    forbids: (specifier, resolved) => {
      if (/^@aws-sdk\/|^@aws-lambda-powertools\/|^aws-lambda$/.test(specifier))
        return 'an AWS SDK or Lambda import';
      if (resolved !== null && !resolved.startsWith('functions/src/core/'))
        return `reaches out of core to ${resolved}`;
      if (specifier.startsWith('@org-key-audit/')) return 'imports another package';
      return null;
    },
  },
  {
    name: 'use cases speak only ports',
    applies: (path) => path.startsWith('functions/src/app/'),
    forbids: (specifier, resolved) => {
      if (/^@aws-sdk\/|^@aws-lambda-powertools\/|^aws-lambda$/.test(specifier))
        return 'an AWS SDK or Lambda import';
      if (resolved !== null && !/^functions\/src\/(app|core)\//.test(resolved))
        return `a use case imports ${resolved}`;
      return null;
    },
  },
  {
    name: 'adapters do not reach up',
    applies: (path) => path.startsWith('functions/src/aws/'),
    forbids: (_specifier, resolved) =>
      resolved !== null && /^functions\/src\/(handlers|runtime|app\/(?!ports|telemetry))/.test(resolved)
        ? `an adapter imports ${resolved}`
        : null,
  },
  {
    name: 'the Lambda code stands alone',
    applies: (path) => path.startsWith('functions/src/'),
    forbids: (specifier, resolved) =>
      specifier.startsWith('@org-key-audit/') || (resolved !== null && !resolved.startsWith('functions/'))
        ? `the Lambda bundle would carry ${specifier}`
        : null,
  },
  {
    name: 'production code imports no test code',
    applies: isProduct,
    forbids: (specifier, resolved) =>
      (resolved !== null && /(^|\/)test\//.test(resolved)) || /\/test\//.test(specifier)
        ? `imports test code ${specifier}`
        : null,
  },
  {
    name: 'only the CLI and the emulator itself use the emulator',
    applies: (path) => isProduct(path) && !path.startsWith('cli/') && !path.startsWith('emulator/'),
    forbids: (specifier, resolved) =>
      specifier.startsWith('@org-key-audit/emulator') || resolved?.startsWith('emulator/')
        ? `imports the emulator (${specifier})`
        : null,
  },
  {
    name: 'the policy simulator stays a development tool',
    applies: (path) => isProduct(path) && !path.startsWith('emulator/src/main.ts'),
    forbids: (specifier, resolved) =>
      /infra\/permissions\//.test(specifier) ||
      resolved?.startsWith('infra/permissions/') ||
      specifier.startsWith('@cloud-copilot/')
        ? `imports the policy simulator (${specifier})`
        : null,
  },
];

export function layerViolations(files: readonly SourceFile[]): string[] {
  const violations: string[] = [];
  for (const file of files) {
    for (const specifier of importsOf(file.text)) {
      const resolved = resolveRelative(file.path, specifier);
      for (const rule of RULES) {
        if (!rule.applies(file.path)) continue;
        const why = rule.forbids(specifier, resolved);
        if (why !== null) violations.push(`${file.path}: '${specifier}' breaks "${rule.name}": ${why}`);
      }
    }
  }
  return violations;
}

function sourceFiles(dir: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (relativeDir: string) => {
    for (const entry of readdirSync(join(REPO, relativeDir), { withFileTypes: true })) {
      const path = `${relativeDir}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'cdk.out') walk(path);
      } else if (entry.name.endsWith('.ts')) {
        out.push({ path, text: readFileSync(join(REPO, path), 'utf8') });
      }
    }
  };
  walk(dir);
  return out;
}

const PRODUCT_DIRS = [
  'functions/src',
  'statemachine/src',
  'cli/src',
  'emulator/src',
  'infra/lib',
  'infra/bin',
];

describe('layers', () => {
  it('holds for every production file', () => {
    const files = PRODUCT_DIRS.flatMap(sourceFiles);
    expect(files.length).toBeGreaterThan(80);
    expect(files.filter((f) => f.path.startsWith('functions/src/core/')).length).toBeGreaterThan(10);
    expect(layerViolations(files)).toEqual([]);
  });

  it.each([
    ['functions/src/core/policy.ts', "import { IAMClient } from '@aws-sdk/client-iam';", 'core is pure'],
    ['functions/src/core/policy.ts', "import { x } from '../aws/run-store';", 'core is pure'],
    [
      'functions/src/aws/iam-credential-source.ts',
      "import { configFromEnv } from '../handlers/shared/config';",
      'adapters do not reach up',
    ],
    [
      'functions/src/aws/iam-credential-source.ts',
      "const m = await import('../runtime/composition');",
      'adapters do not reach up',
    ],
    [
      'functions/src/app/build-digest.ts',
      "import { RunStore } from '../aws/run-store';",
      'use cases speak only ports',
    ],
    [
      'functions/src/app/build-digest.ts',
      "import { PublishCommand } from '@aws-sdk/client-sns';",
      'use cases speak only ports',
    ],
    [
      'functions/src/aws/run-store.ts',
      "import { buildDigest } from '../app/build-digest';",
      'adapters do not reach up',
    ],
    [
      'functions/src/handlers/list-accounts.ts',
      "import { startEmulator } from '@org-key-audit/emulator';",
      'the Lambda code stands alone',
    ],
    [
      'infra/lib/auditor-stack.ts',
      "import { x } from '../../test/support/harness';",
      'production code imports no test code',
    ],
    [
      'statemachine/src/runner.ts',
      "import type { RunningEmulator } from '@org-key-audit/emulator';",
      'only the CLI and the emulator itself use the emulator',
    ],
    [
      'infra/lib/app.ts',
      "import { evaluateRequest } from '../permissions/simulate';",
      'the policy simulator stays a development tool',
    ],
  ])('names a planted violation: %s with %s', (path, line, rule) => {
    const violations = layerViolations([{ path, text: `${line}\n` }]);
    expect(violations.length).toBeGreaterThan(0);
    expect(violations.every((v) => v.startsWith(`${path}: `))).toBe(true);
    expect(violations.some((v) => v.includes(`breaks "${rule}"`))).toBe(true);
  });

  it('reads imports but not comments that quote them', () => {
    const text =
      "/** e.g. import { IAMClient } from '@aws-sdk/client-iam'; */\n// import '@aws-sdk/client-s3';\nexport const x = 1;\n";
    expect(layerViolations([{ path: 'functions/src/core/x.ts', text }])).toEqual([]);
  });
});
