import { it } from 'vitest';
import { createConnection, createSite, rec, tempDb } from './test-helpers';
import { loadConnections, loadPeople, loadSite } from './site-state';
import { planPass } from './correlate';
import { applyPlan } from './apply-pass';

it('perf probe 2', async () => {
  const N = 100_000;
  const records = Array.from({ length: N }, (_, i) => rec(`R-${i}`, { firstName: `First${i}`, lastName: `Last${i}`, phone: `415${String(2000000 + i)}`, email: `p${i}@example.com`, raw: { id: `R-${i}`, name: `First${i} Last${i}`, email: `p${i}@example.com` } }));
  const t = await tempDb();
  const siteId = createSite(t.db);
  const connId = createConnection(t.db, siteId);
  const sq = t.db.sqlite;
  for (const label of ['first', 'nochange']) {
    let t0 = performance.now();
    const people = loadPeople(sq, siteId);
    const tl = performance.now() - t0;
    const site = loadSite(sq, siteId)!;
    const connections = loadConnections(sq, siteId);
    t0 = performance.now();
    const plan = planPass({ site, connections, reads: new Map([[connId, { conn: connections[0], records, removedExternalIds: [], complete: true, nextToken: null }]]), people });
    const tp = performance.now() - t0;
    t0 = performance.now();
    let ta = 0;
    sq.transaction(() => { applyPlan(sq, plan, { siteId, runId: 'x', at: new Date().toISOString() }); ta = performance.now() - t0; })();
    const tc = performance.now() - t0 - ta;
    console.log('PHASE', label, 'load', Math.round(tl), 'plan', Math.round(tp), 'apply', Math.round(ta), 'commit', Math.round(tc));
  }
  await t.close();
}, 120_000);
