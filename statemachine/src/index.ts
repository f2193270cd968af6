/**
 * The workflow as one package: the ASL file CDK deploys (definition.ts), the local runner that
 * executes it (runner.ts), and the one local assembly that binds each Task to the real handler
 * factories (local-audit.ts), used by `keyaudit demo` / `keyaudit run`, the tests and the benchmarks.
 */
export * from './definition';
export * from './emulator-host';
export * from './local-audit';
export * from './local-remediation';
export * from './remediation-runner';
export * from './runner';
