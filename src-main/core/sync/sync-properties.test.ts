import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceRecord } from '../adapters/types';
import type { OpenDatabase } from '../db/open-database';
import { ArraySource, activityOf, createConnection, createManualPerson, createSite, makeEngine, people, tempDb } from './test-helpers';
import type { TestDb } from './test-helpers';

/*
 * Property tests over small, collision-prone snapshots: a handful of external ids, emails and
 * names so that duplicates, hand-added matches, excluded statuses and bad contacts all occur.
 */

const recordArb: fc.Arbitrary<SourceRecord> = fc
  .record({
    externalId: fc.constantFrom('R-1', 'R-2', 'R-3', 'R-4', 'R-5', 'R-6', ' R-3', ''),
    firstName: fc.constantFrom('Ana', '  ana ', 'José', 'Jose\u0301', 'Li', '', null),
    lastName: fc.constantFrom('Ruiz', 'Núñez', 'Smith', null),
    email: fc.constantFrom('ana@example.com', 'ANA@example.com', 'li@example.com', 'x@example.com', 'bad@', null, ''),
    phone: fc.constantFrom('(415) 555-0123', '+442079460018', '12', null),
    unit: fc.constantFrom('1', '2', null),
    status: fc.constantFrom('Current', 'Notice', 'Past', 'Applicant', 'Weird', null),
    siteKey: fc.constantFrom<string | null | undefined>(undefined, null, 'HV1', 'OTHER'),
    tags: fc.constantFrom<string[]>([], ['a'], ['a', 'b']),
  })
  .map((r) => ({ ...r, raw: { ...r } }) as SourceRecord);

const snapshotArb = fc.array(recordArb, { maxLength: 12 });
const manualArb = fc.array(
  fc.record({
    firstName: fc.constantFrom('Ana', 'Li'),
    lastName: fc.constantFrom('Ruiz', 'Smith'),
    email: fc.constantFrom('ana@example.com', 'li@example.com', null),
  }),
  { maxLength: 3 },
);

let t: TestDb;
let db: OpenDatabase;
beforeAll(async () => {
  t = await tempDb();
  db = t.db;
});
afterAll(async () => t.close());

function newSite(manual: { firstName: string; lastName: string; email: string | null }[], guard = { guardMinPeople: 1000, guardPercent: 100 }) {
  const siteId = createSite(db, guard);
  for (const m of manual) createManualPerson(db, siteId, m);
  const connId = createConnection(db, siteId, { config: { propertyCodes: ['HV1'] } });
  const source = new ArraySource([]);
  source.pageSize = 2;
  const { engine } = makeEngine(db, { [connId]: source });
  return { siteId, source, engine };
}

const ADMIN_FIELDS = ['grants', 'custom_tags', 'notes', 'app_message', 'decoupled'] as const;

describe('sync engine properties', () => {
  it('(a) a second pass over the same snapshot changes nothing and only re-logs Processed (or the same skips)', async () => {
    await fc.assert(
      fc.asyncProperty(snapshotArb, manualArb, async (snapshot, manual) => {
        const { siteId, source, engine } = newSite(manual);
        source.records = snapshot;
        const first = await engine.runSite(siteId, { trigger: 'manual' });
        expect(first.status).toBe('complete');
        const before = people(db, siteId);
        const second = await engine.runSite(siteId, { trigger: 'manual' });
        expect(second.status).toBe('complete');
        expect(people(db, siteId)).toEqual(before);
        const firstLog = activityOf(db, first.id);
        const secondLog = activityOf(db, second.id);
        expect(secondLog).toHaveLength(firstLog.length);
        for (const e of secondLog) expect(['processed', 'skipped']).toContain(e.outcome);
        const firstSkips = firstLog.filter((e) => e.outcome === 'skipped').map((e) => `${e.external_id}:${e.reason_code}`).sort();
        const secondSkips = secondLog.filter((e) => e.outcome === 'skipped').map((e) => `${e.external_id}:${e.reason_code}`).sort();
        expect(secondSkips).toEqual(firstSkips);
      }),
      { numRuns: 40 },
    );
  });

  it('(b) no pass ever changes an admin-owned field', async () => {
    const editArb = fc.record({
      pick: fc.nat(),
      grants: fc.constantFrom('[]', '["gym"]'),
      tags: fc.constantFrom('[]', '["vip"]'),
      notes: fc.constantFrom('', 'has a dog'),
      decoupled: fc.boolean(),
      adminOff: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(snapshotArb, { minLength: 2, maxLength: 4 }), fc.array(editArb, { maxLength: 4 }), manualArb, async (snapshots, edits, manual) => {
        const { siteId, source, engine } = newSite(manual, { guardMinPeople: 2, guardPercent: 10 });
        for (const [i, snap] of snapshots.entries()) {
          const all = people(db, siteId);
          if (i > 0 && all.length) {
            for (const e of edits) {
              const p = all[e.pick % all.length];
              db.sqlite
                .prepare(
                  `UPDATE person SET grants = ?, custom_tags = ?, notes = ?, app_message = ?, decoupled = ?,
                     access_enabled = CASE WHEN ? THEN 0 ELSE access_enabled END, disabled_by = CASE WHEN ? THEN 'admin' ELSE disabled_by END
                   WHERE id = ?`,
                )
                .run(e.grants, e.tags, e.notes, e.notes, e.decoupled ? 1 : 0, e.adminOff ? 1 : 0, e.adminOff ? 1 : 0, p.id);
            }
          }
          const before = new Map(people(db, siteId).map((p) => [p.id, p]));
          source.records = snap;
          await engine.runSite(siteId, { trigger: 'manual' });
          for (const after of people(db, siteId)) {
            const b = before.get(after.id);
            if (!b) continue;
            for (const f of ADMIN_FIELDS) expect(after[f]).toEqual(b[f]);
            if (b.disabled_by === 'admin' && b.access_enabled === 0) expect(after).toMatchObject({ access_enabled: 0, disabled_by: 'admin' });
            if (b.decoupled === 1) expect(after).toEqual(b);
          }
        }
      }),
      { numRuns: 30 },
    );
  });

  it('(c) a source error never disables anyone (or changes anything)', async () => {
    await fc.assert(
      fc.asyncProperty(snapshotArb, snapshotArb, fc.nat({ max: 6 }), async (first, second, failPage) => {
        const { siteId, source, engine } = newSite([], { guardMinPeople: 0, guardPercent: 0 });
        source.records = first;
        await engine.runSite(siteId, { trigger: 'manual' });
        const before = people(db, siteId);
        source.records = second;
        source.failOnPage = Math.min(failPage, Math.ceil(second.length / source.pageSize));
        const run = await engine.runSite(siteId, { trigger: 'manual' });
        source.failOnPage = null;
        expect(run.status).toBe('failed');
        expect(people(db, siteId)).toEqual(before);
      }),
      { numRuns: 40 },
    );
  });
});
