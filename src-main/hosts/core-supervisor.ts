import { clientOverPipe } from '../contract/rpc';
import type { MessagePipe, RpcMessage } from '../contract/rpc';
import type { RpcResult } from '../contract/bridge';
import type { CallName } from '../contract/api';
import { ApiError } from '../contract/errors';
import type { ApiErrorShape } from '../contract/errors';
import type { EventMap } from '../contract/events';

/**
 * The little we need from the process that runs the core. Electron's UtilityProcess fits it
 * through a three-line adapter (see electron-host.ts); tests use a plain Node child process.
 */
export interface CoreProcess {
  send(message: RpcMessage): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

/** What the windows are told (as the `core.status` event) when the core goes away or comes back. */
export type CoreStatus = EventMap['core.status'];
export type CoreState = CoreStatus['state'];

/**
 * What a core process that could not start sends its host just before it exits. Without it the
 * host would only see an exit code and say "stopped N times", while the reason (a damaged
 * database, a folder it may not write) sat in the core's stderr, where a user never looks.
 */
export interface CoreStartupFailure {
  t: 'core.startFailed';
  /** The reason, in one line, as a user should read it. */
  message: string;
  /**
   * True when every new start would fail the same way until someone acts (a damaged or
   * unreadable database file, a role that does not exist): the host then stops restarting.
   */
  lasting: boolean;
}

/**
 * The start-up failure to report for `err`. An error that says it is `lasting` (the database's
 * explained errors, see db/open-errors.ts; an unknown role) stops the restarts; anything else may
 * be a passing problem, so the core is started again as before.
 */
export function describeStartupFailure(err: unknown): CoreStartupFailure {
  const said = err instanceof Error ? err.message : String(err);
  const lasting = (err as { lasting?: unknown } | null)?.lasting === true;
  return { t: 'core.startFailed', message: said.replace(/\s+/g, ' ').trim() || 'no reason was given', lasting };
}

export function isStartupFailure(m: unknown): m is CoreStartupFailure {
  if (!m || typeof m !== 'object') return false;
  const f = m as Partial<CoreStartupFailure>;
  return f.t === 'core.startFailed' && typeof f.message === 'string' && typeof f.lasting === 'boolean';
}

export interface CoreSupervisorOptions {
  /** Starts one core process. Called again for every restart. */
  fork(): CoreProcess;
  /** Every event the core pushes (core.ready included), to fan out to the windows. */
  onEvent(name: string, payload: unknown): void;
  onStatus?(status: CoreStatus): void;
  /** Consecutive restarts before giving up. */
  maxRestarts?: number;
  /** Delay before restart number `attempt` (1-based). */
  backoffMs?(attempt: number): number;
  /** How long a starting core may take to say core.ready (the first start seeds the demo). */
  readyTimeoutMs?: number;
  /** A core that ran this long before stopping counts as a fresh failure, not a crash loop. */
  stableAfterMs?: number;
  log?(message: string): void;
}

export interface CoreSupervisor {
  /** Runs one call; never throws. Waits while the core starts or restarts. */
  call(name: string, args: unknown): Promise<RpcResult>;
  start(): void;
  /** Stops the core gracefully (SIGTERM, so it can close the database) and stops restarting. */
  stop(): Promise<void>;
  state(): CoreState;
  /** The last status told to the windows, for a window that opens (or reconnects) later. */
  status(): CoreStatus;
}

/** How long stop() waits for a running core to close its database before giving up on it. */
const STOP_WAIT_MS = 5_000;
/**
 * The same for a core still starting: core-process.ts lets start-up finish (up to 10 s) before it
 * closes, so a quit during the first demo seed is held that long rather than cutting it off.
 */
const STOP_WAIT_STARTING_MS = 15_000;

const CRASHED_MESSAGE = 'The Rollcall core stopped while working on this request. It is restarting; try again in a moment.';

export function defaultBackoffMs(attempt: number): number {
  return Math.min(500 * 2 ** (attempt - 1), 15_000);
}

interface Running {
  proc: CoreProcess;
  client: ReturnType<typeof clientOverPipe>;
  readyAt: number | null;
  exited: boolean;
  /** Set when the process said why it could not start, before it exited. */
  startFailure: CoreStartupFailure | null;
  readyTimer: ReturnType<typeof setTimeout>;
  exitWaiters: Array<() => void>;
}

/**
 * Keeps one core process running behind the Electron main process. better-sqlite3 is
 * synchronous, so the core lives in its own process; when that process dies, calls in flight
 * fail with 'unavailable' (never hang), the windows hear about it, and the core is restarted
 * with a growing delay, a bounded number of times.
 */
export function createCoreSupervisor(opts: CoreSupervisorOptions): CoreSupervisor {
  const maxRestarts = opts.maxRestarts ?? 5;
  const backoff = opts.backoffMs ?? defaultBackoffMs;
  const readyTimeoutMs = opts.readyTimeoutMs ?? 120_000;
  const stableAfterMs = opts.stableAfterMs ?? 60_000;
  const log = opts.log ?? ((m: string) => console.error(m));

  let state: CoreState = 'idle';
  let lastStatus: CoreStatus = { state, message: 'The Rollcall core is not running.', restarts: 0 };
  let current: Running | null = null;
  let restarts = 0;
  let restartTimer: ReturnType<typeof setTimeout> | null = null;
  let stopping = false;
  const readyWaiters = new Set<{ resolve(r: Running): void; reject(e: ApiError): void }>();

  const setState = (next: CoreState, message: string) => {
    state = next;
    lastStatus = { state: next, message, restarts };
    opts.onStatus?.(lastStatus);
  };

  const failWaiters = (message: string) => {
    for (const w of readyWaiters) w.reject(new ApiError('unavailable', message));
    readyWaiters.clear();
  };

  const spawn = () => {
    let proc: CoreProcess;
    try {
      proc = opts.fork();
    } catch (err) {
      log(`[rollcall] could not start the core: ${err instanceof Error ? err.message : String(err)}`);
      afterExit(null, null);
      return;
    }
    const subs = new Set<(m: RpcMessage) => void>();
    const pipe: MessagePipe = {
      send: (m) => {
        if (run.exited) return;
        try {
          proc.send(m);
        } catch (err) {
          // The process is on its way out; its exit fails whatever is pending.
          log(`[rollcall] could not reach the core: ${err instanceof Error ? err.message : String(err)}`);
        }
      },
      onMessage: (cb) => (subs.add(cb), () => subs.delete(cb)),
    };
    const run: Running = {
      proc,
      client: clientOverPipe(pipe),
      readyAt: null,
      exited: false,
      startFailure: null,
      exitWaiters: [],
      readyTimer: setTimeout(() => {
        log(`[rollcall] the core did not get ready within ${Math.round(readyTimeoutMs / 1000)} s; stopping it.`);
        proc.kill();
      }, readyTimeoutMs),
    };
    current = run;
    proc.onMessage((raw) => {
      if (isStartupFailure(raw) && run.readyAt === null && !run.exited) {
        run.startFailure = { t: raw.t, message: raw.message, lasting: raw.lasting };
        return;
      }
      if (!isRpcMessage(raw) || run.exited) return;
      if (raw.t === 'evt') {
        if (raw.name === 'core.ready' && run.readyAt === null) {
          run.readyAt = Date.now();
          clearTimeout(run.readyTimer);
          setState('ready', 'The Rollcall core is running.');
          for (const w of readyWaiters) w.resolve(run);
          readyWaiters.clear();
        }
        opts.onEvent(raw.name, raw.payload);
      }
      for (const cb of subs) cb(raw);
    });
    proc.onExit((code) => {
      if (run.exited) return;
      run.exited = true;
      clearTimeout(run.readyTimer);
      run.client.failAll({ code: 'unavailable', message: CRASHED_MESSAGE });
      run.client.close();
      if (current === run) current = null;
      for (const done of run.exitWaiters) done();
      if (stopping) return;
      const failure = run.startFailure;
      if (failure) log(`[rollcall] Rollcall could not start: ${failure.message}`);
      else log(`[rollcall] the core stopped unexpectedly (exit code ${code}).`);
      // A core that ran steadily for a while before dying is not a crash loop: start counting again.
      if (run.readyAt !== null && Date.now() - run.readyAt >= stableAfterMs) restarts = 0;
      afterExit(code, failure);
    });
  };

  const afterExit = (code: number | null, failure: CoreStartupFailure | null) => {
    if (stopping) return;
    // Starting again would only meet the same damaged file or missing permission: say why and wait for a person.
    if (failure?.lasting || restarts >= maxRestarts) {
      const message = failure?.lasting
        ? failure.message
        : failure
          ? `The Rollcall core could not start, ${restarts + 1} times in a row. The last reason: ${failure.message}`
          : `The Rollcall core stopped ${restarts + 1} times in a row (last exit code ${code}). Restart Rollcall; if it keeps happening, check the log.`;
      setState('failed', message);
      failWaiters(message);
      return;
    }
    restarts += 1;
    const delay = backoff(restarts);
    setState(
      'restarting',
      failure ? `The Rollcall core could not start (${failure.message}) and is trying again.` : 'The Rollcall core stopped unexpectedly and is restarting.',
    );
    restartTimer = setTimeout(() => {
      restartTimer = null;
      if (!stopping) spawn();
    }, delay);
  };

  const whenReady = (): Promise<Running> => {
    if (state === 'ready' && current && !current.exited) return Promise.resolve(current);
    if (state === 'failed' || state === 'stopped' || state === 'idle') {
      // 'failed' carries the reason (the explained start-up failure, or the crash count).
      const why = state === 'failed' ? lastStatus.message : 'The Rollcall core is not running.';
      return Promise.reject(new ApiError('unavailable', why));
    }
    return new Promise<Running>((resolve, reject) => {
      const waiter = {
        resolve: (r: Running) => (clearTimeout(timer), resolve(r)),
        reject: (e: ApiError) => (clearTimeout(timer), reject(e)),
      };
      const timer = setTimeout(() => {
        readyWaiters.delete(waiter);
        reject(new ApiError('unavailable', 'The Rollcall core is still starting; try again in a moment.'));
      }, readyTimeoutMs);
      readyWaiters.add(waiter);
    });
  };

  return {
    async call(name, args) {
      try {
        const run = await whenReady();
        // Checked in the same tick as the send: an exited core would leave the call hanging.
        if (run.exited) throw new ApiError('unavailable', CRASHED_MESSAGE);
        const result = await run.client.invoke(name as CallName, args as never);
        return { ok: true, result: result === undefined ? null : result };
      } catch (err) {
        return { ok: false, error: toErrorShape(err) };
      }
    },
    start() {
      if (state === 'starting' || state === 'ready' || state === 'restarting') return;
      stopping = false;
      restarts = 0;
      setState('starting', 'The Rollcall core is starting.');
      spawn();
    },
    async stop() {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      restartTimer = null;
      failWaiters('Rollcall is shutting down.');
      const run = current;
      if (run && !run.exited) {
        await new Promise<void>((done) => {
          const timer = setTimeout(done, run.readyAt === null ? STOP_WAIT_STARTING_MS : STOP_WAIT_MS);
          run.exitWaiters.push(() => (clearTimeout(timer), done()));
          run.proc.kill();
        });
      }
      setState('stopped', 'The Rollcall core has stopped.');
    },
    state: () => state,
    status: () => lastStatus,
  };
}

function isRpcMessage(m: unknown): m is RpcMessage {
  if (!m || typeof m !== 'object') return false;
  const t = (m as { t?: unknown }).t;
  return t === 'res' || t === 'evt' || t === 'req';
}

function toErrorShape(err: unknown): ApiErrorShape {
  if (err instanceof ApiError) return err.toShape();
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) };
}
