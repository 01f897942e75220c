import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../../contract/errors';
import { assertSecretRef } from './secret-store';
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

interface SecretsFile {
  format: 1;
  cipher: 'aes-256-gcm';
  entries: Record<string, Sealed>;
}

export interface FileSecretStoreOptions {
  dataDir: string;
}

export function createFileSecretStore(opts: FileSecretStoreOptions): SecretStore {
  const file = join(opts.dataDir, ENCRYPTED_SECRETS_FILE);
  const keyFile = join(opts.dataDir, SECRETS_KEY_FILE);
  let key: Buffer | null = null;

  // Every write is a read-modify-write of one file: one at a time.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(op: () => Promise<T>): Promise<T> => {
    const next = queue.then(op, op);
    queue = next.catch(() => undefined);
    return next;
  };

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

  const load = async (): Promise<SecretsFile> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { format: 1, cipher: 'aes-256-gcm', entries: {} };
      throw err;
    }
    let parsed: Partial<SecretsFile> | null = null;
    try {
      parsed = JSON.parse(text) as Partial<SecretsFile>;
    } catch {
      // Never write over a file we cannot read: that would silently lose every stored secret.
    }
    if (!parsed || typeof parsed.entries !== 'object' || parsed.entries === null) {
      throw new ApiError('internal', `The secrets file ${file} is damaged; move it aside and enter the connection secrets again.`);
    }
    return { format: 1, cipher: 'aes-256-gcm', entries: { ...parsed.entries } };
  };

  const save = async (data: SecretsFile) => {
    await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, file);
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

  return {
    async get(ref) {
      assertSecretRef(ref);
      return serial(async () => {
        const data = await load();
        const sealed = Object.hasOwn(data.entries, ref) ? data.entries[ref] : undefined;
        if (!sealed) return null;
        const k = await loadKey(false);
        if (!k) throw new ApiError('unavailable', `The secrets key file ${keyFile} is missing, so stored secrets cannot be read. Enter them again.`);
        return unseal(k, ref, sealed);
      });
    },
    async set(ref, value) {
      assertSecretRef(ref);
      if (typeof value !== 'string') throw new TypeError('A secret must be a string.');
      return serial(async () => {
        const k = (await loadKey(true))!;
        const data = await load();
        data.entries[ref] = seal(k, ref, value);
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
      return `Secrets are stored in an encrypted file in the data folder (${file}, AES-256-GCM with a random key in ${SECRETS_KEY_FILE}, both readable by this user only), not in the OS keychain.`;
    },
  };
}
