/**
 * The emulator in a process of its own, for the organization-scale runs: AWS is not in the
 * runner's process either, so the runner's peak RSS and CPU must not include the emulator's
 * (which keeps every credential report and S3 object in memory), and the two halves of the work
 * get the machine's two cores. `fork`ed by org-worker.ts with the StartEmulatorOptions as JSON;
 * it sends one `ready` message, then answers `stats` requests until it is told to `stop`.
 */
import { readFileSync } from 'node:fs';
import { type StartEmulatorOptions, startEmulator } from '@org-key-audit/emulator';

/**
 * What the host takes as its one argument: StartEmulatorOptions, or with `orgSpecFile` instead of
 * `orgSpec` for a spec too large for a command line (Linux caps one argument at 128 KiB; a
 * 20,000-user account is megabytes).
 */
export type HostOptions = StartEmulatorOptions & { readonly orgSpecFile?: string };

/** What the runner needs to reach and imitate the emulator (all plain JSON). */
export interface EmulatorReady {
  readonly type: 'ready';
  readonly url: string;
  readonly region: string;
  readonly roleName: string;
  readonly auditor: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly resources: {
    readonly reportBucket: string;
    readonly digestTopicArn: string;
    readonly queues: {
      readonly accountFailures: string;
      readonly digestFailures: string;
      readonly executionFailures: string;
    };
  };
  /** The emulator clock minus this host's Date.now(): the runner's `now` adds it to its own. */
  readonly clockOffsetMs: number;
}

export interface EmulatorStats {
  readonly type: 'stats';
  readonly calls: readonly {
    readonly accountId: string;
    readonly service: string;
    readonly action: string;
    readonly count: number;
    readonly throttled: number;
  }[];
  /** Peak resident set of the emulator process, bytes. */
  readonly maxRssBytes: number;
  readonly cpuMs: number;
}

export type HostRequest = { readonly type: 'stats' } | { readonly type: 'stop' };

async function main(): Promise<void> {
  const send = process.send?.bind(process);
  if (send === undefined)
    throw new Error('emulator-host must be started with child_process.fork (it talks over IPC)');
  const { orgSpecFile, ...given } = JSON.parse(process.argv[2] ?? '{}') as HostOptions;
  const options: StartEmulatorOptions =
    orgSpecFile === undefined ? given : { ...given, orgSpec: JSON.parse(readFileSync(orgSpecFile, 'utf8')) };
  // The benchmarks measure the product, not the emulator's call log (80,000 records at 10,000 accounts).
  const emulator = await startEmulator({ recordCalls: false, ...options });
  const ready: EmulatorReady = {
    type: 'ready',
    url: emulator.url,
    region: emulator.region,
    roleName: emulator.roleName,
    auditor: {
      accessKeyId: emulator.auditor.accessKeyId,
      secretAccessKey: emulator.auditor.secretAccessKey,
    },
    resources: emulator.resources,
    clockOffsetMs: emulator.clock.nowMs() - Date.now(),
  };
  send(ready);
  process.on('message', (message: HostRequest) => {
    if (message.type === 'stats') {
      const cpu = process.cpuUsage();
      const stats: EmulatorStats = {
        type: 'stats',
        calls: emulator.stats.snapshot().calls,
        // resourceUsage reports kilobytes.
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
        cpuMs: (cpu.user + cpu.system) / 1000,
      };
      send(stats);
    } else if (message.type === 'stop') {
      emulator.stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    }
  });
  // The parent died without saying stop: do not outlive it.
  process.on('disconnect', () => process.exit(0));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `emulator-host: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
