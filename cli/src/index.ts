/**
 * The CLI as a library: the command tree (what the `keyaudit` binary runs) and the operations
 * behind it, for scripts and tests that drive an operation without a subprocess.
 */
export { registerCommands } from './commands/index';
export { type ControlCompliance, complianceView } from './ops/compliance';
export { type DlqEntry, parseDlqMessage, queueCounts, replayAccountFailures } from './ops/dlq';
export { redriveExecution } from './ops/redrive';
export {
  approveRequest,
  describeRequest,
  listRequests,
  reactivateKey,
  rejectRequest,
  waitForOutcome,
  waitForReactivation,
} from './ops/remediation';
export { buildRerunInput, failedAccountsOf, rerunExecutionName } from './ops/rerun';
