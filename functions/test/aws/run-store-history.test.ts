/**
 * The run store's history objects (docs/architecture.md, "Run history"): two reads find the last
 * full run, the index is written before the pointer, and nothing about history throws.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunStore } from '../../src/aws/run-store';
import { buildFindingsIndex } from '../../src/core/history';
import { HISTORY_LATEST_KEY, historyIndexKey } from '../../src/core/run-layout';
import { DEFAULT_THRESHOLDS } from '../../src/core/thresholds';
import { type MemoryS3, memoryS3 } from '../handlers/support/memory-s3';

const BUCKET = 'report-bucket';
const index = (executionName: string, previousExecution: string | null = null) => ({
  ...buildFindingsIndex({
    executionName,
    now: new Date('2026-12-01T08:00:00Z'),
    thresholds: DEFAULT_THRESHOLDS,
    audits: [],
    previous: { found: false, reason: 'first' },
  }),
  previousExecution,
});

describe('RunStore history', () => {
  let s3: MemoryS3;
  let store: RunStore;
  beforeEach(() => {
    s3 = memoryS3();
    store = new RunStore({ s3: s3.client, bucket: BUCKET });
  });
  afterEach(() => {
    s3.mock.reset();
    s3.mock.restore();
  });

  it('writes the index, then the pointer, and finds it again in two reads', async () => {
    const key = await store.putFindingsIndex(index('run-12-01'));
    expect(key).toBe('history/runs/run-12-01.json');
    const puts = s3.mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key);
    expect(puts).toEqual([key, HISTORY_LATEST_KEY]);
    s3.mock.resetHistory();
    const found = await store.readPreviousIndex('run-12-02');
    expect(found).toEqual({ found: true, index: index('run-12-01') });
    expect(s3.mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input.Key)).toEqual([
      HISTORY_LATEST_KEY,
      key,
    ]);
  });

  it('says when no full run was recorded yet', async () => {
    expect(await store.readPreviousIndex('run-12-01')).toEqual({
      found: false,
      reason: 'no full run has been recorded yet',
    });
  });

  it('finds the run before a redriven one', async () => {
    s3.put(BUCKET, historyIndexKey('run-11-30'), index('run-11-30'));
    await store.putFindingsIndex(index('run-12-01', 'run-11-30'));
    const found = await store.readPreviousIndex('run-12-01');
    expect(found.found && found.index.executionName).toBe('run-11-30');
  });

  it('turns a denied or damaged read into a reason', async () => {
    s3.put(BUCKET, HISTORY_LATEST_KEY, { executionName: 'run-11-30' });
    s3.mock
      .on(GetObjectCommand, { Key: historyIndexKey('run-11-30') })
      .rejects(Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }));
    expect(await store.readPreviousIndex('run-12-01')).toEqual({
      found: false,
      reason: `s3://${BUCKET}/history/runs/run-11-30.json could not be read (AccessDenied)`,
    });
    s3.put(BUCKET, HISTORY_LATEST_KEY, { executionName: '../escape' });
    expect(await store.readPreviousIndex('run-12-01')).toEqual({
      found: false,
      reason: 'the history names an impossible run "../escape"',
    });
    s3.put(BUCKET, HISTORY_LATEST_KEY, '[]');
    expect(await store.readPreviousIndex('run-12-01')).toEqual({
      found: false,
      reason: `s3://${BUCKET}/${HISTORY_LATEST_KEY} does not name a run`,
    });
  });
});
