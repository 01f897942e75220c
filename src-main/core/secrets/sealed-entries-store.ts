import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ApiError } from '../../contract/errors';
import { assertSecretRef } from './secret-store';
import type { SecretStore } from './secret-store';

/**
 * How one kind of store seals values. Only this differs between the browser host's AES file and
 * the desktop's OS keychain: both keep `ref → sealed value` in one private JSON file.
 */
export interface Sealer<E> {
  /** The file's fixed fields besides `entries` ({ format, cipher } or { version }). */
  header: Record<string, unknown>;
  /** Whether a stored entry has this sealer's shape. */
  isSealed(value: unknown): value is E;
  seal(ref: string, value: string): Promise<E>;
  /** The value, and a fresh sealing to store instead when the old one should be replaced. */
  open(ref: string, sealed: E): Promise<{ value: string; reseal?: E }>;
  describe(): string;
}

/**
 * A SecretStore over one JSON file in the data folder (0600, written to a temp file and renamed,
 * so a crash never leaves half a file). Every operation is a read-modify-write of that file, so
 * they run one at a time. A file that cannot be read is never written over: that would silently
 * lose every stored secret.
 */
export function createSealedEntriesStore<E>(opts: { dataDir: string; fileName: string; sealer: Sealer<E> }): SecretStore {
  const file = join(opts.dataDir, opts.fileName);
  const { sealer } = opts;

  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(op: () => Promise<T>): Promise<T> => {
    const next = queue.then(op, op);
    queue = next.catch(() => undefined);
    return next;
  };

  const load = async (): Promise<Record<string, E>> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw err;
    }
    let entries: unknown = null;
    try {
      entries = (JSON.parse(text) as { entries?: unknown } | null)?.entries;
    } catch {
      // Reported below, like a file of the wrong shape.
    }
    if (!entries || typeof entries !== 'object') {
      throw new ApiError('internal', `The secrets file ${file} is damaged; move it aside and enter the connection secrets again.`);
    }
    return { ...(entries as Record<string, E>) };
  };

  const save = async (entries: Record<string, E>) => {
    await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify({ ...sealer.header, entries }, null, 2)}\n`, { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, file);
  };

  return {
    async get(ref) {
      assertSecretRef(ref);
      return serial(async () => {
        const entries = await load();
        // Own keys only: a ref like "constructor" must not find Object.prototype's.
        const sealed = Object.hasOwn(entries, ref) ? entries[ref] : undefined;
        if (!sealer.isSealed(sealed)) return null;
        const { value, reseal } = await sealer.open(ref, sealed);
        if (reseal !== undefined) {
          entries[ref] = reseal;
          await save(entries);
        }
        return value;
      });
    },
    async set(ref, value) {
      assertSecretRef(ref);
      if (typeof value !== 'string') throw new TypeError('A secret must be a string.');
      return serial(async () => {
        const sealed = await sealer.seal(ref, value);
        const entries = await load();
        entries[ref] = sealed;
        await save(entries);
      });
    },
    async delete(ref) {
      assertSecretRef(ref);
      return serial(async () => {
        const entries = await load();
        if (!Object.hasOwn(entries, ref)) return;
        delete entries[ref];
        await save(entries);
      });
    },
    describe: () => sealer.describe(),
  };
}

