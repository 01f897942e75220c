import { readFileSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from '../core';
import type { Core } from '../core';
import { dispatch } from '../../contract/dispatch';
import type { CallInput, CallName, CallOutput } from '../../contract/api';
import type { Role } from '../../contract/define';
import { startDemoAccessServer } from '../demo/demo-access-server';
import { ENCRYPTED_SECRETS_FILE } from '../secrets/file-secret-store';
import type { SecretStore } from '../secrets/secret-store';

const dirs: string[] = [];
const cores: Core[] = [];
const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  for (const s of servers.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const TOKEN = 'tok_live_5ecret_do_not_show_0123456789';

async function start() {
  const dataDir = mkdtempSync(join(tmpdir(), 'rollcall-connections-'));
  dirs.push(dataDir);
  const core = await createCore({ dataDir, host: 'test' });
  cores.push(core);
  const call = caller(core);
  const [site] = await call('sites.list', {});
  return { core, call, dataDir, siteId: site.id };
}

function caller(core: Core) {
  return async <K extends CallName>(name: K, input: CallInput<K>, role: Role = 'manager'): Promise<CallOutput<K>> => {
    const out = await dispatch(core.handlers, name, input, { role });
    if (!out.ok) throw Object.assign(new Error(out.error.message), out.error);
    return out.result as CallOutput<K>;
  };
}

async function lobbyAccess() {
  const server = await startDemoAccessServer({ accounts: [], token: TOKEN });
  servers.push(server);
  return server;
}

/** Everything on disk in the data folder except the encrypted secrets file, as text. */
function dataFolderText(dataDir: string): string {
  return readdirSync(dataDir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name !== ENCRYPTED_SECRETS_FILE)
    .map((e) => readFileSync(join(e.parentPath, e.name)).toString('latin1'))
    .join('\n');
}

describe('connections', () => {
  it('adds an access system with a secret, tests it live, and never hands the secret back', async () => {
    const { call, siteId, dataDir, core } = await start();
    const server = await lobbyAccess();

    const kinds = await call('connections.kinds', {});
    expect(kinds.access.map((k) => k.kind)).toContain('demo');
    expect(kinds.secretStorage).toMatch(/encrypted file in the data folder/);

    const added = await call('connections.add', { siteId, role: 'access', kind: 'demo', name: 'Lobby Access', config: { url: server.url }, secrets: { token: TOKEN } });
    expect(added).toMatchObject({ name: 'Lobby Access', role: 'access', hasSecret: true, secretsSet: ['token'], config: { url: server.url } });

    const list = await call('connections.list', { siteId });
    expect(list.access.map((a) => a.name)).toEqual(expect.arrayContaining(['Demo Access', 'Lobby Access']));
    expect(list.sources.map((s) => s.name)).toEqual(['Demo PMS']);
    expect(JSON.stringify([added, list])).not.toContain(TOKEN);

    const ok = await call('connections.test', { id: added.id });
    expect(ok).toMatchObject({ ok: true, message: 'Connected to Demo Access.' });

    // A draft with the wrong key fails with a clear reason that does not repeat the key.
    const wrong = await call('connections.test', { siteId, role: 'access', kind: 'demo', config: { url: server.url }, secrets: { token: 'wrong-token-value' } });
    expect(wrong.ok).toBe(false);
    expect(wrong.message).toMatch(/401|refused|token|key|auth/i);
    expect(wrong.message).not.toContain('wrong-token-value');
    // Editing: a draft without the secret uses the stored one.
    const edited = await call('connections.test', { siteId, id: added.id, role: 'access', kind: 'demo', config: { url: server.url }, secrets: {} });
    expect(edited.ok).toBe(true);

    // The secret is at rest only in the encrypted file: not in the database, not in the log.
    expect(dataFolderText(dataDir)).not.toContain(TOKEN);
    expect(readFileSync(join(dataDir, ENCRYPTED_SECRETS_FILE), 'utf8')).not.toContain(TOKEN);

    // Renaming keeps the secret; a new core on the same folder can still use it.
    const renamed = await call('connections.update', { id: added.id, name: 'Lobby doors', config: { url: server.url } });
    expect(renamed).toMatchObject({ name: 'Lobby doors', secretsSet: ['token'] });
    await core.close();
    cores.pop();
    const again = await createCore({ dataDir, host: 'test' });
    cores.push(again);
    const retest = await dispatch(again.handlers, 'connections.test', { id: added.id }, { role: 'manager' });
    expect(retest).toMatchObject({ ok: true, result: { ok: true } });

    const removed = await dispatch(again.handlers, 'connections.remove', { id: added.id }, { role: 'manager' });
    expect(removed).toMatchObject({ ok: true, result: { removed: true } });
    const after = await dispatch(again.handlers, 'connections.list', { siteId }, { role: 'manager' });
    expect(JSON.stringify(after)).not.toContain('Lobby');
    expect(await again.upstreams.secrets.store.get(`connection:${added.id}`)).toBeNull();
  });

  it('refuses bad settings by name, and leaves configuration to managers', async () => {
    const { call, siteId } = await start();
    await expect(call('connections.add', { siteId, role: 'access', kind: 'demo', name: 'X', config: { url: 'not-a-url' } })).rejects.toThrow(/Address/);
    await expect(call('connections.add', { siteId, role: 'access', kind: 'demo', name: 'X', config: { token: 'abc' } })).rejects.toThrow(/is a secret/);
    await expect(call('connections.add', { siteId, role: 'source', kind: 'nope', name: 'X' })).rejects.toThrow(/no adapter/);
    await expect(call('connections.add', { siteId, role: 'access', kind: 'demo', name: 'X' }, 'frontDesk')).rejects.toMatchObject({ code: 'forbidden' });
    // Front desk may still look, and re-sync.
    expect((await call('connections.list', { siteId }, 'frontDesk')).access.map((a) => a.name)).toContain('Demo Access');
  });

  it('removing a source keeps its people (unlinked, not disabled)', async () => {
    const { call, siteId } = await start();
    const { sources } = await call('connections.list', { siteId });
    const before = await call('people.list', { siteId, limit: 1 });
    const disabledBefore = Number((await call('people.list', { siteId, limit: 1000 })).rows.filter((p) => !p.accessEnabled).length);
    const out = await call('connections.remove', { id: sources[0].id });
    expect(out.peopleKept).toBeGreaterThan(200);
    const after = await call('people.list', { siteId, limit: 1000 });
    expect(after.total).toBe(before.total);
    expect(after.rows.filter((p) => !p.accessEnabled)).toHaveLength(disabledBefore);
    expect(after.rows.every((p) => p.sourceConnectionId === null)).toBe(true);
  });
});

/**
 * A server someone else runs: it answers 401 to everything and keeps every Authorization header
 * it was sent, so a test can show that a saved token never reached it.
 */
async function listeningServer() {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(req.headers.authorization ?? '');
    res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"unauthorized"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push({ close: () => new Promise<void>((resolve) => server.close(() => resolve())) });
  return { url, seen };
}

describe('a saved secret goes only to the address it was saved for', () => {
  async function lobbyWithToken() {
    const env = await start();
    const server = await lobbyAccess();
    const added = await env.call('connections.add', { siteId: env.siteId, role: 'access', kind: 'demo', name: 'Lobby Access', config: { url: server.url }, secrets: { token: TOKEN } });
    return { ...env, server, added };
  }

  it('refuses a new address without the token typed again, and saves nothing', async () => {
    const { call, core, siteId, server, added } = await lobbyWithToken();
    const other = await listeningServer();

    const refused = call('connections.update', { id: added.id, name: 'Lobby (moved)', config: { url: other.url } });
    await expect(refused).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(refused).rejects.toThrow('The address changed, so enter the API token again: a saved secret is only sent to the address it was saved for.');

    // Nothing changed: same name, same address, same token, and the token still works there.
    const [after] = (await call('connections.list', { siteId })).access.filter((a) => a.id === added.id);
    expect(after).toMatchObject({ name: 'Lobby Access', config: { url: server.url }, secretsSet: ['token'] });
    expect(core.upstreams.secrets.peek(`connection:${added.id}`)).toEqual({ token: TOKEN });
    expect(await call('connections.test', { id: added.id })).toMatchObject({ ok: true });

    // Testing the edited form against the new address is refused the same way, before any request.
    const draft = call('connections.test', { siteId, id: added.id, role: 'access', kind: 'demo', config: { url: other.url }, secrets: {} });
    await expect(draft).rejects.toThrow(/The address changed, so enter the API token again/);
    // Forgetting some other secret is not enough either.
    await expect(call('connections.update', { id: added.id, config: { url: other.url }, clearSecrets: ['nothing'] })).rejects.toThrow(/enter the API token again/);
    expect(other.seen).toEqual([]);
  });

  it('takes a new address together with a new token, and uses that token there', async () => {
    const { call, core, siteId, added } = await lobbyWithToken();
    const NEW_TOKEN = 'tok_live_new_place_9876543210';
    const moved = await startDemoAccessServer({ accounts: [], token: NEW_TOKEN });
    servers.push(moved);

    const draft = await call('connections.test', { siteId, id: added.id, role: 'access', kind: 'demo', config: { url: moved.url }, secrets: { token: NEW_TOKEN } });
    expect(draft.ok).toBe(true);
    const saved = await call('connections.update', { id: added.id, config: { url: moved.url }, secrets: { token: NEW_TOKEN } });
    expect(saved).toMatchObject({ config: { url: moved.url }, secretsSet: ['token'] });
    expect(core.upstreams.secrets.peek(`connection:${added.id}`)).toEqual({ token: NEW_TOKEN });
    expect(await call('connections.test', { id: added.id })).toMatchObject({ ok: true });
  });

  it('a new address may also forget the saved token instead', async () => {
    const { call, core, added } = await lobbyWithToken();
    const other = await listeningServer();
    const saved = await call('connections.update', { id: added.id, config: { url: other.url }, clearSecrets: ['token'] });
    expect(saved).toMatchObject({ config: { url: other.url }, secretsSet: [], hasSecret: false });
    expect(core.upstreams.secrets.peek(`connection:${added.id}`)).toEqual({});
    await call('connections.test', { id: added.id });
    expect(other.seen.join('\n')).not.toContain(TOKEN);
  });

  it('keeps the token when only the path changes, or only the spelling of the same address', async () => {
    const { call, core, server, added } = await lobbyWithToken();
    const port = new URL(server.url).port;

    const pathOnly = await call('connections.update', { id: added.id, config: { url: `${server.url}/tenant-a` } });
    expect(pathOnly).toMatchObject({ config: { url: `${server.url}/tenant-a` }, secretsSet: ['token'] });
    // Scheme and host in capitals, a trailing slash: the same place.
    const spelled = await call('connections.update', { id: added.id, config: { url: `HTTP://127.0.0.1:${port}/` } });
    expect(spelled.secretsSet).toEqual(['token']);
    const renamed = await call('connections.update', { id: added.id, name: 'Lobby doors', config: { url: server.url } });
    expect(renamed).toMatchObject({ name: 'Lobby doors', secretsSet: ['token'] });
    const enabledOnly = await call('connections.update', { id: added.id, enabled: false });
    expect(enabledOnly).toMatchObject({ enabled: false, secretsSet: ['token'] });
    expect(core.upstreams.secrets.peek(`connection:${added.id}`)).toEqual({ token: TOKEN });
    expect(await call('connections.test', { id: added.id })).toMatchObject({ ok: true });
  });

  it('reads the default port and letter case as the same address, and another port as a new one', async () => {
    const { call, siteId } = await start();
    const added = await call('connections.add', { siteId, role: 'access', kind: 'demo', name: 'Cloud doors', config: { url: 'https://doors.example.com/' }, secrets: { token: TOKEN } });

    const same = await call('connections.update', { id: added.id, config: { url: 'HTTPS://Doors.Example.COM:443/api' } });
    expect(same.secretsSet).toEqual(['token']);
    await expect(call('connections.update', { id: added.id, config: { url: 'https://doors.example.com:8443/' } })).rejects.toThrow(/enter the API token again/);
    await expect(call('connections.update', { id: added.id, config: { url: 'http://doors.example.com/' } })).rejects.toThrow(/enter the API token again/);
    await expect(call('connections.update', { id: added.id, config: { url: 'https://doors.example.com.evil.test/' } })).rejects.toThrow(/enter the API token again/);
    // Emptying the address points a demo connection elsewhere too (the embedded demo).
    await expect(call('connections.update', { id: added.id, config: { url: '' } })).rejects.toThrow(/enter the API token again/);
  });

  it('secrets that cannot be read right now are asked for again too', async () => {
    // A keychain that can be locked: the saved token is there, but the core cannot read it.
    const entries = new Map<string, string>();
    let locked = false;
    const secretStore: SecretStore = {
      get: async (ref) => {
        if (locked) throw new Error('The keychain is locked.');
        return entries.get(ref) ?? null;
      },
      set: async (ref, value) => void entries.set(ref, value),
      delete: async (ref) => void entries.delete(ref),
      describe: () => 'Secrets are kept in a test keychain.',
    };
    const dataDir = mkdtempSync(join(tmpdir(), 'rollcall-connections-'));
    dirs.push(dataDir);
    const first = await createCore({ dataDir, host: 'test', secretStore });
    const [site] = await caller(first)('sites.list', {});
    const server = await lobbyAccess();
    const added = await caller(first)('connections.add', { siteId: site.id, role: 'access', kind: 'demo', name: 'Lobby', config: { url: server.url }, secrets: { token: TOKEN } });
    await first.close();

    locked = true;
    const core = await createCore({ dataDir, host: 'test', secretStore });
    cores.push(core);
    const call = caller(core);
    expect((await call('connections.list', { siteId: site.id })).access.find((a) => a.id === added.id)?.secretProblem).toMatch(/locked/);
    const other = await listeningServer();
    const moved = call('connections.update', { id: added.id, config: { url: other.url } });
    await expect(moved).rejects.toMatchObject({ code: 'invalid_input', message: expect.stringMatching(/enter the API token again/) });
    // Typing it replaces what could not be read.
    const retyped = await call('connections.update', { id: added.id, config: { url: other.url }, secrets: { token: 'tok_other_place_0000' } });
    expect(retyped).toMatchObject({ config: { url: other.url }, secretsSet: ['token'] });
    locked = false;
    expect(entries.get(`connection:${added.id}`)).not.toContain(TOKEN);
  });

  it('a setting that names the host counts as the address, and every saved secret is named', async () => {
    const { call, siteId } = await start();
    const added = await call('connections.add', {
      siteId,
      role: 'source',
      kind: 'appfolio',
      name: 'AppFolio',
      config: { database: 'acme', clientId: 'client-1' },
      secrets: { clientSecret: 'appfolio-secret-value-1234' },
    });
    await expect(call('connections.update', { id: added.id, config: { database: 'elsewhere', clientId: 'client-1' } })).rejects.toThrow(
      'The address changed, so enter the API client secret again: a saved secret is only sent to the address it was saved for.',
    );
    expect((await call('connections.update', { id: added.id, config: { database: 'ACME', clientId: 'client-2' } })).secretsSet).toEqual(['clientSecret']);

    const member = await call('connections.add', {
      siteId,
      role: 'source',
      kind: 'member',
      name: 'Gym',
      config: { baseUrl: 'https://api.gym.example/public/v6', siteId: '-99' },
      secrets: { apiKey: 'member-api-key-1234', staffPassword: 'member-staff-pass-1234' },
    });
    const both = call('connections.update', { id: member.id, config: { baseUrl: 'https://gym.attacker.example/public/v6', siteId: '-99' }, secrets: { apiKey: 'member-api-key-5678' } });
    await expect(both).rejects.toThrow(
      'The address changed, so enter the staff password again: a saved secret is only sent to the address it was saved for.',
    );
    const none = call('connections.update', { id: member.id, config: { baseUrl: 'https://gym.attacker.example/public/v6', siteId: '-99' } });
    await expect(none).rejects.toThrow(/enter the API key and staff password again: saved secrets are only sent/);
    await expect(none).rejects.toMatchObject({ code: 'invalid_input', issues: ['secrets.apiKey: enter it again for the new address', 'secrets.staffPassword: enter it again for the new address'] });
  });
});

describe('per-person re-sync', () => {
  function unlinkedPerson(core: Core, siteId: string): string {
    return core.db.sqlite
      .prepare(
        `SELECT p.id FROM person p WHERE p.site_id = ? AND p.access_enabled = 1 AND p.email IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM access_account a WHERE a.person_id = p.id) ORDER BY p.last_name LIMIT 1`,
      )
      .pluck()
      .get(siteId) as string;
  }

  it('creates the account once, however often it is pushed, and records the delivery', async () => {
    const { call, siteId, core } = await start();
    const server = await lobbyAccess();
    const system = await call('connections.add', { siteId, role: 'access', kind: 'demo', name: 'Lobby Access', config: { url: server.url }, secrets: { token: TOKEN } });
    const personId = unlinkedPerson(core, siteId);
    const person = await call('people.get', { id: personId });

    const first = await call('people.resync', { personId, accessSystemId: system.id }, 'frontDesk');
    expect(first).toMatchObject({ ok: true, message: 'Key re-synced to Lobby Access', delivery: { state: 'applied', reason: 'account created' } });
    const second = await call('people.resync', { personId, accessSystemId: system.id });
    expect(second).toMatchObject({ ok: true, delivery: { state: 'applied', reason: 'already up to date' } });
    const accounts = server.users.list();
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toMatchObject({ first_name: person.firstName, last_name: person.lastName, email: person.email, suspended: false });

    // Access turned off: the next push suspends the same account; on again, it resumes.
    await call('people.updateAdmin', { id: personId, patch: { accessEnabled: false } });
    expect((await call('people.resync', { personId, accessSystemId: system.id })).delivery.reason).toMatch(/suspended/);
    expect(server.users.list()).toMatchObject([{ suspended: true }]);
    await call('people.updateAdmin', { id: personId, patch: { accessEnabled: true } });
    expect((await call('people.resync', { personId, accessSystemId: system.id })).delivery.reason).toMatch(/resumed/);
    expect(server.users.list()).toHaveLength(1);

    const deliveries = await call('people.deliveries', { personId });
    const byName = Object.fromEntries(deliveries.map((d) => [d.accessSystemName, d]));
    expect(byName['Demo Access'].state).toBeNull();
    expect(byName['Lobby Access']).toMatchObject({ state: 'applied', remoteId: accounts[0].id });
    // The mirror knows the link now, so alerts and the next push see the same account.
    const linked = core.db.sqlite.prepare('SELECT remote_id FROM access_account WHERE access_system_id = ? AND person_id = ?').pluck().all(system.id, personId);
    expect(linked).toEqual([accounts[0].id]);

    const activity = await call('activity.list', { siteId, query: 'Lobby Access' });
    expect(activity.rows.length).toBeGreaterThanOrEqual(4);
    expect(JSON.stringify(activity)).not.toContain(TOKEN);
  });

  it('a push whose answer was lost is retried with the same keys: still one account', async () => {
    const { call, siteId, core } = await start();
    const server = await lobbyAccess();
    const system = await call('connections.add', { siteId, role: 'access', kind: 'demo', name: 'Lobby Access', config: { url: server.url }, secrets: { token: TOKEN } });
    const personId = unlinkedPerson(core, siteId);

    // The account is made, but every answer is lost on the way back.
    server.misbehave({ status: 503, afterApply: true, method: 'POST', path: '/v1/users', times: Infinity });
    const failed = await call('people.resync', { personId, accessSystemId: system.id });
    expect(failed.ok).toBe(false);
    expect(failed.message).toMatch(/^Could not re-sync to Lobby Access: .*503/);
    expect(failed.delivery).toMatchObject({ state: 'failed' });
    expect(failed.delivery.reason).toMatch(/503/);
    expect(failed.message).not.toContain(TOKEN);

    server.clearMisbehaviour();
    const retried = await call('people.resync', { personId, accessSystemId: system.id });
    expect(retried).toMatchObject({ ok: true, delivery: { state: 'applied' } });
    expect(server.users.list()).toHaveLength(1);
  });

  it('reports a refusal with the reason, as a failed delivery', async () => {
    const { call, siteId, core } = await start();
    const server = await lobbyAccess();
    const system = await call('connections.add', { siteId, role: 'access', kind: 'demo', name: 'Lobby Access', config: { url: server.url }, secrets: { token: TOKEN } });
    const personId = unlinkedPerson(core, siteId);
    const person = await call('people.get', { id: personId });
    // Someone already holds that email in the access system (added in its own console).
    server.users.insert({ first_name: 'Other', last_name: 'Person', email: person.email, phone: null, suspended: false, external_ref: null });

    const out = await call('people.resync', { personId, accessSystemId: system.id });
    expect(out.ok).toBe(false);
    expect(out.message).toMatch(/already has another account with that email/);
    const lobby = (await call('people.deliveries', { personId })).find((d) => d.accessSystemName === 'Lobby Access')!;
    expect(lobby).toMatchObject({ state: 'failed', accessSystemName: 'Lobby Access' });
    expect(lobby.reason).toMatch(/email/);
    expect(lobby.at).not.toBeNull();
  });

  it('answers a re-sync whose person is deleted before the push starts, and the core keeps running', async () => {
    const { call, siteId, core } = await start();
    const { access } = await call('connections.list', { siteId });
    const demoAccess = access.find((a) => a.kind === 'demo')!;
    const personId = unlinkedPerson(core, siteId);
    const stray: unknown[] = [];
    const onStray = (reason: unknown) => stray.push(reason);
    process.on('unhandledRejection', onStray);
    try {
      // The handler's checks pass; the push itself runs a tick later and finds nobody.
      const pending = dispatch(core.handlers, 'people.resync', { personId, accessSystemId: demoAccess.id }, { role: 'frontDesk' });
      core.db.sqlite.prepare('DELETE FROM person WHERE id = ?').run(personId);
      const out = await pending;
      expect(out.ok).toBe(false);
      await new Promise((r) => setTimeout(r, 20));
      expect(stray).toEqual([]);
    } finally {
      process.off('unhandledRejection', onStray);
    }
    expect((await call('sites.list', {})).length).toBeGreaterThan(0);
  });

  it('pushes to the embedded demo access system too', async () => {
    const { call, siteId, core } = await start();
    const { access } = await call('connections.list', { siteId });
    const demoAccess = access.find((a) => a.kind === 'demo')!;
    const personId = unlinkedPerson(core, siteId);
    const before = core.upstreams.demo!.access.users.list().length;
    const out = await call('people.resync', { personId, accessSystemId: demoAccess.id });
    expect(out).toMatchObject({ ok: true, message: 'Key re-synced to Demo Access' });
    await call('people.resync', { personId, accessSystemId: demoAccess.id });
    expect(core.upstreams.demo!.access.users.list()).toHaveLength(before + 1);
  });
});
