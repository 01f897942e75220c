import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { databaseFile } from '../core/app-paths';

/*
 * Quitting while the core is still starting (the first start seeds the demo, which takes a while):
 * the core finishes starting, closes the database properly and exits, instead of being cut off with
 * the file open. A start-up that never finishes does not hold the exit for ever.
 *
 * The real core-process.ts runs in a child process, started as the desktop host starts it
 * (`--host electron`), so it asks its parent for secrets: this test is that parent, and holds the
 * first answer back, which keeps the start-up waiting exactly where the test wants it.
 */

const CHILD = fileURLToPath(new URL('./testing/core-process-child.mjs', import.meta.url));

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

type Message = { t?: string; name?: string; id?: number; op?: string; ref?: string; value?: string };

/** A core process on a fresh data folder, whose secret requests wait until `answerSecrets()`. */
function startCore(env: NodeJS.ProcessEnv = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'rollcall-core-shutdown-'));
  dirs.push(dataDir);
  const child = fork(CHILD, ['--data-dir', dataDir, '--host', 'electron', '--role', 'manager'], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    env: { ...process.env, ROLLCALL_BACKGROUND_PUSH: '0', ...env },
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (b) => (stderr += String(b)));
  const secrets = new Map<string, string>();
  const held: Message[] = [];
  let answering = false;
  const events: string[] = [];
  const answer = (m: Message) => {
    if (m.op === 'set') secrets.set(m.ref!, m.value!);
    if (m.op === 'delete') secrets.delete(m.ref!);
    const value = m.op === 'get' ? (secrets.get(m.ref!) ?? null) : null;
    if (child.connected) child.send({ t: 'secret.res', id: m.id, ok: true, value });
  };
  child.on('message', (raw) => {
    const m = raw as Message;
    if (m.t === 'evt' && m.name) events.push(m.name);
    if (m.t !== 'secret.req') return;
    if (answering) answer(m);
    else held.push(m);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((done) =>
    child.once('exit', (code, signal) => done({ code, signal, at: Date.now() })),
  );
  return {
    child,
    dataDir,
    events,
    exited,
    stderr: () => stderr,
    heldRequests: () => held.length,
    answerSecrets() {
      answering = true;
      for (const m of held.splice(0)) answer(m);
    },
  };
}

async function until(check: () => boolean, ms = 15_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('a stop signal while the core is starting', () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal}: start-up finishes, the database is closed properly, then the process exits`, async () => {
      const core = startCore();
      // The database is open and the core is waiting on its secret store: it is mid-start.
      await until(() => core.heldRequests() > 0);
      expect(existsSync(databaseFile(core.dataDir))).toBe(true);
      core.child.kill(signal);
      // Give the signal time to land before start-up may go on.
      await new Promise((r) => setTimeout(r, 200));
      core.answerSecrets();

      const { code, signal: killedBy } = await core.exited;
      expect({ code, killedBy }, core.stderr()).toEqual({ code: 0, killedBy: null });
      // Asked to stop, it never said it was ready to take calls.
      expect(core.events).not.toContain('core.ready');
      // A closed database leaves no write-ahead log behind; one cut off while open does.
      const file = databaseFile(core.dataDir);
      expect(existsSync(`${file}-wal`)).toBe(false);
      // Start-up ran to its end: the first start's demo is all there.
      const db = new Database(file, { readonly: true });
      try {
        expect(db.prepare('SELECT count(*) FROM site').pluck().get()).toBe(1);
        expect(db.prepare('SELECT count(*) FROM person').pluck().get()).toBeGreaterThan(100);
      } finally {
        db.close();
      }
    });
  }

  it('a start-up that does not finish holds the exit only as long as the bound', async () => {
    const core = startCore({ ROLLCALL_SHUTDOWN_WAIT_MS: '1500' });
    await until(() => core.heldRequests() > 0);
    const sentAt = Date.now();
    core.child.kill('SIGTERM');
    // The secret store never answers (the desktop side would wait 15 s): start-up stays stuck.
    const { code, signal, at } = await core.exited;
    expect(signal).toBeNull();
    expect(code).toBe(1);
    expect(at - sentAt).toBeGreaterThanOrEqual(1400);
    expect(at - sentAt).toBeLessThan(10_000);
    expect(core.stderr()).toMatch(/still starting .*1\.5 s/);
  });
});
