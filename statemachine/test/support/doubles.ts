/** Test doubles for the five Lambda tasks: they record their events and return canned values. */
import { FUNCTION_PLACEHOLDERS, type TaskName } from '../../src/definition';
import type { WorkflowTasks } from '../../src/runner';

export class NamedError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

export const notCalled = (task: string) => async () => {
  throw new Error(`test double: ${task} must not be called here`);
};

export function unusedTasks(): WorkflowTasks {
  return {
    validateInput: notCalled('validateInput'),
    listAccounts: notCalled('listAccounts'),
    auditAccount: notCalled('auditAccount'),
    buildDigest: notCalled('buildDigest'),
    publishDigest: notCalled('publishDigest'),
    importFindings: notCalled('importFindings'),
  };
}

/** Waits until `size` callers are inside, or no more will come, so concurrency is observed without timers. */
export class Gate {
  private inside = 0;
  private arrived = 0;
  private waiting: (() => void)[] = [];
  maxInside = 0;

  constructor(
    private readonly size: number,
    private readonly total: number,
  ) {}

  async pass(): Promise<void> {
    this.inside += 1;
    this.arrived += 1;
    this.maxInside = Math.max(this.maxInside, this.inside);
    if (this.inside >= this.size || this.arrived >= this.total) {
      for (const release of this.waiting.splice(0)) release();
    } else {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.inside -= 1;
  }
}

/** One empty list per task of the definition: a task added to the ASL gets its list here too. */
export function perTask<T>(): Record<TaskName, T[]> {
  return Object.fromEntries(
    Object.values(FUNCTION_PLACEHOLDERS).map((task) => [task, []]),
  ) as unknown as Record<TaskName, T[]>;
}
