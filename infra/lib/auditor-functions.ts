/**
 * The six auditor Lambdas (and, with remediation, three more): Node.js 22 on arm64, bundled by the local esbuild (no Docker), each
 * with its own role and log group so its permissions can be read, and tested, one by one.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, parse, relative } from 'node:path';
import {
  LAMBDA_SIZING,
  REMEDIATION_LAMBDA_SIZING,
  type RemediationTaskName,
  type TaskName,
} from '@org-key-audit/statemachine/definition';
import { Duration, RemovalPolicy, Token } from 'aws-cdk-lib';
import { Effect, type IRole, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { REPO_ROOT } from './config';
import {
  FUNCTION_NAMES,
  type FunctionName,
  functionRoleName,
  REMEDIATION_FUNCTION_NAMES,
  type RemediationFunctionName,
} from './names';

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
  REMEDIATION_JSON: 'config remediation',
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

export interface AuditorLambdaOptions {
  /** Folder holding `<name>.ts`. */
  readonly handlersDir: string;
  /** Encrypts the log group. */
  readonly key: IKey;
  readonly environment: Readonly<Record<string, string>>;
  readonly timeout: Duration;
  readonly memorySize: number;
  /**
   * Runs the function as this role instead of a role of its own (CheckKey runs as the
   * audit-account role, which the member audit roles trust); it gets the log grant all the same.
   * @default a new role `org-key-audit-<name>`
   */
  readonly role?: IRole;
}

/**
 * One Lambda as every function of the auditor is built: its own log group, a hand-made role
 * (not AWSLambdaBasicExecutionRole: logs only to its own group), bundled ESM with the SDK inside.
 */
export function createAuditorLambda(
  scope: Construct,
  name: FunctionName | RemediationFunctionName,
  options: AuditorLambdaOptions,
): { readonly fn: NodejsFunction; readonly role: IRole } {
  const entry = join(options.handlersDir, `${name}.ts`);
  if (!existsSync(entry)) {
    throw new Error(
      `Lambda entry ${entry} does not exist: every function needs functions/src/handlers/${name}.ts`,
    );
  }
  const logGroup = new LogGroup(scope, `${name}-logs`, {
    logGroupName: `/aws/lambda/org-key-audit-${name}`,
    retention: RetentionDays.THREE_MONTHS,
    encryptionKey: options.key,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const role =
    options.role ??
    new Role(scope, `${name}-role`, {
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
  const environment = { ...options.environment, NODE_OPTIONS: '--enable-source-maps' };
  checkEnvironmentSize(`org-key-audit-${name}`, environment);
  const fn = new NodejsFunction(scope, name, {
    functionName: `org-key-audit-${name}`,
    entry,
    handler: 'handler',
    runtime: Runtime.NODEJS_22_X,
    architecture: Architecture.ARM_64,
    role,
    logGroup,
    tracing: Tracing.ACTIVE,
    timeout: options.timeout,
    memorySize: options.memorySize,
    environment,
    depsLockFilePath: join(REPO_ROOT, 'pnpm-lock.yaml'),
    projectRoot: projectRootFor(entry),
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
  return { fn, role };
}

/**
 * CDK requires the entry under projectRoot. A handlers folder outside the repository (stand-in
 * handlers of a test, which skips bundling) is bundled from the filesystem root instead; the
 * real handlers always bundle from the repository, with its lock file and node_modules.
 */
function projectRootFor(entry: string): string {
  const fromRepo = relative(REPO_ROOT, entry);
  return fromRepo.startsWith('..') || isAbsolute(fromRepo) ? parse(entry).root : REPO_ROOT;
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
      const sizing = SIZING[name];
      const { fn, role } = createAuditorLambda(this, name, {
        handlersDir,
        key: props.key,
        environment: { ...props.environment, ...props.functionEnvironment?.[name] },
        timeout: props.timeouts?.[name] ?? sizing.timeout,
        memorySize: sizing.memorySize,
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

/** The RemediateKeys task (statemachine REMEDIATION_FUNCTION_PLACEHOLDERS) each function stands for. */
export const TASK_OF_REMEDIATION_FUNCTION: Readonly<Record<RemediationFunctionName, RemediationTaskName>> = {
  'record-remediation': 'recordRemediation',
  'check-key': 'checkKey',
  'remediate-key': 'remediateKey',
};

export interface RemediationFunctionsProps {
  /** Folder holding `<name>.ts` for each function. @default functions/src/handlers */
  readonly handlersDir?: string;
  /** Each function's whole environment: the three need little of the auditor's. */
  readonly environment: Readonly<Record<RemediationFunctionName, Readonly<Record<string, string>>>>;
  /** Encrypts the log groups. */
  readonly key: IKey;
  /** CheckKey runs as this role: the audit-account function's, the one the member audit roles trust. */
  readonly auditAccountRole: IRole;
}

/**
 * RecordRemediation, CheckKey and RemediateKey (docs/remediation.md), only with
 * `remediation.enabled`. RecordRemediation and RemediateKey have roles of their own; CheckKey
 * reads through the read-only audit role, so it runs as the one role that role trusts.
 */
export class RemediationFunctions extends Construct {
  readonly functions: Readonly<Record<RemediationFunctionName, NodejsFunction>>;
  /** `check-key` is the audit-account function's role. */
  readonly roles: Readonly<Record<RemediationFunctionName, IRole>>;

  constructor(scope: Construct, id: string, props: RemediationFunctionsProps) {
    super(scope, id);
    const functions = {} as Record<RemediationFunctionName, NodejsFunction>;
    const roles = {} as Record<RemediationFunctionName, IRole>;
    for (const name of REMEDIATION_FUNCTION_NAMES) {
      const sizing = REMEDIATION_LAMBDA_SIZING[TASK_OF_REMEDIATION_FUNCTION[name]];
      const { fn, role } = createAuditorLambda(this, name, {
        handlersDir: props.handlersDir ?? DEFAULT_HANDLERS_DIR,
        key: props.key,
        environment: props.environment[name],
        timeout: Duration.seconds(sizing.timeoutSeconds),
        memorySize: sizing.memoryMb,
        ...(name === 'check-key' ? { role: props.auditAccountRole } : {}),
      });
      functions[name] = fn;
      roles[name] = role;
    }
    this.functions = functions;
    this.roles = roles;
  }

  /** ARNs of the three functions, in REMEDIATION_FUNCTION_NAMES order. */
  get functionArns(): string[] {
    return REMEDIATION_FUNCTION_NAMES.map((n) => this.functions[n].functionArn);
  }
}
