/** The named workflow cases on an emulator that serves every caller (see ./workflow-cases.ts). */
import { defineWorkflowCases } from './workflow-cases';

defineWorkflowCases({ enforcePolicies: false });
