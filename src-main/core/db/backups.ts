import { mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { BackupDone, BackupStatus } from '../../contract/calls/app';
import { databaseFile } from '../app-paths';
import type { CoreEvents } from '../core-events';

/*
 * Backups of rollcall.db: the decisions not yet pushed, the audit trail, settings and connections
 * live only there. Once a day (and whenever a manager asks) a consistent copy goes to
 * `<data folder>/backups/rollcall-YYYY-MM-DD-HHmm.db`, local time, and the newest BACKUPS_KEPT stay.
 *
 * The copy is made with SQLite's online backup through the core's own connection, never by
 * copying the file: rollcall.db is in WAL mode, so the main file alone misses whatever has not
 * been checkpointed yet. better-sqlite3 copies BACKUP_PAGES_PER_STEP pages per turn of the event
 * loop, so calls are answered between steps, and a write the core makes meanwhile goes into the
 * copy too (SQLite updates the copy for writes made on the connection it reads from). Every write
 * of the core is a synchronous transaction, so no step ever runs inside one.
 *
 * A backup is written under a `.partial` name and renamed when complete, so a failure (disk full,
 * folder not writable, the core closing) never leaves a half-written file that looks like a
 * backup, and never pushes a good one out of the kept set. Failures of the daily backup are kept
 * as a status the Settings screen shows, and every attempt is announced (app.backupChanged) so a
 * manager's header can say when backups keep failing; they never stop the rest of the app.
 */

/** How many backups are kept; older ones (by the time in their name) are removed after a new one. */
export const BACKUPS_KEPT = 7;

/** The daily backup runs when the newest one is at least this old. */
export const BACKUP_EVERY_MS = 24 * 60 * 60_000;

/** How often a running core looks whether the daily backup is due (laptops sleep through timers). */
const CHECK_EVERY_MS = 60 * 60_000;

/** Pages copied per step (4 KiB each): a step takes about a millisecond. */
const BACKUP_PAGES_PER_STEP = 100;

const NAME = /^rollcall-(\d{4})-(\d\d)-(\d\d)-(\d\d)(\d\d)\.db$/;

export function backupFolder(dataDir: string): string {
  return join(dataDir, 'backups');
}

const two = (n: number) => String(n).padStart(2, '0');

/** `rollcall-2026-03-14-0905.db`, in local time: the name a manager reads when choosing one. */
export function backupFileName(at: Date): string {
  return `rollcall-${at.getFullYear()}-${two(at.getMonth() + 1)}-${two(at.getDate())}-${two(at.getHours())}${two(at.getMinutes())}.db`;
}

interface BackupFile {
  file: string;
  at: Date;
}

/**
 * The backups in `folder`, newest first. Only names this module writes count; anything else there
 * is left alone. With `now`, backups dated after it (written while the clock was ahead) come last:
 * they were written before any backup dated up to now, whatever their names say.
 */
function listBackups(folder: string, now?: Date): BackupFile[] {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return [];
  }
  const found: BackupFile[] = [];
  for (const name of names) {
    const m = NAME.exec(name);
    if (!m) continue;
    const [, y, mo, d, h, mi] = m.map(Number);
    found.push({ file: join(folder, name), at: new Date(y, mo - 1, d, h, mi) });
  }
  const ahead = (b: BackupFile) => (now && b.at.getTime() > now.getTime() ? 1 : 0);
  return found.sort((a, b) => ahead(a) - ahead(b) || b.at.getTime() - a.at.getTime() || b.file.localeCompare(a.file));
}

function codeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

const KEPT_NOTE = 'Any earlier backups are kept.';

/** Why a backup was not written, in words a manager can act on. */
export function describeBackupFailure(err: unknown, folder: string): string {
  const code = codeOf(err);
  if (code === 'ENOSPC' || code === 'SQLITE_FULL') return `The disk holding ${folder} is full, so no backup was written. Free some space. ${KEPT_NOTE}`;
  if (['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EEXIST', 'EISDIR'].includes(code) || code.startsWith('SQLITE_CANTOPEN') || code.startsWith('SQLITE_READONLY')) {
    return `Rollcall cannot write backups to ${folder}. Check that this user may write there and that it is a folder. ${KEPT_NOTE}`;
  }
  const said = err instanceof Error ? err.message : String(err);
  return `The backup could not be written (${said}). ${KEPT_NOTE}`;
}

export class BackupFailedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BackupFailedError';
  }
}

class Stopping extends Error {
  constructor() {
    super('Rollcall was closing, so the backup was stopped.');
  }
}

export interface BackupDeps {
  /** The core's connection: the copy is read through it (see the note at the top). */
  sqlite: Database.Database;
  dataDir: string;
  now(): Date;
  /** Where a failed daily backup is reported besides the status (the core's log). */
  log?(message: string): void;
  /** Told after every attempt (app.backupChanged), once the status says how it went. */
  events?: Pick<CoreEvents, 'emit'>;
}

/** Writes backups on request and once a day; one at a time. */
export class DatabaseBackups {
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private stopping = false;
  private lastFailure: BackupStatus['lastFailure'] = null;
  /** The last backup this core wrote: its time to the second, where a name only has the minute. */
  private lastWritten: BackupDone | null = null;

  constructor(private readonly deps: BackupDeps) {}

  get folder(): string {
    return backupFolder(this.deps.dataDir);
  }

  /** Writes a backup now (after any that is being written). Throws BackupFailedError, in plain words. */
  backupNow(): Promise<BackupDone> {
    const run = this.queue.then(() => this.write());
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * The daily backup, when the newest is a day old. Never throws. A backup dated after now (the
   * clock was moved back) does not count, or no backup would be written until that date.
   */
  async backupIfDue(): Promise<BackupDone | null> {
    const now = this.deps.now().getTime();
    const newest = listBackups(this.folder).find((b) => b.at.getTime() <= now);
    if (newest && now - newest.at.getTime() < BACKUP_EVERY_MS) return null;
    try {
      return await this.backupNow();
    } catch (err) {
      if (!(err instanceof BackupFailedError) || !(err.cause instanceof Stopping)) this.deps.log?.(`Daily backup failed: ${(err as Error).message}`);
      return null;
    }
  }

  /** Looks at once (a core that was off for days backs up on start), then every hour. */
  start(everyMs = CHECK_EVERY_MS): void {
    if (this.timer) clearInterval(this.timer);
    void this.backupIfDue();
    this.timer = setInterval(() => void this.backupIfDue(), everyMs);
    this.timer.unref?.();
  }

  /** Resolves once no backup is being written or waiting (for tests and close). */
  async idle(): Promise<void> {
    let seen: Promise<unknown>;
    do {
      seen = this.queue;
      await seen;
    } while (seen !== this.queue);
  }

  /** Stops the timer and any backup in progress (its partial file is removed); safe to call twice. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.stopping = true;
    await this.idle();
  }

  status(): BackupStatus {
    const newest = listBackups(this.folder, this.deps.now())[0];
    let last: BackupDone | null = null;
    if (newest && newest.file === this.lastWritten?.file) last = this.lastWritten;
    else if (newest) {
      try {
        last = { file: newest.file, bytes: statSync(newest.file).size, at: newest.at.toISOString() };
      } catch {
        last = null;
      }
    }
    return { folder: this.folder, databaseFile: databaseFile(this.deps.dataDir), kept: BACKUPS_KEPT, last, lastFailure: this.lastFailure };
  }

  private async write(): Promise<BackupDone> {
    const at = this.deps.now();
    const folder = this.folder;
    const file = join(folder, backupFileName(at));
    const partial = `${file}.partial`;
    try {
      if (this.stopping) throw new Stopping();
      mkdirSync(folder, { recursive: true });
      removePartial(partial);
      await this.deps.sqlite.backup(partial, {
        progress: () => {
          if (this.stopping) throw new Stopping();
          return BACKUP_PAGES_PER_STEP;
        },
      });
      selfContained(partial);
      // Replaces a backup from the same minute: the newer copy is the one to keep.
      renameSync(partial, file);
    } catch (err) {
      removePartial(partial);
      const failure = new BackupFailedError(err instanceof Stopping ? err.message : describeBackupFailure(err, folder), { cause: err });
      if (!(err instanceof Stopping)) {
        this.lastFailure = { at: at.toISOString(), message: failure.message };
        this.announce(false, at);
      }
      throw failure;
    }
    this.lastFailure = null;
    this.prune(folder, at);
    this.lastWritten = { file, bytes: statSync(file).size, at: at.toISOString() };
    this.announce(true, at);
    return this.lastWritten;
  }

  /** A window that cannot be told is no reason to report a written backup as failed (or the reverse). */
  private announce(ok: boolean, at: Date): void {
    try {
      this.deps.events?.emit('app.backupChanged', { ok, at: at.toISOString() });
    } catch (err) {
      this.deps.log?.(`Could not announce the backup: ${(err as Error).message}`);
    }
  }

  /**
   * Removes all but the newest BACKUPS_KEPT, the one just written (dated `now`) always among them.
   * A file that cannot be removed stays; the backup still counts.
   */
  private prune(folder: string, now: Date): void {
    for (const old of listBackups(folder, now).slice(BACKUPS_KEPT)) {
      try {
        rmSync(old.file, { force: true });
      } catch (err) {
        this.deps.log?.(`Could not remove the old backup ${old.file}: ${(err as Error).message}`);
      }
    }
  }
}

/**
 * The copy carries the WAL flag of the live database. Switched to a rollback journal it is one
 * file that opens without a -wal beside it: copying it back over rollcall.db is all a restore
 * needs. Reading the migrations table checks that what was written is a database.
 */
function selfContained(file: string): void {
  const copy = new Database(file, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
    copy.prepare('SELECT count(*) FROM migrations').get();
  } finally {
    copy.close();
  }
}

function removePartial(partial: string): void {
  for (const f of [partial, `${partial}-journal`, `${partial}-wal`, `${partial}-shm`]) {
    try {
      rmSync(f, { force: true });
    } catch {
      // A leftover that cannot be removed is retried before the next backup; it never counts as one.
    }
  }
}
