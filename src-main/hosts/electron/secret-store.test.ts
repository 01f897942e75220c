import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SECRETS_FILE_NAME, createSafeStorageSecretStore } from './secret-store';
import type { SafeStorageLike } from './secret-store';

/**
 * Stands in for Electron's safeStorage (which needs the OS keychain): a reversible scramble
 * under a "key" that can be rotated or lost, which is all the store relies on.
 */
function fakeSafeStorage(opts: { available?: boolean; backend?: string } = {}) {
  const state = { key: 7, oldKeys: [] as number[], available: opts.available ?? true };
  const scramble = (s: Buffer, k: number) => Buffer.from(s.map((b) => b ^ k));
  const storage: SafeStorageLike & { state: typeof state } = {
    state,
    isAsyncEncryptionAvailable: async () => state.available,
    encryptStringAsync: async (text) => Buffer.concat([Buffer.from([state.key]), scramble(Buffer.from(text, 'utf8'), state.key)]),
    decryptStringAsync: async (buf) => {
      const k = buf[0];
      if (k !== state.key && !state.oldKeys.includes(k)) throw new Error('Error while decrypting the ciphertext');
      return { result: scramble(buf.subarray(1), k).toString('utf8'), shouldReEncrypt: k !== state.key };
    },
    getSelectedStorageBackend: () => opts.backend ?? 'gnome_libsecret',
  };
  return storage;
}

const tempDir = () => mkdtempSync(join(tmpdir(), 'rollcall-secrets-'));

describe('the safeStorage secret store', () => {
  it('keeps secrets encrypted in a file only the user can read, and gives them back', async () => {
    const dataDir = tempDir();
    const store = createSafeStorageSecretStore({ safeStorage: fakeSafeStorage(), dataDir, platform: 'linux' });
    await store.set('connection:abc:apiKey', 'sk_live_very_secret');
    await store.set('connection:def:password', 'hunter2 ünïcode');
    expect(await store.get('connection:abc:apiKey')).toBe('sk_live_very_secret');
    expect(await store.get('connection:def:password')).toBe('hunter2 ünïcode');
    expect(await store.get('connection:nope')).toBeNull();

    const file = join(dataDir, SECRETS_FILE_NAME);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('sk_live_very_secret');
    expect(text).not.toContain('hunter2');
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);

    // A second store over the same folder (the next launch) reads what the first wrote.
    const again = createSafeStorageSecretStore({ safeStorage: fakeSafeStorage(), dataDir, platform: 'linux' });
    expect(await again.get('connection:abc:apiKey')).toBe('sk_live_very_secret');
  });

  it('forgets a deleted secret and tolerates deleting one that is not there', async () => {
    const store = createSafeStorageSecretStore({ safeStorage: fakeSafeStorage(), dataDir: tempDir(), platform: 'linux' });
    await store.set('a', '1');
    await store.delete('a');
    await store.delete('never-set');
    expect(await store.get('a')).toBeNull();
    // Names that exist on every JS object are ordinary refs here.
    expect(await store.get('constructor')).toBeNull();
    await store.delete('toString');
  });

  it('keeps every write when many happen at once', async () => {
    const dataDir = tempDir();
    const store = createSafeStorageSecretStore({ safeStorage: fakeSafeStorage(), dataDir, platform: 'darwin' });
    await Promise.all(Array.from({ length: 20 }, (_, i) => store.set(`k${i}`, `v${i}`)));
    for (let i = 0; i < 20; i++) expect(await store.get(`k${i}`)).toBe(`v${i}`);
  });

  it('re-encrypts a secret when the OS has rotated its key', async () => {
    const dataDir = tempDir();
    const safe = fakeSafeStorage();
    const store = createSafeStorageSecretStore({ safeStorage: safe, dataDir, platform: 'linux' });
    await store.set('k', 'value');
    safe.state.oldKeys.push(safe.state.key);
    safe.state.key = 9;
    expect(await store.get('k')).toBe('value');
    safe.state.oldKeys = [];
    expect(await store.get('k')).toBe('value');
  });

  it('says so clearly when the keychain is unavailable or lost its key', async () => {
    const safe = fakeSafeStorage({ available: false });
    const store = createSafeStorageSecretStore({ safeStorage: safe, dataDir: tempDir(), platform: 'darwin' });
    await expect(store.set('k', 'v')).rejects.toMatchObject({ code: 'unavailable' });

    const safe2 = fakeSafeStorage();
    const store2 = createSafeStorageSecretStore({ safeStorage: safe2, dataDir: tempDir(), platform: 'darwin' });
    await store2.set('k', 'v');
    safe2.state.key = 99;
    await expect(store2.get('k')).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/Enter it again/) });
  });

  it('refuses the weak built-in key on Linux unless allowed, and describes where secrets live', async () => {
    const dataDir = tempDir();
    const weak = createSafeStorageSecretStore({ safeStorage: fakeSafeStorage({ backend: 'basic_text' }), dataDir, platform: 'linux' });
    await expect(weak.set('k', 'v')).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/keyring/) });
    expect(weak.describe()).toMatch(/weak/);

    const allowed = createSafeStorageSecretStore({
      safeStorage: fakeSafeStorage({ backend: 'basic_text' }),
      dataDir,
      platform: 'linux',
      allowWeakEncryption: true,
    });
    await allowed.set('k', 's3cr3t-value');
    expect(await allowed.get('k')).toBe('s3cr3t-value');

    const good = createSafeStorageSecretStore({ safeStorage: fakeSafeStorage(), dataDir, platform: 'linux' });
    expect(good.describe()).toContain('gnome_libsecret');
    expect(good.describe()).toContain(join(dataDir, SECRETS_FILE_NAME));
    expect(good.describe()).not.toContain('s3cr3t');
  });

  it('never overwrites a damaged secrets file', async () => {
    const dataDir = tempDir();
    const file = join(dataDir, SECRETS_FILE_NAME);
    writeFileSync(file, '{ not json');
    const store = createSafeStorageSecretStore({ safeStorage: fakeSafeStorage(), dataDir, platform: 'linux' });
    await expect(store.set('k', 'v')).rejects.toMatchObject({ code: 'internal' });
    expect(readFileSync(file, 'utf8')).toBe('{ not json');
  });

  it('rejects refs that are not plain names', async () => {
    const store = createSafeStorageSecretStore({ safeStorage: fakeSafeStorage(), dataDir: tempDir(), platform: 'linux' });
    for (const ref of ['', '../etc', 'a b', 'x'.repeat(201), '__proto__ ']) {
      await expect(store.set(ref, 'v'), ref).rejects.toThrow(TypeError);
    }
  });
});
