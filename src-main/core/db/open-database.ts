import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource } from 'typeorm';
import type Database from 'better-sqlite3';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { WalCheckpointer } from './wal-checkpointer';
import { explainOpenError, newerVersionError } from './open-errors';

export interface OpenDatabase {
  file: string;
  dataSource: DataSource;
  /** The same connection, for set-based statements on hot paths. */
  sqlite: Database.Database;
  /** The background checkpointer, when opened with `backgroundCheckpoints`. */
  checkpointer: WalCheckpointer | null;
  /** Stops the checkpointer (waiting for its thread), then closes the connection. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /**
   * For long-lived cores: WAL checkpoints run on a worker thread with its own connection instead
   * of inside the COMMIT of a big write on the core's thread (see wal-checkpointer.ts). Ignored
   * for ':memory:'. Without it the connection checkpoints as SQLite does by default.
   */
  backgroundCheckpoints?: boolean;
}

/** Longest wait for another process's migrations (or a long pass's write) before opening fails. */
const MIGRATION_LOCK_WAIT_MS = 60_000;

/** The name of every migration this build has, as TypeORM records it in the `migrations` table. */
function knownMigrationNames(): Set<string> {
  // The instance's `name`: class names do not survive minification.
  return new Set(MIGRATIONS.map((M) => new M().name));
}

/**
 * Migrations the file records that this build does not have, oldest first: a newer Rollcall
 * wrote the file. Only reads, so a file that is refused stays as it was.
 */
function unknownMigrations(sqlite: Database.Database): string[] {
  const table = sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'`).get();
  if (!table) return [];
  const known = knownMigrationNames();
  const done = sqlite.prepare('SELECT name FROM migrations ORDER BY timestamp, id').pluck().all() as string[];
  return done.filter((name) => !known.has(name));
}

/**
 * Runs first on the new connection, before anything that may write (the switch to WAL, the
 * migrations): a file from a newer Rollcall is refused untouched. (openDatabase closes the
 * connection when this throws.)
 */
function refuseNewerFile(db: Database.Database, file: string): void {
  const unknown = unknownMigrations(db);
  if (unknown.length) throw newerVersionError(file, unknown);
}

function hasPendingMigrations(sqlite: Database.Database): boolean {
  const table = sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'`).get();
  if (!table) return true;
  const done = new Set(sqlite.prepare('SELECT name FROM migrations').pluck().all() as string[]);
  return [...knownMigrationNames()].some((name) => !done.has(name));
}

/**
 * The app's core and the CLI may open the same file of an older version at the same moment.
 * TypeORM decides what is pending before it takes any lock, so both would run the same
 * migration and the second would fail ("table ... already exists"). Holding SQLite's write lock
 * (BEGIN IMMEDIATE) from that decision to the last migration makes the other process wait and
 * then find nothing pending; it also makes the whole upgrade all-or-nothing. The lock is only
 * taken when something is pending, so an up-to-date file opens without waiting for a writer.
 */
async function runPendingMigrations(dataSource: DataSource, sqlite: Database.Database): Promise<void> {
  if (!hasPendingMigrations(sqlite)) return;
  const timeout = Number(sqlite.pragma('busy_timeout', { simple: true }));
  sqlite.pragma(`busy_timeout = ${MIGRATION_LOCK_WAIT_MS}`);
  try {
    sqlite.exec('BEGIN IMMEDIATE');
    try {
      await dataSource.runMigrations({ transaction: 'none' });
      sqlite.exec('COMMIT');
    } catch (err) {
      if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
      throw err;
    }
  } finally {
    sqlite.pragma(`busy_timeout = ${timeout}`);
  }
}

/**
 * Turning a brand-new file to WAL needs a lock for a moment; when two processes create the file
 * at once, SQLite can answer "database is locked" at once rather than through the busy timeout.
 * Tried again for a few seconds, as any other busy write would wait.
 */
function switchToWal(db: Database.Database): void {
  const deadline = Date.now() + 5000;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      db.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      const code = (err as { code?: string }).code ?? '';
      if (!code.startsWith('SQLITE_BUSY') || Date.now() > deadline) throw err;
      // A synchronous pause: prepareDatabase cannot wait asynchronously.
      Atomics.wait(pause, 0, 0, 20);
    }
  }
}

/**
 * Closes what a failed open left behind: the checkpointer's thread first (it holds a connection
 * of its own), then TypeORM's data source, then the raw connection in case TypeORM never took it
 * (a failed prepareDatabase) or its close failed. Each step runs whatever the one before did;
 * the open's own error is the one reported, so failures here are dropped.
 */
async function closeAfterFailure(dataSource: DataSource, connection: Database.Database | null, checkpointer: WalCheckpointer | null): Promise<void> {
  await checkpointer?.stop().catch(() => undefined);
  if (dataSource.isInitialized) await dataSource.destroy().catch(() => undefined);
  try {
    if (connection?.open) connection.close();
  } catch {
    // Nothing more can be done with a connection that will not close.
  }
}

/**
 * Opens (creating if needed) the SQLite file, turns on WAL and foreign keys, and runs pending
 * migrations. Never `synchronize`: the schema only changes through migrations. A file from a
 * newer Rollcall (migrations this build does not have) is refused before anything is written.
 */
export async function openDatabase(file: string, opts: OpenDatabaseOptions = {}): Promise<OpenDatabase> {
  try {
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  } catch (err) {
    throw explainOpenError(file, err);
  }
  /** The raw connection TypeORM opened, once it has: closed by every failure below, whatever state TypeORM is in. */
  let connection: Database.Database | null = null;
  const dataSource = new DataSource({
    type: 'better-sqlite3',
    database: file,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    logging: false,
    prepareDatabase: (db: Database.Database) => {
      // Kept before anything can throw: TypeORM forgets a connection whose preparation failed.
      connection = db;
      db.pragma('busy_timeout = 5000');
      refuseNewerFile(db, file);
      switchToWal(db);
      db.pragma('foreign_keys = ON');
      db.pragma('synchronous = NORMAL');
    },
  });
  let checkpointer: WalCheckpointer | null = null;
  try {
    await dataSource.initialize();
    const sqlite = (dataSource.driver as unknown as { databaseConnection: Database.Database }).databaseConnection;
    // Started before the migrations so that the thread's start-up overlaps them.
    checkpointer = opts.backgroundCheckpoints && file !== ':memory:' ? new WalCheckpointer(sqlite, file) : null;
    await runPendingMigrations(dataSource, sqlite);
  } catch (err) {
    // Closed, so that a caller who reports the error and carries on holds no handle or lock on the file.
    await closeAfterFailure(dataSource, connection, checkpointer);
    throw explainOpenError(file, err);
  }
  const sqlite = (dataSource.driver as unknown as { databaseConnection: Database.Database }).databaseConnection;
  // Never rejects: a thread that cannot start leaves SQLite's default checkpoints on.
  await checkpointer?.ready;
  return {
    file,
    dataSource,
    sqlite,
    checkpointer,
    close: async () => {
      // First: the thread's connection must be gone for the core's close to checkpoint and
      // remove the WAL, as it always did.
      await checkpointer?.stop();
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}
