import { it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { ArraySource, createConnection, createSite, makeEngine, rec, tempDb } from './test-helpers';

it('perf probe', async () => {
  const N = 100_000;
  const records = Array.from({ length: N }, (_, i) => rec(`R-${i}`, { firstName: `First${i}`, lastName: `Last${i}`, phone: `415${String(2000000 + i)}`, email: `p${i}@example.com`, raw: { id: `R-${i}`, name: `First${i} Last${i}`, email: `p${i}@example.com` } }));
  {
    const t = await tempDb();
    const siteId = createSite(t.db);
    const connId = createConnection(t.db, siteId);
    const st = t.db.sqlite.prepare(`INSERT INTO person (id, site_id, type, first_name, last_name, email, phone, unit, status, source_connection_id, external_id, created_at, updated_at)
      VALUES (?, ?, 'resident', ?, ?, ?, ?, ?, 'current', ?, ?, ?, ?) ON CONFLICT(source_connection_id, external_id) WHERE source_connection_id IS NOT NULL DO UPDATE SET first_name = excluded.first_name`);
    const t0 = performance.now();
    const at = new Date().toISOString();
    t.db.sqlite.transaction(() => { for (const r of records) st.run(randomUUID(), siteId, r.firstName, r.lastName, r.email, r.phone, r.unit, connId, r.externalId, at, at); })();
    console.log('RAW upsert', Math.round(performance.now() - t0));
    await t.close();
  }
  const t = await tempDb();
  const siteId = createSite(t.db);
  const connId = createConnection(t.db, siteId);
  const source = new ArraySource(records);
  source.pageSize = 1000;
  const { engine } = makeEngine(t.db, { [connId]: source });
  for (const label of ['first', 'nochange', 'change10']) {
    if (label === 'change10') source.records = records.map((r, i) => (i % 10 === 0 ? { ...r, unit: 'X' } : r));
    const t0 = performance.now();
    const run = await engine.runSite(siteId, { trigger: 'manual' });
    console.log('PASS', label, Math.round(performance.now() - t0), 'ms', JSON.stringify(run.counts));
  }
  await t.close();
}, 120_000);
