import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EventMap } from '../../contract/events';
import { CoreEvents } from '../core-events';
import { openDatabase } from '../db/open-database';
import type { OpenDatabase } from '../db/open-database';
import { createAlarmPanelClient } from '../adapters/alarm-panel/alarm-panel-client';
import { startAlarmPanelFake } from '../adapters/alarm-panel/fake-alarm-panel';
import type { AlarmPanelFake } from '../adapters/alarm-panel/fake-alarm-panel';
import { LocationService } from './location-service';

const FAST_RETRY = { attempts: 3, baseDelayMs: 10, maxDelayMs: 200, timeoutMs: 3_000 };

let dir: string;
let db: OpenDatabase;
let fake: AlarmPanelFake;
let events: CoreEvents;
let seen: Array<{ name: string; payload: unknown }>;
let service: LocationService;
let siteId: string;
let people: Record<string, string>;

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
  service = new LocationService({
    db,
    events,
    now: () => new Date(),
    clientFor: async () => createAlarmPanelClient({ baseUrl: fake.url, apiKey: fake.apiKey, retry: FAST_RETRY, pollMs: 10 }),
  });
}

const locationId = async (remoteId: string) => (await service.list(siteId)).find((l) => l.remoteId === remoteId)!.id;
const allText = (v: unknown) => JSON.stringify(v);

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rollcall-locations-'));
  db = await openDatabase(join(dir, 'rollcall.db'));
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
