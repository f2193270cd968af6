/** The remediation ports in memory: the records, the notices, and member accounts' keys. */
import type {
  AuditedAccounts,
  DigestPublisher,
  KeyRemediator,
  RemediationAccounts,
  RemediationRecords,
} from '../../src/app/ports';
import { RemediationRoleMissingError } from '../../src/core/errors';
import type {
  ApprovalTask,
  DeactivationRequest,
  ReactivationRecord,
  RequestMarker,
  RequestOutcome,
} from '../../src/core/remediation';
import type { ListedKey } from '../../src/core/remediation-plan';

export interface MemoryRemediation extends RemediationRecords {
  readonly requests: Map<string, DeactivationRequest>;
  readonly tasks: Map<string, ApprovalTask>;
  readonly outcomes: Map<string, RequestOutcome>;
  readonly markers: Map<string, RequestMarker>;
  readonly reactivations: ReactivationRecord[];
}

export function memoryRemediation(): MemoryRemediation {
  const requests = new Map<string, DeactivationRequest>();
  const tasks = new Map<string, ApprovalTask>();
  const outcomes = new Map<string, RequestOutcome>();
  const markers = new Map<string, RequestMarker>();
  const reactivations: ReactivationRecord[] = [];
  const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
  return {
    requests,
    tasks,
    outcomes,
    markers,
    reactivations,
    createRequest: async (request, marker) => {
      if (requests.has(request.requestId)) return 'exists';
      requests.set(request.requestId, copy(request));
      markers.set(marker.requestId, copy(marker));
      return 'created';
    },
    getRequest: async (id) => copy(requests.get(id) ?? null),
    putTask: async (task) => void tasks.set(task.requestId, copy(task)),
    getOutcome: async (id) => copy(outcomes.get(id) ?? null),
    putOutcome: async (outcome) => void outcomes.set(outcome.requestId, copy(outcome)),
    putMarker: async (marker) => void markers.set(marker.requestId, copy(marker)),
    listMarkers: async () => ({ markers: copy([...markers.values()]), problems: [] }),
    deleteMarker: async (id) => void markers.delete(id),
    putReactivation: async (record) => void reactivations.push(copy(record)),
    listReactivations: async (id) => copy(reactivations.filter((r) => r.requestId === id)),
  };
}

export interface Notices extends DigestPublisher {
  readonly sent: { subject: string; body: string }[];
}

export function notices(): Notices {
  const sent: { subject: string; body: string }[] = [];
  return {
    sent,
    publish: async (m) => {
      sent.push({ subject: m.subject, body: m.body });
      return { messageId: 'm' };
    },
  };
}

/** One account's users and keys; `updates` counts each UpdateAccessKey. */
export interface MemoryIamAccount {
  readonly users: Map<
    string,
    {
      keys: { id: string; status: string; created: string; lastUsed: string | null }[];
      tags: Record<string, string>;
    }
  >;
  updates: number;
}

export function remediationAccountsOf(
  accounts: ReadonlyMap<string, MemoryIamAccount>,
  options: { readonly withoutRole?: readonly string[]; readonly ignoreUpdates?: boolean } = {},
): RemediationAccounts {
  return {
    open: async ({ accountId }): Promise<KeyRemediator> => {
      const account = accounts.get(accountId);
      if (account === undefined || options.withoutRole?.includes(accountId)) {
        throw new RemediationRoleMissingError(`no remediation role in ${accountId}`, { accountId });
      }
      return {
        listKeys: async (userName): Promise<ListedKey[] | null> => {
          const user = account.users.get(userName);
          return user === undefined
            ? null
            : user.keys.map((k) => ({ accessKeyId: k.id, status: k.status, createDate: k.created }));
        },
        setStatus: async (userName, accessKeyId, status) => {
          account.updates += 1;
          if (options.ignoreUpdates) return;
          const key = account.users.get(userName)?.keys.find((k) => k.id === accessKeyId);
          if (key === undefined) throw Object.assign(new Error('no such key'), { name: 'NoSuchEntity' });
          key.status = status;
        },
      };
    },
  };
}

export function auditedAccountsOf(accounts: ReadonlyMap<string, MemoryIamAccount>): AuditedAccounts {
  return {
    open: async ({ accountId }) => {
      const account = accounts.get(accountId);
      if (account === undefined) throw new Error(`no account ${accountId}`);
      return {
        lastUsed: async (accessKeyId) => {
          for (const user of account.users.values()) {
            const key = user.keys.find((k) => k.id === accessKeyId);
            if (key !== undefined) return { found: true, lastUsedAt: key.lastUsed };
          }
          return { found: false, lastUsedAt: null };
        },
        userTags: async (userName) => account.users.get(userName)?.tags ?? null,
        listKeys: async (userName) => {
          const user = account.users.get(userName);
          return user === undefined
            ? null
            : user.keys.map((k) => ({ accessKeyId: k.id, status: k.status, createDate: k.created }));
        },
      };
    },
  };
}
