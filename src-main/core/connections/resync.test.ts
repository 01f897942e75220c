import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from '../core';
import type { Core } from '../core';
import { dispatch } from '../../contract/dispatch';
import type { CallInput, CallName, CallOutput } from '../../contract/api';
import { startSeamFake } from '../adapters/seam/fake-seam';
import type { SeamFake } from '../adapters/seam/fake-seam';

/**
 * Per-person re-sync to Seam, attacked: two people who share an email, and a value Seam cannot
 * clear. Real core, real SQLite file, Seam's own fake over HTTP.
 */

const dirs: string[] = [];
const cores: Core[] = [];
const fakes: SeamFake[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  for (const f of fakes.splice(0)) await f.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start() {
  const dataDir = mkdtempSync(join(tmpdir(), 'rollcall-resync-'));
  dirs.push(dataDir);
  const core = await createCore({ dataDir, host: 'test' });
  cores.push(core);
  const call = async <K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> => {
    const out = await dispatch(core.handlers, name, input, { role: 'manager' });
    if (!out.ok) throw Object.assign(new Error(out.error.message), out.error);
    return out.result as CallOutput<K>;
  };
  const [site] = await call('sites.list', {});
  const fake = await startSeamFake();
  fakes.push(fake);
  const system = await call('connections.add', {
    siteId: site.id,
    role: 'access',
    kind: 'seam',
    name: 'Doors',
    config: { baseUrl: fake.url, acsSystemId: fake.acsSystemId },
    secrets: { apiKey: fake.apiKey },
  });
  const twoPeople = core.db.sqlite
    .prepare(`SELECT id FROM person WHERE site_id = ? AND access_enabled = 1 AND email IS NOT NULL ORDER BY last_name, id LIMIT 2`)
    .pluck()
    .all(site.id) as string[];
  return { core, call, fake, systemId: system.id, people: twoPeople };
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
