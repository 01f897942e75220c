import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseFile } from '../app-paths';
import { openDatabase } from './open-database';
import type { OpenDatabase } from './open-database';
import { BACKUPS_KEPT, DatabaseBackups, backupFileName, describeBackupFailure } from './backups';

/*
 * Daily backups of rollcall.db with SQLite's online backup, on real files: what is written, what
 * is kept, when, and what a failure does (nothing to the app; a status that says why).
 */

const dirs: string[] = [];
const opened: OpenDatabase[] = [];
const services: DatabaseBackups[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.stop();
  for (const db of opened.splice(0)) await db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function dataFolder(): Promise<{ dataDir: string; db: OpenDatabase }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rollcall-backups-'));
  dirs.push(dataDir);
  const db = await openDatabase(databaseFile(dataDir));
  opened.push(db);
  return { dataDir, db };
}

function addSite(db: OpenDatabase, name: string): void {
  db.sqlite.prepare(`INSERT INTO site (id, name, settings, created_at) VALUES (?, ?, '{}', '2026-01-01T00:00:00.000Z')`).run(name.toLowerCase().replace(/\W+/g, '-'), name);
}

function backups(db: OpenDatabase, dataDir: string, clock: { now: Date }): DatabaseBackups {
  const s = new DatabaseBackups({ sqlite: db.sqlite, dataDir, now: () => clock.now });
  services.push(s);
  return s;
}

/** Reads a backup with a connection of its own, as a person restoring it would. */
function siteNames(file: string): string[] {
  const copy = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return copy.prepare('SELECT name FROM site ORDER BY name').pluck().all() as string[];
  } finally {
    copy.close();
  }
}

const namedBackups = (dataDir: string) => readdirSync(join(dataDir, 'backups')).filter((n) => /^rollcall-\d{4}-\d\d-\d\d-\d{4}\.db$/.test(n)).sort();

describe('database backups', () => {
  it('writes a consistent, self-contained copy named by the local time, including writes still only in the write-ahead log', async () => {
    const { dataDir, db } = await dataFolder();
    // Nothing is copied into the main file yet: a plain copy of rollcall.db would miss this site.
    db.sqlite.pragma('wal_autocheckpoint = 0');
    addSite(db, 'Maple Court');
    expect(statSync(`${databaseFile(dataDir)}-wal`).size).toBeGreaterThan(0);

    const clock = { now: new Date(2026, 2, 14, 9, 5, 30) };
    const done = await backups(db, dataDir, clock).backupNow();
    expect(done.file).toBe(join(dataDir, 'backups', 'rollcall-2026-03-14-0905.db'));
    expect(done.at).toBe(clock.now.toISOString());
    expect(done.bytes).toBe(statSync(done.file).size);

    expect(siteNames(done.file)).toEqual(['Maple Court']);
    const copy = new Database(done.file, { readonly: true });
    expect(copy.pragma('integrity_check', { simple: true })).toBe('ok');
    // One file to copy back: no write-ahead log of its own.
    expect(copy.pragma('journal_mode', { simple: true })).toBe('delete');
    copy.close();
    expect(readdirSync(join(dataDir, 'backups'))).toEqual(['rollcall-2026-03-14-0905.db']);
  });

  it(`keeps the newest ${BACKUPS_KEPT} and leaves other files in the folder alone`, async () => {
    const { dataDir, db } = await dataFolder();
    mkdirSync(join(dataDir, 'backups'));
    writeFileSync(join(dataDir, 'backups', 'notes.txt'), 'kept by hand');
    writeFileSync(join(dataDir, 'backups', 'rollcall-before-upgrade.db'), 'kept by hand');
    const clock = { now: new Date(2026, 0, 1, 3, 0) };
    const service = backups(db, dataDir, clock);
    const written: string[] = [];
    for (let day = 0; day < BACKUPS_KEPT + 3; day++) {
      clock.now = new Date(2026, 0, 1 + day, 3, 0);
      written.push((await service.backupNow()).file);
    }
    expect(namedBackups(dataDir)).toEqual(written.slice(-BACKUPS_KEPT).map((f) => f.split(/[\\/]/).pop()));
    expect(existsSync(join(dataDir, 'backups', 'notes.txt'))).toBe(true);
    expect(existsSync(join(dataDir, 'backups', 'rollcall-before-upgrade.db'))).toBe(true);
  });

  it('backs up on start only when the newest backup is older than a day, then once a day', async () => {
    const { dataDir, db } = await dataFolder();
    const clock = { now: new Date(2026, 4, 1, 8, 0) };
    const service = backups(db, dataDir, clock);
    expect(await service.backupIfDue()).not.toBeNull();
    clock.now = new Date(2026, 4, 1, 20, 0);
    expect(await service.backupIfDue()).toBeNull();
    clock.now = new Date(2026, 4, 2, 7, 59);
    expect(await service.backupIfDue()).toBeNull();
    clock.now = new Date(2026, 4, 2, 8, 0);
    expect((await service.backupIfDue())?.file).toMatch(/rollcall-2026-05-02-0800\.db$/);
    expect(namedBackups(dataDir)).toEqual(['rollcall-2026-05-01-0800.db', 'rollcall-2026-05-02-0800.db']);

    // A new core on the same folder the next morning: the backup of 08:00 is recent enough.
    const later = backups(db, dataDir, { now: new Date(2026, 4, 2, 9, 30) });
    later.start();
    await later.idle();
    expect(namedBackups(dataDir)).toHaveLength(2);
    // And a core started after a long weekend writes one at once.
    const monday = backups(db, dataDir, { now: new Date(2026, 4, 5, 9, 30) });
    monday.start();
    await monday.idle();
    expect(namedBackups(dataDir)).toContain('rollcall-2026-05-05-0930.db');
    expect(monday.status().last?.file).toMatch(/rollcall-2026-05-05-0930\.db$/);
  });

  it('a backup folder it cannot write to: the app carries on and the status says why, in plain words', async () => {
    const { dataDir, db } = await dataFolder();
    // A file where the folder should be (root can write anywhere, so permissions would not do).
    writeFileSync(join(dataDir, 'backups'), 'not a folder');
    const clock = { now: new Date(2026, 5, 1, 12, 0) };
    const service = backups(db, dataDir, clock);
    expect(service.status().lastFailure).toBeNull();

    // The daily run never throws.
    expect(await service.backupIfDue()).toBeNull();
    const failure = service.status().lastFailure;
    expect(failure?.at).toBe(clock.now.toISOString());
    expect(failure?.message).toContain(join(dataDir, 'backups'));
    expect(failure?.message).toMatch(/cannot write backups/);
    // A backup asked for by hand says the same.
    await expect(service.backupNow()).rejects.toThrow(/cannot write backups/);
    // The database itself is untouched by it.
    addSite(db, 'Still Works');
    expect(db.sqlite.prepare('SELECT count(*) FROM site').pluck().get()).toBe(1);

    // Once the folder can be written, the next run succeeds and the failure is cleared.
    rmSync(join(dataDir, 'backups'));
    clock.now = new Date(2026, 5, 1, 13, 0);
    expect(await service.backupIfDue()).not.toBeNull();
    expect(service.status().lastFailure).toBeNull();
  });

  it('words a full disk plainly', () => {
    const full = Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    expect(describeBackupFailure(full, '/data/backups')).toMatch(/^The disk holding \/data\/backups is full/);
    const nospace = Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
    expect(describeBackupFailure(nospace, '/data/backups')).toMatch(/is full/);
    expect(describeBackupFailure(new Error('something odd'), '/data/backups')).toMatch(/something odd/);
  });

  it('copies in steps, letting the core answer between them; a write made meanwhile is in the copy', async () => {
    const { dataDir, db } = await dataFolder();
    db.sqlite.exec('CREATE TABLE filler (b BLOB)');
    const fill = db.sqlite.prepare('INSERT INTO filler (b) VALUES (randomblob(3500))');
    db.sqlite.transaction(() => {
      for (let i = 0; i < 3000; i++) fill.run();
    })();
    const pages = Number(db.sqlite.pragma('page_count', { simple: true }));
    expect(pages).toBeGreaterThan(2500);

    let turns = 0;
    let finished = false;
    const spin = () => {
      if (finished) return;
      turns++;
      // The core's thread serves a call in the middle of the backup: it writes, and the copy has it.
      if (turns === 3) addSite(db, 'Written Meanwhile');
      setImmediate(spin);
    };
    setImmediate(spin);
    const done = await backups(db, dataDir, { now: new Date(2026, 6, 1, 10, 0) }).backupNow();
    finished = true;

    // Many turns of the event loop while ~2,500 pages were copied (100 at a time).
    expect(turns).toBeGreaterThan(pages / 100 / 2);
    expect(siteNames(done.file)).toEqual(['Written Meanwhile']);
  });

  it('stopping mid-way (the core closing) leaves no half-written file, and the earlier backups stay', async () => {
    const { dataDir, db } = await dataFolder();
    const clock = { now: new Date(2026, 7, 1, 10, 0) };
    const service = backups(db, dataDir, clock);
    const first = await service.backupNow();
    db.sqlite.exec('CREATE TABLE filler (b BLOB)');
    const fill = db.sqlite.prepare('INSERT INTO filler (b) VALUES (randomblob(3500))');
    db.sqlite.transaction(() => {
      for (let i = 0; i < 3000; i++) fill.run();
    })();

    clock.now = new Date(2026, 7, 2, 10, 0);
    const second = service.backupNow().then(
      () => null,
      (e: Error) => e,
    );
    await new Promise((r) => setImmediate(r));
    await service.stop();
    expect(await second).toBeInstanceOf(Error);
    expect(readdirSync(join(dataDir, 'backups'))).toEqual([first.file.split(/[\\/]/).pop()]);
    expect(siteNames(first.file)).toEqual([]);
  });

  it('names files by the local date and time', () => {
    expect(backupFileName(new Date(2026, 11, 31, 23, 59, 59))).toBe('rollcall-2026-12-31-2359.db');
    expect(backupFileName(new Date(2027, 0, 2, 0, 7))).toBe('rollcall-2027-01-02-0007.db');
  });
});

// Retention when the names lie about the order: backups written while the clock was set ahead
// carry dates later than any backup written after it was put right.
describe('backups written while the clock was ahead', () => {
  it('never remove the backup just written; the future-dated ones go first', async () => {
    const { dataDir, db } = await dataFolder();
    const folder = join(dataDir, 'backups');
    mkdirSync(folder);
    // A week of daily backups from when the clock said 2031.
    const ahead = Array.from({ length: BACKUPS_KEPT }, (_, i) => backupFileName(new Date(2031, 0, 1 + i, 3, 0)));
    for (const name of ahead) writeFileSync(join(folder, name), 'an older copy');

    const clock = { now: new Date(2026, 2, 14, 9, 5) };
    const service = backups(db, dataDir, clock);
    const done = await service.backupNow();

    expect(existsSync(done.file)).toBe(true);
    const names = readdirSync(folder).sort();
    expect(names).toHaveLength(BACKUPS_KEPT);
    expect(names).toContain(backupFileName(clock.now));
    // The oldest of the wrongly dated ones (by when it was really written) made room.
    expect(names).not.toContain(ahead[0]);
    expect(service.status().last?.file).toBe(done.file);
  });
});
