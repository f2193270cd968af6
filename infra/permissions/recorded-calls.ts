/**
 * Closes the loop between what a local run did and what the deployment allows: each call the
 * emulator recorded from a deployed principal (a Lambda role, the state machine role, the
 * member audit role, EventBridge's stand-in) must be covered by an edge of the catalogue, and
 * so must the KMS calls the service makes for it on an encrypted store. A new SDK call in a
 * handler therefore fails the tests until its edge (and so its permission check) exists.
 */
import type { DeployedSystem } from './deployed-system';
import { type Edge, edgesFor } from './edges';
import type { ServiceStandIn } from './enforce';
import { roleArnOfSession } from './simulate';

export interface ObservedCall {
  readonly seq: number;
  readonly action: string;
  readonly resource: string;
  readonly callerArn: string;
}

export interface CoverageOptions {
  /** Role names whose sessions are the deployment's own principals. */
  readonly deployedRoleNames: readonly string[];
  readonly serviceStandIns?: readonly ServiceStandIn[];
}

/** What the service asks KMS for when the caller writes to or reads from an encrypted store. */
const KMS_FOR: Readonly<Record<string, readonly string[]>> = {
  's3:PutObject': ['kms:GenerateDataKey'],
  's3:GetObject': ['kms:Decrypt'],
  'sqs:SendMessage': ['kms:GenerateDataKey', 'kms:Decrypt'],
  'sqs:ReceiveMessage': ['kms:Decrypt'],
  'sns:Publish': ['kms:GenerateDataKey', 'kms:Decrypt'],
};

/** One line per recorded call (or implied KMS call) with no edge: empty when all are covered. */
export function uncoveredCalls(
  system: DeployedSystem,
  edges: readonly Edge[],
  calls: readonly ObservedCall[],
  options: CoverageOptions,
): string[] {
  const roles = new Set(options.deployedRoleNames);
  const standIns = new Map((options.serviceStandIns ?? []).map((s) => [s.roleArn, s]));
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const call of calls) {
    const roleArn = roleArnOfSession(call.callerArn);
    const standIn = standIns.get(roleArn);
    const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
    if (standIn === undefined && !(roleArn !== call.callerArn && roles.has(roleName))) continue;
    const principal = standIn?.servicePrincipal ?? call.callerArn;
    const requests = [{ action: call.action, resource: call.resource }];
    const key = system.encryptionKeyOf(call.resource);
    if (key !== undefined) {
      for (const action of KMS_FOR[call.action] ?? []) requests.push({ action, resource: key });
    }
    for (const request of requests) {
      const signature = `${principal} ${request.action} ${request.resource}`;
      if (seen.has(signature)) continue;
      seen.add(signature);
      if (edgesFor(edges, { principal, ...request }).length === 0) {
        problems.push(
          `recorded call #${call.seq} ${principal} → ${request.action} on ${request.resource}${request.action === call.action ? '' : ` (for ${call.action})`} has no edge in infra/permissions/edges.ts`,
        );
      }
    }
  }
  return problems;
}
