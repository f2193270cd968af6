/**
 * The deployed system as a cloud assembly (`cdk.out`) describes it: every stack with its
 * account and region, every StackSet instance in the member accounts it would reach, and for
 * each principal and resource the policies AWS would evaluate. Read from the files CDK wrote,
 * never from the CDK constructs, so that what is checked is what would be deployed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type StackEnvironment, type Template, TemplateResolver } from './intrinsics';

export interface PolicyDocument {
  readonly Version?: string;
  readonly Statement: readonly PolicyStatement[];
}

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: unknown;
  readonly NotPrincipal?: unknown;
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Record<string, Record<string, unknown>>;
}

/** A policy and where it is written, so a failing check can name the statement to fix. */
export interface NamedPolicy {
  /** `<stack>/<logical id>` of the resource that holds the policy (plus the inline policy name). */
  readonly source: string;
  readonly policy: PolicyDocument;
}

export interface DeployedStack {
  /** Artifact id, or `<stack>/<StackSet logical id>@<account>` for a StackSet instance. */
  readonly id: string;
  readonly resolver: TemplateResolver;
}

export interface LoadOptions {
  /**
   * Member accounts the StackSets deploy to (StackSets never deploy to the management account).
   * @default one sample member account, 999999999999
   */
  readonly memberAccountIds?: readonly string[];
  /** Per stack id: logical id → real physical name (e.g. the emulator's bucket and queues). */
  readonly physicalNames?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

interface ManifestArtifact {
  readonly type: string;
  readonly environment?: string;
  readonly properties?: { readonly templateFile?: string; readonly stackName?: string };
}

export const SAMPLE_MEMBER_ACCOUNT = '999999999999';

const asList = <T>(value: T | readonly T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? [...(value as T[])] : [value as T];

export class DeployedSystem {
  private readonly roles = new Map<string, { stack: DeployedStack; logicalId: string }>();
  private readonly policiesByResource = new Map<string, NamedPolicy[]>();
  private readonly bucketAccounts = new Map<string, string>();
  /** Bucket, queue and topic ARNs → the KMS key ARN that encrypts them. */
  private readonly encryptionKeys = new Map<string, string>();

  private constructor(readonly stacks: readonly DeployedStack[]) {
    for (const stack of stacks) this.index(stack);
  }

  /** Reads `manifest.json` and every stack template of a cloud assembly directory. */
  static fromCloudAssembly(dir: string, options: LoadOptions = {}): DeployedSystem {
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as {
      artifacts?: Record<string, ManifestArtifact>;
    };
    const stacks: DeployedStack[] = [];
    for (const [id, artifact] of Object.entries(manifest.artifacts ?? {})) {
      if (artifact.type !== 'aws:cloudformation:stack') continue;
      const match = /^aws:\/\/(\d{12})\/([a-z0-9-]+)$/.exec(artifact.environment ?? '');
      if (match === null) {
        throw new Error(
          `${dir}: stack ${id} has environment ${artifact.environment ?? '(none)'}; permission checks need a concrete account and region (set env on the stack)`,
        );
      }
      const templateFile = artifact.properties?.templateFile;
      if (templateFile === undefined) throw new Error(`${dir}: stack ${id} names no template file`);
      const template = JSON.parse(readFileSync(join(dir, templateFile), 'utf8')) as Template;
      const env = { stackName: artifact.properties?.stackName ?? id, account: match[1]!, region: match[2]! };
      const stack = { id, resolver: new TemplateResolver(env, template, options.physicalNames?.[id]) };
      stacks.push(stack, ...stackSetInstances(stack, options));
    }
    return new DeployedSystem(stacks);
  }

  /** The accounts the StackSet instances of the assembly are in. */
  memberAccountIds(): string[] {
    return [...new Set(this.stacks.filter((s) => s.id.includes('@')).map((s) => s.resolver.env.account))];
  }

  stack(id: string): DeployedStack {
    const stack = this.stacks.find((s) => s.id === id);
    if (stack === undefined) {
      throw new Error(`no stack ${id} in the assembly (have: ${this.stacks.map((s) => s.id).join(', ')})`);
    }
    return stack;
  }

  /**
   * The one resource of `type` made by the construct whose id is `prefix`, wherever it sits in
   * the construct tree: its logical id is `<the ids of its parents><prefix><8-hex hash>`, as CDK
   * writes it (so `ReportBucket` finds `OrgKeyAuditStorageReportBucket1A2B3C4D`, not the access-log
   * bucket, and `Functionsauditaccount` the function, not `Functionsauditaccountrole…`).
   */
  logicalId(stackId: string, type: string, prefix: string): string {
    const { resolver } = this.stack(stackId);
    const pattern = constructLogicalIdPattern(prefix);
    const matches = resolver
      .logicalIds()
      .filter((id) => pattern.test(id) && resolver.resource(id).Type === type);
    if (matches.length !== 1) {
      throw new Error(
        `${stackId}: expected one ${type} named ${prefix}…, found ${matches.length} (${matches.join(', ')})`,
      );
    }
    return matches[0]!;
  }

  arn(stackId: string, type: string, prefix: string): string {
    const logicalId = this.logicalId(stackId, type, prefix);
    const { resolver } = this.stack(stackId);
    return type === 'AWS::SNS::Topic' ? resolver.ref(logicalId) : resolver.getAtt(logicalId, 'Arn');
  }

  /** Whether the assembly creates this role (in any of its stacks or StackSet instances). */
  hasRole(roleArn: string): boolean {
    return this.roles.has(roleArn);
  }

  /** Role ARN → the identity policies attached to it (inline, AWS::IAM::Policy, customer managed). */
  identityPolicies(roleArn: string): NamedPolicy[] {
    const role = this.roles.get(roleArn);
    if (role === undefined) return [];
    const { stack, logicalId } = role;
    const { resolver } = stack;
    const roleName = resolver.physicalName(logicalId);
    const policies: NamedPolicy[] = [];
    const properties = resolver.properties(logicalId);
    for (const inline of asList(
      properties['Policies'] as { PolicyName: string; PolicyDocument: PolicyDocument }[],
    )) {
      policies.push({
        source: `${stack.id}/${logicalId}/${inline.PolicyName}`,
        policy: inline.PolicyDocument,
      });
    }
    for (const managedArn of asList(properties['ManagedPolicyArns'] as string[])) {
      const managed = resolver
        .logicalIds()
        .find(
          (id) =>
            resolver.resource(id).Type === 'AWS::IAM::ManagedPolicy' &&
            resolver.getAtt(id, 'Arn') === managedArn,
        );
      if (managed === undefined) {
        throw new Error(
          `${stack.id}/${logicalId} attaches ${managedArn}, which is not in the assembly: the permission checks cannot see its statements (write the statements into the template instead)`,
        );
      }
      policies.push({
        source: `${stack.id}/${managed}`,
        policy: resolver.properties(managed)['PolicyDocument'] as PolicyDocument,
      });
    }
    for (const id of resolver.logicalIds()) {
      const { Type } = resolver.resource(id);
      if (Type !== 'AWS::IAM::Policy' && Type !== 'AWS::IAM::ManagedPolicy') continue;
      const props = resolver.properties(id);
      if (!asList(props['Roles'] as string[]).includes(roleName)) continue;
      policies.push({ source: `${stack.id}/${id}`, policy: props['PolicyDocument'] as PolicyDocument });
    }
    return policies;
  }

  /** The policies on a resource: trust policy (role), key policy, bucket, queue or topic policy. */
  resourcePolicies(resourceArn: string): NamedPolicy[] {
    const direct = this.policiesByResource.get(resourceArn);
    if (direct !== undefined) return direct;
    // An S3 object is governed by its bucket's policy.
    const object = /^(arn:[^:]+:s3:::[^/]+)\/.+$/.exec(resourceArn);
    if (object !== null) return this.policiesByResource.get(object[1]!) ?? [];
    return [];
  }

  /** The account that owns a resource: from its ARN, or for a bucket, from the stack that made it. */
  accountOf(resourceArn: string): string {
    const fromArn = resourceArn.split(':')[4];
    if (fromArn !== undefined && /^\d{12}$/.test(fromArn)) return fromArn;
    const bucket = /^arn:[^:]+:s3:::([^/]+)/.exec(resourceArn)?.[1];
    if (bucket !== undefined) {
      const account = this.bucketAccounts.get(bucket);
      if (account === undefined) throw new Error(`no stack in the assembly creates bucket ${bucket}`);
      return account;
    }
    throw new Error(`cannot tell which account owns ${resourceArn}`);
  }

  /** The KMS key ARN that encrypts a bucket (or an object in it), queue or topic of the assembly, if any. */
  encryptionKeyOf(resourceArn: string): string | undefined {
    const store = /^(arn:[^:]+:s3:::[^/]+)/.exec(resourceArn)?.[1] ?? resourceArn;
    return this.encryptionKeys.get(store);
  }

  private keyArn(resolver: TemplateResolver, key: string): string {
    if (key.startsWith('arn:')) return key;
    return `arn:${resolver.partition}:kms:${resolver.env.region}:${resolver.env.account}:key/${key}`;
  }

  private index(stack: DeployedStack): void {
    const { resolver } = stack;
    const add = (arn: string, policy: NamedPolicy) => {
      const list = this.policiesByResource.get(arn) ?? [];
      list.push(policy);
      this.policiesByResource.set(arn, list);
    };
    for (const id of resolver.logicalIds()) {
      const { Type } = resolver.resource(id);
      const source = `${stack.id}/${id}`;
      switch (Type) {
        case 'AWS::S3::Bucket': {
          this.bucketAccounts.set(resolver.physicalName(id), resolver.env.account);
          const encryption = resolver.properties(id)['BucketEncryption'] as
            | {
                ServerSideEncryptionConfiguration?: {
                  ServerSideEncryptionByDefault?: { KMSMasterKeyID?: string };
                }[];
              }
            | undefined;
          const key =
            encryption?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault?.KMSMasterKeyID;
          if (key !== undefined)
            this.encryptionKeys.set(resolver.getAtt(id, 'Arn'), this.keyArn(resolver, key));
          break;
        }
        case 'AWS::SQS::Queue':
        case 'AWS::SNS::Topic': {
          const key = resolver.properties(id)['KmsMasterKeyId'] as string | undefined;
          const arn = Type === 'AWS::SNS::Topic' ? resolver.ref(id) : resolver.getAtt(id, 'Arn');
          if (key !== undefined) this.encryptionKeys.set(arn, this.keyArn(resolver, key));
          break;
        }
        case 'AWS::IAM::Role': {
          const arn = resolver.getAtt(id, 'Arn');
          this.roles.set(arn, { stack, logicalId: id });
          add(arn, { source, policy: resolver.properties(id)['AssumeRolePolicyDocument'] as PolicyDocument });
          break;
        }
        case 'AWS::KMS::Key':
          add(resolver.getAtt(id, 'Arn'), {
            source,
            policy: resolver.properties(id)['KeyPolicy'] as PolicyDocument,
          });
          break;
        case 'AWS::S3::BucketPolicy': {
          const props = resolver.properties(id);
          add(`arn:${resolver.partition}:s3:::${String(props['Bucket'])}`, {
            source,
            policy: props['PolicyDocument'] as PolicyDocument,
          });
          break;
        }
        case 'AWS::SQS::QueuePolicy': {
          const props = resolver.properties(id);
          for (const url of asList(props['Queues'] as string[])) {
            add(queueArnFromUrl(url, resolver.partition), {
              source,
              policy: props['PolicyDocument'] as PolicyDocument,
            });
          }
          break;
        }
        case 'AWS::SNS::TopicPolicy': {
          const props = resolver.properties(id);
          for (const topic of asList(props['Topics'] as string[])) {
            add(topic, { source, policy: props['PolicyDocument'] as PolicyDocument });
          }
          break;
        }
      }
    }
  }
}

/**
 * Logical ids CDK gives the resource of a construct whose id, as CDK writes it in a logical id
 * (alphanumerics only), is `constructId`, under any parent path: `<path><constructId><8 hex digits>`.
 */
export function constructLogicalIdPattern(constructId: string): RegExp {
  const escaped = constructId.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`^[A-Za-z0-9]*?${escaped}[0-9A-F]{8}$`);
}

export function queueArnFromUrl(url: string, partition = 'aws'): string {
  const match = /^https?:\/\/sqs\.([a-z0-9-]+)\.[^/]+\/(\d{12})\/([^/]+)$/.exec(url);
  if (match === null) throw new Error(`${url} is not an SQS queue URL`);
  return `arn:${partition}:sqs:${match[1]}:${match[2]}:${match[3]}`;
}

/** Each service-managed StackSet's template, as a stack in every member account it reaches. */
function stackSetInstances(stack: DeployedStack, options: LoadOptions): DeployedStack[] {
  const { resolver } = stack;
  const instances: DeployedStack[] = [];
  for (const id of resolver.logicalIds()) {
    if (resolver.resource(id).Type !== 'AWS::CloudFormation::StackSet') continue;
    const props = resolver.properties(id);
    const body = JSON.parse(String(props['TemplateBody'])) as Template;
    const groups = asList(props['StackInstancesGroup'] as { Regions: string[] }[]);
    const regions = groups.flatMap((g) => g.Regions);
    for (const account of options.memberAccountIds ?? [SAMPLE_MEMBER_ACCOUNT]) {
      for (const region of regions.length === 0 ? [resolver.env.region] : regions) {
        const instanceId = `${stack.id}/${id}@${account}`;
        const env: StackEnvironment = {
          stackName: `StackSet-${resolver.physicalName(id)}-${account}`,
          account,
          region,
        };
        instances.push({
          id: instanceId,
          resolver: new TemplateResolver(env, body, options.physicalNames?.[instanceId]),
        });
      }
    }
  }
  return instances;
}
