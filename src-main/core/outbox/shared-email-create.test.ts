import { describe, expect, it } from 'vitest';
import { detectAlerts } from '../alerts/detect-alerts';
import { coresPerTest, pair, seamDoorsPerTest } from '../decisions/test-core';

/**
 * "Source is right" on an email mismatch creates an account with the source's email. Seam keeps
 * no reference of ours, so a create is made idempotent by finding the account again by email: when
 * another person here already holds an account with that email, Seam hands back theirs.
 * Real core, real SQLite file, Seam's own fake over HTTP.
 */

const start = coresPerTest();
const connectDoors = seamDoorsPerTest();

describe('a create answered with another person\'s account', () => {
  it('is not linked: the decision fails with the reason, and neither person loses an account', async () => {
    const t = await start();
    const { fake, systemId } = await connectDoors(t);
    const doors = { id: systemId };
    const { sqlite } = t.core.db;
    const [a, b] = sqlite
      .prepare(`SELECT id FROM person WHERE site_id = ? AND access_enabled = 1 AND email IS NOT NULL AND phone IS NOT NULL ORDER BY last_name, id LIMIT 2`)
      .pluck()
      .all(t.siteId) as string[];
    const accountOf = async (personId: string) => (await t.call('people.resync', { personId, accessSystemId: doors.id })).delivery.remoteId!;
    const aAccount = await accountOf(a);
    const bAccount = await accountOf(b);
    // B's source now lists A's email (a shared family address): B's account no longer matches.
    const aEmail = sqlite.prepare('SELECT email FROM person WHERE id = ?').pluck().get(a) as string;
    sqlite.prepare('UPDATE person SET email = ? WHERE id = ?').run(aEmail, b);
    detectAlerts(t.core.db, t.siteId, new Date());
    const alert = (await t.alerts('email_mismatch')).find((x) => pair(x).source.personId === b && pair(x).account?.accessSystemId === doors.id);
    expect(alert).toBeDefined();

    await t.call('decisions.decide', { alertId: alert!.id, resolution: 'source-is-right', options: { oldAccount: 'delete' } });
    const summary = await t.call('outbox.pushNow', {});
    expect(summary).toMatchObject({ applied: 0, failed: 1 });
    expect(summary.items[0].error).toMatch(/already belongs to/);
    // A keeps their account, linked to A alone; B's account was not deleted.
    expect(sqlite.prepare('SELECT person_id FROM access_account WHERE access_system_id = ? AND remote_id = ?').pluck().all(doors.id, aAccount)).toEqual([a]);
    expect(fake.users.get(bAccount)).toBeTruthy();
  });
});
