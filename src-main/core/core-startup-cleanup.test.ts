import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createCore } from './core';
import { databaseFile } from './app-paths';
import { ALARM_DEMO_STATE_FILE } from './adapters/alarm-panel/demo-alarm-panel';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Listening servers this process holds open (the demo's HTTP fakes). */
function openServers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
}

describe('a core whose start-up fails after the database is open', () => {
  it('closes what it had opened (demo servers, checkpoint thread, database) and rethrows the error of the step that failed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rollcall-startfail-'));
    dirs.push(dataDir);
    // A folder where the demo alarm panel keeps its state file: the demo's property and access
    // servers are already listening when the alarm panel fails to save it, well after the
    // database was opened and migrated.
    mkdirSync(join(dataDir, 'demo', ALARM_DEMO_STATE_FILE), { recursive: true });
    const serversBefore = openServers();

    // The demo's own error comes back, not one from the clean-up.
    await expect(createCore({ dataDir, host: 'browser', seedDemoWhenEmpty: true })).rejects.toThrow(/EISDIR|directory/);

    const file = databaseFile(dataDir);
    expect(existsSync(file)).toBe(true);
    // A clean close checkpoints and removes the WAL and its index; a connection left open keeps both.
    expect(existsSync(`${file}-wal`)).toBe(false);
    expect(existsSync(`${file}-shm`)).toBe(false);
    // Leaving WAL needs the file to itself: a connection still open (the core's, or the checkpoint
    // thread's own) would refuse it.
    const probe = new Database(file);
    try {
      expect(probe.pragma('journal_mode = DELETE', { simple: true })).toBe('delete');
    } finally {
      probe.close();
    }
    // The demo's property and access servers, started before the failing step, are closed too
    // (a closed server's handle is released a turn of the event loop after its 'close').
    const end = Date.now() + 2000;
    while (openServers() > serversBefore && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    expect(openServers()).toBe(serversBefore);
    // And the folder can be removed and used again at once.
    rmSync(dataDir, { recursive: true, force: true });
    expect(existsSync(dataDir)).toBe(false);
  });
});
