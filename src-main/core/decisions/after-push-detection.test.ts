import { describe, expect, it } from 'vitest';
import { coresPerTest, pair } from './test-core';
import type { DemoSourcePerson } from '../demo/demo-people';

/*
 * What the Alerts window shows on the passes after a decision was pushed: a condition that comes
 * back is shown again, and an account the manager chose to retire stops raising alerts.
 */

const start = coresPerTest();

describe('after a decision was pushed', () => {
  it('a name mismatch that comes back exactly as it was opens again (the indicator does not stay clear)', async () => {
    const t = await start();
    const [alert] = await t.alerts('name_mismatch');
    const d = pair(alert);
    await t.call('decisions.decide', { alertId: alert.id, resolution: 'source-is-right' });
    expect(await t.call('outbox.pushNow', {})).toMatchObject({ applied: 1 });
    await t.call('sync.runNow', { siteId: t.siteId });
    expect((await t.alerts('name_mismatch')).map((a) => a.fingerprint)).not.toContain(alert.fingerprint);

    // Someone puts the old name back in the access system's own console.
    t.core.upstreams.demo!.access.users.update(d.account!.remoteId, { first_name: d.account!.firstName, last_name: d.account!.lastName });
    await t.call('sync.runNow', { siteId: t.siteId });
    const open = (await t.alerts('name_mismatch')).filter((a) => a.fingerprint === alert.fingerprint);
    expect(open).toHaveLength(1);
    expect(pair(open[0]).account).toMatchObject({ firstName: d.account!.firstName, lastName: d.account!.lastName });
  });

  it('a remembered dismissal whose condition went away and came back is shown again', async () => {
    const t = await start();
    const [alert] = await t.alerts('name_mismatch');
    const d = pair(alert);
    await t.call('decisions.decide', { alertId: alert.id, resolution: 'dismiss', options: { remember: true } });
    const access = t.core.upstreams.demo!.access;
    access.users.update(d.account!.remoteId, { first_name: d.source.firstName, last_name: d.source.lastName });
    await t.call('sync.runNow', { siteId: t.siteId });
    access.users.update(d.account!.remoteId, { first_name: d.account!.firstName, last_name: d.account!.lastName });
    await t.call('sync.runNow', { siteId: t.siteId });
    expect((await t.alerts('name_mismatch')).map((a) => a.fingerprint)).toContain(alert.fingerprint);
  });

  it('the old account suspended by "source is right" raises no more alerts once the new account exists', async () => {
    const t = await start();
    const [alert] = await t.alerts('email_mismatch');
    const d = pair(alert);
    await t.call('decisions.decide', { alertId: alert.id, resolution: 'source-is-right', options: { oldAccount: 'suspend' } });
    expect(await t.call('outbox.pushNow', {})).toMatchObject({ applied: 1 });
    await t.call('sync.runNow', { siteId: t.siteId });
    const mine = async () => (await t.alerts()).filter((a) => a.personIds.includes(d.source.personId!));
    expect(await mine()).toEqual([]);

    // The person's email changes at the source: one alert, about the account they use now.
    const demo = t.core.upstreams.demo!;
    const person = demo.source.people.get(d.source.externalId!)!;
    demo.source.people.upsert({ ...person, email: 'brand.new@example.org' } as DemoSourcePerson);
    await t.call('sync.runNow', { siteId: t.siteId });
    const now = await mine();
    expect(now.map((a) => [a.type, pair(a).account?.email])).toEqual([['email_mismatch', d.source.email]]);
  });
});
