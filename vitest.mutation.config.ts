/**
 * The vitest configuration that StrykerJS runs for `pnpm test:mutation` (docs/mutation-testing.md):
 * the fast in-process unit suites that exercise the mutated modules (functions/src/core,
 * functions/src/app, statemachine/src/json-path.ts) and nothing that starts an emulator, builds a
 * bundle or synthesises CDK. `pnpm test` keeps using vitest.config.ts.
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config';

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      'functions/test/core/**/*.test.ts',
      'functions/test/app/**/*.test.ts',
      'functions/test/handlers/*.test.ts',
      'statemachine/test/**/*.test.ts',
    ],
    exclude: [
      '**/node_modules/**',
      // Starts the emulator on 127.0.0.1: an integration suite, not a unit one.
      'functions/test/handlers/emulator.test.ts',
      // Bundles every Lambda with esbuild: slow and says nothing about the mutated logic.
      'functions/test/handlers/bundle.test.ts',
    ],
  },
});
