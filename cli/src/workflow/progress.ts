/**
 * Progress over accounts on stderr: a redrawn bar on a terminal, a line every 10 % otherwise
 * (CI logs and pipes should not fill with carriage returns).
 */
export interface ProgressSink {
  readonly write: (text: string) => void;
  readonly isTty: boolean;
}

export function progressReporter(
  sink: ProgressSink,
  label = 'accounts',
): {
  update: (done: number, total: number) => void;
  finish: () => void;
} {
  let lastDecile = -1;
  let drawn = false;
  return {
    update(done, total) {
      if (total <= 0) return;
      const fraction = Math.min(1, done / total);
      if (sink.isTty) {
        const width = 30;
        const filled = Math.round(fraction * width);
        sink.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${label}`);
        drawn = true;
        return;
      }
      const decile = Math.floor(fraction * 10);
      if (decile !== lastDecile) {
        lastDecile = decile;
        sink.write(`audited ${done}/${total} ${label}\n`);
      }
    },
    finish() {
      if (drawn) sink.write('\n');
    },
  };
}
