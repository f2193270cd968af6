/**
 * Progress over the accounts of a local run, on stderr: audited, failed and still to go counted
 * apart (a finished child is not an audited account), as a bar redrawn in place on a terminal,
 * or as a plain line every 10 % otherwise (CI logs and pipes should not fill with carriage returns).
 * The formatting is pure; `progressReporter` only decides when to write.
 */
import type { MapChildProgress } from '@org-key-audit/statemachine';

export type AccountOutcome = 'AUDITED' | 'FAILED' | 'SKIPPED';

export interface AccountCounts {
  readonly audited: number;
  readonly failed: number;
  readonly skipped: number;
  /** Accounts in the run's Map: finished ones plus those still to go. */
  readonly total: number;
}

export const BAR_WIDTH = 30;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * How an account's Map child ended, read as BuildDigest reads it: a failed child, or an output
 * that is no result object, is a FAILED account; otherwise the output's own `status`, and an
 * output without one is FAILED when it names an error.
 */
export function accountOutcome(child: Pick<MapChildProgress, 'status' | 'output'>): AccountOutcome {
  const output = child.output;
  if (child.status !== 'SUCCEEDED' || !isRecord(output)) return 'FAILED';
  const status = output['status'];
  if (status === 'AUDITED' || status === 'FAILED' || status === 'SKIPPED') return status;
  const named = ['errorName', 'Error', 'error'].some(
    (key) => output[key] !== undefined && output[key] !== null,
  );
  return named ? 'FAILED' : 'AUDITED';
}

function finished(counts: AccountCounts): number {
  return counts.audited + counts.failed + counts.skipped;
}

/** Whole per cent finished, rounded down: 100 only once every account is; no accounts is 100. */
export function percentDone(counts: AccountCounts): number {
  if (counts.total <= 0) return 100;
  return Math.min(100, Math.floor((finished(counts) * 100) / counts.total));
}

/** `[#####.....] 57%`: `width` cells filled in proportion, rounded down like the percentage. */
export function progressBar(counts: AccountCounts, width = BAR_WIDTH): string {
  const filled =
    counts.total <= 0 ? width : Math.min(width, Math.floor((finished(counts) * width) / counts.total));
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${percentDone(counts)}%`;
}

/** `accounts: 64 audited, 514 failed, 0 to go of 578` (skipped named only when there are some). */
export function describeCounts(counts: AccountCounts): string {
  const toGo = Math.max(0, counts.total - finished(counts));
  const skipped = counts.skipped > 0 ? `, ${counts.skipped} skipped` : '';
  return `accounts: ${counts.audited} audited, ${counts.failed} failed${skipped}, ${toGo} to go of ${counts.total}`;
}

/** The terminal line: the bar, then the counts. */
export function progressLine(counts: AccountCounts, width = BAR_WIDTH): string {
  return `${progressBar(counts, width)} ${describeCounts(counts)}`;
}

export interface ProgressSink {
  readonly write: (text: string) => void;
  readonly isTty: boolean;
}

export interface ProgressReporter {
  /** The runner's Map progress hook: children done out of total, and how the last one ended. */
  readonly update: (done: number, total: number, child: MapChildProgress) => void;
  /** Ends the redrawn line, so what follows starts on a line of its own. */
  readonly finish: () => void;
}

export function progressReporter(sink: ProgressSink): ProgressReporter {
  const tally = { audited: 0, failed: 0, skipped: 0 };
  let lastDecile = -1;
  let drawnWidth = 0;
  return {
    update(_done, total, child) {
      const outcome = accountOutcome(child);
      if (outcome === 'AUDITED') tally.audited += 1;
      else if (outcome === 'FAILED') tally.failed += 1;
      else tally.skipped += 1;
      const counts: AccountCounts = { ...tally, total };
      if (sink.isTty) {
        const line = progressLine(counts);
        // Spaces over whatever a longer previous line left behind.
        sink.write(`\r${line}${' '.repeat(Math.max(0, drawnWidth - line.length))}`);
        drawnWidth = line.length;
        return;
      }
      const decile = Math.floor(percentDone(counts) / 10);
      if (decile !== lastDecile) {
        lastDecile = decile;
        sink.write(`${describeCounts(counts)}\n`);
      }
    },
    finish() {
      if (drawnWidth > 0) sink.write('\n');
      drawnWidth = 0;
    },
  };
}
