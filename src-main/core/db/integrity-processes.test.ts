import 'reflect-metadata';
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from './migrations';
import { openDatabase } from './open-database';
import { databaseFile } from '../app-paths';
import { createCore } from '../core';
import type { Core } from '../core';
import { dispatch } from '../../contract/dispatch';

/*
 * The app's core and the CLI are two processes on one SQLite file, and either can be killed at
 * any moment. These tests run the second process for real (db-child.mjs) and kill it with SIGKILL.
 */

const dirs: string[] = [];
const children: ChildProcess[] = [];
const cores: Core[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const c of cores.splice(0)) await c.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(prefix = 'rollcall-integrity-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

type ChildMessage = { t: string; [k: string]: unknown };

function child(action: string, target: string) {
  const proc = fork(join(__dirname, 'db-child.mjs'), [action, target], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  children.push(proc);
  let stderr = '';
  proc.stderr?.on('data', (b) => (stderr += String(b)));
  const messages: ChildMessage[] = [];
  const waiters: Array<() => void> = [];
  proc.on('message', (m) => {
    messages.push(m as ChildMessage);
    waiters.splice(0).forEach((w) => w());
  });
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.once('exit', () => waiters.splice(0).forEach((w) => w()));
  /** The next message of this type (or fails with whatever the child said). */
  async function next(t: string, timeoutMs = 30_000): Promise<ChildMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = messages.findIndex((m) => m.t === t || m.t === 'error');
      if (i >= 0) {
        const [m] = messages.splice(i, 1);
        if (m.t === 'error') throw new Error(`child failed: ${String(m.message)}`);
        return m;
      }
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`child exited before "${t}": ${stderr}`);
      if (Date.now() > deadline) throw new Error(`no "${t}" from the child: ${stderr}`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 200);
      });
    }
  }
  return { proc, next, exited, stderr: () => stderr };
}

/** A database left by a version of the app that knew only the first `upTo` migrations, with data in it. */
async function olderDatabase(file: string, upTo: number): Promise<void> {
  const ds = new DataSource({ type: 'better-sqlite3', database: file, migrations: MIGRATIONS.slice(0, upTo), logging: false });
  await ds.initialize();
  await ds.runMigrations({ transaction: 'each' });
  await ds.destroy();
  const db = new Database(file);
  const at = '2024-05-01T10:00:00.000Z';
  db.prepare(`INSERT INTO site (id, name, is_demo, timezone, settings, created_at) VALUES ('s1', 'Maple Court', 0, 'UTC', '{"integrationsEnabled":true}', ?)`).run(at);
  db.prepare(`INSERT INTO source_connection (id, site_id, kind, name, enabled, config, created_at) VALUES ('c1', 's1', 'csv', 'Leases', 1, '{}', ?)`).run(at);
  const person = db.prepare(
    `INSERT INTO person (id, site_id, type, first_name, last_name, email, source_connection_id, external_id, notes, created_at, updated_at)
     VALUES (?, 's1', 'resident', ?, 'Okafor', ?, 'c1', ?, ?, ?, ?)`,
  );
  for (let i = 0; i < 50; i++) person.run(`p${i}`, `Ada${i}`, `ada${i}@example.org`, `ext-${i}`, i === 0 ? 'Keeps the spare fob' : '', at, at);
  db.close();
}

describe('two processes on one database', () => {
  it.each([
    ['a database from an older version', 3, 50],
    ['a new database file', 0, 0],
  ])('both open %s at the same moment: each migration runs once, no data is lost', async (_what, upTo, people) => {
    const dir = tempDir();
    const file = join(dir, 'rollcall.db');
    if (upTo > 0) await olderDatabase(file, upTo);
    const a = child('open', file);
    const b = child('open', file);
    await Promise.all([a.next('ready'), b.next('ready')]);
    a.proc.send('go');
    b.proc.send('go');
    const results = await Promise.allSettled([a.next('ok'), b.next('ok')]);
    expect(results.map((r) => (r.status === 'fulfilled' ? 'opened' : String(r.reason)))).toEqual(['opened', 'opened']);

    const db = await openDatabase(file);
    const names = db.sqlite.prepare('SELECT name FROM migrations ORDER BY id').pluck().all() as string[];
    expect(names).toEqual(MIGRATIONS.map((m) => m.name));
    expect(db.sqlite.prepare('SELECT count(*) FROM person').pluck().get()).toBe(people);
    if (people) expect(db.sqlite.prepare(`SELECT notes FROM person WHERE id = 'p0'`).pluck().get()).toBe('Keeps the spare fob');
    expect(db.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    await db.close();
  });

  it('a pass killed while it reads its sources leaves the mirror as it was and does not say "running" for ever', async () => {
    const dataDir = tempDir('rollcall integrity ünïcode ');
    const first = await createCore({ dataDir, host: 'test' });
    const siteId = first.db.sqlite.prepare('SELECT id FROM site').pluck().get() as string;
    const peopleBefore = first.db.sqlite.prepare('SELECT count(*) FROM person').pluck().get();
    await first.close();

    const c = child('slow-pass', dataDir);
    await c.next('ready', 60_000);
    const ro = new Database(databaseFile(dataDir), { readonly: true, fileMustExist: true });
    try {
      const deadline = Date.now() + 20_000;
      while (ro.prepare(`SELECT count(*) FROM sync_run WHERE status = 'running'`).pluck().get() === 0) {
        if (Date.now() > deadline) throw new Error(`the pass never started: ${c.stderr()}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      ro.close();
    }
    c.proc.kill('SIGKILL');
    await c.exited;

    const again = await createCore({ dataDir, host: 'test' });
    cores.push(again);
    expect(again.db.sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(again.db.sqlite.prepare('SELECT count(*) FROM person').pluck().get()).toBe(peopleBefore);
    const last = await dispatch(again.handlers, 'sync.lastRun', { siteId }, { role: 'manager' });
    expect(last.ok).toBe(true);
    const run = (last as { result: { status: string; error: string | null } }).result;
    // The header shows a "running" last run as a pass in progress and will not start another.
    expect(run.status).toBe('failed');
    expect(run.error).toMatch(/interrupted/i);
    // And a new pass runs normally.
    const [next] = await (async () => {
      const out = await dispatch(again.handlers, 'sync.runNow', { siteId }, { role: 'manager' });
      if (!out.ok) throw new Error(out.error.message);
      return out.result as Array<{ status: string }>;
    })();
    expect(next.status).toBe('complete');
  }, 90_000);

  it('passes killed at random moments: the file opens, and every person is from one whole pass, never half of one', async () => {
    const dataDir = tempDir();
    for (const delay of [0, 60, 150, 300]) {
      const c = child('csv-passes', dataDir);
      await c.next('ready', 60_000);
      // Let one import finish (or, after the first round, just start), then kill at a moment inside the next pass.
      const first = await c.next('pass', 60_000);
      expect(first).toMatchObject({ status: 'complete' });
      await new Promise((r) => setTimeout(r, delay));
      c.proc.kill('SIGKILL');
      await c.exited;

      const core = await createCore({ dataDir, host: 'test', seedDemoWhenEmpty: false });
      try {
        const { sqlite } = core.db;
        expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(sqlite.pragma('foreign_key_check')).toEqual([]);
        const rounds = sqlite.prepare('SELECT first_name, count(*) AS n FROM person GROUP BY first_name').all();
        expect(rounds).toHaveLength(1);
        expect(rounds[0]).toMatchObject({ n: 5000 });
        expect(sqlite.prepare(`SELECT count(*) FROM sync_run WHERE status = 'running'`).pluck().get()).toBe(0);
        // The last applied pass and the mirror agree on which round they saw.
        const lastComplete = sqlite.prepare(`SELECT count(*) FROM sync_run WHERE status = 'complete' AND dry_run = 0`).pluck().get();
        expect(Number(lastComplete)).toBeGreaterThan(0);
      } finally {
        await core.close();
      }
    }
  }, 180_000);
});
