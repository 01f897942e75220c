import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CoreEvents } from '../core-events';
import { openDatabase } from '../db/open-database';
import type { OpenDatabase } from '../db/open-database';
import { createAlarmPanelClient } from '../adapters/alarm-panel/alarm-panel-client';
import { createAlarmPanelAccess } from '../adapters/alarm-panel/alarm-panel-access';
import { startAlarmPanelFake } from '../adapters/alarm-panel/fake-alarm-panel';
import type { AlarmPanelFake } from '../adapters/alarm-panel/fake-alarm-panel';
import { UpstreamError } from '../adapters/types';
import { LocationService } from './location-service';
import { openAlarmCodes } from './alarm-codes';
import { createFileSecretStore } from '../secrets/file-secret-store';

/**
 * Adversarial checks of the alarm-panel write path: Sync users failing halfway, a person the
 * service holds in two slots, and location lists that end early.
 */

const FAST_RETRY = { attempts: 3, baseDelayMs: 10, maxDelayMs: 200, timeoutMs: 3_000 };

let dir: string;
let db: OpenDatabase;
let fake: AlarmPanelFake;
let service: LocationService;
let siteId: string;
let people: Record<string, string>;

const client = () => createAlarmPanelClient({ baseUrl: fake.url, apiKey: fake.apiKey, retry: FAST_RETRY, pollMs: 10 });

async function setup() {
  fake = await startAlarmPanelFake({
    applyDelayMs: 20,
    locations: [
      { locationId: 'L-1', name: 'Leasing office', users: [{ slot: 1, name: 'Master', code: '9137', partitions: [1] }] },
      { locationId: 'L-2', name: 'Garage', users: [{ slot: 1, name: 'Master', code: '5820', partitions: [1] }] },
    ],
  });
  const at = new Date().toISOString();
  siteId = randomUUID();
  db.sqlite.prepare(`INSERT INTO site (id, name, settings, created_at) VALUES (?, 'Harbor', '{}', ?)`).run(siteId, at);
  people = {};
  const insert = db.sqlite.prepare(
    `INSERT INTO person (id, site_id, type, first_name, last_name, status, access_enabled, created_at, updated_at) VALUES (?, ?, 'staff', ?, ?, 'active', 1, ?, ?)`,
  );
  for (const [first, last] of [
    ['Ana', 'Lopez'],
    ['Ben', 'Okafor'],
  ] as const) {
    const id = randomUUID();
    people[first] = id;
    insert.run(id, siteId, first, last, at, at);
  }
  db.sqlite
    .prepare(`INSERT INTO access_system (id, site_id, kind, name, enabled, config, created_at) VALUES (?, ?, 'alarm-panel', 'Alarm service', 1, ?, ?)`)
    .run(randomUUID(), siteId, JSON.stringify({ baseUrl: fake.url }), at);
  const codes = await openAlarmCodes(db, createFileSecretStore({ dataDir: dir }));
  service = new LocationService({ db, events: new CoreEvents(), now: () => new Date(), clientFor: async () => client(), codes });
}

const locationId = async (remoteId: string) => (await service.list(siteId)).find((l) => l.remoteId === remoteId)!.id;
const mirroredServiceSlots = (id: string) =>
  db.sqlite.prepare(`SELECT slot FROM alarm_user WHERE location_id = ? AND side = 'service' ORDER BY slot`).pluck().all(id) as number[];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rollcall-locations-wp-'));
  db = await openDatabase(join(dir, 'rollcall.db'));
});

afterEach(async () => {
  await fake?.close();
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('sync users under faults', () => {
  it('a sync that fails after changing the service says what it changed there, and our copy of the service list follows', async () => {
    await setup();
    const id = await locationId('L-1');
    // Both people are written to the service; then starting the panel job keeps failing.
    fake.misbehave({ status: 503, method: 'POST', path: '/v1/locations/L-1/sync-users', times: Infinity });
    const run = await service.syncUsers({ locationId: id });
    expect(run.results[0]).toMatchObject({ ok: false, result: 'failed' });
    expect(fake.serviceUsers('L-1')).toHaveLength(3);
    // The entry keeps what happened at the service before the failure.
    expect(run.results[0].summary).toMatch(/503/);
    expect(run.results[0].summary).toMatch(/2 added/);
    const entry = service.events(id, 1).rows[0];
    expect(entry.detail).toMatchObject({ changes: [{ action: 'added' }, { action: 'added' }] });
    // And the location's copy of the service list is what the service now holds.
    expect(mirroredServiceSlots(id)).toEqual(fake.serviceUsers('L-1').map((u) => u.slot));
    expect((await service.list(siteId)).find((l) => l.id === id)!.serviceUsers).toBe(3);
  });

  it('removes every slot of a person whose access ended, even one the service holds twice', async () => {
    await setup();
    const id = await locationId('L-1');
    await service.syncUsers({ locationId: id });
    const anaSlot = fake.serviceUsers('L-1').find((u) => u.name === 'Ana Lopez')!.slot;
    // A second slot for Ana, made outside this sync (another console, an older import).
    await client().putUser('L-1', 9, { name: 'Ana Lopez', code: '4817', partitions: [1], externalRef: `rollcall:${people.Ana}` }, 'outside-1');
    db.sqlite.prepare('UPDATE person SET access_enabled = 0 WHERE id = ?').run(people.Ana);
    const run = await service.syncUsers({ locationId: id });
    expect(run.results[0].ok).toBe(true);
    const left = fake.serviceUsers('L-1');
    expect(left.filter((u) => u.externalRef === `rollcall:${people.Ana}`)).toEqual([]);
    expect(left.map((u) => u.slot)).not.toContain(anaSlot);
    expect(fake.panelUsers('L-1').map((u) => u.name).sort()).toEqual(['Ben Okafor', 'Master']);
  });
});

describe('resolving a difference', () => {
  it('does not remove or overwrite whoever holds the slot at the service now when it is not who the difference named', async () => {
    await setup();
    const id = await locationId('L-1');
    await service.syncUsers({ locationId: id });
    const ben = fake.serviceUsers('L-1').find((u) => u.name === 'Ben Okafor')!;
    // Ben was deleted at the keypad: the panel sync shows him missing from the panel.
    fake.editPanelUser('L-1', ben.slot, null);
    await service.syncPanel({ locationId: id });
    expect(service.differences(id).rows.map((d) => d.kind)).toEqual(['missing_on_panel']);
    // Meanwhile someone else's console put another person into that slot at the service.
    await client().putUser('L-1', ben.slot, { name: 'Zed Outsider', code: '6302', partitions: [1], externalRef: null }, 'outside-2');

    const out = await service.resolveDifference(id, `slot-${ben.slot}`, 'accept-panel').catch((e: Error) => ({ ok: false, summary: e.message }));
    expect(out.ok).toBe(false);
    expect(out.summary).toMatch(/changed|Sync panel/i);
    expect(fake.serviceUsers('L-1').find((u) => u.slot === ben.slot)?.name).toBe('Zed Outsider');
  });
});

describe('alarm-panel account list', () => {
  it('refuses a location list that ends before its total instead of making every other account look gone', async () => {
    await setup();
    await service.syncUsers({ siteId, all: true });
    const access = createAlarmPanelAccess(client());
    fake.misbehave({ emptyList: true, method: 'GET', path: '/v1/locations' });
    const read = async () => {
      const out = [];
      for await (const page of access.list()) out.push(...page);
      return out;
    };
    await expect(read()).rejects.toBeInstanceOf(UpstreamError);
    // Ana and Ben once each (a slot at both locations), and the two master codes.
    expect((await read()).length).toBe(4);
  });
});
