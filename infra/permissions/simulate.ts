/**
 * One AWS request evaluated as IAM would evaluate it, by @cloud-copilot/iam-simulate: identity
 * policies of the calling role, the resource's policy (trust, key, bucket, queue or topic
 * policy), same- and cross-account rules, service principals and condition keys. The policies
 * come from the deployed system (`cdk.out`); the request names principal, action, resource and
 * context.
 */
import { runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import type { DeployedSystem, PolicyDocument, PolicyStatement } from './deployed-system';

export interface AccessRequest {
  /** A role session ARN (`arn:aws:sts::…:assumed-role/<role>/<session>`), a role or user ARN, or a service principal. */
  readonly principal: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
  /**
   * The caller's identity policies when the caller is not part of the deployment (an attacker's
   * administrator role, say). @default the policies the assembly attaches to the principal's role
   */
  readonly identityPolicies?: readonly PolicyDocument[];
  /** For ARNs that name no account (`arn:aws:iam::aws:…`). @default the account in the ARN */
  readonly resourceAccount?: string;
}

export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

export interface Evaluation {
  readonly decision: Decision;
  /** Statements that allowed (or, for a denial, explicitly denied) the request: `<stack>/<logical id>#<index>`. */
  readonly decisive: readonly string[];
}

export class SimulationInputError extends Error {
  constructor(request: AccessRequest, detail: string) {
    super(`cannot simulate ${request.principal} → ${request.action} on ${request.resource}: ${detail}`);
    this.name = 'SimulationInputError';
  }
}

const SERVICE_PRINCIPAL = /^[a-z0-9.-]+\.amazonaws\.com(\.cn)?$/;

export function isServicePrincipal(principal: string): boolean {
  return SERVICE_PRINCIPAL.test(principal);
}

/** `arn:aws:sts::1:assumed-role/R/s` → `arn:aws:iam::1:role/R`; other ARNs unchanged. */
export function roleArnOfSession(principal: string): string {
  const match = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/[^/]+$/.exec(principal);
  return match === null ? principal : `arn:${match[1]}:iam::${match[2]}:role/${match[3]}`;
}

function accountOfPrincipal(principal: string): string | undefined {
  return /^arn:[^:]+:(?:iam|sts)::(\d{12}):/.exec(principal)?.[1];
}

/**
 * iam-simulate accepts variable condition keys only in the `prefix/name` form (aws:PrincipalTag/x),
 * so it ignores `kms:EncryptionContext:aws:logs:arn` and every statement conditioned on it fails
 * as if the key were missing. Renaming the key the same way in the policies and in the request
 * to a `/` form it accepts keeps the evaluation (operators, values) the simulator's own.
 */
const ENCRYPTION_CONTEXT = /^kms:encryptioncontext:(.+)$/i;
const ENCRYPTION_CONTEXT_ALIAS = 'aws:RequestTag/kms-encryption-context:';

function aliasKey(key: string): string {
  const match = ENCRYPTION_CONTEXT.exec(key);
  return match === null ? key : `${ENCRYPTION_CONTEXT_ALIAS}${match[1]}`;
}

function aliasEncryptionContext<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => aliasEncryptionContext(item)) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([key, item]) => [
      aliasKey(key),
      aliasEncryptionContext(item),
    ]),
  ) as T;
}

export async function evaluateRequest(system: DeployedSystem, request: AccessRequest): Promise<Evaluation> {
  const service = isServicePrincipal(request.principal);
  const roleArn = roleArnOfSession(request.principal);
  const identity =
    request.identityPolicies?.map((policy, index) => ({ source: `caller policy ${index}`, policy })) ??
    (service ? [] : system.identityPolicies(roleArn));
  const resourcePolicies = system.resourcePolicies(request.resource);
  const statementSources: string[] = [];
  const statements: PolicyStatement[] = [];
  for (const { source, policy } of resourcePolicies) {
    policy.Statement.forEach((statement, index) => {
      statements.push(statement);
      statementSources.push(`${source}#${index}`);
    });
  }
  // A role is only ever assumed through its trust policy, so a role the assembly does not hold
  // (or whose trust policy is empty) trusts nobody, not the whole account.
  const resourcePolicy: PolicyDocument | undefined =
    resourcePolicies.length > 0 || request.action.toLowerCase() === 'sts:assumerole'
      ? { Version: '2012-10-17', Statement: statements }
      : undefined;
  // Organizations resources belong to the management account, but a delegated administrator's
  // reads are granted by its registration (which the emulator's Organizations handlers check),
  // not by a resource policy there: only the caller's identity policies decide, as in its own account.
  const organizationsResource = /^arn:[^:]+:organizations::\d{12}:/.test(request.resource);
  const resourceAccount =
    request.resourceAccount ??
    (organizationsResource && !service ? accountOfPrincipal(request.principal) : undefined) ??
    (request.resource === '*'
      ? (accountOfPrincipal(request.principal) ?? String(request.context?.['aws:SourceAccount'] ?? ''))
      : system.accountOf(request.resource));

  const principalAccount = accountOfPrincipal(request.principal);
  const context: Record<string, string | string[]> = {
    'aws:SecureTransport': 'true',
    ...(service
      ? { 'aws:PrincipalServiceName': request.principal, 'aws:PrincipalIsAWSService': 'true' }
      : {
          'aws:PrincipalArn': roleArn,
          'aws:PrincipalIsAWSService': 'false',
          ...(principalAccount === undefined ? {} : { 'aws:PrincipalAccount': principalAccount }),
        }),
  };
  for (const [key, value] of Object.entries(request.context ?? {})) {
    context[key] = typeof value === 'string' ? value : [...value];
  }

  const simulation: Simulation = {
    request: {
      principal: request.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: resourceAccount },
      contextVariables: aliasEncryptionContext(context),
    },
    identityPolicies: identity.map(({ source, policy }) => ({
      name: source,
      policy: aliasEncryptionContext(policy),
    })),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    ...(resourcePolicy === undefined ? {} : { resourcePolicy: aliasEncryptionContext(resourcePolicy) }),
  };
  const response = await runSimulation(simulation, {});
  if (response.resultType === 'error') {
    throw new SimulationInputError(request, JSON.stringify(response.errors));
  }
  if (response.resultType !== 'single') {
    throw new SimulationInputError(request, 'the resource must be one ARN, not a pattern');
  }
  const decision = response.overallResult as Decision;
  const analysis = response.result.analysis;
  const pick = (kind: 'allowStatements' | 'denyStatements') => [
    ...(analysis.identityAnalysis?.[kind] ?? []).map((s) => `${s.policyId}#${s.statement.index() - 1}`),
    ...(analysis.resourceAnalysis?.[kind] ?? []).map(
      (s) => statementSources[s.statement.index() - 1] ?? `resource policy #${s.statement.index() - 1}`,
    ),
  ];
  return { decision, decisive: pick(decision === 'ExplicitlyDenied' ? 'denyStatements' : 'allowStatements') };
}
