/**
 * The run as a custom notification of Amazon Q Developer in chat applications (README.md,
 * "Integrations"): the JSON text PublishDigest sends to the chat topic, which a Slack or
 * Microsoft Teams channel configuration renders as a card. Pure.
 *
 * The event schema and its limits ("Custom notifications using Amazon Q Developer in chat
 * applications"): `version` "1.0" and `source` "custom" are required; `content.textType` is
 * "client-markdown" (the channel's own markdown); `title` holds at most 250 characters,
 * `description` at most 8,000, each of `nextSteps` at most 350 and each of `keywords` at most 75.
 * No count of next steps or keywords is documented; this card keeps both to CHAT_LIMITS' few.
 * Every field is clipped here, so the message stays within those limits, and far below SNS's
 * 256 KiB, for an organization of any size and for names and error texts of any length.
 */
import type { ParsedRunSummary } from './run-summary';

/** What the card must stay within: the documented field limits, and SNS's message size. */
export const CHAT_LIMITS = {
  titleChars: 250,
  descriptionChars: 8000,
  nextStepChars: 350,
  keywordChars: 75,
  /** Not documented: a card with more is hard to read anyway. */
  nextSteps: 5,
  keywords: 5,
  /** SNS's limit on one message, in bytes of UTF-8. */
  messageBytes: 256 * 1024,
} as const;

/** Failed accounts named one per line in the description; the rest are counted. */
export const CHAT_FAILED_ACCOUNTS_SHOWN = 10;
/** Clips each free-text value from the run (error names, reasons, severity names, URIs). */
const VALUE_CHARS = 200;
/** At most this many severities are listed (the five of the model, and any unknown ones). */
const SEVERITIES_SHOWN = 8;
const SEVERITY_ORDER = ['critical', 'high', 'medium', 'low', 'info'];

type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** The run summary as BuildDigest writes it (or an older workflow version wrote it). */
export type ChatRunSummary = DeepReadonly<ParsedRunSummary>;

export interface ChatNotificationInput {
  readonly summary: ChatRunSummary;
  /** The digest's subject line: the card's title. */
  readonly subject: string;
  /** Where report.json is, e.g. `s3://<bucket>/reports/<executionName>/report.json`. */
  readonly reportUri?: string;
  /** The execution in the Step Functions console. */
  readonly executionUrl?: string;
  /** The execution's ARN, for `keyaudit rerun --failed-from`; else read from executionUrl. */
  readonly executionArn?: string;
}

/** The custom notification, as the schema names its fields. */
export interface ChatNotification {
  readonly version: '1.0';
  readonly source: 'custom';
  readonly id?: string;
  readonly content: {
    readonly textType: 'client-markdown';
    readonly title: string;
    readonly description: string;
    readonly nextSteps: readonly string[];
    readonly keywords: readonly string[];
  };
  readonly metadata: {
    readonly summary: string;
    readonly eventType: string;
    readonly additionalContext: Readonly<Record<string, string>>;
  };
}

/** Length in characters (code points), as a chat platform counts them. */
export function chatLength(text: string): number {
  let n = 0;
  for (const _ of text) n += 1;
  return n;
}

/** At most `max` characters: the first `max - 1` and an ellipsis when it is longer. */
export function clipChat(text: string, max: number): string {
  if (text.length <= max) return text;
  const chars = [...text];
  if (chars.length <= max) return text;
  return `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

/**
 * A value from the run, safe in the channel's markdown: one line, no `<…>` (Slack reads those as
 * mentions and links), no backticks or emphasis markers, clipped.
 */
function plain(text: string, max = VALUE_CHARS): string {
  return clipChat(
    text
      .replace(/[\r\n\t]+/g, ' ')
      .replace(/[<>`*_~|]/g, "'")
      .trim(),
    max,
  );
}

const number = (n: number) => n.toLocaleString('en-US');
const plural = (n: number, one: string, many = `${one}s`) => `${number(n)} ${n === 1 ? one : many}`;

const EXECUTION_ARN = /arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+/;

function executionArnOf(input: ChatNotificationInput): string | undefined {
  if (input.executionArn !== undefined) return input.executionArn;
  if (input.executionUrl === undefined) return undefined;
  const decoded = (() => {
    try {
      return decodeURIComponent(input.executionUrl);
    } catch {
      return input.executionUrl;
    }
  })();
  return EXECUTION_ARN.exec(decoded)?.[0];
}

/** `critical 2 · high 10 …`: the model's severities first, in order, then any others by name. */
function severityLine(bySeverity: Readonly<Record<string, number>> | undefined): string | undefined {
  if (bySeverity === undefined) return undefined;
  const names = Object.keys(bySeverity).sort((a, b) => {
    const ia = SEVERITY_ORDER.indexOf(a);
    const ib = SEVERITY_ORDER.indexOf(b);
    return (
      (ia < 0 ? SEVERITY_ORDER.length : ia) - (ib < 0 ? SEVERITY_ORDER.length : ib) || a.localeCompare(b)
    );
  });
  if (names.length === 0) return undefined;
  const shown = names
    .slice(0, SEVERITIES_SHOWN)
    .map((name) => `${plain(name, 20)} ${number(bySeverity[name] ?? 0)}`);
  const more = names.length - SEVERITIES_SHOWN;
  return `${shown.join(' · ')}${more > 0 ? ` · and ${plural(more, 'other severity', 'other severities')}` : ''}`;
}

function descriptionLines(input: ChatNotificationInput): string[] {
  const { summary } = input;
  const { totals } = summary;
  const lines: string[] = [];
  if (summary.dryRun === true) lines.push('*Dry run*: nothing was published or imported but this card.');
  lines.push(
    `*Accounts*: ${number(totals.audited)} audited, ${number(totals.failed)} failed, ${number(totals.skipped)} skipped (of ${number(totals.accounts)})`,
  );
  const severities = severityLine(totals.bySeverity);
  lines.push(
    `*Findings*: ${number(totals.findings)}${severities === undefined ? '' : ` (${severities})`}, ${number(totals.exempted)} exempted`,
  );
  const changes = summary.changes;
  if (changes?.comparable === true) {
    lines.push(
      `*Since ${plain(changes.previousExecution, 80)}*: ${number(changes.new)} NEW, ${number(changes.resolved)} RESOLVED, ${number(changes.stillOpen)} still open`,
    );
  }
  if (input.reportUri !== undefined) lines.push(`*Report*: ${plain(input.reportUri, 300)}`);
  if (input.executionUrl !== undefined) lines.push(`*Execution*: ${plain(input.executionUrl, 1000)}`);
  if (totals.failed > 0) {
    lines.push('*Failed accounts*:');
    const shown = summary.failedAccounts.slice(0, CHAT_FAILED_ACCOUNTS_SHOWN);
    for (const account of shown) {
      const why = [account.errorName, account.reason]
        .filter((part): part is string => typeof part === 'string' && part !== '')
        .map((part) => plain(part))
        .join(': ');
      lines.push(`• ${plain(account.accountId, 12)}${why === '' ? '' : ` (${why})`}`);
    }
    const more = Math.max(0, totals.failed - shown.length);
    if (more > 0) lines.push(`• and ${plural(more, 'more account')} (see the report)`);
  }
  return lines;
}

/** The lines in order while they fit, each clipped first; what does not fit is left out. */
function fitLines(lines: readonly string[], max: number): string {
  let text = '';
  for (const raw of lines) {
    const line = clipChat(raw, Math.min(max, 1000));
    const next = text === '' ? line : `${text}\n${line}`;
    if (chatLength(next) > max) break;
    text = next;
  }
  return text;
}

function nextStepsOf(input: ChatNotificationInput): string[] {
  const { summary } = input;
  const steps: string[] = [];
  // Without the URI the bucket is not known here: the operator fills in the stack output.
  const report =
    input.reportUri !== undefined
      ? plain(input.reportUri, 280)
      : `s3://REPORT_BUCKET/${plain(
          typeof summary.reportKey === 'string' && summary.reportKey !== ''
            ? summary.reportKey
            : `reports/${summary.executionName}/report.json`,
          250,
        )}`;
  steps.push(`Read the report: \`keyaudit report ${report} --out report.html\``);
  if (summary.totals.failed > 0) {
    const arn = executionArnOf(input);
    steps.push(
      `Audit the ${plural(summary.totals.failed, 'failed account')} again: \`keyaudit rerun --failed-from ${arn === undefined ? `<execution ARN of ${plain(summary.executionName, 80)}>` : plain(arn, 250)}\``,
    );
  }
  if (summary.changes?.comparable === true && summary.changes.new > 0) {
    steps.push(`Start with the ${plural(summary.changes.new, 'NEW finding')}: the report lists them first`);
  }
  return steps.slice(0, CHAT_LIMITS.nextSteps).map((step) => clipChat(step, CHAT_LIMITS.nextStepChars));
}

function keywordsOf(summary: ChatRunSummary): string[] {
  const keywords = ['org-key-audit'];
  if (summary.dryRun === true) keywords.push('dry-run');
  if (summary.totals.failed > 0) keywords.push('accounts-failed');
  if ((summary.totals.bySeverity?.['critical'] ?? 0) > 0) keywords.push('critical');
  return keywords.slice(0, CHAT_LIMITS.keywords).map((k) => clipChat(k, CHAT_LIMITS.keywordChars));
}

/** The notification as an object, every field within CHAT_LIMITS. */
export function chatNotification(input: ChatNotificationInput): ChatNotification {
  const { summary } = input;
  const executionName = plain(summary.executionName, 80);
  const title = clipChat(
    plain(input.subject, CHAT_LIMITS.titleChars) || 'org-key-audit',
    CHAT_LIMITS.titleChars,
  );
  return {
    version: '1.0',
    source: 'custom',
    id: `org-key-audit:${executionName}`,
    content: {
      textType: 'client-markdown',
      title,
      description: fitLines(descriptionLines(input), CHAT_LIMITS.descriptionChars),
      nextSteps: nextStepsOf(input),
      keywords: keywordsOf(summary),
    },
    metadata: {
      summary: title,
      eventType: 'org-key-audit-run',
      additionalContext: {
        executionName,
        findings: String(summary.totals.findings),
        failedAccounts: String(summary.totals.failed),
      },
    },
  };
}

/** The JSON text PublishDigest sends to the chat topic. */
export function renderChatNotification(input: ChatNotificationInput): string {
  return JSON.stringify(chatNotification(input));
}
