import 'reflect-metadata';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DataSource } from 'typeorm';
import type Database from 'better-sqlite3';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export interface OpenDatabase {
  file: string;
  dataSource: DataSource;
  /** The same connection, for set-based statements on hot paths. */
  sqlite: Database.Database;
  close(): Promise<void>;
}

/**
 * Opens (creating if needed) the SQLite file, turns on WAL and foreign keys, and runs pending
 * migrations. Never `synchronize`: the schema only changes through migrations.
 */
export async function openDatabase(file: string): Promise<OpenDatabase> {
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
  await dataSource.runMigrations({ transaction: 'each' });
  const sqlite = (dataSource.driver as unknown as { databaseConnection: Database.Database }).databaseConnection;
  return {
    file,
    dataSource,
    sqlite,
    close: async () => {
      if (dataSource.isInitialized) await dataSource.destroy();
    },
  };
}
