import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAlarmPanelClient } from './alarm-panel-client';
import { startAlarmPanelDemo, ALARM_DEMO_LOCATIONS } from './demo-alarm-panel';
import { startAlarmPanelFake } from './fake-alarm-panel';
import type { AlarmPanelFake } from './fake-alarm-panel';
import { alarmPanelSpec } from './index';

const FAST = { attempts: 3, baseDelayMs: 10, maxDelayMs: 100, timeoutMs: 2_000 };
const dirs: string[] = [];
let fake: AlarmPanelFake | null = null;

afterEach(async () => {
  await fake?.close();
  fake = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const seeds = Array.from({ length: 5 }, (_, i) => ({ locationId: `L-${i + 1}`, name: `Location ${i + 1}` }));

describe('alarm-panel client against its fake', () => {
  it('pages through locations and reports the count on test', async () => {
    fake = await startAlarmPanelFake({ locations: seeds, pageSize: 2 });
    const client = createAlarmPanelClient({ baseUrl: fake.url, apiKey: fake.apiKey, retry: FAST });
    expect((await client.listLocations()).map((l) => l.locationId)).toEqual(['L-1', 'L-2', 'L-3', 'L-4', 'L-5']);
    expect(await client.test()).toEqual({ ok: true, message: 'Connected: the account has 5 locations.' });
  });

  it('a wrong key fails the test without showing the key', async () => {
    fake = await startAlarmPanelFake({ locations: seeds });
    const result = await createAlarmPanelClient({ baseUrl: fake.url, apiKey: 'wrong-key-123', retry: FAST }).test();
    expect(result.ok).toBe(false);
    expect(result.message).toMatch(/rejected the API token \(401\)/);
    expect(result.message).not.toContain('wrong-key-123');
  });

  it('refuses a reply in the wrong shape instead of reading half of it', async () => {
    fake = await startAlarmPanelFake({ locations: seeds });
    const client = createAlarmPanelClient({ baseUrl: fake.url, apiKey: fake.apiKey, retry: FAST });
    fake.misbehave({ malformed: true, path: '/v1/locations' });
    await expect(client.listLocations()).rejects.toThrow(/cannot read \(locations\.0\.locationId\)/);
    fake.misbehave({ truncate: true, path: '/v1/locations', times: 3 });
    await expect(client.listLocations()).rejects.toThrow(/not JSON/);
  });

  it('a duplicate code is refused by the service with its own error code', async () => {
    fake = await startAlarmPanelFake({ locations: [{ locationId: 'L-1', name: 'One', users: [{ slot: 1, name: 'Master', code: '9137', partitions: [1] }] }] });
    const client = createAlarmPanelClient({ baseUrl: fake.url, apiKey: fake.apiKey, retry: FAST });
    await expect(client.putUser('L-1', 2, { name: 'Ana', code: '9137', partitions: [1], externalRef: null }, 'k1')).rejects.toThrow(/409, duplicate_code/);
    // Deleting an empty slot (a retried delete) is not an error.
    expect(await client.deleteUser('L-1', 9, 'k2')).toBe(false);
  });

  it('the access-system view lists one account per person and says writes belong to the locations page', async () => {
    fake = await startAlarmPanelFake({ locations: [{ locationId: 'L-1', name: 'One' }, { locationId: 'L-2', name: 'Two' }] });
    const client = createAlarmPanelClient({ baseUrl: fake.url, apiKey: fake.apiKey, retry: FAST });
    for (const loc of ['L-1', 'L-2']) await client.putUser(loc, 2, { name: 'Ana Lopez', code: '4821', partitions: [1], externalRef: 'rollcall:p-1' }, `k-${loc}`);
    const panel = alarmPanelSpec.create({ baseUrl: fake.url, people: 'staff' }, { apiKey: fake.apiKey });
    const pages = [];
    for await (const page of panel.list()) pages.push(...page);
    expect(pages).toEqual([expect.objectContaining({ remoteId: 'rollcall:p-1', firstName: 'Ana', lastName: 'Lopez', externalRef: 'p-1' })]);
    await expect(panel.create({ firstName: 'A', lastName: 'B', email: null, phone: null, externalRef: 'x' }, { idempotencyKey: 'k' })).rejects.toThrow(/Locations page/);
  });
});

describe('the demo alarm-panel service', () => {
  it('starts with three locations, one offline, and keeps its users across restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rollcall-alarm-demo-'));
    dirs.push(dir);
    fake = await startAlarmPanelDemo(dir, { applyDelayMs: 10 });
    const client = createAlarmPanelClient({ baseUrl: fake.url, apiKey: fake.apiKey, retry: FAST });
    const listed = await client.listLocations();
    expect(listed).toHaveLength(ALARM_DEMO_LOCATIONS.length);
    expect(listed.filter((l) => l.panel.connectionStatus === 'offline').map((l) => l.name)).toEqual(['Maintenance garage']);
    await client.putUser('LOC-4101', 2, { name: 'Ana Lopez', code: '4821', partitions: [1], externalRef: null }, 'k');
    await fake.close();

    fake = await startAlarmPanelDemo(dir, { applyDelayMs: 10 });
    expect(fake.serviceUsers('LOC-4101').map((u) => u.name)).toEqual(['Master', 'Ana Lopez']);
  });
});
