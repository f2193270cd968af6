/**
 * A finished local run's report, read back from the bucket it was written to (the emulator's,
 * in-process), and saved to a folder as report.json, report.csv, digest.txt, report.html and
 * findings.asff.json (the open findings in ASFF, for the audit account's default product).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { RunningEmulator } from '@org-key-audit/emulator';
import type { Report } from '@org-key-audit/functions/core';
import { renderDigest } from '@org-key-audit/functions/core';
import type { BuildDigestResult } from '@org-key-audit/functions/handlers';
import type { WorkflowTasks } from '@org-key-audit/statemachine';
import { asffJson, reportToAsff } from '../ops/report-asff';
import { renderReportHtml } from '../ops/report-html';

/**
 * BuildDigest links the full report at its key in the run's bucket. For `keyaudit run` that bucket
 * is the command's scratch store, gone once the command exits, so the link could never be opened.
 * This wraps BuildDigest: once it has written the report, the digest is rendered again from that
 * very report.json with `reportUri` (where the command keeps the report) and written over the
 * digest it stored, before PublishDigest sends it and before the command prints or saves it.
 */
export function linkDigestTo(
  reportUri: string,
  store: { readonly s3: S3Client; readonly bucket: string },
): (tasks: WorkflowTasks) => WorkflowTasks {
  return (tasks) => ({
    ...tasks,
    buildDigest: async (event: never) => {
      const result = (await tasks.buildDigest(event)) as BuildDigestResult;
      const stored = await store.s3.send(
        new GetObjectCommand({ Bucket: store.bucket, Key: result.reportKey }),
      );
      const report = JSON.parse((await stored.Body?.transformToString('utf8')) ?? 'null') as Report;
      await store.s3.send(
        new PutObjectCommand({
          Bucket: store.bucket,
          Key: result.digestKey,
          Body: renderDigest(report, { reportUri }).body,
          ContentType: 'text/plain; charset=utf-8',
        }),
      );
      return result;
    },
  });
}

const STORED_FILES = ['report.json', 'report.csv', 'digest.txt'] as const;
export type StoredReportFile = (typeof STORED_FILES)[number];

export interface RunReport {
  readonly text: (file: StoredReportFile) => string | undefined;
  /**
   * Writes every stored file plus report.html and findings.asff.json into `out`; returns the
   * paths written.
   */
  readonly save: (out: string) => Promise<string[]>;
}

export function runReport(store: RunningEmulator, bucket: string, executionName: string): RunReport {
  const body = (file: StoredReportFile) =>
    store.messaging.objects(bucket).get(`reports/${executionName}/${file}`);
  return {
    text: (file) => body(file)?.toString('utf8'),
    save: async (out) => {
      const dir = resolve(out);
      await mkdir(dir, { recursive: true });
      const written: string[] = [];
      for (const file of STORED_FILES) {
        const content = body(file);
        if (content === undefined) continue;
        await writeFile(join(dir, file), content);
        written.push(join(out, file));
      }
      const json = body('report.json');
      if (json !== undefined) {
        const report = JSON.parse(json.toString('utf8')) as Report;
        await writeFile(join(dir, 'report.html'), renderReportHtml(report));
        written.push(join(out, 'report.html'));
        // The audit account and region come from the run's executionArn, which a run always has.
        await writeFile(join(dir, 'findings.asff.json'), asffJson(reportToAsff(report)));
        written.push(join(out, 'findings.asff.json'));
      }
      return written;
    },
  };
}
