import { describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../db/open-database';
import { createConnection, createSite, eachTestDb } from '../sync/test-helpers';
import { explainExternalId } from '../sync/explain';
import { UNCHANGED_REASON } from './activity-batch-format';
import { batchCacheInfo } from './activity-batch-reader';
import { exportActivityCsv } from './activity-export';
import { pruneActivity } from './activity-prune';
import { getActivity, listActivity } from './activity-queries';
import { AT1, AT2, logFixtures, range } from './test-fixtures';

let db: OpenDatabase;
eachTestDb((d) => (db = d));

const { entry, batch, person, run, allPages } = logFixtures(() => db);

/** A site with real rows and batches interleaved, and another site writing batches in between. */
function mixedLog() {
  const siteId = createSite(db);
  const connId = createConnection(db, siteId, { name: 'Yardi "Main"' });
  const other = createSite(db, {}, 'Elsewhere');
  const otherConn = createConnection(db, other);
  const grace = person(siteId, connId, 'R-1', 'Grace', 'Hopper');
  person(siteId, connId, 'R-2', 'Alan', 'Turing');
  const ids: number[] = [];
  ids.push(entry(siteId, { outcome: 'added', personId: grace, personName: 'Grace Hopper', externalId: 'R-1', connId, detail: { record: { id: 'R-1' }, steps: ['Added'] } }));
  ids.push(entry(siteId, { outcome: 'skipped', personName: 'Old Tenant', externalId: 'R-9', connId, reasonCode: 'past', reason: 'Past resident', detail: { record: { id: 'R-9' }, steps: ['Status Past → skipped'] } }));
  ids.push(entry(siteId, { outcome: 'added', personName: 'Alan Turing', externalId: 'R-2', connId }));
  batch(other, otherConn, ['X-1', 'X-2']);
  const b1 = batch(siteId, connId, ['R-1', 'R-2', ['R-9', 'past', 'Past resident', 'Old Tenant', ids[1]], 'R-404'], { at: AT2 });
  ids.push(...range(b1, 4));
  ids.push(entry(siteId, { outcome: 'updated', personId: grace, personName: 'Grace Hopper', externalId: 'R-1', connId, at: AT2 }));
  batch(other, otherConn, ['X-3']);
  const b2 = batch(siteId, connId, ['R-2', ['R-9', 'past', 'Past resident', 'Old Tenant', ids[1]]], { at: AT2 });
  ids.push(...range(b2, 2));
  ids.push(entry(siteId, { outcome: 'error', personName: 'Broken Row', externalId: 'R-5', connId, reasonCode: 'bad', reason: 'Malformed record', at: AT2 }));
  return { siteId, connId, other, grace, ids, b1, b2 };
}

describe('listing a log of real rows and batches', () => {
  it('pages across both, every id exactly once, newest first, with an exact total', () => {
    const { siteId, ids } = mixedLog();
    for (const limit of [1, 3, 4, 50]) {
      const { totals, rows } = allPages({ siteId, limit });
      expect(rows.map((r) => r.id)).toEqual([...ids].sort((a, b) => b - a));
      expect(new Set(totals)).toEqual(new Set([ids.length]));
    }
  });

  it('shows batch entries as ordinary entries: linked person, source name, reason', () => {
    const { siteId, grace, b1 } = mixedLog();
    const rows = listActivity(db.sqlite, { siteId, limit: 100 }).rows;
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(b1)).toMatchObject({ outcome: 'processed', personId: grace, personName: 'Grace Hopper', externalId: 'R-1', sourceName: 'Yardi "Main"', reason: UNCHANGED_REASON, reasonCode: null, at: AT2 });
    expect(byId.get(b1 + 2)).toMatchObject({ outcome: 'skipped', personId: null, personName: 'Old Tenant', externalId: 'R-9', reasonCode: 'past', reason: 'Past resident' });
    // A record whose person is gone still shows, without a person.
    expect(byId.get(b1 + 3)).toMatchObject({ outcome: 'processed', personId: null, personName: '', externalId: 'R-404' });
  });

  it('finds batch entries by person name, external id, reason and reason code', () => {
    const { siteId, b1, b2, ids } = mixedLog();
    const idsOf = (query: string) => allPages({ siteId, query, limit: 2 }).rows.map((r) => r.id);
    const totalOf = (query: string) => listActivity(db.sqlite, { siteId, query, limit: 1 }).total;
    // Grace: the added and updated rows plus her unchanged entry in b1.
    expect(idsOf('HOPPER')).toEqual([ids[7], b1, ids[0]]);
    expect(totalOf('hopper')).toBe(3);
    expect(idsOf('r-2')).toEqual([b2, b1 + 1, ids[2]]);
    expect(idsOf('past resident')).toEqual([b2 + 1, b1 + 2, ids[1]]);
    expect(totalOf('PAST')).toBe(3);
    expect(idsOf('no change')).toEqual([b2, b1 + 3, b1 + 1, b1]);
    expect(idsOf('nobody at all')).toEqual([]);
    expect(totalOf('nobody at all')).toBe(0);
  });

  it('filters by outcome, with totals from the count columns', () => {
    const { siteId, b1, b2 } = mixedLog();
    const processed = listActivity(db.sqlite, { siteId, outcome: 'processed', limit: 100 });
    expect(processed.total).toBe(4);
    expect(processed.rows.map((r) => r.id)).toEqual([b2, b1 + 3, b1 + 1, b1]);
    const skipped = listActivity(db.sqlite, { siteId, outcome: 'skipped', limit: 100 });
    expect(skipped.total).toBe(3);
    expect(skipped.rows.every((r) => r.outcome === 'skipped')).toBe(true);
    expect(listActivity(db.sqlite, { siteId, outcome: 'added', limit: 100 }).total).toBe(2);
    expect(listActivity(db.sqlite, { siteId, outcome: 'skipped', query: 'tenant', limit: 100 }).total).toBe(3);
    expect(listActivity(db.sqlite, { siteId, outcome: 'processed', query: 'turing', limit: 100 }).rows.map((r) => r.id)).toEqual([b2, b1 + 1]);
  });

  it('parses only the batches the first page shows', () => {
    const siteId = createSite(db);
    const connId = createConnection(db, siteId);
    const big = Array.from({ length: 100_000 }, (_, i) => `R-${i}`);
    batch(siteId, connId, big, { at: AT1 });
    const recent = batch(siteId, connId, Array.from({ length: 60 }, (_, i) => `N-${i}`));
    const before = batchCacheInfo(db.sqlite).parses;
    const started = performance.now();
    const page = listActivity(db.sqlite, { siteId, limit: 50 });
    const ms = performance.now() - started;
    expect(page.total).toBe(100_060);
    expect(page.rows[0].id).toBe(recent + 59);
    expect(batchCacheInfo(db.sqlite).parses - before).toBe(1);
    expect(ms).toBeLessThan(500);
    // The next page crosses into the big batch: it is parsed once, then served from the cache.
    const next = listActivity(db.sqlite, { siteId, limit: 50, beforeId: page.rows.at(-1)!.id });
    expect(next.rows.map((r) => r.externalId).slice(9, 11)).toEqual(['N-0', 'R-99999']);
    listActivity(db.sqlite, { siteId, limit: 50, beforeId: next.rows.at(-1)!.id });
    expect(batchCacheInfo(db.sqlite).parses - before).toBe(2);
    expect(listActivity(db.sqlite, { siteId, limit: 5, query: 'r-12345' }).total).toBe(1);
  });
});

describe('one entry', () => {
  it('explains a processed batch entry from the person’s last changing entry', () => {
    const { siteId, connId, grace, b1, ids } = mixedLog();
    const e = getActivity(db.sqlite, b1);
    expect(e).toMatchObject({ id: b1, siteId, outcome: 'processed', personId: grace, personName: 'Grace Hopper', sourceName: 'Yardi "Main"' });
    expect(e.detail).toMatchObject({
      record: { id: 'R-1' },
      steps: ['Added'],
      unchangedSince: AT1,
      recordFromEntry: ids[0],
      ids: { personId: grace, sourceConnectionId: connId, externalId: 'R-1' },
      source: 'Yardi "Main"',
    });
  });

  it('explains a skipped-again batch entry from the entry that logged the skip', () => {
    const { siteId, connId, b2, ids } = mixedLog();
    const e = getActivity(db.sqlite, b2 + 1);
    expect(e).toMatchObject({ siteId, outcome: 'skipped', personId: null, personName: 'Old Tenant', externalId: 'R-9', reasonCode: 'past' });
    expect(e.detail).toMatchObject({
      record: { id: 'R-9' },
      steps: ['Status Past → skipped'],
      unchangedSince: AT1,
      recordFromEntry: ids[1],
      ids: { personId: null, sourceConnectionId: connId, externalId: 'R-9' },
      source: 'Yardi "Main"',
    });
  });

  it('fills ids and source on new rows and keeps them on old ones', () => {
    const siteId = createSite(db);
    const connId = createConnection(db, siteId, { name: 'Entrata' });
    const fresh = entry(siteId, { outcome: 'skipped', externalId: 'E-1', connId, reason: 'x', detail: { record: { id: 'E-1' } } });
    const old = entry(siteId, { outcome: 'skipped', externalId: 'E-2', connId, reason: 'x', detail: { record: {}, source: 'Old name', ids: { externalId: 'E-2', personId: null, sourceConnectionId: 'gone' } } });
    expect(getActivity(db.sqlite, fresh).detail).toMatchObject({ ids: { personId: null, sourceConnectionId: connId, externalId: 'E-1' }, source: 'Entrata' });
    expect(getActivity(db.sqlite, old).detail).toMatchObject({ ids: { sourceConnectionId: 'gone' }, source: 'Old name' });
  });

  it('reports an id that is neither a row nor inside a batch as no longer kept', () => {
    const { b2 } = mixedLog();
    expect(() => getActivity(db.sqlite, b2 + 1000)).toThrow(/no longer kept/);
    expect(() => getActivity(db.sqlite, 0)).toThrow(/no longer kept/);
  });
});

describe('export, prune and explain', () => {
  it('exports batch entries with the list’s filter, hostile strings neutralised', () => {
    const siteId = createSite(db);
    const connId = createConnection(db, siteId, { name: '=HYPERLINK("x")' });
    const ext = `=cmd|' /C calc'!A0\t"q"\nline`;
    person(siteId, connId, ext, 'Ana "Zoë"', 'O\'Neil,\nJr');
    const first = entry(siteId, { outcome: 'skipped', personName: '@bad', externalId: '+1 "x"', connId, reasonCode: 'past', reason: 'Past\tresident', detail: { steps: ['s'] } });
    const b = batch(siteId, connId, [ext, ['+1 "x"', 'past', 'Past\tresident', '@bad', first]]);
    const out = exportActivityCsv(db.sqlite, { siteId }, new Date(AT2));
    expect(out.rows).toBe(3);
    const lines = out.csv.split('\r\n');
    expect(lines[1]).toContain(`"'+1 ""x"""`);
    expect(lines[1]).toContain('skipped');
    // The processed entry: the person's name and the hostile id survive, quoted and defused.
    expect(out.csv).toContain(`"'=cmd|' /C calc'!A0\t""q""\nline"`);
    expect(out.csv).toContain(`"Ana ""Zoë"" O'Neil,\nJr"`);
    expect(out.csv).toContain(`'=HYPERLINK(""x"")`);
    const filtered = exportActivityCsv(db.sqlite, { siteId, outcome: 'processed' }, new Date(AT2));
    expect(filtered.rows).toBe(1);
    // Searching with characters JSON escapes still finds the entry.
    const found = listActivity(db.sqlite, { siteId, query: `"q"\nline`, limit: 10 });
    expect(found.rows.map((r) => r.id)).toEqual([b]);
    expect(listActivity(db.sqlite, { siteId, query: 'ZOË', limit: 10 }).total).toBe(1);
    expect(getActivity(db.sqlite, b)).toMatchObject({ externalId: ext, personName: `Ana "Zoë" O'Neil,\nJr` });
  });

  it('prunes batches past the retention period, keeping recent ones', () => {
    const siteId = createSite(db);
    const connId = createConnection(db, siteId);
    const oldBatch = batch(siteId, connId, ['A', 'B', 'C'], { at: '2024-01-01T00:00:00.000Z' });
    entry(siteId, { outcome: 'added', at: '2024-01-01T00:00:01.000Z' });
    const keptBatch = batch(siteId, connId, ['A', 'B'], { at: '2025-02-27T00:00:00.000Z' });
    const removed = pruneActivity(db.sqlite, siteId, 30, new Date('2025-03-01T00:00:00.000Z'));
    expect(removed).toBe(4);
    const { rows, total } = listActivity(db.sqlite, { siteId, limit: 10 });
    expect(total).toBe(2);
    expect(rows.map((r) => r.id)).toEqual([keptBatch + 1, keptBatch]);
    expect(() => getActivity(db.sqlite, oldBatch)).toThrow(/no longer kept/);
  });

  it('explains a record skipped again inside a batch of the last pass', () => {
    const siteId = createSite(db);
    const connId = createConnection(db, siteId, { name: 'Yardi' });
    const run1 = run(siteId, AT1, 1);
    const first = entry(siteId, {
      runId: run1,
      outcome: 'skipped',
      personName: 'Old "Tenant"',
      externalId: 'R-10023',
      connId,
      reasonCode: 'past',
      reason: 'Past resident',
      detail: { record: { id: 'R-10023' }, steps: ['Yardi sent R-10023', 'Status Past → not a current resident, skipped'] },
    });
    const run2 = run(siteId, AT2, 3);
    batch(siteId, connId, ['R-1', ['R-10023', 'past', 'Past resident', 'Old "Tenant"', first]], { runId: run2, at: AT2 });
    entry(siteId, { runId: run2, at: AT2, outcome: 'added', externalId: 'R-7', connId, personName: 'New Person' });
    const why = explainExternalId(db, siteId, 'r-10023');
    expect(why).toMatchObject({ personId: null, externalId: 'R-10023', name: 'Old "Tenant"', sourceName: 'Yardi', runId: run2, at: AT2, outcome: 'skipped', reasonCode: 'past' });
    expect(why.steps.slice(0, 2)).toEqual(['Yardi sent R-10023', 'Status Past → not a current resident, skipped']);
    expect(why.steps.at(-1)).toMatch(/skipped again/);
    // A record sent as a real row in the last pass is explained from that row.
    expect(explainExternalId(db, siteId, 'R-7')).toMatchObject({ runId: run2, outcome: 'added' });
    expect(explainExternalId(db, siteId, 'nope').steps[0]).toMatch(/No source sent/);
  });

  it('explains a skipped record remembered in source_record when the batch does not name it', () => {
    const siteId = createSite(db);
    const connId = createConnection(db, siteId, { name: 'Yardi' });
    const first = entry(siteId, { outcome: 'skipped', externalId: 'M-1', connId, reasonCode: 'no_name', reason: 'No name', detail: { steps: ['Record has no name → skipped'] } });
    const run2 = run(siteId, AT2, 1);
    batch(siteId, connId, ['R-1'], { runId: run2 });
    db.sqlite
      .prepare(`INSERT INTO source_record (source_connection_id, external_id, fingerprint, name, reason_code, reason, entry_id) VALUES (?, 'M-1', 'f', '', 'no_name', 'No name', ?)`)
      .run(connId, first);
    const why = explainExternalId(db, siteId, 'M-1');
    expect(why).toMatchObject({ runId: run2, outcome: 'skipped', reasonCode: 'no_name', sourceName: 'Yardi' });
    expect(why.steps[0]).toBe('Record has no name → skipped');
  });
});
