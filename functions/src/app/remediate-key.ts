/**
 * RemediateKey: the only code that changes a key, through the member account's remediation role
 * (docs/remediation.md, steps 6 and 8). It acts only on the key that was proposed — the same
 * id, the same creation date, in the state the action expects — and reads it back to confirm,
 * so a redrive, a retry or a second request can never act on a key twice.
 */
import { RemediationNotConfirmedError } from '../core/errors';
import type { KeyAction, KeyOutcome, ProposedKey } from '../core/remediation';
import { judgeListedKey } from '../core/remediation-plan';
import type { RemediationAccounts } from './ports';
import type { Telemetry } from './telemetry';

export interface RemediateKeyDependencies {
  readonly accounts: RemediationAccounts;
  readonly telemetry: Telemetry;
  readonly now: () => Date;
}

export interface RemediateKeyEvent {
  readonly action: KeyAction;
  readonly requestId: string;
  readonly key: ProposedKey;
}

export async function remediateKey(
  deps: RemediateKeyDependencies,
  event: RemediateKeyEvent,
): Promise<KeyOutcome> {
  const { key, action } = event;
  const outcome = (kind: KeyOutcome['outcome'], reason: string | null = null): KeyOutcome => ({
    accountId: key.accountId,
    userName: key.userName,
    accessKeyId: key.accessKeyId,
    action,
    outcome: kind,
    reason,
    at: deps.now().toISOString(),
  });
  const iam = await deps.accounts.open({ accountId: key.accountId, sessionName: event.requestId });
  const listed = await iam.listKeys(key.userName);
  if (listed === null)
    return outcome('skipped', `key-no-longer-exists: user ${key.userName} no longer exists`);
  const judgement = judgeListedKey(key, listed, action);
  if (!judgement.act) return outcome('skipped', `${judgement.reason}: ${judgement.detail}`);

  const target = action === 'deactivate' ? 'Inactive' : 'Active';
  await iam.setStatus(key.userName, key.accessKeyId, target);
  const after = (await iam.listKeys(key.userName))?.find((k) => k.accessKeyId === key.accessKeyId);
  if (after?.status !== target) {
    throw new RemediationNotConfirmedError(
      `UpdateAccessKey set ${key.accessKeyId} of ${key.userName} to ${target}, but ListAccessKeys reads it back as ${after?.status ?? 'missing'}`,
      { accountId: key.accountId, api: 'iam:UpdateAccessKey' },
    );
  }
  deps.telemetry.log.info('access key status changed', {
    requestId: event.requestId,
    accountId: key.accountId,
    userName: key.userName,
    accessKeyId: key.accessKeyId,
    status: target,
  });
  deps.telemetry.metrics.count(action === 'deactivate' ? 'KeysDeactivated' : 'KeysReactivated', 1);
  return outcome(action === 'deactivate' ? 'deactivated' : 'reactivated');
}
