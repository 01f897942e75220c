import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { getHeapStatistics } from 'node:v8';
import { parentPort, Worker, workerData } from 'node:worker_threads';
import type { SourceConnector, SourceRecord } from '../src-main/core/adapters/types';
import { CoreEvents } from '../src-main/core/core-events';
import { openDatabase } from '../src-main/core/db/open-database';
import type { OpenDatabase } from '../src-main/core/db/open-database';
import { defaultSiteSettings } from '../src-main/core/sync/site-defaults';
import { SyncEngine } from '../src-main/core/sync/sync-engine';
import { PassHeapProfiler } from './heap-profiler';
import { PassProfiler } from './pass-profiler';
import { PASS_NAMES } from './protocol';
import type { HostMessage, PassName, PassResult, PrepInput, PrepResult, WorkerInput, WorkerMessage } from './protocol';
import { applyChanges, applyRemovals, BENCH_PROPERTY, unpackRecords } from './synthetic-records';

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

  /** `--heap`: called as each page is handed over, a point on the pass's heap timeline. */
  onPage: ((where: string) => void) | null = null;

  async *list(): AsyncIterable<SourceRecord[]> {
    const snapshot = this.records;
    for (let i = 0; i < snapshot.length; i += this.pageSize) {
      this.onPage?.(`source page ${i / this.pageSize + 1}`);
      yield snapshot.slice(i, i + this.pageSize);
    }
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

/**
 * Source data and the raw baseline, from a generator thread of their own (bench-prep.ts). Resolves
 * only once that thread has exited, so none of its memory is left when the passes start.
 */
function prepare(n: number, dir: string): Promise<PrepResult> {
  return new Promise((resolve, reject) => {
    const prep = new Worker(new URL('./bench-prep.js', import.meta.url), { workerData: { n, dir } satisfies PrepInput });
    let result: PrepResult | null = null;
    prep.once('message', (m: PrepResult) => (result = m));
    prep.once('error', reject);
    prep.once('exit', (code) => (result ? resolve(result) : reject(new Error(`the generator thread stopped (exit code ${code}) without its data`))));
  });
}

/**
 * A full, compacting collection that also hands V8's emptied heap pages back to the OS: a plain
 * gc() leaves the heap at its high-water mark (about 50 MB more RSS after unpacking 100k records,
 * 130 MB when the records were generated on this thread).
 * Needs --expose-gc (bench/run.mjs passes it); without it this does nothing.
 */
function collect(): void {
  (globalThis as { gc?: (opts?: object) => void }).gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

async function main() {
  const { n } = input;
  const dir = mkdtempSync(join(tmpdir(), 'rollcall-bench-'));
  try {
    const prep = await prepare(n, dir);
    log(`generated ${n} people in ${Math.round(prep.generateMs)} ms (generator thread)`);
    const rawRuns = prep.rawRuns;
    const rawMs = Math.min(...rawRuns);
    log(`raw upsert: ${rawRuns.map((r) => r.toFixed(0)).join(' / ')} ms (generator thread, same rows)`);
    const floorMs = Math.min(...prep.floorRuns);
    log(`required writes: ${prep.floorRuns.map((r) => r.toFixed(0)).join(' / ')} ms (generator thread, same rows)`);
    const records = unpackRecords(prep.records);
    // The transferred buffer is only needed until parsed.
    prep.records = new ArrayBuffer(0);

    const t = performance.now();
    // As the core opens it (core.ts): WAL checkpoints on a thread of their own.
    const db = await openDatabase(join(dir, 'rollcall.db'), { backgroundCheckpoints: true });
    log(`database opened and migrated in ${Math.round(performance.now() - t)} ms`);
    for (const pragma of input.pragmas) log(`what-if: PRAGMA ${pragma} → ${JSON.stringify(db.sqlite.pragma(pragma))}`);
    const siteId = setUp(db);
    const source = new MemorySource();
    const events = new CoreEvents();
    const heap = input.heap ? new PassHeapProfiler() : null;
    events.subscribe((name, payload) => {
      heap?.probe(`event ${name}${name === 'sync.progress' ? ` ${JSON.stringify(payload)}` : ''}`);
      post({ type: 'event', name, payload });
    });
    if (heap) {
      heap.connect();
      source.onPage = (where) => heap.probe(where);
    }
    const engine = new SyncEngine({ db, events, connectorFor: () => source });
    const profiler = input.profile ? new PassProfiler(input.profileDir) : null;
    if (profiler) await profiler.connect();

    // What the source lists before each pass, derived only when needed so the bench holds no
    // more data than a core process would.
    let current = records;
    const sourceFor: Record<PassName, () => SourceRecord[]> = {
      first: () => current,
      no_change: () => current,
      change_10pct: () => {
        const c = prep.change.summary;
        log(`change pass: ${c.changed} people changed (${c.lastNames} last names, ${c.phones} phones, ${c.emails} emails)`);
        return applyChanges(current, prep.change);
      },
      removal_1pct: () => {
        log(`removal pass: ${prep.removals.length} people gone from the source`);
        return applyRemovals(current, prep.removals);
      },
    };
    // Unpacking's garbage is not the engine's (the loop below collects again before each pass).
    collect();
    const mem = process.memoryUsage();
    const mb = (b: number) => `${Math.round(b / 2 ** 20)} MB`;
    log(`before the first pass: rss ${mb(mem.rss)}, this thread's JS heap ${mb(getHeapStatistics().used_heap_size)}, external ${mb(mem.external)}`);
    const passes: PassResult[] = [];
    for (const name of PASS_NAMES) {
      const records = (current = sourceFor[name]());
      source.records = records;
      // Passes in the app are an hour apart: by the next one, the previous pass's WAL has long
      // been copied into the file and its garbage collected. Back to back, both would land on
      // this pass instead.
      await db.checkpointer?.checkpointNow();
      collect();
      post({ type: 'pass-start', name });
      await waitForGo();
      if (profiler) await profiler.start();
      heap?.start();
      const cpu0 = process.threadCpuUsage();
      const t0 = performance.now();
      const run = await engine.runSite(siteId, { trigger: 'manual' });
      const ms = performance.now() - t0;
      const cpu = process.threadCpuUsage(cpu0);
      if (profiler) await profiler.stop(name, ms);
      heap?.stop(name, ms);
      const result: PassResult = { name, ms, cpuMs: (cpu.user + cpu.system) / 1000, rows: records.length, status: run.status, outcomes: run.counts as Record<string, number>, error: run.error };
      post({ type: 'pass-end', result });
      passes.push(result);
      log(`${name}: ${ms.toFixed(0)} ms (cpu ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms), ${run.status}, ${JSON.stringify(run.counts)}`);
      if (run.status === 'failed') throw new Error(`the ${name} pass failed: ${run.error}`);
      if (run.status === 'held') log(`${name}: HELD by the mass-change guard: ${run.preview?.reason ?? ''}`);
    }
    const persons = db.sqlite.prepare('SELECT count(*) AS c, sum(access_enabled) AS on_ FROM person').get() as { c: number; on_: number };
    log(`mirror after the passes: ${persons.c} people, ${persons.on_} with access on`);
    await db.close();
    post({ type: 'done', rawMs, rawRuns, floorMs, passes });
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
