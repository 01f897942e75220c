import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceRecord } from '../adapters/types';
import type { OpenDatabase } from '../db/open-database';
import { FingerprintCache } from './fingerprint-cache';
import { ArraySource, createConnection, createManualPerson, createSite, makeEngine, tempDb } from './test-helpers';
import type { TestDb } from './test-helpers';

/*
 * The engine keeps fingerprints in memory between passes. Whatever happens between passes (the
 * source changes, an admin edits people), a long-lived engine must decide exactly what a freshly
 * started one decides. Two databases get the same history: one is synced by the same engine
 * every time, the other starts every pass with its cache thrown away; their runs and people must agree.
 */

const recordArb: fc.Arbitrary<SourceRecord> = fc
  .record({
    externalId: fc.constantFrom('R-1', 'R-2', 'R-3', 'R-4', 'R-5'),
    firstName: fc.constantFrom('Ana', 'Li'),
    lastName: fc.constantFrom('Ruiz', 'Smith'),
    email: fc.constantFrom('ana@example.com', 'li@example.com', 'x@example.com', 'y@example.com', null),
    phone: fc.constantFrom('(415) 555-0123', null),
    unit: fc.constantFrom('1', '2'),
    status: fc.constantFrom('Current', 'Past'),
  })
  .map((r) => ({ ...r, raw: { ...r } }) as SourceRecord);

const FIELDS = ['firstName', 'lastName', 'email', 'phone', 'unit', 'status', 'tags'] as const;
const VALUES: Record<(typeof FIELDS)[number], unknown[]> = {
  firstName: ['Ana', 'Li', ' Ana'],
  lastName: ['Ruiz', 'Smith'],
  email: ['ana@example.com', 'z@example.com', null],
  phone: ['(415) 555-0123', '+1 415 555 0199', null],
  unit: ['1', '2', 3],
  status: ['Current', 'Notice', 'Past'],
  tags: [[], ['Gym'], ['Gym', 'Pool']],
};

/** What happens between two passes: a new list, one field of one record edited, or an admin's edit. */
const stepArb = fc.oneof(
  fc.record({ kind: fc.constant('source' as const), records: fc.array(recordArb, { maxLength: 6 }) }),
  fc.record({
    kind: fc.constant('edit' as const),
    index: fc.nat(5),
    field: fc.constantFrom(...FIELDS),
    pick: fc.nat(2),
  }),
  fc.record({
    kind: fc.constant('admin' as const),
    externalId: fc.constantFrom('R-1', 'R-2', 'R-3'),
    change: fc.constantFrom('decouple', 'recouple', 'access-off', 'access-on', 'sync-off'),
  }),
);

const ADMIN_SQL: Record<string, string> = {
  decouple: 'UPDATE person SET decoupled = 1 WHERE external_id = ?',
  recouple: 'UPDATE person SET decoupled = 0 WHERE external_id = ?',
  'access-off': `UPDATE person SET access_enabled = 0, disabled_by = 'admin' WHERE external_id = ?`,
  'access-on': 'UPDATE person SET access_enabled = 1, disabled_by = NULL WHERE external_id = ?',
  // As if another process's pass had turned them off.
  'sync-off': `UPDATE person SET access_enabled = 0, disabled_by = 'sync' WHERE external_id = ?`,
};

let t: TestDb;
let u: TestDb;
beforeAll(async () => {
  t = await tempDb();
  u = await tempDb();
});
afterAll(async () => {
  await t.close();
  await u.close();
});

function newSite(db: OpenDatabase) {
  const siteId = createSite(db, { guardMinPeople: 1000, guardPercent: 100 });
  createManualPerson(db, siteId, { firstName: 'Ana', lastName: 'Ruiz', email: 'ana@example.com' });
  const connId = createConnection(db, siteId);
  return { siteId, connId };
}

function peopleOf(db: OpenDatabase, siteId: string) {
  return db.sqlite
    .prepare(
      `SELECT external_id, first_name, last_name, email, unit, status, access_enabled, disabled_by, removed_at_source, decoupled, held_reason, source_hash
       FROM person WHERE site_id = ? ORDER BY external_id, first_name`,
    )
    .all(siteId);
}

describe('fingerprints kept between passes (property)', () => {
  it('a long-lived engine decides exactly what a fresh one decides, whatever happens between passes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(recordArb, { minLength: 3, maxLength: 6 }), fc.array(stepArb, { minLength: 1, maxLength: 10 }), async (first, steps) => {
        const kept = newSite(t.db);
        const fresh = newSite(u.db);
        const keptSource = new ArraySource([]);
        const { engine } = makeEngine(t.db, { [kept.connId]: keptSource });
        const freshSource = new ArraySource([]);
        const freshEngine = makeEngine(u.db, { [fresh.connId]: freshSource }).engine;
        for (const step of [{ kind: 'source' as const, records: first }, ...steps]) {
          if (step.kind === 'source') {
            keptSource.records = step.records;
            freshSource.records = step.records;
          } else if (step.kind === 'edit') {
            // A single field changes, the way most real updates look. New objects, as a fresh read would give.
            const records = keptSource.records.map((r) => ({ ...r, tags: r.tags ? [...r.tags] : r.tags }));
            const target = records[step.index % Math.max(records.length, 1)];
            if (target) {
              const values = VALUES[step.field];
              (target as unknown as Record<string, unknown>)[step.field] = values[step.pick % values.length];
            }
            keptSource.records = records;
            freshSource.records = records;
          } else {
            for (const [db, site] of [[t.db, kept], [u.db, fresh]] as const) {
              db.sqlite.prepare(`${ADMIN_SQL[step.change]} AND site_id = ?`).run(step.externalId, site.siteId);
            }
          }
          const a = await engine.runSite(kept.siteId, { trigger: 'manual' });
          FingerprintCache.for(u.db.sqlite).reset();
          const b = await freshEngine.runSite(fresh.siteId, { trigger: 'manual' });
          expect(a.counts).toEqual(b.counts);
          expect(peopleOf(t.db, kept.siteId)).toEqual(peopleOf(u.db, fresh.siteId));
        }
      }),
      { numRuns: 80 },
    );
    // Up to 1,600 real passes on two SQLite files: about 20 s on a slow 2-core machine, so the
    // suite's 20 s default would fail it by timing alone.
  }, 90_000);
});
