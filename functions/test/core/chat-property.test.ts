/**
 * Whatever the organization's size and however long its names and error texts, the chat
 * notification parses as JSON, has the documented fields, and stays within the documented field
 * limits and SNS's 256 KiB (core/chat.ts, CHAT_LIMITS).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CHAT_LIMITS, type ChatRunSummary, chatLength, renderChatNotification } from '../../src/core/chat';

const count = fc.oneof(fc.nat(), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
const text = fc.oneof(
  fc.string({ maxLength: 50 }),
  fc.string({ unit: 'grapheme', maxLength: 3000 }),
  fc.string({ unit: 'binary', maxLength: 20_000 }),
);
const accountId = fc.stringMatching(/^\d{12}$/);

const summary: fc.Arbitrary<ChatRunSummary> = fc.record(
  {
    executionName: text,
    dryRun: fc.boolean(),
    totals: fc.record(
      {
        accounts: count,
        audited: count,
        failed: count,
        skipped: count,
        findings: count,
        exempted: count,
        bySeverity: fc.dictionary(text, count, { maxKeys: 30 }),
      },
      { requiredKeys: ['accounts', 'audited', 'failed', 'skipped', 'findings', 'exempted'] },
    ),
    failedAccounts: fc.array(fc.record({ accountId, errorName: fc.option(text), reason: fc.option(text) }), {
      maxLength: 300,
    }),
    failedAccountsTruncated: fc.boolean(),
    reportKey: fc.option(text),
    changes: fc.oneof(
      fc.record({
        comparable: fc.constant(true as const),
        previousExecution: text,
        new: count,
        resolved: count,
        stillOpen: count,
        notRechecked: count,
      }),
      fc.record({ comparable: fc.constant(false as const), reason: text }),
    ),
  },
  { requiredKeys: ['executionName', 'totals', 'failedAccounts', 'failedAccountsTruncated'] },
);

const runs = Number(process.env['KEYAUDIT_PROPERTY_RUNS'] ?? 200);

describe('renderChatNotification, for any run', () => {
  it('is JSON with the documented fields, within every limit', () => {
    fc.assert(
      fc.property(
        summary,
        text,
        fc.option(text, { nil: undefined }),
        fc.option(text, { nil: undefined }),
        (s, subject, reportUri, executionUrl) => {
          const message = renderChatNotification({
            summary: s,
            subject,
            ...(reportUri === undefined ? {} : { reportUri }),
            ...(executionUrl === undefined ? {} : { executionUrl }),
          });
          expect(Buffer.byteLength(message, 'utf8')).toBeLessThanOrEqual(CHAT_LIMITS.messageBytes);
          const card = JSON.parse(message);
          expect(card.version).toBe('1.0');
          expect(card.source).toBe('custom');
          expect(card.content.textType).toBe('client-markdown');
          expect(typeof card.content.title).toBe('string');
          expect(chatLength(card.content.title)).toBeGreaterThan(0);
          expect(chatLength(card.content.title)).toBeLessThanOrEqual(CHAT_LIMITS.titleChars);
          expect(typeof card.content.description).toBe('string');
          expect(chatLength(card.content.description)).toBeLessThanOrEqual(CHAT_LIMITS.descriptionChars);
          expect(card.content.description).toMatch(/^(\*Dry run\*.*\n)?\*Accounts\*: /);
          expect(card.content.nextSteps.length).toBeGreaterThan(0);
          expect(card.content.nextSteps.length).toBeLessThanOrEqual(CHAT_LIMITS.nextSteps);
          for (const step of card.content.nextSteps) {
            expect(chatLength(step)).toBeLessThanOrEqual(CHAT_LIMITS.nextStepChars);
          }
          expect(card.content.nextSteps[0]).toMatch(/^Read the report: `keyaudit report /);
          if (s.totals.failed > 0) expect(card.content.nextSteps[1]).toMatch(/keyaudit rerun --failed-from /);
          expect(card.content.keywords.length).toBeLessThanOrEqual(CHAT_LIMITS.keywords);
          for (const keyword of card.content.keywords) {
            expect(chatLength(keyword)).toBeLessThanOrEqual(CHAT_LIMITS.keywordChars);
          }
          for (const value of Object.values(card.metadata.additionalContext))
            expect(typeof value).toBe('string');
        },
      ),
      { numRuns: runs },
    );
  });
});
