import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from '../core';
import type { Core } from '../core';
import { startSeamFake } from '../adapters/seam/fake-seam';
import type { SeamFake } from '../adapters/seam/fake-seam';
import { auditCount, auditTableText, callAs, changeEntries } from '../audit/change-audit-harness';
import { MAX_VALUE_CHARS } from '../audit/change-audit';

/*
 * "Who changed the Seam address?": every add, edit, switch and removal of a connection leaves an
 * audit entry naming the host's actor and the settings that changed, never a secret's value.
 */

const ACTOR = 'ana (manager)';
const FIRST_KEY = 'seam_first_key_4f9a0c1d2e3b';
const SECOND_KEY = 'seam_second_key_77e1b2c3d4a5';

const dirs: string[] = [];
const cores: Core[] = [];
const fakes: SeamFake[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  for (const f of fakes.splice(0)) await f.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start() {
  const dataDir = mkdtempSync(join(tmpdir(), 'rollcall-conn-audit-'));
  dirs.push(dataDir);
  const core = await createCore({ dataDir, host: 'test', seedDemoWhenEmpty: false });
  cores.push(core);
  const call = callAs(core, ACTOR);
  const site = await call('sites.create', { name: 'Harbor View' });
  const fake = await startSeamFake();
  fakes.push(fake);
  // The Seam connection most tests start from, saved with FIRST_KEY.
  const addDoors = () =>
    call('connections.add', {
      siteId: site.id,
      role: 'access',
      kind: 'seam',
      name: 'Doors',
      config: { baseUrl: fake.url, acsSystemId: fake.acsSystemId },
      secrets: { apiKey: FIRST_KEY },
    });
  return { core, call, siteId: site.id, fake, addDoors };
}

const hashes = (secret: string) => [createHash('sha256').update(secret).digest('hex'), createHash('sha1').update(secret).digest('hex'), Buffer.from(secret).toString('base64')];

describe('audit of connection changes', () => {
  it('records add, edit (settings by name, secrets by label), switch off and remove, with the caller as actor', async () => {
    const { core, call, siteId, fake, addDoors } = await start();
    const added = await addDoors();

    await call('connections.update', {
      id: added.id,
      name: 'Front doors',
      config: { baseUrl: `${fake.url}/v2`, accessGroupIds: 'grp-1, grp-2' },
      secrets: { apiKey: SECOND_KEY },
    });
    await call('connections.update', { id: added.id, enabled: false });
    await call('connections.remove', { id: added.id });

    const entries = (await changeEntries(call)).filter((e) => e.detail?.subject === 'connection');
    expect(entries.map((e) => [e.action, e.actor, e.kind, e.siteId, e.result])).toEqual([
      ['connection-added', ACTOR, 'change', siteId, 'saved'],
      ['connection-updated', ACTOR, 'change', siteId, 'saved'],
      ['connection-turned-off', ACTOR, 'change', siteId, 'saved'],
      ['connection-removed', ACTOR, 'change', siteId, 'saved'],
    ]);
    const [add, edit, off, removed] = entries;
    expect(add.target).toBe('Doors');
    expect(add.message).toBe("Connection 'Doors' added (Seam access system): API address, ACS system id; secrets set: API key");
    expect(add.detail).toMatchObject({ connectionId: added.id, secretsChanged: ['API key'] });

    expect(edit.target).toBe('Front doors');
    expect(edit.message).toBe("Connection 'Front doors' updated: name, API address, access groups for new people; secrets changed: API key");
    expect(edit.detail!.changes).toEqual([
      { key: 'name', label: 'Name', from: 'Doors', to: 'Front doors' },
      { key: 'baseUrl', label: 'API address', from: fake.url, to: `${fake.url}/v2` },
      { key: 'accessGroupIds', label: 'Access groups for new people', from: null, to: 'grp-1, grp-2' },
    ]);
    expect(edit.detail!.secretsChanged).toEqual(['API key']);

    expect(off.message).toBe("Connection 'Front doors' turned off");
    expect(removed.message).toBe("Connection 'Front doors' removed");

    // The keys are nowhere in the trail: not as text, not hashed, not encoded.
    const table = auditTableText(core);
    for (const secret of [FIRST_KEY, SECOND_KEY]) {
      expect(table).not.toContain(secret);
      for (const h of hashes(secret)) expect(table).not.toContain(h);
    }
    // And the CSV export carries the entries, with the values before and after.
    const csv = await call('audit.export', { siteId });
    expect(csv.csv).toContain("Connection 'Front doors' updated");
    expect(csv.csv).toContain(`API address: ${fake.url} → ${fake.url}/v2`);
    expect(csv.csv).not.toContain(SECOND_KEY);
  });

  it('names a cleared secret, and hides a key pasted into a plain setting or an address with a password', async () => {
    const { core, call, siteId, addDoors } = await start();
    const added = await addDoors();
    // The id box is plain text; someone pastes the key there by mistake.
    await call('connections.update', { id: added.id, config: { acsSystemId: FIRST_KEY } });
    const [, pasted] = (await changeEntries(call)).filter((e) => e.detail?.subject === 'connection');
    expect(pasted.message).toBe("Connection 'Doors' updated: ACS system id");
    expect(auditTableText(core)).not.toContain(FIRST_KEY);

    const demo = await call('connections.add', {
      siteId,
      role: 'access',
      kind: 'demo',
      name: 'Lobby',
      config: { url: 'https://desk:hunter2-pass@lobby.example.test/api' },
      secrets: { token: 'tok_lobby_5ecret_0123' },
    });
    await call('connections.update', { id: demo.id, clearSecrets: ['token'] });
    const lobby = (await changeEntries(call)).filter((e) => e.target === 'Lobby');
    expect(lobby.map((e) => e.message)).toEqual(["Connection 'Lobby' added (Demo Access access system): address; secrets set: API token", "Connection 'Lobby' updated: secrets changed: API token"]);
    const table = auditTableText(core);
    expect(table).not.toContain('hunter2-pass');
    expect(table).not.toContain('tok_lobby_5ecret_0123');
    expect(table).toContain('lobby.example.test');
  });

  it('writes nothing for a refused, invalid or empty change', async () => {
    const { core, call, siteId, fake, addDoors } = await start();
    const added = await addDoors();
    const before = auditCount(core);

    // Front desk may not; a missing key; an unknown setting; a move without the key typed again.
    await expect(call('connections.update', { id: added.id, enabled: false }, 'frontDesk')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(call('connections.add', { siteId, role: 'access', kind: 'seam', name: 'No key', config: { acsSystemId: 'x' } })).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await expect(call('connections.update', { id: added.id, config: { nope: 1 } })).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(call('connections.update', { id: added.id, config: { baseUrl: 'https://elsewhere.example.test' } })).rejects.toThrow();
    await expect(call('connections.remove', { id: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'not_found' });
    // Saving the form unchanged (the same key typed again, too) changes nothing.
    await call('connections.update', { id: added.id, name: 'Doors', enabled: true, config: { baseUrl: fake.url, acsSystemId: fake.acsSystemId }, secrets: { apiKey: FIRST_KEY } });

    expect(auditCount(core)).toBe(before);
  });
});

/*
 * A secret in the wrong place never reaches the audit trail, not even in part: one that a long
 * value's cut would split, and a password with an "@" in an address.
 */
describe('secrets in plain settings, as the audit stores them', () => {
  it('a saved key pasted where a long value is cut short leaves no part of it in the trail', async () => {
    const { core, call, siteId, fake, addDoors } = await start();
    await addDoors();
    // The key starts a few characters before the cut: cut first, it would be stored in part.
    const groups = `${'g'.repeat(MAX_VALUE_CHARS - 10)}${FIRST_KEY}, more`;
    await call('connections.add', {
      siteId,
      role: 'access',
      kind: 'seam',
      name: 'Garage',
      config: { baseUrl: fake.url, acsSystemId: fake.acsSystemId, accessGroupIds: groups },
      secrets: { apiKey: 'seam_garage_key_0a1b2c3d' },
    });
    expect(auditTableText(core)).not.toContain(FIRST_KEY.slice(0, 9));
  });

  it('a password with an "@" in an address is hidden whole', async () => {
    const { core, call, siteId, fake, addDoors } = await start();
    await addDoors();
    const url = new URL(fake.url);
    await call('connections.add', {
      siteId,
      role: 'access',
      kind: 'seam',
      name: 'Garage',
      config: { baseUrl: `${url.protocol}//svc:pa@ss-9f8e7d@${url.host}/`, acsSystemId: fake.acsSystemId },
      secrets: { apiKey: 'seam_garage_key_0a1b2c3d' },
    });
    const text = auditTableText(core);
    expect(text).not.toContain('9f8e7d');
    expect(text).toContain(url.host);
  });
});

describe('an edit whose database write fails', () => {
  it('leaves the saved secret as it was, so the old address never gets the key typed for the new one', async () => {
    const { core, call, siteId, fake, addDoors } = await start();
    await addDoors();
    const doors = (await call('connections.list', { siteId })).access.find((a) => a.name === 'Doors')!;
    const other = await startSeamFake();
    fakes.push(other);
    // The audit entry that commits with the edit cannot be written (a full disk, say).
    core.db.sqlite.exec(`CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_entry BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);

    await expect(
      call('connections.update', { id: doors.id, config: { baseUrl: other.url }, secrets: { apiKey: 'seam_key_for_the_new_place' } }),
    ).rejects.toThrow(/full/);

    core.db.sqlite.exec('DROP TRIGGER refuse_audit');
    const after = (await call('connections.list', { siteId })).access.find((a) => a.id === doors.id)!;
    expect(after.config.baseUrl).toBe(fake.url);
    const ref = core.db.sqlite.prepare('SELECT secret_ref FROM access_system WHERE id = ?').pluck().get(doors.id) as string;
    expect(core.upstreams.secrets.peek(ref)).toEqual({ apiKey: FIRST_KEY });
    expect(await core.upstreams.secrets.store.get(ref)).toBe(JSON.stringify({ apiKey: FIRST_KEY }));
  });
});
