// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ASL placeholders are literal ${...} text, not templates
import { readFileSync } from 'node:fs';
import { manifestSchema, RunStore } from '@org-key-audit/functions/aws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type MapChildProgress, runWorkflow } from '../src/runner';
import { Gate, NamedError, unusedTasks } from './support/doubles';
import { createFakeAws, type FakeAws } from './support/fake-aws';
import { REPORT_BUCKET, SUBSTITUTIONS } from './support/substitutions';

const ITEMS_BUCKET = 'items-bucket';

interface MapOutput {
  readonly map: { readonly MapRunArn: string; readonly ResultWriterDetails: { Bucket: string; Key: string } };
  readonly failure?: { readonly Error: string; readonly Cause: string };
}
interface ResultEntry {
  readonly ExecutionArn: string;
  readonly Name: string;
  readonly StateMachineArn: string;
  readonly Status: string;
  readonly Input: string;
  readonly Output?: string;
  readonly Error?: string;
  readonly Cause?: string;
}
const outputOf = (result: { output?: unknown }) => result.output as MapOutput;

/** A minimal parent around one Distributed Map, shaped like the product's. */
function mapDefinition(mapFields: Record<string, unknown>) {
  return {
    StartAt: 'Fan',
    States: {
      Fan: {
        Type: 'Map',
        Label: 'Fan',
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSON' },
          Parameters: { 'Bucket.$': '$.bucket', 'Key.$': '$.key' },
        },
        ItemSelector: {
          'id.$': '$$.Map.Item.Value',
          'index.$': '$$.Map.Item.Index',
          'run.$': '$$.Execution.Name',
          'tag.$': '$.tag',
        },
        ItemProcessor: {
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: '${ChildExecutionType}' },
          StartAt: 'Work',
          States: {
            Work: {
              Type: 'Task',
              Resource: 'arn:aws:states:::lambda:invoke',
              Parameters: { FunctionName: '${AuditAccountFunctionArn}', 'Payload.$': '$' },
              OutputPath: '$.Payload',
              End: true,
            },
          },
        },
        MaxConcurrencyPath: '$.concurrency',
        ResultWriter: {
          Resource: 'arn:aws:states:::s3:putObject',
          Parameters: { Bucket: '${ReportBucket}', Prefix: 'results' },
        },
        ResultPath: '$.map',
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'MapFailed' }],
        Next: 'Done',
        ...mapFields,
      },
      MapFailed: { Type: 'Pass', End: true },
      Done: { Type: 'Succeed' },
    },
  };
}

let aws: FakeAws;
beforeEach(() => {
  aws = createFakeAws([]);
});
afterEach(() => aws.restore());

function run(
  ids: readonly string[],
  worker: (event: { id: string; index: number }) => unknown,
  options: {
    mapFields?: Record<string, unknown>;
    concurrency?: number;
    mapConcurrencyLimit?: number;
    onProgress?: (done: number, total: number, child: MapChildProgress) => void;
  } = {},
) {
  aws.putJson(ITEMS_BUCKET, 'in/items.json', ids);
  return runWorkflow({
    definition: mapDefinition(options.mapFields ?? { ToleratedFailurePercentage: 100 }),
    input: { bucket: ITEMS_BUCKET, key: 'in/items.json', tag: 'T', concurrency: options.concurrency ?? 0 },
    executionName: 'map-test',
    tasks: { ...unusedTasks(), auditAccount: worker as never },
    s3: aws.s3,
    sqs: aws.sqs,
    substitutions: SUBSTITUTIONS,
    retryDelayMs: 0,
    ...(options.mapConcurrencyLimit === undefined
      ? {}
      : { mapConcurrencyLimit: options.mapConcurrencyLimit }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
  });
}

describe('Distributed Map: items, ItemSelector and ResultWriter', () => {
  it('runs one child per S3 item with the selected input and writes AWS-format results', async () => {
    const result = await run(['a', 'b', 'c'], (event) => {
      if (event.id === 'b') throw new NamedError('Boom', 'b always fails');
      return { done: event.id };
    });

    expect(result.status).toBe('SUCCEEDED');
    const { map } = outputOf(result);
    expect(map.MapRunArn).toMatch(
      /^arn:aws:states:us-east-1:000000000000:mapRun:AuditOrganization\/Fan:[\w-]+$/,
    );
    const mapRunId = map.MapRunArn.split(':').pop() ?? '';
    const base = `results/${mapRunId}`;
    expect(map.ResultWriterDetails).toEqual({ Bucket: REPORT_BUCKET, Key: `${base}/manifest.json` });

    const succeededText = aws.objects.get(`${REPORT_BUCKET}/${base}/SUCCEEDED_0.json`) ?? '';
    const failedText = aws.objects.get(`${REPORT_BUCKET}/${base}/FAILED_0.json`) ?? '';
    expect(aws.getJson(REPORT_BUCKET, `${base}/manifest.json`)).toEqual({
      DestinationBucket: REPORT_BUCKET,
      MapRunArn: map.MapRunArn,
      ResultFiles: {
        FAILED: [{ Key: `${base}/FAILED_0.json`, Size: Buffer.byteLength(failedText) }],
        PENDING: [],
        SUCCEEDED: [{ Key: `${base}/SUCCEEDED_0.json`, Size: Buffer.byteLength(succeededText) }],
      },
    });

    const succeeded = JSON.parse(succeededText) as ResultEntry[];
    expect(succeeded.map((entry) => JSON.parse(entry.Input))).toEqual([
      { id: 'a', index: 0, run: 'map-test', tag: 'T' },
      { id: 'c', index: 2, run: 'map-test', tag: 'T' },
    ]);
    expect(succeeded.map((entry) => JSON.parse(entry.Output ?? ''))).toEqual([{ done: 'a' }, { done: 'c' }]);
    for (const entry of succeeded) {
      expect(entry.Status).toBe('SUCCEEDED');
      expect(entry.StateMachineArn).toBe(
        'arn:aws:states:us-east-1:000000000000:stateMachine:AuditOrganization/Fan',
      );
      expect(entry.ExecutionArn).toBe(
        `arn:aws:states:us-east-1:000000000000:execution:AuditOrganization/Fan:${entry.Name}`,
      );
    }
    expect(new Set(succeeded.map((entry) => entry.Name)).size).toBe(2);

    const failed = JSON.parse(failedText) as ResultEntry[];
    expect(failed).toHaveLength(1);
    expect(failed[0]?.Status).toBe('FAILED');
    expect(JSON.parse(failed[0]?.Input ?? '')).toEqual({ id: 'b', index: 1, run: 'map-test', tag: 'T' });
    expect(failed[0]?.Error).toBe('Boom');
    expect(JSON.parse(failed[0]?.Cause ?? '')).toEqual({
      errorType: 'Boom',
      errorMessage: 'b always fails',
      trace: [],
    });
    expect(failed[0]?.Output).toBeUndefined();
  });

  it('writes no FAILED file when every child succeeds', async () => {
    const result = await run(['a'], (event) => ({ done: event.id }));
    const manifest = aws.getJson(REPORT_BUCKET, outputOf(result).map.ResultWriterDetails.Key) as {
      ResultFiles: Record<string, unknown[]>;
    };
    expect(manifest.ResultFiles.FAILED).toEqual([]);
    expect(manifest.ResultFiles.SUCCEEDED).toHaveLength(1);
  });

  it('reports each finished child to onProgress with its status and output, so failures can be counted', async () => {
    const calls: [number, number, MapChildProgress][] = [];
    await run(
      ['a', 'b', 'c'],
      (event) => {
        if (event.id === 'b') throw new NamedError('Boom', 'b always fails');
        return { done: event.id };
      },
      { concurrency: 1, onProgress: (done, total, child) => calls.push([done, total, child]) },
    );
    expect(calls).toEqual([
      [1, 3, { index: 0, status: 'SUCCEEDED', output: { done: 'a' } }],
      [
        2,
        3,
        {
          index: 1,
          status: 'FAILED',
          output: { Error: 'Boom', Cause: expect.stringContaining('b always fails') },
        },
      ],
      [3, 3, { index: 2, status: 'SUCCEEDED', output: { done: 'c' } }],
    ]);
  });

  it('fails with States.ItemReaderFailed, which the Map Catch sees, when the items object is missing', async () => {
    const result = await runWorkflow({
      definition: mapDefinition({ ToleratedFailurePercentage: 100 }),
      input: { bucket: ITEMS_BUCKET, key: 'missing.json', tag: 'T', concurrency: 0 },
      executionName: 'map-test',
      tasks: unusedTasks(),
      s3: aws.s3,
      sqs: aws.sqs,
      substitutions: SUBSTITUTIONS,
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(outputOf(result).failure?.Error).toBe('States.ItemReaderFailed');
    expect(outputOf(result).failure?.Cause).toContain(`s3://${ITEMS_BUCKET}/missing.json`);
  });
});

describe('Distributed Map: concurrency', () => {
  const ids = Array.from({ length: 12 }, (_, i) => `item-${i}`);

  it('never runs more children at once than MaxConcurrencyPath says', async () => {
    const gate = new Gate(3, ids.length);
    const result = await run(ids, async () => gate.pass(), { concurrency: 3 });
    expect(result.status).toBe('SUCCEEDED');
    expect(gate.maxInside).toBe(3);
  });

  it('applies the local mapConcurrencyLimit when the definition allows unlimited (0)', async () => {
    const gate = new Gate(2, ids.length);
    await run(ids, async () => gate.pass(), { concurrency: 0, mapConcurrencyLimit: 2 });
    expect(gate.maxInside).toBe(2);
  });
});

describe('Distributed Map: tolerated failures', () => {
  const ids = ['f1', 'f2', 'ok3', 'ok4'];
  const failIfF = (event: { id: string }) => {
    if (event.id.startsWith('f')) throw new NamedError('Boom', event.id);
    return { ok: event.id };
  };

  it('fails the Map Run with States.ExceedToleratedFailureThreshold past the count, and starts no more children', async () => {
    const seen: string[] = [];
    const result = await run(
      ids,
      (event) => {
        seen.push(event.id);
        return failIfF(event);
      },
      { mapFields: { ToleratedFailureCount: 1 }, concurrency: 1 },
    );
    expect(outputOf(result).failure?.Error).toBe('States.ExceedToleratedFailureThreshold');
    expect(seen).toEqual(['f1', 'f2']);
  });

  it('tolerates failures up to the percentage', async () => {
    const result = await run(ids, failIfF, { mapFields: { ToleratedFailurePercentage: 50 } });
    expect(outputOf(result).failure).toBeUndefined();
    expect(outputOf(result).map.MapRunArn).toContain(':mapRun:');
  });

  it('tolerates no failure when neither threshold is set, as in AWS', async () => {
    const result = await run(['ok1', 'f2'], failIfF, { mapFields: {} });
    expect(outputOf(result).failure?.Error).toBe('States.ExceedToleratedFailureThreshold');
  });
});

/**
 * AWS's documented ResultWriter example (fixtures/result-writer-aws-example.json: the state output,
 * manifest.json and the result files of one Map Run), against which both sides of the contract
 * are held: the local runner that writes the files, and the run store that BuildDigest reads
 * them with (docs/contracts.md, "S3 layout").
 */
describe('Distributed Map: ResultWriter output as AWS documents it', () => {
  interface AwsExample {
    readonly resultWriter: { readonly Parameters: { readonly Bucket: string; readonly Prefix: string } };
    readonly stateOutput: MapOutput['map'];
    readonly objects: Readonly<Record<string, unknown>>;
  }
  const example = JSON.parse(
    readFileSync(new URL('./fixtures/result-writer-aws-example.json', import.meta.url), 'utf8'),
  ) as AwsExample;
  type Manifest = {
    DestinationBucket: string;
    MapRunArn: string;
    ResultFiles: Record<string, { Key: string; Size: number }[]>;
  };
  const exampleManifest = example.objects[example.stateOutput.ResultWriterDetails.Key] as Manifest;
  const exampleEntry = (status: 'SUCCEEDED' | 'FAILED') => {
    const [file] = exampleManifest.ResultFiles[status] ?? [];
    return (example.objects[file?.Key ?? ''] as Record<string, unknown>[])[0] ?? {};
  };
  const fieldsOf = (value: object) => Object.keys(value).sort();
  /** arn:aws:states:<region>:<account>:mapRun:<state machine>/<Map label>:<Map Run id> */
  const MAP_RUN_ARN = /^arn:aws:states:[a-z0-9-]+:\d{12}:mapRun:[^/:]+\/[^/:]+:[0-9a-f-]+$/;
  /** Where the manifest of a Map Run goes: <Prefix>/<Map Run id>/manifest.json. */
  const manifestKey = (mapRunArn: string, prefix: string) =>
    `${prefix}/${mapRunArn.slice(mapRunArn.lastIndexOf(':') + 1)}/manifest.json`;

  it('the example is what it claims: its layout, sizes and manifest follow the documented rules', () => {
    const { stateOutput, resultWriter } = example;
    expect(stateOutput.MapRunArn).toMatch(MAP_RUN_ARN);
    expect(stateOutput.ResultWriterDetails).toEqual({
      Bucket: resultWriter.Parameters.Bucket,
      Key: manifestKey(stateOutput.MapRunArn, resultWriter.Parameters.Prefix),
    });
    expect(fieldsOf(exampleManifest.ResultFiles)).toEqual(['FAILED', 'PENDING', 'SUCCEEDED']);
    for (const [status, files] of Object.entries(exampleManifest.ResultFiles)) {
      for (const [n, file] of files.entries()) {
        expect(file.Key).toBe(
          stateOutput.ResultWriterDetails.Key.replace(/manifest\.json$/, `${status}_${n}.json`),
        );
        expect(file.Size).toBe(Buffer.byteLength(JSON.stringify(example.objects[file.Key])));
      }
    }
  });

  it('the local runner writes the same state output, manifest, file layout and entry fields', async () => {
    const result = await run(['a', 'b'], (event) => {
      if (event.id === 'b') throw new NamedError('Boom', 'b always fails');
      return { done: event.id };
    });
    const { map } = outputOf(result);
    expect(fieldsOf(map)).toEqual(fieldsOf(example.stateOutput));
    expect(fieldsOf(map.ResultWriterDetails)).toEqual(fieldsOf(example.stateOutput.ResultWriterDetails));
    expect(map.MapRunArn).toMatch(MAP_RUN_ARN);
    // The definition above writes with Prefix "results".
    expect(map.ResultWriterDetails).toEqual({
      Bucket: REPORT_BUCKET,
      Key: manifestKey(map.MapRunArn, 'results'),
    });

    const manifest = aws.getJson(REPORT_BUCKET, map.ResultWriterDetails.Key) as Manifest;
    expect(fieldsOf(manifest)).toEqual(fieldsOf(exampleManifest));
    expect(manifest.DestinationBucket).toBe(REPORT_BUCKET);
    expect(manifest.MapRunArn).toBe(map.MapRunArn);
    expect(fieldsOf(manifest.ResultFiles)).toEqual(fieldsOf(exampleManifest.ResultFiles));
    expect(manifest.ResultFiles['PENDING']).toEqual([]);
    for (const status of ['SUCCEEDED', 'FAILED'] as const) {
      const files = manifest.ResultFiles[status] ?? [];
      expect(files, `${status} files`).toHaveLength(1);
      for (const [n, file] of files.entries()) {
        expect(fieldsOf(file)).toEqual(fieldsOf((exampleManifest.ResultFiles[status] ?? [])[0] ?? {}));
        expect(file.Key).toBe(map.ResultWriterDetails.Key.replace(/manifest\.json$/, `${status}_${n}.json`));
        const text = aws.objects.get(`${REPORT_BUCKET}/${file.Key}`) ?? '';
        expect(file.Size).toBe(Buffer.byteLength(text));
        const entries = JSON.parse(text) as Record<string, unknown>[];
        expect(entries).toHaveLength(1);
        for (const entry of entries) {
          // The same fields as AWS's entry of that status, no more, no fewer.
          expect(fieldsOf(entry), `${status} entry`).toEqual(fieldsOf(exampleEntry(status)));
          expect(entry['Status']).toBe(status);
          expect(entry['InputDetails']).toEqual(exampleEntry(status)['InputDetails']);
          expect(entry['RedriveStatus']).toBe(exampleEntry(status)['RedriveStatus']);
          // Input and Output are JSON strings, as with Transformation NONE.
          expect(typeof entry['Input']).toBe('string');
          expect(() => JSON.parse(String(entry['Input']))).not.toThrow();
          if (status === 'SUCCEEDED') expect(JSON.parse(String(entry['Output']))).toEqual({ done: 'a' });
        }
      }
    }
  });

  it("the run store reads AWS's example as AWS writes it (manifestSchema, readMapResults)", async () => {
    const { Bucket } = example.stateOutput.ResultWriterDetails;
    for (const [key, value] of Object.entries(example.objects)) aws.putJson(Bucket, key, value);
    expect(manifestSchema.safeParse(exampleManifest).success).toBe(true);
    const results = await new RunStore({ s3: aws.s3, bucket: Bucket }).readMapResults(example.stateOutput);
    const child = (status: 'SUCCEEDED' | 'FAILED') => {
      const entry = exampleEntry(status);
      return {
        status,
        executionArn: entry['ExecutionArn'],
        input: JSON.parse(String(entry['Input'])),
        output: entry['Output'] === undefined ? null : JSON.parse(String(entry['Output'])),
        error: entry['Error'] ?? null,
        cause: entry['Cause'] ?? null,
      };
    };
    expect(results.mapRunArn).toBe(example.stateOutput.MapRunArn);
    expect([...results.children].sort((a, b) => a.status.localeCompare(b.status))).toEqual([
      child('FAILED'),
      child('SUCCEEDED'),
    ]);
  });

  it("the run store reads the local runner's output back to what the children did", async () => {
    const result = await run(['a', 'b'], (event) => {
      if (event.id === 'b') throw new NamedError('Boom', 'b always fails');
      return { done: event.id };
    });
    const { map } = outputOf(result);
    const results = await new RunStore({ s3: aws.s3, bucket: REPORT_BUCKET }).readMapResults(map);
    expect(results.mapRunArn).toBe(map.MapRunArn);
    const byId = new Map(results.children.map((c) => [(c.input as { id: string }).id, c]));
    expect(byId.get('a')).toMatchObject({
      status: 'SUCCEEDED',
      output: { done: 'a' },
      error: null,
      cause: null,
    });
    expect(byId.get('b')).toMatchObject({ status: 'FAILED', output: null, error: 'Boom' });
    expect(JSON.parse(byId.get('b')?.cause ?? '')).toMatchObject({ errorMessage: 'b always fails' });
  });
});
