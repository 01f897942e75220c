import type Database from 'better-sqlite3';

/*
 * The compact half of the activity log. Most records of an hourly pass are exactly as they were
 * an hour ago; writing a full log row for each of 100k of them cost more than the rest of the
 * pass. Those records are kept instead as one `activity_batch` row per pass and source, which
 * owns a contiguous range of activity ids (reserved in activity_entry's AUTOINCREMENT sequence),
 * so every record of every pass still has its own entry id, in order, and readers expand a batch
 * into ordinary entries.
 *
 * `entries` is a JSON array, one element per entry, in id order (first_id + index):
 *  - a string: the external id of a record linked to a person and unchanged since the last pass.
 *    Outcome "processed", reason UNCHANGED_REASON; the person is the one linked to
 *    (source_connection_id, external id), looked up when read.
 *  - an array [externalId, reasonCode, reason, name, entryId]: a record that never became a person
 *    and was skipped again for the same reason as in entry `entryId` (the last entry that carried
 *    its full record and rule chain). Outcome "skipped".
 * JSON rather than a delimited list: external ids and names come from upstream systems and may
 * hold any character.
 *
 * A batch of kind 'added' holds the people a pass created (a first pass or a big import adds
 * 100k at once). `entries` is then a JSON array of [externalId, personId, name, stepIndexes]:
 * outcome "added", reason ADDED_REASON. `records` is a JSON array, aligned with `entries`, of the
 * records as the source sent them; `step_texts` a JSON array of the distinct rule-chain steps of
 * the batch. An entry's rule chain is `Found in ${source_name} as ${externalId}` followed by
 * step_texts[i] for each i in stepIndexes. Readers parse `records` only to open one entry.
 */

/** The reason of an entry whose record did not change since the last pass. */
export const UNCHANGED_REASON = 'No change since the last pass';

/** The reason of an entry for a person a pass created. */
export const ADDED_REASON = 'Added from the source';

export type SkippedAgain = [externalId: string, reasonCode: string, reason: string, name: string, entryId: number];
export type BatchEntry = string | SkippedAgain;
export type AddedEntry = [externalId: string, personId: string, name: string, stepIndexes: number[]];

/**
 * A record as the source sent it, as JSON text for the log. Plain JSON.stringify first (the
 * common case, at full speed); a record it cannot write (a BigInt, a cycle, nesting deeper than
 * the stack, a throwing toJSON) is written with those parts as text instead of failing the pass,
 * so the entry still shows what came in. Never returns undefined (a bare function or symbol).
 */
export function recordJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    const seen = new WeakSet<object>();
    try {
      return (
        JSON.stringify(value, (_key, v: unknown) => {
          if (typeof v === 'bigint') return v.toString();
          if (v !== null && typeof v === 'object') {
            if (seen.has(v)) return '[circular]';
            seen.add(v);
          }
          return v;
        }) ?? 'null'
      );
    } catch (err) {
      return JSON.stringify({ unreadable: `The record could not be written to the log: ${err instanceof Error ? err.message : String(err)}` });
    }
  }
}

/** The first step of every added entry's rule chain (the rest is stored as step indexes). */
export function foundStep(sourceName: string, externalId: string): string {
  return `Found in ${sourceName} as ${externalId}`;
}

export interface ActivityBatchRow {
  first_id: number;
  count: number;
  skipped: number;
  site_id: string;
  run_id: string | null;
  at: string;
  source_connection_id: string | null;
  kind: 'unchanged' | 'added';
  source_name: string | null;
  entries: string;
  /** Only for kind 'added'; readers load them only to open an entry. */
  step_texts?: string | null;
  records?: string | null;
}

/** One expanded entry of a batch, before any person lookup. */
export interface BatchEntryView {
  id: number;
  siteId: string;
  runId: string | null;
  at: string;
  sourceConnectionId: string | null;
  outcome: 'processed' | 'skipped' | 'added';
  externalId: string;
  reasonCode: string | null;
  reason: string;
  /** Skipped entries carry the name the source gave; processed ones take the linked person's. */
  name: string | null;
  /** Skipped entries: the earlier entry with the full record and rule chain. */
  entryId: number | null;
  /** Added entries: the person created. */
  personId?: string | null;
  /** Added entries: indexes into the batch's step_texts (the first step is foundStep()). */
  stepIndexes?: number[];
}

/**
 * Reserves `count` consecutive activity ids and returns the first. Must run inside the pass's
 * transaction: AUTOINCREMENT never hands out an id at or below sqlite_sequence.seq, so rows
 * inserted afterwards land above the range.
 */
export function reserveActivityIds(sqlite: Database.Database, count: number): number {
  const seq = sqlite.prepare(`SELECT seq FROM sqlite_sequence WHERE name = 'activity_entry'`).pluck().get() as number | undefined;
  const maxId = sqlite.prepare('SELECT max(id) FROM activity_entry').pluck().get() as number | null;
  const last = Math.max(Number(seq ?? 0), Number(maxId ?? 0));
  if (seq === undefined) sqlite.prepare(`INSERT INTO sqlite_sequence (name, seq) VALUES ('activity_entry', ?)`).run(last + count);
  else sqlite.prepare(`UPDATE sqlite_sequence SET seq = ? WHERE name = 'activity_entry'`).run(last + count);
  return last + 1;
}

export interface NewBatch {
  siteId: string;
  runId: string | null;
  at: string;
  sourceConnectionId: string | null;
  entries: BatchEntry[];
}

/** Writes one batch under freshly reserved ids; returns its first id (or null when empty). */
export function insertActivityBatch(sqlite: Database.Database, batch: NewBatch): number | null {
  const n = batch.entries.length;
  if (n === 0) return null;
  let skipped = 0;
  for (const e of batch.entries) if (typeof e !== 'string') skipped++;
  const firstId = reserveActivityIds(sqlite, n);
  sqlite
    .prepare(
      `INSERT INTO activity_batch (first_id, count, skipped, site_id, run_id, at, source_connection_id, kind, entries)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'unchanged', ?)`,
    )
    .run(firstId, n, skipped, batch.siteId, batch.runId, batch.at, batch.sourceConnectionId, JSON.stringify(batch.entries));
  return firstId;
}

export interface NewAddedBatch {
  siteId: string;
  runId: string | null;
  at: string;
  sourceConnectionId: string | null;
  sourceName: string;
  entries: AddedEntry[];
  /** Aligned with entries: each record as its source sent it. */
  records: unknown[];
  stepTexts: string[];
}

/** Writes the people a pass added as one batch under freshly reserved ids. */
export function insertAddedBatch(sqlite: Database.Database, batch: NewAddedBatch): number | null {
  const n = batch.entries.length;
  if (n === 0) return null;
  const firstId = reserveActivityIds(sqlite, n);
  sqlite
    .prepare(
      `INSERT INTO activity_batch (first_id, count, skipped, site_id, run_id, at, source_connection_id, kind, source_name, entries, step_texts, records)
       VALUES (?, ?, 0, ?, ?, ?, ?, 'added', ?, ?, ?, ?)`,
    )
    .run(
      firstId, n, batch.siteId, batch.runId, batch.at, batch.sourceConnectionId, batch.sourceName,
      JSON.stringify(batch.entries), JSON.stringify(batch.stepTexts), recordsJson(batch.records),
    );
  return firstId;
}

/** The records of an added batch: one stringify for the whole list, record by record only if that fails. */
function recordsJson(records: unknown[]): string {
  try {
    return JSON.stringify(records);
  } catch {
    return `[${records.map(recordJson).join(',')}]`;
  }
}

/** Parses a batch's entries; a damaged batch reads as empty rather than breaking the log. */
export function parseBatchEntries(text: string): BatchEntry[] {
  try {
    const v = JSON.parse(text) as unknown;
    return Array.isArray(v) ? (v as BatchEntry[]) : [];
  } catch {
    return [];
  }
}

/** The entry at `index` of a parsed batch, as a reader sees it. */
export function viewBatchEntry(row: ActivityBatchRow, entries: BatchEntry[] | AddedEntry[], index: number): BatchEntryView {
  const e = entries[index];
  const common = {
    id: row.first_id + index,
    siteId: row.site_id,
    runId: row.run_id,
    at: row.at,
    sourceConnectionId: row.source_connection_id,
  };
  if (row.kind === 'added') {
    const [externalId, personId, name, stepIndexes] = Array.isArray(e) ? (e as AddedEntry) : ['', null, '', []];
    return {
      ...common,
      outcome: 'added',
      externalId: String(externalId ?? ''),
      reasonCode: null,
      reason: ADDED_REASON,
      name: String(name ?? ''),
      entryId: null,
      personId: typeof personId === 'string' ? personId : null,
      stepIndexes: Array.isArray(stepIndexes) ? stepIndexes.filter((i): i is number => typeof i === 'number') : [],
    };
  }
  if (typeof e === 'string') {
    return { ...common, outcome: 'processed', externalId: e, reasonCode: null, reason: UNCHANGED_REASON, name: null, entryId: null };
  }
  const [externalId, reasonCode, reason, name, entryId] = Array.isArray(e) ? (e as SkippedAgain) : ['', null, '', '', null];
  return {
    ...common,
    outcome: 'skipped',
    externalId: String(externalId ?? ''),
    reasonCode: reasonCode == null ? null : String(reasonCode),
    reason: String(reason ?? ''),
    name: String(name ?? ''),
    entryId: typeof entryId === 'number' ? entryId : null,
  };
}
