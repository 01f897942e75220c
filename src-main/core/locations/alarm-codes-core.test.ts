import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from '../core';
import type { Core } from '../core';
import { dispatch } from '../../contract/dispatch';
import type { CallInput, CallName, CallOutput } from '../../contract/api';
import { databaseFile } from '../app-paths';
import { alarmPanelDemoFor, attachAlarmPanelDemo, startAlarmPanelDemo } from '../adapters/alarm-panel';
import { EXTERNAL_REF_PREFIX } from '../adapters/alarm-panel/alarm-panel-access';
import { alarmCodesFor } from './alarm-codes';

// Alarm user codes through the real core: its file secret store holds the key, the demo alarm
// service stands in for the remote one, and the core is restarted on the same data folder.

const dirs: string[] = [];
const cores: Core[] = [];
afterEach(async () => {
  for (const c of cores.splice(0)) await stop(c);
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function stop(core: Core) {
  const i = cores.indexOf(core);
  if (i >= 0) cores.splice(i, 1);
  await alarmPanelDemoFor(core.upstreams)?.close();
  await core.close();
}

async function start(dataDir: string) {
  const core = await createCore({ dataDir, host: 'test', seedDemoWhenEmpty: true });
  cores.push(core);
  // The demo alarm service keeps its state in the data folder; one whose panels answer quickly.
  await alarmPanelDemoFor(core.upstreams)?.close();
  attachAlarmPanelDemo(core.upstreams, await startAlarmPanelDemo(join(dataDir, 'demo'), { applyDelayMs: 10 }));
  const [site] = await call(core, 'sites.list', {});
  return { core, siteId: site.id, demo: alarmPanelDemoFor(core.upstreams)! };
}

function newDataDir() {
  const d = mkdtempSync(join(tmpdir(), 'rollcall-alarm-codes-'));
  dirs.push(d);
  return d;
}

async function call<K extends CallName>(core: Core, name: K, input: CallInput<K>): Promise<CallOutput<K>> {
  const out = await dispatch(core.handlers, name, input, { role: 'manager' });
  if (!out.ok) throw Object.assign(new Error(out.error.message), out.error);
  return out.result as CallOutput<K>;
}

/** Each person's code at the service, by person id. */
function codesAtService(demo: { serviceUsers(loc: string): Array<{ code: string; externalRef: string | null }> }, loc: string) {
  const out = new Map<string, string>();
  for (const u of demo.serviceUsers(loc)) if (u.externalRef?.startsWith(EXTERNAL_REF_PREFIX)) out.set(u.externalRef.slice(EXTERNAL_REF_PREFIX.length), u.code);
  return out;
}

/** The code columns as anyone with a copy of the file would read them. */
function storedCodes(dataDir: string): Array<{ table: string; key: string; code: string }> {
  const reader = new Database(databaseFile(dataDir), { readonly: true });
  try {
    return [
      ...(reader.prepare(`SELECT 'alarm_user_code' AS "table", person_id AS key, code FROM alarm_user_code`).all() as Array<{ table: string; key: string; code: string }>),
      ...(reader.prepare(`SELECT 'alarm_user' AS "table", name AS key, code FROM alarm_user`).all() as Array<{ table: string; key: string; code: string }>),
    ];
  } finally {
    reader.close();
  }
}

function onDisk(dataDir: string, text: string): boolean {
  const file = databaseFile(dataDir);
  const needle = Buffer.from(text, 'utf8');
  return [file, `${file}-wal`].filter(existsSync).some((f) => readFileSync(f).includes(needle));
}

describe('alarm user codes in the core', () => {
  it('are sealed in the file, survive a restart of the core and unseal to the same codes', async () => {
    const dataDir = newDataDir();
    const first = await start(dataDir);
    const run = await call(first.core, 'locations.syncUsers', { siteId: first.siteId, all: true });
    expect(run.results.map((r) => r.result)).toEqual(['success', 'success', 'failed']);
    const before = codesAtService(first.demo, 'LOC-4101');
    expect(before.size).toBe(39);

    const check = () => {
      const rows = storedCodes(dataDir);
      expect(rows.filter((r) => r.table === 'alarm_user_code')).toHaveLength(39);
      for (const r of rows) expect(r.code.startsWith('sealed:v1:')).toBe(true);
      // Where SQLite would put a clear code: right after the person's id in alarm_user_code, and
      // right before the row's created_at ("20…"). Without that last part, a person's id followed
      // by another row's timestamp ("…2026-12-08T…") read as the clear code 2026 now and then.
      for (const [personId, code] of before) expect(onDisk(dataDir, `${personId}${code}20`)).toBe(false);
      // In alarm_user a code sits between the user's name and their partitions ("[…").
      for (const u of first.demo.serviceUsers('LOC-4101')) expect(onDisk(dataDir, `${u.name}${u.code}[`)).toBe(false);
    };
    check();
    await stop(first.core);
    check();

    const second = await start(dataDir);
    const codes = alarmCodesFor(second.core.db)!;
    for (const r of storedCodes(dataDir).filter((x) => x.table === 'alarm_user_code')) {
      expect(codes.unseal(r.code, 'a test code')).toBe(before.get(r.key));
    }
    const again = await call(second.core, 'locations.syncUsers', { siteId: second.siteId, all: true });
    expect(again.results.filter((r) => r.ok).map((r) => r.summary)).toEqual([
      expect.stringMatching(/No change was needed/),
      expect.stringMatching(/No change was needed/),
    ]);
    expect(codesAtService(second.demo, 'LOC-4101')).toEqual(before);
  });

  it('a database from before sealing keeps its clear codes in use and has them sealed when the core starts', async () => {
    const dataDir = newDataDir();
    const first = await start(dataDir);
    const [leasing] = (await call(first.core, 'locations.list', { siteId: first.siteId })).filter((l) => l.name === 'Leasing office');
    await call(first.core, 'locations.syncUsers', { locationId: leasing.id });
    await call(first.core, 'locations.syncPanel', { locationId: leasing.id });
    const atService = codesAtService(first.demo, leasing.remoteId);
    expect(atService.size).toBe(39);
    await stop(first.core);

    // As an older Rollcall left it: every code in clear, one person's an older 8-digit one.
    const [someone] = [...atService.keys()];
    const writer = new Database(databaseFile(dataDir));
    const clearCodeOf = new Map(first.demo.serviceUsers(leasing.remoteId).map((u) => [u.slot, u.code] as const));
    writer.transaction(() => {
      for (const [personId, code] of atService) writer.prepare('UPDATE alarm_user_code SET code = ? WHERE person_id = ?').run(personId === someone ? '73914682' : code, personId);
      for (const u of writer.prepare('SELECT id, slot FROM alarm_user').all() as Array<{ id: number; slot: number }>) {
        writer.prepare('UPDATE alarm_user SET code = ? WHERE id = ?').run(clearCodeOf.get(u.slot) ?? '2580', u.id);
      }
    })();
    writer.close();
    expect(onDisk(dataDir, '73914682')).toBe(true);

    const second = await start(dataDir);
    for (const r of storedCodes(dataDir)) expect(r.code.startsWith('sealed:v1:')).toBe(true);
    // Sealed in place, and the clear bytes are gone from the file and its WAL too.
    expect(onDisk(dataDir, '73914682')).toBe(false);
    expect(onDisk(dataDir, `${someone}73914682`)).toBe(false);

    const run = await call(second.core, 'locations.syncUsers', { locationId: leasing.id });
    expect(run.results[0]).toMatchObject({ ok: true, result: 'success' });
    expect(run.results[0].summary).toMatch(/1 updated/);
    const now = codesAtService(second.demo, leasing.remoteId);
    expect(now.get(someone)).toBe('73914682');
    for (const [personId, code] of atService) if (personId !== someone) expect(now.get(personId)).toBe(code);
  });
});
