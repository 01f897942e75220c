import { describe, expect, it } from 'vitest';
import { coresPerTest } from './test-core';

const start = coresPerTest();

/*
 * The review list keeps decided alerts whose writes have not gone out yet. It used to find them by
 * reading every resolved alert (5,000 at most) and filtering: past 5,000 resolved alerts the
 * newest waiting decisions fell off the screen while they still waited in the outbox.
 */
describe('alerts.query pendingDecision', () => {
  it('returns every alert whose latest decision waits to be pushed, even behind 6,000 resolved alerts', async () => {
    const t = await start();
    const open = await t.alerts();
    const toDecide = open.filter((a) => a.type === 'name_mismatch' || a.type === 'email_mismatch').slice(0, 3);
    expect(toDecide.length).toBe(3);
    const decided = await t.call('decisions.decideMany', { alertIds: toDecide.map((a) => a.id), resolution: 'source-is-right' });
    expect(decided).toMatchObject({ recorded: 3, errors: 0 });

    // 6,000 older resolved alerts whose decisions went through long ago, written straight in SQL.
    const sqlite = t.core.db.sqlite;
    const insertAlert = sqlite.prepare(
      `INSERT INTO alert (id, site_id, type, fingerprint, status, title, person_ids, detail, records_hash, opened_at, updated_at, closed_at)
       VALUES (?, ?, 'duplicate_accounts', ?, 'resolved', ?, '[]', '{}', 'x', ?, ?, ?)`,
    );
    const insertDecision = sqlite.prepare(
      `INSERT INTO decision (id, site_id, alert_id, alert_type, fingerprint, person_key, resolution, actor, decided_at, status, finished_at)
       VALUES (?, ?, ?, 'duplicate_accounts', ?, ?, 'merge', 'tester', ?, 'applied', ?)`,
    );
    const at = '2020-01-01T00:00:00.000Z';
    sqlite.transaction(() => {
      for (let i = 0; i < 6000; i++) {
        const fp = `duplicate_accounts:old:${i}`;
        insertAlert.run(`old-${i}`, t.siteId, fp, `Old duplicate #${i}`, at, at, at);
        insertDecision.run(`old-d-${i}`, t.siteId, `old-${i}`, fp, `old:${i}`, at, at);
      }
    })();

    // The old way: the first 5,000 resolved alerts hold none of the waiting ones.
    const resolved = await t.call('alerts.query', { siteId: t.siteId, status: 'resolved' });
    expect(resolved.length).toBe(5000);
    expect(resolved.filter((r) => r.decision?.status === 'pending')).toEqual([]);

    const pending = await t.call('alerts.query', { siteId: t.siteId, status: 'resolved', pendingDecision: true });
    expect(pending.map((r) => r.id).sort()).toEqual(toDecide.map((a) => a.id).sort());
    expect(pending.every((r) => r.decision?.status === 'pending' && r.status === 'resolved')).toBe(true);
    // The other filters still apply on top.
    const names = await t.call('alerts.query', { siteId: t.siteId, status: 'resolved', pendingDecision: true, type: 'name_mismatch' });
    expect(names.map((r) => r.id).sort()).toEqual(toDecide.filter((a) => a.type === 'name_mismatch').map((a) => a.id).sort());

    // Pushed: nothing waits any more, so nothing is returned.
    await t.call('outbox.pushNow', {});
    expect(await t.call('alerts.query', { siteId: t.siteId, status: 'resolved', pendingDecision: true })).toEqual([]);
  });

  it('looks only at the latest decision on each alert, and drops a withdrawn one', async () => {
    const t = await start();
    const [first, second] = await t.alerts('name_mismatch');
    const r = await t.call('decisions.decide', { alertId: first.id, resolution: 'source-is-right' });
    await t.call('decisions.decide', { alertId: second.id, resolution: 'source-is-right' });
    const ids = async () => (await t.call('alerts.query', { siteId: t.siteId, status: 'all', pendingDecision: true })).map((a) => a.id).sort();
    expect(await ids()).toEqual([first.id, second.id].sort());

    // A later decision on the second alert that went through: its older waiting one no longer counts.
    t.core.db.sqlite
      .prepare(
        `INSERT INTO decision (id, site_id, alert_id, alert_type, fingerprint, person_key, resolution, actor, decided_at, status)
         VALUES ('later', ?, ?, 'name_mismatch', ?, 'k', 'dismiss', 'tester', ?, 'applied')`,
      )
      .run(t.siteId, second.id, second.fingerprint, new Date().toISOString());
    expect(await ids()).toEqual([first.id]);

    // Withdrawn: the decision is cancelled and the alert is open again, with nothing waiting.
    await t.call('decisions.cancel', { decisionId: r.decisionId! });
    expect(await ids()).toEqual([]);
  });
});
