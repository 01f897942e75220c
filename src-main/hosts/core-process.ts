/**
 * Entry point of the core process. The Electron host forks it with utilityProcess and the
 * browser host with child_process.fork: either way the core's synchronous SQLite work never
 * blocks the thread that serves the window. Messages are RpcMessage objects both ways.
 */
import { serveOverPipe } from '../contract/dispatch';
import type { MessagePipe, RpcMessage } from '../contract/rpc';
import { parseRole } from '../contract/define';
import { readFlag, resolveDataDir } from '../core/app-paths';
import { createCore } from '../core/core';
import type { Core } from '../core/core';
import { createChannelSecretStore } from '../core/secrets/secret-channel';
import { hostCallContext } from './host-call-context';
import type { RawPort } from '../core/secrets/secret-channel';
import type { Role } from '../contract/define';
import { describeStartupFailure } from './core-supervisor';
import type { CoreStartupFailure } from './core-supervisor';
import pkg from '../../package.json';

interface ParentPort {
  postMessage(msg: unknown): void;
  on(event: 'message', cb: (e: { data: unknown }) => void): void;
  off?(event: 'message', cb: (e: { data: unknown }) => void): void;
}

/** The same parent channel, untyped: the secret requests of the desktop app travel on it too. */
function parentRawPort(): RawPort {
  const port = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (port) return { send: (m) => port.postMessage(m), onMessage: (cb) => port.on('message', (e) => cb(e.data)) };
  return { send: (m) => process.send?.(m), onMessage: (cb) => process.on('message', cb) };
}

function parentPipe(): MessagePipe {
  const port = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (port) {
    return {
      send: (m) => port.postMessage(m),
      onMessage: (cb) => {
        const h = (e: { data: unknown }) => cb(e.data as RpcMessage);
        port.on('message', h);
        return () => port.off?.('message', h);
      },
    };
  }
  if (process.send) {
    return {
      send: (m) => process.send!(m),
      onMessage: (cb) => {
        const h = (m: unknown) => cb(m as RpcMessage);
        process.on('message', h);
        return () => process.off('message', h);
      },
    };
  }
  throw new Error('core-process must be started by a host (no parent channel).');
}

/*
 * A promise rejection nobody handled (a refusal inside some bookkeeping chain, say) would end this
 * process on Node 24 and fail every call in flight, a running sync pass included. The request that
 * caused it has already had its answer; log the stray rejection and keep serving. SQLite work is
 * synchronous, so no transaction can be left half-open by one.
 */
process.on('unhandledRejection', (reason) => {
  console.error('[rollcall core] a stray promise rejection (ignored):', reason instanceof Error ? reason.message : String(reason));
});

/**
 * How long a stop signal that arrives during start-up waits for the start to finish before the
 * process exits anyway. ROLLCALL_SHUTDOWN_WAIT_MS shortens it for the tests.
 */
const SHUTDOWN_WAIT_MS = Number(process.env.ROLLCALL_SHUTDOWN_WAIT_MS) > 0 ? Number(process.env.ROLLCALL_SHUTDOWN_WAIT_MS) : 10_000;

/** Set by the first stop signal; start-up checks it before it starts serving. */
let stopRequested = false;

async function main(): Promise<Core> {
  const argv = process.argv.slice(2);
  const dataDir = resolveDataDir(argv);
  const host = (readFlag(argv, '--host') ?? 'browser') as 'electron' | 'browser';
  // Refuses to start with a role it does not know (see parseRole): never a guess at the rights.
  // Every start would refuse it again, so the host is told not to retry.
  let role: Role;
  try {
    role = parseRole(readFlag(argv, '--role') ?? process.env.ROLLCALL_ROLE);
  } catch (err) {
    throw Object.assign(new Error(err instanceof Error ? err.message : String(err)), { lasting: true });
  }
  const pipe = parentPipe();
  // Secrets: the browser host's core keeps them itself (an encrypted file in the data folder, the
  // default). Electron's safeStorage exists only in the main process, not in this utilityProcess,
  // so the desktop core asks the main process for them (see core/secrets/secret-channel.ts).
  const secretStore = host === 'electron' ? createChannelSecretStore(parentRawPort()) : undefined;
  const core = await createCore({
    dataDir,
    host,
    role,
    version: pkg.version,
    schedule: true,
    secretStore,
    // ROLLCALL_BACKGROUND_PUSH=0 leaves pushing to "Push now" (the e2e tests count what one push did).
    backgroundPush: process.env.ROLLCALL_BACKGROUND_PUSH !== '0',
  });
  // Told to stop while starting: the core is only opened to be closed again (see stop below).
  if (stopRequested) return core;
  // Every call from the window (or the token-holding page) acts as this host's user and role.
  const server = serveOverPipe(core.handlers, pipe, hostCallContext(host, role));
  core.events.subscribe((name, payload) => server.emit(name, payload));
  // Tell the host we are ready to take calls.
  server.emit('core.ready', { version: pkg.version });
  return core;
}

/**
 * Tells the host why this core could not start, then exits. The host shows the reason to the user
 * and, when it is lasting, stops restarting; the full error stays on stderr for a reason that is
 * not already explained. The exit waits for the message to leave (bounded: a host that is gone
 * must not keep this process alive).
 */
function reportStartupFailure(err: unknown): void {
  const failure: CoreStartupFailure = describeStartupFailure(err);
  if (!failure.lasting) console.error('[rollcall core] failed to start:', err);
  const exit = () => process.exit(1);
  setTimeout(exit, 1000);
  const port = (process as unknown as { parentPort?: ParentPort }).parentPort;
  try {
    if (port) {
      port.postMessage(failure);
      // Electron's port has no delivery callback: a moment is enough for the message to leave.
      setTimeout(exit, 100);
    } else if (process.send && process.connected) {
      process.send(failure, () => exit());
    } else {
      exit();
    }
  } catch {
    exit();
  }
}

const started = main();
started.catch(reportStartupFailure);

/*
 * Stop signals are handled from the first moment, not only once the core is ready: quitting
 * during the first start (the demo seed takes a while) must not cut the process off with the
 * database open. A stop waits for start-up to end, then closes the core and exits. A start-up
 * that fails reports itself and exits (see reportStartupFailure). One that neither finishes nor
 * fails within SHUTDOWN_WAIT_MS (or a close that hangs) is left behind: SQLite's journal makes an unclosed file safe to
 * open again, and a quit must not hang for ever.
 */
function stop(why: string): void {
  if (stopRequested) return;
  stopRequested = true;
  let ready = false;
  const bound = setTimeout(() => {
    const still = ready ? 'still closing' : 'still starting';
    console.error(`[rollcall core] ${why}, but the core was ${still} ${SHUTDOWN_WAIT_MS / 1000} s later; exiting without closing it.`);
    process.exit(1);
  }, SHUTDOWN_WAIT_MS);
  started.then(
    async (core) => {
      ready = true;
      try {
        await core.close();
      } catch (err) {
        console.error('[rollcall core] closing the core failed:', err instanceof Error ? err.message : String(err));
        process.exit(1);
      }
      clearTimeout(bound);
      process.exit(0);
    },
    () => undefined,
  );
}
process.on('SIGTERM', () => stop('asked to stop (SIGTERM)'));
process.on('SIGINT', () => stop('asked to stop (SIGINT)'));
process.on('disconnect', () => stop('the host went away'));
