import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from '../core';
import type { Core } from '../core';
import { dispatch } from '../../contract/dispatch';
import type { CallInput, CallName, CallOutput } from '../../contract/api';
import type { Role } from '../../contract/define';
import { alarmPanelDemoFor, attachAlarmPanelDemo, startAlarmPanelDemo } from '../adapters/alarm-panel';

// The location calls through the real core and its dispatch (roles, validation), against the
// demo alarm service attached the way the demo wiring does it.

const dirs: string[] = [];
const cores: Core[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) {
    await alarmPanelDemoFor(c.upstreams)?.close();
    await c.close();
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start() {
  const dataDir = mkdtempSync(join(tmpdir(), 'rollcall-loc-core-'));
  dirs.push(dataDir);
  const core = await createCore({ dataDir, host: 'test', seedDemoWhenEmpty: true });
  cores.push(core);
  // The demo wires its alarm service itself; swap in one whose panels apply changes quickly.
  await alarmPanelDemoFor(core.upstreams)?.close();
  attachAlarmPanelDemo(core.upstreams, await startAlarmPanelDemo(join(dataDir, 'demo'), { applyDelayMs: 10 }));
  const [site] = await call(core, 'sites.list', {});
  return { core, siteId: site.id };
}

async function call<K extends CallName>(core: Core, name: K, input: CallInput<K>, role: Role = 'manager'): Promise<CallOutput<K>> {
  const out = await dispatch(core.handlers, name, input, { role });
  if (!out.ok) throw Object.assign(new Error(out.error.message), out.error);
  return out.result as CallOutput<K>;
}

describe('location calls on the demo', () => {
  it('lists the demo locations and syncs the active staff to every panel that is online', async () => {
    const { core, siteId } = await start();
    const list = await call(core, 'locations.list', { siteId });
    expect(list.map((l) => [l.name, l.connection])).toEqual([
      ['Fitness center', 'online'],
      ['Leasing office', 'online'],
      ['Maintenance garage', 'offline'],
    ]);
    const run = await call(core, 'locations.syncUsers', { siteId, all: true });
    expect(run.results.map((r) => r.result)).toEqual(['success', 'success', 'failed']);
    // The demo has 39 active staff; the panels also keep their master code (and the gym its night cleaner).
    const demo = alarmPanelDemoFor(core.upstreams)!;
    expect(demo.panelUsers('LOC-4101')).toHaveLength(40);
    expect(demo.panelUsers('LOC-4102')).toHaveLength(41);

    const garage = list.find((l) => l.remoteId === 'LOC-4103')!;
    const page = await call(core, 'locations.events', { locationId: garage.id });
    expect(page.location.name).toBe('Maintenance garage');
    expect(page.rows[0]).toMatchObject({ type: 'user_sync', result: 'failed' });
  });

  it('writes need the manager role; reading and refreshing do not', async () => {
    const { core, siteId } = await start();
    const [loc] = await call(core, 'locations.list', { siteId }, 'frontDesk');
    await expect(call(core, 'locations.syncUsers', { locationId: loc.id }, 'frontDesk')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(call(core, 'locations.resolveDifference', { locationId: loc.id, differenceId: 'slot-2', resolution: 'push' }, 'frontDesk')).rejects.toMatchObject({
      code: 'forbidden',
    });
    const refreshed = await call(core, 'locations.refresh', { locationId: loc.id }, 'frontDesk');
    expect(refreshed.results[0].ok).toBe(true);
    await expect(call(core, 'locations.resolveDifference', { locationId: loc.id, differenceId: 'slot-2', resolution: 'push' })).rejects.toMatchObject({ code: 'not_found' });
  });
});
