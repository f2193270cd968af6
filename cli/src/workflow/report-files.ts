/**
 * A finished local run's report, read back from the bucket it was written to (the emulator's,
 * in-process), and saved to a folder as report.json, report.csv, digest.txt and report.html.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { RunningEmulator } from '@org-key-audit/emulator';
import type { Report } from '@org-key-audit/functions/core/report';
import { renderReportHtml } from '../ops/report-html';

const STORED_FILES = ['report.json', 'report.csv', 'digest.txt'] as const;
export type StoredReportFile = (typeof STORED_FILES)[number];

export interface RunReport {
  readonly text: (file: StoredReportFile) => string | undefined;
  /** Writes every stored file plus report.html into `out`; returns the paths written. */
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
        await writeFile(
          join(dir, 'report.html'),
          renderReportHtml(JSON.parse(json.toString('utf8')) as Report),
        );
        written.push(join(out, 'report.html'));
      }
      return written;
    },
  };
}
