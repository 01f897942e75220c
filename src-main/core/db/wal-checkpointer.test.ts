import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { endianness, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './open-database';
import type { OpenDatabase } from './open-database';
import { DEFAULT_AUTOCHECKPOINT_PAGES, SAFETY_NET_AUTOCHECKPOINT_PAGES, WAL_SIZE_LIMIT_BYTES, WalCheckpointer } from './wal-checkpointer';

const dirs: string[] = [];
const open: { close(): unknown }[] = [];
function tempFile() {
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-wal-'));
  dirs.push(dir);
  return join(dir, 'rollcall.db');
}
afterEach(async () => {
  for (const o of open.splice(0)) await o.close();
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});

async function openWith(file: string, backgroundCheckpoints: boolean): Promise<OpenDatabase> {
  const db = await openDatabase(file, { backgroundCheckpoints });
  open.push(db);
  return db;
}

/**
 * How far the WAL has been copied into the database file, read from the shared wal-index (the
 * -shm file) without touching SQLite: asking SQLite (PRAGMA wal_checkpoint) would checkpoint.
 * Layout (wal.c): two copies of the 48-byte index header, mxFrame at offset 16 of the first;
 * then the checkpoint info, nBackfill first, at offset 96. Native byte order.
 */
function walProgress(file: string): { frames: number; copied: number } {
  const shm = readFileSync(`${file}-shm`);
  const u32 = (at: number) => (endianness() === 'LE' ? shm.readUInt32LE(at) : shm.readUInt32BE(at));
  return { frames: u32(16), copied: u32(96) };
}

/** One transaction of about one page per row (5000 rows ≈ 20 MB of WAL): well past SQLite's default autocheckpoint. */
function bigWrite(sqlite: Database.Database, rows = 5000): void {
  sqlite.exec('CREATE TABLE IF NOT EXISTS bulk (id INTEGER PRIMARY KEY, tag TEXT NOT NULL, body BLOB NOT NULL)');
  const insert = sqlite.prepare('INSERT INTO bulk (tag, body) VALUES (?, zeroblob(3000))');
  sqlite.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`row-${i}`);
  })();
}

async function until(what: string, ok: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const fullyCopied = (file: string) => () => {
  const p = walProgress(file);
  return p.frames > 0 && p.copied === p.frames;
};

describe('background WAL checkpoints', () => {
  it('copy a big commit into the database file after the commit, not during it', async () => {
    const file = tempFile();
    const db = await openWith(file, true);
    expect(db.checkpointer?.state).toBe('running');
    expect(db.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(SAFETY_NET_AUTOCHECKPOINT_PAGES);

    // Pass-sized: a 100k-person first pass writes ~20k pages; a safety net below this would
    // checkpoint it in the commit anyway.
    bigWrite(db.sqlite, 12_000);
    // Read on this thread right after COMMIT: the commit left every frame to be copied.
    const afterCommit = walProgress(file);
    expect(afterCommit.frames).toBeGreaterThan(12_000);
    expect(afterCommit.copied).toBeLessThan(afterCommit.frames);

    // Nothing here touches the connection again: only the thread can copy them.
    await until('the background checkpoint', fullyCopied(file));
  });

  it('copy everything at once on request, answering only when done', async () => {
    const file = tempFile();
    // A thread that would look only once a minute: only the request can copy in time.
    const sqlite = new Database(file);
    open.push(sqlite);
    sqlite.pragma('journal_mode = WAL');
    const cp = new WalCheckpointer(sqlite, file, { intervalMs: 60_000 });
    open.unshift({ close: () => cp.stop() });
    expect(await cp.ready).toBe(true);
    bigWrite(sqlite, 3000);
    expect(fullyCopied(file)()).toBe(false);
    await cp.checkpointNow();
    expect(fullyCopied(file)()).toBe(true);
    await cp.stop();
    // No thread any more: nothing to wait for.
    await expect(cp.checkpointNow()).resolves.toBeUndefined();
  });

  it('leave a database opened without the option checkpointing in its commits, as before', async () => {
    const file = tempFile();
    const db = await openWith(file, false);
    expect(db.checkpointer).toBeNull();
    expect(db.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(DEFAULT_AUTOCHECKPOINT_PAGES);
    expect(db.sqlite.pragma('journal_size_limit', { simple: true })).toBe(-1);

    bigWrite(db.sqlite);
    const afterCommit = walProgress(file);
    expect(afterCommit.frames).toBeGreaterThan(DEFAULT_AUTOCHECKPOINT_PAGES);
    expect(afterCommit.copied).toBe(afterCommit.frames);
  });

  it('ignore the option for an in-memory database', async () => {
    const db = await openWith(':memory:', true);
    expect(db.checkpointer).toBeNull();
    expect(db.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(DEFAULT_AUTOCHECKPOINT_PAGES);
  });

  it('keep every row: readable from a fresh connection after close, the WAL folded in', async () => {
    const file = tempFile();
    const db = await openWith(file, true);
    bigWrite(db.sqlite, 4000);
    await until('the background checkpoint', fullyCopied(file));
    // Written after the checkpoint: the WAL restarts from its first frame.
    bigWrite(db.sqlite, 1500);
    db.sqlite.prepare(`UPDATE bulk SET tag = 'changed' WHERE id % 7 = 0`).run();
    await db.close();
    // The core's connection was the last one: its close checkpointed and removed the WAL.
    expect(existsSync(`${file}-wal`)).toBe(false);

    const fresh = new Database(file, { readonly: true });
    try {
      expect(fresh.prepare('SELECT count(*) FROM bulk').pluck().get()).toBe(5500);
      expect(fresh.prepare(`SELECT count(*) FROM bulk WHERE tag = 'changed'`).pluck().get()).toBe(Math.floor(5500 / 7));
      expect(fresh.prepare(`SELECT tag FROM bulk WHERE id = 5500`).pluck().get()).toBe('row-1499');
      expect(fresh.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      fresh.close();
    }
  });

  it('do not change data_version on the core connection (its fingerprint cache would be thrown away)', async () => {
    const file = tempFile();
    const db = await openWith(file, true);
    const dataVersion = () => Number(db.sqlite.pragma('data_version', { simple: true }));
    const before = dataVersion();
    for (let round = 0; round < 3; round++) {
      bigWrite(db.sqlite);
      await until('the background checkpoint', fullyCopied(file));
      expect(dataVersion()).toBe(before);
      // The next write restarts the WAL the thread emptied; reads after it must not see a change either.
      db.sqlite.prepare(`INSERT INTO bulk (tag, body) VALUES ('after', x'00')`).run();
      expect(dataVersion()).toBe(before);
    }
    // The probe itself works: a commit by another connection does change it.
    const other = new Database(file);
    other.prepare(`INSERT INTO bulk (tag, body) VALUES ('other', x'00')`).run();
    other.close();
    expect(dataVersion()).not.toBe(before);
  });

  it('cut the WAL file back to the size limit once it restarts', async () => {
    const file = tempFile();
    const db = await openWith(file, true);
    bigWrite(db.sqlite);
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(WAL_SIZE_LIMIT_BYTES);
    await until('the background checkpoint', fullyCopied(file));
    db.sqlite.prepare(`INSERT INTO bulk (tag, body) VALUES ('small', x'00')`).run();
    expect(statSync(`${file}-wal`).size).toBeLessThanOrEqual(WAL_SIZE_LIMIT_BYTES);
  });

  it('cut the WAL file back as soon as it is copied, so the next write does not pay for it', async () => {
    const file = tempFile();
    const db = await openWith(file, true);
    const dataVersion = Number(db.sqlite.pragma('data_version', { simple: true }));
    const userVersion = Number(db.sqlite.pragma('user_version', { simple: true }));
    bigWrite(db.sqlite);
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(WAL_SIZE_LIMIT_BYTES);
    // No write by the core meanwhile: only the thread's report can have made the core cut it.
    await until('the WAL file cut back', () => statSync(`${file}-wal`).size <= WAL_SIZE_LIMIT_BYTES);
    expect(Number(db.sqlite.pragma('data_version', { simple: true }))).toBe(dataVersion);
    expect(Number(db.sqlite.pragma('user_version', { simple: true }))).toBe(userVersion);
    expect(db.sqlite.prepare('SELECT count(*) FROM bulk').pluck().get()).toBe(5000);
  });

  it('leave the WAL as it is while another connection reads from it, and cut it later', async () => {
    const file = tempFile();
    const db = await openWith(file, true);
    bigWrite(db.sqlite);
    const reader = new Database(file);
    reader.exec('BEGIN');
    expect(reader.prepare('SELECT count(*) FROM bulk').pluck().get()).toBe(5000);
    await db.checkpointer!.checkpointNow();
    await db.checkpointer!.checkpointNow();
    // The reader's snapshot still lives in the WAL: no reset, no error, nothing lost.
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(WAL_SIZE_LIMIT_BYTES);
    reader.exec('COMMIT');
    reader.close();
    // Copied now, and cut by SQLite's own reset at the next write (the core waits before its next try).
    await db.checkpointer!.checkpointNow();
    db.sqlite.prepare(`INSERT INTO bulk (tag, body) VALUES ('small', x'00')`).run();
    expect(statSync(`${file}-wal`).size).toBeLessThanOrEqual(WAL_SIZE_LIMIT_BYTES);
    expect(db.sqlite.prepare('SELECT count(*) FROM bulk').pluck().get()).toBe(5001);
  });

  it('end the thread on close: close resolves after its exit', async () => {
    const file = tempFile();
    const db = await openDatabase(file, { backgroundCheckpoints: true });
    const checkpointer = db.checkpointer!;
    let exitCode: number | null = null;
    void checkpointer.exited.then((code) => (exitCode = code));
    bigWrite(db.sqlite);
    await db.close();
    await Promise.resolve();
    expect(exitCode).toBe(0);
    expect(checkpointer.state).toBe('stopped');
  });
});

describe('when the checkpoint thread is missing', () => {
  function plainConnection(file: string): Database.Database {
    const sqlite = new Database(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    open.push(sqlite);
    return sqlite;
  }

  it('leave one write bigger than the safety net to the thread when asked, and only that one', async () => {
    const file = tempFile();
    const sqlite = plainConnection(file);
    const checkpointer = new WalCheckpointer(sqlite, file, { safetyNetPages: 500, intervalMs: 60_000 });
    open.unshift({ close: () => checkpointer.stop() });
    expect(await checkpointer.ready).toBe(true);
    // About 2000 pages in one transaction, four times the net: its COMMIT is not copied here...
    checkpointer.deferCheckpoint(() => bigWrite(sqlite, 2000));
    const after = walProgress(file);
    expect(after.frames).toBeGreaterThan(2000);
    expect(after.copied).toBeLessThan(after.frames);
    expect(sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(500);
    await checkpointer.checkpointNow();
    expect(fullyCopied(file)()).toBe(true);
    // ...while the same write outside it is, by the safety net.
    bigWrite(sqlite, 2000);
    expect(fullyCopied(file)()).toBe(true);
  });

  /** Without its thread, the connection is back to SQLite's own checkpoints: a big commit copies itself. */
  async function expectCheckpointsInCommit(sqlite: Database.Database, file: string, checkpointer: WalCheckpointer) {
    expect(checkpointer.state).toBe('lost');
    expect(sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(DEFAULT_AUTOCHECKPOINT_PAGES);
    bigWrite(sqlite);
    const p = walProgress(file);
    expect(p.copied).toBe(p.frames);
    await checkpointer.stop();
  }

  it('falls back to checkpointing in the commit if the thread cannot start', async () => {
    const file = tempFile();
    const sqlite = plainConnection(file);
    const checkpointer = new WalCheckpointer(sqlite, file, { driverPath: join(tmpdir(), 'no-such-driver.js') });
    expect(await checkpointer.ready).toBe(false);
    await expectCheckpointsInCommit(sqlite, file, checkpointer);
  });

  it('falls back to checkpointing in the commit if the thread dies', async () => {
    const file = tempFile();
    const sqlite = plainConnection(file);
    const checkpointer = new WalCheckpointer(sqlite, file);
    expect(await checkpointer.ready).toBe(true);
    expect(sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(SAFETY_NET_AUTOCHECKPOINT_PAGES);
    // A thread killed from outside, as a crash would end it.
    await (checkpointer as unknown as { worker: Worker }).worker.terminate();
    await checkpointer.exited;
    await expectCheckpointsInCommit(sqlite, file, checkpointer);
  });
});
