import { startEmulator } from '@org-key-audit/emulator';
import { assumeAuditRole } from '@org-key-audit/functions/aws';
import { buildClients } from '@org-key-audit/statemachine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { largeAccountSpec, MEMBER_ACCOUNT_ID } from '../src/account-spec';
import { collectNaive } from '../src/naive';

describe('collectNaive against the emulator (no throttling)', () => {
  const planted = largeAccountSpec({ users: 250, now: new Date('2026-01-15T12:00:00Z') });
  let emulator: Awaited<ReturnType<typeof startEmulator>>;

  beforeAll(async () => {
    emulator = await startEmulator({ orgSpec: planted.spec, faults: { iamThrottling: { enabled: false } } });
  });
  afterAll(async () => {
    await emulator.stop();
  });

  it('lists every user with the default page size, then one ListAccessKeys per user and one GetAccessKeyLastUsed per key', async () => {
    const clients = buildClients({
      region: emulator.region,
      endpoint: emulator.url,
      credentials: {
        accessKeyId: emulator.auditor.accessKeyId,
        secretAccessKey: emulator.auditor.secretAccessKey,
      },
    });
    const credentials = await assumeAuditRole(clients.sts, {
      accountId: MEMBER_ACCOUNT_ID,
      roleName: emulator.roleName,
      executionName: 'naive-test',
    });
    const result = await collectNaive(clients.iamFor(credentials));
    expect(result.users).toBe(250);
    // 250 users: i%100==0 -> 3 flagged; i%12==1 (not %100==0) -> 21 keyless (1..241): 229 keys
    expect(result.keys).toHaveLength(229);
    expect(result.calls).toEqual({
      'iam:ListUsers': 3,
      'iam:ListAccessKeys': 250,
      'iam:GetAccessKeyLastUsed': 229,
    });
    const old = result.keys.filter(
      (k) => k.createdAt !== null && k.createdAt < new Date('2025-10-01T00:00:00Z'),
    );
    expect(old.map((k) => k.userName)).toEqual(['bench-user-00000', 'bench-user-00100', 'bench-user-00200']);
  });
});
