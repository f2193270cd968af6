/**
 * Resolves a synthesized CloudFormation template's intrinsic functions to the concrete values
 * CloudFormation would produce in one account and region, so that policies can be evaluated as
 * they would be deployed. Physical names that CloudFormation generates (a bucket or queue
 * without a name) are made up deterministically from the stack name and logical id, unless the
 * caller knows the real ones (the emulator's resources, for instance).
 *
 * Anything this resolver does not understand is an error naming the construct: a policy that
 * is silently resolved to something else would make every permission test a lie.
 */
import { createHash } from 'node:crypto';

export interface StackEnvironment {
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  /** @default 'aws' */
  readonly partition?: string;
}

export interface TemplateResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
  readonly Condition?: string;
}

export interface Template {
  readonly Resources?: Record<string, TemplateResource>;
  readonly Conditions?: Record<string, unknown>;
  readonly Mappings?: Record<string, Record<string, Record<string, unknown>>>;
  readonly Parameters?: Record<string, { readonly Default?: unknown }>;
}

export class UnresolvableTemplateError extends Error {
  constructor(
    readonly stackName: string,
    message: string,
  ) {
    super(`${stackName}: ${message}`);
    this.name = 'UnresolvableTemplateError';
  }
}

/** Which property names a resource type's physical name, and how CloudFormation makes one up. */
const NAME_PROPERTY: Readonly<Record<string, string>> = {
  'AWS::S3::Bucket': 'BucketName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::StepFunctions::StateMachine': 'StateMachineName',
  'AWS::Logs::LogGroup': 'LogGroupName',
  'AWS::Events::Rule': 'Name',
  'AWS::Scheduler::Schedule': 'Name',
  'AWS::CloudWatch::Alarm': 'AlarmName',
  'AWS::CloudFormation::StackSet': 'StackSetName',
};

const NO_VALUE = Symbol('AWS::NoValue');

export class TemplateResolver {
  readonly partition: string;
  private readonly resources: Record<string, TemplateResource>;
  private readonly names = new Map<string, string>();

  constructor(
    readonly env: StackEnvironment,
    readonly template: Template,
    /** Logical id → physical name, for resources whose real name is known. */
    private readonly physicalNames: Readonly<Record<string, string>> = {},
  ) {
    this.partition = env.partition ?? 'aws';
    this.resources = template.Resources ?? {};
  }

  get stackName(): string {
    return this.env.stackName;
  }

  logicalIds(): string[] {
    return Object.keys(this.resources);
  }

  resource(logicalId: string): TemplateResource {
    const resource = this.resources[logicalId];
    if (resource === undefined) this.fail(`no resource ${logicalId}`);
    return resource;
  }

  /** The resource's properties with every intrinsic function resolved. */
  properties(logicalId: string): Record<string, unknown> {
    return (this.resolve(this.resource(logicalId).Properties ?? {}) ?? {}) as Record<string, unknown>;
  }

  /** The name CloudFormation gives the resource: its name property, or a deterministic made-up one. */
  physicalName(logicalId: string): string {
    const known = this.names.get(logicalId);
    if (known !== undefined) return known;
    const resource = this.resource(logicalId);
    const override = this.physicalNames[logicalId];
    const property = NAME_PROPERTY[resource.Type];
    const declared = property === undefined ? undefined : resource.Properties?.[property];
    let name: string;
    if (override !== undefined) name = override;
    else if (declared !== undefined) name = String(this.resolve(declared));
    else if (resource.Type === 'AWS::KMS::Key')
      name = keyId(`${this.env.account}/${this.stackName}/${logicalId}`);
    else if (resource.Type === 'AWS::S3::Bucket')
      name = `${this.stackName}-${logicalId}`.toLowerCase().slice(0, 63);
    else name = `${this.stackName}-${logicalId}`.slice(0, 64);
    this.names.set(logicalId, name);
    return name;
  }

  ref(logicalId: string): string {
    switch (logicalId) {
      case 'AWS::Partition':
        return this.partition;
      case 'AWS::Region':
        return this.env.region;
      case 'AWS::AccountId':
        return this.env.account;
      case 'AWS::StackName':
        return this.stackName;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackId':
        return `arn:${this.partition}:cloudformation:${this.env.region}:${this.env.account}:stack/${this.stackName}/00000000-0000-0000-0000-000000000000`;
    }
    const parameter = this.template.Parameters?.[logicalId];
    if (parameter !== undefined) {
      if (parameter.Default === undefined) this.fail(`parameter ${logicalId} has no default`);
      return String(parameter.Default);
    }
    const { Type } = this.resource(logicalId);
    const name = this.physicalName(logicalId);
    switch (Type) {
      case 'AWS::SQS::Queue':
        return `https://sqs.${this.env.region}.amazonaws.com/${this.env.account}/${name}`;
      case 'AWS::SNS::Topic':
      case 'AWS::StepFunctions::StateMachine':
      case 'AWS::IAM::ManagedPolicy':
        return this.getAtt(logicalId, 'Arn');
      default:
        return name;
    }
  }

  getAtt(logicalId: string, attribute: string): string {
    const { Type } = this.resource(logicalId);
    const name = this.physicalName(logicalId);
    const { partition } = this;
    const { region, account } = this.env;
    const arn = (service: string, resource: string, regional = true) =>
      `arn:${partition}:${service}:${regional ? region : ''}:${account}:${resource}`;
    const attributes: Record<string, Record<string, () => string>> = {
      'AWS::S3::Bucket': {
        Arn: () => `arn:${partition}:s3:::${name}`,
        DomainName: () => `${name}.s3.amazonaws.com`,
        RegionalDomainName: () => `${name}.s3.${region}.amazonaws.com`,
      },
      'AWS::SQS::Queue': {
        Arn: () => arn('sqs', name),
        QueueName: () => name,
        QueueUrl: () => this.ref(logicalId),
      },
      'AWS::SNS::Topic': {
        TopicArn: () => arn('sns', name),
        Arn: () => arn('sns', name),
        TopicName: () => name,
      },
      'AWS::IAM::Role': {
        Arn: () => `arn:${partition}:iam::${account}:role${this.rolePath(logicalId)}${name}`,
        RoleId: () => `AROA${keyId(name).replaceAll('-', '').slice(0, 17).toUpperCase()}`,
      },
      'AWS::IAM::ManagedPolicy': { Arn: () => `arn:${partition}:iam::${account}:policy/${name}` },
      'AWS::Lambda::Function': { Arn: () => arn('lambda', `function:${name}`) },
      'AWS::KMS::Key': { Arn: () => arn('kms', `key/${name}`), KeyId: () => name },
      'AWS::StepFunctions::StateMachine': {
        Arn: () => arn('states', `stateMachine:${name}`),
        Name: () => name,
      },
      'AWS::Logs::LogGroup': { Arn: () => arn('logs', `log-group:${name}:*`) },
      'AWS::Events::Rule': { Arn: () => arn('events', `rule/${name}`) },
      'AWS::Scheduler::Schedule': { Arn: () => arn('scheduler', `schedule/default/${name}`) },
      'AWS::CloudWatch::Alarm': { Arn: () => arn('cloudwatch', `alarm:${name}`) },
    };
    const get = attributes[Type]?.[attribute];
    if (get === undefined)
      this.fail(`Fn::GetAtt ${logicalId}.${attribute} (${Type}) is not known to the resolver`);
    return get();
  }

  /** Deeply resolves intrinsic functions; `AWS::NoValue` removes the property or list item. */
  resolve(value: unknown): unknown {
    const resolved = this.resolveValue(value);
    return resolved === NO_VALUE ? undefined : resolved;
  }

  private resolveValue(value: unknown): unknown {
    if (Array.isArray(value)) {
      return value.map((item) => this.resolveValue(item)).filter((item) => item !== NO_VALUE);
    }
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    const [first] = entries;
    if (entries.length === 1 && first !== undefined && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
      return this.intrinsic(first[0], first[1]);
    }
    const out: Record<string, unknown> = {};
    for (const [key, item] of entries) {
      const resolved = this.resolveValue(item);
      if (resolved !== NO_VALUE) out[key] = resolved;
    }
    return out;
  }

  private intrinsic(name: string, argument: unknown): unknown {
    const args = (): unknown[] => {
      if (!Array.isArray(argument)) this.fail(`${name} takes a list, got ${JSON.stringify(argument)}`);
      return argument;
    };
    switch (name) {
      case 'Ref':
        if (argument === 'AWS::NoValue') return NO_VALUE;
        return this.ref(String(argument));
      case 'Fn::GetAtt': {
        const [logicalId, attribute] = typeof argument === 'string' ? argument.split('.') : args();
        return this.getAtt(String(logicalId), String(attribute));
      }
      case 'Fn::Join': {
        const [delimiter, list] = args();
        return (this.resolveValue(list) as unknown[]).map(String).join(String(delimiter));
      }
      case 'Fn::Select': {
        const [index, list] = args();
        const items = this.resolveValue(list) as unknown[];
        const item = items[Number(this.resolveValue(index))];
        if (item === undefined) this.fail(`Fn::Select index ${String(index)} is out of range`);
        return item;
      }
      case 'Fn::Split': {
        const [delimiter, source] = args();
        return String(this.resolveValue(source)).split(String(delimiter));
      }
      case 'Fn::Sub':
        return this.sub(argument);
      case 'Fn::If': {
        const [condition, whenTrue, whenFalse] = args();
        return this.resolveValue(this.condition(String(condition)) ? whenTrue : whenFalse);
      }
      case 'Fn::FindInMap': {
        const [map, top, second] = args().map((a) => String(this.resolveValue(a)));
        const found = this.template.Mappings?.[map as string]?.[top as string]?.[second as string];
        if (found === undefined) this.fail(`Fn::FindInMap ${map}.${top}.${second} is not in Mappings`);
        return found;
      }
      case 'Fn::Base64':
        return Buffer.from(String(this.resolveValue(argument)), 'utf8').toString('base64');
      default:
        this.fail(`${name} is not supported by the resolver`);
    }
  }

  private sub(argument: unknown): string {
    const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
    const vars = (this.resolveValue(variables ?? {}) ?? {}) as Record<string, unknown>;
    return String(text).replace(/\$\{(!?)([^}]+)\}/g, (_match, literal: string, expression: string) => {
      if (literal === '!') return `\${${expression}}`;
      if (expression in vars) return String(vars[expression]);
      const [logicalId, attribute] = expression.split('.');
      return attribute === undefined ? this.ref(expression) : this.getAtt(logicalId as string, attribute);
    });
  }

  private condition(name: string): boolean {
    const definition = this.template.Conditions?.[name];
    if (definition === undefined) this.fail(`condition ${name} is not defined`);
    return this.evaluateCondition(definition);
  }

  private evaluateCondition(definition: unknown): boolean {
    const [entry] = Object.entries(definition as Record<string, unknown>);
    if (entry === undefined) this.fail('an empty condition');
    const [fn, argument] = entry;
    const list = argument as unknown[];
    switch (fn) {
      case 'Fn::Equals':
        return JSON.stringify(this.resolveValue(list[0])) === JSON.stringify(this.resolveValue(list[1]));
      case 'Fn::Not':
        return !this.evaluateCondition(list[0]);
      case 'Fn::And':
        return list.every((c) => this.evaluateCondition(c));
      case 'Fn::Or':
        return list.some((c) => this.evaluateCondition(c));
      case 'Condition':
        return this.condition(String(argument));
      default:
        this.fail(`condition function ${fn} is not supported`);
    }
  }

  private rolePath(logicalId: string): string {
    const path = this.resource(logicalId).Properties?.['Path'];
    return path === undefined ? '/' : String(this.resolve(path));
  }

  private fail(message: string): never {
    throw new UnresolvableTemplateError(this.stackName, message);
  }
}

/** A stable, UUID-shaped KMS key id for a key CloudFormation would create. */
function keyId(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
