import { describe, expect, it } from 'vitest';
import { dispatch } from '../../contract/dispatch';
import { coresPerTest } from '../decisions/test-core';
import type { TestCore } from '../decisions/test-core';

/*
 * "Bulk delete synced people" on the embedded demo: a real core on a temp SQLite file, its fake
 * property system and access system over HTTP, calls through the same dispatch the hosts use.
 */

const start = coresPerTest();

async function demoSource(t: TestCore) {
  const { sources } = await t.call('connections.list', { siteId: t.siteId });
  return sources.find((s) => s.kind === 'demo')!;
}

const peopleCount = (t: TestCore) => t.core.db.sqlite.prepare('SELECT count(*) FROM person WHERE site_id = ?').pluck().get(t.siteId) as number;

describe('bulk delete of synced people', () => {
  it('previews exactly who would go, and changes nothing', async () => {
    const t = await start();
    const source = await demoSource(t);
    const before = peopleCount(t);
    const preview = await t.call('people.bulkDeletePreview', { siteId: t.siteId, sourceConnectionId: source.id });
    const linked = t.core.db.sqlite.prepare('SELECT count(*) FROM person WHERE source_connection_id = ?').pluck().get(source.id) as number;
    expect(preview).toMatchObject({ scopeName: source.name, count: linked, sourcesStillOn: [{ id: source.id, name: source.name }] });
    expect(preview.count).toBeGreaterThan(100);
    expect(preview.sample).toHaveLength(20);
    expect(preview.sample.every((p) => p.sourceName === source.name && p.name.length > 0)).toBe(true);
    // Accounts in the demo access system belong to many of them: they are named, not deleted.
    expect(preview.linkedAccounts).toEqual([expect.objectContaining({ accessSystemName: 'Demo Access', count: expect.any(Number) })]);
    expect(preview.linkedAccounts[0].count).toBeGreaterThan(0);
    expect(peopleCount(t)).toBe(before);
  });

  it('deletes the previewed people, keeps their history and accounts, and turns the source off so a pass does not bring them back', async () => {
    const t = await start();
    const source = await demoSource(t);
    const { sqlite } = t.core.db;
    const manual = sqlite.prepare(`INSERT INTO person (id, site_id, type, first_name, last_name, created_at, updated_at) VALUES ('hand-1', ?, 'staff', 'Hand', 'Added', ?, ?)`);
    const now = new Date().toISOString();
    manual.run(t.siteId, now, now);
    const someone = t.core.db.sqlite.prepare('SELECT id, first_name, last_name FROM person WHERE source_connection_id = ? LIMIT 1').get(source.id) as { id: string; first_name: string; last_name: string };
    const accountsBefore = sqlite.prepare('SELECT count(*) FROM access_account').pluck().get() as number;
    const openBefore = (await t.alerts()).length;
    expect(openBefore).toBeGreaterThan(0);

    const preview = await t.call('people.bulkDeletePreview', { siteId: t.siteId, sourceConnectionId: null });
    const result = await t.call('people.bulkDelete', { siteId: t.siteId, sourceConnectionId: null, token: preview.token, turnOffSync: true, confirm: true });
    expect(result).toEqual({ deleted: preview.count, sourcesTurnedOff: [source.name] });

    // Only the hand-added person is left; the activity log still names the deleted ones.
    expect(sqlite.prepare('SELECT id FROM person WHERE site_id = ?').pluck().all(t.siteId)).toEqual(['hand-1']);
    const history = await t.call('activity.list', { siteId: t.siteId, query: someone.last_name });
    expect(history.rows.some((r) => r.personName.includes(someone.last_name))).toBe(true);
    // Their access-system accounts are still mirrored, no longer linked to anyone.
    expect(sqlite.prepare('SELECT count(*) FROM access_account').pluck().get()).toBe(accountsBefore);
    expect(sqlite.prepare('SELECT count(*) FROM access_account WHERE person_id IS NOT NULL').pluck().get()).toBe(0);
    // Alerts about people who are gone close at once.
    expect((await t.alerts()).length).toBeLessThan(openBefore);
    // The audit says who did it and what.
    const audit = await t.call('audit.list', { siteId: t.siteId });
    expect(audit.rows[0]).toMatchObject({ actor: 'tester', kind: 'write', action: 'bulk-delete' });
    expect(audit.rows[0].message).toMatch(new RegExp(`Deleted ${preview.count.toLocaleString('en-US')} people .*turned off syncing from ${source.name}`));

    // The next pass does not add them again.
    const [run] = await t.call('sync.runNow', { siteId: t.siteId });
    expect(run.status).toBe('complete');
    expect(peopleCount(t)).toBe(1);
  });

  it('left on, the source adds the same people again at the next pass, as new rows', async () => {
    const t = await start();
    const source = await demoSource(t);
    const preview = await t.call('people.bulkDeletePreview', { siteId: t.siteId, sourceConnectionId: source.id });
    const result = await t.call('people.bulkDelete', { siteId: t.siteId, sourceConnectionId: source.id, token: preview.token, turnOffSync: false, confirm: true });
    expect(result.sourcesTurnedOff).toEqual([]);
    expect(peopleCount(t)).toBe(0);
    // More than the guard's 10 %: every person comes back at once, which nothing holds (adds are not removals).
    await t.call('sync.runNow', { siteId: t.siteId });
    expect(peopleCount(t)).toBe(preview.count);
    const ids = t.core.db.sqlite.prepare('SELECT id FROM person WHERE site_id = ?').pluck().all(t.siteId) as string[];
    expect(ids.some((id) => preview.sample.some((p) => p.id === id))).toBe(false);
  });

  it('refuses when the set changed since the preview, and deletes nothing', async () => {
    const t = await start();
    const source = await demoSource(t);
    const preview = await t.call('people.bulkDeletePreview', { siteId: t.siteId, sourceConnectionId: source.id });
    // The property system lists one more person, and a pass brings them in.
    const demo = t.core.upstreams.demo!.source;
    const model = demo.people.list().find((p) => p.type === 'resident' && p.status === 'Current')!;
    demo.people.upsert({ ...model, id: 'R-NEW-1', first_name: 'Nadia', last_name: 'Newcomer', email: 'nadia.newcomer@example.com' });
    await t.call('sync.runNow', { siteId: t.siteId });
    expect(t.core.db.sqlite.prepare(`SELECT count(*) FROM person WHERE external_id = 'R-NEW-1'`).pluck().get()).toBe(1);
    const before = peopleCount(t);
    await expect(
      t.call('people.bulkDelete', { siteId: t.siteId, sourceConnectionId: source.id, token: preview.token, turnOffSync: true, confirm: true }),
    ).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/changed since the preview .*preview again/) });
    expect(peopleCount(t)).toBe(before);
    expect((await demoSource(t)).enabled).toBe(true);
  });

  it('finds the rows that point at a deleted person by index, in every table (a delete of 100k people stays linear)', async () => {
    const t = await start();
    const { sqlite } = t.core.db;
    const tables = sqlite.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`).pluck().all() as string[];
    const children: string[] = [];
    for (const table of tables) {
      for (const fk of sqlite.pragma(`foreign_key_list(${table})`) as { table: string; from: string }[]) {
        if (fk.table !== 'person') continue;
        children.push(`${table}.${fk.from}`);
        const plan = (sqlite.prepare(`EXPLAIN QUERY PLAN SELECT 1 FROM ${table} WHERE ${fk.from} = ?`).all('x') as { detail: string }[]).map((r) => r.detail).join(' ');
        // SEARCH, not SCAN: a scan of a covering index still reads every row.
        expect(plan, `${table}.${fk.from}`).toMatch(/^SEARCH /);
      }
    }
    expect(children).toEqual(expect.arrayContaining(['access_account.person_id', 'person_delivery.person_id', 'alarm_user_code.person_id']));
  });

  it('refuses while a pass for the site runs, and is for managers only', async () => {
    const t = await start();
    const source = await demoSource(t);
    const preview = await t.call('people.bulkDeletePreview', { siteId: t.siteId, sourceConnectionId: source.id });
    const pass = t.call('sync.runNow', { siteId: t.siteId });
    await expect(
      t.call('people.bulkDelete', { siteId: t.siteId, sourceConnectionId: source.id, token: preview.token, turnOffSync: true, confirm: true }),
    ).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/sync pass is running/) });
    await pass;
    const asDesk = await dispatch(t.core.handlers, 'people.bulkDeletePreview', { siteId: t.siteId, sourceConnectionId: null }, { role: 'frontDesk' });
    expect(asDesk).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    // Without the acknowledgement the call is not even valid.
    const unconfirmed = await dispatch(
      t.core.handlers,
      'people.bulkDelete',
      { siteId: t.siteId, sourceConnectionId: null, token: preview.token, turnOffSync: true, confirm: false } as never,
      { role: 'manager' },
    );
    expect(unconfirmed).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(peopleCount(t)).toBeGreaterThan(0);
  });
});
