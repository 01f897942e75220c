import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createCoreSupervisor } from './core-supervisor';

/*
 * Stopping a core that is still starting: core-process.ts lets start-up finish (up to 10 s) before
 * it closes the database, so the host waits that long for it too (a desktop quit is held by
 * stop()), instead of giving up after the 5 s a running core gets.
 */

const SLOW_STOP_CORE = fileURLToPath(new URL('./testing/slow-stop-core.mjs', import.meta.url));
const started: ChildProcess[] = [];
afterEach(() => {
  for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('stopping a core that is still starting', () => {
  it('waits for it to exit beyond the time a running core gets', async () => {
    let child: ChildProcess | null = null;
    const sup = createCoreSupervisor({
      fork: () => {
        child = fork(SLOW_STOP_CORE, ['6500'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
        started.push(child);
        return {
          send: (m) => void (child!.connected && child!.send(m)),
          onMessage: (cb) => void child!.on('message', cb),
          onExit: (cb) => void child!.on('exit', (code) => cb(code)),
          kill: () => void child!.kill('SIGTERM'),
        };
      },
      onEvent: () => {},
      log: () => {},
    });
    sup.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(sup.state()).toBe('starting');
    await sup.stop();
    expect(sup.state()).toBe('stopped');
    expect(child!.exitCode).toBe(0);
  });
});
