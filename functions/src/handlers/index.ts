/**
 * The handler factories, for the local assembly (statemachine/src/local-audit.ts) and the tests.
 * Each Lambda's entry point is its own file's `handler`, bundled from that file alone.
 */

/** What each factory's handler takes as its second argument (Lambda's context, or the local runner's). */
export type { LambdaContext } from '../runtime/lazy-handler';
export {
  type AuditAccountDeps,
  type AuditAccountResult,
  makeAuditAccountHandler,
} from './audit-account';
export { type BuildDigestDeps, type BuildDigestResult, makeBuildDigestHandler } from './build-digest';
export { type CheckKeyDeps, type CheckKeyResult, makeCheckKeyHandler } from './check-key';
export {
  type ImportFindingsDeps,
  type ImportFindingsResult,
  makeImportFindingsHandler,
} from './import-findings';
export { type ListAccountsDeps, type ListAccountsResult, makeListAccountsHandler } from './list-accounts';
export { makePublishDigestHandler, type PublishDigestDeps, type PublishDigestResult } from './publish-digest';
export { makeRecordRemediationHandler, type RecordRemediationDeps } from './record-remediation';
export { makeRemediateKeyHandler, type RemediateKeyDeps } from './remediate-key';
export { makeValidateInputHandler, type ValidateInputDeps, type ValidateInputResult } from './validate-input';
