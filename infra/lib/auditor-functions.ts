/**
 * The six auditor Lambdas: Node.js 22 on arm64, bundled by the local esbuild (no Docker), each
 * with its own role and log group so its permissions can be read, and tested, one by one.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { LAMBDA_SIZING, type TaskName } from '@org-key-audit/statemachine/definition';
import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import { Effect, type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { REPO_ROOT } from './config';
import { FUNCTION_NAMES, type FunctionName, functionRoleName } from './names';

export const DEFAULT_HANDLERS_DIR = join(REPO_ROOT, 'functions', 'src', 'handlers');

/** The ASL task (statemachine FUNCTION_PLACEHOLDERS) each function stands for. */
export const TASK_OF_FUNCTION: Readonly<Record<FunctionName, TaskName>> = {
  'validate-input': 'validateInput',
  'list-accounts': 'listAccounts',
  'audit-account': 'auditAccount',
  'build-digest': 'buildDigest',
  'import-findings': 'importFindings',
  'publish-digest': 'publishDigest',
};

/**
 * Per function: how long it may run and how much memory it gets, from the statemachine package's
 * LAMBDA_SIZING (the local runner enforces the same numbers). ListAccounts and PublishDigest get
 * longer timeouts from the owner settings (config.ts, through `timeouts`).
 */
export const SIZING: Readonly<
  Record<FunctionName, { readonly timeout: Duration; readonly memorySize: number }>
> = Object.fromEntries(
  FUNCTION_NAMES.map((name) => {
    const sizing = LAMBDA_SIZING[TASK_OF_FUNCTION[name]];
    return [name, { timeout: Duration.seconds(sizing.timeoutSeconds), memorySize: sizing.memoryMb }];
  }),
) as Record<FunctionName, { readonly timeout: Duration; readonly memorySize: number }>;

export interface AuditorFunctionsProps {
  /** Folder holding `<name>.ts` for each function. @default functions/src/handlers */
  readonly handlersDir?: string;
  /** Environment shared by every function (contracts.md, "Lambda environment"). */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Variables only some functions get, over the shared ones (SECURITY_HUB_JSON on import-findings,
   * CHAT_TOPIC_ARN on publish-digest when chat is enabled). @default none
   */
  readonly functionEnvironment?: Partial<Readonly<Record<FunctionName, Readonly<Record<string, string>>>>>;
  /** Encrypts the log groups. */
  readonly key: IKey;
  /** Timeouts longer than the built-in sizing (list-accounts' tag pacing, publish-digest's owners). */
  readonly timeouts?: Partial<Readonly<Record<FunctionName, Duration>>>;
}

/** Lambda's limit on all environment variables of a function together (keys and values). */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;
/**
 * What an unresolved value (the bucket name, the topic ARN) counts for: a bucket name has at
 * most 63 characters and the digest topic's ARN about 70, so 128 bytes is an upper bound.
 */
const UNRESOLVED_VALUE_BYTES = 128;

/** Which config field each large variable comes from, for the error message. */
const ENVIRONMENT_SOURCES: Readonly<Record<string, string>> = {
  OWNERS_JSON: 'config owners (organizationalUnits, owner names, endpoint names)',
  EXEMPTIONS_JSON: 'config exemptions',
  THRESHOLDS_JSON: 'config thresholds',
  SECURITY_HUB_JSON: 'config securityHub',
};

/**
 * Refuses an environment over Lambda's 4 KB at synthesis: CloudFormation would only fail the
 * deployment, half-way, with "Lambda was unable to configure your environment variables".
 */
export function checkEnvironmentSize(
  functionName: string,
  environment: Readonly<Record<string, string>>,
): void {
  const sizes = Object.entries(environment).map(([name, value]) => ({
    name,
    bytes:
      Buffer.byteLength(name, 'utf8') +
      (Token.isUnresolved(value) ? UNRESOLVED_VALUE_BYTES : Buffer.byteLength(value, 'utf8')),
  }));
  const total = sizes.reduce((sum, s) => sum + s.bytes, 0);
  if (total <= LAMBDA_ENVIRONMENT_LIMIT_BYTES) return;
  const largest = [...sizes]
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 3)
    .map(
      (s) =>
        `${s.name} ${s.bytes} bytes${ENVIRONMENT_SOURCES[s.name] ? ` (from ${ENVIRONMENT_SOURCES[s.name]})` : ''}`,
    );
  throw new Error(
    `${functionName}: its environment would be about ${total} bytes, over Lambda's ${LAMBDA_ENVIRONMENT_LIMIT_BYTES}-byte limit for all variables together; the largest: ${largest.join(', ')}. Shorten those config fields (fewer or shorter OU mappings and owner names, fewer exemptions)`,
  );
}

export class AuditorFunctions extends Construct {
  readonly functions: Readonly<Record<FunctionName, NodejsFunction>>;
  readonly roles: Readonly<Record<FunctionName, IRole>>;

  constructor(scope: Construct, id: string, props: AuditorFunctionsProps) {
    super(scope, id);
    const handlersDir = props.handlersDir ?? DEFAULT_HANDLERS_DIR;
    const functions = {} as Record<FunctionName, NodejsFunction>;
    const roles = {} as Record<FunctionName, IRole>;

    for (const name of FUNCTION_NAMES) {
      const entry = join(handlersDir, `${name}.ts`);
      if (!existsSync(entry)) {
        throw new Error(
          `Lambda entry ${entry} does not exist: every function needs functions/src/handlers/${name}.ts`,
        );
      }
      const logGroup = new LogGroup(this, `${name}-logs`, {
        logGroupName: `/aws/lambda/org-key-audit-${name}`,
        retention: RetentionDays.THREE_MONTHS,
        encryptionKey: props.key,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      // A hand-made role instead of AWSLambdaBasicExecutionRole: logs only to its own group.
      const role = new Role(this, `${name}-role`, {
        roleName: functionRoleName(name),
        assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
        description: `org-key-audit ${name} Lambda`,
      });
      role.addToPrincipalPolicy(
        new PolicyStatement({
          effect: Effect.ALLOW,
          actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          resources: [logGroup.logGroupArn, `${logGroup.logGroupArn}:log-stream:*`],
        }),
      );
      const sizing = SIZING[name];
      const timeout = props.timeouts?.[name] ?? sizing.timeout;
      const environment = {
        ...props.environment,
        ...props.functionEnvironment?.[name],
        NODE_OPTIONS: '--enable-source-maps',
      };
      checkEnvironmentSize(`org-key-audit-${name}`, environment);
      const fn = new NodejsFunction(this, name, {
        functionName: `org-key-audit-${name}`,
        entry,
        handler: 'handler',
        runtime: Runtime.NODEJS_22_X,
        architecture: Architecture.ARM_64,
        role,
        logGroup,
        tracing: Tracing.ACTIVE,
        timeout,
        memorySize: sizing.memorySize,
        environment,
        depsLockFilePath: join(REPO_ROOT, 'pnpm-lock.yaml'),
        projectRoot: REPO_ROOT,
        bundling: {
          format: OutputFormat.ESM,
          target: 'node22',
          minify: true,
          sourceMap: true,
          // Bundle the SDK too: the versions we test with, not whatever the runtime ships.
          externalModules: [],
          mainFields: ['module', 'main'],
          // Some CommonJS dependencies call require(); ESM output has none unless we make one.
          banner:
            "import { createRequire as __ckaRequire } from 'module'; const require = __ckaRequire(import.meta.url);",
        },
      });
      functions[name] = fn;
      roles[name] = role;
    }
    this.functions = functions;
    this.roles = roles;
  }

  /** ARNs of all six functions, in FUNCTION_NAMES order. */
  get functionArns(): string[] {
    return FUNCTION_NAMES.map((n) => this.functions[n].functionArn);
  }
}
