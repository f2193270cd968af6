/**
 * One sizing table (statemachine/src/sizing.ts) for CDK and the local runner: the synthesized
 * functions carry exactly its timeouts and memory, and every Lambda Task of the ASL allows at
 * least its function's timeout (which AuditWorkflow also refuses at synthesis).
 */
import {
  FUNCTION_PLACEHOLDERS,
  LAMBDA_SIZING,
  loadDefinition,
  type TaskName,
} from '@org-key-audit/statemachine/definition';
import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../lib/app';
import { SIZING, TASK_OF_FUNCTION } from '../lib/auditor-functions';
import { parseConfig } from '../lib/config';
import { FUNCTION_NAMES } from '../lib/names';
import { DELEGATED_CONFIG, resourcesOfType } from './support';

interface TaskState {
  readonly Type?: string;
  readonly Parameters?: { readonly FunctionName?: unknown };
  readonly TimeoutSeconds?: number;
  readonly ItemProcessor?: { readonly States: Record<string, TaskState> };
}

/** Every Lambda Task of the definition, nested ones included, with the task it binds. */
function lambdaTasks(): { state: string; task: TaskName; timeoutSeconds: number | undefined }[] {
  const found: { state: string; task: TaskName; timeoutSeconds: number | undefined }[] = [];
  const walk = (states: Record<string, TaskState>) => {
    for (const [name, state] of Object.entries(states)) {
      const placeholder = /^\$\{(\w+)\}$/.exec(String(state.Parameters?.FunctionName ?? ''))?.[1];
      const task = FUNCTION_PLACEHOLDERS[placeholder as keyof typeof FUNCTION_PLACEHOLDERS];
      if (state.Type === 'Task' && task !== undefined) {
        found.push({ state: name, task, timeoutSeconds: state.TimeoutSeconds });
      }
      if (state.ItemProcessor) walk(state.ItemProcessor.States);
    }
  };
  walk((loadDefinition() as { States: Record<string, TaskState> }).States);
  return found;
}

describe('the Lambda sizing table', () => {
  let functions: Record<string, { Timeout?: unknown; MemorySize?: unknown }>;
  beforeAll(() => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    // The default owner settings: no account tags, no routed owners.
    const stacks = buildApp(app, parseConfig(DELEGATED_CONFIG), { nag: false });
    const template = app.synth().getStackArtifact(stacks.auditor.artifactId).template as Record<
      string,
      unknown
    >;
    functions = Object.fromEntries(
      Object.values(resourcesOfType(template, 'AWS::Lambda::Function')).map((fn) => [
        String(fn.Properties['FunctionName']),
        fn.Properties,
      ]),
    );
  }, 120_000);

  it.each(FUNCTION_NAMES.map((name) => [name, TASK_OF_FUNCTION[name]] as const))(
    'deploys org-key-audit-%s (%s) with the table’s timeout and memory',
    (name, task) => {
      const deployed = functions[`org-key-audit-${name}`];
      expect(deployed?.Timeout).toBe(LAMBDA_SIZING[task].timeoutSeconds);
      expect(deployed?.MemorySize).toBe(LAMBDA_SIZING[task].memoryMb);
      expect(SIZING[name].timeout.toSeconds()).toBe(LAMBDA_SIZING[task].timeoutSeconds);
      expect(SIZING[name].memorySize).toBe(LAMBDA_SIZING[task].memoryMb);
    },
  );

  it('keeps the sizes the functions were deployed with', () => {
    expect(LAMBDA_SIZING).toEqual({
      validateInput: { timeoutSeconds: 30, memoryMb: 256 },
      listAccounts: { timeoutSeconds: 300, memoryMb: 512 },
      auditAccount: { timeoutSeconds: 600, memoryMb: 512 },
      buildDigest: { timeoutSeconds: 600, memoryMb: 2048 },
      publishDigest: { timeoutSeconds: 60, memoryMb: 256 },
      importFindings: { timeoutSeconds: 300, memoryMb: 512 },
    });
  });

  it('maps the six functions one to one onto the ASL’s six tasks', () => {
    expect(new Set(Object.values(TASK_OF_FUNCTION))).toEqual(new Set(Object.values(FUNCTION_PLACEHOLDERS)));
    expect(Object.keys(TASK_OF_FUNCTION).sort()).toEqual([...FUNCTION_NAMES].sort());
  });

  it('gives every Lambda Task of the ASL a TimeoutSeconds of at least its function’s timeout', () => {
    const tasks = lambdaTasks();
    expect(new Set(tasks.map((t) => t.task))).toEqual(new Set(Object.values(FUNCTION_PLACEHOLDERS)));
    for (const { state, task, timeoutSeconds } of tasks) {
      expect(timeoutSeconds, state).toBeDefined();
      expect(timeoutSeconds, state).toBeGreaterThanOrEqual(LAMBDA_SIZING[task].timeoutSeconds);
    }
  });
});
