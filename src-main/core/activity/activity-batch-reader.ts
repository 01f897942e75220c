import type Database from 'better-sqlite3';
import { parseBatchEntries } from './activity-batch-format';
import type { ActivityBatchRow, AddedEntry, BatchEntry } from './activity-batch-format';

/*
 * Reading batches back. A 100k-entry batch is 1–2 MB of JSON and costs 10–20 ms to parse, while
 * its metadata (range, counts, time) is a few bytes. So callers select metadata only and ask for
 * the entries of the batches they actually need; parsed entries are kept in a small cache.
 * A batch never changes once written and its first_id is never reused (ids come from the
 * AUTOINCREMENT sequence, which only grows), so a cached batch can never be stale: at worst it
 * belongs to a batch pruning has deleted, and then nobody asks for it again.
 */

/** A batch without its entries (nor, for added batches, its records and step texts). */
export type BatchMeta = Omit<ActivityBatchRow, 'entries' | 'step_texts' | 'records'>;

/** The parsed entries of a batch: which tuple shape depends on the batch's kind. */
export type ParsedEntries = BatchEntry[] | AddedEntry[];

// Never `records` or `step_texts`: an added batch of 100k people holds ~25 MB of them, and only
// opening one of its entries needs them (see addedRecord / addedStepTexts).
export const BATCH_META_COLUMNS = 'first_id, count, skipped, site_id, run_id, at, source_connection_id, kind, source_name';

/** Upper bound on cached entries over all batches: ~500k short strings is tens of MB at most. */
const CACHE_ENTRY_LIMIT = 500_000;

interface BatchCache {
  byFirstId: Map<number, ParsedEntries>;
  entries: number;
  /** How many batches were parsed: lets tests check that a page parses only what it shows. */
  parses: number;
}

// One cache per connection: tests (and a restored backup) open different files whose ids overlap.
const caches = new WeakMap<Database.Database, BatchCache>();

function cacheOf(sqlite: Database.Database): BatchCache {
  let c = caches.get(sqlite);
  if (!c) {
    c = { byFirstId: new Map(), entries: 0, parses: 0 };
    caches.set(sqlite, c);
  }
  return c;
}

/** The parsed entries of a batch if they are already cached (and marks them recently used). */
export function cachedBatchEntries(sqlite: Database.Database, firstId: number): ParsedEntries | undefined {
  const c = cacheOf(sqlite);
  const hit = c.byFirstId.get(firstId);
  if (hit) {
    // Map keeps insertion order: re-inserting makes eviction least-recently-used.
    c.byFirstId.delete(firstId);
    c.byFirstId.set(firstId, hit);
  }
  return hit;
}

/** The raw JSON of a batch's entries ('' when the batch is gone). */
export function batchText(sqlite: Database.Database, firstId: number): string {
  const text = sqlite.prepare('SELECT entries FROM activity_batch WHERE first_id = ?').pluck().get(firstId) as string | undefined;
  return text ?? '';
}

/** The parsed entries of a batch, from the cache or parsed once (from `text` when the caller read it). */
export function batchEntries(sqlite: Database.Database, firstId: number, text?: string): ParsedEntries {
  const hit = cachedBatchEntries(sqlite, firstId);
  if (hit) return hit;
  const c = cacheOf(sqlite);
  // Both kinds are JSON arrays; which tuples they hold is read from the batch's kind by viewBatchEntry.
  const entries = parseBatchEntries(text ?? batchText(sqlite, firstId)) as ParsedEntries;
  c.parses++;
  if (entries.length > 0 && entries.length <= CACHE_ENTRY_LIMIT) {
    c.byFirstId.set(firstId, entries);
    c.entries += entries.length;
    for (const [key, old] of c.byFirstId) {
      if (c.entries <= CACHE_ENTRY_LIMIT) break;
      c.byFirstId.delete(key);
      c.entries -= old.length;
    }
  }
  return entries;
}

/** Cache figures for tests and benchmarks. */
export function batchCacheInfo(sqlite: Database.Database): { parses: number; batches: number; entries: number } {
  const c = cacheOf(sqlite);
  return { parses: c.parses, batches: c.byFirstId.size, entries: c.entries };
}

/** The batch whose id range holds `id`, if any. */
export function findBatchHolding(sqlite: Database.Database, id: number): BatchMeta | undefined {
  const b = sqlite
    .prepare(`SELECT ${BATCH_META_COLUMNS} FROM activity_batch WHERE first_id <= ? ORDER BY first_id DESC LIMIT 1`)
    .get(id) as BatchMeta | undefined;
  return b && id < b.first_id + b.count ? b : undefined;
}

/** The batches one run wrote for a site, newest first. */
export function batchesOfRun(sqlite: Database.Database, siteId: string, runId: string): BatchMeta[] {
  // No index on run_id: a run's batches are among the newest, so walk the site's batches from the
  // newest and stop at the first batch of an older run once this run's batches have been seen.
  const out: BatchMeta[] = [];
  const stmt = sqlite.prepare(`SELECT ${BATCH_META_COLUMNS} FROM activity_batch WHERE site_id = ? ORDER BY first_id DESC`);
  for (const b of stmt.iterate(siteId) as Iterable<BatchMeta>) {
    if (b.run_id === runId) out.push(b);
    else if (out.length) break;
  }
  return out;
}

/**
 * The record an added entry was created from, as its source sent it (null when the batch is gone
 * or damaged). Extracted by SQLite's JSON path rather than parsed here: for a 100k batch that is
 * ~50 ms and no memory kept, against ~250 ms and ~100 MB of objects to JSON.parse the whole
 * array. Nothing is cached: one entry is opened at a time, by hand.
 */
export function addedRecord(sqlite: Database.Database, firstId: number, index: number): unknown {
  if (!Number.isInteger(index) || index < 0) return null;
  try {
    const text = sqlite
      .prepare(`SELECT records -> ? FROM activity_batch WHERE first_id = ? AND kind = 'added'`)
      .pluck()
      .get(`$[${index}]`, firstId) as string | null | undefined;
    return typeof text === 'string' ? (JSON.parse(text) as unknown) : null;
  } catch {
    // Malformed JSON in a damaged batch: the entry still opens, without its record.
    return null;
  }
}

/** The distinct rule-chain steps of an added batch (a few KB: parsed whole, on demand). */
export function addedStepTexts(sqlite: Database.Database, firstId: number): string[] {
  const text = sqlite.prepare(`SELECT step_texts FROM activity_batch WHERE first_id = ? AND kind = 'added'`).pluck().get(firstId);
  if (typeof text !== 'string') return [];
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? v.map((s) => String(s)) : [];
  } catch {
    return [];
  }
}

/** The person a processed batch entry stands for: the one linked to (connection, external id). */
export interface LinkedPerson {
  id: string;
  name: string;
}

export function linkedPersonLookup(sqlite: Database.Database): (connId: string | null, externalId: string) => LinkedPerson | null {
  const stmt = sqlite.prepare('SELECT id, first_name, last_name FROM person WHERE source_connection_id = ? AND external_id = ?');
  return (connId, externalId) => {
    if (!connId) return null;
    const p = stmt.get(connId, externalId) as { id: string; first_name: string; last_name: string } | undefined;
    return p ? { id: p.id, name: `${p.first_name} ${p.last_name}`.trim() } : null;
  };
}
