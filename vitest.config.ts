import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{functions,emulator,statemachine,infra,cli,bench}/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/cdk.out/**'],
    // aws-local-stepfunctions needs Promise.withResolvers (Node 22); Node 20 runs here.
    setupFiles: ['statemachine/src/polyfill.ts'],
    // The suites talk to emulators on 127.0.0.1 only; never to real AWS.
    env: {
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      CDK_DISABLE_VERSION_CHECK: '1',
      CDK_DISABLE_CLI_TELEMETRY: '1',
    },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    passWithNoTests: false,
  },
});
