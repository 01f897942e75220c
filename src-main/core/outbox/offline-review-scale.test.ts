import { describe, expect, it } from 'vitest';
import { coresPerTest, pair, usersWithEmail } from '../decisions/test-core';
import type { TestCore } from '../decisions/test-core';
import { scaleDemo, writesOf } from '../decisions/scale-fixtures';
import type { DemoSourcePerson } from '../demo/demo-people';

/*
 * Offline bulk review at the size of a real property: hundreds of open alerts of every kind,
 * decided offline in bulk and one by one, some withdrawn and decided again, the app restarted in
 * the middle, then one push. Plus what may have happened upstream while the decisions waited.
 */

const start = coresPerTest();

describe('hundreds of alerts decided offline, across a restart, pushed once', () => {
  it('loses and duplicates nothing: every write goes out exactly once, a create before the delete it replaces', async () => {
    let t: TestCore = await start();
    await scaleDemo(t, 130);
    expect((await t.alerts()).length).toBeGreaterThanOrEqual(500);
    await t.call('outbox.setOffline', { offline: true });

    const dups = await t.alerts('duplicate_accounts');
    const names = await t.alerts('name_mismatch');
    const emails = await t.alerts('email_mismatch');
    const shared = await t.alerts('duplicate_emails');

    // In bulk: one call for all duplicate accounts (merge) and all name mismatches.
    const bulk = await t.call('decisions.decideMany', { alertIds: dups.map((a) => a.id), resolution: 'merge' });
    expect(bulk).toMatchObject({ recorded: dups.length, errors: 0 });
    expect((await t.call('decisions.decideMany', { alertIds: names.map((a) => a.id), resolution: 'source-is-right' })).recorded).toBe(names.length);
    expect((await t.call('decisions.decideMany', { alertIds: shared.map((a) => a.id), resolution: 'fix-at-source' })).tasks).toBe(shared.length);
    // One by one: half the email mismatches, then the app stops.
    const half = Math.floor(emails.length / 2);
    for (const a of emails.slice(0, half)) await t.call('decisions.decide', { alertId: a.id, resolution: 'source-is-right' });

    const dataDir = t.dataDir;
    await t.close();
    t = await start({ dataDir });
    expect(await t.call('outbox.status', {})).toMatchObject({ mode: 'offline-manual', pendingDecisions: dups.length + names.length + half });

    // After the restart: the other half in bulk (suspending the old account), then 20 withdrawn
    // and 10 of those decided again.
    await t.call('decisions.decideMany', { alertIds: emails.slice(half).map((a) => a.id), resolution: 'source-is-right', options: { oldAccount: 'suspend' } });
    const withdrawn = (await t.call('decisions.list', { siteId: t.siteId, status: 'pending', limit: 20 })).rows;
    for (const d of withdrawn) await t.call('decisions.cancel', { decisionId: d.id });
    const again = await t.call('decisions.decideMany', { alertIds: withdrawn.slice(0, 10).map((d) => d.alertId!), resolution: 'source-is-right' });
    expect(again).toMatchObject({ recorded: 10, errors: 0 });
    const expected = dups.length + names.length + emails.length - 10;
    expect((await t.call('outbox.status', {})).pendingDecisions).toBe(expected);
    expect(writesOf(t)).toEqual([]);

    await t.call('outbox.setOffline', { offline: false });
    const push = await t.call('outbox.pushNow', {});
    expect(push).toMatchObject({ applied: expected, conflicts: 0, failed: 0, waiting: 0 });

    // Exactly once: one request per operation, none of them a replay.
    const ops = await t.call('outbox.list', { siteId: t.siteId, limit: 5000 });
    const applied = ops.filter((o) => o.status === 'applied');
    const writes = writesOf(t);
    expect(writes).toHaveLength(applied.length);
    expect(writes.filter((w) => w.replayed)).toEqual([]);
    expect(new Set(writes.map((w) => w.idempotencyKey)).size).toBe(writes.length);
    // Per email-mismatch decision: the new account was created before the old one went.
    const order = new Map(writes.map((w, i) => [w.idempotencyKey, i]));
    for (const d of new Set(applied.filter((o) => o.kind === 'create').map((o) => o.decisionId))) {
      const [create, retire] = applied.filter((o) => o.decisionId === d).sort((a, b) => a.index - b.index);
      if (!retire) continue;
      expect(order.get(create.idempotencyKey)!).toBeLessThan(order.get(retire.idempotencyKey)!);
    }
    // Nothing is left to send: a second push writes nothing.
    expect((await t.call('outbox.pushNow', {})).items).toEqual([]);
    expect(writesOf(t)).toHaveLength(applied.length);
  }, 120_000);
});

/** The person row behind a one-to-one alert. */
const personRow = (t: TestCore, personId: string) =>
  t.core.db.sqlite.prepare('SELECT access_enabled, removed_at_source FROM person WHERE id = ?').get(personId) as
    | { access_enabled: number; removed_at_source: number }
    | undefined;

describe('the source took the person away while the decision waited', () => {
  it('a resident who moved out gets no new account: the decision is a conflict that says why', async () => {
    const t = await start();
    const [alert] = await t.alerts('email_mismatch');
    const d = pair(alert);
    await t.call('outbox.setOffline', { offline: true });
    await t.call('decisions.decide', { alertId: alert.id, resolution: 'source-is-right' });

    const demo = t.core.upstreams.demo!;
    const record = demo.source.people.get(d.source.externalId!)!;
    demo.source.people.upsert({ ...record, status: 'Past', move_out: '2025-05-01' } as DemoSourcePerson);
    await t.call('sync.runNow', { siteId: t.siteId });
    expect(personRow(t, d.source.personId!)).toMatchObject({ access_enabled: 0 });

    await t.call('outbox.setOffline', { offline: false });
    const summary = await t.call('outbox.pushNow', {});
    expect(summary).toMatchObject({ applied: 0, conflicts: 1, reopenedAlertIds: [alert.id] });
    expect(summary.items[0].error).toMatch(/access.*(off|no longer)/i);
    expect(usersWithEmail(t, d.source.email!)).toHaveLength(0);
    expect(writesOf(t)).toEqual([]);
    const reopened = (await t.alerts('email_mismatch', 'all')).find((a) => a.id === alert.id)!;
    expect(reopened.detail.review).toMatchObject({ kind: 'conflict', message: expect.stringMatching(/access/i) });
  });

  it('a person removed from the source is not linked to an account by a merge', async () => {
    const t = await start();
    const [alert] = await t.alerts('duplicate_accounts');
    await t.call('outbox.setOffline', { offline: true });
    await t.call('decisions.decide', { alertId: alert.id, resolution: 'merge' });

    t.core.upstreams.demo!.source.people.remove(pair(alert).source.externalId!);
    await t.call('sync.runNow', { siteId: t.siteId });
    expect(personRow(t, pair(alert).source.personId!)).toMatchObject({ access_enabled: 0 });

    await t.call('outbox.setOffline', { offline: false });
    const summary = await t.call('outbox.pushNow', {});
    expect(summary).toMatchObject({ applied: 0, conflicts: 1, reopenedAlertIds: [alert.id] });
    expect(summary.items[0].error).toMatch(/access/i);
    expect(writesOf(t)).toEqual([]);
  });

  it('after a bulk delete of the synced people, their waiting decisions write nothing and the push still runs', async () => {
    const t = await start();
    const merges = (await t.alerts('duplicate_accounts')).slice(0, 3);
    const emails = (await t.alerts('email_mismatch')).slice(0, 2);
    await t.call('outbox.setOffline', { offline: true });
    await t.call('decisions.decideMany', { alertIds: merges.map((a) => a.id), resolution: 'merge' });
    await t.call('decisions.decideMany', { alertIds: emails.map((a) => a.id), resolution: 'source-is-right' });

    const [source] = await t.call('connections.list', { siteId: t.siteId }).then((c) => c.sources);
    const preview = await t.call('people.bulkDeletePreview', { siteId: t.siteId, sourceConnectionId: source.id });
    await t.call('people.bulkDelete', { siteId: t.siteId, sourceConnectionId: source.id, token: preview.token, turnOffSync: true, confirm: true });
    expect(personRow(t, pair(merges[0]).source.personId!)).toBeUndefined();

    await t.call('outbox.setOffline', { offline: false });
    const summary = await t.call('outbox.pushNow', {});
    expect(summary).toMatchObject({ applied: 0, conflicts: 5, failed: 0, waiting: 0 });
    for (const item of summary.items) expect(item.error).toMatch(/no longer in Rollcall/i);
    expect(writesOf(t)).toEqual([]);
  });
});

describe('an access system that asks us to slow down', () => {
  it.each([
    ['429 with Retry-After', { status: 429, retryAfterSeconds: 1 }],
    ['503', { status: 503 }],
  ])('%s: the push stops sending to it instead of trying every waiting write', async (_label, fault) => {
    const t = await start();
    await scaleDemo(t, 10);
    const names = await t.alerts('name_mismatch');
    expect(names.length).toBeGreaterThanOrEqual(12);
    await t.call('decisions.decideMany', { alertIds: names.map((a) => a.id), resolution: 'source-is-right' });
    const access = t.core.upstreams.demo!.access;
    access.misbehave({ ...fault, method: 'PATCH', times: Infinity });

    const started = Date.now();
    const summary = await t.call('outbox.pushNow', {});
    // One write met the trouble (with the adapter's own few quick retries); the rest were not sent.
    const patches = access.requestLog.filter((r) => r.method === 'PATCH');
    expect(patches.length).toBeLessThanOrEqual(3);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(summary).toMatchObject({ applied: 0, failed: 0, conflicts: 0, waiting: names.length });
    expect(summary.items.map((i) => i.result)).toEqual(['retry']);
    // Only the write that met the trouble counts a try; the others wait untouched.
    const pending = await t.call('outbox.list', { status: 'pending', limit: 500 });
    expect(pending.filter((o) => o.attempts > 0)).toHaveLength(1);

    // Once it answers again, each write goes out exactly once.
    access.clearMisbehaviour();
    t.core.db.sqlite.prepare('UPDATE outbox_op SET next_attempt_at = NULL').run();
    const later = await t.call('outbox.pushNow', {});
    expect(later).toMatchObject({ applied: names.length, waiting: 0 });
    const ok = access.requestLog.filter((r) => r.method === 'PATCH' && r.status === 200);
    expect(ok).toHaveLength(names.length);
  }, 60_000);
});

describe('a second core opened on the same data folder while the first one pushes (the CLI next to the window)', () => {
  it('leaves the write in flight to the first one: not queued again, not reported as interrupted', async () => {
    const a = await start();
    const emails = (await a.alerts('email_mismatch')).slice(0, 3);
    await a.call('decisions.decideMany', { alertIds: emails.map((x) => x.id), resolution: 'source-is-right' });
    a.core.upstreams.demo!.access.misbehave({ delayMs: 400, method: 'POST', times: Infinity });
    const pushing = a.call('outbox.pushNow', {});
    const sending = () => a.core.db.sqlite.prepare(`SELECT id FROM outbox_op WHERE status = 'sending'`).pluck().all() as string[];
    const deadline = Date.now() + 10_000;
    while (sending().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const [inFlight] = sending();
    expect(inFlight).toBeDefined();

    const b = await start({ dataDir: a.dataDir });
    expect(b.core.db.sqlite.prepare('SELECT status, interrupted FROM outbox_op WHERE id = ?').get(inFlight)).toEqual({ status: 'sending', interrupted: 0 });

    const summary = await pushing;
    expect(summary).toMatchObject({ applied: 3, conflicts: 0, failed: 0, waiting: 0 });
    const audit = await b.call('audit.list', { siteId: b.siteId, limit: 500 });
    expect(audit.rows.filter((r) => r.action === 'recover')).toEqual([]);
    // Each write went out once, none as a resend.
    const writes = writesOf(a);
    expect(writes.filter((w) => w.replayed)).toEqual([]);
    expect(new Set(writes.map((w) => w.idempotencyKey)).size).toBe(writes.length);
  }, 30_000);

  it('still picks up a write whose core stopped in the middle, from this process or a dead one', async () => {
    const a = await start();
    const [email] = await a.alerts('email_mismatch');
    await a.call('decisions.decide', { alertId: email.id, resolution: 'source-is-right' });
    const [op] = await a.call('outbox.list', { status: 'pending' });
    // As a process that died mid-send leaves it: claimed by a pid that no longer runs.
    a.core.db.sqlite.prepare(`UPDATE outbox_op SET status = 'sending', sent_at = ? WHERE id = ?`).run(new Date().toISOString(), op.id);
    a.core.db.sqlite
      .prepare(`INSERT INTO outbox_state (key, value) VALUES (?, ?)`)
      .run(`sending:${op.id}`, JSON.stringify({ pid: 2 ** 22 + 12345, owner: 'gone' }));
    const dataDir = a.dataDir;
    await a.close();
    const b = await start({ dataDir });
    expect(b.core.db.sqlite.prepare('SELECT status, interrupted FROM outbox_op WHERE id = ?').get(op.id)).toEqual({ status: 'pending', interrupted: 1 });
    expect(await b.call('outbox.pushNow', {})).toMatchObject({ applied: 1 });
  });
});
