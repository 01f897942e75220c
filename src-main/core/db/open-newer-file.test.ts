import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from '../core';
import { databaseFile } from '../app-paths';
import { openDatabase } from './open-database';
import { DatabaseOpenError } from './open-errors';

/*
 * A data folder last opened by a newer Rollcall (someone tried the next version, then went back):
 * its `migrations` table names steps this build does not have. TypeORM only looks for migrations
 * it has and the file lacks, so left to itself this build opens the file and writes to a schema
 * it does not know. It must refuse instead, and leave the file exactly as it was.
 */

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'rollcall-newer-'));
  dirs.push(d);
  return d;
}

const FUTURE = 'GuestPasses1799999999999';

/** A real data folder of this build, then touched by "a newer version": one more table and migration. */
async function fileFromNewerRollcall(dataDir: string): Promise<string> {
  const file = databaseFile(dataDir);
  const db = await openDatabase(file);
  db.sqlite.prepare(`INSERT INTO site (id, name, settings, created_at) VALUES ('s1', 'Maple Court', '{}', '2026-01-01T00:00:00.000Z')`).run();
  await db.close();
  const newer = new Database(file);
  newer.exec(`CREATE TABLE guest_pass (id TEXT PRIMARY KEY, person_id TEXT NOT NULL)`);
  newer.prepare('INSERT INTO migrations (timestamp, name) VALUES (?, ?)').run(1799999999999, FUTURE);
  newer.close();
  return file;
}

describe('a database written by a newer Rollcall', () => {
  it('is refused with a lasting error that names the file and explains it, and the file is left byte for byte', async () => {
    const dataDir = tempDir();
    const file = await fileFromNewerRollcall(dataDir);
    const before = readFileSync(file);
    const listing = readdirSync(dataDir).sort();

    const err = await openDatabase(file, { backgroundCheckpoints: true }).then(
      async (db) => {
        await db.close();
        return null;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DatabaseOpenError);
    const e = err as DatabaseOpenError;
    expect(e.lasting).toBe(true);
    expect(e.message).toContain(file);
    expect(e.message).toMatch(/newer version of Rollcall/);
    expect(e.message).toContain(FUTURE);
    expect(e.message).toMatch(/left it exactly as it is/);
    expect(readFileSync(file).equals(before)).toBe(true);
    // No write-ahead log or shared-memory file left beside it either.
    expect(readdirSync(dataDir).sort()).toEqual(listing);
  });

  it('stops a core from starting: nothing is written (no interrupted runs closed, no demo seeded)', async () => {
    const dataDir = tempDir();
    const file = await fileFromNewerRollcall(dataDir);
    const plain = new Database(file);
    plain
      .prepare(`INSERT INTO sync_run (id, site_id, trigger, status, started_at, counts) VALUES ('r1', 's1', 'manual', 'running', '2026-01-01T00:00:00.000Z', '{}')`)
      .run();
    plain.close();
    const before = readFileSync(file);
    const err = await createCore({ dataDir, host: 'browser', seedDemoWhenEmpty: true }).then(
      async (core) => {
        await core.close();
        return null;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DatabaseOpenError);
    expect(readFileSync(file).equals(before)).toBe(true);
    expect(existsSync(join(dataDir, 'backups'))).toBe(false);
  });

  it('a file of this build, or an older one, still opens (and an older one is brought up to date)', async () => {
    const dataDir = tempDir();
    const file = databaseFile(dataDir);
    const db = await openDatabase(file);
    // "Older": the last step not yet run.
    db.sqlite.prepare(`DELETE FROM migrations WHERE name = 'PersonDeleteIndexes1763900000007'`).run();
    db.sqlite.exec('DROP INDEX idx_alarm_user_code_person');
    await db.close();
    const again = await openDatabase(file);
    expect(again.sqlite.prepare(`SELECT count(*) FROM migrations WHERE name = 'PersonDeleteIndexes1763900000007'`).pluck().get()).toBe(1);
    await again.close();
  });
});
