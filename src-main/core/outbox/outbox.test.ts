import { describe, expect, it } from 'vitest';
import { coresPerTest, pair, usersWithEmail } from '../decisions/test-core';
import type { TestCore } from '../decisions/test-core';
import { createDemoAccessPanel } from '../demo/demo-access-panel';
import type { EventMap } from '../../contract/events';

const start = coresPerTest();

/** Points the demo's access adapter at a port nobody listens on, as if the network were down. */
function cutNetwork(t: TestCore): () => void {
  const demo = t.core.upstreams.demo!;
  const real = demo.accessPanel;
  demo.accessPanel = () => createDemoAccessPanel({ url: 'http://127.0.0.1:9', token: 'x', retry: { attempts: 1, timeoutMs: 1000 } });
  return () => {
    demo.accessPanel = real;
  };
}

describe('idempotency', () => {
  it('sending the same operation twice creates one account', async () => {
    const t = await start();
    const [alert] = await t.alerts('email_mismatch');
    const d = pair(alert);
    await t.call('decisions.decide', { alertId: alert.id, resolution: 'source-is-right' });
    await t.call('outbox.pushNow', {});
    const [create] = await t.call('outbox.list', { status: 'applied' });
    expect(create.kind).toBe('create');

    // As if the reply had been lost: the same operation goes out again with its key.
    t.core.db.sqlite.prepare(`UPDATE outbox_op SET status = 'pending', interrupted = 1 WHERE id = ?`).run(create.id);
    t.core.db.sqlite.prepare(`UPDATE decision SET status = 'pending' WHERE id = ?`).run(create.decisionId);
    const again = await t.call('outbox.pushNow', {});
    expect(again.items.map((i) => i.result)).toEqual(['applied']);
    expect(usersWithEmail(t, d.source.email!)).toHaveLength(1);
    const creates = t.core.upstreams.demo!.access.requestLog.filter((r) => r.method === 'POST' && r.path === '/v1/users');
    expect(creates.map((r) => [r.idempotencyKey, r.replayed])).toEqual([
      [create.idempotencyKey, false],
      [create.idempotencyKey, true],
    ]);
    expect(create.idempotencyKey).toBe(`rollcall-${create.decisionId}-0`);
  });
});

describe('backoff', () => {
  it('honours Retry-After on 429, and retries 5xx later with a growing wait', async () => {
    let clock = Date.now();
    const t = await start({ now: () => new Date(clock) });
    const [a, b] = await t.alerts('name_mismatch');
    const access = t.core.upstreams.demo!.access;

    await t.call('decisions.decide', { alertId: a.id, resolution: 'source-is-right' });
    access.misbehave({ status: 429, retryAfterSeconds: 1, method: 'PATCH' });
    const started = Date.now();
    expect(await t.call('outbox.pushNow', {})).toMatchObject({ applied: 1 });
    const patches = access.requestLog.filter((r) => r.method === 'PATCH');
    expect(patches.map((p) => p.status)).toEqual([429, 200]);
    expect(Date.parse(patches[1].at) - Date.parse(patches[0].at)).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);

    await t.call('decisions.decide', { alertId: b.id, resolution: 'source-is-right' });
    access.misbehave({ status: 503, method: 'PATCH', times: Infinity });
    const first = await t.call('outbox.pushNow', {});
    expect(first).toMatchObject({ applied: 0, failed: 0, waiting: 1 });
    expect(first.items[0]).toMatchObject({ result: 'retry', error: expect.stringMatching(/503/) });
    const next = Date.parse(first.items[0].nextAttemptAt!);
    expect(next).toBeGreaterThan(clock);
    const [op] = await t.call('outbox.list', { status: 'pending' });
    expect(op).toMatchObject({ attempts: 1, lastError: expect.stringMatching(/503/) });

    // Before the wait is over, "Push now" leaves it alone.
    const sent = access.requestLog.length;
    expect(await t.call('outbox.pushNow', {})).toMatchObject({ items: [], waiting: 1 });
    expect(access.requestLog.length).toBe(sent);

    // Still failing after the wait: the next wait is longer.
    clock = next + 1;
    const second = await t.call('outbox.pushNow', {});
    expect(Date.parse(second.items[0].nextAttemptAt!) - clock).toBeGreaterThan(next - started);
    expect((await t.call('outbox.status', {})).nextAttemptAt).toBe(second.items[0].nextAttemptAt);

    access.clearMisbehaviour();
    clock = Date.parse(second.items[0].nextAttemptAt!) + 1;
    expect(await t.call('outbox.pushNow', {})).toMatchObject({ applied: 1, waiting: 0 });
    expect(access.users.get(pair(b).account!.remoteId)!.last_name).toBe(pair(b).source.lastName);
  });

  it('marks a write failed with the upstream error when the upstream refuses it', async () => {
    const t = await start();
    const [alert] = await t.alerts('email_mismatch');
    const d = pair(alert);
    await t.call('decisions.decide', { alertId: alert.id, resolution: 'source-is-right' });
    // Someone else took the address in the access system's own console meanwhile.
    t.core.upstreams.demo!.access.users.insert({ first_name: 'Other', last_name: 'Person', email: d.source.email, phone: null, suspended: false, external_ref: null });
    const summary = await t.call('outbox.pushNow', {});
    expect(summary).toMatchObject({ applied: 0, failed: 1 });
    expect(summary.items.map((i) => i.result)).toEqual(['failed']);
    expect(summary.items[0].error).toMatch(/already has another account with that email/);
    // The old account was not deleted: the decision stopped at the failed create.
    expect(t.core.upstreams.demo!.access.users.get(d.account!.remoteId)).not.toBeNull();
    const ops = await t.call('outbox.list', { decisionId: summary.items[0].decisionId });
    expect(ops.map((o) => o.status)).toEqual(['failed', 'cancelled']);
    const reopened = (await t.alerts('email_mismatch')).find((x) => x.id === alert.id)!;
    expect(reopened.detail.review).toMatchObject({ kind: 'failed', message: expect.stringMatching(/email/) });
    expect((await t.call('outbox.status', {})).failed).toBe(1);
  });
});

describe('conflicts', () => {
  it('does not write over an account that changed after the decision, and reopens the alert showing what changed', async () => {
    const t = await start();
    const events: EventMap['alerts.changed'][] = [];
    t.core.events.subscribe((name, payload) => {
      if (name === 'alerts.changed') events.push(payload as EventMap['alerts.changed']);
    });
    const [alert] = await t.alerts('name_mismatch');
    const d = pair(alert);
    await t.call('decisions.decide', { alertId: alert.id, resolution: 'source-is-right' });
    const openAfterDecision = (await t.alerts()).length;

    const access = t.core.upstreams.demo!.access;
    access.users.update(d.account!.remoteId, { first_name: 'Changed' });
    const summary = await t.call('outbox.pushNow', {});
    expect(summary).toMatchObject({ applied: 0, conflicts: 1, failed: 0, reopenedAlertIds: [alert.id] });
    expect(access.requestLog.filter((r) => r.method === 'PATCH')).toEqual([]);
    expect(access.users.get(d.account!.remoteId)!.first_name).toBe('Changed');

    const reopened = (await t.alerts('name_mismatch')).find((a) => a.id === alert.id)!;
    expect(reopened.status).toBe('open');
    expect(reopened.detail.review).toMatchObject({
      kind: 'conflict',
      changed: ['firstName'],
      before: { firstName: d.account!.firstName },
      after: { firstName: 'Changed' },
    });
    expect(pair(reopened).account!.firstName).toBe('Changed');
    // The side-by-side highlights what differs now.
    expect(reopened.detail.differing).toContain('firstName');
    expect(events.at(-1)).toEqual({ siteId: t.siteId, open: openAfterDecision + 1 });
    expect(await t.call('outbox.status', {})).toMatchObject({ conflicts: 1, pending: 0 });

    // A pass keeps the note, so the manager still sees what changed.
    await t.call('sync.runNow', { siteId: t.siteId });
    expect((await t.alerts('name_mismatch')).find((a) => a.id === alert.id)!.detail.review).toMatchObject({ kind: 'conflict' });

    // Deciding again is based on the new version, and goes through.
    await t.call('decisions.decide', { alertId: alert.id, resolution: 'source-is-right' });
    expect(await t.call('outbox.pushNow', {})).toMatchObject({ applied: 1 });
    expect(access.users.get(d.account!.remoteId)!.first_name).toBe(d.source.firstName);
    expect(await t.call('outbox.status', {})).toMatchObject({ conflicts: 0 });
  });

  it('two decisions on one account: our own first write is not mistaken for someone else\'s change', async () => {
    const t = await start();
    const email = (await t.alerts('email_mismatch'))[0];
    const d = pair(email);
    // Rename the account by hand in the fake first so there is also a name alert on it.
    t.core.upstreams.demo!.access.users.update(d.account!.remoteId, { first_name: 'Bea' });
    await t.call('sync.runNow', { siteId: t.siteId });
    const name = (await t.alerts('name_mismatch')).find((a) => pair(a).account?.remoteId === d.account!.remoteId)!;
    const emailNow = (await t.alerts('email_mismatch')).find((a) => a.id === email.id)!;
    await t.call('decisions.decide', { alertId: name.id, resolution: 'source-is-right' });
    await t.call('decisions.decide', { alertId: emailNow.id, resolution: 'source-is-right', options: { oldAccount: 'suspend' } });
    const summary = await t.call('outbox.pushNow', {});
    expect(summary).toMatchObject({ applied: 2, conflicts: 0 });
    expect(t.core.upstreams.demo!.access.users.get(d.account!.remoteId)).toMatchObject({ first_name: d.source.firstName, suspended: true });
  });
});

describe('offline', () => {
  it('work offline by hand: 20 decisions of every kind record, pushing is refused, then one push: 19 applied, 1 reopened', async () => {
    const t = await start();
    const modes: string[] = [];
    t.core.events.subscribe((name, payload) => {
      if (name === 'outbox.changed') modes.push((payload as EventMap['outbox.changed']).mode);
    });
    expect((await t.call('outbox.setOffline', { offline: true })).mode).toBe('offline-manual');
    const openBefore = (await t.alerts()).length;

    const dup = await t.alerts('duplicate_accounts');
    const names = await t.alerts('name_mismatch');
    const emails = await t.alerts('email_mismatch');
    const sharedEmails = await t.alerts('duplicate_emails');
    // Some in bulk, some one by one.
    const bulk = await t.call('decisions.decideMany', { alertIds: dup.slice(0, 10).map((a) => a.id), resolution: 'merge' });
    expect(bulk.recorded).toBe(10);
    await t.call('decisions.decide', { alertId: dup[10].id, resolution: 'remove-duplicate' });
    await t.call('decisions.decideMany', { alertIds: names.slice(0, 4).map((a) => a.id), resolution: 'source-is-right' });
    for (const a of emails.slice(0, 5)) await t.call('decisions.decide', { alertId: a.id, resolution: 'source-is-right', options: { oldAccount: 'suspend' } });
    await t.call('decisions.decide', { alertId: sharedEmails[0].id, resolution: 'fix-at-source' });
    const decided = 10 + 1 + 4 + 5;
    expect(await t.call('decisions.pendingCount', { siteId: t.siteId })).toMatchObject({ pending: decided, tasks: 1 });
    // The fix-at-source task keeps its alert open; the rest leave the list at once.
    expect((await t.alerts()).length).toBe(openBefore - decided);

    await expect(t.call('outbox.pushNow', {})).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/offline.*20 decision/s) });
    expect(t.core.upstreams.demo!.access.requestLog.filter((r) => r.method !== 'GET')).toEqual([]);

    // Meanwhile someone edits one of the involved accounts at the access system.
    const changed = pair(names[0]).account!.remoteId;
    t.core.upstreams.demo!.access.users.update(changed, { last_name: 'Edited-Elsewhere' });

    expect((await t.call('outbox.setOffline', { offline: false })).mode).toBe('online');
    const summary = await t.call('outbox.pushNow', {});
    expect(summary).toMatchObject({ applied: 19, conflicts: 1, failed: 0, waiting: 0, reopenedAlertIds: [names[0].id] });
    expect(summary.items.filter((i) => i.result === 'conflict').map((i) => i.alertId)).toEqual([names[0].id]);
    expect((await t.alerts()).length).toBe(openBefore - decided + 1);
    expect(await t.call('outbox.status', {})).toMatchObject({ mode: 'online', pending: 0, pendingDecisions: 0, conflicts: 1, lastPushAt: expect.any(String) });
    expect(modes).toContain('offline-manual');
    expect(modes.at(-1)).toBe('online');

    // Every email now belongs to exactly one account.
    const users = t.core.upstreams.demo!.access.users.list();
    const seen = new Set<string>();
    for (const u of users) {
      if (!u.email) continue;
      expect(seen.has(u.email.toLowerCase())).toBe(false);
      seen.add(u.email.toLowerCase());
    }
  });

  it('detects an unreachable access system by itself, keeps everything, and comes back online on the next push', async () => {
    const t = await start();
    const names = await t.alerts('name_mismatch');
    const restore = cutNetwork(t);
    await t.call('decisions.decideMany', { alertIds: names.map((a) => a.id), resolution: 'source-is-right' });
    await expect(t.call('outbox.pushNow', {})).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/Could not reach/) });
    expect(await t.call('outbox.status', {})).toMatchObject({ mode: 'offline-auto', pendingDecisions: names.length, reason: expect.stringMatching(/Could not reach/) });
    // Still unreachable: a second push probes and refuses again.
    await expect(t.call('outbox.pushNow', {})).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/Still offline/) });
    const ops = await t.call('outbox.list', { status: 'pending' });
    expect(ops).toHaveLength(names.length);

    restore();
    const summary = await t.call('outbox.pushNow', {});
    expect(summary).toMatchObject({ applied: names.length, conflicts: 0, failed: 0, mode: 'online' });
  });
});

describe('crash safety', () => {
  it('an operation left "sending" by a crash is sent again with the same key after a restart, and applied once', async () => {
    const t = await start();
    const emails = await t.alerts('email_mismatch');
    for (const a of emails.slice(0, 3)) await t.call('decisions.decide', { alertId: a.id, resolution: 'source-is-right' });
    const [first] = await t.call('outbox.list', { status: 'pending' });
    expect(first.kind).toBe('create');

    // The crash: the op was marked 'sending' (committed), its request reached the access system
    // and was applied, and the process died before the answer was written down.
    t.core.db.sqlite.prepare(`UPDATE outbox_op SET status = 'sending', sent_at = ? WHERE id = ?`).run(new Date().toISOString(), first.id);
    const panel = t.core.upstreams.demo!.accessPanel();
    await panel.create(first.payload as never, { idempotencyKey: first.idempotencyKey });
    const dataDir = t.dataDir;
    await t.close();

    const again = await start({ dataDir });
    const audit = await again.call('audit.list', { siteId: again.siteId, limit: 5 });
    expect(audit.rows[0]).toMatchObject({ kind: 'outbox', action: 'recover', result: 'interrupted', opId: first.id });
    expect(await again.call('decisions.pendingCount', { siteId: again.siteId })).toMatchObject({ pending: 3 });
    const summary = await again.call('outbox.pushNow', {});
    expect(summary).toMatchObject({ applied: 3, conflicts: 0, failed: 0 });
    for (const a of emails.slice(0, 3)) {
      expect(usersWithEmail(again, pair(a).source.email!)).toHaveLength(1);
      expect(again.core.upstreams.demo!.access.users.get(pair(a).account!.remoteId)).toBeNull();
    }
    const replay = again.core.upstreams.demo!.access.requestLog.find((r) => r.idempotencyKey === first.idempotencyKey)!;
    expect(replay.replayed).toBe(true);
  });
});
