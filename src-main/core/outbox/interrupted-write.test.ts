import { describe, expect, it } from 'vitest';
import { coresPerTest, pair } from '../decisions/test-core';
import type { TestCore } from '../decisions/test-core';

/*
 * Not every upstream keeps Idempotency-Keys (SCIM servers, some vendors). When a write landed but
 * its answer was lost (a crash, a dropped connection), sending it again then meets the version
 * our own write created (412), or an account our own delete removed (404). That is our write
 * having been applied once, not somebody else's change.
 */

const start = coresPerTest();

/** Leaves an operation as a crash would: sent once (under some other key), answer never recorded. */
function interrupt(t: TestCore, opId: string): void {
  t.core.db.sqlite.prepare(`UPDATE outbox_op SET status = 'pending', interrupted = 1 WHERE id = ?`).run(opId);
}

describe('an interrupted write, with an upstream that keeps no idempotency keys', () => {
  it('an update that already landed is applied, not a conflict', async () => {
    const t = await start();
    const [alert] = await t.alerts('name_mismatch');
    const d = pair(alert);
    const res = await t.call('decisions.decide', { alertId: alert.id, resolution: 'source-is-right' });
    const [op] = await t.call('outbox.list', { decisionId: res.decisionId! });
    // The first send landed (the upstream did not store its key), then the app died.
    const panel = t.core.upstreams.demo!.accessPanel();
    await panel.update(d.account!.remoteId, op.payload as never, { idempotencyKey: 'lost-answer', ifVersion: op.baseVersion });
    interrupt(t, op.id);
    t.core.db.sqlite.prepare(`UPDATE outbox_op SET status = 'sending' WHERE id = ?`).run(op.id);
    const dataDir = t.dataDir;
    await t.close();

    const again = await start({ dataDir });
    const summary = await again.call('outbox.pushNow', {});
    expect(summary).toMatchObject({ applied: 1, conflicts: 0, failed: 0, reopenedAlertIds: [] });
    expect((await again.alerts('name_mismatch')).map((a) => a.id)).not.toContain(alert.id);
    expect(again.core.upstreams.demo!.access.users.get(d.account!.remoteId)).toMatchObject({ first_name: d.source.firstName, last_name: d.source.lastName });
  });

  it('a delete that already landed is applied, not a conflict', async () => {
    const t = await start();
    const [alert] = await t.alerts('email_mismatch');
    const d = pair(alert);
    const res = await t.call('decisions.decide', { alertId: alert.id, resolution: 'source-is-right' });
    const access = t.core.upstreams.demo!.access;
    // The delete is carried out but every answer to it is lost.
    access.misbehave({ status: 503, afterApply: true, method: 'DELETE', times: Infinity });
    const first = await t.call('outbox.pushNow', {});
    expect(first.items.map((i) => i.result)).toEqual(['applied', 'retry']);
    expect(access.users.get(d.account!.remoteId)).toBeNull();
    access.clearMisbehaviour();
    // An upstream that kept no key: the next send is new to it.
    t.core.db.sqlite
      .prepare(`UPDATE outbox_op SET idempotency_key = 'unknown-to-upstream', next_attempt_at = NULL WHERE decision_id = ? AND kind = 'delete'`)
      .run(res.decisionId);
    const summary = await t.call('outbox.pushNow', {});
    expect(summary).toMatchObject({ applied: 1, conflicts: 0, failed: 0, reopenedAlertIds: [] });
    expect((await t.call('decisions.get', { decisionId: res.decisionId! })).status).toBe('applied');
  });

  it('an interrupted update is still a conflict when someone else changed the account', async () => {
    const t = await start();
    const [alert] = await t.alerts('name_mismatch');
    const d = pair(alert);
    const res = await t.call('decisions.decide', { alertId: alert.id, resolution: 'source-is-right' });
    const [op] = await t.call('outbox.list', { decisionId: res.decisionId! });
    t.core.upstreams.demo!.access.users.update(d.account!.remoteId, { first_name: 'Somebody' });
    interrupt(t, op.id);
    const summary = await t.call('outbox.pushNow', {});
    expect(summary).toMatchObject({ applied: 0, conflicts: 1, reopenedAlertIds: [alert.id] });
    expect(t.core.upstreams.demo!.access.users.get(d.account!.remoteId)!.first_name).toBe('Somebody');
  });
});

describe('two pushers on one database (the window and the CLI at the same time)', () => {
  it('each operation is sent by one of them only', async () => {
    const { OutboxPusher } = await import('./pusher');
    const t = await start();
    const names = await t.alerts('name_mismatch');
    await t.call('decisions.decideMany', { alertIds: names.map((a) => a.id), resolution: 'source-is-right' });
    // Slow reads: both pushers are between their re-read and their write at the same time.
    t.core.upstreams.demo!.access.misbehave({ delayMs: 40, method: 'GET', times: Infinity });
    const deps = { db: t.core.db, events: t.core.events, upstreams: t.core.upstreams, now: () => new Date() };
    const [a, b] = await Promise.all([
      new OutboxPusher(deps).pushNow({ actor: 'window' }),
      new OutboxPusher(deps).pushNow({ actor: 'cli' }),
    ]);
    expect(a.applied + b.applied).toBe(names.length);
    expect(a.conflicts + b.conflicts + a.failed + b.failed).toBe(0);
    expect((await t.call('outbox.list', {})).map((o) => o.status)).toEqual(names.map(() => 'applied'));
    const patches = t.core.upstreams.demo!.access.requestLog.filter((r) => r.method === 'PATCH');
    expect(patches).toHaveLength(names.length);
    const writes = await t.call('audit.list', { siteId: t.siteId, limit: 500 });
    expect(writes.rows.filter((r) => r.kind === 'write' && r.result === 'applied')).toHaveLength(names.length);
  });
});
