/**
 * A faithful local Distributed Map. aws-local-stepfunctions runs DISTRIBUTED maps inline and has no
 * ItemReader, ResultWriter or tolerated failures, so the runner replaces the Map state with a local
 * task whose handler is made here: items from S3, ItemSelector per item, one child execution per item
 * with its own context and name, bounded concurrency, tolerated failure thresholds, and results in
 * S3 in AWS's ResultWriter layout (`<Prefix>/<MapRunId>/manifest.json`, `SUCCEEDED_0.json`,
 * `FAILED_0.json`). The replacing task keeps the Map's Retry, Catch, ResultSelector and paths.
 */
import { randomUUID } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  ExecutionError,
  type RunOptions,
  StateMachine,
  type StateMachineDefinition,
} from 'aws-local-stepfunctions';
import { RunnerConfigError, StatesTaskError } from './errors';
import {
  applyTemplate,
  type ContextObject,
  evaluatePath,
  type JsonObject,
  type JsonValue,
} from './json-path';
import type { EventLog } from './metrics';

/** AWS runs at most 10,000 children of one Map Run at once; 0 or no limit means that many. */
export const DISTRIBUTED_MAP_MAX_CONCURRENCY = 10_000;

export interface DistributedMapOptions {
  readonly stateName: string;
  readonly state: JsonObject;
  readonly s3: S3Client;
  readonly stateMachineArn: string;
  /** The parent's context object (`$$` in ItemSelector and ItemReader Parameters). */
  readonly parentContext: () => ContextObject;
  /** Overrides for the child executions (task bindings by state name, retry intervals). */
  readonly childRunOptions: () => RunOptions;
  /** A local cap on top of MaxConcurrency, so a laptop or the emulator is not flooded. */
  readonly concurrencyLimit?: number;
  readonly onChildStarted?: () => void;
  readonly onChildEvent?: (event: EventLog) => void;
  /** After each child finishes: children done, items in all, and how that child ended. */
  readonly onProgress?: (done: number, total: number, child: MapChildProgress) => void;
  readonly now?: () => Date;
  readonly newId?: () => string;
}

/** How one child execution of the Map ended, as its ResultWriter entry records it. */
export interface MapChildProgress {
  /** The item's index in the Map's items. */
  readonly index: number;
  readonly status: 'SUCCEEDED' | 'FAILED';
  /** The child's output when it SUCCEEDED; `{ Error, Cause }` when it FAILED. */
  readonly output: JsonValue;
}

interface ChildRecord {
  readonly status: 'SUCCEEDED' | 'FAILED';
  /** The ResultWriter entry, serialized once: 10,000 small strings keep memory flat. */
  readonly entry: string;
  readonly output: JsonValue;
}

/** Checks a Map state is one the local implementation supports, before anything runs. */
export function assertSupportedDistributedMap(stateName: string, state: JsonObject): void {
  const reader = state['ItemReader'] as JsonObject | undefined;
  if (reader) {
    if (reader['Resource'] !== 'arn:aws:states:::s3:getObject') {
      throw new RunnerConfigError(
        `${stateName}: ItemReader Resource ${String(reader['Resource'])} is not supported locally; use arn:aws:states:::s3:getObject`,
      );
    }
    const config = (reader['ReaderConfig'] ?? {}) as JsonObject;
    if (config['InputType'] !== 'JSON') {
      throw new RunnerConfigError(`${stateName}: ItemReader ReaderConfig.InputType must be JSON locally`);
    }
  }
  const writer = state['ResultWriter'] as JsonObject | undefined;
  if (writer && writer['Resource'] !== 'arn:aws:states:::s3:putObject') {
    throw new RunnerConfigError(
      `${stateName}: ResultWriter needs Resource arn:aws:states:::s3:putObject locally`,
    );
  }
  if (writer?.['WriterConfig'] !== undefined) {
    throw new RunnerConfigError(
      `${stateName}: ResultWriter WriterConfig is not supported locally; remove it`,
    );
  }
  if (state['ItemBatcher'] !== undefined) {
    throw new RunnerConfigError(`${stateName}: ItemBatcher is not supported locally; remove it`);
  }
}

/** The task handler that stands in for one Distributed Map state. */
export function makeDistributedMapHandler(
  options: DistributedMapOptions,
): (input: JsonValue) => Promise<JsonValue> {
  const { state, stateName } = options;
  assertSupportedDistributedMap(stateName, state);
  const processor = (state['ItemProcessor'] ?? state['Iterator']) as JsonObject;
  const { ProcessorConfig: _config, ...childDefinition } = processor;
  // Validated with the whole definition already; the library's own validator predates some fields.
  const child = new StateMachine(childDefinition as unknown as StateMachineDefinition, {
    validationOptions: { noValidate: true },
  });
  const now = options.now ?? (() => new Date());
  const newId = options.newId ?? randomUUID;

  return async (input) => {
    const context = options.parentContext();
    const items = await readItems(options, input, context);
    const concurrency = resolveConcurrency(options, input, context);
    const tolerance = resolveTolerance(state, input, context);
    const mapRunId = newId();
    const { region, account, name: stateMachineName } = parseStateMachineArn(options.stateMachineArn);
    const label = typeof state['Label'] === 'string' ? state['Label'] : stateName;
    const mapRunArn = `arn:aws:states:${region}:${account}:mapRun:${stateMachineName}/${label}:${mapRunId}`;
    const childMachineArn = `arn:aws:states:${region}:${account}:stateMachine:${stateMachineName}/${label}`;

    const records: (ChildRecord | undefined)[] = new Array(items.length);
    let next = 0;
    let done = 0;
    let failed = 0;
    let exceeded = false;

    const runOne = async (index: number): Promise<void> => {
      const item = items[index] as JsonValue;
      const itemContext = { ...context, Map: { Item: { Index: index, Value: item } } };
      const selector = state['ItemSelector'] ?? state['Parameters'];
      const childInput = selector === undefined ? item : applyTemplate(selector, input, itemContext);
      const name = `${mapRunId.slice(0, 8)}-${index}`;
      const executionArn = `arn:aws:states:${region}:${account}:execution:${stateMachineName}/${label}:${name}`;
      const startDate = now().toISOString();
      options.onChildStarted?.();
      const execution = child.run(childInput, {
        ...options.childRunOptions(),
        context: {
          Execution: { Id: executionArn, Name: name },
          StateMachine: { Id: childMachineArn, Name: `${stateMachineName}/${label}` },
        },
      });
      const events = drain(execution.eventLogs, options.onChildEvent);
      const base = {
        ExecutionArn: executionArn,
        Input: JSON.stringify(childInput),
        InputDetails: { Included: true },
        Name: name,
        RedriveCount: 0,
        StartDate: startDate,
        StateMachineArn: childMachineArn,
      };
      try {
        const output = (await execution.result) as JsonValue;
        records[index] = {
          status: 'SUCCEEDED',
          output,
          entry: JSON.stringify({
            ...base,
            Output: JSON.stringify(output),
            OutputDetails: { Included: true },
            RedriveStatus: 'NOT_REDRIVABLE',
            RedriveStatusReason: 'Execution is SUCCEEDED and cannot be redriven',
            Status: 'SUCCEEDED',
            StopDate: now().toISOString(),
          }),
        };
      } catch (error) {
        const { Error: errorName, Cause } = describeFailure(error);
        failed += 1;
        records[index] = {
          status: 'FAILED',
          output: { Error: errorName, Cause },
          entry: JSON.stringify({
            ...base,
            Cause,
            Error: errorName,
            RedriveStatus: 'REDRIVABLE',
            Status: 'FAILED',
            StopDate: now().toISOString(),
          }),
        };
        if (tolerance.isExceeded(failed, items.length)) exceeded = true;
      } finally {
        await events;
        done += 1;
        const record = records[index];
        options.onProgress?.(done, items.length, {
          index,
          status: record?.status ?? 'FAILED',
          output: record?.output ?? null,
        });
      }
    };

    const worker = async (): Promise<void> => {
      // AWS stops starting children once the threshold is exceeded; in-flight ones finish.
      while (!exceeded && next < items.length) await runOne(next++);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));

    const writer = state['ResultWriter'] as JsonObject | undefined;
    const result = writer
      ? await writeResults(options, writer, input, context, mapRunArn, mapRunId, records)
      : (records.filter((record) => record !== undefined).map((record) => record.output) as JsonValue);
    if (exceeded) {
      throw new StatesTaskError(
        'States.ExceedToleratedFailureThreshold',
        `The specified tolerated failure threshold was exceeded: ${failed} of ${items.length} child executions failed`,
      );
    }
    return result;
  };
}

async function readItems(
  options: DistributedMapOptions,
  input: JsonValue,
  context: ContextObject,
): Promise<JsonValue[]> {
  const reader = options.state['ItemReader'] as JsonObject | undefined;
  if (!reader) {
    const path = options.state['ItemsPath'];
    const items = typeof path === 'string' ? evaluatePath(path, input, context) : input;
    if (!Array.isArray(items)) {
      throw new StatesTaskError(
        'States.Runtime',
        `${options.stateName}: the Map input or ItemsPath is not an array`,
      );
    }
    return items;
  }
  const parameters = applyTemplate(reader['Parameters'] ?? {}, input, context) as JsonObject;
  const bucket = parameters['Bucket'];
  const key = parameters['Key'];
  if (typeof bucket !== 'string' || typeof key !== 'string') {
    throw new StatesTaskError(
      'States.ItemReaderFailed',
      'ItemReader Parameters must resolve Bucket and Key to strings',
    );
  }
  let items: unknown;
  try {
    const object = await options.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    items = JSON.parse((await object.Body?.transformToString('utf8')) ?? '');
  } catch (error) {
    throw new StatesTaskError(
      'States.ItemReaderFailed',
      `Could not read items from s3://${bucket}/${key}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  if (!Array.isArray(items)) {
    throw new StatesTaskError('States.ItemReaderFailed', `s3://${bucket}/${key} does not hold a JSON array`);
  }
  const config = (reader['ReaderConfig'] ?? {}) as JsonObject;
  const maxItems =
    typeof config['MaxItemsPath'] === 'string'
      ? evaluatePath(config['MaxItemsPath'], input, context)
      : config['MaxItems'];
  return typeof maxItems === 'number' && maxItems > 0 ? items.slice(0, maxItems) : items;
}

function resolveConcurrency(
  options: DistributedMapOptions,
  input: JsonValue,
  context: ContextObject,
): number {
  const { state } = options;
  const value =
    typeof state['MaxConcurrencyPath'] === 'string'
      ? evaluatePath(state['MaxConcurrencyPath'], input, context)
      : (state['MaxConcurrency'] ?? 0);
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new StatesTaskError(
      'States.Runtime',
      `${options.stateName}: MaxConcurrency must be an integer >= 0`,
    );
  }
  const fromDefinition =
    value === 0 ? DISTRIBUTED_MAP_MAX_CONCURRENCY : Math.min(value, DISTRIBUTED_MAP_MAX_CONCURRENCY);
  const limit = options.concurrencyLimit;
  return limit !== undefined && limit > 0 ? Math.min(fromDefinition, limit) : fromDefinition;
}

interface Tolerance {
  isExceeded(failed: number, total: number): boolean;
}

function resolveTolerance(state: JsonObject, input: JsonValue, context: ContextObject): Tolerance {
  const read = (field: string): number | undefined => {
    const pathField = `${field}Path`;
    const value =
      typeof state[pathField] === 'string' ? evaluatePath(state[pathField], input, context) : state[field];
    return typeof value === 'number' ? value : undefined;
  };
  const percentage = read('ToleratedFailurePercentage');
  const count = read('ToleratedFailureCount');
  return {
    isExceeded(failed, total) {
      // Without either field AWS tolerates no failure at all.
      if (percentage === undefined && count === undefined) return failed > 0;
      if (count !== undefined && failed > count) return true;
      return percentage !== undefined && total > 0 && (failed / total) * 100 > percentage;
    },
  };
}

async function writeResults(
  options: DistributedMapOptions,
  writer: JsonObject,
  input: JsonValue,
  context: ContextObject,
  mapRunArn: string,
  mapRunId: string,
  records: readonly (ChildRecord | undefined)[],
): Promise<JsonValue> {
  const parameters = applyTemplate(writer['Parameters'] ?? {}, input, context) as JsonObject;
  const bucket = parameters['Bucket'];
  if (typeof bucket !== 'string') {
    throw new StatesTaskError(
      'States.ResultWriterFailed',
      'ResultWriter Parameters must resolve Bucket to a string',
    );
  }
  const prefix = typeof parameters['Prefix'] === 'string' ? parameters['Prefix'].replace(/\/+$/, '') : '';
  const base = prefix === '' ? mapRunId : `${prefix}/${mapRunId}`;
  const files: Record<'FAILED' | 'PENDING' | 'SUCCEEDED', { Key: string; Size: number }[]> = {
    FAILED: [],
    PENDING: [],
    SUCCEEDED: [],
  };
  try {
    for (const status of ['SUCCEEDED', 'FAILED'] as const) {
      const entries = records.filter((record) => record?.status === status).map((record) => record?.entry);
      if (entries.length === 0) continue;
      const key = `${base}/${status}_0.json`;
      const body = `[${entries.join(',')}]`;
      await put(options.s3, bucket, key, body);
      files[status].push({ Key: key, Size: Buffer.byteLength(body, 'utf8') });
    }
    const manifestKey = `${base}/manifest.json`;
    const manifest = { DestinationBucket: bucket, MapRunArn: mapRunArn, ResultFiles: files };
    await put(options.s3, bucket, manifestKey, JSON.stringify(manifest));
    return { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: bucket, Key: manifestKey } };
  } catch (error) {
    throw new StatesTaskError(
      'States.ResultWriterFailed',
      `Could not write the Map Run results to s3://${bucket}/${base}/: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
}

async function put(s3: S3Client, bucket: string, key: string, body: string): Promise<void> {
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }),
  );
}

async function drain(events: AsyncGenerator<EventLog>, observe?: (event: EventLog) => void): Promise<void> {
  for await (const event of events) observe?.(event);
}

/** Error and Cause of a failed child, as its execution history would show them. */
export function describeFailure(error: unknown): { Error: string; Cause: string } {
  const inner = error instanceof ExecutionError && error.cause instanceof Error ? error.cause : error;
  if (inner instanceof Error) return { Error: inner.name, Cause: inner.message };
  return { Error: 'States.Runtime', Cause: String(inner) };
}

export function parseStateMachineArn(arn: string): { region: string; account: string; name: string } {
  const match = /^arn:aws[\w-]*:states:([\w-]+):(\d{12}):stateMachine:([\w-]{1,80})$/.exec(arn);
  if (!match) {
    throw new RunnerConfigError(
      `stateMachineArn '${arn}' is not a state machine ARN: use arn:aws:states:<region>:<account>:stateMachine:<name>`,
    );
  }
  return { region: match[1] ?? '', account: match[2] ?? '', name: match[3] ?? '' };
}
