/**
 * The browser host: the same console as the desktop app, served to a browser on 127.0.0.1.
 * Used where Electron cannot run (no binary, no display) and by the end-to-end tests.
 */
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFlag, resolveDataDir } from '../../core/app-paths';
import { startCoreChild } from '../core-child';
import type { CoreChild } from '../core-child';
import { startConsoleServer } from './console-server';

const here = dirname(fileURLToPath(import.meta.url));

async function main() {
  const argv = process.argv.slice(2);
  const dataDir = resolveDataDir(argv);
  const port = Number(readFlag(argv, '--port') ?? process.env.ROLLCALL_PORT ?? 0);
  const token = randomBytes(24).toString('base64url');
  const role = readFlag(argv, '--role') ?? process.env.ROLLCALL_ROLE ?? 'manager';
  let stopping = false;
  let core: CoreChild | null = null;

  const server = await startConsoleServer({
    staticDir: join(here, '../renderer'),
    token,
    port,
    core: () => {
      if (!core) throw Object.assign(new Error('The Rollcall core is restarting; try again in a moment.'), { code: 'unavailable' });
      return core.client;
    },
  });

  const spawnCore = async (): Promise<void> => {
    core = await startCoreChild({
      entry: join(here, 'core-process.js'),
      args: ['--data-dir', dataDir, '--host', 'browser', '--role', role],
      onEvent: (name, payload) => server.broadcast(name, payload),
      onExit: (code, signal) => {
        core = null;
        if (stopping) return;
        // A crashed core is restarted; the database is transactional, so nothing half-written stays.
        console.error(`[rollcall] the core stopped (code ${code}, signal ${signal}); restarting it.`);
        setTimeout(() => spawnCore().catch((e) => console.error('[rollcall] restart failed:', e)), 500);
      },
    });
  };
  await spawnCore();

  console.log(`Rollcall console: ${server.url}`);
  console.log(`Data folder: ${dataDir}`);
  // A line for scripts and tests to pick up.
  console.log(`ROLLCALL_URL=${server.url}`);

  const shutdown = async () => {
    stopping = true;
    await core?.stop();
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
