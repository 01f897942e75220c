import { describe, expect, it } from 'vitest';
import { coresPerTest, pair, usersWithEmail } from '../decisions/test-core';
import type { DemoSourcePerson } from '../demo/demo-people';

/*
 * "Source is right" pushes the source's values. If the source record changed after the decision
 * (even when the sync engine held the change back for review rather than applying it), those
 * values are stale and must not be written.
 */

const start = coresPerTest();

describe('a source record that changed after the decision', () => {
  it('email mismatch: a newer source email (held back by the pass) stops the stale create', async () => {
    const t = await start();
    const [alert] = await t.alerts('email_mismatch');
    const d = pair(alert);
    const res = await t.call('decisions.decide', { alertId: alert.id, resolution: 'source-is-right' });
    const demo = t.core.upstreams.demo!;
    const person = demo.source.people.get(d.source.externalId!)!;
    demo.source.people.upsert({ ...person, email: 'newest.address@example.org' } as DemoSourcePerson);
    await t.call('sync.runNow', { siteId: t.siteId });

    const summary = await t.call('outbox.pushNow', {});
    expect(summary).toMatchObject({ applied: 0, conflicts: 1, reopenedAlertIds: [alert.id] });
    expect(usersWithEmail(t, d.source.email!)).toHaveLength(0);
    expect((await t.call('decisions.get', { decisionId: res.decisionId! })).status).toBe('conflict');
  });

  it('name mismatch: a newer source name (held back by the pass) stops the stale update', async () => {
    const t = await start();
    const [alert] = await t.alerts('name_mismatch');
    const d = pair(alert);
    await t.call('decisions.decide', { alertId: alert.id, resolution: 'source-is-right' });
    const demo = t.core.upstreams.demo!;
    const person = demo.source.people.get(d.source.externalId!)!;
    demo.source.people.upsert({ ...person, first_name: 'Zebedee', last_name: 'Quxworth' } as DemoSourcePerson);
    await t.call('sync.runNow', { siteId: t.siteId });

    const summary = await t.call('outbox.pushNow', {});
    expect(summary).toMatchObject({ applied: 0, conflicts: 1, reopenedAlertIds: [alert.id] });
    expect(t.core.upstreams.demo!.access.users.get(d.account!.remoteId)!.first_name).toBe(d.account!.firstName);
  });
});
