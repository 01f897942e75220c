import type Database from 'better-sqlite3';
import { insertAddedBatch } from '../activity/activity-batch-format';
import type { AddedEntry } from '../activity/activity-batch-format';
import type { Decision } from './plan-types';

/**
 * Whether a decision's log entry goes into its source's "added" batch rather than a row of its
 * own: a plain add (a held or linked record has its own row, with its own reason).
 */
export function isPlainAdd(d: Decision): boolean {
  return d.outcome === 'added' && !d.held && d.personId !== null && d.externalId !== null && d.connId !== null;
}

/**
 * People per added batch. A batch's records are one JSON text: bounded, it stays a few MB (a
 * 1M-person first pass would otherwise build a 300 MB string, near V8's limit on string length),
 * and opening one entry's detail parses one batch's records, not the whole pass's.
 */
export const ADDED_BATCH_SIZE = 5000;

/**
 * Logs the people one pass added from one source as batches of ADDED_BATCH_SIZE: the records as
 * sent, and each rule chain as indexes into the batch's distinct steps (a pass repeats the same
 * few sentences for every record: "Status Current is synced here", ...). Returns how many entries
 * it wrote.
 */
export function logAdded(sqlite: Database.Database, ctx: { siteId: string; runId: string; at: string }, added: Decision[]): number {
  for (let from = 0; from < added.length; from += ADDED_BATCH_SIZE) {
    writeAddedBatch(sqlite, ctx, added, from, Math.min(added.length, from + ADDED_BATCH_SIZE));
  }
  return added.length;
}

function writeAddedBatch(sqlite: Database.Database, ctx: { siteId: string; runId: string; at: string }, added: Decision[], from: number, to: number): void {
  const first = added[from];
  const index = new Map<string, number>();
  const stepTexts: string[] = [];
  const entries = new Array<AddedEntry>(to - from);
  const records = new Array<unknown>(to - from);
  for (let i = from; i < to; i++) {
    const d = added[i];
    const ext = d.externalId!;
    // The planner opens every chain with foundStep(); readers rebuild it from the batch's source name.
    const skip = 1;
    const ids = new Array<number>(d.steps.length - skip);
    for (let k = skip; k < d.steps.length; k++) {
      const text = d.steps[k];
      let at = index.get(text);
      if (at === undefined) {
        at = stepTexts.length;
        stepTexts.push(text);
        index.set(text, at);
      }
      ids[k - skip] = at;
    }
    entries[i - from] = [ext, d.personId!, d.personName, ids];
    records[i - from] = d.raw;
  }
  insertAddedBatch(sqlite, {
    siteId: ctx.siteId,
    runId: ctx.runId,
    at: ctx.at,
    sourceConnectionId: first.connId,
    sourceName: first.connName,
    entries,
    records,
    stepTexts,
  });
}
