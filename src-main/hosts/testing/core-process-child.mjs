// Test-only: runs the real core-process.ts in a Node child process, the way the hosts fork the
// built core-process.js, with TypeScript loaded through Vite's module runner (as db-child.mjs does).
// The arguments are core-process's own (--data-dir, --host, --role).
import { createServer, createServerModuleRunner } from 'vite';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const server = await createServer({
  root,
  configFile: false,
  logLevel: 'error',
  server: { middlewareMode: true, hmr: false, ws: false },
  appType: 'custom',
  optimizeDeps: { noDiscovery: true, include: [] },
});
const runner = createServerModuleRunner(server.environments.ssr, { hmr: false });
await runner.import('/src-main/hosts/core-process.ts');
