/**
 * The browser host: the same console as the desktop app, served to a browser on 127.0.0.1.
 * Used where Electron cannot run (no binary, no display) and by the end-to-end tests.
 */
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFlag, resolveDataDir } from '../../core/app-paths';
import { parseRole } from '../../contract/define';
import { createCoreSupervisor } from '../core-supervisor';
import { childCoreProcess } from '../child-core-process';
import { startConsoleServer } from './console-server';
import type { EventName } from '../../contract/events';

const here = dirname(fileURLToPath(import.meta.url));

async function main() {
  const argv = process.argv.slice(2);
  const dataDir = resolveDataDir(argv);
  const port = Number(readFlag(argv, '--port') ?? process.env.ROLLCALL_PORT ?? 0);
  // Checked here too, so a typo stops the host with one clear line before any core starts.
  const role = parseRole(readFlag(argv, '--role') ?? process.env.ROLLCALL_ROLE);
  const token = randomBytes(24).toString('base64url');

  let broadcast: (name: EventName, payload: unknown) => void = () => {};
  const core = createCoreSupervisor({
    fork: () => childCoreProcess(join(here, 'core-process.js'), ['--data-dir', dataDir, '--host', 'browser', '--role', role]),
    onEvent: (name, payload) => broadcast(name as EventName, payload),
    onStatus: (status) => broadcast('core.status', status),
  });
  core.start();
  // The first start may seed the demo and run its first pass: wait for the core before printing the URL.
  const ready = await core.call('app.info', {});
  // A core that could not start (a damaged database, say) has told the supervisor why, and the
  // supervisor has printed it in one line. The console is still served: it shows the same reason
  // to whoever opens it, instead of a page that cannot connect.
  const failed = !ready.ok && core.state() === 'failed';
  if (!ready.ok && !failed) throw new Error(ready.error.message);

  const server = await startConsoleServer({
    staticDir: join(here, '../renderer'),
    token,
    port,
    call: core.call,
    greeting: () => (core.state() === 'ready' ? [] : [{ name: 'core.status', payload: core.status() }]),
  });
  broadcast = server.broadcast;

  if (failed) console.log(`Rollcall console (it explains the problem; restart Rollcall once it is fixed): ${server.url}`);
  else console.log(`Rollcall console: ${server.url}`);
  console.log(`Data folder: ${dataDir}`);
  // A line for scripts and tests to pick up.
  console.log(`ROLLCALL_URL=${server.url}`);

  const shutdown = async () => {
    await core.stop();
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err) => {
  console.error('[rollcall] the browser host failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
