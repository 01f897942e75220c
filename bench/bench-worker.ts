import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import type { SourceConnector, SourceRecord } from '../src-main/core/adapters/types';
import { CoreEvents } from '../src-main/core/core-events';
import { openDatabase } from '../src-main/core/db/open-database';
import type { OpenDatabase } from '../src-main/core/db/open-database';
import { defaultSiteSettings } from '../src-main/core/sync/site-defaults';
import { SyncEngine } from '../src-main/core/sync/sync-engine';
import { PassProfiler } from './pass-profiler';
import { PASS_NAMES } from './protocol';
import type { HostMessage, PassName, PassResult, WorkerInput, WorkerMessage } from './protocol';
import { rawUpsertMs } from './raw-upsert';
import { BENCH_PROPERTY, changeSome, generatePeople, removeSome } from './synthetic-people';

/*
 * The engine side of the bench, in a worker thread: like the app's core process, it does all the
 * synchronous SQLite work off the host thread, so the host can measure its own event-loop delay
 * while a pass runs. Everything here logs to stderr; stdout belongs to the host's report.
 */

const port = parentPort!;
const input = workerData as WorkerInput;
const log = (msg: string) => process.stderr.write(`[bench n=${input.n}] ${msg}\n`);
const post = (m: WorkerMessage) => port.postMessage(m);

/** An upstream source held in memory, served in pages like a vendor API would. */
class MemorySource implements SourceConnector {
  readonly kind = 'demo';
  records: SourceRecord[] = [];
  pageSize = 500;

  async test() {
    return { ok: true, message: 'in memory' };
  }

  async *list(): AsyncIterable<SourceRecord[]> {
    const snapshot = this.records;
    for (let i = 0; i < snapshot.length; i += this.pageSize) yield snapshot.slice(i, i + this.pageSize);
  }
}

function setUp(db: OpenDatabase): string {
  const at = new Date().toISOString();
  const siteId = randomUUID();
  // Default settings, sources on. The mass-change guard keeps its defaults (10 people / 10 %):
  // the 1 % removal pass must pass under them, and the report says so if it was held.
  db.sqlite
    .prepare('INSERT INTO site (id, name, settings, created_at) VALUES (?, ?, ?, ?)')
    .run(siteId, 'Bench Towers', JSON.stringify({ ...defaultSiteSettings(), integrationsEnabled: true }), at);
  db.sqlite
    .prepare('INSERT INTO source_connection (id, site_id, kind, block, name, enabled, config, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .run(randomUUID(), siteId, 'demo', 'integrations', 'Bench PMS', 1, JSON.stringify({ propertyCodes: [BENCH_PROPERTY] }), at);
  return siteId;
}

function waitForGo(): Promise<void> {
  return new Promise((resolve) => {
    const h = (m: HostMessage) => {
      if (m.type !== 'go') return;
      port.off('message', h);
      resolve();
    };
    port.on('message', h);
  });
}

const memAt = (l: string) => { const m = process.memoryUsage(); const h = getHeapStatistics(); log(`MEM ${l}: rss ${Math.round(m.rss/2**20)} heapUsed ${Math.round(h.used_heap_size/2**20)} heapTotal ${Math.round(h.total_heap_size/2**20)} ext ${Math.round(m.external/2**20)}`); };
async function main() {
  const { n } = input;
  memAt('worker start');
  let t = performance.now();
  const src = generatePeople(n);
  log(`generated ${n} people in ${Math.round(performance.now() - t)} ms`);
  memAt('generated'); (globalThis as { gc?: (o?: object) => void }).gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' }); memAt('generated+gc');

  const dir = mkdtempSync(join(tmpdir(), 'rollcall-bench-'));
  try {
    // Raw baseline: best of two fresh files, so one unlucky fsync does not set the yardstick.
    const rawRuns = [rawUpsertMs(join(dir, 'raw-1.db'), src.records), rawUpsertMs(join(dir, 'raw-2.db'), src.records)];
    const rawMs = Math.min(...rawRuns);
    memAt('raw done'); (globalThis as { gc?: (o?: object) => void }).gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' }); memAt('raw done+gc');
    log(`raw upsert: ${rawRuns.map((r) => r.toFixed(0)).join(' / ')} ms`);

    t = performance.now();
    const db = await openDatabase(join(dir, 'rollcall.db'));
    memAt('db open');
    log(`database opened and migrated in ${Math.round(performance.now() - t)} ms`);
    for (const pragma of input.pragmas) log(`what-if: PRAGMA ${pragma} → ${JSON.stringify(db.sqlite.pragma(pragma))}`);
    const siteId = setUp(db);
    const source = new MemorySource();
    const events = new CoreEvents();
    events.subscribe((name, payload) => post({ type: 'event', name, payload }));
    const engine = new SyncEngine({ db, events, connectorFor: () => source });
    const profiler = input.profile ? new PassProfiler(input.profileDir) : null;
    if (profiler) await profiler.connect();

    // What the source lists before each pass, derived only when needed so the bench holds no
    // more data than a core process would.
    let current = src.records;
    const sourceFor: Record<PassName, () => SourceRecord[]> = {
      first: () => current,
      no_change: () => current,
      change_10pct: () => {
        const changed = changeSome(src, 0.1);
        const c = changed.summary;
        log(`change pass: ${c.changed} people changed (${c.lastNames} last names, ${c.phones} phones, ${c.emails} emails)`);
        return changed.records;
      },
      removal_1pct: () => {
        const removed = removeSome(current, 0.01);
        log(`removal pass: ${removed.removed} people gone from the source`);
        return removed.records;
      },
    };
    // With --expose-gc (bench/run.mjs passes it), start from a collected heap: the generator's garbage is not the engine's.
    (globalThis as { gc?: (o?: object) => void }).gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    const mem = process.memoryUsage();
    const mb = (b: number) => `${Math.round(b / 2 ** 20)} MB`;
    log(`before the first pass: rss ${mb(mem.rss)}, this thread's JS heap ${mb(getHeapStatistics().used_heap_size)}, external ${mb(mem.external)}`);
    const passes: PassResult[] = [];
    for (const name of PASS_NAMES) {
      const records = (current = sourceFor[name]());
      source.records = records;
      post({ type: 'pass-start', name });
      await waitForGo();
      if (profiler) await profiler.start();
      const cpu0 = process.threadCpuUsage();
      const t0 = performance.now();
      const run = await engine.runSite(siteId, { trigger: 'manual' });
      const ms = performance.now() - t0;
      const cpu = process.threadCpuUsage(cpu0);
      if (profiler) await profiler.stop(name, ms);
      const result: PassResult = { name, ms, cpuMs: (cpu.user + cpu.system) / 1000, rows: records.length, status: run.status, outcomes: run.counts as Record<string, number>, error: run.error };
      memAt(`after ${name}`);
      post({ type: 'pass-end', result });
      passes.push(result);
      log(`${name}: ${ms.toFixed(0)} ms (cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms), ${run.status}, ${JSON.stringify(run.counts)}`);
      if (run.status === 'failed') throw new Error(`the ${name} pass failed: ${run.error}`);
      if (run.status === 'held') log(`${name}: HELD by the mass-change guard: ${run.preview?.reason ?? ''}`);
    }
    const persons = db.sqlite.prepare('SELECT count(*) AS c, sum(access_enabled) AS on_ FROM person').get() as { c: number; on_: number };
    log(`mirror after the passes: ${persons.c} people, ${persons.on_} with access on`);
    await db.close();
    post({ type: 'done', rawMs, rawRuns, passes });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  // Rethrown on the host as the worker's 'error' event: the bench exits non-zero.
  setImmediate(() => {
    throw err;
  });
});
