import type Database from 'better-sqlite3';
import { ApiError } from '../../contract/errors';
import type { SecretStore } from '../secrets/secret-store';
import { CODE_KEY_BYTES, CodeSealer, isSealedCode, readClearCode } from './code-sealer';

/** Where the alarm-code key lives in the secret store. One key per data folder. */
export const ALARM_CODE_KEY_REF = 'rollcall:alarm-code-key';

const SEALED_GLOB = `'sealed:v1:*'`;

/**
 * The alarm user codes of one database, and the key that seals them.
 *
 * The secret store is asynchronous (on the desktop it asks another process), but codes are read
 * and written in the middle of synchronous SQL work. So the key is read once — at core start, or
 * at the first alarm action that needs it — and sealing is synchronous after that.
 *
 * What happens without a key, on purpose:
 * - clear (legacy) codes can still be read; nothing can be written, since a code is never
 *   written in clear;
 * - a key missing from the store while the database holds sealed codes is never replaced by a
 *   new one: those codes would be lost for good, and the old key may come back (a restored
 *   keychain or data folder).
 * Only alarm actions fail, each with the reason; the rest of the core does not depend on this.
 */
export class AlarmCodes {
  private sealer: CodeSealer | null = null;
  private problem: string | null = null;
  private loading: Promise<void> | null = null;

  constructor(private readonly opts: { store: SecretStore | null; sqlite: Database.Database }) {}

  /**
   * Reads the key (making one only when this database has codes and none is sealed yet) and
   * seals any clear code left from before. Never throws: a failure is kept and reported by the
   * alarm actions.
   */
  load(): Promise<void> {
    return this.once(() => this.countCodes() > 0);
  }

  /** For actions that will write codes: the key, made now if there has never been one. */
  async ready(): Promise<void> {
    // A start-up load still running may be one that does not make a key: wait for it, then ask again.
    if (this.loading) await this.loading;
    if (!this.sealer) await this.once(() => true);
    if (!this.sealer) throw this.unavailable();
  }

  /** Whether sealed values can be read and written now. */
  get hasKey(): boolean {
    return this.sealer !== null;
  }

  /** Why there is no key, if there is none (for status lines; never a code). */
  get failure(): string | null {
    return this.problem;
  }

  /** The sealed text to store for `code`. Throws rather than ever hand back the clear code. */
  seal(code: string): string {
    if (!this.sealer) throw this.unavailable();
    return this.sealer.seal(code);
  }

  /** The clear code of a stored value; `what` names it in an error and is never the code. */
  unseal(stored: string, what: string): string {
    if (!isSealedCode(stored)) return readClearCode(stored, what);
    if (!this.sealer) throw this.unavailable();
    return this.sealer.unseal(stored, what);
  }

  /**
   * The start-up data step: seals every code still stored in clear, in one transaction. Not a
   * migration, because migrations cannot reach the secret store. Freed space is zeroed while it
   * runs and the WAL is emptied afterwards, so the old clear bytes do not linger in the files.
   * A clear value that is not a code is left as it is (never lost); reading it reports it.
   */
  sealClearCodes(): number {
    const sealer = this.sealer;
    if (!sealer) return 0;
    const { sqlite } = this.opts;
    const own = sqlite.prepare(`SELECT rowid AS id, code FROM alarm_user_code WHERE code NOT GLOB ${SEALED_GLOB}`).all() as Array<{ id: number; code: string }>;
    const mirror = sqlite.prepare(`SELECT id, code FROM alarm_user WHERE code NOT GLOB ${SEALED_GLOB}`).all() as Array<{ id: number; code: string }>;
    if (!own.length && !mirror.length) return 0;
    const secureDelete = sqlite.pragma('secure_delete', { simple: true }) as number;
    sqlite.pragma('secure_delete = ON');
    let sealed = 0;
    try {
      const updateOwn = sqlite.prepare('UPDATE alarm_user_code SET code = ? WHERE rowid = ?');
      const updateMirror = sqlite.prepare('UPDATE alarm_user SET code = ? WHERE id = ?');
      sqlite.transaction(() => {
        for (const [rows, update] of [
          [own, updateOwn],
          [mirror, updateMirror],
        ] as const) {
          for (const r of rows) {
            let code: string;
            try {
              code = readClearCode(r.code, 'a stored alarm code');
            } catch {
              continue;
            }
            update.run(sealer.seal(code), r.id);
            sealed++;
          }
        }
      })();
    } finally {
      sqlite.pragma(`secure_delete = ${secureDelete ? 'ON' : 'OFF'}`);
    }
    try {
      // Best effort: the old pages still sit in the WAL until a checkpoint copies the new ones over.
      sqlite.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // Busy (another connection is checkpointing): the next checkpoint does it.
    }
    return sealed;
  }

  // ---------------------------------------------------------------- the key

  private once(mayCreate: () => boolean): Promise<void> {
    this.loading ??= this.tryLoad(mayCreate).finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  private async tryLoad(mayCreate: () => boolean): Promise<void> {
    if (this.sealer) return;
    try {
      this.sealer = await this.readOrMakeKey(mayCreate);
      this.problem = null;
    } catch (err) {
      this.problem = err instanceof Error ? err.message : String(err);
      return;
    }
    if (this.sealer) {
      try {
        this.sealClearCodes();
      } catch {
        // Clear codes stay readable and are sealed on their next write; the step runs again next start.
      }
    }
  }

  private async readOrMakeKey(mayCreate: () => boolean): Promise<CodeSealer | null> {
    const { store } = this.opts;
    if (!store) throw new Error('This core has no secret store to keep the key that seals alarm user codes.');
    const read = async () => {
      try {
        return await store.get(ALARM_CODE_KEY_REF);
      } catch (err) {
        throw new Error(`The key that seals alarm user codes could not be read from the secret store: ${noStop((err as Error).message)}.`);
      }
    };
    let text = await read();
    if (text === null) {
      if (this.countSealed() > 0) {
        throw new Error(
          'The key that seals alarm user codes is missing from the secret store, but this database holds codes sealed with it. Restore the secret store (or the data folder) it was in; Rollcall will not make a new key over codes it could then never read.',
        );
      }
      if (!mayCreate()) return null;
      try {
        await store.set(ALARM_CODE_KEY_REF, CodeSealer.freshKey().toString('base64'));
      } catch (err) {
        throw new Error(`The key that seals alarm user codes could not be saved in the secret store: ${noStop((err as Error).message)}.`);
      }
      // Read back what is there: another core on the same data folder may have made one first.
      text = await read();
      if (text === null) throw new Error('The secret store did not keep the key that seals alarm user codes.');
    }
    const key = Buffer.from(text, 'base64');
    if (key.length !== CODE_KEY_BYTES) throw new Error('The key that seals alarm user codes is damaged in the secret store.');
    return new CodeSealer(key);
  }

  private countSealed(): number {
    const q = (t: string) => Number(this.opts.sqlite.prepare(`SELECT count(*) FROM ${t} WHERE code GLOB ${SEALED_GLOB}`).pluck().get());
    return q('alarm_user_code') + q('alarm_user');
  }

  private countCodes(): number {
    const q = (t: string) => Number(this.opts.sqlite.prepare(`SELECT count(*) FROM ${t}`).pluck().get());
    return q('alarm_user_code') + q('alarm_user');
  }

  private unavailable(): ApiError {
    const why = this.problem ?? 'The key that seals alarm user codes has not been read yet.';
    return new ApiError('unavailable', `${noStop(why)}. Alarm actions that use user codes are paused until it can be read; no code was changed.`);
  }
}

const attached = new WeakMap<object, AlarmCodes>();

/**
 * Reads the alarm-code key for this database at core start and keeps it with the database, for
 * the location service to find (it is built by the handlers, which only get the database).
 */
export async function openAlarmCodes(db: { sqlite: Database.Database }, store: SecretStore | null): Promise<AlarmCodes> {
  const codes = new AlarmCodes({ store, sqlite: db.sqlite });
  await codes.load();
  attached.set(db, codes);
  return codes;
}

export function alarmCodesFor(db: object): AlarmCodes | null {
  return attached.get(db) ?? null;
}

function noStop(s: string) {
  return s.replace(/[.\s]+$/, '');
}
