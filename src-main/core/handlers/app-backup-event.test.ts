import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventMap } from '../../contract/events';
import { createCore } from '../core';
import { CoreEvents } from '../core-events';
import { DatabaseBackups } from '../db/backups';
import type { Core, CoreOptions } from '../core';
import { callAs } from '../audit/change-audit-harness';

/*
 * app.backupChanged: after every backup the core tries (the daily one or one asked for), worked or
 * not, so a manager's window can show a failing daily backup without anyone opening Settings.
 */

const dirs: string[] = [];
const cores: Core[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(opts: Partial<CoreOptions> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'rollcall-backup-event-'));
  dirs.push(dataDir);
  const c = await createCore({ dataDir, host: 'test', seedDemoWhenEmpty: false, ...opts });
  cores.push(c);
  const heard: Array<EventMap['app.backupChanged']> = [];
  c.events.subscribe((name, payload) => {
    if (name === 'app.backupChanged') heard.push(payload as EventMap['app.backupChanged']);
  });
  return { dataDir, core: c, heard, call: callAs(c, 'ana (manager)') };
}

describe('app.backupChanged', () => {
  it('is sent after a backup asked for, whether it was written or failed', async () => {
    const at = new Date(2026, 8, 9, 14, 30);
    const { dataDir, heard, call } = await start({ now: () => at });
    await call('app.backupNow', {});
    expect(heard).toEqual([{ ok: true, at: at.toISOString() }]);

    rmSync(join(dataDir, 'backups'), { recursive: true });
    writeFileSync(join(dataDir, 'backups'), 'not a folder');
    await expect(call('app.backupNow', {})).rejects.toMatchObject({ code: 'unavailable' });
    expect(heard).toEqual([
      { ok: true, at: at.toISOString() },
      { ok: false, at: at.toISOString() },
    ]);
    // What a window re-asks on hearing it.
    expect((await call('app.backupStatus', {})).lastFailure?.message).toMatch(/cannot write backups/);
  });

  it('is sent when the daily backup fails, and again when the next one works', async () => {
    const { dataDir, core } = await start();
    const events = new CoreEvents();
    const heard: Array<EventMap['app.backupChanged']> = [];
    events.subscribe((name, payload) => name === 'app.backupChanged' && heard.push(payload as EventMap['app.backupChanged']));
    const clock = { now: new Date(2026, 9, 1, 7, 0) };
    const daily = new DatabaseBackups({ sqlite: core.db.sqlite, dataDir, now: () => clock.now, events });
    writeFileSync(join(dataDir, 'backups'), 'not a folder');

    expect(await daily.backupIfDue()).toBeNull();
    expect(heard).toEqual([{ ok: false, at: clock.now.toISOString() }]);

    rmSync(join(dataDir, 'backups'));
    clock.now = new Date(2026, 9, 1, 8, 0);
    expect(await daily.backupIfDue()).not.toBeNull();
    expect(heard.at(-1)).toEqual({ ok: true, at: clock.now.toISOString() });
    // Not due again: nothing tried, nothing sent.
    await daily.backupIfDue();
    expect(heard).toHaveLength(2);
    await daily.stop();
  });
});
