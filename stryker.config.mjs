// @ts-check
/**
 * StrykerJS mutation testing of the pure modules: `pnpm test:mutation` (docs/mutation-testing.md).
 * Not part of `pnpm test`: a full run takes tens of minutes on this project's 2-core machines, and
 * its mutation score is a figure, like the benchmarks.
 */
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

// The repo type-checks with TypeScript 7 (the native compiler), which no longer ships the JS
// compiler API that Stryker's tsconfig rewriting and @stryker-mutator/typescript-checker drive.
// Stryker's own modules alone are pointed at TypeScript 6 (devDependency `typescript-classic`,
// the same language) through a module resolve hook, registered here for Stryker's main process
// and by `checkerNodeArgs` for the checker workers; `tsc` and everything else keep TypeScript 7.
const classicTypeScript = pathToFileURL(require.resolve('typescript-classic')).href;
const resolveHook = `
export async function resolve(specifier, context, next) {
  if (specifier === 'typescript' && context.parentURL?.includes('/node_modules/@stryker-mutator/')) {
    return { url: ${JSON.stringify(classicTypeScript)}, format: 'commonjs', shortCircuit: true };
  }
  return next(specifier, context);
}`;
const registerHook = `import { register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(resolveHook)}`)});`;
register(`data:text/javascript,${encodeURIComponent(resolveHook)}`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: 'pnpm',
  mutate: [
    'functions/src/core/**/*.ts',
    'functions/src/app/**/*.ts',
    'statemachine/src/json-path.ts',
    // Barrels re-export only; zod-messages.ts holds the wording of validation messages.
    '!**/index.ts',
    '!functions/src/core/zod-messages.ts',
  ],
  // Named: with pnpm, Stryker's default '@stryker-mutator/*' glob only sees its own dependencies.
  plugins: ['@stryker-mutator/vitest-runner', '@stryker-mutator/typescript-checker'],
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts' },
  coverageAnalysis: 'perTest',
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.mutation.json',
  checkerNodeArgs: ['--import', `data:text/javascript,${encodeURIComponent(registerHook)}`],
  // Local reruns only test the mutants whose code or covering tests changed since the last run;
  // `pnpm test:mutation:full` (stryker run --force) ignores the file and runs everything.
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  concurrency: 2,
  timeoutMS: 5_000,
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  thresholds: { high: 90, low: 85, break: null },
  ignorePatterns: ['infra/cdk.out', 'cli/dist', 'out', 'bench/results', 'coverage', '.vitest-cache'],
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
