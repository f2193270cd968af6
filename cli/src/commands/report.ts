/**
 * `keyaudit report`: render a run's report.json as HTML (default), CSV, JSON, Markdown, or its
 * open findings in ASFF (findings.asff.json) for Security Hub.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InvalidInputError, reportToCsv } from '@org-key-audit/functions/core';
import type { Command } from 'commander';
import { defaultContext, type OpsContext } from '../ops/context';
import { EXIT, EXIT_CODES_HELP, runCommand } from '../ops/output';
import { asffJson, asffNote, reportToAsff } from '../ops/report-asff';
import { renderReportHtml } from '../ops/report-html';
import { renderReportMarkdown } from '../ops/report-markdown';
import { loadReport } from '../ops/report-source';

export const REPORT_FORMATS = ['html', 'csv', 'json', 'md', 'asff'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
/** Other names accepted for a format. */
const FORMAT_ALIASES: Readonly<Record<string, ReportFormat>> = { markdown: 'md' };

interface ReportFlags {
  readonly format: string;
  readonly out?: string;
}

export async function reportAction(ctx: OpsContext, source: string, flags: ReportFlags): Promise<number> {
  const format =
    FORMAT_ALIASES[flags.format] ??
    ((REPORT_FORMATS as readonly string[]).includes(flags.format) ? (flags.format as ReportFormat) : null);
  if (format === null) {
    throw new InvalidInputError(
      `--format must be one of ${REPORT_FORMATS.join(', ')} (got "${flags.format}"; markdown also means md).`,
    );
  }
  const report = await loadReport(source, () => ctx.clients().s3);
  let text: string;
  if (format === 'asff') {
    const asff = reportToAsff(report);
    // stdout may be the file itself: whose product the findings are for goes to stderr.
    ctx.io.err(asffNote(asff));
    text = asffJson(asff);
  } else {
    text =
      format === 'html'
        ? renderReportHtml(report)
        : format === 'csv'
          ? reportToCsv(report)
          : format === 'md'
            ? renderReportMarkdown(report)
            : `${JSON.stringify(report, null, 2)}\n`;
  }
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
      'Render a report.json (local file or s3://bucket/key) as self-contained HTML, CSV, JSON, Markdown or ASFF',
    )
    .argument('<source>', 'report.json path, or s3://BUCKET/reports/EXECUTION/report.json')
    .option('--format <format>', `one of ${REPORT_FORMATS.join(', ')} (md is also markdown)`, 'html')
    .option('--out <file>', 'write to this file instead of stdout')
    .addHelpText(
      'after',
      `
The HTML page makes no network request (inline CSS/JS/SVG, a CSP that forbids fetching). It
shows the open-findings trend of the last full runs, NEW and RESOLVED since the last one, the
findings with their owner (and an owner filter) and how owners are routed. HTML and Markdown
have a compliance view: for each CIS AWS Foundations Benchmark v3.0.0 control the audit covers
(1.4, 1.12, 1.13, 1.14), the accounts in scope (audited), passing, failing (with their open
findings), not assessed (failed or skipped, with why) and the exceptions (exempted findings,
with reason and expiry).

--format asff writes every open finding in the AWS Security Finding Format (a JSON array, as
findings.asff.json) for BatchImportFindings. The findings are for the default product of the
audit account (the account and region in the report's executionArn): Security Hub accepts
default-product findings only from that account, so import them from it, in that region. Each
finding names its member account and user in Resources and ProductFields.

Examples:
  keyaudit report s3://org-key-audit-reports/reports/daily-20250303/report.json --out out/report.html
  keyaudit report out/report.json --format md > report.md
  keyaudit report out/report.json --format asff --out out/findings.asff.json
${EXIT_CODES_HELP}`,
    )
    .action(async (source: string, flags: ReportFlags) => {
      const ctx = context();
      ctx.setExitCode(await runCommand(ctx.io, () => reportAction(ctx, source, flags)));
    });
}
