import { join } from 'node:path';
import type { SafeStorage } from 'electron';
import { ApiError } from '../../contract/errors';
import { createSealedEntriesStore } from '../../core/secrets/sealed-entries-store';
import type { Sealer } from '../../core/secrets/sealed-entries-store';
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

  const encrypt = async (value: string) => (await opts.safeStorage.encryptStringAsync(value)).toString('base64');
  // Entries are base64 of the safeStorage ciphertext.
  const sealer: Sealer<string> = {
    header: { version: 1 },
    isSealed: (v): v is string => typeof v === 'string',
    async seal(_ref, value) {
      await ensureEncryption(true);
      return encrypt(value);
    },
    async open(_ref, stored) {
      await ensureEncryption(false);
      let out: { result: string; shouldReEncrypt: boolean };
      try {
        out = await opts.safeStorage.decryptStringAsync(Buffer.from(stored, 'base64'));
      } catch {
        throw new ApiError('unavailable', 'A stored secret could not be decrypted (the system keychain changed?). Enter it again.');
      }
      // The OS rotated its key: store the value under the new one while we have it.
      return { value: out.result, reseal: out.shouldReEncrypt ? await encrypt(out.result) : undefined };
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
  return createSealedEntriesStore({ dataDir: opts.dataDir, fileName: SECRETS_FILE_NAME, sealer });
}
