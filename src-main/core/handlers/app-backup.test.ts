import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from '../core';
import type { Core, CoreOptions } from '../core';
import { callAs, changeEntries } from '../audit/change-audit-harness';

/*
 * Backups through the contract (app.backupNow, app.backupStatus: managers only, audited) and the
 * daily backup a long-running core writes on start.
 */

const dirs: string[] = [];
const cores: Core[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'rollcall-app-backup-'));
  dirs.push(d);
  return d;
}

async function core(dataDir: string, opts: Partial<CoreOptions> = {}): Promise<Core> {
  const c = await createCore({ dataDir, host: 'test', seedDemoWhenEmpty: false, ...opts });
  cores.push(c);
  return c;
}

const ACTOR = 'ana (manager)';
const backupNames = (dataDir: string) => (existsSync(join(dataDir, 'backups')) ? readdirSync(join(dataDir, 'backups')) : []);

describe('app.backupNow and app.backupStatus', () => {
  it('a manager backs up now: the file, its size and time come back, the status shows it, and the audit trail has it', async () => {
    const dataDir = tempDir();
    const at = new Date(2026, 8, 9, 14, 30, 45);
    const c = await core(dataDir, { now: () => at });
    const call = callAs(c, ACTOR);
    await call('sites.create', { name: 'Maple Court' });

    const before = await call('app.backupStatus', {});
    expect(before).toMatchObject({ folder: join(dataDir, 'backups'), databaseFile: join(dataDir, 'rollcall.db'), kept: 7, last: null, lastFailure: null });

    const done = await call('app.backupNow', {});
    expect(done).toEqual({ file: join(dataDir, 'backups', 'rollcall-2026-09-09-1430.db'), bytes: statSync(done.file).size, at: at.toISOString() });
    // To the second for a backup this core wrote; a new core reads the minute from the name.
    expect((await call('app.backupStatus', {})).last).toEqual(done);
    await c.close();
    cores.splice(cores.indexOf(c), 1);
    const reopened = callAs(await core(dataDir), ACTOR);
    expect((await reopened('app.backupStatus', {})).last).toEqual({ ...done, at: new Date(2026, 8, 9, 14, 30).toISOString() });

    const entry = (await changeEntries(reopened)).at(-1)!;
    expect(entry).toMatchObject({ kind: 'change', action: 'backup-written', actor: ACTOR, siteId: null, result: 'saved', target: 'rollcall-2026-09-09-1430.db' });
    expect(entry.message).toContain(done.file);
    expect(entry.detail).toMatchObject({ subject: 'backup', file: done.file, bytes: done.bytes });
  });

  it('front desk may neither back up nor read the backup status', async () => {
    const c = await core(tempDir());
    const call = callAs(c, 'sam (front desk)');
    await expect(call('app.backupNow', {}, 'frontDesk')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(call('app.backupStatus', {}, 'frontDesk')).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('a backup that cannot be written says why, is audited as failed, and the core carries on', async () => {
    const dataDir = tempDir();
    const c = await core(dataDir);
    const call = callAs(c, ACTOR);
    writeFileSync(join(dataDir, 'backups'), 'not a folder');

    await expect(call('app.backupNow', {})).rejects.toMatchObject({ code: 'unavailable', message: expect.stringMatching(/cannot write backups to .*backups/) });
    expect((await call('app.backupStatus', {})).lastFailure?.message).toMatch(/cannot write backups/);
    const entry = (await changeEntries(call)).at(-1)!;
    expect(entry).toMatchObject({ action: 'backup-written', result: 'failed', actor: ACTOR });
    expect(entry.message).toMatch(/cannot write backups/);
    await call('sites.create', { name: 'Still Answering' });
  });
});

describe('the daily backup of a long-running core', () => {
  it('is written on start when there is none from the last day, and not again on the next start', async () => {
    const dataDir = tempDir();
    const first = await core(dataDir, { schedule: true, now: () => new Date(2026, 9, 1, 7, 0) });
    await expect.poll(() => backupNames(dataDir)).toEqual(['rollcall-2026-10-01-0700.db']);
    // Not audited: nobody did it.
    expect((await changeEntries(callAs(first, ACTOR))).filter((e) => e.action === 'backup-written')).toEqual([]);
    await first.close();
    cores.splice(cores.indexOf(first), 1);

    const second = await core(dataDir, { schedule: true, now: () => new Date(2026, 9, 1, 18, 0) });
    // Time enough for a backup of this small file, were one due.
    await new Promise((r) => setTimeout(r, 300));
    await second.close();
    cores.splice(cores.indexOf(second), 1);
    expect(backupNames(dataDir)).toEqual(['rollcall-2026-10-01-0700.db']);

    await core(dataDir, { schedule: true, now: () => new Date(2026, 9, 3, 9, 15) });
    await expect.poll(() => backupNames(dataDir)).toEqual(['rollcall-2026-10-01-0700.db', 'rollcall-2026-10-03-0915.db']);
  });

  it('is not written by cores that do not run the schedule (the CLI, tests)', async () => {
    const dataDir = tempDir();
    const c = await core(dataDir);
    await c.close();
    cores.splice(cores.indexOf(c), 1);
    expect(backupNames(dataDir)).toEqual([]);
  });
});
