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
 * Logs the people one pass added from one source as one batch: the records as sent, and each
 * rule chain as indexes into the batch's distinct steps (a pass repeats the same few sentences
 * for every record: "Status Current is synced here", ...). Returns how many entries it wrote.
 */
export function logAdded(sqlite: Database.Database, ctx: { siteId: string; runId: string; at: string }, added: Decision[]): number {
  if (added.length === 0) return 0;
  const first = added[0];
  const index = new Map<string, number>();
  const stepTexts: string[] = [];
  const entries = new Array<AddedEntry>(added.length);
  const records = new Array<unknown>(added.length);
  for (let i = 0; i < added.length; i++) {
    const d = added[i];
    const ext = d.externalId!;
    // The planner opens every chain with foundStep(); readers rebuild it from the batch's source name.
    const from = 1;
    const ids = new Array<number>(d.steps.length - from);
    for (let k = from; k < d.steps.length; k++) {
      const text = d.steps[k];
      let at = index.get(text);
      if (at === undefined) {
        at = stepTexts.length;
        stepTexts.push(text);
        index.set(text, at);
      }
      ids[k - from] = at;
    }
    entries[i] = [ext, d.personId!, d.personName, ids];
    records[i] = d.raw;
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
  return added.length;
}
