import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './open-database';

/*
 * A failed openDatabase leaves nothing open: TypeORM does not close the connection it made when
 * preparing it fails (here: the switch to WAL finds the file locked), so the file would stay open
 * in this process for as long as it runs. On Linux /proc/self/fd lists every file this process holds.
 */

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** How many descriptors of this process point at `file` (or its -wal, -shm, -journal). */
function handlesTo(file: string): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(join('/proc/self/fd', fd)).startsWith(file)) n++;
    } catch {
      // The descriptor readdir itself used is gone by now.
    }
  }
  return n;
}

describe.runIf(process.platform === 'linux')('openDatabase that fails', () => {
  it('closes the connection it opened when the switch to WAL cannot get its lock', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollcall-db-leak-'));
    dirs.push(dir);
    const file = join(dir, 'rollcall.db');
    // A file in rollback-journal mode, with another connection in the middle of a write: it can
    // still be read (so the newer-file check passes), but not switched to WAL.
    const other = new Database(file);
    other.exec('CREATE TABLE t (x INTEGER)');
    other.exec('BEGIN IMMEDIATE');
    other.exec('INSERT INTO t VALUES (1)');

    await expect(openDatabase(file)).rejects.toThrow(/locked|busy/i);

    // Counted once the other connection is gone: while it holds its lock, SQLite keeps the
    // descriptor of any connection closed in this process open (closing it would drop the lock).
    other.exec('ROLLBACK');
    other.close();
    expect(handlesTo(file)).toBe(0);
    // And the file is free for anyone to take whole.
    const exclusive = new Database(file);
    exclusive.pragma('locking_mode = EXCLUSIVE');
    exclusive.exec('BEGIN EXCLUSIVE; COMMIT');
    exclusive.close();
  }, 20_000);

  it('closes the connection when the file is refused as newer (and leaves no handle on a good open either)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollcall-db-leak-'));
    dirs.push(dir);
    const file = join(dir, 'rollcall.db');
    const db = await openDatabase(file);
    db.sqlite.prepare(`INSERT INTO migrations (timestamp, name) VALUES (?, ?)`).run(9_999_999_999_999, 'FromTheFuture9999999999999');
    await db.close();
    expect(handlesTo(file)).toBe(0);

    await expect(openDatabase(file)).rejects.toThrow();
    expect(handlesTo(file)).toBe(0);
  });
});
