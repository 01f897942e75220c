import { afterEach, describe, expect, it } from 'vitest';
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createCoreSupervisor } from './core-supervisor';
import type { CoreProcess, CoreStatus, CoreSupervisor, CoreSupervisorOptions } from './core-supervisor';

const FAKE_CORE = fileURLToPath(new URL('./testing/fake-core.mjs', import.meta.url));

/** Node's child process in the shape Electron's utilityProcess gets adapted to. */
function childCore(child: ChildProcess): CoreProcess {
  return {
    send: (m) => void (child.connected && child.send(m)),
    onMessage: (cb) => void child.on('message', cb),
    onExit: (cb) => void child.on('exit', (code) => cb(code)),
    kill: () => void child.kill('SIGTERM'),
  };
}

const started: ChildProcess[] = [];
const supervisors: CoreSupervisor[] = [];

function supervise(extraArgs: string[] = [], opts: Partial<CoreSupervisorOptions> = {}) {
  const events: Array<[string, unknown]> = [];
  const statuses: CoreStatus[] = [];
  const children: ChildProcess[] = [];
  const sup = createCoreSupervisor({
    fork: () => {
      const child = fork(FAKE_CORE, extraArgs, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
      children.push(child);
      started.push(child);
      return childCore(child);
    },
    onEvent: (name, payload) => events.push([name, payload]),
    onStatus: (s) => statuses.push(s),
    backoffMs: () => 20,
    log: () => {},
    ...opts,
  });
  supervisors.push(sup);
  return { sup, events, statuses, children };
}

async function until(check: () => boolean, ms = 10_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

afterEach(async () => {
  await Promise.all(supervisors.splice(0).map((s) => s.stop()));
  for (const c of started.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

describe('the core supervisor', () => {
  it('holds calls until the core is ready, then answers them with envelopes', async () => {
    const { sup, events } = supervise(['--ready-after', '150']);
    sup.start();
    expect(sup.state()).toBe('starting');
    const early = sup.call('test.echo', { n: 1 });
    await expect(early).resolves.toMatchObject({ ok: true, result: { echoed: { n: 1 } } });
    expect(sup.state()).toBe('ready');
    await expect(sup.call('test.missing', {})).resolves.toEqual({ ok: false, error: { code: 'not_found', message: 'No such thing.' } });
    expect(events[0]).toEqual(['core.ready', { version: 'test' }]);
  });

  it('forwards the events the core pushes', async () => {
    const { sup, events } = supervise();
    sup.start();
    await sup.call('test.emit', {});
    expect(events).toContainEqual(['alerts.changed', { siteId: 's1', open: 7 }]);
  });

  it('fails calls in flight with "unavailable" when the core crashes, tells the windows, and restarts it', async () => {
    const { sup, statuses, children } = supervise();
    sup.start();
    const first = await sup.call('test.echo', {});
    const firstPid = (first as { result: { pid: number } }).result.pid;

    const inFlight = sup.call('test.slow', { ms: 30_000 });
    const crashing = sup.call('test.crash', {});
    await expect(inFlight).resolves.toMatchObject({ ok: false, error: { code: 'unavailable' } });
    await expect(crashing).resolves.toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(statuses.map((s) => s.state)).toContain('restarting');

    // A call made during the restart waits for the new core instead of failing.
    const after = await sup.call('test.echo', { again: true });
    expect(after).toMatchObject({ ok: true, result: { echoed: { again: true } } });
    expect((after as { result: { pid: number } }).result.pid).not.toBe(firstPid);
    expect(children).toHaveLength(2);
    expect(statuses.at(-1)?.state).toBe('ready');
  });

  it('gives up after a bounded number of restarts and then fails calls at once', async () => {
    const delays: number[] = [];
    const { sup, statuses, children } = supervise(['--never-ready'], {
      maxRestarts: 2,
      readyTimeoutMs: 200,
      backoffMs: (n) => (delays.push(n), 10),
    });
    sup.start();
    const waiting = sup.call('test.echo', {});
    await until(() => sup.state() === 'failed');
    expect(children).toHaveLength(3);
    expect(delays).toEqual([1, 2]);
    expect(statuses.at(-1)).toMatchObject({ state: 'failed' });
    await expect(waiting).resolves.toMatchObject({ ok: false, error: { code: 'unavailable' } });
    const t0 = Date.now();
    await expect(sup.call('test.echo', {})).resolves.toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(Date.now() - t0).toBeLessThan(100);
  });

  it('backs off more with each consecutive restart by default', async () => {
    const { defaultBackoffMs } = await import('./core-supervisor');
    expect([1, 2, 3, 4].map(defaultBackoffMs)).toEqual([500, 1000, 2000, 4000]);
    expect(defaultBackoffMs(20)).toBe(15_000);
  });

  it('stops the core on shutdown without restarting it', async () => {
    const { sup, children, statuses } = supervise();
    sup.start();
    await sup.call('test.echo', {});
    await sup.stop();
    expect(children[0].exitCode !== null || children[0].signalCode !== null).toBe(true);
    expect(sup.state()).toBe('stopped');
    expect(statuses.map((s) => s.state)).not.toContain('restarting');
    await expect(sup.call('test.echo', {})).resolves.toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(children).toHaveLength(1);
  });
});
