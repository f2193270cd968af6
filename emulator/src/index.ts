/**
 * `startEmulator(options)`: an emulated AWS organization on 127.0.0.1, for tests, the demo and
 * the benchmarks. See the README for what it emulates and the admin API.
 */
import type { Server } from 'node:http';
import { createAdminHandler } from './admin';
import { type Clock, createClock } from './clock';
import type { Expected } from './expected';
import { type FaultPatch, Faults } from './faults';
import { type GeneratedOrganization, generateOrganization, organizationFromSpec } from './generate';
import { createRandom, hashString, requestId } from './random';
import { close, createEmulatorServer, listen } from './server';
import type { ServiceContext } from './services/context';
import { createIamHandler } from './services/iam';
import { createMessagingServices, type MessagingServices } from './services/messaging/index';
import { createOrganizationsHandler } from './services/organizations';
import { createStsHandler } from './services/sts';
import type { AuditorIdentity } from './state/build';
import type { OrganizationRecord } from './state/model';
import { Stats } from './stats';

export type { Clock } from './clock';
export type { Expected, ExpectedAccount, ExpectedFinding } from './expected';
export type { FaultConfig, FaultPatch, Faults } from './faults';
export { DEFAULT_FAULTS } from './faults';
export { generateOrganization, organizationFromSpec } from './generate';
export type { CallStat, Stats } from './stats';

export interface StartEmulatorOptions {
  /** @default 0 (a random free port) */
  readonly port?: number;
  /** @default 5 */
  readonly accounts?: number;
  /** @default 4 */
  readonly users?: number;
  /** @default 1 */
  readonly seed?: number | string;
  /** An `--org-file` spec (already parsed JSON); replaces accounts/users/seed. */
  readonly orgSpec?: unknown;
  /** Where the clock starts. @default the spec's `now`, else the real now */
  readonly now?: Date;
  /** @default 'us-east-1' */
  readonly region?: string;
  /** @default 'OrgKeyAuditRole' */
  readonly roleName?: string;
  /** Faults on from the start (IAM throttling is on by default). */
  readonly faults?: FaultPatch;
}

export interface RunningEmulator {
  readonly url: string;
  readonly port: number;
  readonly region: string;
  readonly clock: Clock;
  readonly stats: Stats;
  readonly faults: Faults;
  readonly state: OrganizationRecord;
  readonly auditor: AuditorIdentity;
  readonly managementAccountId: string;
  readonly auditAccountId: string;
  readonly roleName: string;
  readonly expected: Expected;
  readonly organization: GeneratedOrganization;
  readonly resources: MessagingServices['resources'];
  readonly messaging: MessagingServices;
  /** The admin API in-process: same routes and answers as `/_emulator/*`. */
  readonly admin: (path: string, method: string, body?: unknown) => { status: number; body: unknown };
  stop(): Promise<void>;
}

export async function startEmulator(options: StartEmulatorOptions = {}): Promise<RunningEmulator> {
  const region = options.region ?? 'us-east-1';
  const seed = options.seed ?? 1;
  const roleOption = options.roleName === undefined ? {} : { roleName: options.roleName };
  const organization =
    options.orgSpec === undefined
      ? generateOrganization({
          accounts: options.accounts ?? 5,
          users: options.users ?? 4,
          seed,
          ...(options.now === undefined ? {} : { now: options.now }),
          ...roleOption,
        })
      : organizationFromSpec(options.orgSpec, {
          ...(options.now === undefined ? {} : { now: options.now }),
          ...roleOption,
        });

  const clock = createClock(organization.now);
  const realNow = () => performance.now();
  const faults = new Faults(options.faults ?? {}, realNow);
  const stats = new Stats();
  const ids = createRandom(hashString(`requests:${seed}`));
  const nextRequestId = () => requestId(ids);
  const ctx: ServiceContext = {
    org: organization.org,
    clock,
    faults,
    random: createRandom(hashString(`runtime:${seed}`)),
    realNow,
    roleName: organization.roleName,
  };

  let baseUrl = '';
  const messaging = createMessagingServices({
    region,
    baseUrl: () => baseUrl,
    auditAccountId: organization.auditAccountId,
    now: () => clock.nowMs(),
  });
  const admin = createAdminHandler({
    org: organization.org,
    clock,
    faults,
    stats,
    expected: organization.expected,
    messaging,
  });
  const server: Server = createEmulatorServer({
    org: organization.org,
    clock,
    faults,
    stats,
    nextRequestId,
    admin,
    handlers: {
      iam: createIamHandler(ctx, nextRequestId),
      sts: createStsHandler(ctx, nextRequestId),
      organizations: createOrganizationsHandler(ctx, nextRequestId),
      ...messaging.handlers,
    },
  });
  const port = await listen(server, options.port ?? 0);
  const url = `http://127.0.0.1:${port}`;
  baseUrl = url;

  return {
    url,
    port,
    region,
    clock,
    stats,
    faults,
    state: organization.org,
    auditor: organization.auditor,
    managementAccountId: organization.managementAccountId,
    auditAccountId: organization.auditAccountId,
    roleName: organization.roleName,
    expected: organization.expected,
    organization,
    resources: messaging.resources,
    messaging,
    admin: (path, method, body = {}) => {
      try {
        const answer = admin(path, method, body) ?? {
          status: 404,
          body: JSON.stringify({ error: 'no such route' }),
        };
        return { status: answer.status, body: JSON.parse(String(answer.body ?? 'null')) as unknown };
      } catch (error) {
        return { status: 400, body: { error: error instanceof Error ? error.message : String(error) } };
      }
    },
    stop: () => close(server),
  };
}
