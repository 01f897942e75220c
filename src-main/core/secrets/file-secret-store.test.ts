import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ENCRYPTED_SECRETS_FILE, SECRETS_KEY_FILE, createFileSecretStore } from './file-secret-store';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'rollcall-file-secrets-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the encrypted-file secret store (browser host)', () => {
  it('gives secrets back, keeps both files private (0600) and never writes the secret text', async () => {
    const dataDir = tempDir();
    const store = createFileSecretStore({ dataDir });
    await store.set('connection:abc', 'sk_live_very_secret_value');
    await store.set('connection:def', 'hunter2 ünïcode');
    expect(await store.get('connection:abc')).toBe('sk_live_very_secret_value');
    expect(await store.get('connection:def')).toBe('hunter2 ünïcode');
    expect(await store.get('connection:none')).toBeNull();

    if (process.platform !== 'win32') {
      expect(statSync(join(dataDir, ENCRYPTED_SECRETS_FILE)).mode & 0o777).toBe(0o600);
      expect(statSync(join(dataDir, SECRETS_KEY_FILE)).mode & 0o777).toBe(0o600);
    }
    const onDisk = readFileSync(join(dataDir, ENCRYPTED_SECRETS_FILE), 'utf8');
    expect(onDisk).not.toContain('sk_live');
    expect(onDisk).not.toContain('hunter2');
    expect(onDisk).not.toContain(Buffer.from('sk_live_very_secret_value').toString('base64').slice(0, 12));

    // A second store on the same folder (the core restarted) reads them with the same key file.
    expect(await createFileSecretStore({ dataDir }).get('connection:abc')).toBe('sk_live_very_secret_value');
  });

  it('forgets a secret, and forgetting a missing one is fine', async () => {
    const store = createFileSecretStore({ dataDir: tempDir() });
    await store.set('connection:abc', 'value-1');
    await store.delete('connection:abc');
    await store.delete('connection:abc');
    expect(await store.get('connection:abc')).toBeNull();
  });

  it('fails clearly, without the secret, when the key file was replaced', async () => {
    const dataDir = tempDir();
    await createFileSecretStore({ dataDir }).set('connection:abc', 'sk_live_very_secret_value');
    writeFileSync(join(dataDir, SECRETS_KEY_FILE), randomBytes(32), { mode: 0o600 });
    const err = await createFileSecretStore({ dataDir })
      .get('connection:abc')
      .then(() => null, (e: Error) => e);
    expect(err?.message).toMatch(/could not be decrypted with the key/);
    expect(err?.message).not.toContain('sk_live');
  });

  it('will not open a value moved under another name, and refuses a damaged file rather than overwrite it', async () => {
    const dataDir = tempDir();
    const store = createFileSecretStore({ dataDir });
    await store.set('connection:abc', 'value-abc');
    const file = join(dataDir, ENCRYPTED_SECRETS_FILE);
    const data = JSON.parse(readFileSync(file, 'utf8'));
    data.entries['connection:xyz'] = data.entries['connection:abc'];
    writeFileSync(file, JSON.stringify(data));
    await expect(createFileSecretStore({ dataDir }).get('connection:xyz')).rejects.toThrow(/could not be decrypted/);

    writeFileSync(file, '{ not json');
    await expect(createFileSecretStore({ dataDir }).set('connection:new', 'v')).rejects.toThrow(/damaged/);
    expect(readFileSync(file, 'utf8')).toBe('{ not json');
  });

  it('says plainly where secrets are kept', () => {
    expect(createFileSecretStore({ dataDir: tempDir() }).describe()).toMatch(/encrypted file in the data folder.*not in the OS keychain/);
  });
});
