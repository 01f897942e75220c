import { statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { CHECKPOINTER_THREAD_CODE } from './wal-checkpointer-thread';

/*
 * Background WAL checkpoints for a long-lived core.
 *
 * With SQLite's default wal_autocheckpoint, the COMMIT that leaves the WAL above 1000 pages also
 * copies the whole WAL into the database file, on the committing thread: a few hundred ms after a
 * big sync pass during which the core answers no call. Here a worker thread with its own
 * connection runs PASSIVE checkpoints instead (they never block the writer nor readers), and the
 * core's connection keeps only a high autocheckpoint as a safety net. Whenever the thread is not
 * known to be alive, the core's connection checkpoints as SQLite always did.
 */

/** SQLite's default, restored whenever no checkpointer thread is known to be running. */
export const DEFAULT_AUTOCHECKPOINT_PAGES = 1000;
/**
 * The core's own autocheckpoint while the thread runs, a bound on the WAL should the thread hang
 * (if it dies, the default comes back at once). It must stay above the WAL of one big pass: SQLite
 * checks it at COMMIT, so a transaction that alone passes it is checkpointed on the core's thread
 * after all. A 100k-person first pass writes about 20k pages (80 MB) and its 10 % change pass
 * about 11k; 100k pages (400 MB of 4 KiB pages) leaves room for sites several times that size.
 */
export const SAFETY_NET_AUTOCHECKPOINT_PAGES = 100_000;
/**
 * When the WAL is reset, its file is cut back to this size: without a limit a first pass's
 * 40–80 MB of WAL would stay on disk for as long as the core runs.
 *
 * SQLite cuts the file in the first commit after the reset, so left alone the next pass's first
 * write paid for it: 10–20 ms at 100k people, about 250 ms at 1M. Instead, once the thread
 * reports the WAL fully copied, the core writes a no-op (user_version set to itself) while it is
 * idle; that commit resets the WAL and cuts the file. It is the core's own write, so its
 * data_version (which the fingerprint cache watches for other writers) does not move.
 */
export const WAL_SIZE_LIMIT_BYTES = 16 * 2 ** 20;
/** How often the thread looks at the WAL; when nothing was committed a look is one stat(). */
export const CHECKPOINT_INTERVAL_MS = 250;
/**
 * A reader in another process can keep the WAL from being reset; the no-op then only adds one
 * page to the WAL. After such a try, the next waits this long.
 */
const SHRINK_RETRY_MS = 10_000;

const START_TIMEOUT_MS = 10_000;
/** A checkpoint in progress is let finish on close; one that takes longer than this is cut off. */
const STOP_TIMEOUT_MS = 10_000;

export type CheckpointerState = 'starting' | 'running' | 'stopping' | 'stopped' | 'lost';

export interface WalCheckpointerOptions {
  intervalMs?: number;
  /** The core's autocheckpoint while the thread runs (tests use a small one). */
  safetyNetPages?: number;
  /** better-sqlite3's entry file for the thread to load; resolved from this module by default. */
  driverPath?: string;
}

function walSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function resolveDriver(): string {
  // An absolute path: the eval'd thread has no module of its own to resolve from, and neither
  // the Electron bundle nor the bench bundle needs an entry for it.
  return createRequire(import.meta.url).resolve('better-sqlite3');
}

/**
 * Starts checkpointing `file` (already open in WAL mode on `sqlite`) on a worker thread. Never
 * throws: a thread that cannot start, or dies, leaves `sqlite` checkpointing by itself.
 * Await `ready` before relying on it; call `stop()` before closing `sqlite`.
 */
export class WalCheckpointer {
  private worker: Worker | null = null;
  private _state: CheckpointerState = 'starting';
  /** true once the thread has its connection open; false if it never will. */
  readonly ready: Promise<boolean>;
  /** Resolves with the thread's exit code once it has ended (at once if it never started). */
  readonly exited: Promise<number>;
  private settleReady: (ok: boolean) => void = () => {};
  private startTimer: NodeJS.Timeout | null = null;
  private readonly safetyNet: number;
  private readonly walFile: string;

  constructor(
    private readonly sqlite: Database.Database,
    file: string,
    opts: WalCheckpointerOptions = {},
  ) {
    this.safetyNet = opts.safetyNetPages ?? SAFETY_NET_AUTOCHECKPOINT_PAGES;
    this.walFile = `${file}-wal`;
    this.ready = new Promise<boolean>((resolve) => (this.settleReady = resolve));
    let settleExit: (code: number) => void = () => {};
    this.exited = new Promise<number>((resolve) => (settleExit = resolve));
    sqlite.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    try {
      this.worker = new Worker(CHECKPOINTER_THREAD_CODE, {
        eval: true,
        workerData: {
          driver: opts.driverPath ?? resolveDriver(),
          file,
          intervalMs: opts.intervalMs ?? CHECKPOINT_INTERVAL_MS,
          sizeLimit: WAL_SIZE_LIMIT_BYTES,
        },
      });
    } catch {
      this.lose();
      settleExit(-1);
      return;
    }
    const worker = this.worker;
    worker.on('message', (m: { type?: string }) => {
      if (m?.type === 'checkpointed') {
        this.waiting.shift()?.();
        return;
      }
      if (m?.type === 'caught-up') {
        this.shrinkWal();
        return;
      }
      if (m?.type !== 'ready' || this._state !== 'starting') return;
      this.clearStartTimer();
      this._state = 'running';
      sqlite.pragma(`wal_autocheckpoint = ${this.safetyNet}`);
      // Like the connection itself, the thread must never keep a process alive. It stays
      // referenced while starting so that `await openDatabase(...)` in a script is not cut short.
      worker.unref();
      this.settleReady(true);
    });
    // An uncaught error in the thread (driver missing, file unreadable, I/O error) ends it:
    // nothing to log beyond the fallback, the core goes on as it did before this module existed.
    worker.on('error', () => this.lose());
    worker.on('exit', (code) => {
      this.clearStartTimer();
      // A thread gone mid-request answers no more: nobody waits for it.
      for (const resolve of this.waiting.splice(0)) resolve();
      if (this._state === 'stopping') this._state = 'stopped';
      else this.lose();
      this.worker = null;
      settleExit(code);
    });
    this.startTimer = setTimeout(() => {
      this.lose();
      void worker.terminate();
    }, START_TIMEOUT_MS);
  }

  get state(): CheckpointerState {
    return this._state;
  }

  /**
   * Runs one big write (a sync pass's transaction) whose COMMIT must not checkpoint on this
   * thread even if its WAL alone passes the safety net, as a 1M-person first pass does (~190k
   * pages): copying it is the thread's job, right after. The net is for many commits piling up
   * while the thread hangs; one transaction's WAL cannot be bounded anyway. Without a running
   * thread the write runs with SQLite's checkpoints as they are.
   */
  deferCheckpoint<T>(write: () => T): T {
    if (this._state !== 'running') return write();
    this.sqlite.pragma('wal_autocheckpoint = 0');
    try {
      return write();
    } finally {
      // The thread may have died meanwhile: then the default is what must come back.
      if (this.sqlite.open) this.sqlite.pragma(`wal_autocheckpoint = ${this._state === 'running' ? this.safetyNet : DEFAULT_AUTOCHECKPOINT_PAGES}`);
    }
  }

  /** When a reset last failed to cut the file (another process's snapshot pinned the WAL). */
  private lastFailedShrink = -Infinity;

  /**
   * Resets the WAL the thread has just copied, cutting its file back to WAL_SIZE_LIMIT_BYTES
   * (see there). Never waits: if another connection holds the write lock or an old snapshot,
   * SQLite's own reset in the next write is still there.
   */
  private shrinkWal(): void {
    const db = this.sqlite;
    if (!db.open || db.inTransaction || this._state !== 'running') return;
    const now = performance.now();
    if (now - this.lastFailedShrink < SHRINK_RETRY_MS) return;
    const timeout = Number(db.pragma('busy_timeout', { simple: true }));
    try {
      db.pragma('busy_timeout = 0');
      const version = Number(db.pragma('user_version', { simple: true }));
      db.pragma(`user_version = ${version}`);
      if (walSize(this.walFile) > WAL_SIZE_LIMIT_BYTES) this.lastFailedShrink = now;
    } catch {
      // Busy: left to the next write.
      this.lastFailedShrink = now;
    } finally {
      db.pragma(`busy_timeout = ${timeout}`);
    }
  }

  /** Resolvers of checkpointNow() calls, in the order the thread answers them. */
  private readonly waiting: (() => void)[] = [];

  /**
   * Asks the thread to copy what it can now and waits for it to finish (at once when no thread
   * runs). For a caller that wants the file caught up before measuring something, such as the
   * bench between passes: in the app, passes are far apart and the thread has long caught up.
   */
  checkpointNow(): Promise<void> {
    const worker = this.worker;
    if (!worker || this._state !== 'running') return Promise.resolve();
    // Referenced while a caller waits, or a process with nothing else to do would exit under it.
    worker.ref();
    return new Promise<void>((resolve) => {
      this.waiting.push(() => {
        if (this.waiting.length === 0 && this._state === 'running') worker.unref();
        resolve();
      });
      worker.postMessage('checkpoint');
    });
  }

  /** Ends the thread and waits for it; the connection checkpoints by itself again afterwards. */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (worker && (this._state === 'starting' || this._state === 'running')) {
      this._state = 'stopping';
      this.clearStartTimer();
      this.restoreDefault();
      this.settleReady(false);
      // Referenced again so that awaiting the stop keeps the process alive until the thread is gone.
      worker.ref();
      worker.postMessage('stop');
      const cutOff = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(cutOff);
      return;
    }
    await this.exited;
  }

  private lose(): void {
    if (this._state === 'lost' || this._state === 'stopped') return;
    this._state = 'lost';
    this.clearStartTimer();
    this.restoreDefault();
    this.settleReady(false);
  }

  private restoreDefault(): void {
    // Correctness first: without a living checkpointer the WAL must not grow to the safety net.
    if (this.sqlite.open) this.sqlite.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
  }

  private clearStartTimer(): void {
    if (this.startTimer) clearTimeout(this.startTimer);
    this.startTimer = null;
  }
}
