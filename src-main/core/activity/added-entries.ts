import type Database from 'better-sqlite3';
import { foundStep, viewBatchEntry } from './activity-batch-format';
import type { BatchEntryView } from './activity-batch-format';
import { BATCH_META_COLUMNS, addedRecord, addedStepTexts, batchEntries } from './activity-batch-reader';
import type { BatchMeta } from './activity-batch-reader';

/*
 * People a pass created live in one 'added' batch per source, not in activity_entry, so the
 * person index of the log cannot find the entry that created someone. It is found from the
 * person row instead: the batch was written by the pass that inserted the person, with the same
 * timestamp and source. A person linked to a source later (first added by hand or by another
 * source) has a created_at no added batch of that source carries, so no entry is claimed for
 * them.
 */

export interface AddedEntryRef {
  batch: BatchMeta;
  index: number;
  view: BatchEntryView;
}

interface PersonOrigin {
  site_id: string;
  created_at: string;
  source_connection_id: string | null;
}

/**
 * The added-batch entry that created the person, if the kept log still holds it and its id lies
 * in (afterId, beforeId). `afterId` lets a caller that already has a later real entry skip the
 * lookup without parsing anything.
 */
export function addedEntryOfPerson(
  sqlite: Database.Database,
  personId: string,
  range: { afterId?: number | null; beforeId?: number | null } = {},
): AddedEntryRef | null {
  const p = sqlite.prepare('SELECT site_id, created_at, source_connection_id FROM person WHERE id = ?').get(personId) as PersonOrigin | undefined;
  if (!p || !p.source_connection_id) return null;
  const after = range.afterId ?? 0;
  const before = range.beforeId ?? Number.MAX_SAFE_INTEGER;
  // Walks the (site, first_id) index; the filter columns precede the big JSON ones in each row,
  // so no entries or records are read for batches that do not qualify.
  const batches = sqlite
    .prepare(
      `SELECT ${BATCH_META_COLUMNS} FROM activity_batch
       WHERE site_id = ? AND kind = 'added' AND at = ? AND source_connection_id = ? AND first_id < ? AND first_id + count - 1 > ?
       ORDER BY first_id DESC`,
    )
    .all(p.site_id, p.created_at, p.source_connection_id, before, after) as BatchMeta[];
  for (const batch of batches) {
    const entries = batchEntries(sqlite, batch.first_id);
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      if (!Array.isArray(e) || e[1] !== personId) continue;
      const id = batch.first_id + i;
      if (id <= after || id >= before) return null;
      return { batch, index: i, view: viewBatchEntry({ ...batch, entries: '' }, entries, i) };
    }
  }
  return null;
}

/**
 * An added entry's rule chain: how the record was found, then its stored steps. The source name
 * is the one the batch was written under (a renamed source still reads as it was at the time).
 */
export function addedSteps(sqlite: Database.Database, ref: Pick<AddedEntryRef, 'batch' | 'view'>, currentSourceName: string | null): string[] {
  const texts = addedStepTexts(sqlite, ref.batch.first_id);
  const steps = [foundStep(ref.batch.source_name ?? currentSourceName ?? 'the source', ref.view.externalId)];
  for (const k of ref.view.stepIndexes ?? []) {
    const text = texts[k];
    // An index past the stored steps means a damaged batch: leave the step out rather than show "undefined".
    if (typeof text === 'string') steps.push(text);
  }
  return steps;
}

/** What the detail view of an added entry shows: the record as sent and its rule chain. */
export function addedDetail(
  sqlite: Database.Database,
  ref: Pick<AddedEntryRef, 'batch' | 'view' | 'index'>,
  currentSourceName: string | null,
): { record: unknown; steps: string[] } {
  return { record: addedRecord(sqlite, ref.batch.first_id, ref.index), steps: addedSteps(sqlite, ref, currentSourceName) };
}
