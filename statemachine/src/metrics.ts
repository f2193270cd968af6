/**
 * Run metrics from aws-local-stepfunctions' event logs. The parent's history is modelled on what a
 * deployed Standard execution records, so a test can assert it stays far below the 25,000-event
 * limit whatever the organization's size. Per state type (AWS event names):
 * - execution: ExecutionStarted, then ExecutionSucceeded | ExecutionFailed                     (2)
 * - Task: TaskStateEntered, TaskScheduled, TaskStarted, TaskSucceeded, TaskStateExited          (5)
 *   each failed attempt adds TaskFailed, each retry adds TaskScheduled + TaskStarted; a caught
 *   failure ends with TaskFailed + TaskStateExited instead of TaskSucceeded + TaskStateExited
 * - Distributed Map: MapStateEntered, MapRunStarted, MapRunSucceeded, MapStateExited           (4)
 *   a failed run records MapRunFailed; a retry adds MapRunStarted; children are not in it
 * - Pass / Choice / Succeed: <Type>StateEntered, <Type>StateExited                             (2)
 * - Fail: FailStateEntered                                                                     (1)
 */
import type { StateMachine } from 'aws-local-stepfunctions';

type EventOf<G> = G extends AsyncGenerator<infer E> ? E : never;
export type EventLog = EventOf<ReturnType<StateMachine['run']>['eventLogs']>;

export interface RunMetrics {
  /** States entered in the parent and every child execution (retries not counted again). */
  readonly statesEntered: number;
  /** Map items processed: Distributed Map children plus any inline Map iterations. */
  readonly mapIterations: number;
  /** Child executions started by Distributed Maps. */
  readonly childExecutions: number;
  /** The largest UTF-8 size of any state input or output, parent or child (AWS limit 262,144). */
  readonly largestPayloadBytes: number;
  /** Events a deployed Standard parent execution would record (see the table above). */
  readonly parentHistoryEvents: number;
}

export class MetricsRecorder {
  private statesEntered = 0;
  private mapIterations = 0;
  private childExecutions = 0;
  private largestPayloadBytes = 0;
  private parentHistoryEvents = 0;
  private readonly caught = new Set<string>();

  constructor(private readonly distributedMapStates: ReadonlySet<string>) {}

  /** Counts one event of the parent execution. */
  observeParent(event: EventLog): void {
    this.observePayloads(event);
    this.parentHistoryEvents += this.historyEventsOf(event);
    if (event.type === 'StateEntered') this.statesEntered += 1;
    if (event.type === 'MapIterationStarted') this.mapIterations += 1;
  }

  /** Counts one event of a Distributed Map child execution. */
  observeChild(event: EventLog): void {
    this.observePayloads(event);
    if (event.type === 'StateEntered') this.statesEntered += 1;
    if (event.type === 'MapIterationStarted') this.mapIterations += 1;
  }

  childStarted(): void {
    this.childExecutions += 1;
    this.mapIterations += 1;
  }

  snapshot(): RunMetrics {
    return {
      statesEntered: this.statesEntered,
      mapIterations: this.mapIterations,
      childExecutions: this.childExecutions,
      largestPayloadBytes: this.largestPayloadBytes,
      parentHistoryEvents: this.parentHistoryEvents,
    };
  }

  private observePayloads(event: EventLog): void {
    switch (event.type) {
      case 'ExecutionStarted':
        this.measure(event.input);
        break;
      case 'ExecutionSucceeded':
        this.measure(event.output);
        break;
      case 'StateEntered':
        this.measure(event.state.input);
        break;
      case 'StateExited':
        this.measure(event.state.output);
        break;
      default:
        break;
    }
  }

  private measure(value: unknown): void {
    if (value === undefined) return;
    const bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
    if (bytes > this.largestPayloadBytes) this.largestPayloadBytes = bytes;
  }

  private historyEventsOf(event: EventLog): number {
    // Inline Map iterations would be recorded in the parent too; the product's Map is distributed.
    if (event.type === 'ExecutionStarted' || event.type === 'ExecutionSucceeded') return 1;
    if (event.type === 'ExecutionFailed' || event.type === 'ExecutionAborted') return 1;
    if (event.type === 'ExecutionTimeout') return 1;
    if (event.type === 'MapIterationStarted' || event.type === 'MapIterationSucceeded') return 1;
    if (event.type === 'MapIterationFailed') return 1;
    if (!('state' in event)) return 0;
    const kind = this.distributedMapStates.has(event.state.name) ? 'DistributedMap' : event.state.type;
    const key = `${event.index ?? ''}/${event.state.name}`;
    switch (event.type) {
      case 'StateEntered':
        this.caught.delete(key);
        if (kind === 'Task') return 3;
        if (kind === 'DistributedMap') return 2;
        return 1;
      case 'StateFailed':
        return kind === 'Task' || kind === 'DistributedMap' ? 1 : 0;
      case 'StateRetried':
        if (kind === 'Task') return 2;
        return kind === 'DistributedMap' ? 1 : 0;
      case 'StateCaught':
        this.caught.add(key);
        return 0;
      case 'StateExited': {
        const wasCaught = this.caught.delete(key);
        if ((kind === 'Task' || kind === 'DistributedMap') && !wasCaught) return 2;
        return 1;
      }
      default:
        return 0;
    }
  }
}
