/**
 * The generator's planted expectations against what the product's own parser and policy
 * compute from the emulator's API answers: they must agree, and changing one planted key must
 * make them disagree (otherwise the comparison could not catch anything).
 */
import {
  GenerateCredentialReportCommand,
  GetCredentialReportCommand,
  ListAccessKeysCommand,
  ListUserTagsCommand,
} from '@aws-sdk/client-iam';
import type { PrincipalCredentials } from '@org-key-audit/functions/core';
import { DEFAULT_THRESHOLDS, evaluateAccount, parseCredentialReport } from '@org-key-audit/functions/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExpectedFinding } from '../src/expected';
import { type RunningEmulator, startEmulator } from '../src/index';
import { assumeAuditRole, iam } from './helpers';

const NOW = new Date('2025-06-15T09:30:00Z');

interface Audit {
  readonly findings: string[];
  readonly exempted: string[];
  readonly denied: string[];
}

const keyOf = (f: Pick<ExpectedFinding, 'accountId' | 'userName' | 'accessKeyId' | 'type'>) =>
  `${f.accountId}|${f.userName}|${f.accessKeyId ?? '-'}|${f.type}`;

/** A minimal audit with the product's parser and policy, fed only by SDK calls. */
async function auditWithProduct(emu: RunningEmulator): Promise<Audit> {
  const out: Audit = { findings: [], exempted: [], denied: [] };
  for (const account of emu.expected.accounts) {
    if (account.expectedStatus === 'SKIPPED') continue;
    let creds: Awaited<ReturnType<typeof assumeAuditRole>>;
    try {
      creds = await assumeAuditRole(emu, account.accountId);
    } catch (error) {
      out.denied.push(`${account.accountId}:${(error as Error).name}`);
      continue;
    }
    const client = iam(emu, creds);
    while ((await client.send(new GenerateCredentialReportCommand({}))).State !== 'COMPLETE') {
      // The emulator's default generation time is 0: the second call completes.
    }
    const report = await client.send(new GetCredentialReportCommand({}));
    const entries = parseCredentialReport(report.Content ?? new Uint8Array());
    const principals: PrincipalCredentials[] = [];
    for (const entry of entries) {
      if (entry.isRoot || entry.keys.length === 0) {
        principals.push(entry);
        continue;
      }
      const listed = await client.send(new ListAccessKeysCommand({ UserName: entry.userName }));
      const tags = await client.send(new ListUserTagsCommand({ UserName: entry.userName }));
      principals.push({
        ...entry,
        keys: entry.keys.map((k) => ({
          ...k,
          accessKeyId:
            listed.AccessKeyMetadata?.find((m) => m.CreateDate?.getTime() === k.createdAt.getTime())
              ?.AccessKeyId ?? null,
        })),
        tags: Object.fromEntries((tags.Tags ?? []).map((t) => [t.Key, t.Value])),
      });
    }
    const outcome = evaluateAccount(principals, {
      accountId: account.accountId,
      now: emu.clock.now(),
      thresholds: DEFAULT_THRESHOLDS,
      configExemptions: [],
    });
    out.findings.push(...outcome.findings.map(keyOf));
    out.exempted.push(...outcome.exempted.map(keyOf));
  }
  for (const list of Object.values(out)) list.sort();
  return out;
}

function plannedAudit(emu: RunningEmulator): Audit {
  return {
    findings: emu.expected.findings.map(keyOf).sort(),
    exempted: emu.expected.exempted.map(keyOf).sort(),
    denied: emu.expected.accounts
      .filter((a) => a.expectedStatus === 'FAILED')
      .map((a) => `${a.accountId}:AccessDenied`)
      .sort(),
  };
}

let emu: RunningEmulator;
beforeAll(async () => {
  emu = await startEmulator({
    accounts: 14,
    users: 25,
    seed: 2025,
    now: NOW,
    faults: { iamThrottling: { enabled: false } },
  });
});
afterAll(async () => {
  await emu.stop();
});

describe('planted expectations vs the product', () => {
  it("match what the product's parser and policy compute through the API", async () => {
    const planned = plannedAudit(emu);
    expect(planned.findings.length).toBeGreaterThan(50);
    expect(planned.exempted.length).toBeGreaterThan(0);
    expect(planned.denied.length).toBeGreaterThan(0);
    expect(await auditWithProduct(emu)).toEqual(planned);
  });

  it('stop matching when one planted key is changed', async () => {
    const overdue = emu.expected.findings.find(
      (f) => f.type === 'ROTATION_OVERDUE' && f.accessKeyId !== null,
    );
    const account = emu.state.accounts.get(overdue?.accountId ?? '');
    const key = account?.users
      .find((u) => u.userName === overdue?.userName)
      ?.keys.find((k) => k.accessKeyId === overdue?.accessKeyId);
    expect(key).toBeDefined();
    if (account === undefined || key === undefined) return;
    // Rotate the key's date to yesterday behind the generator's back: no finding is due any more.
    const replaced = { ...key, createdAt: NOW.getTime() - 86_400_000 };
    const user = account.users.find((u) => u.keys.includes(key));
    user?.keys.splice(user.keys.indexOf(key), 1, replaced);
    account.report = null;
    const actual = await auditWithProduct(emu);
    expect(actual).not.toEqual(plannedAudit(emu));
    expect(actual.findings).not.toContain(keyOf(overdue as ExpectedFinding));
  });
});
