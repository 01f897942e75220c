// Test-only child process: opens the core on a data folder and pushes the outbox slowly, so the
// parent test can kill it in the middle of a push (see outbox-crash.test.ts). TypeScript is
// loaded through Vite's module runner, as vitest itself does.
import { createServer, createServerModuleRunner } from 'vite';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const [dataDir, delayMs] = process.argv.slice(2);
const server = await createServer({ root, configFile: false, logLevel: 'error', server: { middlewareMode: true, hmr: false, ws: false }, appType: 'custom', optimizeDeps: { noDiscovery: true, include: [] } });
const runner = createServerModuleRunner(server.environments.ssr, { hmr: false });
const { createCore } = await runner.import('/src-main/core/core.ts');
const core = await createCore({ dataDir, host: 'test', seedDemoWhenEmpty: false });
// Every write answers slowly, so the push is still going when the parent kills us.
core.upstreams.demo.access.misbehave({ delayMs: Number(delayMs), times: Infinity, method: 'POST' });
core.upstreams.demo.access.misbehave({ delayMs: Number(delayMs), times: Infinity, method: 'DELETE' });
process.send?.({ t: 'pushing' });
const summary = await core.handlers['outbox.pushNow']({}, { role: 'manager', actor: 'crash-child' });
process.send?.({ t: 'done', summary });
