import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../db/open-database';
import { ArraySource, createConnection, createSite, makeEngine, personByExt, rec, eachTestDb } from './test-helpers';

/*
 * The engine keeps the fingerprints of linked people in memory between passes. These tests
 * change people behind its back in every way the app can, and check the next pass still sees it.
 */

let db: OpenDatabase;
eachTestDb((d) => (db = d));

async function syncedTwice() {
  const siteId = createSite(db);
  const connId = createConnection(db, siteId);
  const source = new ArraySource([rec('R-1'), rec('R-2'), rec('R-3')]);
  const { engine } = makeEngine(db, { [connId]: source });
  await engine.runSite(siteId, { trigger: 'manual' });
  const again = await engine.runSite(siteId, { trigger: 'manual' });
  expect(again.counts).toEqual({ processed: 3 });
  return { siteId, connId, source, engine };
}

describe('fingerprints kept between passes', () => {
  it('an admin edit made through the same connection is seen by the next pass', async () => {
    const { siteId, engine } = await syncedTwice();
    // "Track source updates" off, as the person panel does it.
    db.sqlite.prepare(`UPDATE person SET decoupled = 1 WHERE external_id = 'R-2'`).run();
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    expect(run.counts).toEqual({ processed: 2, skipped: 1 });
  });

  it('a write by another process (the CLI on the same file) is seen by the next pass', async () => {
    const { siteId, engine } = await syncedTwice();
    const other = new Database(db.file);
    try {
      other.prepare(`UPDATE person SET access_enabled = 0, disabled_by = 'sync' WHERE external_id = 'R-3'`).run();
    } finally {
      other.close();
    }
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    // Back in the source and turned off by sync: turned on again, which needs the fresh state.
    expect(run.counts).toEqual({ processed: 2, updated: 1 });
    expect(personByExt(db, 'R-3')!.access_enabled).toBe(1);
  });

  it("the pass's own writes are applied: a change, then no change", async () => {
    const { siteId, source, engine } = await syncedTwice();
    source.records = [rec('R-1', { unit: '9' }), rec('R-2'), rec('R-3'), rec('R-4')];
    expect((await engine.runSite(siteId, { trigger: 'manual' })).counts).toEqual({ processed: 2, updated: 1, added: 1 });
    expect((await engine.runSite(siteId, { trigger: 'manual' })).counts).toEqual({ processed: 4 });
    source.records = [rec('R-1', { unit: '9' }), rec('R-2'), rec('R-4')];
    expect((await engine.runSite(siteId, { trigger: 'manual' })).counts).toEqual({ processed: 3, disabled: 1 });
    // R-3 comes back: re-enabled, so the cache must know sync turned it off.
    source.records = [rec('R-1', { unit: '9' }), rec('R-2'), rec('R-3'), rec('R-4')];
    expect((await engine.runSite(siteId, { trigger: 'manual' })).counts).toEqual({ processed: 3, updated: 1 });
    expect(personByExt(db, 'R-3')!.access_enabled).toBe(1);
  });

  it('a pass that fails while writing leaves no stale fingerprints behind', async () => {
    const { siteId, source, engine } = await syncedTwice();
    db.sqlite.exec(`CREATE TRIGGER boom BEFORE UPDATE ON person WHEN NEW.unit = '9' BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
    source.records = [rec('R-1', { unit: '9' }), rec('R-2'), rec('R-3')];
    expect((await engine.runSite(siteId, { trigger: 'manual' })).status).toBe('failed');
    db.sqlite.exec('DROP TRIGGER boom');
    expect((await engine.runSite(siteId, { trigger: 'manual' })).counts).toEqual({ processed: 2, updated: 1 });
    expect(personByExt(db, 'R-1')!.unit).toBe('9');
  });
});
