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

async function main() {
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
  // Every call from the window (or the token-holding page) acts as this host's user and role.
  const server = serveOverPipe(core.handlers, pipe, hostCallContext(host, role));
  core.events.subscribe((name, payload) => server.emit(name, payload));
  // Tell the host we are ready to take calls.
  server.emit('core.ready', { version: pkg.version });
  const shutdown = async () => {
    await core.close();
    process.exit(0);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  process.on('disconnect', shutdown);
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

main().catch(reportStartupFailure);
