import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource } from 'typeorm';
import type Database from 'better-sqlite3';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { WalCheckpointer } from './wal-checkpointer';

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

/**
 * Opens (creating if needed) the SQLite file, turns on WAL and foreign keys, and runs pending
 * migrations. Never `synchronize`: the schema only changes through migrations.
 */
export async function openDatabase(file: string, opts: OpenDatabaseOptions = {}): Promise<OpenDatabase> {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const dataSource = new DataSource({
    type: 'better-sqlite3',
    database: file,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: false,
    synchronize: false,
    logging: false,
    prepareDatabase: (db: Database.Database) => {
      db.pragma('journal_mode = WAL');
      db.pragma('foreign_keys = ON');
      db.pragma('synchronous = NORMAL');
      db.pragma('busy_timeout = 5000');
    },
  });
  await dataSource.initialize();
  const sqlite = (dataSource.driver as unknown as { databaseConnection: Database.Database }).databaseConnection;
  // Started before the migrations so that the thread's start-up overlaps them.
  const checkpointer = opts.backgroundCheckpoints && file !== ':memory:' ? new WalCheckpointer(sqlite, file) : null;
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } catch (err) {
    await checkpointer?.stop();
    throw err;
  }
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
