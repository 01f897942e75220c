import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../../contract/errors';
import { createSealedEntriesStore } from './sealed-entries-store';
import type { Sealer } from './sealed-entries-store';
import type { SecretStore } from './secret-store';

/**
 * The browser host's secret store: AES-256-GCM under a random 256-bit key kept in its own file.
 * Both files are 0600 in the data folder. This protects secrets from a glance at the database,
 * a backup of the database alone, or a screen share — not from someone who can read the whole
 * data folder as this user (they get the key too). The UI says so instead of promising more.
 */

export const ENCRYPTED_SECRETS_FILE = 'secrets.enc.json';
export const SECRETS_KEY_FILE = 'secrets.key';

interface Sealed {
  /** base64 of the 12-byte nonce, the ciphertext and the 16-byte GCM tag. */
  iv: string;
  data: string;
  tag: string;
}

export interface FileSecretStoreOptions {
  dataDir: string;
}

export function createFileSecretStore(opts: FileSecretStoreOptions): SecretStore {
  const file = join(opts.dataDir, ENCRYPTED_SECRETS_FILE);
  const keyFile = join(opts.dataDir, SECRETS_KEY_FILE);
  let key: Buffer | null = null;

  const loadKey = async (create: boolean): Promise<Buffer | null> => {
    if (key) return key;
    let bytes: Buffer | null = null;
    try {
      bytes = await readFile(keyFile);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (bytes === null) {
      if (!create) return null;
      await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
      const fresh = randomBytes(32);
      // 'wx': never replace a key another process wrote a moment ago; that would orphan its secrets.
      try {
        const handle = await open(keyFile, 'wx', 0o600);
        try {
          await handle.writeFile(fresh);
        } finally {
          await handle.close();
        }
        await chmod(keyFile, 0o600);
        bytes = fresh;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        bytes = await readFile(keyFile);
      }
    }
    if (bytes.length !== 32) {
      throw new ApiError('internal', `The secrets key file ${keyFile} is damaged (it must hold 32 bytes); the stored secrets cannot be read.`);
    }
    key = bytes;
    return key;
  };

  // The ref is bound in as associated data: a sealed value moved under another ref will not open.
  const seal = (k: Buffer, ref: string, value: string): Sealed => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', k, iv);
    cipher.setAAD(Buffer.from(ref, 'utf8'));
    const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return { iv: iv.toString('base64'), data: data.toString('base64'), tag: cipher.getAuthTag().toString('base64') };
  };

  const unseal = (k: Buffer, ref: string, sealed: Sealed): string => {
    try {
      const decipher = createDecipheriv('aes-256-gcm', k, Buffer.from(sealed.iv, 'base64'));
      decipher.setAAD(Buffer.from(ref, 'utf8'));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new ApiError(
        'unavailable',
        `A stored secret could not be decrypted with the key in ${keyFile} (the key file was replaced or the secrets file was altered). Enter the secret again.`,
      );
    }
  };

  const sealer: Sealer<Sealed> = {
    header: { format: 1, cipher: 'aes-256-gcm' },
    isSealed: (v): v is Sealed => !!v && typeof v === 'object' && typeof (v as Sealed).data === 'string',
    seal: async (ref, value) => seal((await loadKey(true))!, ref, value),
    async open(ref, sealed) {
      const k = await loadKey(false);
      if (!k) throw new ApiError('unavailable', `The secrets key file ${keyFile} is missing, so stored secrets cannot be read. Enter them again.`);
      return { value: unseal(k, ref, sealed) };
    },
    describe: () =>
      `Secrets are stored in an encrypted file in the data folder (${file}, AES-256-GCM with a random key in ${SECRETS_KEY_FILE}, both readable by this user only), not in the OS keychain.`,
  };
  return createSealedEntriesStore({ dataDir: opts.dataDir, fileName: ENCRYPTED_SECRETS_FILE, sealer });
}
