import { describe, expect, it } from 'vitest';
import type { OpenDatabase } from '../db/open-database';
import { explainExternalId, explainPerson } from '../sync/explain';
import { createConnection, createSite, eachTestDb } from '../sync/test-helpers';
import { ADDED_REASON } from './activity-batch-format';
import type { AddedEntry } from './activity-batch-format';
import { batchCacheInfo } from './activity-batch-reader';
import { exportActivityCsv } from './activity-export';
import { pruneActivity } from './activity-prune';
import { getActivity, listActivity } from './activity-queries';
import { AT1, AT2, logFixtures, range } from './test-fixtures';

let db: OpenDatabase;
eachTestDb((d) => (db = d));

const { entry, batch, addedBatch, person, run, allPages } = logFixtures(() => db);

const AT3 = '2025-03-01T12:00:00.000Z';
const HOSTILE_EXT = `=cmd|' /C calc'!A0\t"q"\nline`;
const HOSTILE_FIRST = 'Ana "Zoë"';
const HOSTILE_LAST = "O'Neil,\nJr \\ </script>";
const HOSTILE_RECORD = {
  id: HOSTILE_EXT,
  name: `${HOSTILE_FIRST} ${HOSTILE_LAST}`,
  notes: 'line\u2028sep \u0000 nul, emoji 🏠, "quotes", [brackets], {braces}, lone \ud800 surrogate',
  nested: { list: [1, 2.5, -3e-7, null, true, '$[0]'] },
};
const STEPS = ['Status Current → a current resident', 'No person with this email here → added', 'Step with "quotes" and \\ backslash'];

/**
 * A first pass that added three people as one batch (source then named "Yardi"), a second pass
 * that found them unchanged, and a third whose real row updated Alan. Another site writes an
 * added batch in between; a skipped real row precedes it all.
 */
function addedLog() {
  const siteId = createSite(db);
  const connId = createConnection(db, siteId, { name: 'Yardi "Main"' });
  const other = createSite(db, {}, 'Elsewhere');
  const otherConn = createConnection(db, other);
  const run1 = run(siteId, AT1, 4);
  const skippedId = entry(siteId, { runId: run1, outcome: 'skipped', personName: 'Old Tenant', externalId: 'R-9', connId, reasonCode: 'past', reason: 'Past resident' });
  const grace = person(siteId, connId, 'R-1', 'Grace', 'Hopper');
  const alan = person(siteId, connId, 'R-2', 'Alan', 'Turing');
  const ana = person(siteId, connId, HOSTILE_EXT, HOSTILE_FIRST, HOSTILE_LAST);
  const otherPerson = person(other, otherConn, 'X-1', 'Someone', 'Else');
  addedBatch(other, otherConn, [{ entry: ['X-1', otherPerson, 'Someone Else', []], record: { id: 'X-1' } }], { sourceName: 'Other' });
  const people: Array<{ entry: AddedEntry; record: unknown }> = [
    { entry: ['R-1', grace, 'Grace Hopper', [0, 1]], record: { id: 'R-1', first: 'Grace' } },
    { entry: ['R-2', alan, 'Alan Turing', [0, 1, 2]], record: { id: 'R-2', first: 'Alan' } },
    { entry: [HOSTILE_EXT, ana, `${HOSTILE_FIRST} ${HOSTILE_LAST}`, [2]], record: HOSTILE_RECORD },
  ];
  const added = addedBatch(siteId, connId, people, { runId: run1, at: AT1, sourceName: 'Yardi', stepTexts: STEPS });
  const run2 = run(siteId, AT2, 3);
  const unchanged = batch(siteId, connId, ['R-1', 'R-2', HOSTILE_EXT], { runId: run2, at: AT2 });
  const run3 = run(siteId, AT3, 2);
  const unchanged3 = batch(siteId, connId, ['R-1'], { runId: run3, at: AT3 });
  const updated = entry(siteId, {
    runId: run3,
    at: AT3,
    outcome: 'updated',
    personId: alan,
    personName: 'Alan Turing',
    externalId: 'R-2',
    connId,
    reason: 'Email changed',
    detail: { record: { id: 'R-2', v: 2 }, steps: ['Email changed → updated'] },
  });
  const ids = [skippedId, ...range(added, 3), ...range(unchanged, 3), unchanged3, updated];
  return { siteId, connId, other, grace, alan, ana, run1, run2, run3, added, unchanged, unchanged3, updated, ids };
}

describe('listing added batches', () => {
  it('pages over added entries like any others, every id once, newest first, exact totals', () => {
    const { siteId, ids } = addedLog();
    for (const limit of [1, 2, 5, 50]) {
      const { totals, rows } = allPages({ siteId, limit });
      expect(rows.map((r) => r.id)).toEqual([...ids].sort((a, b) => b - a));
      expect(new Set(totals)).toEqual(new Set([ids.length]));
    }
  });

  it('shows an added entry with the person it created, its name as added, and the added reason', () => {
    const { siteId, connId, grace, ana, added, run1 } = addedLog();
    const byId = new Map(listActivity(db.sqlite, { siteId, limit: 100 }).rows.map((r) => [r.id, r]));
    expect(byId.get(added)).toEqual({
      id: added,
      siteId,
      runId: run1,
      at: AT1,
      outcome: 'added',
      personId: grace,
      personName: 'Grace Hopper',
      externalId: 'R-1',
      sourceConnectionId: connId,
      sourceName: 'Yardi "Main"',
      reasonCode: null,
      reason: ADDED_REASON,
      detail: null,
    });
    expect(byId.get(added + 2)).toMatchObject({ outcome: 'added', personId: ana, personName: `${HOSTILE_FIRST} ${HOSTILE_LAST}`, externalId: HOSTILE_EXT });
  });

  it('counts outcomes by batch kind, without parsing any batch when there is no query', () => {
    const { siteId, added, unchanged, unchanged3 } = addedLog();
    entry(siteId, { outcome: 'added', personName: 'Real Row', externalId: 'R-50', at: AT3 });
    const before = batchCacheInfo(db.sqlite).parses;
    const total = (outcome?: 'added' | 'processed' | 'skipped' | 'updated') => listActivity(db.sqlite, { siteId, outcome, limit: 0 }).total;
    expect(total()).toBe(10);
    expect(total('added')).toBe(4);
    expect(total('processed')).toBe(4);
    expect(total('skipped')).toBe(1);
    expect(total('updated')).toBe(1);
    expect(batchCacheInfo(db.sqlite).parses - before).toBe(0);
    const addedRows = listActivity(db.sqlite, { siteId, outcome: 'added', limit: 100 }).rows;
    expect(addedRows.map((r) => r.id).slice(1)).toEqual([added + 2, added + 1, added]);
    expect(addedRows[0].personName).toBe('Real Row');
    expect(listActivity(db.sqlite, { siteId, outcome: 'processed', limit: 100 }).rows.map((r) => r.id)).toEqual([unchanged3, unchanged + 2, unchanged + 1, unchanged]);
  });

  it('finds added entries by name, external id and reason, alone or with an outcome', () => {
    const { siteId, added, unchanged, unchanged3, updated } = addedLog();
    const idsOf = (query: string, outcome?: 'added' | 'processed') => allPages({ siteId, query, outcome, limit: 2 }).rows.map((r) => r.id);
    const totalOf = (query: string, outcome?: 'added' | 'processed') => listActivity(db.sqlite, { siteId, query, outcome, limit: 1 }).total;
    // Grace: her added entry and the two passes that found her unchanged (matched by her person's name).
    expect(idsOf('HOPPER')).toEqual([unchanged3, unchanged, added]);
    expect(totalOf('hopper')).toBe(3);
    expect(idsOf('hopper', 'added')).toEqual([added]);
    expect(totalOf('hopper', 'added')).toBe(1);
    expect(idsOf('r-2')).toEqual([updated, unchanged + 1, added + 1]);
    expect(idsOf('added from')).toEqual([added + 2, added + 1, added]);
    expect(totalOf('ADDED FROM THE')).toBe(3);
    expect(totalOf('added from', 'processed')).toBe(0);
    // Non-ASCII and JSON-escaped text is matched on the parsed entries.
    expect(idsOf('zoë', 'added')).toEqual([added + 2]);
    expect(idsOf(`"q"\nline`, 'added')).toEqual([added + 2]);
    expect(totalOf('</script>', 'added')).toBe(1);
    // Person ids and step indexes are in the stored JSON but are not searchable text.
    expect(totalOf('nobody at all')).toBe(0);
    expect(totalOf('[0,1]', 'added')).toBe(0);
    // The other site's added batch never shows.
    expect(totalOf('someone')).toBe(0);
  });

  it('exports added entries with the list’s filter, hostile strings neutralised', () => {
    const { siteId, ana } = addedLog();
    const out = exportActivityCsv(db.sqlite, { siteId, outcome: 'added' }, new Date(AT3));
    expect(out.rows).toBe(3);
    const lines = out.csv.split('\r\n');
    expect(lines[1].startsWith(`${AT1},added,`)).toBe(true);
    expect(out.csv).toContain(`"'=cmd|' /C calc'!A0\t""q""\nline"`);
    expect(out.csv).toContain(`"Ana ""Zoë"" O'Neil,\nJr \\ </script>"`);
    expect(out.csv).toContain(ana);
    expect(out.csv).toContain(`Grace Hopper,R-1,"Yardi ""Main""",,${ADDED_REASON}`);
    expect(exportActivityCsv(db.sqlite, { siteId }, new Date(AT3)).rows).toBe(9);
  });
});

describe('opening an added entry', () => {
  it('shows the record as sent and its rule chain, with ids and source', () => {
    const { siteId, connId, grace, ana, added, run1 } = addedLog();
    const e = getActivity(db.sqlite, added);
    expect(e).toMatchObject({ id: added, siteId, runId: run1, outcome: 'added', personId: grace, personName: 'Grace Hopper', reason: ADDED_REASON, reasonCode: null });
    expect(e.detail).toEqual({
      record: { id: 'R-1', first: 'Grace' },
      // The first step names the source as it was called when the person was added.
      steps: ['Found in Yardi as R-1', STEPS[0], STEPS[1]],
      ids: { personId: grace, sourceConnectionId: connId, externalId: 'R-1' },
      source: 'Yardi "Main"',
    });
    const hostile = getActivity(db.sqlite, added + 2);
    expect(hostile.detail).toEqual({
      record: HOSTILE_RECORD,
      steps: [`Found in Yardi as ${HOSTILE_EXT}`, STEPS[2]],
      ids: { personId: ana, sourceConnectionId: connId, externalId: HOSTILE_EXT },
      source: 'Yardi "Main"',
    });
  });

  it('points an unchanged entry back to the added entry that created the person', () => {
    const { grace, added, unchanged, unchanged3 } = addedLog();
    for (const id of [unchanged, unchanged3]) {
      expect(getActivity(db.sqlite, id).detail).toMatchObject({
        record: { id: 'R-1', first: 'Grace' },
        steps: ['Found in Yardi as R-1', STEPS[0], STEPS[1]],
        unchangedSince: AT1,
        recordFromEntry: added,
        ids: { personId: grace },
      });
    }
  });

  it('prefers a newer real changing row over the added entry', () => {
    const { siteId, connId, alan, added, updated, unchanged } = addedLog();
    // Before Alan's update the added entry is his last change; after it, the update is.
    expect(getActivity(db.sqlite, unchanged + 1).detail).toMatchObject({ record: { id: 'R-2', first: 'Alan' }, recordFromEntry: added + 1 });
    const later = batch(siteId, connId, ['R-2'], { at: '2025-03-01T13:00:00.000Z' });
    expect(getActivity(db.sqlite, later).detail).toMatchObject({
      record: { id: 'R-2', v: 2 },
      steps: ['Email changed → updated'],
      unchangedSince: AT3,
      recordFromEntry: updated,
      ids: { personId: alan },
    });
  });

  it('claims no added entry for a person linked later or created at another time', () => {
    const siteId = createSite(db);
    const connId = createConnection(db, siteId);
    const linkedLater = person(siteId, connId, 'L-1', 'Linked', 'Later', AT2);
    const elsewhere = person(siteId, connId, 'L-2', 'Not', 'Listed', AT1);
    // The batch names L-1 (as if the id were reused) but was written at AT1, before the person existed.
    addedBatch(siteId, connId, [{ entry: ['L-1', linkedLater, 'Linked Later', []], record: { id: 'L-1' } }], { at: AT1, runId: run(siteId, AT1, 1) });
    const b = batch(siteId, connId, ['L-1', 'L-2'], { at: AT2 });
    expect(getActivity(db.sqlite, b).detail).toEqual({ ids: { personId: linkedLater, sourceConnectionId: connId, externalId: 'L-1' }, source: 'Demo PMS' });
    expect(getActivity(db.sqlite, b + 1).detail).toEqual({ ids: { personId: elsewhere, sourceConnectionId: connId, externalId: 'L-2' }, source: 'Demo PMS' });
    expect(explainPerson(db, linkedLater).steps[1]).toMatch(/No pass in the kept activity log/);
    expect(explainPerson(db, elsewhere).outcome).toBeNull();
  });

  it('still opens an entry of a damaged batch, without what is missing', () => {
    const { grace, added } = addedLog();
    db.sqlite.prepare(`UPDATE activity_batch SET records = 'not json', step_texts = '[' WHERE first_id = ?`).run(added);
    expect(getActivity(db.sqlite, added).detail).toMatchObject({ record: null, steps: ['Found in Yardi as R-1'], ids: { personId: grace } });
  });
});

describe('explaining people who were added in a batch', () => {
  it('explains from the added entry while its pass is the last one', () => {
    const siteId = createSite(db);
    const connId = createConnection(db, siteId, { name: 'Yardi' });
    const run1 = run(siteId, AT1, 1);
    const grace = person(siteId, connId, 'R-1', 'Grace', 'Hopper');
    addedBatch(siteId, connId, [{ entry: ['R-1', grace, 'Grace Hopper', [1, 0]], record: { id: 'R-1' } }], { runId: run1, sourceName: 'Yardi', stepTexts: STEPS });
    const expected = {
      personId: grace,
      externalId: 'R-1',
      name: 'Grace Hopper',
      sourceName: 'Yardi',
      runId: run1,
      at: AT1,
      outcome: 'added',
      reasonCode: null,
      steps: ['Found in Yardi as R-1', STEPS[1], STEPS[0]],
    };
    expect(explainPerson(db, grace)).toEqual(expected);
    // Typed at the front desk, in any case.
    expect(explainExternalId(db, siteId, 'R-1')).toEqual(expected);
    expect(explainExternalId(db, siteId, 'r-1')).toEqual(expected);
  });

  it('explains as unchanged once a later pass found the person as they were', () => {
    const { grace, run2, run3 } = addedLog();
    const why = explainPerson(db, grace);
    expect(why).toMatchObject({ personId: grace, outcome: 'processed', runId: run3, at: AT3, reasonCode: null });
    expect(why.steps[0]).toBe('Found in Yardi "Main" as R-1');
    expect(why.steps.at(-1)).toBe('Unchanged since the previous pass → nothing to do');
    expect(run2).not.toBe(run3);
  });

  it('explains from a newer real row when there is one', () => {
    const { alan, run3 } = addedLog();
    expect(explainPerson(db, alan)).toMatchObject({ outcome: 'updated', runId: run3, steps: ['Email changed → updated'] });
  });

  it('explains a record the last pass added whose person was deleted since', () => {
    const siteId = createSite(db);
    const connId = createConnection(db, siteId, { name: 'Yardi' });
    const run1 = run(siteId, AT1, 1);
    const gone = person(siteId, connId, 'R-5', 'Gone', 'Soon');
    addedBatch(siteId, connId, [{ entry: ['R-5', gone, 'Gone Soon', [0]], record: { id: 'R-5' } }], { runId: run1, sourceName: 'Yardi', stepTexts: STEPS });
    db.sqlite.prepare('DELETE FROM person WHERE id = ?').run(gone);
    expect(explainExternalId(db, siteId, 'r-5')).toEqual({
      personId: gone,
      externalId: 'R-5',
      name: 'Gone Soon',
      sourceName: 'Yardi',
      runId: run1,
      at: AT1,
      outcome: 'added',
      reasonCode: null,
      steps: ['Found in Yardi as R-5', STEPS[0]],
    });
  });
});

describe('pruning and size', () => {
  it('prunes added batches past the retention period like the others', () => {
    const { siteId, added, unchanged3, updated } = addedLog();
    // Cut between the second and third passes: the added batch (3) and the first unchanged one (3) go, with the skipped row (1).
    const removed = pruneActivity(db.sqlite, siteId, 1, new Date('2025-03-02T11:30:00.000Z'));
    expect(removed).toBe(7);
    expect(listActivity(db.sqlite, { siteId, limit: 10 }).rows.map((r) => r.id)).toEqual([updated, unchanged3]);
    expect(listActivity(db.sqlite, { siteId, outcome: 'added', limit: 10 }).total).toBe(0);
    expect(() => getActivity(db.sqlite, added)).toThrow(/no longer kept/);
    // Grace's unchanged entry no longer has an added entry to point back to.
    expect(getActivity(db.sqlite, unchanged3).detail).not.toHaveProperty('record');
  });

  it('lists, counts and opens a 100k added batch without parsing its records', () => {
    const siteId = createSite(db);
    const connId = createConnection(db, siteId, { name: 'Yardi' });
    const people = Array.from({ length: 100_000 }, (_, i) => ({
      entry: [`R-${i}`, `person-${i}`, `Ana Ruiz ${i}`, [0, 1]] as AddedEntry,
      record: { id: `R-${i}`, firstName: 'Ana', lastName: `Ruiz ${i}`, email: `r-${i}@example.com`, unit: '101', status: 'Current', notes: 'x'.repeat(120) },
    }));
    const first = addedBatch(siteId, connId, people, { runId: run(siteId, AT1, 100_000), sourceName: 'Yardi', stepTexts: STEPS });
    const before = batchCacheInfo(db.sqlite).parses;
    let started = performance.now();
    const page = listActivity(db.sqlite, { siteId, limit: 50 });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(page.total).toBe(100_000);
    expect(page.rows[0]).toMatchObject({ id: first + 99_999, externalId: 'R-99999', personId: 'person-99999', outcome: 'added' });
    expect(batchCacheInfo(db.sqlite).parses - before).toBe(1);
    expect(listActivity(db.sqlite, { siteId, query: 'r-12345', limit: 5 }).total).toBe(1);
    started = performance.now();
    const e = getActivity(db.sqlite, first + 54_321);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(e.detail).toMatchObject({ record: people[54_321].record, steps: ['Found in Yardi as R-54321', STEPS[0], STEPS[1]] });
  });
});
