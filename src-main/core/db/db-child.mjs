// Test-only child process for the data-integrity tests (integrity-*.test.ts): a second process on
// the same data folder, as the CLI is next to the app, which the parent can also kill -9.
// TypeScript is loaded through Vite's module runner, as vitest itself does.
//   node db-child.mjs open <dbFile>         opens (and migrates) the database, then closes it
//   node db-child.mjs slow-pass <dataDir>   the demo site's pass with a source that answers slowly
//   node db-child.mjs csv-passes <dataDir>  CSV imports of 5,000 people, each renaming everyone, until killed
// It reports with process.send: {t:'ready'}, {t:'ok', ...} or {t:'error', message}.
import { createServer, createServerModuleRunner } from 'vite';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const [action, target] = process.argv.slice(2);
const server = await createServer({
  root,
  configFile: false,
  logLevel: 'error',
  server: { middlewareMode: true, hmr: false, ws: false },
  appType: 'custom',
  optimizeDeps: { noDiscovery: true, include: [] },
});
const runner = createServerModuleRunner(server.environments.ssr, { hmr: false });
const send = (m) => new Promise((r) => (process.send ? process.send(m, () => r()) : r()));

try {
  if (action === 'open') {
    const { openDatabase } = await runner.import('/src-main/core/db/open-database.ts');
    // Both processes start migrating together: wait for the parent's go.
    await send({ t: 'ready' });
    await new Promise((r) => process.once('message', r));
    const db = await openDatabase(target);
    const migrations = db.sqlite.prepare('SELECT count(*) FROM migrations').pluck().get();
    await db.close();
    await send({ t: 'ok', migrations });
  } else if (action === 'csv-passes') {
    const { createCore } = await runner.import('/src-main/core/core.ts');
    const core = await createCore({ dataDir: target, host: 'cli', seedDemoWhenEmpty: false });
    const ctx = { role: 'manager', actor: 'db-child' };
    const siteId =
      core.db.sqlite.prepare('SELECT id FROM site LIMIT 1').pluck().get() ?? (await core.handlers['sites.create']({ name: 'Crash Court' }, ctx)).id;
    await send({ t: 'ready' });
    for (let i = 0; ; i++) {
      const rows = ['id,first,last,email'];
      for (let n = 0; n < 5000; n++) rows.push(`${n},Round${i},Person${n},p${n}@example.org`);
      const result = await core.importCsv({ siteId, fileName: 'people.csv', bytes: new TextEncoder().encode(rows.join('\n')), enableIntegrations: true });
      await send({ t: 'pass', i, status: result.run.status, error: result.run.error });
    }
  } else if (action === 'slow-pass') {
    const { createCore } = await runner.import('/src-main/core/core.ts');
    const core = await createCore({ dataDir: target, host: 'cli', seedDemoWhenEmpty: false });
    const siteId = core.db.sqlite.prepare('SELECT id FROM site ORDER BY is_demo DESC, name LIMIT 1').pluck().get();
    core.upstreams.demo.source.misbehave({ delayMs: 60_000, times: Infinity });
    await send({ t: 'ready' });
    await core.engine.runSite(siteId, { trigger: 'manual' });
  }
} catch (err) {
  await send({ t: 'error', message: err instanceof Error ? (process.env.DB_CHILD_STACK ? err.stack : err.message) : String(err) });
  process.exitCode = 1;
}
await server.close();
