import { describe, expect, it } from 'vitest';
import type { Core } from '../core';
import { coresPerTest } from '../decisions/test-core';

/*
 * Reset and remove are buttons in the UI; a pass may be running (Sync now, the schedule) when
 * someone presses them, or someone presses twice. Whatever the order, the file must end with one
 * demo site (or none after a remove), fully seeded, and every call must answer.
 */

const start = coresPerTest();

const count = (core: Core, sql: string) => Number(core.db.sqlite.prepare(sql).pluck().get());

describe('the demo while something else happens', () => {
  it('two resets at once leave one demo site, seeded once', async () => {
    const { core, call } = await start();
    const results = await Promise.allSettled([call('demo.reset', {}), call('demo.reset', {})]);
    expect(results.filter((r) => r.status === 'fulfilled').length).toBeGreaterThan(0);
    expect(count(core, 'SELECT count(*) FROM site WHERE is_demo = 1')).toBe(1);
    const [site] = await call('sites.list', {});
    expect(site.peopleCount).toBeGreaterThan(200);
    expect(site.lastSyncStatus).toBe('complete');
  });

  /*
   * DemoControl (handlers/demo-handlers.ts) runs reset and remove one at a time, or two resets
   * start two sets of demo servers and one set is never closed; the engine answers not_found when
   * its site was deleted mid-pass instead of returning, and emitting, a null run.
   */
  it('two resets at once leave no demo server running after close', async () => {
    const servers = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
    const before = servers();
    const { call, close } = await start();
    await Promise.allSettled([call('demo.reset', {}), call('demo.reset', {})]);
    await close();
    // Closing servers let go of their handles a moment later; a leaked one never does.
    for (let i = 0; i < 100 && servers() > before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(servers()).toBeLessThanOrEqual(before);
  });

  it('a reset while a pass is reading answers both calls and leaves one complete demo site', async () => {
    const { core, call, siteId } = await start();
    core.upstreams.demo!.source.misbehave({ delayMs: 300, times: 1 });
    const pass = call('sync.runNow', { siteId });
    await new Promise((r) => setTimeout(r, 50));
    const reset = call('demo.reset', {});
    const [passOut, resetOut] = await Promise.allSettled([pass, reset]);
    expect(resetOut.status).toBe('fulfilled');
    // The pass's site went away under it: a clear answer, not an empty one.
    if (passOut.status === 'fulfilled') {
      for (const run of passOut.value) expect(run).toBeTruthy();
    } else {
      expect(String((passOut.reason as Error).message)).toMatch(/site|removed|no longer/i);
    }
    expect(count(core, 'SELECT count(*) FROM site WHERE is_demo = 1')).toBe(1);
    const sites = await call('sites.list', {});
    expect(sites).toHaveLength(1);
    expect(sites[0].peopleCount).toBeGreaterThan(200);
    expect(sites[0].lastSyncStatus).toBe('complete');
  });

  it('a remove while a pass is reading answers both calls, and the demo stays removed', async () => {
    const { core, call, siteId } = await start();
    core.upstreams.demo!.source.misbehave({ delayMs: 300, times: 1 });
    const pass = call('sync.runNow', { siteId });
    await new Promise((r) => setTimeout(r, 50));
    const removed = await call('demo.remove', {});
    expect(removed.removed).toBe(true);
    const passOut = await Promise.allSettled([pass]).then(([r]) => r);
    if (passOut.status === 'fulfilled') {
      for (const run of passOut.value) expect(run).toBeTruthy();
    } else {
      expect(String((passOut.reason as Error).message)).toMatch(/site|removed|no longer/i);
    }
    expect(await call('sites.list', {})).toEqual([]);
    expect(count(core, 'SELECT count(*) FROM person')).toBe(0);
    expect(count(core, 'SELECT count(*) FROM sync_run')).toBe(0);
  });

  it('a pass asked for right after a remove says the site is gone', async () => {
    const { call, siteId } = await start();
    await call('demo.remove', {});
    await expect(call('sync.runNow', { siteId })).rejects.toMatchObject({ code: 'not_found' });
  });
});
