import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SafeStorage } from 'electron';
import { ApiError } from '../../contract/errors';
import { assertSecretRef } from '../../core/secrets/secret-store';
import type { SecretStore } from '../../core/secrets/secret-store';

/** The parts of Electron's safeStorage we use; injected so tests need no Electron. */
export type SafeStorageLike = Pick<SafeStorage, 'isAsyncEncryptionAvailable' | 'encryptStringAsync' | 'decryptStringAsync'> & {
  getSelectedStorageBackend?: () => string;
};

export interface SafeStorageSecretStoreOptions {
  safeStorage: SafeStorageLike;
  /** The data folder; secrets go to `secrets.json` in it. */
  dataDir: string;
  platform?: NodeJS.Platform;
  /**
   * On Linux without a keyring Chromium falls back to a built-in key ("basic_text"), which
   * anyone with the file can undo. By default we refuse to store secrets that way.
   */
  allowWeakEncryption?: boolean;
}

interface SecretsFile {
  version: 1;
  /** ref → base64 of the safeStorage ciphertext. */
  entries: Record<string, string>;
}

export const SECRETS_FILE_NAME = 'secrets.json';

/**
 * Secrets encrypted by the OS (Keychain on macOS, DPAPI on Windows, the Secret Service or
 * KWallet on Linux) and kept as base64 in a JSON file only the user can read (0600).
 * The file alone is useless on another machine or account.
 */
export function createSafeStorageSecretStore(opts: SafeStorageSecretStoreOptions): SecretStore {
  const file = join(opts.dataDir, SECRETS_FILE_NAME);
  const platform = opts.platform ?? process.platform;
  const backend = () => (platform === 'linux' ? (opts.safeStorage.getSelectedStorageBackend?.() ?? 'unknown') : null);
  const isWeak = () => backend() === 'basic_text';

  // Every operation is a read-modify-write of one file: run them one at a time.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(op: () => Promise<T>): Promise<T> => {
    const next = queue.then(op, op);
    queue = next.catch(() => undefined);
    return next;
  };

  const ensureEncryption = async (forWriting: boolean) => {
    if (!(await opts.safeStorage.isAsyncEncryptionAvailable())) {
      throw new ApiError('unavailable', 'The system keychain is not available, so Rollcall cannot store or read connection secrets.');
    }
    if (forWriting && isWeak() && !opts.allowWeakEncryption) {
      throw new ApiError(
        'unavailable',
        'No system keyring (GNOME Keyring or KWallet) is running, so secrets could not be stored safely. Start one and try again.',
      );
    }
  };

  const load = async (): Promise<SecretsFile> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, entries: {} };
      throw err;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Never overwrite a file we cannot read: that would silently lose every stored secret.
      throw new ApiError('internal', `The secrets file ${file} is damaged; move it aside and enter the secrets again.`);
    }
    const entries = (parsed as Partial<SecretsFile>)?.entries;
    if (!entries || typeof entries !== 'object') {
      throw new ApiError('internal', `The secrets file ${file} is not in the expected format.`);
    }
    return { version: 1, entries: { ...entries } };
  };

  const save = async (data: SecretsFile) => {
    await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    // Written to a private temp file and renamed, so a crash never leaves half a file.
    await writeFile(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, file);
  };

  return {
    async get(ref) {
      assertSecretRef(ref);
      return serial(async () => {
        const data = await load();
        // Own keys only: a ref like "constructor" must not find Object.prototype's.
        const stored = Object.hasOwn(data.entries, ref) ? data.entries[ref] : undefined;
        if (typeof stored !== 'string') return null;
        await ensureEncryption(false);
        let out: { result: string; shouldReEncrypt: boolean };
        try {
          out = await opts.safeStorage.decryptStringAsync(Buffer.from(stored, 'base64'));
        } catch {
          throw new ApiError('unavailable', 'A stored secret could not be decrypted (the system keychain changed?). Enter it again.');
        }
        if (out.shouldReEncrypt) {
          // The OS rotated its key; store the value under the new one while we have it.
          data.entries[ref] = (await opts.safeStorage.encryptStringAsync(out.result)).toString('base64');
          await save(data);
        }
        return out.result;
      });
    },
    async set(ref, value) {
      assertSecretRef(ref);
      if (typeof value !== 'string') throw new TypeError('A secret must be a string.');
      return serial(async () => {
        await ensureEncryption(true);
        const data = await load();
        data.entries[ref] = (await opts.safeStorage.encryptStringAsync(value)).toString('base64');
        await save(data);
      });
    },
    async delete(ref) {
      assertSecretRef(ref);
      return serial(async () => {
        const data = await load();
        if (!Object.hasOwn(data.entries, ref)) return;
        delete data.entries[ref];
        await save(data);
      });
    },
    describe() {
      const where =
        platform === 'darwin'
          ? 'the macOS Keychain'
          : platform === 'win32'
            ? 'Windows (DPAPI)'
            : isWeak()
              ? 'a built-in key because no system keyring is running (weak)'
              : `the system keyring (${backend()})`;
      return `Secrets are encrypted with ${where} and kept in ${file}.`;
    },
  };
}
