import { describe, expect, it } from 'vitest';
import { coresPerTest, pair } from '../decisions/test-core';
import type { TestCore } from '../decisions/test-core';
import { writesOf } from '../decisions/scale-fixtures';

/*
 * Review follow-ups on the pusher: a claim left by a process whose id now belongs to another
 * process, and a person whose access went off while a decision was half pushed or while the push
 * was reading the access system.
 */

const start = coresPerTest();

const opRow = (t: TestCore, id: string) =>
  t.core.db.sqlite.prepare('SELECT status, interrupted FROM outbox_op WHERE id = ?').get(id) as { status: string; interrupted: number };

/** As a process that died mid-send leaves it, claimed by `pid` at `sentAt`. */
function claimAs(t: TestCore, opId: string, pid: number, sentAt: Date) {
  t.core.db.sqlite.prepare(`UPDATE outbox_op SET status = 'sending', sent_at = ? WHERE id = ?`).run(sentAt.toISOString(), opId);
  t.core.db.sqlite.prepare(`INSERT INTO outbox_state (key, value) VALUES (?, ?)`).run(`sending:${opId}`, JSON.stringify({ pid, owner: 'elsewhere' }));
}

describe('a write claimed by a process id that is running again (reused after a crash or a reboot)', () => {
  it('is queued again once the claim is far older than any send takes', async () => {
    const a = await start();
    const [email] = await a.alerts('email_mismatch');
    await a.call('decisions.decide', { alertId: email.id, resolution: 'source-is-right' });
    const [op] = await a.call('outbox.list', { status: 'pending' });
    // The parent of this test process is alive, and not a pusher: a reused id looks just like it.
    claimAs(a, op.id, process.ppid, new Date(Date.now() - 2 * 60 * 60_000));
    const dataDir = a.dataDir;
    await a.close();

    const b = await start({ dataDir });
    expect(opRow(b, op.id)).toEqual({ status: 'pending', interrupted: 1 });
    expect(await b.call('outbox.pushNow', {})).toMatchObject({ applied: 1 });
  });

  it('is still left alone while the claim is recent (a second core pushing right now)', async () => {
    const a = await start();
    const [email] = await a.alerts('email_mismatch');
    await a.call('decisions.decide', { alertId: email.id, resolution: 'source-is-right' });
    const [op] = await a.call('outbox.list', { status: 'pending' });
    claimAs(a, op.id, process.ppid, new Date());
    const dataDir = a.dataDir;
    await a.close();

    const b = await start({ dataDir });
    expect(opRow(b, op.id)).toEqual({ status: 'sending', interrupted: 0 });
  });
});

describe('access turned off while a decision waits half pushed', () => {
  it('remove-duplicate: the old account went, then access was turned off; the new account is not created', async () => {
    const t = await start();
    const [alert] = await t.alerts('duplicate_accounts');
    await t.call('decisions.decide', { alertId: alert.id, resolution: 'remove-duplicate' });
    const access = t.core.upstreams.demo!.access;
    // The delete goes through; the create meets an outage and waits for the next push.
    access.misbehave({ status: 503, method: 'POST', times: Infinity });
    const first = await t.call('outbox.pushNow', {});
    expect(first.items.map((i) => i.result)).toEqual(['applied', 'retry']);

    await t.call('people.updateAdmin', { id: pair(alert).source.personId!, patch: { accessEnabled: false } });
    access.clearMisbehaviour();
    t.core.db.sqlite.prepare('UPDATE outbox_op SET next_attempt_at = NULL').run();
    const writesBefore = writesOf(t).filter((w) => w.method === 'POST' && w.status < 300).length;

    const second = await t.call('outbox.pushNow', {});
    expect(second).toMatchObject({ applied: 0, conflicts: 1 });
    expect(second.items[0].error).toMatch(/access was turned off/i);
    expect(writesOf(t).filter((w) => w.method === 'POST' && w.status < 300)).toHaveLength(writesBefore);
  }, 30_000);
});

describe('access turned off while the push reads the access system', () => {
  it('a merge does not link the account: the person is checked again right before the write', async () => {
    const t = await start();
    const [alert] = await t.alerts('duplicate_accounts');
    await t.call('decisions.decide', { alertId: alert.id, resolution: 'merge' });
    const access = t.core.upstreams.demo!.access;
    // The read of the account (before the write) is slow; access goes off while it waits.
    access.misbehave({ delayMs: 800, method: 'GET', times: 1 });
    const pushing = t.call('outbox.pushNow', {});
    await new Promise((r) => setTimeout(r, 250));
    await t.call('people.updateAdmin', { id: pair(alert).source.personId!, patch: { accessEnabled: false } });

    const summary = await pushing;
    expect(summary).toMatchObject({ applied: 0, conflicts: 1 });
    expect(summary.items[0].error).toMatch(/access was turned off/i);
    expect(writesOf(t)).toEqual([]);
  }, 30_000);
});
