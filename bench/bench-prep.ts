import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type { PrepInput, PrepResult } from './protocol';
import { rawUpsertMs } from './raw-upsert';
import { requiredWritesMs } from './required-writes';
import { generatePeople, planChanges, planRemovals } from './synthetic-people';
import { packRecords } from './synthetic-records';

/*
 * The generator thread, started by the engine worker before any pass and gone before the first:
 * it runs faker (seed 42) and the raw better-sqlite3 baseline on the very rows it made, then
 * hands the rows over compactly and exits. What it needed — faker's locale tables, the
 * generator's garbage, a V8 heap sized for both — must not stay in the RSS the passes are
 * measured by, and ending the thread is not enough for that (see below).
 */

async function prepare({ n, dir }: PrepInput): Promise<{ result: PrepResult; transfer: ArrayBuffer[] }> {
  const t = performance.now();
  const src = generatePeople(n);
  const generateMs = performance.now() - t;
  // Planned now, while faker and the email book are here; the engine worker applies them lazily.
  const change = planChanges(src, 0.1);
  const removals = planRemovals(n, 0.01);
  // Raw baseline on the very rows generated; the caller takes the better of the two fresh files,
  // so one unlucky fsync does not set the yardstick.
  const rawRuns = [rawUpsertMs(join(dir, 'raw-1.db'), src.records), rawUpsertMs(join(dir, 'raw-2.db'), src.records)];
  // The writes a first pass cannot avoid, on the same rows, also the better of two fresh files.
  const floorRuns = [await requiredWritesMs(join(dir, 'floor-1.db'), src.records), await requiredWritesMs(join(dir, 'floor-2.db'), src.records)];
  const records = packRecords(src.records);
  return { result: { records, change, removals, rawRuns, floorRuns, generateMs }, transfer: [records] };
}

const { result, transfer } = await prepare(workerData as PrepInput);
parentPort!.postMessage(result, transfer);
// V8 keeps a dead isolate's heap pages in a process-wide pool rather than unmapping them, so a
// thread that just exits leaves its whole high-water heap in the process's RSS (about 230 MB at
// 100k people). A memory-reducing collection while only the message's leftovers are alive gives
// the pages back to the OS first. Needs --expose-gc, as the engine worker's collect() does.
(globalThis as { gc?: (opts?: object) => void }).gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
