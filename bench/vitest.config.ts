import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The benchmarks themselves are not part of `pnpm test`, but their unit tests are (the root config
// lists bench/test too); this config runs just them: `pnpm exec vitest run --config bench/vitest.config.ts`.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['test/**/*.test.ts'],
    setupFiles: ['../statemachine/src/polyfill.ts'],
    env: {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    testTimeout: 30_000,
    passWithNoTests: false,
  },
});
