import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventMap } from '../../contract/events';
import { CoreEvents } from '../core-events';
import { openDatabase } from '../db/open-database';
import type { OpenDatabase } from '../db/open-database';
import { createAlarmPanelClient } from '../adapters/alarm-panel/alarm-panel-client';
import { startAlarmPanelFake } from '../adapters/alarm-panel/fake-alarm-panel';
import type { AlarmPanelFake } from '../adapters/alarm-panel/fake-alarm-panel';
import { LocationService } from './location-service';
import { ALARM_CODE_KEY_REF, AlarmCodes, openAlarmCodes } from './alarm-codes';
import { createFileSecretStore, ENCRYPTED_SECRETS_FILE } from '../secrets/file-secret-store';
import type { SecretStore } from '../secrets/secret-store';

const FAST_RETRY = { attempts: 3, baseDelayMs: 10, maxDelayMs: 200, timeoutMs: 3_000 };

let dir: string;
let db: OpenDatabase;
let fake: AlarmPanelFake;
let events: CoreEvents;
let seen: Array<{ name: string; payload: unknown }>;
let service: LocationService;
let siteId: string;
let people: Record<string, string>;
let store: SecretStore;

/** The leasing office with its users sent to the panel, and Ana's and Ben's service entries. */
async function officeSynced() {
  await setup();
  const id = await locationId('L-1');
  await service.syncUsers({ locationId: id });
  const byName = (name: string) => fake.serviceUsers('L-1').find((u) => u.name === name)!;
  return { id, ana: byName('Ana Lopez'), ben: byName('Ben Okafor') };
}

async function setup(opts: { offline?: string[] } = {}) {
  fake = await startAlarmPanelFake({
    applyDelayMs: 20,
    locations: [
      { locationId: 'L-1', name: 'Leasing office', users: [{ slot: 1, name: 'Master', code: '9137', partitions: [1] }] },
      {
        locationId: 'L-2',
        name: 'Garage',
        online: !opts.offline?.includes('L-2'),
        partitions: [
          { partitionId: 1, name: 'Bay' },
          { partitionId: 2, name: 'Store' },
        ],
        users: [{ slot: 1, name: 'Master', code: '5820', partitions: [1, 2] }],
      },
      { locationId: 'L-3', name: 'Gym', users: [{ slot: 1, name: 'Master', code: '2468', partitions: [1] }] },
    ],
  });
  const at = new Date().toISOString();
  siteId = randomUUID();
  db.sqlite.prepare(`INSERT INTO site (id, name, settings, created_at) VALUES (?, 'Harbor', '{}', ?)`).run(siteId, at);
  people = {};
  const insert = db.sqlite.prepare(
    `INSERT INTO person (id, site_id, type, first_name, last_name, status, access_enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?)`,
  );
  for (const [first, last, type, enabled] of [
    ['Ana', 'Lopez', 'staff', 1],
    ['Ben', 'Okafor', 'staff', 1],
    ['Cleo', 'Park', 'staff', 0],
    ['Dev', 'Rao', 'resident', 1],
  ] as const) {
    const id = randomUUID();
    people[first] = id;
    insert.run(id, siteId, type, first, last, enabled, at, at);
  }
  db.sqlite
    .prepare(`INSERT INTO access_system (id, site_id, kind, name, enabled, config, created_at) VALUES (?, ?, 'alarm-panel', 'Alarm service', 1, ?, ?)`)
    .run(randomUUID(), siteId, JSON.stringify({ baseUrl: fake.url }), at);
  // The real file secret store in the test's data folder holds the key that seals the codes.
  newService(await openAlarmCodes(db, store));
}

/** The service as the core builds it (again, as after a restart, when given other codes). */
function newService(codes: AlarmCodes) {
  service = new LocationService({ db, events, now: () => new Date(), clientFor: async () => client(), codes });
}

const client = () => createAlarmPanelClient({ baseUrl: fake.url, apiKey: fake.apiKey, retry: FAST_RETRY, pollMs: 10 });

const locationId = async (remoteId: string) => (await service.list(siteId)).find((l) => l.remoteId === remoteId)!.id;
/**
 * Everything a value shows, for "no clear code anywhere" checks. Random UUIDs are left out: a
 * four-digit code turns up inside one now and then ("…-4071-…"), and ids are not codes.
 */
const allText = (v: unknown) => JSON.stringify(v).replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>');

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rollcall-locations-'));
  db = await openDatabase(join(dir, 'rollcall.db'));
  store = createFileSecretStore({ dataDir: dir });
  events = new CoreEvents();
  seen = [];
  events.subscribe((name, payload) => seen.push({ name, payload }));
});

afterEach(async () => {
  await fake?.close();
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('locations', () => {
  it('lists the account locations with their status the first time the page asks', async () => {
    await setup({ offline: ['L-2'] });
    const list = await service.list(siteId);
    expect(list.map((l) => l.name)).toEqual(['Garage', 'Gym', 'Leasing office']);
    const garage = list.find((l) => l.remoteId === 'L-2')!;
    expect(garage.connection).toBe('offline');
    expect(garage.partitions.map((p) => p.name)).toEqual(['Bay', 'Store']);
    expect(list.find((l) => l.remoteId === 'L-1')!.connection).toBe('online');
  });

  it('sync users pushes the staff with access to the panel, generates codes, and logs the result', async () => {
    await setup();
    const id = await locationId('L-1');
    const run = await service.syncUsers({ locationId: id });
    expect(run.results[0]).toMatchObject({ ok: true, result: 'success' });

    const onPanel = fake.panelUsers('L-1');
    expect(onPanel.map((u) => u.name).sort()).toEqual(['Ana Lopez', 'Ben Okafor', 'Master']);
    // Cleo has no access, Dev is a resident: neither gets a code.
    const codes = onPanel.filter((u) => u.slot !== 1).map((u) => u.code);
    expect(codes.every((c) => /^\d{4}$/.test(c))).toBe(true);
    expect(new Set(codes).size).toBe(2);

    const log = service.events(id, 10);
    expect(log.location.name).toBe('Leasing office');
    expect(log.rows[0]).toMatchObject({ type: 'user_sync', result: 'success', origin: 'rollcall' });
    expect(log.rows[0].summary).toMatch(/applied 3 users.*2 added/);
    // Codes never appear whole in the log or its detail.
    for (const code of codes) expect(allText(log)).not.toContain(code);
    expect(allText(log.rows[0].detail)).toMatch(/•••\d/);

    const progress = seen.filter((e) => e.name === 'locations.progress').map((e) => (e.payload as EventMap['locations.progress']).state);
    expect(progress).toEqual(['running', 'done']);
  });

  it('keeps the same code for a person at every location and on later syncs', async () => {
    await setup();
    await service.syncUsers({ locationId: await locationId('L-1') });
    await service.syncUsers({ locationId: await locationId('L-3') });
    const anaAt = (loc: string) => fake.serviceUsers(loc).find((u) => u.name === 'Ana Lopez')!.code;
    expect(anaAt('L-1')).toBe(anaAt('L-3'));
    const before = fake.requestLog.filter((r) => r.method === 'PUT').length;
    const again = await service.syncUsers({ locationId: await locationId('L-1') });
    expect(again.results[0].summary).toMatch(/No change was needed/);
    expect(fake.requestLog.filter((r) => r.method === 'PUT').length).toBe(before);
  });

  it('an offline panel fails the sync in the event log, and nothing is lost: the users go out once it is back', async () => {
    await setup({ offline: ['L-2'] });
    const id = await locationId('L-2');
    const run = await service.syncUsers({ locationId: id });
    expect(run.results[0]).toMatchObject({ ok: false, result: 'failed' });
    expect(run.results[0].summary).toMatch(/offline/);
    expect(fake.serviceUsers('L-2').map((u) => u.name)).toContain('Ana Lopez');
    expect(fake.panelUsers('L-2').map((u) => u.name)).toEqual(['Master']);
    expect(service.events(id, 5).rows[0]).toMatchObject({ type: 'user_sync', result: 'failed' });
    expect((await service.list(siteId)).find((l) => l.id === id)!.lastUserSync?.result).toBe('failed');

    fake.setOnline('L-2', true);
    const retry = await service.syncUsers({ locationId: id });
    expect(retry.results[0].result).toBe('success');
    expect(fake.panelUsers('L-2').map((u) => u.name).sort()).toEqual(['Ana Lopez', 'Ben Okafor', 'Master']);
  });

  it('all locations carries on past a failing location and reports each one', async () => {
    await setup({ offline: ['L-2'] });
    const run = await service.syncUsers({ siteId, all: true });
    expect(run.results.map((r) => [r.locationName, r.result])).toEqual([
      ['Garage', 'failed'],
      ['Gym', 'success'],
      ['Leasing office', 'success'],
    ]);
    const progress = seen.filter((e) => e.name === 'locations.progress').map((e) => e.payload as EventMap['locations.progress']);
    expect(progress.filter((p) => p.state !== 'running').map((p) => [p.locationName, p.state, p.done, p.total])).toEqual([
      ['Garage', 'failed', 1, 3],
      ['Gym', 'done', 2, 3],
      ['Leasing office', 'done', 3, 3],
    ]);
  });

  it('a slot the panel refuses makes the sync partial and names who was not applied', async () => {
    await setup();
    const id = await locationId('L-1');
    await service.syncUsers({ locationId: id });
    const ben = fake.serviceUsers('L-1').find((u) => u.name === 'Ben Okafor')!;
    fake.editPanelUser('L-1', ben.slot, null);
    fake.rejectSlotOnNextSync('L-1', ben.slot, 'duplicate_code');
    const run = await service.syncUsers({ locationId: id });
    expect(run.results[0].result).toBe('partial');
    expect(run.results[0].summary).toMatch(/Ben Okafor \(slot \d+\): another user on the panel has the same code/);
  });

  it('sync panel reads the panel back and lists what differs from the service', async () => {
    const { id, ana, ben } = await officeSynced();
    // At the keypad: Ana's code changed, Ben deleted, a stranger added.
    fake.editPanelUser('L-1', ana.slot, { name: 'Ana Lopez', code: '4071' });
    fake.editPanelUser('L-1', ben.slot, null);
    fake.editPanelUser('L-1', 30, { name: 'Guest', code: '8842' });

    // The service has not heard from the panel yet.
    expect(service.differences(id).rows).toHaveLength(0);
    const run = await service.syncPanel({ locationId: id });
    expect(run.results[0].summary).toMatch(/reported 3 users; 3 differ/);

    const diffs = service.differences(id).rows;
    expect(diffs.map((d) => [d.slot, d.kind])).toEqual(
      [
        [ana.slot, 'differs'],
        [ben.slot, 'missing_on_panel'],
        [30, 'extra_on_panel'],
      ].sort((a, b) => (a[0] as number) - (b[0] as number)),
    );
    const anaDiff = diffs.find((d) => d.slot === ana.slot)!;
    expect(anaDiff.fields).toEqual(['code']);
    expect(anaDiff.panel!.code).toBe('•••1');
    expect(allText(diffs)).not.toContain('4071');
    expect(allText(diffs)).not.toContain(ana.code);
    expect((await service.list(siteId)).find((l) => l.id === id)!.differences).toBe(3);
  });

  it('resolves differences: push sends the service version, accept-panel keeps the keypad change', async () => {
    const { id, ana, ben } = await officeSynced();
    fake.editPanelUser('L-1', ana.slot, { name: 'Ana Lopez', code: '4071' });
    fake.editPanelUser('L-1', ben.slot, null);
    await service.syncPanel({ locationId: id });

    const accepted = await service.resolveDifference(id, `slot-${ana.slot}`, 'accept-panel');
    expect(accepted).toMatchObject({ ok: true, result: 'success' });
    expect(fake.serviceUsers('L-1').find((u) => u.slot === ana.slot)!.code).toBe('4071');

    const pushed = await service.resolveDifference(id, `slot-${ben.slot}`, 'push');
    expect(pushed).toMatchObject({ ok: true, result: 'success' });
    expect(fake.panelUsers('L-1').find((u) => u.slot === ben.slot)?.name).toBe('Ben Okafor');
    expect(service.differences(id).rows).toEqual([]);

    // Ana keeps her keypad code on the next sync instead of being reset to the old one.
    await service.syncUsers({ locationId: id });
    expect(fake.panelUsers('L-1').find((u) => u.slot === ana.slot)!.code).toBe('4071');
    expect(service.events(id, 20).rows.filter((e) => e.type === 'resolve').map((e) => e.result)).toEqual(['success', 'success']);

    await expect(service.resolveDifference(id, `slot-${ana.slot}`, 'push')).rejects.toThrow(/no longer there/);
  });

  it('refresh re-reads status and brings in the service log, without repeating our own jobs', async () => {
    await setup();
    const id = await locationId('L-3');
    await service.syncUsers({ locationId: id });
    fake.setArming('L-3', 1, 'armed_away');
    fake.setOnline('L-3', false);
    const run = await service.refresh({ locationId: id });
    expect(run.results[0].summary).toMatch(/offline/);
    const loc = (await service.list(siteId)).find((l) => l.id === id)!;
    expect(loc.connection).toBe('offline');
    expect(loc.partitions[0].armingState).toBe('armed_away');
    const rows = service.events(id, 20).rows;
    expect(rows.filter((r) => r.origin === 'service').map((r) => r.type)).toEqual(['communication_failure', 'armed']);
    expect(rows.filter((r) => r.type === 'user_sync')).toHaveLength(1);
    // A second refresh does not import the same entries twice.
    await service.refresh({ locationId: id });
    expect(service.events(id, 50).rows.filter((r) => r.origin === 'service')).toHaveLength(2);
  });

  it('retries through a rate limit and a lost reply without duplicating users', async () => {
    await setup();
    const id = await locationId('L-1');
    fake.misbehave({ status: 429, retryAfterSeconds: 0, method: 'GET', path: '/v1/locations/L-1/users' });
    fake.misbehave({ status: 500, afterApply: true, method: 'POST', path: '/v1/locations/L-1/sync-users' });
    const run = await service.syncUsers({ locationId: id });
    expect(run.results[0].result).toBe('success');
    expect(fake.serviceUsers('L-1')).toHaveLength(3);
    const syncPosts = fake.requestLog.filter((r) => r.method === 'POST' && r.path.endsWith('/sync-users'));
    expect(syncPosts).toHaveLength(2);
    expect(syncPosts[1].replayed).toBe(true);
  });

  it('a service that cannot be reached fails with a clear entry and no secret in it', async () => {
    await setup();
    const id = await locationId('L-1');
    fake.misbehave({ status: 401, times: Infinity });
    const run = await service.syncUsers({ locationId: id });
    expect(run.results[0].result).toBe('failed');
    expect(run.results[0].summary).toMatch(/rejected the API token/);
    expect(allText(service.events(id, 5))).not.toContain(fake.apiKey);
  });
});

/** Reads the SQLite file with a connection of its own, as anyone holding a copy of it could. */
function rawRows<T>(sql: string): T[] {
  const reader = new Database(db.file, { readonly: true });
  try {
    return reader.prepare(sql).all() as T[];
  } finally {
    reader.close();
  }
}

/** Whether these bytes are anywhere in the database file or its WAL. */
function onDisk(text: string): boolean {
  const needle = Buffer.from(text, 'utf8');
  return [db.file, `${db.file}-wal`].filter(existsSync).some((f) => readFileSync(f).includes(needle));
}

describe('user codes at rest', () => {
  /** Ana already has a (long, easy to search for) code at the service; Ben gets a new one. */
  async function syncedWithAdoption() {
    await setup();
    await client().putUser('L-1', 7, { name: 'Ana Lopez', code: '73914682', partitions: [1], externalRef: `rollcall:${people.Ana}` }, 'seed-ana');
    const id = await locationId('L-1');
    const run = await service.syncUsers({ locationId: id });
    expect(run.results[0].result).toBe('success');
    await service.syncPanel({ locationId: id });
    const ben = fake.panelUsers('L-1').find((u) => u.name === 'Ben Okafor')!;
    return { id, ben };
  }

  it('the database holds no generated or adopted code in clear after a sync, and the codes are the same on the next sync', async () => {
    const { id, ben } = await syncedWithAdoption();
    // Ana kept the code she had at the service; Ben's was generated.
    expect(fake.panelUsers('L-1').find((u) => u.name === 'Ana Lopez')!.code).toBe('73914682');

    const own = rawRows<{ person_id: string; code: string }>('SELECT person_id, code FROM alarm_user_code');
    const mirror = rawRows<{ name: string; code: string }>('SELECT name, code FROM alarm_user');
    expect(own.length).toBe(2);
    expect(mirror.length).toBe(6);
    for (const r of [...own, ...mirror]) expect(r.code).toMatch(/^sealed:v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    // One code sealed twice reads differently: Ana's code is in three rows, three different texts.
    expect(new Set(own.map((r) => r.code)).size).toBe(2);

    // Byte for byte, in the file and its WAL: the long adopted code nowhere, and no clear code in
    // the place SQLite would put it (right after the person's id, or the user's name).
    expect(onDisk('73914682')).toBe(false);
    for (const [who, code] of [
      [people.Ana, '73914682'],
      [people.Ben, ben.code],
    ]) expect(onDisk(`${who}${code}`)).toBe(false);
    for (const u of [...fake.panelUsers('L-1'), ...fake.serviceUsers('L-1')]) expect(onDisk(`${u.name}${u.code}`)).toBe(false);

    // What a user sees does not change: masked codes, no differences, nothing to do next time.
    expect(service.differences(id).rows).toEqual([]);
    const again = await service.syncUsers({ locationId: id });
    expect(again.results[0].summary).toMatch(/No change was needed/);
  });

  it('a code changed at the keypad is adopted sealed, and its difference shows masked', async () => {
    const { id, ben } = await syncedWithAdoption();
    fake.editPanelUser('L-1', ben.slot, { name: 'Ben Okafor', code: '60418257' });
    await service.syncPanel({ locationId: id });
    const diff = service.differences(id).rows.find((d) => d.slot === ben.slot)!;
    expect(diff.fields).toEqual(['code']);
    expect(diff.panel!.code).toBe('•••••••7');
    await service.resolveDifference(id, diff.id, 'accept-panel');
    expect(onDisk('60418257')).toBe(false);
    // Kept on the next sync, at every location of the account.
    await service.syncUsers({ locationId: await locationId('L-3') });
    expect(fake.serviceUsers('L-3').find((u) => u.name === 'Ben Okafor')!.code).toBe('60418257');
  });

  it('a new code avoids codes already taken, compared unsealed', async () => {
    await setup();
    // All but a hundred 4-digit codes are taken at the service of another location of the
    // account: Ana must get one of those hundred (compared sealed, she would almost surely not).
    const id3 = await locationId('L-3');
    const taken = new Set<string>();
    const users: Array<{ slot: number; code: string }> = [];
    for (let c = 0; c < 10_000; c++) {
      const code = String(c).padStart(4, '0');
      if (c % 100 !== 37) taken.add(code);
    }
    const take = db.sqlite.prepare(
      `INSERT INTO alarm_user (location_id, side, slot, name, code, partitions, external_ref, updated_at) VALUES (?, 'service', ?, 'x', ?, '[]', NULL, '')`,
    );
    const codes = await openAlarmCodes(db, store);
    await codes.ready();
    let slot = 100;
    for (const code of taken) users.push({ slot: slot++, code: codes.seal(code) });
    db.sqlite.transaction(() => users.forEach((u) => take.run(id3, u.slot, u.code)))();
    db.sqlite.prepare('DELETE FROM person WHERE id = ?').run(people.Ben);

    const id1 = await locationId('L-1');
    expect((await service.syncUsers({ locationId: id1 })).results[0].result).toBe('success');
    const ana = fake.serviceUsers('L-1').find((u) => u.name === 'Ana Lopez')!.code;
    expect(ana).toMatch(/^\d\d37$/);
  });

  it('a stored code that was altered fails that location with a clear message, and is neither replaced nor sent', async () => {
    const { id } = await syncedWithAdoption();
    const tamper = (sealed: string) => sealed.slice(0, -3) + (sealed.endsWith('AAA') ? 'BBB' : 'AAA');
    const before = db.sqlite.prepare('SELECT code FROM alarm_user_code WHERE person_id = ?').pluck().get(people.Ana) as string;
    db.sqlite.prepare('UPDATE alarm_user_code SET code = ? WHERE person_id = ?').run(tamper(before), people.Ana);
    const puts = fake.requestLog.filter((r) => r.method === 'PUT' || r.method === 'DELETE').length;

    const run = await service.syncUsers({ siteId, all: true });
    for (const r of run.results) {
      expect(r.result).toBe('failed');
      expect(r.summary).toMatch(/stored alarm code of Ana Lopez .* could not be unsealed/);
      expect(r.summary).not.toContain('73914682');
    }
    expect(fake.requestLog.filter((r) => r.method === 'PUT' || r.method === 'DELETE').length).toBe(puts);
    expect(db.sqlite.prepare('SELECT code FROM alarm_user_code WHERE person_id = ?').pluck().get(people.Ana)).toBe(tamper(before));
    expect(service.events(id, 1).rows[0]).toMatchObject({ type: 'user_sync', result: 'failed' });

    // An altered copy of a user list: the list page still answers, the differences say why, and
    // Sync panel (which re-reads the lists) mends it.
    db.sqlite.prepare('UPDATE alarm_user_code SET code = ? WHERE person_id = ?').run(before, people.Ana);
    const row = db.sqlite.prepare(`SELECT id, code FROM alarm_user WHERE side = 'panel' AND location_id = ? AND slot = 1`).get(id) as { id: number; code: string };
    db.sqlite.prepare('UPDATE alarm_user SET code = ? WHERE id = ?').run(tamper(row.code), row.id);
    expect((await service.list(siteId)).find((l) => l.id === id)!.differences).toBeNull();
    expect(() => service.differences(id)).toThrow(/code of slot 1 as the panel reported it could not be unsealed/);
    expect((await service.syncPanel({ locationId: id })).results[0].result).toBe('success');
    expect(service.differences(id).rows).toEqual([]);
  });

  it('without the key, alarm actions that use codes stop with the reason and change nothing; refresh still works', async () => {
    await setup();
    const id = await locationId('L-1');
    await service.syncUsers({ locationId: id });
    const stored = rawRows<{ code: string }>('SELECT code FROM alarm_user_code').map((r) => r.code);
    const puts = () => fake.requestLog.filter((r) => r.method !== 'GET').length;

    // The secret store cannot be read (its file is damaged).
    writeFileSync(join(dir, ENCRYPTED_SECRETS_FILE), '{ not json');
    const broken = new AlarmCodes({ sqlite: db.sqlite, store });
    await broken.load();
    newService(broken);
    const before = puts();
    const run = await service.syncUsers({ locationId: id });
    expect(run.results[0].result).toBe('failed');
    expect(run.results[0].summary).toMatch(/key that seals alarm user codes could not be read from the secret store.*damaged.*no code was changed/);
    expect(puts()).toBe(before);
    expect((await service.refresh({ locationId: id })).results[0].result).toBe('success');

    // The key is gone from a working store: no new key is made over the sealed codes.
    rmSync(join(dir, ENCRYPTED_SECRETS_FILE));
    const lost = new AlarmCodes({ sqlite: db.sqlite, store });
    await lost.load();
    newService(lost);
    const again = await service.syncUsers({ locationId: id });
    expect(again.results[0].summary).toMatch(/missing from the secret store.*will not make a new key/);
    expect(await store.get(ALARM_CODE_KEY_REF)).toBeNull();
    expect(rawRows<{ code: string }>('SELECT code FROM alarm_user_code').map((r) => r.code).sort()).toEqual([...stored].sort());
  });
});
