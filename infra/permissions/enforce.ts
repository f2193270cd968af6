/**
 * Policy enforcement for the local emulator: each request a local run makes is evaluated against
 * the synthesized templates, as its caller's role (or as the AWS service it stands in for), and
 * refused the way AWS refuses it when the templates do not allow it. So a local run fails where
 * the deployment would, instead of succeeding on an emulator that trusts every caller. Callers
 * that are not the deployment's (a person running `keyaudit`) are not judged.
 */
import type { DeployedSystem } from './deployed-system';
import { evaluateRequest, roleArnOfSession } from './simulate';

/** What the emulator asks (its `authorize` hook's argument). */
export interface EnforcedCall {
  readonly action: string;
  readonly resource: string;
  readonly callerArn: string;
  readonly context: Readonly<Record<string, string>>;
}

export type EnforcementDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly message: string };

/**
 * A role whose sessions stand for an AWS service principal: a local run cannot sign as
 * `events.amazonaws.com`, so EventBridge's delivery is signed as this role and evaluated as the
 * service, with the source the real delivery would carry.
 */
export interface ServiceStandIn {
  readonly roleArn: string;
  readonly servicePrincipal: string;
  readonly context: Readonly<Record<string, string>>;
}

export interface EnforcerOptions {
  /** The organization of every principal the emulator serves (`aws:PrincipalOrgID`). */
  readonly organizationId: string;
  readonly serviceStandIns?: readonly ServiceStandIn[];
  /** Told about every refusal (the tests print them). */
  readonly onDenied?: (call: EnforcedCall, message: string) => void;
}

export function createPolicyEnforcer(
  system: DeployedSystem,
  options: EnforcerOptions,
): (call: EnforcedCall) => Promise<EnforcementDecision> {
  const standIns = new Map((options.serviceStandIns ?? []).map((s) => [s.roleArn, s]));
  return async (call) => {
    const roleArn = roleArnOfSession(call.callerArn);
    const standIn = standIns.get(roleArn);
    // Only the deployment's own principals are held to its templates: an operator's or another
    // tool's identity has permissions of its own that no template here describes.
    if (standIn === undefined && !system.hasRole(roleArn)) return { allowed: true };
    const principal = standIn?.servicePrincipal ?? call.callerArn;
    const context: Record<string, string> = standIn
      ? { 'aws:SecureTransport': call.context['aws:SecureTransport'] ?? 'true', ...standIn.context }
      : { ...call.context, 'aws:PrincipalOrgID': options.organizationId };
    const { decision } = await evaluateRequest(system, {
      principal,
      action: call.action,
      resource: call.resource,
      context,
    });
    if (decision === 'Allowed') return { allowed: true };
    const reason =
      decision === 'ExplicitlyDenied'
        ? `with an explicit deny in a policy`
        : `because no policy of the deployed templates allows the ${call.action} action`;
    const message = `User: ${principal} is not authorized to perform: ${call.action} on resource: ${call.resource} ${reason}`;
    options.onDenied?.(call, message);
    return { allowed: false, message };
  };
}
