/**
 * The same named workflow cases, with the emulator enforcing the synthesized templates: every
 * request is evaluated by the IAM policy simulator as its caller's deployed role, and refused
 * with AWS's AccessDenied where the deployment would refuse it.
 */
import { defineWorkflowCases } from './workflow-cases';

defineWorkflowCases({ enforcePolicies: true });
