import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { renderDigest } from '@org-key-audit/functions/core';
import type { BuildDigestResult } from '@org-key-audit/functions/handlers';
import type { WorkflowTasks } from '@org-key-audit/statemachine';
import { describe, expect, it } from 'vitest';
import { linkDigestTo } from '../src/workflow/report-files';
import { plantedReport } from './helpers/report-fixture';

const BUCKET = 'org-key-audit-reports-000000000000';
const REPORT_KEY = 'reports/daily-20250304/report.json';
const DIGEST_KEY = 'reports/daily-20250304/digest.txt';
const KEPT = '/home/operator/out/run-20250304T053000Z-abcdef/report.json';

/** Just enough S3 for the wrapper: objects in a map, GetObject and PutObject. */
function fakeS3(objects: Map<string, string>): S3Client {
  const send = async (command: unknown) => {
    if (command instanceof GetObjectCommand) {
      const body = objects.get(`${command.input.Bucket}/${command.input.Key}`);
      if (body === undefined) throw Object.assign(new Error('no such key'), { name: 'NoSuchKey' });
      return { Body: { transformToString: async () => body } };
    }
    if (command instanceof PutObjectCommand) {
      objects.set(`${command.input.Bucket}/${command.input.Key}`, String(command.input.Body));
      return {};
    }
    throw new Error('unexpected S3 command');
  };
  return { send } as unknown as S3Client;
}

describe('linkDigestTo', () => {
  it("rewrites BuildDigest's digest to link the kept report, and changes nothing else", async () => {
    const report = plantedReport();
    const objects = new Map<string, string>();
    const lambdaDigest = renderDigest(report, { reportUri: `s3://${BUCKET}/${REPORT_KEY}` }).body;
    const result = {
      subject: 'the subject',
      digestKey: DIGEST_KEY,
      reportKey: REPORT_KEY,
      csvKey: 'reports/daily-20250304/report.csv',
      summary: {},
    } as unknown as BuildDigestResult;
    // Stands in for the real handler: writes the report and its digest, returns the keys.
    const buildDigest = async () => {
      objects.set(`${BUCKET}/${REPORT_KEY}`, JSON.stringify(report));
      objects.set(`${BUCKET}/${DIGEST_KEY}`, lambdaDigest);
      return result;
    };
    const wrap = linkDigestTo(KEPT, { s3: fakeS3(objects), bucket: BUCKET });
    const tasks = wrap({ buildDigest } as unknown as WorkflowTasks);

    expect(await tasks.buildDigest(undefined as never)).toBe(result);
    const digest = objects.get(`${BUCKET}/${DIGEST_KEY}`) ?? '';
    expect(digest).not.toContain('s3://');
    expect(digest.split('\n')).toEqual(
      lambdaDigest
        .split('\n')
        .map((line) => (line.startsWith('  Full report:') ? `  Full report: ${KEPT}` : line)),
    );
    expect(objects.get(`${BUCKET}/${REPORT_KEY}`)).toBe(JSON.stringify(report));
  });
});
