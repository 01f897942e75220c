import { afterEach, describe, expect, it } from 'vitest';
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCoreSupervisor, describeStartupFailure } from './core-supervisor';
import type { CoreStartupFailure, CoreStatus, CoreSupervisor } from './core-supervisor';
import { createCore } from '../core/core';
import { databaseFile } from '../core/app-paths';

/*
 * A core that cannot start says why, and the host passes that on instead of "stopped N times";
 * a reason that every new start would meet again (a damaged file) stops the restarts.
 */

const FAKE_CORE = fileURLToPath(new URL('./testing/fake-core.mjs', import.meta.url));

const started: ChildProcess[] = [];
const supervisors: CoreSupervisor[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
  for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A supervisor over fake cores that each report `failure` and exit, as core-process.ts does. */
function superviseFailingStarts(failure: CoreStartupFailure, maxRestarts = 3) {
  const statuses: CoreStatus[] = [];
  const logs: string[] = [];
  let forks = 0;
  const sup = createCoreSupervisor({
    fork: () => {
      forks += 1;
      const child = fork(FAKE_CORE, ['--fail-start', JSON.stringify(failure)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      started.push(child);
      return {
        send: (m) => void (child.connected && child.send(m)),
        onMessage: (cb) => void child.on('message', cb),
        onExit: (cb) => void child.on('exit', (code) => cb(code)),
        kill: () => void child.kill('SIGTERM'),
      };
    },
    onEvent: () => {},
    onStatus: (s) => statuses.push(s),
    backoffMs: () => 20,
    maxRestarts,
    log: (m) => logs.push(m),
  });
  supervisors.push(sup);
  return { sup, statuses, logs, forks: () => forks };
}

async function until(check: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** What the core process would report on this data folder: the real createCore's error, described. */
async function startupFailureOn(dataDir: string): Promise<CoreStartupFailure> {
  const err = await createCore({ dataDir, host: 'browser', seedDemoWhenEmpty: false }).then(
    async (core) => (await core.close(), null),
    (e: unknown) => e,
  );
  expect(err).not.toBeNull();
  return describeStartupFailure(err);
}

describe('a core that cannot start', () => {
  it('on a damaged database file: reports the explained reason, in one line, as lasting', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rollcall-startfail-'));
    dirs.push(dataDir);
    writeFileSync(databaseFile(dataDir), Buffer.from('Not a database: the minutes of the residents meeting.\n'.repeat(100)));
    const failure = await startupFailureOn(dataDir);
    expect(failure).toMatchObject({ t: 'core.startFailed', lasting: true });
    expect(failure.message).toContain(databaseFile(dataDir));
    expect(failure.message).toMatch(/not a Rollcall database|damaged/);
    expect(failure.message).toMatch(/move it aside/);
    expect(failure.message).not.toContain('\n');
  });

  it('any other start-up error is reported too, but not as lasting (it may pass)', () => {
    const failure = describeStartupFailure(new Error('listen EADDRINUSE:\n  127.0.0.1:4100'));
    expect(failure).toEqual({ t: 'core.startFailed', message: 'listen EADDRINUSE: 127.0.0.1:4100', lasting: false });
  });

  it('the supervisor hears a lasting reason once, does not restart, and answers every call with it', async () => {
    const message = 'The Rollcall database /data/rollcall.db is damaged. Rollcall has left it exactly as it is.';
    const { sup, statuses, logs, forks } = superviseFailingStarts({ t: 'core.startFailed', message, lasting: true });
    sup.start();
    const waiting = sup.call('app.info', {});
    await until(() => sup.state() === 'failed');
    await expect(waiting).resolves.toEqual({ ok: false, error: { code: 'unavailable', message } });
    // Give a (wrong) restart the time to happen: there is none.
    await new Promise((r) => setTimeout(r, 200));
    expect(forks()).toBe(1);
    expect(statuses.map((s) => s.state)).toEqual(['starting', 'failed']);
    expect(sup.status()).toEqual({ state: 'failed', message, restarts: 0 });
    expect(logs).toEqual([`[rollcall] Rollcall could not start: ${message}`]);
    await expect(sup.call('people.search', {})).resolves.toEqual({ ok: false, error: { code: 'unavailable', message } });
  });

  it('a reason that may pass is retried as before, and the give-up message carries it', async () => {
    const { sup, statuses, forks } = superviseFailingStarts({ t: 'core.startFailed', message: 'listen EADDRINUSE 127.0.0.1:4100', lasting: false }, 2);
    sup.start();
    await until(() => sup.state() === 'failed');
    expect(forks()).toBe(3);
    expect(statuses.filter((s) => s.state === 'restarting')).toHaveLength(2);
    expect(statuses.at(-1)?.message).toContain('listen EADDRINUSE 127.0.0.1:4100');
    const answer = await sup.call('app.info', {});
    expect(answer).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(!answer.ok && answer.error.message).toContain('EADDRINUSE');
  });
});
