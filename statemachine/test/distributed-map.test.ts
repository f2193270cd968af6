// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ASL placeholders are literal ${...} text, not templates
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
