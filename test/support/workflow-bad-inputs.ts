/**
 * One execution input per kind of mistake a person can make in the Step Functions console
 * (docs/contracts.md, "Execution input"), with the field its error must name.
 */
import { TEAM_A, TEAM_B } from './workflow-scenario';

export interface BadInput {
  readonly name: string;
  readonly input: unknown;
  /** Text the error's cause must contain: the field, as the person would look for it. */
  readonly field: string;
}

/** 10,001 distinct, well-formed 12-digit ids: only the count is wrong. */
const tooManyIds = Array.from({ length: 10_001 }, (_, i) => String(200_000_000_000 + i));

export const BAD_INPUTS: readonly BadInput[] = [
  { name: 'a string instead of an object', input: 'audit everything', field: 'execution input' },
  { name: 'an array instead of an object', input: [TEAM_A], field: 'execution input' },
  {
    name: 'an unknown field (accountId for accountIds)',
    input: { accountId: [TEAM_A] },
    field: '"accountId"',
  },
  { name: 'a malformed account id', input: { accountIds: [TEAM_A, '12345'] }, field: 'accountIds[1]' },
  { name: 'a duplicate account id', input: { accountIds: [TEAM_A, TEAM_B, TEAM_A] }, field: 'accountIds[2]' },
  { name: 'more than 10,000 account ids', input: { accountIds: tooManyIds }, field: 'accountIds' },
  {
    name: 'a negative threshold',
    input: { thresholds: { rotationOverdueDays: -5 } },
    field: 'thresholds.rotationOverdueDays',
  },
  {
    name: 'an unknown threshold',
    input: { thresholds: { rotateAfterDays: 90 } },
    field: 'thresholds.rotateAfterDays',
  },
  // Due soon at 100 days is after the default overdue day (90): the order is inverted.
  {
    name: 'inverted thresholds',
    input: { thresholds: { rotationDueSoonDays: 100 } },
    field: 'rotationDueSoonDays',
  },
  { name: 'dryRun as a string', input: { dryRun: 'yes' }, field: 'dryRun' },
  { name: 'a reason over 500 characters', input: { reason: 'x'.repeat(501) }, field: 'reason' },
];
