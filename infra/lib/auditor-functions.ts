/**
 * The five auditor Lambdas: Node.js 22 on arm64, bundled by the local esbuild (no Docker), each
 * with its own role and log group so its permissions can be read, and tested, one by one.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Effect, type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { REPO_ROOT } from './config';
import { FUNCTION_NAMES, type FunctionName, functionRoleName } from './names';

export const DEFAULT_HANDLERS_DIR = join(REPO_ROOT, 'functions', 'src', 'handlers');

/** Per function: how long it may run and how much memory it gets. */
const SIZING: Readonly<Record<FunctionName, { readonly timeout: Duration; readonly memorySize: number }>> = {
  'validate-input': { timeout: Duration.seconds(30), memorySize: 256 },
  // Paginating ListAccounts for 10,000 accounts at 20 per page, with throttling backoff.
  'list-accounts': { timeout: Duration.minutes(5), memorySize: 512 },
  // Credential-report generation can take minutes in a large account; role chaining caps at 1 h.
  'audit-account': { timeout: Duration.minutes(10), memorySize: 512 },
  // Reads up to 10,000 per-account results and renders three report formats.
  'build-digest': { timeout: Duration.minutes(10), memorySize: 2048 },
  'publish-digest': { timeout: Duration.seconds(60), memorySize: 256 },
};

export interface AuditorFunctionsProps {
  /** Folder holding `<name>.ts` for each function. @default functions/src/handlers */
  readonly handlersDir?: string;
  /** Environment shared by every function (contracts.md, "Lambda environment"). */
  readonly environment: Readonly<Record<string, string>>;
  /** Encrypts the log groups. */
  readonly key: IKey;
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
      const fn = new NodejsFunction(this, name, {
        functionName: `org-key-audit-${name}`,
        entry,
        handler: 'handler',
        runtime: Runtime.NODEJS_22_X,
        architecture: Architecture.ARM_64,
        role,
        logGroup,
        tracing: Tracing.ACTIVE,
        timeout: sizing.timeout,
        memorySize: sizing.memorySize,
        environment: { ...props.environment, NODE_OPTIONS: '--enable-source-maps' },
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

  /** ARNs of all five functions, in FUNCTION_NAMES order. */
  get functionArns(): string[] {
    return FUNCTION_NAMES.map((n) => this.functions[n].functionArn);
  }
}
