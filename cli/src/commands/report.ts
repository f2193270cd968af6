/** `keyaudit report`: render a run's report.json as HTML (default), CSV, JSON or Markdown. */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InvalidInputError, reportToCsv } from '@org-key-audit/functions/core';
import type { Command } from 'commander';
import { defaultContext, type OpsContext } from '../ops/context';
import { EXIT, EXIT_CODES_HELP, runCommand } from '../ops/output';
import { renderReportHtml } from '../ops/report-html';
import { renderReportMarkdown } from '../ops/report-markdown';
import { loadReport } from '../ops/report-source';

export const REPORT_FORMATS = ['html', 'csv', 'json', 'md'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

interface ReportFlags {
  readonly format: string;
  readonly out?: string;
}

export async function reportAction(ctx: OpsContext, source: string, flags: ReportFlags): Promise<number> {
  if (!(REPORT_FORMATS as readonly string[]).includes(flags.format)) {
    throw new InvalidInputError(
      `--format must be one of ${REPORT_FORMATS.join(', ')} (got "${flags.format}").`,
    );
  }
  const report = await loadReport(source, () => ctx.clients().s3);
  const format = flags.format as ReportFormat;
  const text =
    format === 'html'
      ? renderReportHtml(report)
      : format === 'csv'
        ? reportToCsv(report)
        : format === 'md'
          ? renderReportMarkdown(report)
          : `${JSON.stringify(report, null, 2)}\n`;
  if (flags.out === undefined) {
    ctx.io.out(text);
    return EXIT.OK;
  }
  // Temp file + rename: a browser tab reloading the page never sees half a file.
  await mkdir(dirname(flags.out), { recursive: true });
  const temp = `${flags.out}.${process.pid}.tmp`;
  await writeFile(temp, text, 'utf8');
  await rename(temp, flags.out);
  ctx.io.err(`wrote ${flags.out}`);
  return EXIT.OK;
}

export function register(program: Command, context: () => OpsContext = () => defaultContext()): void {
  program
    .command('report')
    .description(
      'Render a report.json (local file or s3://bucket/key) as self-contained HTML, CSV, JSON or Markdown',
    )
    .argument('<source>', 'report.json path, or s3://BUCKET/reports/EXECUTION/report.json')
    .option('--format <format>', `one of ${REPORT_FORMATS.join(', ')}`, 'html')
    .option('--out <file>', 'write to this file instead of stdout')
    .addHelpText(
      'after',
      `
The HTML page makes no network request (inline CSS/JS/SVG, a CSP that forbids fetching). It
shows the open-findings trend of the last full runs, NEW and RESOLVED since the last one, the
findings with their owner (and an owner filter) and how owners are routed.

Examples:
  keyaudit report s3://org-key-audit-reports/reports/daily-20250303/report.json --out out/report.html
  keyaudit report out/report.json --format md > report.md
${EXIT_CODES_HELP}`,
    )
    .action(async (source: string, flags: ReportFlags) => {
      const ctx = context();
      ctx.setExitCode(await runCommand(ctx.io, () => reportAction(ctx, source, flags)));
    });
}
