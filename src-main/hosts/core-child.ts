import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { clientOverPipe } from '../contract/rpc';
import type { MessagePipe, RpcClient, RpcMessage } from '../contract/rpc';
import type { EventMap, EventName } from '../contract/events';

export interface CoreChildOptions {
  entry: string;
  args: string[];
  /** Called for every event the core pushes, to fan out to connected windows. */
  onEvent(name: EventName, payload: unknown): void;
  onExit?(code: number | null, signal: NodeJS.Signals | null): void;
  /** How long to wait for core.ready (the first start may seed the demo). */
  readyTimeoutMs?: number;
}

export interface CoreChild {
  client: RpcClient;
  pid: number | undefined;
  stop(): Promise<void>;
}

/**
 * Runs the core in a Node child process (the browser host's counterpart of Electron's
 * utilityProcess) and resolves once the core says it is ready.
 */
export function startCoreChild(opts: CoreChildOptions): Promise<CoreChild> {
  const child: ChildProcess = fork(opts.entry, opts.args, {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [],
  });
  const subs = new Set<(m: RpcMessage) => void>();
  child.on('message', (m) => subs.forEach((cb) => cb(m as RpcMessage)));
  const pipe: MessagePipe = {
    send: (m) => {
      if (child.connected) child.send(m);
    },
    onMessage: (cb) => (subs.add(cb), () => subs.delete(cb)),
  };
  const client = clientOverPipe(pipe);
  for (const name of [
    'sync.progress',
    'sync.finished',
    'activity.appended',
    'alerts.changed',
    'people.changed',
    'sites.changed',
  ] as const satisfies readonly EventName[]) {
    client.on(name, (p: EventMap[typeof name]) => opts.onEvent(name, p));
  }

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('The core process did not start in time.'));
    }, opts.readyTimeoutMs ?? 120_000);
    let ready = false;
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      client.failAll({ code: 'unavailable', message: 'The Rollcall core stopped. Restart Rollcall.' });
      if (!ready) reject(new Error(`The core process exited during start-up (code ${code}, signal ${signal}).`));
      opts.onExit?.(code, signal);
    });
    client.on('core.ready', () => {
      ready = true;
      clearTimeout(timer);
      resolve({
        client,
        pid: child.pid,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
            setTimeout(() => child.kill('SIGKILL'), 5000).unref();
          }),
      });
    });
  });
}
