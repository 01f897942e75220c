import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from '../core';
import type { Core } from '../core';
import { alarmPanelDemoFor, attachAlarmPanelDemo, startAlarmPanelDemo } from '../adapters/alarm-panel';
import { startAlarmPanelFake } from '../adapters/alarm-panel/fake-alarm-panel';
import type { AlarmPanelFake } from '../adapters/alarm-panel/fake-alarm-panel';
import { auditCount, auditTableText, callAs, changeEntries } from '../audit/change-audit-harness';

/*
 * Location actions a manager takes (sync users, sync panel, resolve a difference, connect an
 * alarm service) are audited with the host's actor; reading and refreshing are not changes.
 */

const ACTOR = 'eve (manager)';
const dirs: string[] = [];
const cores: Core[] = [];
const fakes: AlarmPanelFake[] = [];
afterEach(async () => {
  for (const f of fakes.splice(0)) await f.close();
  for (const c of cores.splice(0)) {
    await alarmPanelDemoFor(c.upstreams)?.close();
    await c.close();
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start() {
  const dataDir = mkdtempSync(join(tmpdir(), 'rollcall-loc-audit-'));
  dirs.push(dataDir);
  const core = await createCore({ dataDir, host: 'test', seedDemoWhenEmpty: true });
  cores.push(core);
  await alarmPanelDemoFor(core.upstreams)?.close();
  attachAlarmPanelDemo(core.upstreams, await startAlarmPanelDemo(join(dataDir, 'demo'), { applyDelayMs: 10 }));
  const call = callAs(core, ACTOR);
  const [site] = await call('sites.list', {});
  return { core, call, siteId: site.id };
}

describe('audit of location actions', () => {
  it('records sync users and sync panel with their outcome; refresh and reads are not audited', async () => {
    const { core, call, siteId } = await start();
    const list = await call('locations.list', { siteId });
    await call('locations.refresh', { siteId, all: true });
    await call('locations.events', { locationId: list[0].id });
    expect(await changeEntries(call)).toEqual([]);

    await call('locations.syncUsers', { siteId, all: true });
    const gym = list.find((l) => l.name === 'Fitness center')!;
    await call('locations.syncPanel', { locationId: gym.id });

    const entries = await changeEntries(call);
    expect(entries.map((e) => [e.action, e.actor, e.siteId, e.result, e.target])).toEqual([
      ['locations-sync-users', ACTOR, siteId, 'partial', 'All locations'],
      ['locations-sync-panel', ACTOR, siteId, 'done', 'Fitness center'],
    ]);
    expect(entries[0].message).toMatch(/^Sync users at all locations: 2 of 3 succeeded; Maintenance garage: /);
    expect(entries[0].detail).toMatchObject({ subject: 'location', action: 'syncUsers' });
    expect(entries[1].message).toMatch(/^Sync panel at Fitness center: /);
    // Panel user codes never reach the trail, masked or not.
    expect(auditTableText(core)).not.toMatch(/"code"/);
  });

  it('writes nothing when the front desk tries, or the location is busy or gone', async () => {
    const { core, call, siteId } = await start();
    const [loc] = await call('locations.list', { siteId });
    const before = auditCount(core);
    await expect(call('locations.syncUsers', { locationId: loc.id }, 'frontDesk')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(call('locations.syncUsers', { locationId: '00000000-0000-4000-8000-000000000000' })).rejects.toMatchObject({ code: 'not_found' });
    await expect(call('locations.resolveDifference', { locationId: loc.id, differenceId: 'slot-2', resolution: 'push' })).rejects.toMatchObject({ code: 'not_found' });
    const first = call('locations.syncUsers', { locationId: loc.id });
    await expect(call('locations.syncUsers', { locationId: loc.id })).rejects.toMatchObject({ code: 'conflict' });
    await first;
    expect(auditCount(core)).toBe(before + 1);
  });

  it('records an alarm service connected from Locations, by its address and the key by name only', async () => {
    const { core, call, siteId } = await start();
    const key = 'alarm_live_key_9c8b7a6f5e4d';
    const fake = await startAlarmPanelFake({ apiKey: key, locations: [{ locationId: 'L-1', name: 'Pool house' }] });
    fakes.push(fake);
    const before = auditCount(core);
    await expect(call('locations.connect', { siteId, name: 'Pool alarm', baseUrl: fake.url, apiKey: 'wrong-key-123456' })).rejects.toMatchObject({ code: 'unavailable' });
    expect(auditCount(core)).toBe(before);

    const out = await call('locations.connect', { siteId, name: 'Pool alarm', baseUrl: fake.url, apiKey: key });
    const [entry] = (await changeEntries(call)).filter((e) => e.target === 'Pool alarm');
    expect(entry).toMatchObject({ action: 'connection-added', actor: ACTOR, siteId, result: 'saved' });
    expect(entry.message).toBe("Connection 'Pool alarm' added (alarm service, 1 location found): address; secrets set: API key");
    expect(entry.detail).toMatchObject({ connectionId: out.accessSystemId, secretsChanged: ['API key'] });
    expect(auditTableText(core)).not.toContain(key);
  });
});
