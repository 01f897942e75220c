import { describe, expect, it } from 'vitest';
import { coresPerTest, pair, usersWithEmail } from './test-core';
import type { DuplicateEmailDetail } from '../alerts/alert-detail';
import type { DemoSourcePerson } from '../demo/demo-people';

const start = coresPerTest();

describe('name mismatch', () => {
  it('"source is right" records at once, pushes the source name upstream, links the account, and stays resolved', async () => {
    const t = await start();
    const [alert] = await t.alerts('name_mismatch');
    const d = pair(alert);
    const before = t.core.upstreams.demo!.access.requestLog.length;

    const res = await t.call('decisions.decide', { alertId: alert.id, resolution: 'source-is-right' });
    expect(res).toMatchObject({ ok: true, result: 'recorded', ops: 1 });
    // Recorded locally only: nothing reached the access system yet.
    expect(t.core.upstreams.demo!.access.requestLog.length).toBe(before);
    const count = await t.call('decisions.pendingCount', { siteId: t.siteId });
    expect(count.pending).toBe(1);
    expect(count.byPerson[d.source.personId!]).toBe(1);
    expect((await t.alerts('name_mismatch')).map((a) => a.id)).not.toContain(alert.id);

    const decision = (await t.call('decisions.list', { alertId: alert.id })).rows[0];
    expect(decision).toMatchObject({ actor: 'tester', status: 'pending', resolution: 'source-is-right' });
    expect(decision.basis.find((b) => b.system === 'access')).toMatchObject({ recordId: d.account!.remoteId, version: d.account!.version });

    const summary = await t.call('outbox.pushNow', {});
    expect(summary).toMatchObject({ applied: 1, conflicts: 0, failed: 0, waiting: 0 });
    expect(summary.items[0]).toMatchObject({ alertId: alert.id, result: 'applied', personName: `${d.source.firstName} ${d.source.lastName}` });
    const user = t.core.upstreams.demo!.access.users.get(d.account!.remoteId)!;
    expect(user).toMatchObject({ first_name: d.source.firstName, last_name: d.source.lastName, external_ref: d.source.externalId });
    expect(await t.call('decisions.pendingCount', { siteId: t.siteId })).toMatchObject({ pending: 0 });

    // The next pass agrees: the names match now, and the alert does not come back.
    await t.call('sync.runNow', { siteId: t.siteId });
    const all = await t.alerts('name_mismatch', 'all');
    expect(all.find((a) => a.id === alert.id)?.status).toBe('resolved');
    expect((await t.alerts('name_mismatch')).map((a) => a.fingerprint)).not.toContain(alert.fingerprint);

    const audit = await t.call('audit.list', { siteId: t.siteId, personId: d.source.personId! });
    expect(audit.rows.map((r) => `${r.kind}:${r.result}`)).toEqual(['write:applied', 'decision:recorded']);
  });

  it('"access system is right" is a fix-at-source task that stays open until a pass sees the source fixed', async () => {
    const t = await start();
    const [alert] = await t.alerts('name_mismatch');
    const d = pair(alert);
    const res = await t.call('decisions.decide', { alertId: alert.id, resolution: 'access-is-right' });
    expect(res).toMatchObject({ ok: true, result: 'task', ops: 0 });

    const [row] = (await t.alerts('name_mismatch')).filter((a) => a.id === alert.id);
    expect(row.status).toBe('open');
    expect(row.decision).toMatchObject({ status: 'awaiting_source', resolution: 'access-is-right' });
    expect(row.decision!.task!.instruction).toContain('Demo PMS');
    expect(row.decision!.task!.instruction).toContain(d.source.externalId!);
    expect(row.decision!.task!.writeBack).toBe('unsupported');
    expect(row.detail.task).toBeTruthy();
    expect(await t.call('decisions.pendingCount', { siteId: t.siteId })).toMatchObject({ pending: 0, tasks: 1 });
    expect((await t.call('outbox.status', {})).pending).toBe(0);

    // A pass that still sees the difference keeps the task on the alert.
    await t.call('sync.runNow', { siteId: t.siteId });
    expect((await t.alerts('name_mismatch')).find((a) => a.id === alert.id)?.detail.task).toBeTruthy();

    // Someone fixes the name in the property system; the next pass closes alert and task.
    const demo = t.core.upstreams.demo!;
    const person = demo.source.people.get(d.source.externalId!)!;
    demo.source.people.upsert({ ...person, first_name: d.account!.firstName, last_name: d.account!.lastName } as DemoSourcePerson);
    await t.call('sync.runNow', { siteId: t.siteId });
    expect((await t.alerts('name_mismatch', 'all')).find((a) => a.id === alert.id)?.status).toBe('resolved_at_source');
    expect((await t.call('decisions.list', { alertId: alert.id })).rows[0].status).toBe('done');
  });
});

describe('email mismatch', () => {
  it('"source is right" creates a separate account with the source email, then deletes the old one', async () => {
    const t = await start();
    const [alert] = await t.alerts('email_mismatch');
    const d = pair(alert);
    expect(await t.call('decisions.decide', { alertId: alert.id, resolution: 'source-is-right' })).toMatchObject({ ops: 2 });
    const summary = await t.call('outbox.pushNow', {});
    expect(summary).toMatchObject({ applied: 1, conflicts: 0, failed: 0 });
    expect(summary.items.map((i) => i.description)).toEqual([
      expect.stringMatching(/^Create a Demo Access account/),
      `Delete Demo Access account ${d.account!.remoteId}`,
    ]);
    const created = usersWithEmail(t, d.source.email!);
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ external_ref: d.source.externalId, first_name: d.source.firstName, suspended: false });
    expect(t.core.upstreams.demo!.access.users.get(d.account!.remoteId)).toBeNull();
  });

  it('can suspend the old account instead, and "access system is right" says what to change at the source', async () => {
    const t = await start();
    const [first, second] = await t.alerts('email_mismatch');
    await t.call('decisions.decide', { alertId: first.id, resolution: 'source-is-right', options: { oldAccount: 'suspend' } });
    await t.call('outbox.pushNow', {});
    expect(t.core.upstreams.demo!.access.users.get(pair(first).account!.remoteId)).toMatchObject({ suspended: true });
    expect(usersWithEmail(t, pair(first).source.email!)).toHaveLength(1);

    await t.call('decisions.decide', { alertId: second.id, resolution: 'access-is-right' });
    const decision = (await t.call('decisions.list', { alertId: second.id })).rows[0];
    expect(decision.task!.changes).toEqual([
      expect.objectContaining({ field: 'email', from: pair(second).source.email, to: pair(second).account!.email, externalId: pair(second).source.externalId }),
    ]);
  });
});

describe('duplicate accounts', () => {
  it('merge links the surviving account to the person, with the chosen value per field', async () => {
    const t = await start();
    const [alert] = await t.alerts('duplicate_accounts');
    const d = pair(alert);
    // Someone typed a different phone into the access system: keep that one, take the rest from the source.
    await t.call('decisions.decide', {
      alertId: alert.id,
      resolution: 'merge',
      options: { keep: d.account!.remoteId, winners: { phone: 'access', firstName: 'source' } },
    });
    expect((await t.call('outbox.pushNow', {})).applied).toBe(1);
    const user = t.core.upstreams.demo!.access.users.get(d.account!.remoteId)!;
    expect(user.external_ref).toBe(d.source.externalId);
    expect(user.phone).toBe(d.account!.phone);
    expect(usersWithEmail(t, d.source.email!)).toHaveLength(1);

    await t.call('sync.runNow', { siteId: t.siteId });
    expect((await t.alerts('duplicate_accounts')).map((a) => a.fingerprint)).not.toContain(alert.fingerprint);
    await expect(
      t.call('decisions.decide', { alertId: (await t.alerts('duplicate_accounts'))[0].id, resolution: 'merge', options: { keep: 'usr_nope' } }),
    ).rejects.toMatchObject({ code: 'conflict', message: expect.stringContaining('usr_nope') });
  });

  it('remove-duplicate deletes the unlinked account and creates one linked account in its place', async () => {
    const t = await start();
    const [alert] = await t.alerts('duplicate_accounts');
    const d = pair(alert);
    await t.call('decisions.decide', { alertId: alert.id, resolution: 'remove-duplicate' });
    expect(await t.call('outbox.pushNow', {})).toMatchObject({ applied: 1 });
    expect(t.core.upstreams.demo!.access.users.get(d.account!.remoteId)).toBeNull();
    const now = usersWithEmail(t, d.source.email!);
    expect(now).toHaveLength(1);
    expect(now[0].external_ref).toBe(d.source.externalId);
  });
});

describe('duplicate emails', () => {
  it('is a fix-at-source task listing every record that shares the address, with ids', async () => {
    const t = await start();
    const [alert] = await t.alerts('duplicate_emails');
    const d = alert.detail as unknown as DuplicateEmailDetail;
    expect(await t.call('decisions.decide', { alertId: alert.id, resolution: 'fix-at-source' })).toMatchObject({ result: 'task', ops: 0 });
    const task = (await t.call('decisions.list', { alertId: alert.id })).rows[0].task!;
    expect(task.records!.map((r) => r.externalId).sort()).toEqual(d.records.map((r) => r.externalId).sort());
    for (const r of d.records) expect(task.instruction).toContain(r.externalId);
    expect(task.instruction).toContain(d.email);
  });
});

describe('rules every decision follows', () => {
  it('refuses resolutions the alert type does not take, per alert in bulk, and a second decision while one waits', async () => {
    const t = await start();
    const dupEmail = (await t.alerts('duplicate_emails'))[0];
    const names = await t.alerts('name_mismatch');
    const result = await t.call('decisions.decideMany', { alertIds: [dupEmail.id, ...names.map((a) => a.id)], resolution: 'source-is-right' });
    expect(result.recorded).toBe(names.length);
    expect(result.errors).toBe(1);
    expect(result.results.find((r) => r.alertId === dupEmail.id)!.error).toMatch(/does not apply to duplicate emails/);
    await expect(t.call('decisions.decide', { alertId: names[0].id, resolution: 'dismiss' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(t.call('decisions.decide', { alertId: 'nope', resolution: 'dismiss' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('skip records nothing; dismiss with remember keeps the alert away; a waiting decision can be withdrawn', async () => {
    const t = await start();
    const [a, b] = await t.alerts('email_mismatch');
    expect(await t.call('decisions.decide', { alertId: a.id, resolution: 'skip' })).toMatchObject({ result: 'skipped', decisionId: null });
    expect((await t.call('decisions.list', { siteId: t.siteId })).total).toBe(0);

    await t.call('decisions.decide', { alertId: a.id, resolution: 'dismiss', options: { remember: true } });
    await t.call('sync.runNow', { siteId: t.siteId });
    expect((await t.alerts('email_mismatch', 'all')).find((x) => x.id === a.id)?.status).toBe('dismissed');

    const res = await t.call('decisions.decide', { alertId: b.id, resolution: 'source-is-right' });
    const withdrawn = await t.call('decisions.cancel', { decisionId: res.decisionId! });
    expect(withdrawn.status).toBe('cancelled');
    expect(withdrawn.ops.every((o) => o.status === 'cancelled')).toBe(true);
    expect((await t.alerts('email_mismatch')).map((x) => x.id)).toContain(b.id);
    expect(await t.call('outbox.status', {})).toMatchObject({ pending: 0, pendingDecisions: 0 });
    const audit = await t.call('audit.list', { siteId: t.siteId });
    expect(audit.rows.map((r) => r.action)).toEqual(['withdraw', 'source-is-right', 'dismiss']);
  });

  it('filters alerts for bulk review by type, age and text', async () => {
    let now = Date.now();
    const t = await start({ now: () => new Date(now) });
    const all = await t.alerts();
    expect((await t.call('alerts.query', { siteId: t.siteId, olderThanDays: 1 })).length).toBe(0);
    now += 3 * 86_400_000;
    expect((await t.call('alerts.query', { siteId: t.siteId, olderThanDays: 2 })).length).toBe(all.length);
    const someone = pair((await t.alerts('email_mismatch'))[0]);
    const found = await t.call('alerts.query', { siteId: t.siteId, text: someone.account!.email!.toUpperCase() });
    expect(found.map((a) => a.type)).toContain('email_mismatch');
    expect((await t.call('alerts.query', { siteId: t.siteId, text: someone.source.externalId! })).length).toBeGreaterThan(0);
    expect((await t.call('alerts.query', { siteId: t.siteId, text: '%' })).length).toBe(0);
    const types = (await t.alerts()).map((a) => a.type);
    // Resolution order: duplicate accounts first, duplicate emails last.
    expect(types[0]).toBe('duplicate_accounts');
    expect(types[types.length - 1]).toBe('duplicate_emails');
  });

  it('exports the audit trail as CSV with formula-looking cells neutralised', async () => {
    const t = await start({ actor: '=HYPERLINK("http://evil")' });
    const [a] = await t.alerts('name_mismatch');
    await t.call('decisions.decide', { alertId: a.id, resolution: 'source-is-right' });
    await t.call('outbox.pushNow', {});
    const csv = await t.call('audit.export', { siteId: t.siteId });
    expect(csv.rows).toBe(2);
    expect(csv.csv.split('\r\n')[0]).toMatch(/^time,actor,kind,action/);
    expect(csv.csv).toContain(`"'=HYPERLINK(""http://evil"")"`);
    expect(csv.csv).not.toMatch(/(^|,)=HYPERLINK/m);
  });
});

describe('bulk decisions at scale', () => {
  it('decides 1,000 alerts in one quick transaction', async () => {
    const t = await start();
    const template = (await t.alerts('name_mismatch'))[0];
    const insert = t.core.db.sqlite.prepare(
      `INSERT INTO alert (id, site_id, type, fingerprint, status, title, person_ids, detail, records_hash, opened_at, updated_at)
       VALUES (?, ?, 'name_mismatch', ?, 'open', ?, ?, ?, 'x', ?, ?)`,
    );
    const ids: string[] = [];
    t.core.db.sqlite.transaction(() => {
      for (let i = 0; i < 1000; i++) {
        const id = `bulk-${i}`;
        ids.push(id);
        insert.run(id, t.siteId, `name_mismatch:bulk:${i}`, `${template.title} #${i}`, JSON.stringify(template.personIds), JSON.stringify(template.detail), template.openedAt, template.openedAt);
      }
    })();
    const listed = Date.now();
    expect((await t.call('alerts.query', { siteId: t.siteId, type: 'name_mismatch' })).length).toBeGreaterThanOrEqual(1000);
    const listMs = Date.now() - listed;

    const started = Date.now();
    const result = await t.call('decisions.decideMany', { alertIds: ids, resolution: 'source-is-right' });
    const ms = Date.now() - started;
    expect(result).toMatchObject({ recorded: 1000, errors: 0 });
    expect(ms).toBeLessThan(2000);
    expect(listMs).toBeLessThan(2000);
    expect((await t.call('outbox.status', {})).pendingDecisions).toBe(1000);
    expect((await t.call('decisions.pendingCount', { siteId: t.siteId })).pending).toBe(1000);
  });
});
