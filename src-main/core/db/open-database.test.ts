import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from './open-database';
import { MIGRATIONS } from './migrations';

const dirs: string[] = [];
function tempFile() {
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-db-'));
  dirs.push(dir);
  return join(dir, 'nested', 'rollcall.db');
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('openDatabase', () => {
  it('creates the file with WAL and foreign keys on, and runs migrations once', async () => {
    const file = tempFile();
    const db = await openDatabase(file);
    expect(existsSync(file)).toBe(true);
    expect(db.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
    const tables = db.sqlite.prepare(`SELECT name FROM sqlite_master WHERE type='table'`).pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['site', 'person', 'activity_entry', 'alert', 'sync_run']));
    await db.close();
    const again = await openDatabase(file);
    const ran = again.sqlite.prepare('SELECT count(*) FROM migrations').pluck().get();
    expect(ran).toBe(MIGRATIONS.length);
    await again.close();
  });

  it('refuses a second person with the same source link', async () => {
    const db = await openDatabase(tempFile());
    const now = new Date().toISOString();
    db.sqlite.prepare(`INSERT INTO site (id,name,settings,created_at) VALUES ('s','S','{}',?)`).run(now);
    db.sqlite.prepare(`INSERT INTO source_connection (id,site_id,kind,name,created_at) VALUES ('c','s','demo','D',?)`).run(now);
    const insert = db.sqlite.prepare(
      `INSERT INTO person (id,site_id,type,source_connection_id,external_id,created_at,updated_at) VALUES (?, 's','resident','c','ext-1',?,?)`,
    );
    insert.run('p1', now, now);
    expect(() => insert.run('p2', now, now)).toThrow(/UNIQUE/);
    // Deleting the site takes its people with it.
    db.sqlite.prepare(`DELETE FROM site WHERE id='s'`).run();
    expect(db.sqlite.prepare('SELECT count(*) FROM person').pluck().get()).toBe(0);
    await db.close();
  });
});
