/** What the approve, reject, reactivate and requests commands share: flags, the prompt, exit codes. */
import { createInterface } from 'node:readline/promises';
import { InvalidInputError } from '@org-key-audit/functions/core';
import type { Command } from 'commander';
import type { TargetOptions } from './remediation';
import { DEFAULT_STACK_NAME } from './stack';

export const REMEDIATION_EXIT_CODES_HELP = `
Exit codes:
  0  success
  1  error or refusal: the message says why and what to do (nothing was sent unless it says so)
  2  with --wait: the request completed but some keys failed (one message each in the remediation-failures DLQ)`;

export interface TargetFlags {
  readonly stack: string;
  readonly reportBucket?: string;
  readonly stateMachine?: string;
}

export function targetOf(flags: TargetFlags): TargetOptions {
  return { stack: flags.stack, reportBucket: flags.reportBucket, stateMachine: flags.stateMachine };
}

export function addTargetOptions(command: Command): Command {
  return command
    .option(
      '--stack <name>',
      'the deployed AuditorStack, whose outputs name the resources',
      DEFAULT_STACK_NAME,
    )
    .option('--report-bucket <name>', 'report bucket (default: the stack output ReportBucketName)')
    .option(
      '--state-machine <arn>',
      'RemediateKeys state machine ARN (default: the stack output RemediationStateMachineArn)',
    );
}

export function parseTimeoutMs(text: string): number {
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new InvalidInputError(`--timeout must be a number of seconds greater than 0 (got "${text}").`);
  }
  return seconds * 1000;
}

/** Asks a yes/no question; resolves true only for "y" or "yes". */
export type Confirm = (question: string) => Promise<boolean>;

/**
 * The terminal's yes/no prompt (on stderr, so stdout stays the result), or null when stdin is
 * not a terminal: a pipe or a CI job cannot answer, and silence must never read as consent.
 */
export function terminalConfirm(): Confirm | null {
  if (process.stdin.isTTY !== true) return null;
  return async (question) => {
    const prompt = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return /^y(es)?$/i.test((await prompt.question(question)).trim());
    } finally {
      prompt.close();
    }
  };
}
