import { describe, expect, it } from 'vitest';
import { coresPerTest, seamDoorsPerTest } from '../decisions/test-core';

/**
 * Per-person re-sync to Seam, attacked: two people who share an email, and a value Seam cannot
 * clear. Real core, real SQLite file, Seam's own fake over HTTP.
 */

const startCore = coresPerTest();
const connectDoors = seamDoorsPerTest();

async function start() {
  const t = await startCore();
  const { core, call, siteId } = t;
  const { fake, systemId } = await connectDoors(t);
  const twoPeople = core.db.sqlite
    .prepare(`SELECT id FROM person WHERE site_id = ? AND access_enabled = 1 AND email IS NOT NULL ORDER BY last_name, id LIMIT 2`)
    .pluck()
    .all(siteId) as string[];
  return { core, call, fake, systemId, people: twoPeople };
}

describe('re-sync to Seam', () => {
  it('does not hand one person the account of another who shares their email', async () => {
    const { core, call, fake, systemId, people } = await start();
    const [a, b] = people;
    const email = core.db.sqlite.prepare('SELECT email FROM person WHERE id = ?').pluck().get(a) as string;
    core.db.sqlite.prepare('UPDATE person SET email = ? WHERE id = ?').run(email, b);

    const first = await call('people.resync', { personId: a, accessSystemId: systemId });
    expect(first.ok).toBe(true);
    const aAccount = first.delivery.remoteId!;

    const second = await call('people.resync', { personId: b, accessSystemId: systemId });
    expect(second.ok).toBe(false);
    expect(second.message).toMatch(/already/i);
    const links = core.db.sqlite.prepare('SELECT person_id FROM access_account WHERE access_system_id = ? AND remote_id = ?').pluck().all(systemId, aAccount);
    expect(links).toEqual([a]);

    // B's access ends: pushing B must not suspend A's account.
    await call('people.updateAdmin', { id: b, patch: { accessEnabled: false } });
    await call('people.resync', { personId: b, accessSystemId: systemId });
    expect(fake.users.get(aAccount)!.is_suspended).toBe(false);
  });

  it('does not claim to have changed a value Seam kept', async () => {
    const { core, call, fake, systemId, people } = await start();
    const [a] = people;
    const first = await call('people.resync', { personId: a, accessSystemId: systemId });
    expect(first.ok).toBe(true);
    const kept = fake.users.get(first.delivery.remoteId!)!.email_address;
    core.db.sqlite.prepare('UPDATE person SET email = NULL WHERE id = ?').run(a);
    const again = await call('people.resync', { personId: a, accessSystemId: systemId });
    expect(fake.users.get(first.delivery.remoteId!)!.email_address).toBe(kept);
    expect(again.delivery.reason).not.toMatch(/updated email/);
    expect(again.delivery.reason).toMatch(/email/);
  });
});
