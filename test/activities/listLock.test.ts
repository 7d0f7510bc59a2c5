/** Which lock a list has: its id from the account and the exact list name, the account from Klaviyo or a hash of the key. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from 'klaviyo-emulator';
import { KlaviyoClient } from '../../src/klaviyo/client';
import { listLockId } from '../../src/activities/listLock';
import { accountKey } from '../../src/klaviyo/account';

describe('listLockId', () => {
  it('is readable and the same for the same account and name', () => {
    expect(listLockId('AbC123', 'Spring VIP')).toMatch(/^audience-list-lock\/AbC123\/Spring-VIP-[0-9a-f]{16}$/);
    expect(listLockId('AbC123', 'Spring VIP')).toBe(listLockId('AbC123', 'Spring VIP'));
  });

  it('tells apart names Klaviyo tells apart, and accounts', () => {
    const ids = new Set(
      ['Spring VIP', 'spring vip', 'Spring  VIP', 'Spring/VIP', 'Spring VIP '].map((name) => listLockId('AbC123', name)),
    );
    expect(ids.size).toBe(5);
    expect(listLockId('AbC123', 'Spring VIP')).not.toBe(listLockId('XyZ789', 'Spring VIP'));
  });

  it('stays short and safe for any name', () => {
    for (const name of ['"; DROP', '🌸🌸', 'x'.repeat(255), '../..', 'a/b\\c']) {
      const id = listLockId('acct/../x', name);
      expect(id.length).toBeLessThanOrEqual(120);
      expect(id).toMatch(/^audience-list-lock\/[A-Za-z0-9_-]+\/[A-Za-z0-9._-]+$/);
    }
  });
});

describe('accountKey', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ speed: 50 });
  });
  afterAll(() => emu.close());

  async function clientFor(scopes?: string[]) {
    const account = `lock${Math.random().toString(36).slice(2, 8)}`;
    const key = await emu.admin.createKey({ account, ...(scopes && { scopes }) });
    const calls: string[] = [];
    const client = new KlaviyoClient({ apiKey: key, baseUrl: emu.url, speedFactor: 50, onCall: (endpoint) => calls.push(endpoint) });
    return { client, key, calls };
  }

  it("is the Klaviyo account's id, read once per key", async () => {
    const { client, key, calls } = await clientFor();
    const warnings: string[] = [];
    const warn = (m: string) => void warnings.push(m);
    const id = await accountKey(client, key, warn);
    expect(id).toBe(await client.accountId());
    calls.length = 0;
    expect(await accountKey(client, key, warn)).toBe(id);
    expect(calls).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('without accounts:read, is a hash of the key (never the key) and says so', async () => {
    const { client, key } = await clientFor(['lists:write', 'profiles:write']);
    const warnings: string[] = [];
    const warn = (m: string) => void warnings.push(m);
    const id = await accountKey(client, key, warn);
    expect(id).toMatch(/^key-[0-9a-f]{16}$/);
    expect(key).not.toContain(id.slice(4));
    expect(await accountKey(client, key, warn)).toBe(id);
    expect(warnings.join(' ')).toMatch(/accounts:read/);
  });
});
